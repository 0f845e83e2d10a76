/**
 * How `mailwright send` hands a message to the running app, which holds the outbox lock
 * (outbox-lock.ts): through files in the person's own data folder, never a network listener.
 *
 *   <dataDir>/cli-spool/ (0700)
 *     <id>.request.json   written atomically by the command line
 *     <id>.taken.json     the app claims a request by renaming it (so a request is taken once)
 *     <id>.answer.json    written atomically by the app: the outbox job's id, or an error code
 *
 * The app watches the folder (fs.watch, plus a slow poll for file systems where watching misses
 * events) and enqueues each request into its outbox. Exactly once: a claimed request left behind by
 * a crash is taken up at the next start, and the request id is kept in the job's draft, so a request
 * already enqueued is answered with its job instead of being queued again.
 *
 * Also here, shared by both sides: finding an account by the name typed on the command line, and
 * turning a command-line send into an outbox job (the same enqueue whether the app or the command
 * line holds the outbox).
 */
import { randomUUID } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { parseAddressList } from '../../shared/addresses';
import type { StoredAccount } from '../../shared/model';
import type { ComposeDraft } from '../../shared/outbox';
import { appError, fail, ok, type AppError, type Result } from '../../shared/result';
import { AppErrorSchema } from '../../shared/result';
import { makePrivateFolder, removeQuietly, writeFileAtomic } from './durable-files';
import type { Logger } from './logger';
import type { MessageInput, Outbox, OutboxJob } from './outbox';
import { senderOf } from './outbox/message';

export const SPOOL_FOLDER = 'cli-spool';
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Answers nobody collected (the command line gave up waiting) are removed after this. */
const ANSWER_KEPT_MS = 24 * 60 * 60_000;

export const spoolDir = (dataDir: string) => join(dataDir, SPOOL_FOLDER);

export const CliSendSchema = z
  .object({
    /** The account as typed: its description or email address (findAccount). */
    account: z.string().min(1).max(320),
    to: z.array(z.string().max(998)).max(1000),
    cc: z.array(z.string().max(998)).max(1000),
    bcc: z.array(z.string().max(998)).max(1000),
    subject: z.string().max(998),
    text: z.string().max(10_000_000),
    /** Absolute paths, read when the message is built (at enqueue). */
    attachments: z.array(z.object({ path: z.string().min(1), filename: z.string().min(1).max(255) }).strict()).max(100),
  })
  .strict();
export type CliSend = z.infer<typeof CliSendSchema>;

export const SpoolRequestSchema = z.object({ format: z.literal(1), id: z.string().regex(ID), kind: z.literal('send'), send: CliSendSchema }).strict();
export type SpoolRequest = z.infer<typeof SpoolRequestSchema>;

export const SpoolAnswerSchema = z.union([
  z.object({ id: z.string(), ok: z.literal(true), jobId: z.string() }).strict(),
  z.object({ id: z.string(), ok: z.literal(false), error: AppErrorSchema }).strict(),
]);
export type SpoolAnswer = z.infer<typeof SpoolAnswerSchema>;

const requestFile = (dir: string, id: string) => join(dir, `${id}.request.json`);
const takenFile = (dir: string, id: string) => join(dir, `${id}.taken.json`);
const answerFile = (dir: string, id: string) => join(dir, `${id}.answer.json`);

// ---------------------------------------------------------------------------------------------
// Shared by the app and the command line

/**
 * The account a person means by `name`: its description or email address, ignoring case. More than
 * one match is as good as none (ACCOUNT_NOT_FOUND, with the candidates named in detail.fields).
 */
export function findAccount<A extends Pick<StoredAccount, 'id' | 'description' | 'email'>>(accounts: readonly A[], name: string): Result<A> {
  const wanted = name.trim().toLowerCase();
  const exact = accounts.filter((a) => a.description.trim().toLowerCase() === wanted);
  const byEmail = accounts.filter((a) => a.email.trim().toLowerCase() === wanted);
  const found = exact.length ? exact : byEmail;
  if (found.length === 1) return ok(found[0]!);
  return fail('ACCOUNT_NOT_FOUND', found.length > 1 ? { fields: found.map((a) => ({ path: 'account', problem: `${a.description} <${a.email}>` })) } : undefined);
}

/** The outbox job queued for command-line request `id`, if one was (its draft carries the id). */
export function jobOfRequest(outbox: Pick<Outbox, 'list'>, id: string): OutboxJob | undefined {
  return outbox.list().find((job) => (job.draft as { cliRequestId?: unknown } | null)?.cliRequestId === id);
}

/**
 * Queues a command-line send in `outbox` as `account`. The draft kept with the job is one the
 * app's compose window can open (attachments named, not re-attachable: their files are the
 * person's), plus the request id that makes a second delivery of the same request harmless.
 */
export async function enqueueCliSend(outbox: Pick<Outbox, 'enqueue' | 'list'>, account: StoredAccount, send: CliSend, requestId: string): Promise<Result<OutboxJob>> {
  const already = jobOfRequest(outbox, requestId);
  if (already) return ok(already);
  const lists = { to: parseAddressList(send.to.join(', ')), cc: parseAddressList(send.cc.join(', ')), bcc: parseAddressList(send.bcc.join(', ')) };
  const fields: Array<{ path: string; problem: string }> = (['to', 'cc', 'bcc'] as const).flatMap((f) => lists[f].invalid.map((p) => ({ path: f, problem: p.reason })));
  if (!lists.to.addresses.length && !lists.cc.addresses.length && !lists.bcc.addresses.length) fields.push({ path: 'to', problem: 'required' });
  if (fields.length) return fail('INVALID_REQUEST', { fields });
  const from = senderOf(account, '');
  if (!from) return fail('INVALID_REQUEST', { fields: [{ path: 'account', problem: 'not_found' }] });
  const person = (a: { name: string; address: string }) => (a.name ? { name: a.name, address: a.address } : { address: a.address });
  const message: MessageInput = {
    from,
    to: lists.to.addresses.map(person),
    cc: lists.cc.addresses.map(person),
    bcc: lists.bcc.addresses.map(person),
    subject: send.subject,
    text: send.text,
    attachments: send.attachments.map((a) => ({ filename: a.filename, path: a.path })),
  };
  const draft: ComposeDraft & { cliRequestId: string } = {
    accountId: account.id,
    identityId: '',
    to: send.to.join(', '),
    cc: send.cc.join(', '),
    bcc: send.bcc.join(', '),
    subject: send.subject,
    body: { mode: 'plain', html: '', text: send.text },
    attachments: send.attachments.map((a, i) => ({ token: `cli-${requestId.slice(0, 8)}-${i}`, name: a.filename, size: 0 })),
    cliRequestId: requestId,
  };
  return outbox.enqueue({ accountId: account.id, message, draft });
}

// ---------------------------------------------------------------------------------------------
// The command line's side

export type HandOff =
  | { kind: 'answered'; answer: SpoolAnswer }
  /** Nobody took the request in time; it was withdrawn, nothing was queued. */
  | { kind: 'not-taken' }
  /** The app took the request but did not answer in time: it may be in the outbox. */
  | { kind: 'taken-no-answer' };

/** Writes `send` for the running app and waits (at most `timeoutMs`) for its answer. */
export async function handToApp(dataDir: string, send: CliSend, options: { timeoutMs: number; pollMs?: number }): Promise<HandOff> {
  const dir = spoolDir(dataDir);
  await makePrivateFolder(dir);
  const id = randomUUID();
  const request: SpoolRequest = { format: 1, id, kind: 'send', send };
  await writeFileAtomic(dir, requestFile(dir, id), JSON.stringify(request));
  const deadline = Date.now() + options.timeoutMs;
  const readAnswer = async (): Promise<SpoolAnswer | undefined> => {
    try {
      const parsed = SpoolAnswerSchema.safeParse(JSON.parse(await readFile(answerFile(dir, id), 'utf8')));
      return parsed.success ? parsed.data : { id, ok: false, error: appError('INTERNAL') };
    } catch {
      return undefined;
    }
  };
  let wake: (() => void) | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, () => wake?.());
    watcher.on('error', () => undefined);
  } catch {
    // polling alone
  }
  try {
    while (Date.now() < deadline) {
      const answer = await readAnswer();
      if (answer) {
        await removeQuietly(answerFile(dir, id));
        return { kind: 'answered', answer };
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(options.pollMs ?? 250, Math.max(0, deadline - Date.now())));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    watcher?.close();
  }
  // Withdraw it: if the request is still there, the app never saw it.
  try {
    await unlink(requestFile(dir, id));
    return { kind: 'not-taken' };
  } catch {
    const late = await readAnswer();
    if (late) {
      await removeQuietly(answerFile(dir, id));
      return { kind: 'answered', answer: late };
    }
    return { kind: 'taken-no-answer' };
  }
}

// ---------------------------------------------------------------------------------------------
// The app's side

export interface SpoolWatcher {
  close(): Promise<void>;
}

/**
 * Takes requests from the spool of `dataDir` one at a time and answers each with what `handle`
 * says. `handle` must be idempotent per request id (enqueueCliSend is).
 */
export async function watchSpool(options: { dataDir: string; handle: (request: SpoolRequest) => Promise<Result<{ jobId: string }>>; logger: Logger; pollMs?: number }): Promise<SpoolWatcher> {
  const dir = spoolDir(options.dataDir);
  await makePrivateFolder(dir);
  let closed = false;
  let pass: Promise<void> = Promise.resolve();
  let again = false;

  const answer = async (id: string, result: Result<{ jobId: string }> | { ok: false; error: AppError }) => {
    const body: SpoolAnswer = result.ok ? { id, ok: true, jobId: result.value.jobId } : { id, ok: false, error: result.error };
    await writeFileAtomic(dir, answerFile(dir, id), JSON.stringify(body));
    await removeQuietly(takenFile(dir, id));
  };

  const take = async (name: string) => {
    const id = name.split('.')[0] ?? '';
    if (!ID.test(id)) return;
    if (name.endsWith('.request.json')) {
      try {
        await rename(join(dir, name), takenFile(dir, id));
      } catch {
        return; // withdrawn by the command line, which stopped waiting
      }
    } else if (!name.endsWith('.taken.json')) return;
    let request: SpoolRequest;
    try {
      const parsed = SpoolRequestSchema.safeParse(JSON.parse(await readFile(takenFile(dir, id), 'utf8')));
      if (!parsed.success || parsed.data.id !== id) {
        await answer(id, { ok: false, error: appError('INVALID_REQUEST') });
        return;
      }
      request = parsed.data;
    } catch {
      await answer(id, { ok: false, error: appError('INVALID_REQUEST') });
      return;
    }
    let result: Result<{ jobId: string }>;
    try {
      result = await options.handle(request);
    } catch (error) {
      options.logger.error('cli spool: request failed', { error });
      result = fail('INTERNAL');
    }
    options.logger.info('cli spool: request answered', { id, ok: result.ok });
    await answer(id, result);
  };

  const scan = async () => {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.sort()) {
      if (closed) return;
      if (name.endsWith('.answer.json')) {
        const age = await stat(join(dir, name)).then((s) => Date.now() - s.mtimeMs).catch(() => 0);
        if (age > ANSWER_KEPT_MS) await removeQuietly(join(dir, name));
        continue;
      }
      await take(basename(name)).catch((error: unknown) => options.logger.warn('cli spool: request not taken', { error }));
    }
  };
  /** One pass at a time; a wake-up during a pass asks for one more. */
  const kick = () => {
    if (closed) return;
    again = true;
    pass = pass.then(async () => {
      while (again && !closed) {
        again = false;
        await scan();
      }
    });
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, kick);
    watcher.on('error', () => undefined);
    // Never what keeps a process alive (the backend's close() stops it; a test that never closes still exits).
    watcher.unref();
  } catch {
    // the poll below still finds requests
  }
  const poll = setInterval(kick, options.pollMs ?? 2000);
  poll.unref?.();
  kick();
  return {
    async close() {
      closed = true;
      clearInterval(poll);
      watcher?.close();
      await pass;
    },
  };
}

/**
 * The running app's end of the hand-off: requests from `mailwright send` are queued in the app's
 * own outbox as the named account (resolved here, where the accounts live). One call from the
 * backend once its outbox is open.
 */
export function startCliHandOff(options: { dataDir: string; outbox: Pick<Outbox, 'enqueue' | 'list'>; accounts: () => readonly StoredAccount[]; logger: Logger }): Promise<SpoolWatcher> {
  return watchSpool({
    dataDir: options.dataDir,
    logger: options.logger,
    handle: async (request) => {
      const account = findAccount(options.accounts(), request.send.account);
      if (!account.ok) return account;
      const job = await enqueueCliSend(options.outbox, account.value, request.send, request.id);
      return job.ok ? ok({ jobId: job.value.id }) : job;
    },
  });
}

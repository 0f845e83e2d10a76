/**
 * `mailwright send`: a message from the terminal through the app's own durable outbox.
 *
 * One writer (services/outbox-lock.ts): when the app runs it holds the outbox, and the message is
 * handed to it through the spool (services/cli-spool.ts); no password is needed here then. When it
 * does not run, this command takes the lock, opens the outbox, queues the message, waits (bounded)
 * for the outcome and releases the lock. Another `mailwright send` holding the lock is waited for.
 * Either way the message is in the app's outbox and shows there.
 */
import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppError } from '../../shared/result';
import { enqueueCliSend, findAccount, handToApp, type CliSend } from '../services/cli-spool';
import { silentLogger } from '../services/logger';
import { Outbox, type Deliver, type OutboxJob } from '../services/outbox';
import { deliverBySmtp } from '../services/outbox/deliver';
import { tryLockOutbox, type OutboxLock } from '../services/outbox-lock';
import type { SendCommand } from './args';
import { accountNotFound } from './check';
import { dataFolder, keptByKeychain, openAppData, requireDataFolder } from './data';
import { EXIT, type ExitCode } from './exit-codes';
import { CliFailure, errorLines, errorWords, readCaFiles, type CliIo } from './io';

/** How long the running app has to take and answer a handed-over message. */
export const HAND_OFF_TIMEOUT_MS = 30_000;
const START_APP = 'Start Mailwright and run this again: it will send it.';

interface SendOutcome {
  exit: ExitCode;
  via: 'app' | 'cli';
  jobId: string | null;
  state: string | null;
  accepted: string[];
  refused: Array<{ address: string; serverReply: string }>;
  error: AppError | null;
  words: string[];
}

async function message(cmd: SendCommand, io: CliIo): Promise<CliSend> {
  let text: string;
  if (cmd.bodyFile !== undefined) {
    try {
      text = await readFile(cmd.bodyFile, 'utf8');
    } catch {
      throw new CliFailure(EXIT.USAGE, `--body-file ${cmd.bodyFile}: the file cannot be read`);
    }
  } else text = await io.readStdin();
  const attachments = [];
  for (const file of cmd.attach) {
    const path = resolve(file);
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) throw new CliFailure(EXIT.USAGE, `--attach ${file}: no such file`);
    attachments.push({ path, filename: basename(path) });
  }
  return { account: cmd.account, to: cmd.to, cc: cmd.cc, bcc: cmd.bcc, subject: cmd.subject, text, attachments };
}

function fromAnswerError(error: AppError, account: string): SendOutcome {
  const base = { via: 'app' as const, jobId: null, state: null, accepted: [], refused: [], error };
  if (error.code === 'ACCOUNT_NOT_FOUND') return { ...base, exit: EXIT.ACCOUNT_NOT_FOUND, words: [accountNotFound(account, error.detail?.fields?.map((f) => f.problem)).message] };
  if (error.code === 'INVALID_REQUEST') {
    const fields = error.detail?.fields?.map((f) => `${f.path}: ${f.problem}`).join(', ');
    return { ...base, exit: EXIT.USAGE, words: [`The running app refused the message${fields ? ` (${fields})` : ''}.`] };
  }
  return { ...base, exit: EXIT.SEND_REFUSED, words: ['The running app could not queue the message.', ...errorLines(error, 'smtp')] };
}

async function viaApp(dataDir: string, send: CliSend): Promise<SendOutcome> {
  const handed = await handToApp(dataDir, send, { timeoutMs: HAND_OFF_TIMEOUT_MS });
  const base = { via: 'app' as const, accepted: [], refused: [], error: null };
  if (handed.kind === 'not-taken')
    return { ...base, exit: EXIT.DATA_LOCKED, jobId: null, state: null, words: [`Mailwright is running but did not take the message within ${HAND_OFF_TIMEOUT_MS / 1000} s, so it was withdrawn: nothing was queued. Try again once the app responds.`] };
  if (handed.kind === 'taken-no-answer')
    return { ...base, exit: EXIT.SEND_PENDING, jobId: null, state: null, words: ['Mailwright took the message but did not confirm it in time. Look in its outbox before sending it again.'] };
  const { answer } = handed;
  if (!answer.ok) return fromAnswerError(answer.error, send.account);
  return { ...base, exit: EXIT.OK, jobId: answer.jobId, state: 'queued', words: ['Handed to the running Mailwright: it is in the app’s outbox and goes out from there (it can still be undone there for a few seconds).'] };
}

const ENDED = new Set(['sent', 'failed', 'uncertain', 'signin', 'cancelled', 'retrying']);

function outcomeOf(job: OutboxJob | undefined, jobId: string): SendOutcome {
  const base = { via: 'cli' as const, jobId, state: job?.state ?? null, accepted: job?.accepted ?? [], refused: job?.refused ?? [], error: job?.lastError ?? null };
  switch (job?.state) {
    case 'sent':
      if (job.refused.length)
        return {
          ...base,
          exit: EXIT.SEND_REFUSED,
          words: [`Sent to ${job.accepted.join(', ') || 'no one'}, but refused for:`, ...job.refused.map((r) => `  ${r.address}: ${r.serverReply}`)],
        };
      return { ...base, exit: EXIT.OK, words: [`Sent to ${job.accepted.join(', ')}.${job.lastReply ? ` The server said: ${job.lastReply}` : ''}`] };
    case 'failed':
      return { ...base, exit: EXIT.SEND_REFUSED, words: ['Not sent: the server refused it.', ...(job.lastError ? errorLines(job.lastError, 'smtp') : []), ...job.refused.map((r) => `  ${r.address}: ${r.serverReply}`)] };
    case 'uncertain':
      return {
        ...base,
        exit: EXIT.SEND_UNCERTAIN,
        words: [
          'This message may have been sent: the connection ended after the message went out and before the server confirmed it.',
          'It is kept in the outbox as “may have been sent”. Check with a recipient before sending it again.',
        ],
      };
    case 'signin':
      return { ...base, exit: EXIT.SECRET_UNAVAILABLE, words: ['The account must sign in again before it can send.', START_APP] };
    case 'retrying':
      return { ...base, exit: EXIT.SEND_PENDING, words: ['Not sent yet: the server asked to try again later.', ...(job.lastError ? errorLines(job.lastError, 'smtp') : []), 'It stays in the outbox and is retried when Mailwright runs.'] };
    default:
      return { ...base, exit: EXIT.SEND_PENDING, words: ['Queued in the outbox, but not sent yet when this command stopped waiting. Mailwright sends it when it runs.'] };
  }
}

async function viaOutbox(dataDir: string, send: CliSend, cmd: SendCommand, extraCas: string[]): Promise<SendOutcome> {
  const data = openAppData(dataDir);
  const found = findAccount(data.accounts.list(), send.account);
  if (!found.ok) throw accountNotFound(send.account, found.error.detail?.fields?.map((f) => f.problem));
  const account = found.value;
  if (keptByKeychain(data.secretFile, account.id))
    throw new CliFailure(EXIT.SECRET_UNAVAILABLE, `The password of "${account.description}" is kept by your system's keychain, which only the Mailwright app can open. ${START_APP}`);
  if (account.smtp.auth === 'oauth2') throw new CliFailure(EXIT.SECRET_UNAVAILABLE, `"${account.description}" signs in through your browser, which only the Mailwright app can do. ${START_APP}`);
  if (account.smtp.auth === 'password' && !account.hasPassword) throw new CliFailure(EXIT.SECRET_UNAVAILABLE, `"${account.description}" has no password saved. Add it in Mailwright (Accounts, Edit), then run this again.`);

  let ours: string | undefined;
  let wake: (() => void) | undefined;
  /**
   * Messages of this account that were already due go out in their turn, as when the app starts
   * (they share its lane, before ours). Messages of other accounts are not touched: their passwords
   * may be in the keychain, their sign-in the app's, their account the sandbox's. Each is held
   * until close, which puts it back in the queue as it was (no attempt counted, nothing sent).
   */
  const deliver: Deliver = (request) =>
    request.job.accountId === account.id
      ? deliverBySmtp(request)
      : new Promise((resolve) => {
          if (request.signal.aborted) resolve({ kind: 'aborted' });
          request.signal.addEventListener('abort', () => resolve({ kind: 'aborted' }), { once: true });
        });
  const outbox = await Outbox.open({
    dir: join(dataDir, 'outbox'),
    logger: silentLogger,
    deliver,
    // Held messages of other accounts are put back at once on close; this account's have finished (below).
    closeGraceMs: 1000,
    // The undo window is for the app's Send button; from a terminal the command itself is the decision.
    undoSeconds: 0,
    smtp: { extraCertificateAuthorities: extraCas },
    account: (id) => {
      const stored = data.accounts.get(id);
      return stored ? { ok: true, value: { account: stored, credentials: data.credentials.smtp(id, stored.smtp) } } : { ok: false, error: { code: 'ACCOUNT_NOT_FOUND', message: '' } };
    },
    onChange: (job) => {
      if (job.id === ours && ENDED.has(job.state)) wake?.();
    },
  });
  try {
    const queued = await enqueueCliSend(outbox, account, send, randomUUID());
    if (!queued.ok) {
      if (queued.error.code === 'INVALID_REQUEST') {
        const fields = queued.error.detail?.fields?.map((f) => `${f.path}: ${f.problem}`).join(', ');
        throw new CliFailure(EXIT.USAGE, `The message cannot be sent as given${fields ? ` (${fields})` : ''}.`, queued.error);
      }
      return { via: 'cli', exit: EXIT.SEND_REFUSED, jobId: null, state: null, accepted: [], refused: [], error: queued.error, words: ['The message could not be queued.', ...errorLines(queued.error)] };
    }
    ours = queued.value.id;
    const current = () => outbox.list().find((j) => j.id === ours);
    const deadline = Date.now() + cmd.waitSeconds * 1000;
    while (!ENDED.has(current()?.state ?? 'queued') && Date.now() < deadline) {
      await new Promise<void>((done) => {
        const timer = setTimeout(done, Math.min(500, Math.max(0, deadline - Date.now())));
        wake = () => {
          clearTimeout(timer);
          done();
        };
      });
    }
    const outcome = outcomeOf(current(), ours);
    // This account's other due messages went out too (as when the app starts): let those in flight finish.
    for (let i = 0; i < 60 && outbox.list().some((j) => j.state === 'sending' && j.accountId === account.id); i++) await sleep(500);
    return outcome;
  } finally {
    await outbox.close();
  }
}

export async function runSend(cmd: SendCommand, io: CliIo): Promise<number> {
  const send = await message(cmd, io);
  const dataDir = dataFolder(cmd.dataDir, io.env);
  requireDataFolder(dataDir);
  const extraCas = await readCaFiles(cmd.caFiles);
  // Wait for another `mailwright send` holding the lock; hand over to the app at once.
  const deadline = Date.now() + Math.max(cmd.waitSeconds, 30) * 1000;
  let lock: OutboxLock | undefined;
  let outcome: SendOutcome | undefined;
  for (;;) {
    const attempt = tryLockOutbox(dataDir, 'cli');
    if (attempt.ok) {
      lock = attempt.lock;
      break;
    }
    if (attempt.holder?.by === 'app') {
      outcome = await viaApp(dataDir, send);
      break;
    }
    if (Date.now() > deadline)
      throw new CliFailure(EXIT.DATA_LOCKED, `The outbox is in use by another Mailwright command (pid ${attempt.holder?.pid ?? 'unknown'}) that did not finish in time. Nothing was queued.`);
    await sleep(200);
  }
  if (lock) {
    try {
      outcome = await viaOutbox(dataDir, send, cmd, extraCas);
    } finally {
      lock.release();
    }
  }
  const result = outcome!;
  if (cmd.json) {
    io.out(
      `${JSON.stringify({
        command: 'send',
        ok: result.exit === EXIT.OK,
        exitCode: result.exit,
        via: result.via,
        jobId: result.jobId,
        state: result.state,
        accepted: result.accepted,
        refused: result.refused,
        error: result.error ? { code: result.error.code, ...errorWords(result.error, 'smtp') } : null,
        message: result.words.join('\n'),
      })}\n`,
    );
  } else (result.exit === EXIT.OK ? io.out : io.err)(`${result.words.join('\n')}\n`);
  return result.exit;
}

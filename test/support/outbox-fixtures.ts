// Shared pieces for the outbox tests: an account, a message, job files written by hand, and a
// delivery stand-in that answers whatever a test scripts.

import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Security } from '../../shared/model';
import { ok } from '../../shared/result';
import type { StoredAccount } from '../../src-main/services/settings-store';
import type { SmtpServiceOptions } from '../../src-main/services/smtp';
import { Outbox, type Deliver, type DeliveryOutcome, type DeliveryRequest, type JobRecord, type MessageInput, type OutboxJob } from '../../src-main/services/outbox';
import { passwordCredential, type CredentialSource } from '../../src-main/services/credentials';
import { encodeRecord, JOURNAL_FILE, replay } from '../../src-main/services/outbox/journal';

export function testAccount(port: number, security: Security = 'tls', auth: 'password' | 'none' = 'none', username = ''): StoredAccount {
  return {
    id: randomUUID(),
    description: 'test',
    email: 'alice@mailwright.test',
    displayName: 'Alice',
    smtp: { host: '127.0.0.1', port, security, auth, username },
    incoming: null,
    signature: '',
    identities: [], oauth: null,
    createdAt: '',
    updatedAt: '',
  };
}

export function testMessage(overrides: Partial<MessageInput> = {}): MessageInput {
  return {
    from: { name: 'Alice', address: 'alice@mailwright.test' },
    to: [{ name: 'Bob', address: 'bob@mailwright.test' }],
    cc: [],
    bcc: [],
    subject: 'Hello',
    text: 'Hello Bob\n',
    ...overrides,
  };
}

/** A job record as the outbox writes it, for files written by hand. */
export function jobRecord(overrides: Partial<JobRecord> = {}): JobRecord {
  const id = overrides.id ?? randomUUID();
  const t = new Date(Date.now() - 60_000).toISOString();
  return {
    format: 1,
    id,
    accountId: 'acc',
    state: 'queued',
    createdAt: t,
    updatedAt: t,
    notBefore: t,
    scheduled: false,
    attempts: 0,
    maxAttempts: 8,
    messageId: `<${id}@mailwright.test>`,
    envelope: { from: 'alice@mailwright.test', to: ['bob@mailwright.test'] },
    summary: { subject: 'Hello', to: ['bob@mailwright.test'], sizeBytes: 100 },
    accepted: [],
    refused: [],
    ...overrides,
  };
}

export const EML = 'From: alice@mailwright.test\r\nTo: bob@mailwright.test\r\nSubject: Hello\r\n\r\nHello\r\n';

/** Appends the job (with its draft) to the outbox's journal and, unless told not to, writes `<id>.eml`, as the outbox would. */
export function writeJournalJob(dir: string, job: JobRecord, options: { eml?: boolean; draft?: unknown } = {}): void {
  if (options.eml !== false) writeFileSync(join(dir, `${job.id}.eml`), EML);
  appendFileSync(join(dir, JOURNAL_FILE), encodeRecord({ t: 'add', job, draft: options.draft ?? { n: job.id } }), { mode: 0o600 });
}

/** What the journal says now, as the next open would replay it: jobs and drafts by id. */
export function journalState(dir: string) {
  return replay(readFileSync(join(dir, JOURNAL_FILE)));
}

/** The job's record in the journal (throws when it has none). */
export function storedJob(dir: string, id: string): JobRecord {
  const job = journalState(dir).jobs.get(id);
  if (!job) throw new Error(`no record of job ${id} in the journal`);
  return job;
}

/** Writes `<id>.json` (and, unless told not to, `<id>.eml` and `<id>.draft.json`) as the version before the journal did (a folder to migrate). */
export function writeJobFiles(dir: string, job: JobRecord, options: { eml?: boolean; draft?: unknown } = {}): void {
  if (options.eml !== false) writeFileSync(join(dir, `${job.id}.eml`), EML);
  writeFileSync(join(dir, `${job.id}.draft.json`), JSON.stringify(options.draft ?? { n: job.id }));
  writeFileSync(join(dir, `${job.id}.json`), JSON.stringify(job));
}

/** A Deliver that records each call and answers with the next scripted outcome ('delivered' to all when the script runs out). */
export function scriptedDeliver(script: Array<DeliveryOutcome | ((req: DeliveryRequest) => Promise<DeliveryOutcome>)> = []) {
  const calls: DeliveryRequest[] = [];
  const deliver: Deliver = async (req) => {
    calls.push(req);
    const next = script.shift();
    if (typeof next === 'function') return next(req);
    if (next) {
      if (next.kind === 'delivered' || next.kind === 'uncertain') await req.beforeTransmit();
      return next;
    }
    await req.beforeTransmit();
    return { kind: 'delivered', reply: '250 ok', accepted: req.recipients, refused: [], deferred: [] };
  };
  return { deliver, calls };
}

/** Resolves when `predicate` holds, polling every 5 ms; rejects after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Sends one message through a fresh outbox (no undo window, one attempt) and returns the job once
 * it has settled: the whole real send path, for tests about one server's answer.
 */
export async function sendOnce(
  account: StoredAccount,
  /** A password (or none), or where an access token comes from. */
  password: string | undefined | CredentialSource,
  message: Partial<MessageInput>,
  smtp: SmtpServiceOptions = {},
): Promise<OutboxJob> {
  const dir = mkdtempSync(join(tmpdir(), 'mailwright-send-once-'));
  const outbox = await Outbox.open({ dir, undoSeconds: 0, retry: { maxAttempts: 1 }, smtp, account: () => ok({ account, credentials: typeof password === 'object' ? password : passwordCredential(account.smtp.username, password) }),
  });
  try {
    const queued = await outbox.enqueue({ accountId: account.id, message: testMessage(message), draft: null });
    if (!queued.ok) throw new Error(`not queued: ${queued.error.code}`);
    const settled = () => outbox.list().find((j) => j.id === queued.value.id && ['sent', 'failed', 'uncertain', 'signin'].includes(j.state));
    await until(() => settled() !== undefined, 20_000, 'the job to settle');
    return settled()!;
  } finally {
    await outbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

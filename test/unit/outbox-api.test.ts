/**
 * The outbox's API with delivery replaced by a script: what enqueue writes, the undo window,
 * "send later", the person's actions in each state, and close().
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appError, fail, ok } from '../../shared/result';
import { Outbox, type DeliveryOutcome, type OutboxJob, type OutboxOptions } from '../../src-main/services/outbox';
import { everyFileUnder } from '../support/files';
import { journalState, scriptedDeliver, storedJob, testAccount, testMessage, until } from '../support/outbox-fixtures';
import { passwordCredential } from '../../src-main/services/credentials';

const PASSWORD = 'correct-horse-battery-staple-31337';
let dir: string;
let outbox: Outbox | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailwright-outbox-api-'));
});
afterEach(async () => {
  await outbox?.close();
  outbox = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const account = testAccount(25, 'tls', 'password', 'alice');
function open(extra: Partial<OutboxOptions> = {}) {
  return Outbox.open({
    dir,
    account: (id) => (id === account.id ? ok({ account, credentials: passwordCredential(account.smtp.username, PASSWORD) }) : fail('ACCOUNT_NOT_FOUND')),
    undoSeconds: 0.3,
    retry: { baseMs: 20, maxMs: 100, maxAttempts: 3, jitter: 0 },
    ...extra,
  });
}
const stateOf = (id: string) => outbox!.list().find((j) => j.id === id)?.state;
const enqueue = async (extra: { sendAt?: Date; draft?: unknown } = {}, message = testMessage()) => {
  const r = await outbox!.enqueue({ accountId: account.id, message, draft: extra.draft ?? { body: 'draft' }, ...(extra.sendAt ? { sendAt: extra.sendAt } : {}) });
  if (!r.ok) throw new Error(`enqueue failed: ${JSON.stringify(r.error)}`);
  return r.value;
};
const temporary: DeliveryOutcome = { kind: 'not-delivered', error: appError('SERVER_BUSY', { responseCode: 451 }), temporary: true, refused: [], deferred: [] };
const permanent: DeliveryOutcome = { kind: 'not-delivered', error: appError('MESSAGE_REFUSED', { responseCode: 554 }), temporary: false, refused: [], deferred: [] };

describe('enqueue', () => {
  it('writes the message, the draft and the job; Bcc only in the envelope; no password anywhere', async () => {
    const { deliver } = scriptedDeliver();
    outbox = await open({ deliver, undoSeconds: 60 });
    const before = Date.now();
    const job = await enqueue(
      { draft: { subject: 'Hi', body: '<p>x</p>' } },
      testMessage({ cc: [{ address: 'carol@mailwright.test' }], bcc: [{ name: 'Secret', address: 'dave@bücher.example' }], subject: 'Grüße' }),
    );
    expect(job).toMatchObject({
      state: 'queued',
      scheduled: false,
      attempts: 0,
      maxAttempts: 3,
      envelope: { from: 'alice@mailwright.test', to: ['bob@mailwright.test', 'carol@mailwright.test', 'dave@xn--bcher-kva.example'] },
      summary: { subject: 'Grüße', to: ['bob@mailwright.test', 'carol@mailwright.test', 'dave@bücher.example'] },
      accepted: [],
      refused: [],
      draft: { subject: 'Hi', body: '<p>x</p>' },
    });
    expect(Date.parse(job.notBefore) - before).toBeGreaterThanOrEqual(59_000);
    expect(job.messageId).toMatch(/^<[0-9a-f-]{36}@mailwright\.test>$/);
    expect(readdirSync(dir).sort()).toEqual([`${job.id}.eml`, 'jobs.journal'].sort());
    expect(journalState(dir).drafts.get(job.id)).toEqual({ subject: 'Hi', body: '<p>x</p>' });
    const eml = readFileSync(join(dir, `${job.id}.eml`), 'utf8');
    expect(job.summary.sizeBytes).toBe(Buffer.byteLength(eml));
    expect(eml).toContain(`Message-ID: ${job.messageId}`);
    expect(eml).toMatch(/^Cc: carol@mailwright\.test\r$/m);
    expect(eml).not.toMatch(/^Bcc:/im);
    expect(eml).not.toContain('dave@');
    expect(eml).toContain('\r\n');
    expect(storedJob(dir, job.id)).not.toHaveProperty('draft');
    expect(everyFileUnder(dir)).not.toContain(PASSWORD);
  });

  it('refuses an unknown account, no recipients, a header injection or an unreadable attachment, writing nothing', async () => {
    outbox = await open({ deliver: scriptedDeliver().deliver });
    expect(await outbox.enqueue({ accountId: 'nope', message: testMessage(), draft: null })).toMatchObject({ ok: false, error: { code: 'ACCOUNT_NOT_FOUND' } });
    const bad = [
      testMessage({ to: [] }),
      testMessage({ subject: 'Hi\r\nBcc: eve@evil.example' }),
      testMessage({ to: [{ address: 'bob@mailwright.test>\r\nRCPT TO:<eve@evil.example' }] }),
      testMessage({ attachments: [{ filename: 'a.pdf', path: join(dir, 'missing.pdf') }] }),
      testMessage({ attachments: [{ filename: 'a.pdf', path: dir }] }),
    ];
    for (const message of bad) {
      const r = await outbox.enqueue({ accountId: account.id, message, draft: null });
      expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
      expect(JSON.stringify(r)).not.toContain('evil');
    }
    // Only the (empty) journal the outbox opened with.
    expect(readdirSync(dir)).toEqual(['jobs.journal']);
    expect(journalState(dir).records).toBe(0);
    expect(outbox.list()).toEqual([]);
  });
});

describe('undo window and send later', () => {
  it('undo within the window: cancelled with its draft, never handed to delivery, message removed', async () => {
    const { deliver, calls } = scriptedDeliver();
    outbox = await open({ deliver });
    const job = await enqueue({ draft: { reopen: 'me' } });
    const undone = await outbox.undo(job.id);
    expect(undone).toMatchObject({ ok: true, value: { state: 'cancelled', draft: { reopen: 'me' } } });
    await new Promise((r) => setTimeout(r, 500));
    expect(calls).toHaveLength(0);
    expect(existsSync(join(dir, `${job.id}.eml`))).toBe(false);
    expect(outbox.messagePath(job.id)).toBeUndefined();
  });

  it('after the window it is sent, and undo is refused', async () => {
    const { deliver, calls } = scriptedDeliver();
    const changes: OutboxJob[] = [];
    outbox = await open({ deliver, onChange: (j) => changes.push(j) });
    const t0 = Date.now();
    const job = await enqueue();
    await until(() => stateOf(job.id) === 'sent');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    expect(calls).toHaveLength(1);
    expect(await outbox.undo(job.id)).toMatchObject({ ok: false, error: { code: 'JOB_NOT_ALLOWED', detail: { command: 'undo when sent' } } });
    expect(changes.map((c) => c.state)).toEqual(['queued', 'sending', 'sent']);
    // The exact bytes stay for the Sent copy.
    expect(outbox.messagePath(job.id)).toBe(join(dir, `${job.id}.eml`));
    expect(existsSync(join(dir, `${job.id}.eml`))).toBe(true);
  });

  it('send later: waits for its time, can be undone before it', async () => {
    const { deliver, calls } = scriptedDeliver();
    outbox = await open({ deliver });
    const at = new Date(Date.now() + 600);
    const job = await enqueue({ sendAt: at });
    const other = await enqueue({ sendAt: new Date(Date.now() + 60_000) });
    expect(job).toMatchObject({ scheduled: true, notBefore: at.toISOString() });
    await new Promise((r) => setTimeout(r, 300));
    expect(calls).toHaveLength(0);
    await until(() => stateOf(job.id) === 'sent');
    expect(Date.now()).toBeGreaterThanOrEqual(at.getTime());
    expect(await outbox.undo(other.id)).toMatchObject({ ok: true, value: { state: 'cancelled' } });
    expect(calls.map((c) => c.job.id)).toEqual([job.id]);
  });

  it('a scheduled time that passed while the outbox was closed is caught up at open', async () => {
    outbox = await open({ deliver: scriptedDeliver([async () => new Promise(() => {})]).deliver });
    const job = await enqueue({ sendAt: new Date(Date.now() + 200) });
    await outbox.close();
    await new Promise((r) => setTimeout(r, 300));
    const { deliver, calls } = scriptedDeliver();
    outbox = await open({ deliver });
    await until(() => stateOf(job.id) === 'sent');
    expect(calls).toHaveLength(1);
  });
});

describe('failures and the person’s actions', () => {
  it('temporary failures retry with backoff, then fail and notify', async () => {
    const { deliver, calls } = scriptedDeliver([temporary, temporary, temporary]);
    const failed: OutboxJob[] = [];
    outbox = await open({ deliver, undoSeconds: 0, onFailed: (j) => failed.push(j) });
    const job = await enqueue();
    await until(() => stateOf(job.id) === 'failed');
    expect(calls).toHaveLength(3);
    expect(failed).toMatchObject([{ id: job.id, attempts: 3, lastError: { code: 'SERVER_BUSY' } }]);
    // "Try again" gives it one more attempt.
    expect(await outbox.retryNow(job.id)).toMatchObject({ ok: true, value: { state: 'queued', maxAttempts: 4 } });
    await until(() => stateOf(job.id) === 'sent');
    expect(calls).toHaveLength(4);
  });

  it('permanent failure: failed at once; cancel then works, retryNow and markSent do not', async () => {
    const { deliver, calls } = scriptedDeliver([permanent]);
    outbox = await open({ deliver, undoSeconds: 0 });
    const job = await enqueue();
    await until(() => stateOf(job.id) === 'failed');
    expect(calls).toHaveLength(1);
    expect(await outbox.markSent(job.id)).toMatchObject({ ok: false, error: { code: 'JOB_NOT_ALLOWED' } });
    expect(await outbox.cancel(job.id)).toMatchObject({ ok: true, value: { state: 'cancelled' } });
    expect(await outbox.retryNow(job.id)).toMatchObject({ ok: false });
    expect(await outbox.cancel('no-such-id')).toMatchObject({ ok: false, error: { code: 'JOB_NOT_FOUND' } });
  });

  it('uncertain: never resent on its own; markSent or retryNow is the person’s choice', async () => {
    const uncertain: DeliveryOutcome = { kind: 'uncertain', error: appError('CONNECTION_LOST') };
    const { deliver, calls } = scriptedDeliver([uncertain, uncertain]);
    outbox = await open({ deliver, undoSeconds: 0 });
    const a = await enqueue();
    await until(() => stateOf(a.id) === 'uncertain');
    const b = await enqueue();
    await until(() => stateOf(b.id) === 'uncertain');
    await new Promise((r) => setTimeout(r, 150));
    expect(calls).toHaveLength(2);
    expect(await outbox.markSent(a.id)).toMatchObject({ ok: true, value: { state: 'sent' } });
    expect(await outbox.retryNow(b.id)).toMatchObject({ ok: true, value: { state: 'queued' } });
    await until(() => stateOf(b.id) === 'sent');
    expect(calls).toHaveLength(3);
  });

  it("nothing can be done to a job while it is 'sending'", async () => {
    let release!: (o: DeliveryOutcome) => void;
    const { deliver } = scriptedDeliver([(req) => req.beforeTransmit().then(() => new Promise<DeliveryOutcome>((r) => (release = r)))]);
    outbox = await open({ deliver, undoSeconds: 0 });
    const job = await enqueue();
    await until(() => stateOf(job.id) === 'sending' && release !== undefined);
    for (const action of ['undo', 'cancel', 'retryNow', 'markSent'] as const) {
      expect(await outbox[action](job.id)).toMatchObject({ ok: false, error: { code: 'JOB_NOT_ALLOWED', detail: { command: `${action} when sending` } } });
    }
    expect(storedJob(dir, job.id)).toMatchObject({ state: 'sending', transmitting: true });
    release({ kind: 'delivered', reply: '250 ok', accepted: ['bob@mailwright.test'], refused: [], deferred: [] });
    await until(() => stateOf(job.id) === 'sent');
    expect(storedJob(dir, job.id)).not.toHaveProperty('transmitting');
  });

  it('an account that disappeared fails the job for good', async () => {
    const { deliver, calls } = scriptedDeliver();
    let known = true;
    outbox = await open({ deliver, account: () => (known ? ok({ account, credentials: passwordCredential(account.smtp.username, PASSWORD) }) : fail('ACCOUNT_NOT_FOUND')) });
    const job = await enqueue();
    known = false;
    await until(() => stateOf(job.id) === 'failed');
    expect(outbox.list()[0]).toMatchObject({ lastError: { code: 'ACCOUNT_NOT_FOUND' } });
    expect(calls).toHaveLength(0);
  });
});

describe('close', () => {
  it('waits for a send in flight to settle', async () => {
    const { deliver } = scriptedDeliver([(req) => req.beforeTransmit().then(() => new Promise<DeliveryOutcome>((r) => setTimeout(() => r({ kind: 'delivered', reply: '250 ok', accepted: req.recipients, refused: [], deferred: [] }), 200)))]);
    outbox = await open({ deliver, undoSeconds: 0 });
    const job = await enqueue();
    await until(() => stateOf(job.id) === 'sending');
    await outbox.close();
    expect(storedJob(dir, job.id)).toMatchObject({ state: 'sent' });
    expect(await outbox.enqueue({ accountId: account.id, message: testMessage(), draft: null })).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
  });

  it('aborts one that does not settle within the grace time: before its data, it is queued again', async () => {
    const { deliver } = scriptedDeliver([(req) => new Promise<DeliveryOutcome>((r) => req.signal.addEventListener('abort', () => r({ kind: 'aborted' })))]);
    outbox = await open({ deliver, undoSeconds: 0, closeGraceMs: 50 });
    const job = await enqueue();
    await until(() => stateOf(job.id) === 'sending');
    await outbox.close();
    expect(storedJob(dir, job.id)).toMatchObject({ state: 'queued', attempts: 0 });
    writeFileSync(join(dir, 'unrelated.txt'), 'x'); // not ours: left alone at the next open
    outbox = await open({ deliver: scriptedDeliver().deliver });
    await until(() => stateOf(job.id) === 'sent');
    expect(existsSync(join(dir, 'unrelated.txt'))).toBe(true);
  });
});

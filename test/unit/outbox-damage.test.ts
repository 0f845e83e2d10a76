/**
 * Damaged outbox files: a job's record in the journal, a message file or (in a folder of the
 * version before the journal) a draft file cut short, zeroed, or not what it should be. Nothing vanishes, nothing damaged is sent, the damaged file is kept aside, and
 * the job says so. Also the words for a folder that cannot be written, and the outbox's log.
 */
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fail, ok } from '../../shared/result';
import type { Logger } from '../../src-main/services/logger';
import { Outbox, type JobRecord, type OutboxOptions } from '../../src-main/services/outbox';
import { jobRecord, scriptedDeliver, storedJob as journalJob, testAccount, testMessage, until, writeJobFiles } from '../support/outbox-fixtures';
import { encodeRecord, JOURNAL_FILE } from '../../src-main/services/outbox/journal';
import { passwordCredential } from '../../src-main/services/credentials';

let dir: string;
let outbox: Outbox | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailwright-outbox-damage-'));
});
afterEach(async () => {
  await outbox?.close();
  outbox = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const account = testAccount(25, 'none');
const open = (extra: Partial<OutboxOptions> = {}) =>
  Outbox.open({
    dir,
    account: (id) => (id === account.id ? ok({ account, credentials: passwordCredential(account.smtp.username, undefined) }) : fail('ACCOUNT_NOT_FOUND')),
    undoSeconds: 0,
    retry: { baseMs: 20, maxMs: 100, maxAttempts: 2, jitter: 0 },
    ...extra,
  });
const readJob = (id: string): JobRecord => journalJob(dir, id);
const journalFile = () => join(dir, JOURNAL_FILE);

function memoryLogger() {
  const lines: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = [];
  const logger: Logger = {
    info: (message, fields) => lines.push({ level: 'info', message, ...(fields ? { fields } : {}) }),
    warn: (message, fields) => lines.push({ level: 'warn', message, ...(fields ? { fields } : {}) }),
    error: (message, fields) => lines.push({ level: 'error', message, ...(fields ? { fields } : {}) }),
  };
  return { logger, lines };
}

const DRAFT = { accountId: account.id, to: 'Bob <bob@mailwright.test>', cc: '', bcc: 'carol@mailwright.test', subject: 'Quarterly figures' };

/** Enqueues a real message with a "send later" time far away, closes the outbox, and answers the job id. */
async function storedJob(draft: unknown = DRAFT): Promise<string> {
  const first = await open({ deliver: scriptedDeliver().deliver });
  const r = await first.enqueue({
    accountId: account.id,
    message: testMessage({ subject: 'Quarterly figures', bcc: [{ address: 'carol@mailwright.test' }] }),
    draft,
    sendAt: new Date(Date.now() + 3_600_000),
  });
  await first.close();
  if (!r.ok) throw new Error(r.error.code);
  return r.value.id;
}

/**
 * Damages the job's record in the journal: its last record (or, with `first`, its first, which holds the
 * draft) is spoiled and a record of something else follows, so the damage is in the middle, not a torn append.
 */
function spoilRecord(id: string, spoil: (line: string) => string, which: 'last' | 'first' = 'last'): void {
  const lines = readFileSync(journalFile(), 'utf8').split('\n').filter(Boolean);
  const mine = lines.map((l, i) => [l, i] as const).filter(([l]) => l.includes(`"id":"${id}"`));
  const at = (which === 'first' ? mine[0] : mine[mine.length - 1])![1];
  lines[at] = spoil(lines[at]!);
  writeFileSync(journalFile(), lines.join('\n') + '\n' + encodeRecord({ t: 'rm', ids: ['unrelated-job'] }));
}

describe('a damaged job record', () => {
  const damage: Array<[string, (line: string) => string]> = [
    ['cut short', (l) => l.slice(0, 40)],
    ['zeroed (a lost block)', (l) => '\u0000'.repeat(l.length)],
    ['one byte changed', (l) => l.replace('"queued"', '"queuef"')],
    ['not JSON', () => 'not json at all \u0001'],
    ['the wrong shape, checksum right', () => encodeRecord({ t: 'set', job: { format: 1, id: 'someone-else', state: 'flying' } as unknown as JobRecord }).trimEnd()],
  ];
  for (const [kind, spoil] of damage) {
    it(`${kind}: the message reappears as a job to check, never sent on its own; the journal is kept aside`, async () => {
      const id = await storedJob();
      // A later state of the job (as a person's action writes), then damaged: the draft in its first record is intact.
      appendFileSync(journalFile(), encodeRecord({ t: 'set', job: { ...readJob(id), updatedAt: new Date().toISOString() } }));
      spoilRecord(id, spoil);
      const { deliver, calls } = scriptedDeliver();
      const { logger, lines } = memoryLogger();
      outbox = await open({ deliver, logger });
      await new Promise((r) => setTimeout(r, 150));

      const job = outbox.list().find((j) => j.id === id);
      expect(job).toMatchObject({
        state: 'uncertain',
        damaged: 'record',
        lastError: { code: 'OUTBOX_RECORD_DAMAGED' },
        accountId: account.id,
        messageId: expect.stringMatching(/^<.+@mailwright\.test>$/),
        summary: { subject: 'Quarterly figures' },
      });
      // The Bcc recipient comes back from the draft: the headers alone would have lost it.
      expect(job!.envelope.to.sort()).toEqual(['bob@mailwright.test', 'carol@mailwright.test']);
      expect(job!.draft).toEqual(DRAFT);
      expect(calls).toHaveLength(0);
      expect(existsSync(join(dir, 'jobs.journal.corrupt'))).toBe(true);
      expect(readJob(id)).toMatchObject({ state: 'uncertain', damaged: 'record' });
      expect(lines.some((l) => l.level === 'error' && l.message.includes('damaged job record'))).toBe(true);

      // The person checks it and sends it: it goes out with the same bytes, and is an ordinary job again.
      expect((await outbox.retryNow(id)).ok).toBe(true);
      await until(() => outbox!.list().find((j) => j.id === id)?.state === 'sent');
      expect(calls).toHaveLength(1);
      expect(calls[0]!.recipients.sort()).toEqual(['bob@mailwright.test', 'carol@mailwright.test']);
      expect(outbox.list().find((j) => j.id === id)?.damaged).toBeUndefined();
    });
  }

  it('a damaged record followed by a good one of the same job is harmless (each record holds the whole job)', async () => {
    const id = await storedJob();
    appendFileSync(journalFile(), 'garbage in the middle\n' + encodeRecord({ t: 'set', job: readJob(id) }));
    outbox = await open({ deliver: scriptedDeliver().deliver });
    expect(outbox.list().map((j) => [j.id, j.state, j.damaged])).toEqual([[id, 'queued', undefined]]);
    expect(existsSync(join(dir, 'jobs.journal.corrupt'))).toBe(true);
  });

  it('survives a restart as it is, and a second damage keeps both copies aside', async () => {
    const id = await storedJob();
    spoilRecord(id, (l) => l.slice(0, 10));
    outbox = await open({ deliver: scriptedDeliver().deliver });
    await outbox.close();
    spoilRecord(id, () => '');
    outbox = await open({ deliver: scriptedDeliver().deliver });
    expect(outbox.list().map((j) => [j.id, j.state, j.damaged])).toEqual([[id, 'uncertain', 'record']]);
    expect(readdirSync(dir).filter((n) => n.includes('.corrupt')).sort()).toEqual(['jobs.journal.corrupt', 'jobs.journal.corrupt-2']);
  });

  it('a record set aside by the version before the journal (message left alone) is rebuilt too', async () => {
    const old = jobRecord({ accountId: account.id });
    writeJobFiles(dir, old, { draft: DRAFT });
    renameSync(join(dir, `${old.id}.json`), join(dir, `${old.id}.json.corrupt`));
    outbox = await open({ deliver: scriptedDeliver().deliver });
    expect(outbox.list().map((j) => [j.id, j.state, j.damaged, j.draft])).toEqual([[old.id, 'uncertain', 'record', DRAFT]]);
    expect(existsSync(join(dir, `${old.id}.json.corrupt`))).toBe(true);
  });

  it('without its draft (the record that held it is damaged): rebuilt from the headers; it can still be deleted', async () => {
    const id = await storedJob();
    spoilRecord(id, () => 'x', 'first');
    outbox = await open({ deliver: scriptedDeliver().deliver });
    const job = outbox.list().find((j) => j.id === id)!;
    expect(job).toMatchObject({ state: 'uncertain', damaged: 'record', summary: { to: ['bob@mailwright.test'] } });
    expect((await outbox.cancel(id)).ok).toBe(true);
    expect(existsSync(join(dir, `${id}.eml`))).toBe(false);
  });
});

describe('a damaged message file', () => {
  const damage: Array<[string, (file: string) => void]> = [
    ['shorter than recorded', (f) => truncateSync(f, 100)],
    ['longer than recorded', (f) => appendFileSync(f, 'X')],
    ['other bytes, same size', (f) => {
      const bytes = readFileSync(f);
      bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0x20;
      writeFileSync(f, bytes);
    }],
  ];
  for (const [kind, spoil] of damage) {
    it(`${kind}: found at open, the job fails with words and keeps its draft; it is never sent`, async () => {
      const id = await storedJob();
      const recorded = readJob(id);
      expect(recorded.emlSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(recorded.summary.sizeBytes).toBe(readFileSync(join(dir, `${id}.eml`)).length);
      // Due now, so it would be sent at once if the damage were not seen.
      appendFileSync(journalFile(), encodeRecord({ t: 'set', job: { ...recorded, notBefore: new Date(Date.now() - 1000).toISOString() } }));
      spoil(join(dir, `${id}.eml`));
      const { deliver, calls } = scriptedDeliver();
      outbox = await open({ deliver });
      await new Promise((r) => setTimeout(r, 150));
      expect(calls).toHaveLength(0);
      const job = outbox.list().find((j) => j.id === id)!;
      expect(job).toMatchObject({ state: 'failed', damaged: 'message', lastError: { code: 'OUTBOX_MESSAGE_DAMAGED' }, draft: DRAFT });
      // "Send again" is not offered for a damaged message; opening the draft (then cancel) is.
      expect((await outbox.retryNow(id)).ok).toBe(false);
      expect((await outbox.cancel(id)).ok).toBe(true);
    });
  }

  it('damaged while waiting: checked again right before the attempt, and the person is notified', async () => {
    const { deliver, calls } = scriptedDeliver();
    let failedNotice = '';
    outbox = await open({ deliver, undoSeconds: 0.3, onFailed: (job) => (failedNotice = job.id) });
    const r = await outbox.enqueue({ accountId: account.id, message: testMessage(), draft: DRAFT });
    if (!r.ok) throw new Error(r.error.code);
    writeFileSync(join(dir, `${r.value.id}.eml`), 'From: mallory\r\n\r\nother\r\n');
    await until(() => outbox!.list().find((j) => j.id === r.value.id)?.state === 'failed');
    expect(calls).toHaveLength(0);
    expect(outbox.list().find((j) => j.id === r.value.id)).toMatchObject({ damaged: 'message', attempts: 0, lastError: { code: 'OUTBOX_MESSAGE_DAMAGED' } });
    expect(failedNotice).toBe(r.value.id);
  });

  it('a job written before checksums were recorded is accepted and sent', async () => {
    const old = jobRecord({ state: 'queued', accountId: account.id });
    writeJobFiles(dir, old);
    const { deliver, calls } = scriptedDeliver();
    outbox = await open({ deliver });
    await until(() => outbox!.list().find((j) => j.id === old.id)?.state === 'sent');
    expect(calls).toHaveLength(1);
  });
});

describe('a damaged draft file in a folder of the version before the journal', () => {
  it('is set aside and said; the job still sends', async () => {
    const old = jobRecord({ accountId: account.id, notBefore: new Date(Date.now() + 3_600_000).toISOString() });
    writeJobFiles(dir, old);
    const id = old.id;
    writeFileSync(join(dir, `${id}.draft.json`), '{"accountId": "');
    const { deliver, calls } = scriptedDeliver();
    outbox = await open({ deliver });
    const job = outbox.list().find((j) => j.id === id)!;
    expect(job).toMatchObject({ state: 'queued', draftDamaged: true, draft: null });
    expect(existsSync(join(dir, `${id}.draft.json.corrupt`))).toBe(true);
    expect(readJob(id).draftDamaged).toBe(true);
    await outbox.close();
    // Said again after the next restart (the damaged file is no longer where it was).
    outbox = await open({ deliver });
    expect(outbox.list().find((j) => j.id === id)?.draftDamaged).toBe(true);
    await outbox.close();
    appendFileSync(journalFile(), encodeRecord({ t: 'set', job: { ...readJob(id), notBefore: new Date().toISOString() } }));
    outbox = await open({ deliver });
    await until(() => outbox!.list().find((j) => j.id === id)?.state === 'sent');
    expect(calls).toHaveLength(1);
  });
});

describe('the right words', () => {
  it('an outbox folder that cannot be written is OUTBOX_UNWRITABLE, not an unreadable attachment; and it is logged', async () => {
    const { logger, lines } = memoryLogger();
    outbox = await open({ deliver: scriptedDeliver().deliver, logger });
    rmSync(dir, { recursive: true, force: true }); // gone under it: every write fails
    const r = await outbox.enqueue({ accountId: account.id, message: testMessage(), draft: null });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('OUTBOX_UNWRITABLE');
    expect(lines.some((l) => l.level === 'error' && l.message.includes('cannot write to the outbox folder'))).toBe(true);
  });
});

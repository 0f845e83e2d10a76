/**
 * Damaged outbox files: a job record, a message file or a draft file truncated, emptied, or not
 * what it should be. Nothing vanishes, nothing damaged is sent, the damaged file is kept aside, and
 * the job says so. Also the words for a folder that cannot be written, and the outbox's log.
 */
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fail, ok } from '../../shared/result';
import type { Logger } from '../../src-main/services/logger';
import { Outbox, type JobRecord, type OutboxOptions } from '../../src-main/services/outbox';
import { jobRecord, scriptedDeliver, testAccount, testMessage, until, writeJobFiles } from '../support/outbox-fixtures';
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
const readJob = (id: string) => JSON.parse(readFileSync(join(dir, `${id}.json`), 'utf8')) as JobRecord;

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

describe('a damaged job record', () => {
  const damage: Array<[string, (file: string) => void]> = [
    ['truncated', (f) => truncateSync(f, 40)],
    ['empty', (f) => writeFileSync(f, '')],
    ['not JSON', (f) => writeFileSync(f, 'not json at all \u0000\u0001')],
    ['the wrong shape', (f) => writeFileSync(f, JSON.stringify({ format: 1, id: 'someone-else', state: 'flying' }))],
  ];
  for (const [kind, spoil] of damage) {
    it(`${kind}: the message reappears as a job to check, never sent on its own; the record is kept aside`, async () => {
      const id = await storedJob();
      spoil(join(dir, `${id}.json`));
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
      expect(existsSync(join(dir, `${id}.json.corrupt`))).toBe(true);
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

  it('survives a restart as it is, and a second damage keeps both copies aside', async () => {
    const id = await storedJob();
    writeFileSync(join(dir, `${id}.json`), '{');
    outbox = await open({ deliver: scriptedDeliver().deliver });
    await outbox.close();
    writeFileSync(join(dir, `${id}.json`), '');
    outbox = await open({ deliver: scriptedDeliver().deliver });
    expect(outbox.list().map((j) => [j.id, j.state, j.damaged])).toEqual([[id, 'uncertain', 'record']]);
    expect(readdirSync(dir).filter((n) => n.includes('.corrupt')).sort()).toEqual([`${id}.json.corrupt`, `${id}.json.corrupt-2`]);
  });

  it('a record set aside by an earlier version (message left alone) is rebuilt too', async () => {
    const id = await storedJob();
    writeFileSync(join(dir, `${id}.json.corrupt`), '{"id": "');
    rmSync(join(dir, `${id}.json`));
    outbox = await open({ deliver: scriptedDeliver().deliver });
    expect(outbox.list().map((j) => [j.id, j.state, j.damaged])).toEqual([[id, 'uncertain', 'record']]);
  });

  it('without its draft: rebuilt from the headers; it can still be deleted', async () => {
    const id = await storedJob();
    writeFileSync(join(dir, `${id}.json`), 'x');
    rmSync(join(dir, `${id}.draft.json`));
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
      writeFileSync(join(dir, `${id}.json`), JSON.stringify({ ...recorded, notBefore: new Date(Date.now() - 1000).toISOString() }));
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

describe('a damaged draft file kept with a job', () => {
  it('is set aside and said; the job still sends', async () => {
    const id = await storedJob();
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
    writeFileSync(join(dir, `${id}.json`), JSON.stringify({ ...readJob(id), notBefore: new Date().toISOString() }));
    await outbox.close();
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

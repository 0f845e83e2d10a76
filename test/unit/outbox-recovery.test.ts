/**
 * What the outbox finds on disk after a crash: jobs in every state written into its journal by
 * hand, leftovers of interrupted writes, a folder of the version before the journal, and what
 * open() makes of them.
 */
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ok } from '../../shared/result';
import { Outbox, type JobRecord, type OutboxOptions } from '../../src-main/services/outbox';
import { writeFileAtomic } from '../../src-main/services/durable-files';
import { EML, jobRecord, scriptedDeliver, storedJob, testAccount, until, writeJobFiles, writeJournalJob } from '../support/outbox-fixtures';
import { encodeRecord } from '../../src-main/services/outbox/journal';
import { passwordCredential } from '../../src-main/services/credentials';

let dir: string;
let outbox: Outbox | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailwright-outbox-recovery-'));
});
afterEach(async () => {
  await outbox?.close();
  outbox = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const readJob = (id: string): JobRecord => storedJob(dir, id);
const open = (extra: Partial<OutboxOptions> = {}) =>
  Outbox.open({ dir, account: () => ok({ account: testAccount(25, 'none'), credentials: passwordCredential('', undefined) }), undoSeconds: 0, ...extra });

describe('recovery at open', () => {
  it('resumes what never reached the server, and never resends what may have', async () => {
    const notStarted = jobRecord({ state: 'sending' });
    const transmitting = jobRecord({ state: 'sending', transmitting: true, attempts: 1 });
    const queued = jobRecord({ state: 'queued' });
    const later = jobRecord({ state: 'retrying', attempts: 2, notBefore: new Date(Date.now() + 3_600_000).toISOString() });
    const sent = jobRecord({ state: 'sent', attempts: 1, accepted: ['bob@mailwright.test'] });
    const failed = jobRecord({ state: 'failed', attempts: 8 });
    const cancelled = jobRecord({ state: 'cancelled' });
    const uncertain = jobRecord({ state: 'uncertain', attempts: 1 });
    const noMessage = jobRecord({ state: 'queued' });
    for (const job of [notStarted, transmitting, queued, later, sent, failed, cancelled, uncertain]) writeJournalJob(dir, job);
    writeJournalJob(dir, noMessage, { eml: false });

    const { deliver, calls } = scriptedDeliver();
    outbox = await open({ deliver });
    await until(() => outbox!.list().filter((j) => j.state === 'sent').length === 3, 5000, 'the two resumed jobs to be sent');
    await until(() => calls.length === 2);

    expect(calls.map((c) => c.job.id).sort()).toEqual([notStarted.id, queued.id].sort());
    const state = Object.fromEntries(outbox.list().map((j) => [j.id, j.state]));
    expect(state).toEqual({
      [notStarted.id]: 'sent',
      [transmitting.id]: 'uncertain',
      [queued.id]: 'sent',
      [later.id]: 'retrying',
      [sent.id]: 'sent',
      [failed.id]: 'failed',
      [cancelled.id]: 'cancelled',
      [uncertain.id]: 'uncertain',
      [noMessage.id]: 'failed',
    });
    // The decisions are on disk, not only in memory.
    expect(readJob(transmitting.id)).toMatchObject({ state: 'uncertain', attempts: 2, lastError: { code: 'CONNECTION_LOST' } });
    expect(readJob(transmitting.id).transmitting).toBeUndefined();
    expect(readJob(noMessage.id)).toMatchObject({ state: 'failed', lastError: { code: 'INTERNAL' } });
    // Messages of cancelled jobs are removed; the others are kept (sent again, or a Sent copy); drafts stay.
    expect(existsSync(join(dir, `${sent.id}.eml`))).toBe(true);
    expect(existsSync(join(dir, `${cancelled.id}.eml`))).toBe(false);
    expect(existsSync(join(dir, `${transmitting.id}.eml`))).toBe(true);
    expect(existsSync(join(dir, `${failed.id}.eml`))).toBe(true);
    expect(outbox.list().find((j) => j.id === cancelled.id)?.draft).toEqual({ n: cancelled.id });
  });

  it('a recovered uncertain job is sent again only when the person says so', async () => {
    const job = jobRecord({ state: 'sending', transmitting: true });
    writeJournalJob(dir, job);
    const { deliver, calls } = scriptedDeliver();
    outbox = await open({ deliver });
    await new Promise((r) => setTimeout(r, 100));
    expect(calls).toHaveLength(0);
    expect((await outbox.retryNow(job.id)).ok).toBe(true);
    await until(() => outbox!.list()[0]!.state === 'sent');
    expect(calls).toHaveLength(1);
  });

  it('removes temporary files and messages whose job was never written; sets a damaged journal aside and rebuilds the job from its message', async () => {
    const kept = jobRecord({ state: 'failed' });
    writeJournalJob(dir, kept);
    // A record of job 3 damaged in the middle of the journal (a later record follows it).
    const damaged = encodeRecord({ t: 'add', job: jobRecord({ id: 'd3c1b7a2-0000-4000-8000-000000000003' }), draft: null }).replace('"queued"', '"queuedX"');
    appendFileSync(join(dir, 'jobs.journal'), damaged);
    writeJournalJob(dir, jobRecord({ ...kept, attempts: 3 }), { eml: false });
    writeFileSync(join(dir, 'jobs.journal.tmp-0a1b2c3d4e5f'), 'half a snapshot');
    writeFileSync(join(dir, 'd3c1b7a2-0000-4000-8000-000000000001.eml.tmp-aaaaaaaaaaaa'), 'From: half');
    writeFileSync(join(dir, 'd3c1b7a2-0000-4000-8000-000000000003.eml'), EML);

    outbox = await open({ deliver: scriptedDeliver().deliver });
    expect(readdirSync(dir).sort()).toEqual([`${kept.id}.eml`, 'd3c1b7a2-0000-4000-8000-000000000003.eml', 'jobs.journal', 'jobs.journal.corrupt'].sort());
    // The damaged one is not lost: it is back, waiting for the person (outbox-damage.test.ts has the details).
    expect(Object.fromEntries(outbox.list().map((j) => [j.id, [j.state, j.damaged, j.attempts]]))).toEqual({
      [kept.id]: ['failed', undefined, 3],
      'd3c1b7a2-0000-4000-8000-000000000003': ['uncertain', 'record', 0],
    });
    // Without damage in the journal, a message whose job was never written is an enqueue that never answered: removed.
    await outbox.close();
    writeFileSync(join(dir, 'd3c1b7a2-0000-4000-8000-000000000002.eml'), EML);
    outbox = await open({ deliver: scriptedDeliver().deliver });
    expect(existsSync(join(dir, 'd3c1b7a2-0000-4000-8000-000000000002.eml'))).toBe(false);
    expect(outbox.list()).toHaveLength(2);
  });

  it('a folder of the version before the journal: leftovers removed, damaged job files set aside and rebuilt, the rest moved into the journal', async () => {
    const kept = jobRecord({ state: 'failed' });
    writeJobFiles(dir, kept);
    writeFileSync(join(dir, `${kept.id}.json.tmp-0a1b2c3d4e5f`), '{"half":');
    writeFileSync(join(dir, 'd3c1b7a2-0000-4000-8000-000000000001.eml.tmp-aaaaaaaaaaaa'), 'From: half');
    writeFileSync(join(dir, 'd3c1b7a2-0000-4000-8000-000000000002.eml'), EML); // enqueue died before its job file
    writeFileSync(join(dir, 'd3c1b7a2-0000-4000-8000-000000000002.draft.json'), '{}');
    writeFileSync(join(dir, 'd3c1b7a2-0000-4000-8000-000000000003.json'), '{"id": "d3c1b7a2-0000-4000-8000-0000'); // cannot happen with atomic writes; still
    writeFileSync(join(dir, 'd3c1b7a2-0000-4000-8000-000000000003.eml'), EML);

    outbox = await open({ deliver: scriptedDeliver().deliver });
    expect(readdirSync(dir).sort()).toEqual(
      [`${kept.id}.eml`, 'd3c1b7a2-0000-4000-8000-000000000003.eml', 'd3c1b7a2-0000-4000-8000-000000000003.json.corrupt', 'jobs.journal'].sort(),
    );
    expect(Object.fromEntries(outbox.list().map((j) => [j.id, [j.state, j.damaged]]))).toEqual({
      [kept.id]: ['failed', undefined],
      'd3c1b7a2-0000-4000-8000-000000000003': ['uncertain', 'record'],
    });
    expect(outbox.list().find((j) => j.id === kept.id)?.draft).toEqual({ n: kept.id });
    expect(readJob('d3c1b7a2-0000-4000-8000-000000000003')).toMatchObject({ state: 'uncertain', damaged: 'record' });
  });

  it('creates the folder when it is missing', async () => {
    const nested = join(dir, 'a', 'outbox');
    outbox = await open({ dir: nested, deliver: scriptedDeliver().deliver });
    expect(existsSync(nested)).toBe(true);
    expect(outbox.list()).toEqual([]);
  });
});

describe('atomic writes', () => {
  it('replaces the whole file and leaves no temporary file', async () => {
    const file = join(dir, 'x.json');
    await writeFileAtomic(dir, file, 'first');
    await writeFileAtomic(dir, file, 'second'.repeat(100_000));
    expect(readFileSync(file, 'utf8')).toBe('second'.repeat(100_000));
    expect(readdirSync(dir)).toEqual(['x.json']);
  });

  it('leaves neither a temporary file nor a changed target when the rename fails', async () => {
    const target = join(dir, 'taken.json');
    mkdirSync(join(target, 'inside'), { recursive: true }); // a non-empty folder cannot be renamed over
    await expect(writeFileAtomic(dir, target, 'data')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['taken.json']);
  });
});

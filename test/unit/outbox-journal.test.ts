/**
 * The outbox's journal (src-main/services/outbox/journal.ts) on its own: group commit (many records,
 * few fsyncs), a torn last append cut off, a damaged line in the middle kept aside and reported,
 * a folder of the old layout moved in, snapshots, file modes, and a write that fails.
 */
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open as openFile, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeRecord, JOURNAL_FILE, JournalBrokenError, JournalJobStore, readJournal } from '../../src-main/services/outbox/journal';
import { EML, jobRecord, writeJobFiles } from '../support/outbox-fixtures';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailwright-journal-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const journal = () => join(dir, JOURNAL_FILE);

/** Counts fsyncs (FileHandle sync and datasync) while `fn` runs. */
async function countingFsyncs<T>(fn: () => Promise<T>): Promise<{ result: T; fsyncs: number }> {
  const proto = Object.getPrototypeOf((await openFile(__filename, 'r').then(async (h) => (await h.close(), h))) as FileHandle) as FileHandle;
  const sync = proto.sync;
  const datasync = proto.datasync;
  let fsyncs = 0;
  proto.sync = function (this: FileHandle) {
    fsyncs++;
    return sync.call(this);
  };
  proto.datasync = function (this: FileHandle) {
    fsyncs++;
    return datasync.call(this);
  };
  try {
    return { result: await fn(), fsyncs };
  } finally {
    proto.sync = sync;
    proto.datasync = datasync;
  }
}

async function storeWith(jobs: number): Promise<{ store: JournalJobStore; ids: string[] }> {
  const store = new JournalJobStore(dir);
  await store.load();
  const ids: string[] = [];
  for (let i = 0; i < jobs; i++) {
    const job = jobRecord();
    writeFileSync(join(dir, `${job.id}.eml`), EML);
    await store.add(job, { n: i });
    ids.push(job.id);
  }
  return { store, ids };
}

describe('group commit', () => {
  it('concurrent updates share writes and fsyncs, and each resolves only once durable', async () => {
    const { store, ids } = await storeWith(50);
    const jobs = ids.map((id) => jobRecord({ id, state: 'sent', attempts: 1 }));
    const { fsyncs } = await countingFsyncs(() => Promise.all(jobs.map((j) => store.update(j))));
    // 50 records, one group (same tick): one fdatasync. Without group commit it is one per record.
    expect(fsyncs).toBeLessThanOrEqual(2);
    const after = await readJournal(dir);
    for (const j of jobs) expect(after.jobs.get(j.id)?.state).toBe('sent');
    await store.close();
  });

  it('records that arrive while an fsync is in flight go out together in the next group', async () => {
    const { store, ids } = await storeWith(40);
    const { fsyncs } = await countingFsyncs(async () => {
      const waits: Array<Promise<void>> = [];
      // One caller now, the rest one by one on later ticks while the first fsync runs.
      for (const [i, id] of ids.entries()) {
        waits.push(store.update(jobRecord({ id, state: 'retrying', attempts: i })));
        await new Promise((r) => setImmediate(r));
      }
      await Promise.all(waits);
    });
    expect(fsyncs).toBeLessThan(ids.length / 2);
    await store.close();
  });

  it('a group with an add also makes the folder entry durable: one folder fsync for many adds', async () => {
    const store = new JournalJobStore(dir);
    await store.load();
    const jobs = Array.from({ length: 20 }, () => jobRecord());
    for (const j of jobs) writeFileSync(join(dir, `${j.id}.eml`), EML);
    const { fsyncs } = await countingFsyncs(() => Promise.all(jobs.map((j, n) => store.add(j, { n }))));
    expect(fsyncs).toBe(2); // the journal's fdatasync and the folder's fsync
    const after = await readJournal(dir);
    expect([...after.jobs.keys()].sort()).toEqual(jobs.map((j) => j.id).sort());
    expect(after.drafts.get(jobs[3]!.id)).toEqual({ n: 3 });
    await store.close();
  });

  it('a write that fails rejects its callers, leaves no half line, and the store goes on', async () => {
    const { store, ids } = await storeWith(3);
    const proto = Object.getPrototypeOf(await openFile(__filename, 'r').then(async (h) => (await h.close(), h))) as FileHandle;
    const datasync = proto.datasync;
    // One failure (a transient I/O error): the group's fdatasync fails, cutting back works.
    let failures = 1;
    proto.datasync = function (this: FileHandle) {
      return failures-- > 0 ? Promise.reject(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' })) : datasync.call(this);
    };
    let results: PromiseSettledResult<void>[];
    try {
      results = await Promise.allSettled(ids.map((id) => store.update(jobRecord({ id, state: 'failed' }))));
    } finally {
      proto.datasync = datasync;
    }
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    // Cut back to the last durable record: the failed group is not there, the journal reads whole.
    const mid = await readJournal(dir);
    expect(mid.tornTail).toBe(false);
    expect(ids.map((id) => mid.jobs.get(id)?.state)).toEqual(['queued', 'queued', 'queued']);
    await store.update(jobRecord({ id: ids[0]!, state: 'sent' }));
    expect((await readJournal(dir)).jobs.get(ids[0]!)?.state).toBe('sent');
    await store.close();
  });

  it('when even cutting back fails, it says so to every caller from then on, and reopening brings it back', async () => {
    const { store, ids } = await storeWith(2);
    const proto = Object.getPrototypeOf(await openFile(__filename, 'r').then(async (h) => (await h.close(), h))) as FileHandle;
    const { datasync, truncate } = proto;
    proto.datasync = () => Promise.reject(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    proto.truncate = () => Promise.reject(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    try {
      await expect(store.update(jobRecord({ id: ids[0]!, state: 'failed' }))).rejects.toThrow('EIO');
    } finally {
      proto.datasync = datasync;
      proto.truncate = truncate;
    }
    await expect(store.update(jobRecord({ id: ids[1]!, state: 'failed' }))).rejects.toThrow(JournalBrokenError);
    await store.close();
    // What was acknowledged is there; the failed group is either wholly there or not (here it was written, never acknowledged).
    const report = await new JournalJobStore(dir).load();
    expect(report.jobs.map((j) => j.id).sort()).toEqual([...ids].sort());
    expect(report.jobs.find((j) => j.id === ids[1])?.state).toBe('queued');
  });
});

describe('opening the journal', () => {
  it('a torn last line (a crash mid-append) is cut off quietly', async () => {
    const { store, ids } = await storeWith(2);
    await store.close();
    const good = statSync(journal()).size;
    const torn = encodeRecord({ t: 'set', job: jobRecord({ id: ids[0]!, state: 'sent' }) });
    appendFileSync(journal(), torn.slice(0, torn.length - 30));

    const again = new JournalJobStore(dir);
    const report = await again.load();
    expect(report.jobs.map((j) => j.state)).toEqual(['queued', 'queued']);
    expect(report.damagedRecords).toEqual([]);
    expect(report.corruptJournal).toBeUndefined();
    expect(statSync(journal()).size).toBe(good);
    expect(readdirSync(dir).filter((n) => n.includes('corrupt'))).toEqual([]);
    // Appends after it start on a whole line.
    await again.update(jobRecord({ id: ids[1]!, state: 'sent' }));
    expect((await readJournal(dir)).jobs.get(ids[1]!)?.state).toBe('sent');
    await again.close();
  });

  it('a whole last line that is damaged (a changed byte, not a cut) is damage, not a torn append: reported, its draft saved', async () => {
    const { store, ids } = await storeWith(2);
    await store.close();
    const text = readFileSync(journal(), 'utf8');
    const lines = text.split('\n');
    lines[1] = lines[1]!.replace('"state":"queued"', '"state":"queuee"');
    writeFileSync(journal(), lines.join('\n'));
    const report = await new JournalJobStore(dir).load();
    expect(report.corruptJournal).toBe(`${JOURNAL_FILE}.corrupt`);
    expect(report.damagedRecords).toEqual([ids[1]]);
    // The line still parses: the draft, kept to reopen the message, comes back with the rebuilt job.
    expect(report.drafts.get(ids[1]!)).toEqual({ n: 1 });
    expect(report.jobs.map((j) => j.id)).toEqual([ids[0]]);
  });

  it('a damaged line in the middle: the journal is copied aside, reported, every other job kept', async () => {
    const { store, ids } = await storeWith(4);
    // The transmitting marker of job 1, then a later change of job 3.
    await store.update(jobRecord({ id: ids[1]!, state: 'sending', transmitting: true, attempts: 1 }));
    await store.update(jobRecord({ id: ids[3]!, state: 'retrying', attempts: 1 }));
    await store.close();
    const lines = readFileSync(journal(), 'utf8').split('\n');
    const marker = lines.findIndex((l) => l.includes('"transmitting":true'));
    lines[marker] = lines[marker]!.replace('"attempts":1', '"attempts":7'); // checksum no longer matches
    const damaged = lines.join('\n');
    writeFileSync(journal(), damaged);

    const again = new JournalJobStore(dir);
    const report = await again.load();
    expect(report.corruptJournal).toBe(`${JOURNAL_FILE}.corrupt`);
    expect(readFileSync(join(dir, `${JOURNAL_FILE}.corrupt`), 'utf8')).toBe(damaged);
    // Job 1's last state is unknown (its message may have gone out): rebuilt from its message, never resent.
    expect(report.damagedRecords).toEqual([ids[1]]);
    expect(report.drafts.get(ids[1]!)).toEqual({ n: 1 });
    expect(report.jobs.map((j) => j.id).sort()).toEqual([ids[0], ids[2], ids[3]].sort());
    expect(report.jobs.find((j) => j.id === ids[3])?.state).toBe('retrying');
    expect(existsSync(join(dir, `${ids[1]}.eml`))).toBe(true);
    await again.close();

    // The journal itself was rewritten whole; the damaged job stays reported until its rebuilt record is written.
    const third = new JournalJobStore(dir);
    const next = await third.load();
    expect(next.corruptJournal).toBeUndefined();
    expect(next.damagedRecords).toEqual([ids[1]]);
    await third.update(jobRecord({ id: ids[1]!, state: 'uncertain' }));
    await third.close();
    const fourth = await new JournalJobStore(dir).load();
    expect(fourth.damagedRecords).toEqual([]);
    expect(fourth.drafts.get(ids[1]!)).toEqual({ n: 1 });
    expect(readdirSync(dir).filter((n) => n.includes('corrupt'))).toEqual([`${JOURNAL_FILE}.corrupt`]);
  });

  it('a message without a record: removed when the journal is sound (an enqueue that never answered), rebuilt when it is damaged', async () => {
    const { store, ids } = await storeWith(2);
    await store.update(jobRecord({ id: ids[1]!, state: 'sent', attempts: 1 }));
    await store.close();
    writeFileSync(join(dir, 'd3c1b7a2-0000-4000-8000-000000000009.eml'), EML);
    const report = await new JournalJobStore(dir).load();
    expect(report.removed).toContain('d3c1b7a2-0000-4000-8000-000000000009.eml');
    expect(existsSync(join(dir, 'd3c1b7a2-0000-4000-8000-000000000009.eml'))).toBe(false);

    writeFileSync(join(dir, 'd3c1b7a2-0000-4000-8000-000000000009.eml'), EML);
    const lines = readFileSync(journal(), 'utf8').split('\n');
    lines.splice(1, 0, 'zz not a record'); // after job 0's only record, before job 1's
    writeFileSync(journal(), lines.join('\n'));
    const damaged = await new JournalJobStore(dir).load();
    // A damaged line that names no job may have been any job's later state: unfinished jobs are rebuilt too, finished ones kept.
    expect(damaged.damagedRecords.sort()).toEqual([ids[0], 'd3c1b7a2-0000-4000-8000-000000000009'].sort());
    expect(damaged.jobs.map((j) => [j.id, j.state])).toEqual([[ids[1], 'sent']]);
    expect(existsSync(join(dir, 'd3c1b7a2-0000-4000-8000-000000000009.eml'))).toBe(true);
  });

  it('removed jobs are gone with their message; a snapshot keeps every live job and its draft', async () => {
    const { store, ids } = await storeWith(10);
    // Far more records than live jobs: 10 jobs, > 1000 records.
    for (let round = 0; round < 110; round++) await Promise.all(ids.map((id, n) => store.update(jobRecord({ id, attempts: round, state: n % 2 ? 'retrying' : 'queued' }))));
    await store.remove(ids.slice(0, 2));
    expect(existsSync(join(dir, `${ids[0]}.eml`))).toBe(false);
    await store.close();
    const after = await readJournal(dir);
    expect(after.records).toBeLessThan(1000);
    expect([...after.jobs.keys()].sort()).toEqual(ids.slice(2).sort());
    for (const [n, id] of ids.entries()) if (n >= 2) expect(after.drafts.get(id)).toEqual({ n });
    expect(after.jobs.get(ids[5]!)?.attempts).toBe(109);
    const report = await new JournalJobStore(dir).load();
    expect(report.jobs).toHaveLength(8);
    expect(report.removed).toEqual([]);
  });

  it.skipIf(process.platform === 'win32')('the journal is 0600, also after a snapshot', async () => {
    const { store, ids } = await storeWith(1);
    expect(statSync(journal()).mode & 0o777).toBe(0o600);
    for (let i = 0; i < 1001; i++) await store.update(jobRecord({ id: ids[0]!, attempts: i }));
    await store.close();
    expect((await readJournal(dir)).records).toBeLessThan(100);
    expect(statSync(journal()).mode & 0o777).toBe(0o600);
  });
});

describe('a folder of the old layout (a job file per job)', () => {
  it('is moved into the journal in one step: jobs, drafts and states survive, the old files go', async () => {
    const queued = jobRecord({ state: 'queued' });
    const marked = jobRecord({ state: 'sending', transmitting: true, attempts: 1 });
    const sent = jobRecord({ state: 'sent', attempts: 1, accepted: ['bob@mailwright.test'] });
    for (const job of [queued, marked, sent]) writeJobFiles(dir, job, { draft: { subject: job.id } });
    // A damaged record whose message is intact: set aside, rebuilt by the outbox.
    const damaged = jobRecord();
    writeJobFiles(dir, damaged, { draft: { subject: 'damaged' } });
    writeFileSync(join(dir, `${damaged.id}.json`), '{"format":1,"id":"');

    const store = new JournalJobStore(dir);
    const report = await store.load();
    expect(report.jobs.map((j) => [j.id, j.state, j.transmitting ?? false]).sort()).toEqual(
      [
        [queued.id, 'queued', false],
        [marked.id, 'sending', true],
        [sent.id, 'sent', false],
      ].sort(),
    );
    expect(report.drafts.get(marked.id)).toEqual({ subject: marked.id });
    expect(report.damagedRecords).toEqual([damaged.id]);
    expect(readdirSync(dir).sort()).toEqual(
      [JOURNAL_FILE, `${damaged.id}.json.corrupt`, ...[queued, marked, sent, damaged].map((j) => `${j.id}.eml`)].sort(),
    );
    await store.close();

    // Opened again: the same jobs, from the journal alone; the damaged one still waits for its rebuild, with its draft.
    const again = await new JournalJobStore(dir).load();
    expect(again.jobs.map((j) => j.id).sort()).toEqual([queued.id, marked.id, sent.id].sort());
    expect(again.jobs.find((j) => j.id === marked.id)).toMatchObject({ state: 'sending', transmitting: true });
    expect(again.drafts.get(sent.id)).toEqual({ subject: sent.id });
    expect(again.damagedRecords).toEqual([damaged.id]);
    expect(again.drafts.get(damaged.id)).toEqual({ subject: 'damaged' });
  });

  it('files of the old layout left by a migration stopped midway are leftovers: the journal already holds them', async () => {
    const job = jobRecord({ state: 'retrying', attempts: 3 });
    writeJobFiles(dir, job);
    await new JournalJobStore(dir).load();
    // As if the removal of the old files had not happened (a crash right after the journal's rename).
    writeFileSync(join(dir, `${job.id}.json`), JSON.stringify({ ...job, state: 'queued', attempts: 0 }));
    writeFileSync(join(dir, `${job.id}.draft.json`), '{}');
    const report = await new JournalJobStore(dir).load();
    expect(report.jobs).toMatchObject([{ id: job.id, state: 'retrying', attempts: 3 }]);
    expect(readdirSync(dir).sort()).toEqual([JOURNAL_FILE, `${job.id}.eml`].sort());
  });
});

describe('a folder of the old layout next to a journal', () => {
  it('a job the journal does not know (written by an earlier version run in between) is taken in, never dropped', async () => {
    const { store, ids } = await storeWith(1);
    await store.close();
    const older = jobRecord({ state: 'retrying', attempts: 2 });
    writeJobFiles(dir, older, { draft: { subject: 'older' } });
    const report = await new JournalJobStore(dir).load();
    expect(report.jobs.map((j) => j.id).sort()).toEqual([ids[0], older.id].sort());
    expect(report.drafts.get(older.id)).toEqual({ subject: 'older' });
    expect(readdirSync(dir).sort()).toEqual([JOURNAL_FILE, `${ids[0]}.eml`, `${older.id}.eml`].sort());
    expect((await readJournal(dir)).jobs.get(older.id)).toMatchObject({ state: 'retrying', attempts: 2 });
  });
});

describe('what the journal holds', () => {
  it('only what a job record holds: the account id, never a password', async () => {
    const { store } = await storeWith(2);
    await store.close();
    const text = readFileSync(journal(), 'utf8');
    expect(text).toContain('"accountId":"acc"');
    expect(text).not.toMatch(/password|credential|token|secret/i);
  });
});

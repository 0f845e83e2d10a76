/**
 * The outbox's job state in one append-only file, `jobs.journal` (0600), instead of a file per job
 * rewritten on every change. Each line is `<crc32 hex> <json>`, the checksum over the JSON text, so
 * a torn or damaged line is recognised. Records:
 *   {"t":"add","job":{…},"draft":…}   a new job and what the editor needs to reopen it
 *   {"t":"set","job":{…}}             the job's full new record (it is small)
 *   {"t":"rm","ids":[…]}              jobs moved to the history: forgotten
 *   {"t":"lost","id":…,"draft":…}     a job whose record was damaged: rebuilt from its message at open
 * Replaying the lines in order gives every job; the last record of an id wins.
 *
 * Group commit: every add/update/remove resolves only once its record is durable, but records of
 * callers that arrive together (the same tick, or while an fsync is in flight) go out in one write
 * and one fdatasync. A group holding an add also fsyncs the folder once, which makes the new
 * `<id>.eml`'s name durable (its bytes were fsynced by message.ts before add was called).
 *
 * Why this is as safe as the file per job: a record is acknowledged only after fdatasync returned,
 * so a SIGKILL or a power cut afterwards cannot take it back. A crash mid-append leaves at most a
 * torn last line (no newline at its end), of a group nobody was told about: cut off at open. A damaged line anywhere else
 * is not ours to explain: the journal is copied aside (`jobs.journal.corrupt`, never deleted), the
 * jobs it touched are rebuilt from their messages as "may have been sent" (never sent on their
 * own), and LoadReport says so. When the journal holds many more records than live jobs it is
 * rewritten as one record per job (temp file, fsync, rename, folder fsync).
 *
 * A folder written by an earlier version (`<id>.json` + `<id>.draft.json`, store.ts) is read
 * with loadDir once, written into a new journal in one durable step, and its files removed.
 */
import { copyFile, open, readdir, readFile, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { constants as fsConstants } from 'node:fs';
import { makePrivateFolder, PRIVATE_FILE_MODE, removeQuietly, syncDir, tempName, TMP_MARK } from '../durable-files';
import { emlFile, isJobRecord, loadDir, setAside, type JobStore, type LoadReport } from './store';
import type { JobRecord } from './types';

export const JOURNAL_FILE = 'jobs.journal';

const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
/** `<id>.json` and `<id>.draft.json`: the layout before the journal (store.ts). */
const LEGACY_RE = /^[A-Za-z0-9_-]{1,64}(\.draft)?\.json$/;

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}
/** One write carries at most this much; the rest waits for the next group. */
const MAX_GROUP_BYTES = 4 * 1024 * 1024;
/** Callers waiting to be written hold at most this much; beyond it a caller waits for room. */
const MAX_QUEUED_BYTES = 16 * 1024 * 1024;
/** Rewritten as one record per live job once it holds more than max(this, SNAPSHOT_FACTOR × live) records. */
const SNAPSHOT_MIN_RECORDS = 1000;
const SNAPSHOT_FACTOR = 4;

export type JournalRecord =
  | { t: 'add'; job: JobRecord; draft: unknown }
  | { t: 'set'; job: JobRecord }
  | { t: 'rm'; ids: string[] }
  | { t: 'lost'; id: string; draft: unknown };

const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');

export function encodeRecord(record: JournalRecord): string {
  const json = JSON.stringify(record);
  return `${hex(crc32(json))} ${json}\n`;
}

function decodeLine(line: string): JournalRecord | undefined {
  const space = line.indexOf(' ');
  if (space !== 8) return undefined;
  const json = line.slice(9);
  if (line.slice(0, 8) !== hex(crc32(json))) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  const r = value as Partial<Record<string, unknown>> | null;
  if (!r || typeof r !== 'object') return undefined;
  const job = r.job as { id?: unknown } | undefined;
  if ((r.t === 'add' || r.t === 'set') && job && typeof job.id === 'string' && isJobRecord(job, job.id)) return value as JournalRecord;
  if (r.t === 'rm' && Array.isArray(r.ids) && r.ids.every((id) => typeof id === 'string')) return value as JournalRecord;
  if (r.t === 'lost' && typeof r.id === 'string' && ID_RE.test(r.id)) return value as JournalRecord;
  return undefined;
}

/**
 * The draft of a damaged add line that still parses (a changed byte, not a cut): only ever used to
 * reopen the message in the editor and to rebuild its job as "may have been sent", which the
 * person checks before anything is sent.
 */
function salvageDraft(line: string): { id: string; draft: unknown } | undefined {
  try {
    const value = JSON.parse(line.slice(9)) as { t?: unknown; job?: { id?: unknown }; draft?: unknown };
    const id = value.job?.id;
    if (value.t !== 'add' || typeof id !== 'string' || !ID_RE.test(id) || value.draft === undefined || value.draft === null) return undefined;
    return { id, draft: value.draft };
  } catch {
    return undefined;
  }
}

export interface Replay {
  jobs: Map<string, JobRecord>;
  drafts: Map<string, unknown>;
  /** Jobs whose record was damaged (a `lost` record not followed by a new one). */
  lost: Set<string>;
  /** Ids that were removed (moved to the history). */
  removed: Set<string>;
  /** Good records read. */
  records: number;
  /** Byte length of everything up to the end of the last good line. */
  goodBytes: number;
  /** Damaged whole lines (not an unfinished last line), each with how many good records came before it. */
  damagedLines: Array<{ line: string; after: number }>;
  /** Per job, the position of its last good record (compared with `after` of a damaged line). */
  lastRecord: Map<string, number>;
  /** Whether the journal ends in an unfinished line (a torn append), cut off at open. */
  tornTail: boolean;
}

/** Replays the journal's bytes (split at the byte level: a damaged byte must not shift later offsets). Pure: the caller decides what to do about damage. */
export function replay(data: Buffer): Replay {
  const out: Replay = { jobs: new Map(), drafts: new Map(), lost: new Set(), removed: new Set(), records: 0, goodBytes: 0, damagedLines: [], lastRecord: new Map(), tornTail: false };
  let pendingBad: string[] = [];
  let offset = 0;
  while (offset < data.length) {
    const nl = data.indexOf(0x0a, offset);
    const end = nl < 0 ? data.length : nl + 1;
    const line = data.toString('utf8', offset, nl < 0 ? data.length : nl);
    offset = end;
    const record = nl < 0 ? undefined : decodeLine(line);
    if (!record) {
      // Even an empty line: the writer never writes one, so something is not as written.
      pendingBad.push(line);
      continue;
    }
    // Bad lines with a good one after them are damage in the middle, not a torn append.
    out.damagedLines.push(...pendingBad.map((bad) => ({ line: bad, after: out.records })));
    pendingBad = [];
    const position = out.records++;
    for (const id of record.t === 'rm' ? record.ids : [record.t === 'lost' ? record.id : record.job.id]) out.lastRecord.set(id, position);
    out.goodBytes = end;
    if (record.t === 'add' || record.t === 'set') {
      const id = record.job.id;
      out.jobs.set(id, record.job);
      if (record.t === 'add') out.drafts.set(id, record.draft ?? null);
      else if (!out.drafts.has(id)) out.drafts.set(id, null);
      out.lost.delete(id);
      out.removed.delete(id);
    } else if (record.t === 'rm') {
      for (const id of record.ids) {
        out.jobs.delete(id);
        out.drafts.delete(id);
        out.lost.delete(id);
        out.removed.add(id);
      }
    } else {
      out.jobs.delete(record.id);
      out.lost.add(record.id);
      out.drafts.set(record.id, record.draft ?? null);
    }
  }
  // After the last good record: whole lines (ending in a newline) are damage like any other; only
  // an unfinished last line is an append cut short (a crash mid-write: nobody was told it was written).
  const unfinished = data.length > 0 && data[data.length - 1] !== 0x0a;
  out.damagedLines.push(...(unfinished ? pendingBad.slice(0, -1) : pendingBad).map((bad) => ({ line: bad, after: out.records })));
  out.tornTail = unfinished;
  for (const { line } of out.damagedLines) {
    const draft = salvageDraft(line);
    if (draft && !out.drafts.get(draft.id)) out.drafts.set(draft.id, draft.draft);
  }
  return out;
}

/** The journal's jobs and drafts as the next open would see them (no repair). For tests and tools. */
export async function readJournal(dir: string): Promise<Replay> {
  return replay(await readFile(join(dir, JOURNAL_FILE)));
}

/** Ids a damaged line may have been about (the id usually survives a flipped byte elsewhere). */
function idsIn(line: string): string[] {
  return [...line.matchAll(/"id":"([A-Za-z0-9_-]{1,64})"/g), ...[...line.matchAll(/"ids":\[([^\]]*)\]/g)].flatMap((m) => [...m[1]!.matchAll(/"([A-Za-z0-9_-]{1,64})"/g)])].map(
    (m) => m[1]!,
  );
}

/** Copies `name` to `<name>.corrupt` (or `-2`, `-3` …); never overwrites. */
async function copyAside(dir: string, name: string): Promise<string> {
  for (let n = 1; n < 1000; n++) {
    const target = `${name}.corrupt${n === 1 ? '' : `-${n}`}`;
    try {
      await copyFile(join(dir, name), join(dir, target), fsConstants.COPYFILE_EXCL);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    const handle = await open(join(dir, target), 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    return target;
  }
  throw new Error('too many damaged copies set aside');
}

interface Waiter {
  text: string;
  bytes: number;
  /** The group must also fsync the folder (an add: the new `.eml`'s name). */
  syncFolder: boolean;
  /** Applied to the in-memory state once the record is durable. */
  apply: () => void;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Thrown to every caller once the journal could not be brought back to a known state. */
export class JournalBrokenError extends Error {
  constructor(cause: unknown) {
    super('the outbox journal could not be written and could not be restored; the outbox must be opened again', { cause });
    this.name = 'JournalBrokenError';
  }
}

export class JournalJobStore implements JobStore {
  private readonly file: string;
  /** Set once load() has read (or created) the journal. */
  private loaded = false;
  /** Live jobs and their drafts as durable on disk (what a snapshot writes). */
  private readonly jobs = new Map<string, JobRecord>();
  private readonly drafts = new Map<string, unknown>();
  /** Damaged records not yet replaced (their drafts are in `drafts`). */
  private readonly lost = new Set<string>();
  private records = 0;
  /** After a snapshot failed (a full disk, say), the next is tried only beyond this many records. */
  private snapshotFloor = 0;
  /** Length of the journal up to the last durable record. */
  private size = 0;
  private queue: Waiter[] = [];
  private queuedBytes = 0;
  private readonly roomWaiters: Array<() => void> = [];
  private flushing: Promise<void> | undefined;
  /** A folder fsync is owed before the next group is acknowledged (a snapshot's rename whose folder fsync failed). */
  private folderOwed = false;
  private broken: JournalBrokenError | undefined;
  private closed = false;
  /** Counted for tests and the benchmark: groups written (one write, one fdatasync each). */
  groups = 0;

  constructor(private readonly dir: string) {
    this.file = join(dir, JOURNAL_FILE);
  }

  async load(): Promise<LoadReport> {
    await makePrivateFolder(this.dir);
    const names = new Set(await readdir(this.dir));
    if (!names.has(JOURNAL_FILE)) return this.migrate();

    const report: LoadReport = { jobs: [], drafts: new Map(), corrupt: [], damagedRecords: [], damagedDrafts: [], removed: [], missingMessage: [] };
    let changed = false;
    for (const name of names) {
      // Temporary files of a snapshot or of a message being written.
      if (!name.includes(TMP_MARK)) continue;
      await removeQuietly(join(this.dir, name));
      report.removed.push(name);
      names.delete(name);
      changed = true;
    }

    const r = replay(await readFile(this.file));
    let rewrite = false;
    // Files of the old layout next to a journal: left by a migration stopped before it removed them
    // all (the journal already holds those jobs), or written by an earlier version run in between:
    // a job the journal does not know is taken in, never dropped.
    const legacy = [...names].filter((name) => LEGACY_RE.test(name));
    for (const name of legacy) {
      if (name.endsWith('.draft.json')) continue;
      const id = name.slice(0, -'.json'.length);
      if (r.lastRecord.has(id)) continue;
      const job = await readJson(join(this.dir, name));
      if (!isJobRecord(job, id)) {
        // Damaged: kept aside, and its message rebuilt as a job to check.
        await setAside(this.dir, name);
        r.lost.add(id);
        r.drafts.set(id, names.has(`${id}.draft.json`) ? ((await readJson(join(this.dir, `${id}.draft.json`))) ?? null) : null);
        rewrite = true;
        continue;
      }
      r.jobs.set(id, job);
      r.drafts.set(id, names.has(`${id}.draft.json`) ? ((await readJson(join(this.dir, `${id}.draft.json`))) ?? null) : null);
      r.lastRecord.set(id, r.records);
      rewrite = true;
    }
    if (r.damagedLines.length) {
      // Kept for inspection before anything is changed; the jobs it touched are rebuilt.
      report.corruptJournal = await copyAside(this.dir, JOURNAL_FILE);
      for (const [id, job] of r.jobs) {
        // A damaged line may have been a later state of this job (say, "its data went out"):
        // replaying the older one could send it again. Such jobs are rebuilt as "may have been
        // sent". A line that names no job may have been any unfinished job's. A job with a good
        // record after the damage is safe: each record holds the job's whole state.
        const last = r.lastRecord.get(id) ?? -1;
        const finished = job.state === 'sent' || job.state === 'cancelled';
        const touched = r.damagedLines.some(({ line, after }) => {
          // Only ids of jobs this folder knows count: a line naming none of them names no job.
          const ids = idsIn(line).filter((named) => r.lastRecord.has(named) || names.has(`${named}.eml`));
          return last < after && (ids.includes(id) || (ids.length === 0 && !finished));
        });
        if (!touched) continue;
        r.jobs.delete(id);
        r.lost.add(id);
      }
      rewrite = true;
    }
    if (r.tornTail) {
      // An append cut short by a crash: nobody was told it was written.
      const handle = await open(this.file, 'r+');
      try {
        await handle.truncate(r.goodBytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }

    const hasDamage = r.damagedLines.length > 0;
    for (const [id, job] of r.jobs) {
      report.jobs.push(job);
      report.drafts.set(id, r.drafts.get(id) ?? null);
      if (!names.has(`${id}.eml`)) report.missingMessage.push(id);
    }
    for (const id of r.lost) {
      if (names.has(`${id}.eml`)) {
        report.damagedRecords.push(id);
        report.drafts.set(id, r.drafts.get(id) ?? null);
      } else {
        // Nothing left to rebuild from: the damaged record is only in the copy set aside.
        report.corrupt.push(id);
        r.lost.delete(id);
        rewrite = true;
      }
    }
    for (const name of names) {
      if (!name.endsWith('.eml')) continue;
      const id = name.slice(0, -'.eml'.length);
      if (!ID_RE.test(id) || r.jobs.has(id) || r.lost.has(id)) continue;
      if (hasDamage && !r.removed.has(id)) {
        // Its record may be the damaged line: rebuilt, never dropped.
        report.damagedRecords.push(id);
        report.drafts.set(id, r.drafts.get(id) ?? null);
        r.lost.add(id);
        continue;
      }
      // An enqueue that never finished (it never answered), or a removed job whose message
      // outlived its record's removal: nothing was promised.
      await removeQuietly(join(this.dir, name));
      report.removed.push(name);
      changed = true;
    }

    for (const [id, job] of r.jobs) this.jobs.set(id, job);
    for (const id of [...r.jobs.keys(), ...r.lost]) this.drafts.set(id, r.drafts.get(id) ?? null);
    for (const id of r.lost) this.lost.add(id);
    this.records = r.records;
    this.size = r.goodBytes;
    if (rewrite || this.records > this.snapshotLimit()) await this.snapshot();
    // The journal holds every job of the old files now (or held them already).
    for (const name of legacy) {
      const id = name.slice(0, name.endsWith('.draft.json') ? -'.draft.json'.length : -'.json'.length);
      if (!this.jobs.has(id) && !this.lost.has(id) && !r.lastRecord.has(id)) continue;
      await removeQuietly(join(this.dir, name));
      report.removed.push(name);
      changed = true;
    }
    if (changed) await syncDir(this.dir);
    this.loaded = true;
    return report;
  }

  /** First open of a folder of the old layout (or a new folder): its files into one journal. */
  private async migrate(): Promise<LoadReport> {
    const report = await loadDir(this.dir);
    for (const job of report.jobs) {
      this.jobs.set(job.id, job);
      this.drafts.set(job.id, report.drafts.get(job.id) ?? null);
    }
    for (const id of report.damagedRecords) {
      this.lost.add(id);
      this.drafts.set(id, report.drafts.get(id) ?? null);
    }
    // One durable step: after it the journal holds everything, and the old files are leftovers.
    await this.snapshot();
    const names = await readdir(this.dir);
    let removed = 0;
    for (const name of names) {
      if (!LEGACY_RE.test(name)) continue;
      await removeQuietly(join(this.dir, name));
      removed++;
    }
    if (removed) await syncDir(this.dir);
    this.loaded = true;
    return report;
  }

  private snapshotLimit(): number {
    return Math.max(SNAPSHOT_MIN_RECORDS, SNAPSHOT_FACTOR * (this.jobs.size + this.lost.size), this.snapshotFloor);
  }

  /** Rewrites the journal as one record per live job: temp file, fsync, rename, folder fsync. */
  private async snapshot(): Promise<void> {
    const lines: string[] = [];
    for (const [id, job] of this.jobs) lines.push(encodeRecord({ t: 'add', job, draft: this.drafts.get(id) ?? null }));
    for (const id of this.lost) lines.push(encodeRecord({ t: 'lost', id, draft: this.drafts.get(id) ?? null }));
    const text = lines.join('');
    const tmp = tempName(this.file);
    const handle = await open(tmp, 'wx', PRIVATE_FILE_MODE);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } catch (error) {
      await removeQuietly(tmp).catch(() => undefined);
      throw error;
    } finally {
      await handle.close().catch(() => undefined);
    }
    try {
      await rename(tmp, this.file);
    } catch (error) {
      await removeQuietly(tmp).catch(() => undefined);
      throw error;
    }
    // From here on the new file is the journal, durable or not: the next group appends to it.
    this.records = lines.length;
    this.size = Buffer.byteLength(text);
    try {
      await syncDir(this.dir);
    } catch (error) {
      this.folderOwed = true;
      throw error;
    }
  }

  add(job: JobRecord, draft: unknown): Promise<void> {
    return this.append([{ t: 'add', job, draft: draft ?? null }], true, () => {
      this.jobs.set(job.id, job);
      this.drafts.set(job.id, draft ?? null);
      this.lost.delete(job.id);
    });
  }

  update(job: JobRecord): Promise<void> {
    return this.append([{ t: 'set', job }], false, () => {
      this.jobs.set(job.id, job);
      if (!this.drafts.has(job.id)) this.drafts.set(job.id, null);
      this.lost.delete(job.id);
    });
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (!ids.length) return;
    await this.append([{ t: 'rm', ids: [...ids] }], false, () => {
      for (const id of ids) {
        this.jobs.delete(id);
        this.drafts.delete(id);
        this.lost.delete(id);
      }
    });
    // The record is durable: a message file that outlives a crash here has no job, and goes at the next open.
    // A few at a time (the thread pool's width), not one after another: a merge's thousands go at once.
    for (let i = 0; i < ids.length; i += 8) await Promise.all(ids.slice(i, i + 8).map((id) => removeQuietly(emlFile(this.dir, id))));
  }

  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing) await this.flushing;
  }

  private async append(records: JournalRecord[], syncFolder: boolean, apply: () => void): Promise<void> {
    if (this.broken) throw this.broken;
    if (this.closed || !this.loaded) throw new Error('the outbox journal is closed');
    const text = records.map(encodeRecord).join('');
    const bytes = Buffer.byteLength(text);
    // Bounded: a caller beyond the limit waits until a group has gone out.
    while (this.queuedBytes > 0 && this.queuedBytes + bytes > MAX_QUEUED_BYTES) await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    if (this.broken) throw this.broken;
    const done = new Promise<void>((resolve, reject) => this.queue.push({ text, bytes, syncFolder, apply, resolve, reject }));
    this.queuedBytes += bytes;
    this.flushing ??= this.flush();
    return done;
  }

  /** Writes groups until nobody waits: one write and one fdatasync per group. */
  private async flush(): Promise<void> {
    // Callers of this same tick join the first group.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.queue.length) {
        let taken = 0;
        let bytes = 0;
        while (taken < this.queue.length && (taken === 0 || bytes + this.queue[taken]!.bytes <= MAX_GROUP_BYTES)) bytes += this.queue[taken++]!.bytes;
        const group = this.queue.splice(0, taken);
        this.queuedBytes -= bytes;
        for (const wake of this.roomWaiters.splice(0)) wake();
        await this.writeGroup(group, bytes);
        if (!this.broken && this.records > this.snapshotLimit()) {
          // Failing to compact is not fatal: the journal as it is stays valid; tried again when it has doubled.
          await this.snapshot().then(
            () => (this.snapshotFloor = 0),
            () => (this.snapshotFloor = this.records * 2),
          );
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private async writeGroup(group: Waiter[], bytes: number): Promise<void> {
    if (this.broken) {
      for (const w of group) w.reject(this.broken);
      return;
    }
    // Opened per group (two cheap calls, no fsync): no handle outlives the store, and after a
    // snapshot's rename the next group appends to the new file.
    let handle: FileHandle | undefined;
    try {
      handle = await open(this.file, 'a', PRIVATE_FILE_MODE);
      const syncFolder = this.folderOwed || group.some((w) => w.syncFolder);
      // writeFile goes on after a short write (write alone may stop early on a nearly full disk).
      await handle.writeFile(group.map((w) => w.text).join(''));
      await Promise.all([handle.datasync(), syncFolder ? syncDir(this.dir) : undefined]);
      this.folderOwed = false;
    } catch (error) {
      // Callers hear of it once the journal is back to a known state (or known to be broken).
      await handle?.close().catch(() => undefined);
      handle = undefined;
      await this.restore(error);
      for (const w of group) w.reject(error);
      return;
    } finally {
      await handle?.close().catch(() => undefined);
    }
    this.groups++;
    this.size += bytes;
    this.records += group.length;
    for (const w of group) {
      w.apply();
      w.resolve();
    }
  }

  /**
   * A write or fdatasync failed (full disk, I/O error): nothing of that group was acknowledged.
   * Cut the journal back to its last durable record so later groups follow a whole line; when
   * even that fails, the store says so to every caller from now on.
   */
  private async restore(cause: unknown): Promise<void> {
    try {
      const handle = await open(this.file, 'r+');
      try {
        await handle.truncate(this.size);
        await handle.datasync();
      } finally {
        await handle.close();
      }
    } catch {
      this.broken = new JournalBrokenError(cause);
      for (const w of this.queue.splice(0)) w.reject(this.broken);
      this.queuedBytes = 0;
      for (const wake of this.roomWaiters.splice(0)) wake();
    }
  }
}

/**
 * The outbox's layout before the journal (journal.ts), kept to read folders written by that
 * version: they are loaded with loadDir once and moved into the journal. The old layout: one folder, per job `<id>.json` (the job, small, rewritten atomically on
 * every state change), `<id>.eml` (the built message; removed when the job is cancelled) and
 * `<id>.draft.json` (what the editor needs
 * to reopen it; never changes). The last two are written and fsynced before the job file exists.
 * Temporary files end in `.tmp-<random>`. A crash at any moment leaves either the old job file or
 * the new one, never half of one; a message or draft file without a job file is an enqueue that
 * never finished (it never answered), and is removed at open.
 *
 * Damaged files are set aside (renamed `<name>.corrupt`, never deleted). A damaged job file whose
 * message file is intact is reported, so the outbox can rebuild a job the person sees from the
 * message itself (index.ts, rebuild.ts); a damaged draft file is reported, and the job goes on.
 */
import { access, readFile, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { makePrivateFolder, removeQuietly, syncDir, TMP_MARK, writeFileAtomic } from '../durable-files';
import { JOB_STATES, type JobRecord } from './types';

const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export const jobFile = (dir: string, id: string) => join(dir, `${id}.json`);
export const emlFile = (dir: string, id: string) => join(dir, `${id}.eml`);
export const draftFile = (dir: string, id: string) => join(dir, `${id}.draft.json`);

export const writeJob = (dir: string, job: JobRecord) => writeFileAtomic(dir, jobFile(dir, job.id), JSON.stringify(job));

export function isJobRecord(value: unknown, id: string): value is JobRecord {
  const v = value as Partial<JobRecord> | null;
  return (
    !!v &&
    typeof v === 'object' &&
    v.id === id &&
    typeof v.accountId === 'string' &&
    (JOB_STATES as readonly string[]).includes(v.state as string) &&
    typeof v.notBefore === 'string' &&
    typeof v.messageId === 'string' &&
    typeof v.attempts === 'number' &&
    typeof v.maxAttempts === 'number' &&
    !!v.envelope &&
    Array.isArray(v.envelope.to) &&
    Array.isArray(v.refused) &&
    Array.isArray(v.accepted)
  );
}

/**
 * Renames a damaged file to `<name>.corrupt` (or `.corrupt-2`, `-3` ... when that name is taken),
 * so it is kept for inspection and never read again. Answers the new name.
 */
export async function setAside(dir: string, name: string): Promise<string> {
  for (let n = 1; n < 1000; n++) {
    const target = `${name}.corrupt${n === 1 ? '' : `-${n}`}`;
    const taken = await access(join(dir, target)).then(
      () => true,
      () => false,
    );
    if (taken) continue;
    await rename(join(dir, name), join(dir, target));
    return target;
  }
  throw new Error('too many damaged copies set aside');
}

export interface LoadReport {
  jobs: JobRecord[];
  /** Drafts by job id (null where the draft file is missing or was damaged). */
  drafts: Map<string, unknown>;
  /** Job files that did not parse and have no message file: set aside as `<id>.json.corrupt`, never deleted. */
  corrupt: string[];
  /**
   * Jobs whose record is damaged (set aside) or missing next to a set-aside one, while their
   * message file is there: the outbox rebuilds them from the message so nothing vanishes.
   */
  damagedRecords: string[];
  /** Draft files that did not parse: set aside as `<id>.draft.json.corrupt`; the job goes on without its draft. */
  damagedDrafts: string[];
  /** Temporary files and message files without a job, removed. */
  removed: string[];
  /** Jobs whose message file is missing. */
  missingMessage: string[];
  /**
   * The journal (journal.ts) had a damaged line that was not a torn last append: the copy set
   * aside before anything was changed (`jobs.journal.corrupt`, never deleted). The jobs it touched
   * are in damagedRecords (or corrupt, when their message is gone too).
   */
  corruptJournal?: string;
}

/** Reads every job and cleans up what an interrupted write left behind. */
export async function loadDir(dir: string): Promise<LoadReport> {
  await makePrivateFolder(dir);
  const names = new Set(await readdir(dir));
  const report: LoadReport = { jobs: [], drafts: new Map(), corrupt: [], damagedRecords: [], damagedDrafts: [], removed: [], missingMessage: [] };
  let changed = false;

  for (const name of names) {
    if (name.includes(TMP_MARK)) {
      await removeQuietly(join(dir, name));
      report.removed.push(name);
      changed = true;
    }
  }
  const readDraft = async (id: string): Promise<unknown> => {
    if (!names.has(`${id}.draft.json`)) return null;
    try {
      return JSON.parse(await readFile(draftFile(dir, id), 'utf8')) as unknown;
    } catch {
      await setAside(dir, `${id}.draft.json`);
      names.delete(`${id}.draft.json`);
      report.damagedDrafts.push(id);
      changed = true;
      return null;
    }
  };
  const setAsideBefore = (id: string) => [...names].some((n) => n.startsWith(`${id}.json.corrupt`));

  for (const name of [...names]) {
    if (!name.endsWith('.json') || name.endsWith('.draft.json')) continue;
    const id = name.slice(0, -'.json'.length);
    if (!ID_RE.test(id)) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(join(dir, name), 'utf8'));
    } catch {
      parsed = undefined;
    }
    if (!isJobRecord(parsed, id)) {
      names.add(await setAside(dir, name));
      names.delete(name);
      changed = true;
      if (names.has(`${id}.eml`)) {
        report.damagedRecords.push(id);
        report.drafts.set(id, await readDraft(id));
      } else report.corrupt.push(id);
      continue;
    }
    report.jobs.push(parsed);
    if (!names.has(`${id}.eml`)) report.missingMessage.push(id);
    report.drafts.set(id, await readDraft(id));
  }
  for (const name of [...names]) {
    if (!name.endsWith('.eml') || name.includes(TMP_MARK)) continue;
    const id = name.slice(0, -'.eml'.length);
    // A record set aside by an earlier run (before damaged records were rebuilt): rebuild it now.
    if (ID_RE.test(id) && !names.has(`${id}.json`) && !report.damagedRecords.includes(id) && setAsideBefore(id)) {
      report.damagedRecords.push(id);
      report.drafts.set(id, await readDraft(id));
    }
  }
  for (const name of names) {
    const suffix = ['.eml', '.draft.json'].find((s) => name.endsWith(s));
    if (!suffix || name.includes(TMP_MARK)) continue;
    const id = name.slice(0, -suffix.length);
    if (names.has(`${id}.json`) || setAsideBefore(id)) continue;
    // The enqueue that wrote it never wrote its job: it never answered, so nothing was promised.
    await removeQuietly(join(dir, name));
    report.removed.push(name);
    changed = true;
  }
  if (changed) await syncDir(dir);
  return report;
}

/**
 * Where the outbox keeps its jobs: the one place index.ts writes job state through. Every method
 * resolves once what it wrote is durable (fsynced), so the outbox can answer the person.
 */
export interface JobStore {
  /** Reads every job, cleans up after an interrupted write (see LoadReport). Called once, first. */
  load(): Promise<LoadReport>;
  /** A new job with its draft. Its `.eml` is already written and fsynced; after this, its entry in the folder is durable too. */
  add(job: JobRecord, draft: unknown): Promise<void>;
  /** The job's new state. */
  update(job: JobRecord): Promise<void>;
  /** Forgets finished jobs (moved to the history): their record, message and draft go. */
  remove(ids: readonly string[]): Promise<void>;
  /** Flushes what is pending; the store is not used afterwards. */
  close(): Promise<void>;
}

/** One `<id>.json` per job, rewritten atomically on each change; the draft in `<id>.draft.json`. */
export class FileJobStore implements JobStore {
  constructor(private readonly dir: string) {}
  load(): Promise<LoadReport> {
    return loadDir(this.dir);
  }
  async add(job: JobRecord, draft: unknown): Promise<void> {
    const file = draftFile(this.dir, job.id);
    try {
      await writeFileAtomic(this.dir, file, JSON.stringify(draft ?? null));
      await writeJob(this.dir, job);
    } catch (error) {
      await removeQuietly(file).catch(() => undefined);
      throw error;
    }
  }
  update(job: JobRecord): Promise<void> {
    return writeJob(this.dir, job);
  }
  async remove(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      await removeQuietly(jobFile(this.dir, id));
      await removeQuietly(emlFile(this.dir, id));
      await removeQuietly(draftFile(this.dir, id));
    }
    await syncDir(this.dir);
  }
  async close(): Promise<void> {}
}

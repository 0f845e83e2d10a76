/**
 * The one way Mailwright tells the person that a file in its data folder was damaged and set
 * aside. Whoever finds a damaged file calls `setAside` (or `setAsideSync` before the notices exist,
 * then `report` with what it returns): the file is renamed, never deleted, so its bytes stay for the
 * person or for support; a notice says which file, where its copy was kept and what Mailwright did
 * instead. The renderer shows the notices until the person dismisses them (app:notices,
 * app:dismissNotice, and the app:noticeAdded event).
 *
 * Notices live for the run: damage is found when a file is opened, which happens at start or when
 * the account first reads mail, so the window that asks for the list sees them.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { DataNotice, DataNoticeKind } from '../../shared/notices';

export type { DataNotice, DataNoticeKind } from '../../shared/notices';

/** What a finder knows about a damaged file; the notice service adds the id and the time. */
export interface DamageFinding {
  kind: DataNoticeKind;
  /** Absolute path of the damaged file, as it was. */
  path: string;
  /** Absolute path of the copy kept aside. */
  keptAt: string;
  /** What happened, in the person's words ("… could not be read, so …"). */
  what: string;
}

/** What services are handed: one function to report a finding, one to set a file aside and report it. */
export interface DamageReporter {
  report(finding: DamageFinding): void;
  setAside(path: string, kind: DataNoticeKind, what: string): Promise<string>;
}

export interface DataNotices extends DamageReporter {
  list(): DataNotice[];
  /** False when there was no such notice. */
  dismiss(id: string): boolean;
}

/** `<name>.damaged-<time>` next to the file; a number is added if that name is taken (same millisecond). */
export function asideName(path: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  let candidate = join(dirname(path), `${basename(path)}.damaged-${stamp}`);
  for (let n = 2; existsSync(candidate) && n < 1000; n++) candidate = join(dirname(path), `${basename(path)}.damaged-${stamp}-${n}`);
  return candidate;
}

export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads a JSON file before a store opens it, for the stores that check their file first (settings,
 * secrets): null when there is no file; `json` undefined when the text does not parse.
 */
export function readJsonSync(path: string): { json: unknown } | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    return { json: JSON.parse(text) as unknown };
  } catch {
    return { json: undefined };
  }
}

/** Renames the damaged file aside (keeping its bytes) and returns the new path. For code that must stay synchronous (settings). */
export function setAsideSync(path: string, now: Date = new Date()): string {
  const target = asideName(path, now);
  renameSync(path, target);
  return target;
}

export async function setAsideFile(path: string): Promise<string> {
  const target = asideName(path);
  await rename(path, target);
  return target;
}

export function createDataNotices(options: { dataDir: string; onAdded?: (notice: DataNotice) => void; now?: () => Date }): DataNotices {
  const now = options.now ?? (() => new Date());
  const notices: DataNotice[] = [];
  /** Names relative to the data folder, with forward slashes: what the person can find in it. */
  const rel = (path: string) => relative(options.dataDir, path).split(sep).join('/');
  const report = (finding: DamageFinding) => {
    const notice: DataNotice = {
      id: randomUUID(),
      kind: finding.kind,
      file: rel(finding.path),
      keptAs: rel(finding.keptAt),
      when: now().toISOString(),
      what: finding.what,
    };
    notices.push(notice);
    options.onAdded?.(notice);
  };
  return {
    report,
    async setAside(path, kind, what) {
      const keptAt = await setAsideFile(path);
      report({ kind, path, keptAt, what });
      return keptAt;
    },
    list: () => [...notices],
    dismiss(id) {
      const at = notices.findIndex((n) => n.id === id);
      if (at < 0) return false;
      notices.splice(at, 1);
      return true;
    },
  };
}

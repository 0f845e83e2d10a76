/**
 * One writer for the outbox: the app's backend and the `mailwright` command line each take this
 * lock before they open <dataDir>/outbox, so two processes never write its journal at once. The
 * command line that finds it taken hands its job to the running app instead (cli-spool.ts).
 *
 * The lock is a file, <dataDir>/outbox.lock, created exclusively ('wx') with the holder's pid. A
 * lock whose pid no longer runs (the app crashed, the machine lost power) is stale and is taken
 * over; taking over goes through a second exclusive step (a takeover folder, made with mkdir) so
 * that two processes finding the same stale lock cannot both end up holding it.
 *
 * Hand-written rather than proper-lockfile (which is only in node_modules through a development
 * tool): proper-lockfile judges a lock stale by an mtime its holder must refresh every few seconds,
 * and a laptop asleep for an hour would come back with its lock "stale" and taken while the app
 * still writes. Whether the holder's pid still runs is the right question for a desktop app.
 */
import { mkdirSync, readFileSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { makePrivateFolderSync, PRIVATE_FILE_MODE } from './durable-files';

export const OUTBOX_LOCK_FILE = 'outbox.lock';
/** A takeover folder older than this was left by a process that died mid-takeover. */
const TAKEOVER_STALE_MS = 10_000;

export interface LockHolder {
  pid: number;
  host: string;
  since: string;
  /** 'app' or 'cli', for the words shown when it is taken. */
  by: string;
}

export interface OutboxLock {
  readonly path: string;
  /** Removes the lock if it is still ours. Idempotent. */
  release(): void;
}

export type LockAttempt = { ok: true; lock: OutboxLock } | { ok: false; holder: LockHolder | null };

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): LockHolder | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid !== 'number' || !Number.isInteger(parsed.pid) || parsed.pid <= 0) return null;
    return { pid: parsed.pid, host: String(parsed.host ?? ''), since: String(parsed.since ?? ''), by: String(parsed.by ?? '') };
  } catch {
    return null;
  }
}

/** A holder that cannot be running: its pid is gone on this machine, or the file is unreadable (cut short as it was written). */
function isStale(path: string, holder: LockHolder | null): boolean {
  if (!holder) {
    // Written with 'wx' then filled: an empty file may be a holder between the two steps. Give it a moment.
    try {
      return Date.now() - statSync(path).mtimeMs > TAKEOVER_STALE_MS;
    } catch {
      return true;
    }
  }
  // A lock from another machine (a data folder on a network share) cannot be judged: it holds.
  if (holder.host && holder.host !== hostname()) return false;
  return !isRunning(holder.pid);
}

function create(path: string, by: string): OutboxLock | null {
  const holder: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), by };
  try {
    writeFileSync(path, JSON.stringify(holder), { flag: 'wx', mode: PRIVATE_FILE_MODE });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw error;
  }
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      const now = readHolder(path);
      if (now && now.pid === holder.pid && now.since === holder.since) {
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      }
    },
  };
}

/**
 * Takes the outbox lock of `dataDir`, or says who holds it. Synchronous and quick: it never waits
 * for a live holder. `by` names the taker for the words the other side shows.
 */
export function tryLockOutbox(dataDir: string, by: 'app' | 'cli'): LockAttempt {
  makePrivateFolderSync(dataDir);
  const path = join(dataDir, OUTBOX_LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    const lock = create(path, by);
    if (lock) return { ok: true, lock };
    const holder = readHolder(path);
    if (!isStale(path, holder)) return { ok: false, holder };
    // Stale: take it over, one process at a time.
    const guard = `${path}.takeover`;
    try {
      mkdirSync(guard);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      try {
        if (Date.now() - statSync(guard).mtimeMs > TAKEOVER_STALE_MS) rmdirSync(guard);
      } catch {
        // someone else finished meanwhile
      }
      continue;
    }
    try {
      // Judged again under the guard: another taker may have replaced it with a live lock meanwhile.
      const again = readHolder(path);
      if (isStale(path, again) && (again?.pid ?? null) === (holder?.pid ?? null)) {
        try {
          unlinkSync(path);
        } catch {
          // gone already
        }
      }
      const taken = create(path, by);
      if (taken) return { ok: true, lock: taken };
    } finally {
      rmdirSync(guard);
    }
  }
  return { ok: false, holder: readHolder(path) };
}

/** Words for a lock that stayed taken; the start-up failure the person sees names the holder. */
export class OutboxLockedError extends Error {
  constructor(readonly holder: LockHolder | null) {
    super(`the outbox is in use by another Mailwright process${holder ? ` (pid ${holder.pid}, ${holder.by || 'unknown'})` : ''}`);
    this.name = 'OutboxLockedError';
  }
}

/**
 * The app's side: a `mailwright send` holding the lock finishes within its own bounded wait, so the
 * app waits for it (at most `waitMs`). A lock left by this very process belongs to an earlier
 * backend that never closed (a test restarting the app in one process): it is taken over.
 */
export async function lockOutboxForApp(dataDir: string, options: { waitMs?: number; pollMs?: number } = {}): Promise<OutboxLock> {
  const deadline = Date.now() + (options.waitMs ?? 90_000);
  for (;;) {
    const attempt = tryLockOutbox(dataDir, 'app');
    if (attempt.ok) return attempt.lock;
    if (attempt.holder?.pid === process.pid && attempt.holder.by === 'app' && attempt.holder.host === hostname()) {
      unlinkSync(join(dataDir, OUTBOX_LOCK_FILE));
      continue;
    }
    if (Date.now() >= deadline) throw new OutboxLockedError(attempt.holder);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
  }
}

/** The outbox's one-writer lock (src-main/services/outbox-lock.ts) and the command line's spool names. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findAccount } from '../../src-main/services/cli-spool';
import { lockOutboxForApp, OUTBOX_LOCK_FILE, OutboxLockedError, tryLockOutbox } from '../../src-main/services/outbox-lock';

const dirs: string[] = [];
const folder = () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailwright-lock-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The pid of a process that has ended. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('outbox lock', () => {
  it('is held by one taker at a time, says who holds it, and is free again once released', () => {
    const dir = folder();
    const first = tryLockOutbox(dir, 'app');
    expect(first.ok).toBe(true);
    const path = join(dir, OUTBOX_LOCK_FILE);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid, by: 'app', host: hostname() });
    if (process.platform !== 'win32') expect(statSync(path).mode & 0o777).toBe(0o600);
    const second = tryLockOutbox(dir, 'cli');
    expect(second).toEqual({ ok: false, holder: expect.objectContaining({ pid: process.pid, by: 'app' }) });
    if (first.ok) first.lock.release();
    expect(existsSync(path)).toBe(false);
    const third = tryLockOutbox(dir, 'cli');
    expect(third.ok).toBe(true);
    if (third.ok) third.lock.release();
  });

  it('takes over a lock whose process has ended', () => {
    const dir = folder();
    writeFileSync(join(dir, OUTBOX_LOCK_FILE), JSON.stringify({ pid: deadPid(), host: hostname(), since: new Date().toISOString(), by: 'app' }));
    const attempt = tryLockOutbox(dir, 'cli');
    expect(attempt.ok).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, OUTBOX_LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid, by: 'cli' });
    expect(existsSync(join(dir, `${OUTBOX_LOCK_FILE}.takeover`))).toBe(false);
  });

  it('never takes over a lock of a live process, nor one from another machine', () => {
    const dir = folder();
    // pid 1 runs on every Unix machine (and Windows has a System process with a low pid as well).
    writeFileSync(join(dir, OUTBOX_LOCK_FILE), JSON.stringify({ pid: 1, host: hostname(), since: '', by: 'app' }));
    expect(tryLockOutbox(dir, 'cli').ok).toBe(false);
    writeFileSync(join(dir, OUTBOX_LOCK_FILE), JSON.stringify({ pid: deadPid(), host: 'another-machine', since: '', by: 'app' }));
    expect(tryLockOutbox(dir, 'cli').ok).toBe(false);
  });

  it('release() leaves a lock someone else has taken since', () => {
    const dir = folder();
    const mine = tryLockOutbox(dir, 'cli');
    expect(mine.ok).toBe(true);
    writeFileSync(join(dir, OUTBOX_LOCK_FILE), JSON.stringify({ pid: 1, host: hostname(), since: 'later', by: 'app' }));
    if (mine.ok) mine.lock.release();
    expect(existsSync(join(dir, OUTBOX_LOCK_FILE))).toBe(true);
  });

  it('the app waits (bounded) for a command that holds it, then says who did', async () => {
    const dir = folder();
    writeFileSync(join(dir, OUTBOX_LOCK_FILE), JSON.stringify({ pid: 1, host: hostname(), since: '', by: 'cli' }));
    await expect(lockOutboxForApp(dir, { waitMs: 300, pollMs: 50 })).rejects.toBeInstanceOf(OutboxLockedError);
    // A lock an earlier backend of this very process left (a test restarting the app in one process) is taken over.
    const other = folder();
    const left = tryLockOutbox(other, 'app');
    expect(left.ok).toBe(true);
    const again = await lockOutboxForApp(other, { waitMs: 300 });
    expect(JSON.parse(readFileSync(join(other, OUTBOX_LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid, by: 'app' });
    again.release();
  });
});

describe('account by name', () => {
  const accounts = [
    { id: '1', description: 'Work', email: 'me@work.example' },
    { id: '2', description: 'Home', email: 'me@home.example' },
    { id: '3', description: 'Home', email: 'other@home.example' },
  ];
  it('matches the description or the address, ignoring case; two matches are none', () => {
    expect(findAccount(accounts, 'work')).toEqual({ ok: true, value: accounts[0] });
    expect(findAccount(accounts, 'ME@HOME.example')).toEqual({ ok: true, value: accounts[1] });
    const both = findAccount(accounts, 'Home');
    expect(both.ok).toBe(false);
    if (!both.ok) expect(both.error.detail?.fields?.map((f) => f.problem)).toEqual(['Home <me@home.example>', 'Home <other@home.example>']);
    expect(findAccount(accounts, 'nobody').ok).toBe(false);
  });
});

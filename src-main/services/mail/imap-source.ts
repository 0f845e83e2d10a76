/**
 * An account's IMAP server as a MailSource, on imapflow.
 *
 * Two connections per account:
 * - the command connection, opened on first use, shared by every operation (one at a time, each
 *   inside imapflow's mailbox lock), closed after five idle minutes;
 * - the watcher, which EXAMINEs INBOX and IDLEs, so new mail, flag changes and expunges reach
 *   the UI as they happen.
 * When a connection drops, the status goes 'offline' and the watcher reconnects with exponential
 * backoff (1 s doubling up to maxBackoffMs, with jitter); once back, 'online' and a 'sync' change
 * tell the UI to reload. A rejected password (or a certificate problem) is 'error' and is retried
 * only every maxBackoffMs: it will not fix itself, and hammering the server can lock the account.
 * Every operation has a deadline; when the server is down an operation tries one connection and
 * fails with a code.
 */
import type { FetchMessageObject, FetchQueryObject, ImapFlow, ListResponse, MailboxObject, SearchObject } from 'imapflow';
import { FOLDER_ROLES, type Folder, type FolderRole, type MailAddress, type MailChanged, type MailStatus, type MessagePage, type MessageSummary } from '../../../shared/mail';
import { appError, fail, ok, type AppError, type Result } from '../../../shared/result';
import { looksLikeDeliveryReport } from '../bounces/candidate';
import { backoffDelayMs } from '../net/backoff';
import { DeadlineError, closeImap, imapError, needsPerson, openImap, withDeadline } from './imap-connection';
import type { MailSource, MailSourceContext, SearchField } from './types';

export interface ImapSourceOptions {
  /** Deadline of a connection attempt and of an ordinary operation (downloads get five times as long). Default 30 s. */
  timeoutMs?: number;
  /** Keep a watcher connection in IDLE on INBOX. Default true. */
  idle?: boolean;
  /** Longest wait between reconnection attempts, and the wait after a rejected password. Default 60 s. */
  maxBackoffMs?: number;
}

const FIRST_BACKOFF_MS = 1_000;
const COMMAND_IDLE_CLOSE_MS = 5 * 60_000;
/** Quiet time after which imapflow sends NOOP; a second quiet period without an answer closes the connection. */
const WATCHER_SOCKET_TIMEOUT_MS = 2 * 60_000;
const COMMAND_SOCKET_TIMEOUT_MS = 5 * 60_000;
/** Changes within this window are sent once (an expunge of 500 messages is one 'removed'). */
const CHANGE_COALESCE_MS = 25;
/** Most summaries fetched at once, whatever a caller asks for: memory stays bounded by a page. */
const MAX_PAGE = 1_000;
/** Pages of the same folder within this time share one NOOP (see inFolder). */
const RESYNC_AFTER_MS = 2_000;

/** Headers fetched with each summary, for looksLikeDeliveryReport (the envelope has the rest). */
const REPORT_HEADERS = ['content-type', 'x-failed-recipients', 'auto-submitted', 'return-path'];
const SUMMARY_QUERY: FetchQueryObject = { uid: true, flags: true, envelope: true, size: true, internalDate: true, headers: REPORT_HEADERS };

interface Conn {
  client: ImapFlow;
  /** Closed on purpose (idle, wake, close): its 'close' event is not a lost connection. */
  dropped: boolean;
}

export function createImapSource(ctx: MailSourceContext, options: ImapSourceOptions = {}): MailSource {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const downloadMs = timeoutMs * 5;
  const useIdle = options.idle ?? true;
  const maxBackoffMs = Math.max(options.maxBackoffMs ?? 60_000, 1);
  const now = ctx.now ?? Date.now;
  const accountId = ctx.account.id;
  const log = ctx.logger;

  let closed = false;
  /** Bumped by wake() and close(): whatever an older attempt opens is thrown away. */
  let epoch = 0;
  let cmd: Conn | null = null;
  let cmdOpening: Promise<Result<Conn>> | null = null;
  let watcher: Conn | null = null;
  let attempting: { epoch: number; done: Promise<void> } | null = null;
  /** Failed attempts in a row: the backoff exponent. */
  let failures = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  let busy = 0;
  let queue: Promise<unknown> = Promise.resolve();
  let state: MailStatus['state'] | null = null;
  let lastStatusKey = '';
  /** The connection was down (or woken): tell the UI to reload once it is back. */
  let needSync = false;
  /** When the command connection last synced the folder it has open (SELECT or NOOP). */
  let synced: { client: ImapFlow; path: string; at: number } | null = null;
  /** INBOX's UIDNEXT as of the last refresh() or first page of INBOX, for refresh()'s count. */
  let inboxMark: { uidValidity: string; uidNext: number } | null = null;

  // --- status and changes -----------------------------------------------------------------

  function setStatus(next: MailStatus['state'], error: AppError | null = null, retryAt: number | null = null): void {
    if (closed) return;
    state = next;
    const status: MailStatus = {
      accountId,
      state: next,
      retryAt: retryAt === null ? null : new Date(retryAt).toISOString(),
      error: error ? { code: error.code, message: error.message } : null,
    };
    const key = JSON.stringify(status);
    if (key === lastStatusKey) return;
    lastStatusKey = key;
    guarded('onStatus', () => ctx.onStatus(status));
  }

  const pendingChanges = new Map<string, MailChanged>();
  let changeTimer: NodeJS.Timeout | undefined;
  function emitChange(folder: string, reason: MailChanged['reason']): void {
    if (closed || !folder) return;
    if (synced && samePath(synced.path, folder)) synced = null;
    pendingChanges.set(`${reason}\0${folder}`, { accountId, folder, reason });
    if (changeTimer) return;
    changeTimer = setTimeout(() => {
      changeTimer = undefined;
      const changes = [...pendingChanges.values()];
      pendingChanges.clear();
      for (const change of changes) if (!closed) guarded('onChange', () => ctx.onChange(change));
    }, CHANGE_COALESCE_MS);
    changeTimer.unref();
  }

  function guarded(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      log.error('mail source listener threw', { account: accountId, listener: what, error: err });
    }
  }

  // --- connections ------------------------------------------------------------------------

  function attach(conn: Conn, kind: 'command' | 'watcher'): void {
    const c = conn.client;
    c.on('exists', (e) => {
      if (e.count > e.prevCount) emitChange(e.path, 'new');
    });
    c.on('flags', (e) => emitChange(e.path, 'flags'));
    c.on('expunge', (e) => emitChange(e.path, 'removed'));
    c.on('error', (err) => {
      if (!conn.dropped) log.warn('IMAP connection error', { account: accountId, connection: kind, code: imapError(err).code });
    });
    c.on('close', () => {
      if (!conn.dropped) lost(conn, kind);
    });
  }

  function drop(conn: Conn | null, politely: boolean): Promise<void> {
    if (!conn) return Promise.resolve();
    conn.dropped = true;
    if (cmd === conn) {
      cmd = null;
      clearTimeout(idleTimer);
      idleTimer = undefined;
    }
    if (watcher === conn) watcher = null;
    if (politely) return closeImap(conn.client);
    conn.client.close();
    return Promise.resolve();
  }

  function lost(conn: Conn, kind: 'command' | 'watcher'): void {
    void drop(conn, false);
    if (closed) return;
    log.warn('IMAP connection lost', { account: accountId, connection: kind });
    // The watcher says whether the server is reachable; a lost command connection alone is
    // simply opened again by the next operation.
    if (kind === 'command' && useIdle && watcher?.client.usable) return;
    if (attempting?.epoch === epoch || retryTimer) return;
    failures = 0; // a fresh loss starts again at the short wait
    scheduleRetry(appError('CONNECTION_LOST'));
  }

  function scheduleRetry(error: AppError): void {
    clearTimeout(retryTimer);
    retryTimer = undefined;
    if (closed) return;
    if (error.code === 'NO_INCOMING_SERVER') {
      setStatus('error', error, null); // nothing to retry
      return;
    }
    const slow = needsPerson(error.code);
    // A failure the person must fix is retried only every maxBackoffMs; others from 1 s doubling.
    const delay = backoffDelayMs(failures + 1, { baseMs: slow ? maxBackoffMs : FIRST_BACKOFF_MS, maxMs: maxBackoffMs, jitter: 0.2, minMs: 1 });
    failures++;
    needSync = true;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void attempt();
    }, delay);
    retryTimer.unref(); // the app keeps running anyway; a test process may end
    setStatus(slow ? 'error' : 'offline', error, now() + delay);
  }

  /** One reconnection attempt (at most one per epoch at a time). */
  function attempt(): Promise<void> {
    if (closed) return Promise.resolve();
    if (attempting?.epoch === epoch) return attempting.done;
    const mine = epoch;
    clearTimeout(retryTimer);
    retryTimer = undefined;
    if (state !== 'online') setStatus('connecting');
    const done = (async () => {
      const result = useIdle ? await ensureWatcher(mine) : await openCommand(mine);
      if (closed || mine !== epoch) return;
      if (!result.ok) {
        log.warn('IMAP connection failed', { account: accountId, code: result.error.code });
        scheduleRetry(result.error);
        return;
      }
      failures = 0;
      setStatus('online');
      if (needSync) emitChange('INBOX', 'sync');
      needSync = false;
    })().finally(() => {
      if (attempting?.done === done) attempting = null;
    });
    attempting = { epoch: mine, done };
    return done;
  }

  async function ensureWatcher(mine: number): Promise<Result<void>> {
    if (watcher?.client.usable) return ok(undefined);
    await drop(watcher, false);
    const opened = await openImap(ctx, { timeoutMs, socketTimeoutMs: WATCHER_SOCKET_TIMEOUT_MS, autoIdleDelayMs: 100 });
    if (!opened.ok) return opened;
    const conn: Conn = { client: opened.value, dropped: false };
    if (closed || mine !== epoch) {
      await drop(conn, true);
      return fail('CANCELLED');
    }
    try {
      // Read-only: watching must not change \Recent or anything else.
      await withDeadline(conn.client.mailboxOpen('INBOX', { readOnly: true }), timeoutMs);
    } catch (err) {
      await drop(conn, false);
      return { ok: false, error: err instanceof DeadlineError ? appError('CONNECTION_TIMEOUT') : imapError(err) };
    }
    if (closed || mine !== epoch || !conn.client.usable) {
      await drop(conn, true);
      return fail(closed || mine !== epoch ? 'CANCELLED' : 'CONNECTION_LOST');
    }
    attach(conn, 'watcher');
    watcher = conn;
    log.info('IMAP watcher connected', { account: accountId });
    return ok(undefined);
  }

  /** Opens the command connection (once, however many operations ask at the same moment). */
  function openCommand(mine = epoch): Promise<Result<Conn>> {
    if (cmd?.client.usable) return Promise.resolve(ok(cmd));
    cmdOpening ??= (async (): Promise<Result<Conn>> => {
      await drop(cmd, false);
      const opened = await openImap(ctx, {
        timeoutMs,
        socketTimeoutMs: COMMAND_SOCKET_TIMEOUT_MS,
        // IDLE between operations brings the open folder's changes (15 s: not between two commands of one burst).
        ...(useIdle ? { autoIdleDelayMs: 15_000 } : {}),
      });
      if (!opened.ok) return opened;
      const conn: Conn = { client: opened.value, dropped: false };
      if (closed || mine !== epoch) {
        await drop(conn, true);
        return fail('CONNECTION_LOST');
      }
      attach(conn, 'command');
      cmd = conn;
      armIdleClose();
      return ok(conn);
    })().finally(() => {
      cmdOpening = null;
    });
    return cmdOpening;
  }

  /** The command connection for an operation: connects once if needed, never waits for the backoff. */
  async function command(): Promise<Result<ImapFlow>> {
    const opened = await openCommand();
    if (closed) return fail('CANCELLED');
    if (!opened.ok) {
      const reported = retryTimer !== undefined || attempting !== null;
      // Without a watcher, or when the password stopped working, this is news for the status.
      if (!reported && (!useIdle || needsPerson(opened.error.code) || state === 'online')) {
        if (state === 'online') failures = 0;
        if (needsPerson(opened.error.code)) {
          // E.g. the password was changed on the server: the watcher's older session would
          // still look fine, so it must log in again too before the status says 'online'.
          void drop(watcher, false);
          scheduleRetry(opened.error);
        } else if (!useIdle) scheduleRetry(opened.error);
        else void attempt(); // let the watcher find out whether the server is gone
      }
      return opened;
    }
    // The server is back before the timer said so: bring the watcher and the status along.
    if (state !== 'online' && attempting?.epoch !== epoch) void attempt();
    return ok(opened.value.client);
  }

  function armIdleClose(): void {
    clearTimeout(idleTimer);
    idleTimer = undefined;
    if (!cmd || closed) return;
    idleTimer = setTimeout(() => {
      idleTimer = undefined;
      if (busy > 0) return armIdleClose();
      log.info('IMAP command connection closed after idle time', { account: accountId });
      void drop(cmd, true);
    }, COMMAND_IDLE_CLOSE_MS);
    idleTimer.unref();
  }

  /** Runs one operation on the command connection, after those before it, within `deadlineMs`. */
  function run<T>(name: string, fn: (client: ImapFlow) => Promise<Result<T>>, deadlineMs = timeoutMs): Promise<Result<T>> {
    if (closed) return Promise.resolve(fail('CANCELLED'));
    const task = queue.then(async (): Promise<Result<T>> => {
      if (closed) return fail('CANCELLED');
      busy++;
      try {
        const client = await command();
        if (!client.ok) return client;
        try {
          return await withDeadline(fn(client.value), deadlineMs);
        } catch (err) {
          const timedOut = err instanceof DeadlineError;
          const bug = err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError;
          const error = timedOut ? appError('CONNECTION_TIMEOUT') : bug && client.value.usable ? appError('INTERNAL') : imapError(err);
          // A connection that hung or broke mid-command is not used again.
          if (cmd?.client === client.value && (timedOut || !client.value.usable)) await drop(cmd, false);
          const unexpected = error.code === 'CONNECTION_LOST' || error.code === 'INTERNAL';
          log.warn('IMAP operation failed', { account: accountId, operation: name, code: error.code, ...(unexpected ? { error: err } : {}) });
          return { ok: false, error };
        }
      } finally {
        busy--;
        armIdleClose();
      }
    });
    queue = task.catch(() => undefined);
    return task;
  }

  /**
   * Opens `folder` (a NOOP if it was open already, so that the server reports what changed) and
   * runs `fn` in its lock. `scrolling`: a page further down may share the last sync.
   */
  async function inFolder<T>(client: ImapFlow, folder: string, fn: (mailbox: MailboxObject) => Promise<Result<T>>, scrolling = false): Promise<Result<T>> {
    const wasOpen = client.mailbox !== false && client.mailbox.path === folder;
    const lock = await client.getMailboxLock(folder);
    try {
      // NOOP makes Dovecot rescan the folder (about half the time of a page in a 10,000-message
      // maildir). Pages further down, asked for soon after (scrolling), share the sync of the
      // pages before them, unless a change was reported in between; they also keep the same
      // numbering that way.
      const fresh = scrolling && wasOpen && synced?.client === client && synced.path === folder && now() - synced.at < RESYNC_AFTER_MS;
      if (wasOpen && !fresh) await client.noop();
      const mailbox = client.mailbox;
      if (!mailbox) return fail('CONNECTION_LOST');
      if (!fresh) synced = { client, path: mailbox.path, at: now() };
      return await fn(mailbox);
    } finally {
      lock.release();
    }
  }

  async function fetchSummaries(client: ImapFlow, range: string, byUid: boolean): Promise<MessageSummary[]> {
    const out: MessageSummary[] = [];
    for await (const msg of client.fetch(range, SUMMARY_QUERY, { uid: byUid })) out.push(toSummary(msg, now));
    return out;
  }

  async function existingUids(client: ImapFlow, uids: number[]): Promise<number[]> {
    const wanted = uids.filter((u) => Number.isInteger(u) && u > 0);
    if (wanted.length === 0) return [];
    const found = await client.search({ uid: uidSet(wanted) }, { uid: true });
    if (!found) throw Object.assign(new Error('UID SEARCH failed'), { responseStatus: 'NO' });
    return found;
  }

  async function moveIn(client: ImapFlow, folder: string, uids: number[], to: string): Promise<Result<{ moved: number }>> {
    return inFolder(client, folder, async () => {
      const existing = await existingUids(client, uids);
      if (existing.length === 0) return fail('MESSAGE_NOT_FOUND');
      const moved = await client.messageMove(uidSet(existing), to, { uid: true });
      if (!moved) {
        // imapflow answers false without the reason: tell a missing target from other refusals.
        const target = await client.list({ listOnly: true });
        return fail(target.some((f) => samePath(f.path, to)) ? 'SERVER_ERROR' : 'FOLDER_NOT_FOUND');
      }
      return ok({ moved: moved.uidMap?.size ?? existing.length });
    });
  }

  // Connect (and start watching) as soon as the source exists; callers subscribe first.
  setImmediate(() => void attempt());

  return {
    folders: () =>
      run('folders', async (client) => {
        // Not listOnly: imapflow skips the status query with it.
        const entries = await client.list({ statusQuery: { messages: true, unseen: true } });
        return ok(toFolders(entries));
      }),

    list: (folder, offset, limit) =>
      run('list', (client) =>
        inFolder(client, folder, async (mailbox) => {
          const total = mailbox.exists;
          const start = Math.max(0, Math.floor(offset));
          const count = Math.min(MAX_PAGE, Math.max(0, Math.floor(limit)));
          const page: MessagePage = { folder, total, offset: start, messages: [] };
          const high = total - start;
          if (count === 0 || high < 1) return ok(page);
          const low = Math.max(1, high - count + 1);
          const messages = await fetchSummaries(client, `${low}:${high}`, false);
          page.messages = messages.sort((a, b) => b.uid - a.uid);
          if (start === 0 && samePath(folder, 'INBOX')) {
            markInbox(String(mailbox.uidValidity), Math.max(mailbox.uidNext, (page.messages[0]?.uid ?? 0) + 1));
          }
          return ok(page);
        }, offset > 0),
      ),

    search: (folder, query, field, limit) =>
      run('search', (client) =>
        inFolder(client, folder, async () => {
          const found = await client.search(searchCriteria(query, field), { uid: true });
          if (!found) return fail('SERVER_ERROR');
          const newest = [...found].sort((a, b) => b - a).slice(0, Math.min(MAX_PAGE, Math.max(0, Math.floor(limit))));
          const messages = newest.length ? await fetchSummaries(client, uidSet(newest), true) : [];
          return ok({ folder, total: found.length, offset: 0, messages: messages.sort((a, b) => b.uid - a.uid) });
        }),
      ),

    source: (folder, uid) =>
      run(
        'source',
        (client) =>
          inFolder(client, folder, async () => {
            if (!Number.isInteger(uid) || uid < 1) return fail('MESSAGE_NOT_FOUND');
            // imapflow asks for BODY.PEEK[]: reading does not set \Seen (the mail service does that).
            const msg = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
            return msg && msg.uid === uid && msg.source ? ok(msg.source) : fail('MESSAGE_NOT_FOUND');
          }),
        downloadMs,
      ),

    setFlags: (folder, uids, flags) =>
      run('setFlags', (client) =>
        inFolder(client, folder, async () => {
          const existing = await existingUids(client, uids);
          if (existing.length === 0) return fail('MESSAGE_NOT_FOUND');
          const add: string[] = [];
          const remove: string[] = [];
          for (const [key, flag] of [
            ['seen', '\\Seen'],
            ['flagged', '\\Flagged'],
            ['answered', '\\Answered'],
          ] as const) {
            if (flags[key] === true) add.push(flag);
            else if (flags[key] === false) remove.push(flag);
          }
          const set = uidSet(existing);
          // Silent: our own change needs no 'flags' event back.
          if (add.length && !(await client.messageFlagsAdd(set, add, { uid: true, silent: true }))) return fail('SERVER_ERROR');
          if (remove.length && !(await client.messageFlagsRemove(set, remove, { uid: true, silent: true }))) return fail('SERVER_ERROR');
          return ok({ updated: existing.length });
        }),
      ),

    move: (folder, uids, to) =>
      run('move', async (client) => {
        if (samePath(folder, to)) {
          const existing = await inFolder(client, folder, async () => ok(await existingUids(client, uids)));
          return existing.ok ? (existing.value.length ? ok({ moved: 0 }) : fail('MESSAGE_NOT_FOUND')) : existing;
        }
        return moveIn(client, folder, uids, to);
      }),

    delete: (folder, uids) =>
      run('delete', async (client) => {
        const trash = toFolders(await client.list({ listOnly: true })).find((f) => f.role === 'trash');
        if (trash && !samePath(trash.path, folder)) {
          const moved = await moveIn(client, folder, uids, trash.path);
          return moved.ok ? ok({ deleted: moved.value.moved, permanently: false }) : moved;
        }
        return inFolder(client, folder, async () => {
          const existing = await existingUids(client, uids);
          if (existing.length === 0) return fail('MESSAGE_NOT_FOUND');
          // \Deleted, then UID EXPUNGE of just these (UIDPLUS): other clients' \Deleted stay.
          if (!(await client.messageDelete(uidSet(existing), { uid: true }))) return fail('SERVER_ERROR');
          return ok({ deleted: existing.length, permanently: true });
        });
      }),

    refresh: async () => {
      if (closed) return fail('CANCELLED');
      if (state !== 'online') await attempt();
      return run('refresh', async (client) => {
        // Dovecot answers STATUS on the selected mailbox from the session's view: sync it first.
        if (client.mailbox && samePath(client.mailbox.path, 'INBOX')) await client.noop();
        const status = await client.status('INBOX', { uidNext: true, uidValidity: true });
        if (!status || status.uidNext === undefined) return fail('SERVER_ERROR');
        const validity = String(status.uidValidity ?? '');
        const before = inboxMark && inboxMark.uidValidity === validity ? inboxMark.uidNext : status.uidNext;
        markInbox(validity, status.uidNext);
        return ok({ newMessages: Math.max(0, status.uidNext - before) });
      });
    },

    inboxSince: (after, max, startAt) =>
      run(
        'inboxSince',
        (client) =>
          inFolder(client, 'INBOX', async (mailbox) => {
            const uidValidity = String(mailbox.uidValidity);
            const same = after !== null && after.uidValidity === uidValidity;
            const from = same ? after.uid + 1 : 1;
            // A fresh start looks only at what arrived since startAt (older reports cannot be about recent messages).
            const found = await client.search({ uid: `${from}:*`, ...(!same && startAt ? { since: startAt } : {}) }, { uid: true });
            if (!found) return fail('SERVER_ERROR');
            // "n:*" always includes the highest UID, even when it is below n.
            const uids = found.filter((u) => u >= from).sort((a, b) => a - b);
            const take = uids.slice(0, Math.max(0, Math.floor(max)));
            const messages: Array<{ uid: number; source: Buffer }> = [];
            const candidates: number[] = [];
            if (take.length) {
              // Headers first: only what may be a delivery report is downloaded whole.
              for await (const msg of client.fetch(uidSet(take), SUMMARY_QUERY, { uid: true })) {
                if (toSummary(msg, now).isDeliveryReport) candidates.push(msg.uid);
              }
            }
            if (candidates.length) {
              for await (const msg of client.fetch(uidSet(candidates), { uid: true, source: true }, { uid: true })) {
                if (msg.source) messages.push({ uid: msg.uid, source: msg.source });
              }
            }
            messages.sort((a, b) => a.uid - b.uid);
            // Nothing (more) to look at: everything below UIDNEXT has been looked at. Without this, a
            // fresh start in an inbox with nothing since startAt would remember 0 and the next scan
            // would go through the whole inbox, without the date limit.
            const lastUid = take.length ? take[take.length - 1]! : same ? after.uid : Math.max(0, mailbox.uidNext - 1);
            return ok({ uidValidity, lastUid, messages, more: uids.length > take.length });
          }),
        downloadMs,
      ),

    wake: () => {
      if (closed) return;
      log.info('IMAP wake: reconnecting now', { account: accountId });
      epoch++;
      failures = 0;
      needSync = true;
      clearTimeout(retryTimer);
      retryTimer = undefined;
      setStatus('connecting');
      // They may be half-dead after sleep: no LOGOUT, just drop them.
      void drop(cmd, false);
      void drop(watcher, false);
      void attempt();
    },

    close: async () => {
      if (closed) return;
      closed = true;
      epoch++;
      clearTimeout(retryTimer);
      clearTimeout(idleTimer);
      clearTimeout(changeTimer);
      retryTimer = idleTimer = changeTimer = undefined;
      const inFlight: Promise<unknown>[] = [];
      if (attempting) inFlight.push(attempting.done);
      if (cmdOpening) inFlight.push(cmdOpening);
      await Promise.all([drop(cmd, true), drop(watcher, true)]);
      // Attempts still connecting see `closed` and close what they opened (bounded by timeoutMs).
      await Promise.allSettled(inFlight);
      await Promise.all([drop(cmd, true), drop(watcher, true)]);
    },
  };

  function markInbox(uidValidity: string, uidNext: number): void {
    if (inboxMark && inboxMark.uidValidity === uidValidity && inboxMark.uidNext >= uidNext) return;
    inboxMark = { uidValidity, uidNext };
  }
}

// --- pure helpers (exported for tests) ------------------------------------------------------

const FLAG_ROLES: ReadonlyArray<[string, FolderRole]> = [
  ['\\Sent', 'sent'],
  ['\\Drafts', 'drafts'],
  ['\\Trash', 'trash'],
  ['\\Junk', 'junk'],
  ['\\Archive', 'archive'],
  ['\\All', 'all'],
  ['\\Flagged', 'flagged'],
];

/** Names of special folders on servers without SPECIAL-USE. */
const NAME_ROLES: ReadonlyArray<[RegExp, FolderRole]> = [
  [/^(sent|sent items|sent messages|sent mail)$/i, 'sent'],
  [/^drafts?$/i, 'drafts'],
  [/^(trash|deleted items|deleted messages)$/i, 'trash'],
  [/^(junk|spam|junk e-?mail)$/i, 'junk'],
  [/^archives?$/i, 'archive'],
];

type ListEntry = Pick<ListResponse, 'path' | 'name' | 'delimiter' | 'flags' | 'specialUse' | 'specialUseSource' | 'parentPath' | 'status'>;

/**
 * LIST entries as Folders: roles from the server's special-use flags first, then from names
 * (top level or under INBOX only; each role once), then imapflow's own guess from localized
 * names. INBOX first, then the other roles in FOLDER_ROLES order, then the rest by path.
 */
export function toFolders(entries: readonly ListEntry[]): Folder[] {
  const byPath = [...entries].sort((a, b) => a.path.localeCompare(b.path));
  const roles = new Map<string, FolderRole>();
  const taken = new Set<FolderRole>();
  const give = (path: string, role: FolderRole): void => {
    if (taken.has(role) || roles.has(path)) return;
    roles.set(path, role);
    taken.add(role);
  };
  for (const e of byPath) if (samePath(e.path, 'INBOX')) give(e.path, 'inbox');
  for (const e of byPath) {
    const flag = FLAG_ROLES.find(([f]) => e.flags.has(f) || (e.specialUse === f && e.specialUseSource !== 'name'));
    if (flag) give(e.path, flag[1]);
  }
  for (const e of byPath) {
    if (e.parentPath && !samePath(e.parentPath, 'INBOX')) continue;
    const byName = NAME_ROLES.find(([re]) => re.test(e.name.trim()));
    if (byName) give(e.path, byName[1]);
  }
  for (const e of byPath) {
    const guess = FLAG_ROLES.find(([f]) => e.specialUse === f);
    if (guess && e.specialUseSource === 'name') give(e.path, guess[1]);
  }
  const rank = (f: Folder): number => (f.role ? FOLDER_ROLES.indexOf(f.role) : FOLDER_ROLES.length);
  return byPath
    .map((e): Folder => {
      const selectable = !e.flags.has('\\Noselect') && !e.flags.has('\\NonExistent');
      return {
        path: e.path,
        name: e.name,
        delimiter: e.delimiter || null,
        role: roles.get(e.path) ?? null,
        selectable,
        total: selectable && typeof e.status?.messages === 'number' ? e.status.messages : null,
        unseen: selectable && typeof e.status?.unseen === 'number' ? e.status.unseen : null,
      };
    })
    .sort((a, b) => rank(a) - rank(b) || a.path.localeCompare(b.path));
}

/** INBOX is case-insensitive (RFC 3501 section 5.1); every other name is compared as is. */
function samePath(a: string, b: string): boolean {
  return a === b || (a.toUpperCase() === 'INBOX' && b.toUpperCase() === 'INBOX');
}

function searchCriteria(query: string, field: SearchField): SearchObject {
  if (field === 'from') return { from: query };
  if (field === 'subject') return { subject: query };
  return { or: [{ from: query }, { subject: query }] };
}

/** "3,5,6,7,10" → "3,5:7,10": short commands for long selections. */
export function uidSet(uids: readonly number[]): string {
  const sorted = [...new Set(uids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}:${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Unfolded header fields of a header block, lower-cased names; the first occurrence wins. */
function parseHeaderBlock(block: Buffer | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!block) return out;
  const unfolded = block.toString('latin1').replace(/\r?\n[ \t]+/g, ' ');
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!(name in out)) out[name] = line.slice(colon + 1).trim();
  }
  return out;
}

function address(a: { name?: string | undefined; address?: string | undefined } | undefined): MailAddress | null {
  if (!a || (!a.address && !a.name)) return null;
  return { name: a.name ?? '', address: a.address ?? '' };
}

function isoDate(value: Date | string | undefined): string | null {
  if (value === undefined) return null;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function toSummary(msg: FetchMessageObject, now: () => number): MessageSummary {
  const env = msg.envelope ?? {};
  const flags = msg.flags ?? new Set<string>();
  const from = address(env.from?.[0]);
  const headers = parseHeaderBlock(msg.headers);
  const subject = env.subject ?? '';
  return {
    uid: msg.uid,
    from,
    to: (env.to ?? []).map(address).filter((a): a is MailAddress => a !== null),
    subject,
    date: isoDate(env.date) ?? isoDate(msg.internalDate) ?? new Date(now()).toISOString(),
    seen: flags.has('\\Seen'),
    flagged: flags.has('\\Flagged'),
    answered: flags.has('\\Answered'),
    size: msg.size ?? 0,
    messageId: env.messageId ?? null,
    isDeliveryReport: looksLikeDeliveryReport({
      from: from ? `${from.name} <${from.address}>` : null,
      subject: env.subject ?? null,
      contentType: headers['content-type'] ?? null,
      headers,
    }),
  };
}

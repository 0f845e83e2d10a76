/**
 * A POP3 account as a MailSource: refresh() downloads new messages (by UIDL) into the local store
 * (./local-store.ts), then DELEs what is due on the server; reading, flags, moves and deletes work
 * on the local store only.
 *
 * One refresh = one session: connect (implicit TLS, or STLS before anything else for 'starttls';
 * clear text only when security is 'none'), USER/PASS (or AUTH XOAUTH2 / OAUTHBEARER with an
 * access token, once more with a fresh one after a refusal), UIDL, RETR of unknown UIDLs (at most
 * `maxPerRefresh`, oldest first; the rest next time), DELE of what is due, QUIT. The server commits
 * DELE only on QUIT, so deletions are recorded only after QUIT succeeded; until then they are
 * simply asked for again next time (the UIDLs are known, so nothing is downloaded twice).
 */
import { fail, ok, type AppError, type Result } from '../../../shared/result';
import type { MailChanged, MailStatus } from '../../../shared/mail';
import { Pop3Client, Pop3Error } from '../pop3/client';
import { tlsOptionsFor } from '../tls-trust';
import { backoffDelayMs } from '../net/backoff';
import { pop3Failure } from '../pop3/failure';
import { withFreshCredential, type Credential } from '../credentials';
import type { IncomingSettings } from '../../../shared/model';
import type { DamageReporter } from '../data-notices';
import { isLocalFolder, LocalStore, TRASH, type LocalFolder } from './local-store';
import type { MailSource, MailSourceContext } from './types';

export interface Pop3SourceOptions {
  /** `<dataDir>/mail/<accountId>` */
  dir: string;
  /** Time between automatic refreshes; default 10 minutes; 0 = no timer (refresh() only). */
  pollMs?: number;
  /** Per network wait (connect, handshake, each reply); default 30 s. */
  timeoutMs?: number;
  /** Messages downloaded per refresh at most; default 500. */
  maxPerRefresh?: number;
  /**
   * The account's previous source, still closing (its settings changed): the store in `dir` is
   * opened only once that one has finished with it, so two stores never write one index.
   */
  after?: Promise<unknown>;
  /** Told when the store's index was damaged, set aside and rebuilt. */
  notices?: DamageReporter;
}

const DEFAULT_POLL_MS = 10 * 60_000;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_PER_REFRESH = 500;
/** First retry after an error; doubles with each further error, up to pollMs. */
const BACKOFF_BASE_MS = 60_000;
/** When a refresh stopped at maxPerRefresh, the next one follows after this pause. */
const CONTINUE_MS = 1_000;
/** The index is written after this many downloads, so a crash costs little reconciliation. */
const FLUSH_EVERY = 50;

/** A refresh's outcome before it is reported. */
interface RunOutcome {
  result: Result<{ newMessages: number }>;
  more: boolean;
}

export function createPop3Source(ctx: MailSourceContext, options: Pop3SourceOptions): MailSource {
  const pollMs = Math.max(0, options.pollMs ?? DEFAULT_POLL_MS);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxPerRefresh = Math.max(1, options.maxPerRefresh ?? DEFAULT_MAX_PER_REFRESH);
  const now = ctx.now ?? Date.now;
  const accountId = ctx.account.id;
  const announce = (...changes: Array<[LocalFolder, MailChanged['reason']]>) => {
    for (const [folder, reason] of changes) ctx.onChange({ accountId, folder, reason });
  };
  const log = ctx.logger;

  let storeOpening: Promise<LocalStore> | null = null;
  let running: Promise<Result<{ newMessages: number }>> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let failures = 0;
  let closed = false;

  function openStore(): Promise<LocalStore> {
    storeOpening ??= Promise.resolve(options.after)
      .catch(() => undefined)
      .then(() => LocalStore.open(options.dir, options.notices ? { notices: options.notices } : {}))
      .then(
      (store) => {
        const { reindexed, removed, corruptIndex } = store.report;
        if (reindexed || removed || corruptIndex) log.warn('pop3 store repaired at open', { accountId, reindexed, removed, corruptIndex });
        return store;
      },
      (error: unknown) => {
        storeOpening = null; // try again next time
        throw error;
      },
    );
    return storeOpening;
  }

  /** Runs `task` on the open store; a disk failure becomes INTERNAL (details in the log only). */
  async function withStore<T>(what: string, task: (store: LocalStore) => Promise<Result<T>> | Result<T>): Promise<Result<T>> {
    try {
      return await task(await openStore());
    } catch (error) {
      log.error(`pop3 store: ${what} failed`, { accountId, error });
      return fail('INTERNAL');
    }
  }

  function folderOf(path: string): LocalFolder | null {
    return isLocalFolder(path) ? path : null;
  }

  function status(state: MailStatus['state'], error: AppError | null, retryAt: number | null): void {
    // A run that ends after close() has nobody to tell: the account may already have a new source.
    if (closed) return;
    ctx.onStatus({ accountId, state, retryAt: retryAt === null ? null : new Date(retryAt).toISOString(), error: error ? { code: error.code, message: error.message } : null });
  }

  function schedule(delayMs: number): void {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      void refresh();
    }, delayMs);
    timer.unref?.();
  }

  function refresh(): Promise<Result<{ newMessages: number }>> {
    if (closed) return Promise.resolve(fail('CANCELLED'));
    running ??= (async () => {
      if (timer) {
        clearTimeout(timer);
        timer = null;
      }
      status('connecting', null, null);
      const outcome = await runOnce().catch((error: unknown): RunOutcome => {
        log.error('pop3 refresh: unexpected failure', { accountId, error });
        return { result: fail('INTERNAL'), more: false };
      });
      const { result, more } = outcome;
      if (result.ok) {
        failures = 0;
        status('online', null, null);
        if (!closed && pollMs > 0) schedule(more ? Math.min(CONTINUE_MS, pollMs) : pollMs);
      } else {
        failures++;
        // No jitter: one POP3 client per mailbox polls on its own schedule anyway.
        const delay = pollMs > 0 ? backoffDelayMs(failures, { baseMs: BACKOFF_BASE_MS, maxMs: pollMs, jitter: 0 }) : null;
        status('error', result.error, delay === null ? null : now() + delay);
        if (!closed && delay !== null) schedule(delay);
      }
      return result;
    })().finally(() => {
      running = null;
    });
    return running;
  }

  /** One POP3 session. Messages downloaded before a failure are kept (and reported as new). */
  async function runOnce(): Promise<RunOutcome> {
    const incoming = ctx.account.incoming;
    if (!incoming || incoming.protocol !== 'pop3') return { result: fail('NO_INCOMING_SERVER'), more: false };
    const store = await openStore();
    const session = await withFreshCredential(
      ctx,
      (credential) => connectAndSignIn(incoming, credential),
      (result) => !result.ok && result.error.code === 'AUTH_FAILED',
    );
    const opened = session.ok ? session.value : session;
    if (!opened.ok) return { result: opened, more: false };
    const client = opened.value;

    let newMessages = 0;
    let more = false;
    try {
      let listing: Awaited<ReturnType<Pop3Client['uidl']>>;
      try {
        listing = await client.uidl();
      } catch (error) {
        if (error instanceof Pop3Error && error.kind === 'err') {
          // Without UIDL we cannot tell old messages from new; downloading all again is not an option.
          log.warn('pop3 server has no UIDL', { accountId, host: incoming.host });
          await client.quit().catch(() => undefined);
          return { result: fail('PROTOCOL_ERROR', { command: 'UIDL', ...(error.response ? { serverReply: error.response } : {}) }), more: false };
        }
        throw error;
      }

      const unknown = listing.filter((e) => !store.knows(e.uid));
      const batch = unknown.slice(0, maxPerRefresh);
      more = unknown.length > batch.length;
      for (const entry of batch) {
        if (closed) {
          more = true;
          break;
        }
        const raw = await client.retr(entry.id);
        await store.add(entry.uid, raw, now());
        newMessages++;
        if (newMessages % FLUSH_EVERY === 0) await store.flush();
      }
      // Every UIDL we DELE below must be durable as downloaded first.
      await store.flush();

      const deleted: string[] = [];
      if (!closed) {
        const idOf = new Map(listing.map((e) => [e.uid, e.id]));
        for (const uidl of store.dueOnServer(idOf.keys(), incoming.leaveOnServerDays, now())) {
          try {
            await client.dele(idOf.get(uidl)!);
            deleted.push(uidl);
          } catch (error) {
            // One message the server will not delete does not stop the others.
            if (!(error instanceof Pop3Error) || error.kind !== 'err') throw error;
            log.warn('pop3 DELE refused', { accountId, response: error.response });
          }
        }
      }
      await client.quit();
      await store.markGoneFromServer(deleted, new Set(listing.map((e) => e.uid)), now());
      return { result: ok({ newMessages }), more };
    } catch (error) {
      client.close();
      await store.flush().catch((e: unknown) => log.error('pop3 store: flush failed', { accountId, error: e }));
      // Messages that did arrive are there, whatever failed after them.
      return { result: failed(error, 'session'), more: false };
    } finally {
      if (newMessages > 0) ctx.onChange({ accountId, folder: 'INBOX', reason: 'new' });
    }
  }

  /**
   * Connects and signs in: USER/PASS, or AUTH XOAUTH2 / OAUTHBEARER with an access token. On any
   * failure the connection is closed; the caller makes one more attempt with a fresh token after
   * AUTH_FAILED to a token (credentials.ts).
   */
  async function connectAndSignIn(incoming: IncomingSettings, credential: Credential | undefined): Promise<Result<Pop3Client>> {
    if (credential === undefined) return fail('PASSWORD_MISSING');
    let client: Pop3Client;
    try {
      client = await Pop3Client.connect({
        host: incoming.host,
        port: incoming.port,
        security: incoming.security,
        ...(incoming.security === 'none'
          ? {}
          : { tls: tlsOptionsFor(incoming.host, { extraCertificateAuthorities: ctx.extraCertificateAuthorities, pinnedCertificate: incoming.pinnedCertificate }) }),
        timeoutMs,
      });
    } catch (error) {
      return failed(error, 'connect');
    }
    try {
      // The client never continues in clear after a failed STLS; this guards the password anyway.
      if (incoming.security !== 'none' && !client.tlsSocket) {
        client.close();
        return fail('STARTTLS_UNAVAILABLE');
      }
      await client.signIn(credential);
      return ok(client);
    } catch (error) {
      client.close();
      return failed(error, 'session');
    }
  }

  function failed(error: unknown, phase: string): Result<never> {
    if (!(error instanceof Pop3Error)) {
      log.error(`pop3 ${phase}: unexpected failure`, { accountId, error });
      return fail('INTERNAL');
    }
    const failure = pop3Failure(error);
    log.warn(`pop3 ${phase} failed`, { accountId, code: failure.code, kind: error.kind, message: error.message });
    return { ok: false, error: failure };
  }

  const source: MailSource = {
    folders: () => withStore('folders', (store) => ok(store.folders())),

    list: (folder, offset, limit) =>
      withStore('list', (store) => {
        const f = folderOf(folder);
        return f ? ok(store.list(f, offset, limit)) : fail('FOLDER_NOT_FOUND');
      }),

    search: (folder, query, field, limit) =>
      withStore('search', (store) => {
        const f = folderOf(folder);
        return f ? ok(store.search(f, query, field, limit)) : fail('FOLDER_NOT_FOUND');
      }),

    source: (folder, uid) =>
      withStore('source', async (store) => {
        const f = folderOf(folder);
        if (!f) return fail('FOLDER_NOT_FOUND');
        const bytes = await store.source(f, uid);
        return bytes ? ok(bytes) : fail('MESSAGE_NOT_FOUND');
      }),

    // These folders are Mailwright's own: no server tells the views that they changed, so each
    // change made here is announced here (an IMAP server announces its own).
    setFlags: (folder, uids, flags) =>
      withStore('setFlags', async (store) => {
        const f = folderOf(folder);
        if (!f) return fail('FOLDER_NOT_FOUND');
        const updated = await store.setFlags(f, uids, flags);
        announce([f, 'flags']);
        return ok({ updated });
      }),

    move: (folder, uids, to) =>
      withStore('move', async (store) => {
        const from = folderOf(folder);
        const target = folderOf(to);
        if (!from || !target) return fail('FOLDER_NOT_FOUND');
        const moved = await store.move(from, uids, target);
        announce([from, 'removed'], [target, 'new']);
        return ok({ moved });
      }),

    delete: (folder, uids) =>
      withStore('delete', async (store) => {
        const f = folderOf(folder);
        if (!f) return fail('FOLDER_NOT_FOUND');
        if (f === TRASH) {
          const deleted = await store.deleteForGood(f, uids);
          announce([f, 'removed']);
          return ok({ deleted, permanently: true });
        }
        const deleted = await store.move(f, uids, TRASH);
        announce([f, 'removed'], [TRASH, 'new']);
        return ok({ deleted, permanently: false });
      }),

    refresh,

    inboxSince: (after, max) =>
      withStore('inboxSince', async (store) => {
        const from = after && after.uidValidity === store.uidValidity ? after.uid : 0;
        const found = await store.inboxSince(from, max);
        return ok({ uidValidity: store.uidValidity, ...found });
      }),

    wake(): void {
      if (!closed) void refresh();
    },

    async close(): Promise<void> {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      if (running) await running;
      if (storeOpening) await storeOpening.then((s) => s.close()).catch(() => undefined);
    },
  };

  // The first check right away; later ones on the timer.
  if (pollMs > 0) schedule(0);
  return source;
}


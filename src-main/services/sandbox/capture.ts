/**
 * The sandbox's capture server (issue 15, groundwork): an SMTP server inside Mailwright, on
 * 127.0.0.1 and a port chosen at start, that keeps every message it is given instead of delivering
 * it. Only the app itself may use it: AUTH is required with a secret made for this run (kept in
 * memory only, never written); a client without it is refused before MAIL and nothing it sends is
 * stored.
 *
 * Each message is kept durably in the folder: `<id>.eml` (the bytes exactly as received) is written,
 * fsynced and renamed first, then `<id>.json` (the envelope: MAIL FROM, RCPT TO, when, size,
 * SHA-256) with writeFileAtomic. The record is the commit: at start an `.eml` without its record is a
 * capture that never answered 250 and is removed; a record whose message is missing or of another
 * size is set aside (renamed `.damaged`), never silently dropped. The store has a size limit: a
 * message that would pass it is refused with 452 (full: clear the sandbox), one over the per-message
 * SIZE with 552.
 *
 * Faults on demand (shared/sandbox.ts): the server can be told to answer like a real server gone
 * wrong, each rule with its probability, drawn per event: a 4xx/5xx reply at the greeting, AUTH,
 * MAIL, RCPT (per recipient pattern) or the end of DATA (the message is then not kept); a connection
 * dropped before the greeting, mid-DATA (nothing kept) or right after the final dot (kept: it
 * arrived, and the 250 never goes out); a slow link (every reply waits); STARTTLS offered with a
 * certificate no one trusts. The rules are read at each step, so a change applies to the next step
 * of connections already open. See `faultPlayer` and the hooks below.
 *
 * smtp-server (nodemailer's own server library) does the protocol; this file only decides and stores.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, readdir, readFile, rename, stat } from 'node:fs/promises';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerSession } from 'smtp-server';
import { makePrivateFolder, removeQuietly, syncDir, tempName, writeFileAtomic } from '../durable-files';
import type { Logger } from '../logger';
import type { Fault, FaultStage, Faults } from '../../../shared/sandbox';

/** What the sandbox keeps of one message beside its bytes. */
export interface CapturedMessage {
  id: string;
  receivedAt: string;
  /** The envelope as the client gave it: MAIL FROM (empty for a null sender) and every RCPT TO. */
  envelope: { mailFrom: string; rcptTo: string[] };
  size: number;
  sha256: string;
}

export interface CaptureServerOptions {
  /** Where captured messages are kept (created, private). */
  dir: string;
  /** The most the store may hold, in bytes (default 200 MiB). */
  maxStoreBytes?: number;
  /** The largest single message, announced as SIZE (default 50 MiB). */
  maxMessageBytes?: number;
  logger: Logger;
  /** The port to listen on (127.0.0.1); default: a free one chosen at start. `mailwright sandbox --port` sets it. */
  port?: number;
  /** Called once a message is kept (its record durable). */
  onCaptured?: (message: CapturedMessage) => void;
  /** Where the faults' probabilities are drawn from (default Math.random); tests pass their own. */
  random?: () => number;
  /**
   * The certificate STARTTLS shows while the 'tls' fault plays. Default: smtp-server's built-in
   * self-signed one for localhost (expired since 2025), which no client trusts.
   */
  tlsCertificate?: { key: string; cert: string };
}

export interface CaptureServer {
  /** Where it listens (always 127.0.0.1). */
  host: '127.0.0.1';
  port: number;
  /** The credentials for this run; only the app's own sending code is given them. */
  credentials: { user: string; pass: string };
  /** Captured messages, oldest first. */
  list(): CapturedMessage[];
  /** The message's bytes exactly as received; undefined when it is not kept (cleared meanwhile). */
  read(id: string): Promise<Buffer | undefined>;
  /** Removes one captured message (its record first, then its bytes); false when it was not kept. */
  remove(id: string): Promise<boolean>;
  /** Removes every captured message. */
  clear(): Promise<void>;
  /** Bytes the store holds now. */
  storedBytes(): number;
  /** The faults in play (shared/sandbox.ts); none at start. */
  faults(): Faults;
  /** Replaces the faults in play; connections already open follow them from their next step. */
  setFaults(faults: Faults): void;
  close(): Promise<void>;
}

const DEFAULT_STORE = 200 * 1024 * 1024;
const DEFAULT_MESSAGE = 50 * 1024 * 1024;
const ID = /^[0-9a-f-]{36}$/;

const smtpError = (responseCode: number, message: string) => Object.assign(new Error(message), { responseCode });

/** Constant-time comparison of what the client typed with the run's secret. */
function same(given: string | undefined, expected: string): boolean {
  const a = Buffer.from(given ?? '', 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function parseRecord(text: string): CapturedMessage | undefined {
  try {
    const r = JSON.parse(text) as Partial<CapturedMessage>;
    if (typeof r.id !== 'string' || !ID.test(r.id) || typeof r.receivedAt !== 'string' || typeof r.size !== 'number' || typeof r.sha256 !== 'string') return undefined;
    if (!r.envelope || typeof r.envelope.mailFrom !== 'string' || !Array.isArray(r.envelope.rcptTo) || !r.envelope.rcptTo.every((x) => typeof x === 'string')) return undefined;
    return { id: r.id, receivedAt: r.receivedAt, envelope: { mailFrom: r.envelope.mailFrom, rcptTo: [...r.envelope.rcptTo] }, size: r.size, sha256: r.sha256 };
  } catch {
    return undefined;
  }
}

/** Reads what the folder holds: complete captures are kept; unanswered ones removed; damaged ones set aside. */
async function loadStore(dir: string, logger: Logger): Promise<Map<string, CapturedMessage>> {
  const kept = new Map<string, CapturedMessage>();
  const names = await readdir(dir);
  const records = new Set(names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)));
  for (const name of names) {
    // A temporary file, or a message whose record was never written: the client never got its 250.
    if (name.includes('.tmp-') || (name.endsWith('.eml') && !records.has(name.slice(0, -4)))) await removeQuietly(join(dir, name));
  }
  for (const id of records) {
    const record = parseRecord(await readFile(join(dir, `${id}.json`), 'utf8').catch(() => ''));
    const size = await stat(join(dir, `${id}.eml`)).then((s) => s.size).catch(() => -1);
    if (record && record.id === id && record.size === size) {
      kept.set(id, record);
      continue;
    }
    logger.warn('sandbox: a captured message is damaged and was set aside', { id });
    for (const ext of ['json', 'eml']) await rename(join(dir, `${id}.${ext}`), join(dir, `${id}.${ext}.damaged`)).catch(() => undefined);
  }
  return new Map([...kept.values()].sort((a, b) => a.receivedAt.localeCompare(b.receivedAt)).map((m) => [m.id, m]));
}

type ReplyFault = Extract<Fault, { kind: 'reply' }>;

/** A recipient pattern ('*' any characters, case-insensitive) as a regular expression matching the whole address. */
function recipientPattern(pattern: string): RegExp {
  const parts = pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`, 'i');
}

/**
 * Decides, event by event, whether a fault plays. The rules are read anew at each event (a change
 * applies at once); a probability strictly between 0 and 1 takes one draw from `random` per rule
 * asked, 1 always plays and 0 never does (no draw for either, so a test's sequence of draws is
 * only spent on the rules that are left to chance).
 */
function faultPlayer(current: () => Faults, random: () => number) {
  const plays = (probability: number) => probability >= 1 || (probability > 0 && random() < probability);
  return {
    /** The error to answer this stage with, if a reply rule plays; for RCPT only rules whose pattern matches `recipient`. */
    reply(stage: FaultStage, recipient?: string): Error | undefined {
      for (const rule of current().rules) {
        if (rule.kind !== 'reply' || rule.stage !== stage) continue;
        if (stage === 'rcpt' && rule.recipients && !recipientPattern(rule.recipients).test(recipient ?? '')) continue;
        if (plays(rule.probability)) return faultError(rule);
      }
      return undefined;
    },
    drop(at: 'before-greeting' | 'mid-data' | 'after-final-dot'): boolean {
      return current().rules.some((rule) => rule.kind === 'drop' && rule.at === at && plays(rule.probability));
    },
    /** How long this reply waits (the first slow rule that plays), 0 for none. */
    delay(): number {
      for (const rule of current().rules) if (rule.kind === 'slow' && plays(rule.probability)) return rule.delayMs;
      return 0;
    },
    tls(): boolean {
      return current().rules.some((rule) => rule.kind === 'tls' && plays(rule.probability));
    },
  };
}

/** The reply a rule asks for; smtp-server sends `responseCode` and the message as the line (the text said why, as the person wrote it). */
function faultError(rule: ReplyFault): Error {
  return smtpError(rule.code, rule.text || (rule.code >= 500 ? 'Refused (sandbox fault)' : 'Try again later (sandbox fault)'));
}

/** What this file reaches of smtp-server's connection (not in its types): its id, socket and reply writer. */
interface RawConnection {
  id: string;
  _socket: Socket;
  send(code: number, data?: unknown, context?: unknown): void;
  close(): void;
}

export async function startCaptureServer(options: CaptureServerOptions): Promise<CaptureServer> {
  const { dir, logger } = options;
  const maxStore = options.maxStoreBytes ?? DEFAULT_STORE;
  const maxMessage = options.maxMessageBytes ?? DEFAULT_MESSAGE;
  await makePrivateFolder(dir);
  const messages = await loadStore(dir, logger);
  let stored = [...messages.values()].reduce((n, m) => n + m.size, 0);
  /** Bytes of messages being received now, counted against the limit before they are kept. */
  let reserved = 0;
  const credentials = { user: 'mailwright', pass: randomBytes(24).toString('base64url') };
  let faults: Faults = { rules: [] };
  const player = faultPlayer(() => faults, options.random ?? Math.random);
  /** Replies held back by a slow link, cleared when their connection closes or the server does. */
  const delayed = new Set<NodeJS.Timeout>();

  const server = new SMTPServer({
    name: 'sandbox.mailwright.invalid',
    banner: 'Mailwright sandbox: messages are kept here, never delivered',
    // Loopback only, and the secret never leaves this process: TLS would protect nothing here, so
    // STARTTLS is offered only while the 'tls' fault plays (onConnect sets it per connection), with
    // a certificate no client trusts (options.tlsCertificate).
    disabledCommands: [],
    ...(options.tlsCertificate ? { key: options.tlsCertificate.key, cert: options.tlsCertificate.cert } : {}),
    allowInsecureAuth: true,
    authOptional: false,
    authMethods: ['PLAIN', 'LOGIN'],
    size: maxMessage,
    hideSize: false,
    logger: false,
    onConnect(session, callback) {
      playAtConnect(session, callback);
    },
    onAuth(auth: SMTPServerAuthentication, _session, callback) {
      const fault = player.reply('auth');
      if (fault) return callback(fault);
      if (same(auth.username, credentials.user) && same(auth.password ?? undefined, credentials.pass)) return callback(null, { user: credentials.user });
      callback(smtpError(535, '5.7.8 Authentication failed: this sandbox accepts only Mailwright itself'));
    },
    onMailFrom(address, session, callback) {
      if (!session.user) return callback(smtpError(530, '5.7.0 Authentication required'));
      const args = address.args ? (address.args as Record<string, string>) : {};
      const declared = Number(args.SIZE) || 0;
      if (stored + reserved + declared > maxStore) return callback(smtpError(452, '4.3.1 The sandbox is full: clear it in Mailwright'));
      callback(player.reply('mail'));
    },
    onRcptTo(address, session, callback) {
      if (!session.user) return callback(smtpError(530, '5.7.0 Authentication required'));
      callback(player.reply('rcpt', address.address));
    },
    onData(stream, session: SMTPServerSession, callback) {
      const play = dataFaults(session);
      void keep(stream, session, play).then(
        () => {
          // Dropped right after the final dot: the message arrived and is kept, the 250 never goes out.
          if (player.drop('after-final-dot')) connectionOf(session)?._socket.destroy();
          callback();
        },
        (error: unknown) => {
          // Whatever arrived is drained so the connection can answer.
          stream.resume();
          callback(error instanceof Error && 'responseCode' in error ? error : smtpError(451, '4.3.0 The sandbox could not store the message'));
        },
      );
    },
  });

  /** The smtp-server connection of a session (found by id in its open connections). */
  function connectionOf(session: SMTPServerSession): RawConnection | undefined {
    for (const c of (server as unknown as { connections: Set<RawConnection> }).connections) if (c.id === session.id) return c;
    return undefined;
  }

  /**
   * At a new connection: a slow link for every reply of it, then a drop before the greeting, a reply
   * fault as the greeting, and STARTTLS offered or not (the 'tls' fault).
   */
  function playAtConnect(session: SMTPServerSession, callback: (error?: Error | null) => void): void {
    const connection = connectionOf(session);
    if (connection) slowReplies(connection);
    if (player.drop('before-greeting')) {
      // Accepted, then closed without a word; the callback is never called, so nothing is sent.
      connection?._socket.destroy();
      return;
    }
    const fault = player.reply('greeting');
    if (fault) return callback(fault);
    (session as SMTPServerSession & { disabledCommands?: string[] }).disabledCommands = player.tls() ? [] : ['STARTTLS'];
    callback();
  }

  /**
   * A slow link: each reply of the connection waits what the 'slow' rule says at the time it is
   * given. Replies keep their order (one never overtakes another held back longer), a close asked
   * for meanwhile (after a refusal) waits for them, and held replies are dropped when the connection
   * goes (or the server closes).
   */
  function slowReplies(connection: RawConnection): void {
    const send = connection.send.bind(connection);
    const close = connection.close.bind(connection);
    const mine = new Set<NodeJS.Timeout>();
    let last = 0;
    let closeAsked = false;
    connection.send = (code, data, context) => {
      // STARTTLS's go-ahead goes at once: smtp-server starts the handshake right after it and
      // writes nothing in clear from then on, so a held one would never go out.
      if (code === 220 && data === 'Ready to start TLS') return send(code, data, context);
      const wait = player.delay();
      const at = Math.max(Date.now() + wait, last);
      if (at <= Date.now() && mine.size === 0) return send(code, data, context);
      last = at;
      const timer = setTimeout(() => {
        mine.delete(timer);
        delayed.delete(timer);
        send(code, data, context);
        if (closeAsked && mine.size === 0) close();
      }, at - Date.now());
      mine.add(timer);
      delayed.add(timer);
    };
    connection.close = () => {
      if (mine.size === 0) return close();
      closeAsked = true;
    };
    connection._socket.once('close', () => {
      for (const timer of mine) {
        clearTimeout(timer);
        delayed.delete(timer);
      }
      mine.clear();
    });
  }

  /** The faults that play while a message's data comes in: a drop mid-DATA, a reply to the final dot. */
  function dataFaults(session: SMTPServerSession): DataFaults {
    let dropped = false;
    return {
      chunk() {
        if (dropped || !player.drop('mid-data')) return;
        // Some of the data arrived: the connection goes without a word and nothing is kept.
        dropped = true;
        connectionOf(session)?._socket.destroy();
      },
      end() {
        if (dropped) return smtpError(421, '4.4.2 The connection was dropped in the middle of the data (sandbox fault)');
        return player.reply('data-end');
      },
    };
  }

  async function keep(stream: NodeJS.ReadableStream & { sizeExceeded?: boolean }, session: SMTPServerSession, play?: DataFaults): Promise<void> {
    const id = randomUUID();
    const eml = join(dir, `${id}.eml`);
    const tmp = tempName(eml);
    const hash = createHash('sha256');
    let size = 0;
    let over = false;
    let first = true;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        if (first) {
          first = false;
          play?.chunk();
        }
        size += chunk.length;
        reserved += chunk.length;
        if (stored + reserved > maxStore) over = true;
        hash.update(chunk);
        done(null, over ? undefined : chunk);
      },
    });
    try {
      await pipeline(stream, count, createWriteStream(tmp, { mode: 0o600 }));
      if (stream.sizeExceeded) throw smtpError(552, `5.3.4 The message is larger than the sandbox takes (${maxMessage} bytes)`);
      if (over) throw smtpError(452, '4.3.1 The sandbox is full: clear it in Mailwright');
      // A fault at the final dot: the reply it asks for instead of 250, and the message is not kept.
      const fault = play?.end();
      if (fault) throw fault;
      const handle = await open(tmp, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, eml);
      const record: CapturedMessage = {
        id,
        receivedAt: new Date().toISOString(),
        envelope: { mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', rcptTo: session.envelope.rcptTo.map((r) => r.address) },
        size,
        sha256: hash.digest('hex'),
      };
      await writeFileAtomic(dir, join(dir, `${id}.json`), JSON.stringify(record));
      messages.set(id, record);
      stored += size;
      options.onCaptured?.(record);
    } catch (error) {
      await removeQuietly(tmp).catch(() => undefined);
      await removeQuietly(eml).catch(() => undefined);
      throw error;
    } finally {
      reserved -= size;
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => logger.warn('sandbox: connection error', { error }));
  const port = (server.server.address() as AddressInfo).port;

  return {
    host: '127.0.0.1',
    port,
    credentials,
    list: () => [...messages.values()],
    async read(id) {
      if (!messages.has(id)) return undefined;
      return readFile(join(dir, `${id}.eml`)).catch(() => undefined);
    },
    async remove(id) {
      const message = messages.get(id);
      if (!message) return false;
      messages.delete(id);
      stored -= message.size;
      // The record first, as in clear(): a removal cut short leaves bytes without a record, removed at the next start.
      await removeQuietly(join(dir, `${id}.json`));
      await removeQuietly(join(dir, `${id}.eml`));
      await syncDir(dir);
      return true;
    },
    async clear() {
      const ids = [...messages.keys()];
      messages.clear();
      stored = 0;
      for (const id of ids) {
        // The record first: a clear cut short leaves messages without records, removed at the next start.
        await removeQuietly(join(dir, `${id}.json`));
        await removeQuietly(join(dir, `${id}.eml`));
      }
      await syncDir(dir);
    },
    storedBytes: () => stored,
    faults: () => faults,
    setFaults: (next) => {
      faults = next;
    },
    close: () => {
      for (const timer of delayed) clearTimeout(timer);
      delayed.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Nothing is left waiting on a client (smtp-server would give open connections 30 s).
      for (const c of (server as unknown as { connections: Set<RawConnection> }).connections) c._socket.destroy();
      return closed;
    },
  };
}

/** What a message's data stream tells the fault player: its first bytes arrived; it ended (an error to refuse it). */
interface DataFaults {
  chunk(): void;
  end(): Error | undefined;
}

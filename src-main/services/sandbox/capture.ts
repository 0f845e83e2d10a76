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
 * smtp-server (nodemailer's own server library) does the protocol; this file only decides and stores.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, readdir, readFile, rename, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerSession } from 'smtp-server';
import { makePrivateFolder, removeQuietly, syncDir, tempName, writeFileAtomic } from '../durable-files';
import type { Logger } from '../logger';
import type { Faults } from '../../../shared/sandbox';

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
  /** Called once a message is kept (its record durable). */
  onCaptured?: (message: CapturedMessage) => void;
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
  // BASE ONLY: kept, not played yet (helper "faults" makes the server play them).
  let faults: Faults = { rules: [] };

  const server = new SMTPServer({
    name: 'sandbox.mailwright.invalid',
    banner: 'Mailwright sandbox: messages are kept here, never delivered',
    // Loopback only, and the secret never leaves this process: TLS would protect nothing here.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: false,
    authMethods: ['PLAIN', 'LOGIN'],
    size: maxMessage,
    hideSize: false,
    logger: false,
    onAuth(auth: SMTPServerAuthentication, _session, callback) {
      if (same(auth.username, credentials.user) && same(auth.password ?? undefined, credentials.pass)) return callback(null, { user: credentials.user });
      callback(smtpError(535, '5.7.8 Authentication failed: this sandbox accepts only Mailwright itself'));
    },
    onMailFrom(address, session, callback) {
      if (!session.user) return callback(smtpError(530, '5.7.0 Authentication required'));
      const args = address.args ? (address.args as Record<string, string>) : {};
      const declared = Number(args.SIZE) || 0;
      if (stored + reserved + declared > maxStore) return callback(smtpError(452, '4.3.1 The sandbox is full: clear it in Mailwright'));
      callback();
    },
    onRcptTo(_address, session, callback) {
      if (!session.user) return callback(smtpError(530, '5.7.0 Authentication required'));
      callback();
    },
    onData(stream, session: SMTPServerSession, callback) {
      void keep(stream, session).then(
        () => callback(),
        (error: unknown) => {
          // Whatever arrived is drained so the connection can answer.
          stream.resume();
          callback(error instanceof Error && 'responseCode' in error ? error : smtpError(451, '4.3.0 The sandbox could not store the message'));
        },
      );
    },
  });

  async function keep(stream: NodeJS.ReadableStream & { sizeExceeded?: boolean }, session: SMTPServerSession): Promise<void> {
    const id = randomUUID();
    const eml = join(dir, `${id}.eml`);
    const tmp = tempName(eml);
    const hash = createHash('sha256');
    let size = 0;
    let over = false;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
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
    server.listen(0, '127.0.0.1', () => {
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
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

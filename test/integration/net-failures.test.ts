/**
 * The network-failure table (issue 9): each failure, made real on 127.0.0.1, is fed through every
 * path that talks to a server (sending through the outbox and services/smtp.ts, the account check
 * for SMTP, IMAP and POP3, the discovery probe, opening IMAP, the POP3 client, the Sent copy), and
 * every path must give the same code and therefore the same words: the renderer's sentence for
 * that code (shared/error-text.ts), and discovery's short words for it.
 *
 * Nothing leaves 127.0.0.1: the unresolvable name is under `.invalid` (RFC 6761), and this file
 * answers lookups of such names itself, at Node's resolver, before any query could be sent.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import dns from 'node:dns';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../shared/errors';
import type { Security } from '../../shared/model';
import type { AppError } from '../../shared/result';
import { probeServer } from '../../src-main/services/discovery/probe';
import { openImap, closeImap } from '../../src-main/services/mail/imap-connection';
import { shortWords } from '../../src-main/services/net/errors';
import { Pop3Client } from '../../src-main/services/pop3/client';
import { Pop3Error } from '../../src-main/services/pop3/errors';
import { pop3Failure } from '../../src-main/services/pop3/failure';
import { fileSentCopy } from '../../src-main/services/sent-copy';
import type { StoredAccount } from '../../src-main/services/settings-store';
import { tlsOptionsFor } from '../../src-main/services/tls-trust';
import { verifyAccount } from '../../src-main/services/verify';
import { passwordCredential } from '../../src-main/services/credentials';
import { explain } from '../../shared/error-text';
import { sendOnce } from '../support/outbox-fixtures';
import { createTestCa, type IssuedCert, type TestCa } from '../support/test-ca';

/** Every wait in this file: long enough for 127.0.0.1 on a busy machine, short enough for a silent server. */
const WAIT_MS = 1_500;
const UNRESOLVABLE = 'nonexistent.invalid';
const PASSWORD = 'correct horse';

// ---------------------------------------------------------------------------------------------
// No query for a `.invalid` name ever leaves this process: Node's lookup (getaddrinfo, used by
// net.connect) and its resolver (c-ares, used by nodemailer) answer ENOTFOUND at once, as a
// resolver that follows RFC 6761 would.

const notFound = (hostname: string, syscall: string) =>
  Object.assign(new Error(`${syscall} ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', errno: -3008, syscall, hostname });
const invalid = (host: unknown) => typeof host === 'string' && /(^|\.)invalid\.?$/i.test(host);
const original = { lookup: dns.lookup, resolve4: dns.Resolver.prototype.resolve4, resolve6: dns.Resolver.prototype.resolve6 };
let lookupsAnswered = 0;

function answerInvalidNamesHere(): void {
  const lookup = function (this: unknown, host: string, options: unknown, callback?: unknown) {
    if (!invalid(host)) return (original.lookup as (...a: unknown[]) => unknown).call(dns, host, options, callback);
    lookupsAnswered++;
    const cb = (typeof options === 'function' ? options : callback) as (err: Error) => void;
    process.nextTick(() => cb(notFound(host, 'getaddrinfo')));
    return undefined;
  };
  (dns as { lookup: unknown }).lookup = lookup;
  for (const name of ['resolve4', 'resolve6'] as const) {
    const real = original[name];
    (dns.Resolver.prototype as unknown as Record<string, unknown>)[name] = function (this: dns.Resolver, host: string, ...rest: unknown[]) {
      if (!invalid(host)) return (real as (...a: unknown[]) => unknown).call(this, host, ...rest);
      lookupsAnswered++;
      const cb = rest[rest.length - 1] as (err: Error) => void;
      process.nextTick(() => cb(notFound(host, `query${name === 'resolve4' ? 'A' : 'AAAA'}`)));
      return undefined;
    };
  }
}

function restoreResolver(): void {
  (dns as { lookup: unknown }).lookup = original.lookup;
  dns.Resolver.prototype.resolve4 = original.resolve4;
  dns.Resolver.prototype.resolve6 = original.resolve6;
}

// ---------------------------------------------------------------------------------------------
// Servers that fail on cue

let dir: string;
let ca: TestCa;
let otherCa: TestCa;
const closers: Array<() => Promise<void>> = [];

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

/** Accepts, then resets the connection (RST) before saying anything. */
const resettingServer = () => listen(net.createServer((s) => s.resetAndDestroy()));

/** Accepts and never says a word. */
const silentServer = () => listen(net.createServer(() => {}));

/** Speaks clear text at once, as a mail server does; a client expecting TLS reads garbage. */
const plainTextServer = () => listen(net.createServer((s) => s.write('220 plain.test ESMTP\r\n* OK plain\r\n+OK plain\r\n')));

/** A TLS server with `cert`; the handshake is what fails, so no protocol is needed behind it. */
const tlsServer = (cert: IssuedCert) => listen(tls.createServer({ cert: cert.cert, key: cert.key }, (s) => s.end()));

async function smtpServer(options: SMTPServerOptions): Promise<number> {
  const server = new SMTPServer({ logger: false, disableReverseLookup: true, authOptional: true, allowInsecureAuth: true, disabledCommands: ['STARTTLS'], ...options });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.server.address() as AddressInfo).port;
}

const refusal = (responseCode: number, message: string) => Object.assign(new Error(message), { responseCode });

/** A line server for the incoming protocols' refusals: `answer` gets each line, returns the reply. */
function lineServer(greeting: string, answer: (line: string) => string | null): Promise<number> {
  return listen(
    net.createServer((s) => {
      s.write(greeting);
      let pending = '';
      s.on('data', (chunk) => {
        pending += chunk.toString('latin1');
        let at: number;
        while ((at = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, at).replace(/\r$/, '');
          pending = pending.slice(at + 1);
          const reply = answer(line);
          if (reply === null) s.end();
          else if (reply) s.write(reply);
        }
      });
    }),
  );
}

/**
 * A small IMAP server: `login` 'refuse' answers every login NO [AUTHENTICATIONFAILED] as Dovecot
 * does; 'drop' lets the person in and then cuts the connection at the first mailbox command.
 */
const imapServer = (login: 'refuse' | 'drop') =>
  lineServer('* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n', (line) => {
    const [tag, command] = line.split(' ');
    switch ((command ?? '').toUpperCase()) {
      case 'CAPABILITY':
        return `* CAPABILITY IMAP4rev1 LITERAL+\r\n${tag} OK done\r\n`;
      case 'LOGIN':
      case 'AUTHENTICATE':
        return login === 'refuse' ? `${tag} NO [AUTHENTICATIONFAILED] Authentication failed.\r\n` : `${tag} OK [CAPABILITY IMAP4rev1 LITERAL+] Logged in\r\n`;
      case 'LOGOUT':
        return `* BYE\r\n${tag} OK bye\r\n`;
      case 'LIST':
        // imapflow asks for the hierarchy delimiter while connecting; the drop is at the folder list.
        if (line.endsWith('"" ""')) return `* LIST (\\Noselect) "/" ""\r\n${tag} OK done\r\n`;
        return null;
      case 'SELECT':
      case 'EXAMINE':
      case 'APPEND':
      case 'CREATE':
      case 'SEARCH':
        return null;
      default:
        return `${tag} OK done\r\n`;
    }
  });

/** A small POP3 server: 'refuse' answers every PASS -ERR [AUTH] (RFC 2449); 'drop' lets the person in, then hangs up at STAT. */
const pop3Server = (login: 'refuse' | 'drop') =>
  lineServer('+OK ready\r\n', (line) => {
    const command = line.split(' ')[0]!.toUpperCase();
    if (command === 'CAPA') return '+OK\r\nUSER\r\nRESP-CODES\r\n.\r\n';
    if (command === 'USER') return '+OK\r\n';
    if (command === 'PASS') return login === 'refuse' ? '-ERR [AUTH] Authentication failed.\r\n' : '+OK logged in\r\n';
    if (command === 'QUIT' || command === 'STAT') return null;
    return '-ERR unknown\r\n';
  });

// ---------------------------------------------------------------------------------------------
// The paths: each takes the same server and answers with the AppError the person would see.

interface Target {
  host: string;
  port: number;
  security: Security;
}

type PathName = 'send' | 'verify smtp' | 'verify imap' | 'verify pop3' | 'discovery' | 'imap' | 'pop3' | 'sent copy';

interface Seen {
  error: AppError;
  /** Discovery's words for the candidate, which must be the short words for the same code. */
  words?: string;
}

const trust = () => ({ extraCertificateAuthorities: [ca.cert] });

function account(t: Target, incoming: 'imap' | 'pop3' | null = null): StoredAccount {
  return {
    id: crypto.randomUUID(),
    description: 'test',
    email: 'alice@mailwright.test',
    displayName: 'Alice',
    smtp: { host: t.host, port: t.port, security: t.security, auth: 'password', username: 'alice' },
    incoming: incoming ? { protocol: incoming, host: t.host, port: t.port, security: t.security, username: 'alice', saveSentCopy: true } : null,
    signature: '',
    identities: [], oauth: null,
    createdAt: '',
    updatedAt: '',
  } as StoredAccount;
}

async function verified(t: Target, protocol: 'smtp' | 'imap' | 'pop3'): Promise<Seen> {
  const a = account(t, protocol === 'smtp' ? null : protocol);
  const report = await verifyAccount(
    { email: a.email, smtp: a.smtp, smtpCredentials: passwordCredential('alice', PASSWORD), incoming: a.incoming, incomingCredentials: passwordCredential('alice', PASSWORD) },
    { ...trust(), timeouts: { connectMs: WAIT_MS, replyMs: WAIT_MS } },
  );
  const failed = report.stages.find((s) => s.protocol === protocol && s.status === 'failed');
  if (!failed?.error) throw new Error(`verify ${protocol}: no failed stage (${JSON.stringify(report.stages)})`);
  return { error: failed.error };
}

const PATHS: Record<PathName, (t: Target) => Promise<Seen>> = {
  async send(t) {
    const job = await sendOnce(account(t), PASSWORD, {}, { ...trust(), timeouts: { connectMs: WAIT_MS, greetingMs: WAIT_MS, socketMs: WAIT_MS } });
    if (!job.lastError) throw new Error(`send: no error (state ${job.state})`);
    return { error: job.lastError };
  },
  'verify smtp': (t) => verified(t, 'smtp'),
  'verify imap': (t) => verified(t, 'imap'),
  'verify pop3': (t) => verified(t, 'pop3'),
  async discovery(t) {
    const outcome = await probeServer(
      { protocol: 'smtp', host: t.host, port: t.port, security: t.security === 'tls' ? 'tls' : 'starttls' },
      { addresses: [{ address: '127.0.0.1', family: 4 }], timeoutMs: WAIT_MS, ...trust(), signal: new AbortController().signal },
    );
    if (outcome.ok) throw new Error('discovery: the probe passed');
    return { error: { code: outcome.code, message: '' }, words: outcome.detail };
  },
  async imap(t) {
    const opened = await openImap({ account: account(t, 'imap'), ...passwordCredential('alice', PASSWORD), ...trust() }, { timeoutMs: WAIT_MS, socketTimeoutMs: WAIT_MS });
    if (opened.ok) {
      await closeImap(opened.value);
      throw new Error('imap: opened');
    }
    return { error: opened.error };
  },
  async pop3(t) {
    try {
      const client = await Pop3Client.connect({ host: t.host, port: t.port, security: t.security, tls: tlsOptionsFor(t.host, trust()), timeoutMs: WAIT_MS });
      try {
        await client.login('alice', PASSWORD);
        await client.stat();
      } finally {
        client.close();
      }
    } catch (error) {
      if (error instanceof Pop3Error) return { error: pop3Failure(error) };
      throw error;
    }
    throw new Error('pop3: logged in');
  },
  async 'sent copy'(t) {
    const emlPath = join(dir, 'sent.eml');
    writeFileSync(emlPath, 'From: alice@mailwright.test\r\nSubject: x\r\n\r\nx\r\n');
    const filed = await fileSentCopy({ account: account(t, 'imap'), credentials: passwordCredential('alice', PASSWORD), emlPath, messageId: '<x@mailwright.test>' }, { ...trust(), timeoutMs: WAIT_MS });
    if (filed.ok) throw new Error('sent copy: filed');
    return { error: filed.error };
  },
};

const ALL: PathName[] = ['send', 'verify smtp', 'verify imap', 'verify pop3', 'discovery', 'imap', 'pop3', 'sent copy'];
/** Discovery gets addresses already resolved (its DNS step has its own words, discovery/dns.ts). */
const ALL_BUT_DISCOVERY = ALL.filter((p) => p !== 'discovery');

interface Row {
  failure: string;
  expected: ErrorCode;
  paths: PathName[];
  target: () => Promise<Target>;
}

const on = (security: Security, port: () => Promise<number>) => async (): Promise<Target> => ({ host: '127.0.0.1', port: await port(), security });

const ROWS: Row[] = [
  { failure: 'connection refused (closed port)', expected: 'CONNECTION_REFUSED', paths: ALL, target: on('none', closedPort) },
  { failure: 'connection reset by the server', expected: 'CONNECTION_LOST', paths: ALL, target: on('none', resettingServer) },
  { failure: 'a silent server', expected: 'CONNECTION_TIMEOUT', paths: ALL, target: on('none', silentServer) },
  { failure: 'a name that does not resolve', expected: 'HOST_NOT_FOUND', paths: ALL_BUT_DISCOVERY, target: async () => ({ host: UNRESOLVABLE, port: 25, security: 'none' }) },
  { failure: 'certificate from an unknown authority', expected: 'TLS_UNTRUSTED_CERTIFICATE', paths: ALL, target: on('tls', async () => tlsServer(await otherCa.issue('stranger'))) },
  { failure: 'expired certificate', expected: 'TLS_CERTIFICATE_EXPIRED', paths: ALL, target: on('tls', async () => tlsServer(await ca.issue('expired', { expired: true }))) },
  { failure: 'certificate for another host name', expected: 'TLS_HOSTNAME_MISMATCH', paths: ALL, target: on('tls', async () => tlsServer(await ca.issue('elsewhere', { hosts: ['elsewhere.test'] }))) },
  {
    failure: 'expired certificate after STARTTLS',
    expected: 'TLS_CERTIFICATE_EXPIRED',
    paths: ['send', 'verify smtp', 'discovery'],
    target: on('starttls', async () => {
      const cert = await ca.issue('expired-starttls', { expired: true });
      return smtpServer({ key: cert.key, cert: cert.cert, disabledCommands: [] });
    }),
  },
  { failure: 'TLS spoken to a plain-text port', expected: 'TLS_HANDSHAKE_FAILED', paths: ALL, target: on('tls', plainTextServer) },
  {
    failure: 'SMTP 421 greeting (temporary)',
    expected: 'SERVER_BUSY',
    paths: ['send', 'verify smtp', 'discovery'],
    target: on('none', () => smtpServer({ onConnect: (_s, cb) => cb(refusal(421, 'Too busy, try later')) })),
  },
  {
    failure: 'SMTP 550 to MAIL FROM (permanent)',
    expected: 'SENDER_REFUSED',
    paths: ['send', 'verify smtp'],
    target: on('none', () =>
      smtpServer({ onAuth: (_a, _s, cb) => cb(null, { user: 'alice' }), onMailFrom: (_a, _s, cb) => cb(refusal(550, '5.7.1 Sender address rejected')) }),
    ),
  },
  {
    failure: 'SMTP AUTH refused (535)',
    expected: 'AUTH_FAILED',
    paths: ['send', 'verify smtp'],
    target: on('none', () => smtpServer({ onAuth: (_a, _s, cb) => cb(refusal(535, '5.7.8 Authentication credentials invalid')) })),
  },
  {
    failure: 'SMTP AUTH refused for now (454)',
    expected: 'SERVER_BUSY',
    paths: ['send', 'verify smtp'],
    target: on('none', () => smtpServer({ onAuth: (_a, _s, cb) => cb(refusal(454, '4.7.0 Temporary authentication failure')) })),
  },
  { failure: 'IMAP LOGIN refused (NO [AUTHENTICATIONFAILED])', expected: 'AUTH_FAILED', paths: ['verify imap', 'imap', 'sent copy'], target: on('none', () => imapServer('refuse')) },
  { failure: 'POP3 PASS refused (-ERR [AUTH])', expected: 'AUTH_FAILED', paths: ['verify pop3', 'pop3'], target: on('none', () => pop3Server('refuse')) },
  // Before: the Sent copy called any failure after sign-in "the server refused the request".
  { failure: 'IMAP connection dropped after sign-in', expected: 'CONNECTION_LOST', paths: ['verify imap', 'sent copy'], target: on('none', () => imapServer('drop')) },
  { failure: 'POP3 connection dropped after sign-in', expected: 'CONNECTION_LOST', paths: ['verify pop3', 'pop3'], target: on('none', () => pop3Server('drop')) },
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mailwright-net-failures-'));
  ca = await createTestCa(join(dir, 'ca'));
  otherCa = await createTestCa(join(dir, 'other-ca'));
  answerInvalidNamesHere();
}, 60_000);

afterAll(async () => {
  restoreResolver();
  await Promise.all(closers.map((close) => close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('one failure, one code, the same words on every path', () => {
  describe.each(ROWS)('$failure', (row) => {
    let target: Target;
    beforeAll(async () => {
      target = await row.target();
    });

    it.each(row.paths)(`%s says ${row.expected}`, async (path) => {
      const seen = await PATHS[path](target);
      expect({ path, code: seen.error.code }).toEqual({ path, code: row.expected });
      // The words the person reads: the renderer's sentence for the code, the same on every path.
      expect(explain(seen.error)).toEqual(explain({ code: row.expected, message: '' }));
      if (seen.words !== undefined) expect(seen.words.startsWith(shortWords(row.expected, target.host))).toBe(true);
    });
  });

  it('answered every lookup of the .invalid name itself (nothing left 127.0.0.1)', () => {
    expect(lookupsAnswered).toBeGreaterThan(0);
  });
});

/**
 * The outbox against SMTP servers that misbehave on cue (smtp-server on 127.0.0.1, implicit TLS
 * with a certificate from the test CA), and against real Postfix + Dovecot for a message with
 * every kind of part, read back over IMAP part by part.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ok } from '../../shared/result';
import { Outbox, type MessageInput, type OutboxJob, type OutboxOptions } from '../../src-main/services/outbox';
import type { StoredAccount } from '../../src-main/services/settings-store';
import { everyFileUnder } from '../support/files';
import { waitForMessage } from '../support/imap-read';
import { startMailServers, type MailServers } from '../support/mail-servers';
import { storedJob, testAccount, testMessage, until } from '../support/outbox-fixtures';
import { serveSmtp, smtpError, type ServeOptions, type TestSmtpServer } from '../support/outbox-smtp-server';
import { createTestCa, type IssuedCert, type TestCa } from '../support/test-ca';
import { passwordCredential } from '../../src-main/services/credentials';
import { fingerprintOf } from '../../src-main/services/tls-trust';

let dir: string;
let ca: TestCa;
let cert: IssuedCert;
const cleanup: Array<() => Promise<unknown> | unknown> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mailwright-outbox-int-'));
  ca = await createTestCa(join(dir, 'ca'));
  cert = await ca.issue('smtp');
});
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RETRY = { baseMs: 50, maxMs: 200, maxAttempts: 3, jitter: 0 };
// Generous for servers that answer (the machine may be busy); the silent ones get short ones.
const TIMEOUTS = { connectMs: 3000, greetingMs: 3000, socketMs: 3000 };
const SHORT = { smtp: { extraCertificateAuthorities: [] as string[], timeouts: { connectMs: 400, greetingMs: 400, socketMs: 800 } } };

async function server(options: ServeOptions = {}): Promise<TestSmtpServer> {
  const s = await serveSmtp({ secure: true, key: cert.key, cert: cert.cert, ...options });
  cleanup.push(() => s.close());
  return s;
}

interface Harness {
  outbox: Outbox;
  changes: OutboxJob[];
  failed: OutboxJob[];
  account: StoredAccount;
  folder: string;
  /** Enqueues and returns the job id. */
  send(message?: Partial<MessageInput>, extra?: { sendAt?: Date; draft?: unknown }): Promise<string>;
  /** Waits until the job is in one of `states` and returns it. */
  settled(id: string, states?: OutboxJob['state'][], timeoutMs?: number): Promise<OutboxJob>;
  states(id: string): OutboxJob['state'][];
}

async function harness(port: number, options: Partial<Omit<OutboxOptions, 'account'>> & { account?: StoredAccount; password?: string } = {}): Promise<Harness> {
  const { account: given, password, ...extra } = options;
  const folder = mkdtempSync(join(dir, 'outbox-'));
  const account = given ?? testAccount(port, 'tls');
  const changes: OutboxJob[] = [];
  const failed: OutboxJob[] = [];
  const outbox = await Outbox.open({
    dir: folder,
    account: () => ok({ account, credentials: passwordCredential(account.smtp.username, password) }),
    smtp: { extraCertificateAuthorities: [ca.cert], timeouts: TIMEOUTS },
    undoSeconds: 0,
    retry: RETRY,
    onChange: (j) => changes.push(j),
    onFailed: (j) => failed.push(j),
    ...extra,
  });
  cleanup.push(() => outbox.close());
  const find = (id: string) => outbox.list().find((j) => j.id === id);
  return {
    outbox,
    changes,
    failed,
    account,
    folder,
    async send(message = {}, more = {}) {
      const r = await outbox.enqueue({ accountId: account.id, message: testMessage(message), draft: more.draft ?? { n: 1 }, ...(more.sendAt ? { sendAt: more.sendAt } : {}) });
      if (!r.ok) throw new Error(`enqueue: ${JSON.stringify(r.error)}`);
      return r.value.id;
    },
    async settled(id, states = ['sent', 'failed', 'uncertain', 'cancelled'], timeoutMs = 8000) {
      await until(() => states.includes(find(id)!.state), timeoutMs, `job ${id} to be ${states.join('/')} (is ${find(id)?.state})`);
      return find(id)!;
    },
    // State changes in order (progress reports repeat 'sending': counted once).
    states: (id) => changes.filter((c) => c.id === id).map((c) => c.state).filter((st, i, all) => st !== all[i - 1]),
  };
}

const BOB = 'bob@mailwright.test';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('temporary failures are retried, with the same bytes', () => {
  it('451 at the end of the data, then success', async () => {
    let calls = 0;
    const s = await server({ onMessage: () => (++calls === 1 ? smtpError(451, '4.3.0 Try again later') : undefined) });
    const h = await harness(s.port);
    const id = await h.send();
    const job = await h.settled(id);
    expect(job).toMatchObject({ state: 'sent', attempts: 2, accepted: [BOB], refused: [], lastReply: expect.stringMatching(/^250/) });
    expect(job.lastError).toBeUndefined();
    expect(h.states(id)).toEqual(['queued', 'sending', 'retrying', 'sending', 'sent']);
    const retrying = h.changes.find((c) => c.state === 'retrying')!;
    expect(retrying.lastError).toMatchObject({ code: 'SERVER_BUSY', detail: { responseCode: 451, serverReply: '451 4.3.0 Try again later' } });
    expect(Date.parse(retrying.notBefore) - Date.parse(retrying.updatedAt)).toBe(50);
    expect(s.deliveries.map((d) => d.messageId)).toEqual([job.messageId]);
  });

  it('452 for one recipient: the others get it now, that one on a later attempt, nobody twice', async () => {
    const later = 'later@mailwright.test';
    let deferredOnce = false;
    const s = await server({
      onRcptTo: (address, _session, cb) => {
        if (address.address === later && !deferredOnce) {
          deferredOnce = true;
          return cb(smtpError(452, '4.5.3 Too many recipients, try later'));
        }
        cb();
      },
    });
    const h = await harness(s.port);
    const id = await h.send({ to: [{ address: BOB }, { address: later }] });
    const job = await h.settled(id);
    expect(job).toMatchObject({ state: 'sent', attempts: 2, accepted: [BOB, later], refused: [] });
    expect(h.states(id)).toEqual(['queued', 'sending', 'retrying', 'sending', 'sent']);
    expect(h.changes.find((c) => c.state === 'retrying')?.lastError).toMatchObject({ code: 'SERVER_BUSY', detail: { command: 'RCPT TO', refused: [{ address: later }] } });
    expect(s.deliveries.map((d) => d.to)).toEqual([[BOB], [later]]);
    expect(s.deliveries[0]!.raw.equals(s.deliveries[1]!.raw)).toBe(true);
  });

  it('no answer at all: retried, then failed after maxAttempts, with a notification', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise<void>((r) => {
      sockets.forEach((s) => s.destroy());
      silent.close(() => r());
    }));
    const h = await harness((silent.address() as AddressInfo).port, SHORT);
    const id = await h.send();
    const job = await h.settled(id);
    expect(job).toMatchObject({ state: 'failed', attempts: 3, lastError: { code: 'CONNECTION_TIMEOUT' } });
    expect(h.states(id)).toEqual(['queued', 'sending', 'retrying', 'sending', 'retrying', 'sending', 'failed']);
    expect(sockets).toHaveLength(3);
    expect(h.failed.map((j) => j.id)).toEqual([id]);
  });

  it('connection refused: retried, then failed', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const h = await harness(port);
    const job = await h.settled(await h.send());
    expect(job).toMatchObject({ state: 'failed', attempts: 3, lastError: { code: 'CONNECTION_REFUSED' } });
  });
});

describe('a server that worked before and now refuses the connection', () => {
  it('is "not answering now, will retry", not a wrong port; after the settings change it is a wrong port again', async () => {
    const s = await server();
    const h = await harness(s.port);
    expect(await h.settled(await h.send())).toMatchObject({ state: 'sent' });
    await s.close();
    const down = await h.settled(await h.send({ subject: 'While it is down' }));
    // Retried like any refused connection, in the words of a server that is down for now.
    expect(down).toMatchObject({ state: 'failed', attempts: 3, lastError: { code: 'SERVER_NOT_ANSWERING' } });
    expect(h.states(down.id)).toContain('retrying');

    // The same refusal for an account whose settings were saved after that success: nothing proves them, so it is CONNECTION_REFUSED.
    h.account.updatedAt = new Date(Date.now() + 60_000).toISOString();
    expect(await h.settled(await h.send({ subject: 'After a change' }))).toMatchObject({ state: 'failed', lastError: { code: 'CONNECTION_REFUSED' } });
  });
});

describe('a lane per account', () => {
  it('a server that accepts the connection and never answers holds none of another account’s mail', async () => {
    // The silent one: accepts, never says a word (as a server behind a broken firewall does).
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanup.push(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          silent.close(() => resolve());
        }),
    );
    const healthy = await server();
    const quiet = testAccount((silent.address() as AddressInfo).port, 'tls');
    const working = testAccount(healthy.port, 'tls');
    const folder = mkdtempSync(join(dir, 'outbox-'));
    const outbox = await Outbox.open({
      dir: folder,
      account: (id) => ok({ account: id === quiet.id ? quiet : working, credentials: passwordCredential('', undefined) }),
      // The silent server keeps its lane busy for the whole test: 20 s before the greeting times out.
      smtp: { extraCertificateAuthorities: [ca.cert], timeouts: { connectMs: 3000, greetingMs: 20_000, socketMs: 20_000 } },
      undoSeconds: 0,
      retry: RETRY,
      closeGraceMs: 50,
    });
    cleanup.push(() => outbox.close());
    const enqueue = async (account: StoredAccount, subject: string) => {
      const r = await outbox.enqueue({ accountId: account.id, message: testMessage({ subject }), draft: null });
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      return r.value.id;
    };
    const stuck = [await enqueue(quiet, 'into the silence 1'), await enqueue(quiet, 'into the silence 2')];
    await until(() => sockets.size === 2, 3000, 'two connections to the silent server');
    const started = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await enqueue(working, `through ${i}`));
    const stateOf = (id: string) => outbox.list().find((j) => j.id === id)!.state;
    await until(() => ids.every((id) => stateOf(id) === 'sent'), 8000, 'the working account’s ten messages to be sent');
    expect(Date.now() - started).toBeLessThan(8000);
    expect(healthy.deliveries.map((d) => d.raw.toString('latin1').match(/^Subject: (.*)\r$/m)?.[1]).sort()).toEqual(ids.map((_, i) => `through ${i}`).sort());
    // The silent server's messages are still waiting on their own lane, not failed and not retried.
    expect(stuck.map(stateOf)).toEqual(['sending', 'sending']);
  });
});

describe('permanent failures fail at once', () => {
  it('550 for some recipients: the others get it, the refused are listed with the reply', async () => {
    const s = await server({
      onRcptTo: (address, _s, cb) => (address.address.startsWith('nobody') ? cb(smtpError(550, '5.1.1 <nobody@mailwright.test>: Recipient address rejected')) : cb()),
    });
    const h = await harness(s.port);
    const job = await h.settled(await h.send({ to: [{ address: BOB }, { address: 'nobody@mailwright.test' }] }));
    expect(job).toMatchObject({ state: 'sent', attempts: 1, accepted: [BOB], refused: [{ address: 'nobody@mailwright.test', serverReply: expect.stringMatching(/^550 5\.1\.1/) }] });
    expect(s.deliveries.map((d) => d.to)).toEqual([[BOB]]);
  });

  it('every recipient refused: failed, RECIPIENTS_REFUSED, no data sent', async () => {
    const s = await server({ onRcptTo: (_a, _s, cb) => cb(smtpError(550, '5.1.1 User unknown')) });
    const h = await harness(s.port);
    const job = await h.settled(await h.send());
    expect(job).toMatchObject({ state: 'failed', attempts: 1, lastError: { code: 'RECIPIENTS_REFUSED', detail: { refused: [{ address: BOB }] } } });
    expect(s.commands).not.toContain('DATA');
  });

  it('larger than the SIZE the server advertises: refused before MAIL FROM, the sizes in the error', async () => {
    const s = await server({ size: 2000 });
    const h = await harness(s.port);
    const job = await h.settled(await h.send({ text: 'x'.repeat(10_000) }));
    expect(job).toMatchObject({ state: 'failed', attempts: 1, lastError: { code: 'MESSAGE_TOO_LARGE', detail: { command: 'EHLO', serverReply: 'SIZE 2000' } } });
    expect(job.lastError?.message).toContain(`${job.summary.sizeBytes} bytes`);
    expect(job.lastError?.message).toContain('2000 bytes');
    expect(s.connections).toBe(1);
    expect(s.commands).toEqual([]);
  });

  it('552 to MAIL FROM from a server that does not say its limit: no data sent', async () => {
    const s = await server({ hideSize: true, onMailFrom: (_a, _s, cb) => cb(smtpError(552, '5.3.4 Message size exceeds fixed limit')) });
    const h = await harness(s.port);
    const job = await h.settled(await h.send());
    expect(job).toMatchObject({ state: 'failed', attempts: 1, lastError: { code: 'MESSAGE_TOO_LARGE', detail: { responseCode: 552 } } });
    expect(s.commands).not.toContain('DATA');
    expect(s.deliveries).toEqual([]);
  });

  it('554 at the end of the data: failed, MESSAGE_REFUSED, with the reply', async () => {
    const s = await server({ onMessage: () => smtpError(554, '5.7.1 Message rejected as spam') });
    const h = await harness(s.port);
    const job = await h.settled(await h.send());
    expect(job).toMatchObject({ state: 'failed', attempts: 1, lastReply: '554 5.7.1 Message rejected as spam', lastError: { code: 'MESSAGE_REFUSED', detail: { responseCode: 554, command: 'DATA' } } });
    expect(h.failed).toHaveLength(1);
  });

  it('wrong password (535): failed at once, AUTH_FAILED, no password in the job files', async () => {
    const password = 'wrong-password-4711-unique';
    const s = await server({ authOptional: false, onAuth: (_a, _s, cb) => cb(smtpError(535, '5.7.8 Authentication credentials invalid')) });
    const h = await harness(s.port, { account: testAccount(s.port, 'tls', 'password', 'alice'), password });
    const job = await h.settled(await h.send());
    expect(job).toMatchObject({ state: 'failed', attempts: 1, lastError: { code: 'AUTH_FAILED', detail: { responseCode: 535 } } });
    const files = everyFileUnder(h.folder);
    expect(files).not.toContain(password);
    expect(files).not.toContain(Buffer.from(`\0alice\0${password}`).toString('base64'));
  });

  it('a certificate from an authority the app does not trust: failed at once', async () => {
    const s = await server();
    const h = await harness(s.port, { smtp: { timeouts: TIMEOUTS } });
    const job = await h.settled(await h.send());
    expect(job).toMatchObject({ state: 'failed', attempts: 1, lastError: { code: 'TLS_UNTRUSTED_CERTIFICATE' } });
    expect(s.commands).toEqual([]);
  });

  it('the server shows another certificate than the one pinned for it: "changed", not "untrusted authority"', async () => {
    const s = await server();
    const before = await ca.issue('smtp-before');
    const account = testAccount(s.port, 'tls');
    account.smtp.pinnedCertificate = { sha256: fingerprintOf(before.cert), pem: before.cert, trustedAt: '2026-11-02T10:00:00.000Z' };
    const h = await harness(s.port, { account, smtp: { timeouts: TIMEOUTS } });
    const job = await h.settled(await h.send());
    expect(job).toMatchObject({ state: 'failed', attempts: 1, lastError: { code: 'TLS_CERTIFICATE_CHANGED' } });
    expect(s.commands).toEqual([]);
  });
});

describe('may have been sent', () => {
  it('connection dropped after every byte was handed over (no reply to the final dot): uncertain, never retried on its own', async () => {
    // Dropped once the whole message arrived: the client wrote its final dot and never heard back.
    const s = await server({ onMessage: (_delivery, session, api) => new Promise(() => api.drop(session)) });
    const h = await harness(s.port);
    const id = await h.send({ text: 'line of text\n'.repeat(50_000) });
    const job = await h.settled(id);
    expect(job).toMatchObject({ state: 'uncertain', attempts: 1, lastError: { code: 'CONNECTION_LOST' } });
    await sleep(300);
    expect(s.connections).toBe(1);
    expect(h.outbox.list()[0]!.state).toBe('uncertain');
    expect(storedJob(h.folder, id)).toMatchObject({ state: 'uncertain' });
  });

  it('connection dropped in the middle of the data, before the final dot went out: not taken, tried again', async () => {
    // A message far larger than the socket buffers, dropped at its first bytes: the client is still
    // writing it, its final dot never goes out, so no server can have taken it.
    const s = await server({ onDataStart: (stream, session, api) => stream.once('data', () => api.drop(session)) });
    const h = await harness(s.port);
    const id = await h.send({ text: 'line of text\n'.repeat(800_000) });
    const job = await h.settled(id, ['sent', 'failed', 'uncertain'], 20_000);
    expect(job).toMatchObject({ state: 'failed', attempts: 3, lastError: { code: 'CONNECTION_LOST' } });
    expect(h.states(id)).not.toContain('uncertain');
    expect(s.connections).toBe(3);
    expect(s.deliveries).toEqual([]);
  }, 30_000);

  it('no final reply after the data (timeout): uncertain', async () => {
    const s = await server({ onMessage: () => new Promise(() => {}) });
    const h = await harness(s.port, { smtp: { extraCertificateAuthorities: [ca.cert], timeouts: { ...TIMEOUTS, socketMs: 1200 } } });
    const job = await h.settled(await h.send(), undefined, 8000);
    expect(job).toMatchObject({ state: 'uncertain', attempts: 1, lastError: { code: 'CONNECTION_TIMEOUT' } });
    expect(s.connections).toBe(1);
  });
});

describe('envelope and message', () => {
  it('Bcc in the envelope only; IDN domains as punycode; progress in bytes while sending', async () => {
    const s = await server();
    const h = await harness(s.port);
    const id = await h.send({
      to: [{ name: 'Bob', address: BOB }],
      bcc: [{ address: 'carol@bücher.example' }],
      text: 'x'.repeat(300_000),
    });
    const job = await h.settled(id);
    expect(job.state).toBe('sent');
    expect(s.lines.filter((l) => l.startsWith('RCPT'))).toEqual([`RCPT TO:<${BOB}>`, 'RCPT TO:<carol@xn--bcher-kva.example>']);
    expect(s.deliveries[0]!.to).toEqual([BOB, 'carol@bücher.example']);
    expect(s.deliveries[0]!.raw.toString('latin1')).not.toMatch(/carol|^bcc:/im);
    const progress = h.changes.filter((c) => c.id === id && c.progress).map((c) => c.progress!);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toEqual({ sentBytes: job.summary.sizeBytes, totalBytes: job.summary.sizeBytes });
    expect(job.progress).toBeUndefined();
  });

  it('a non-ASCII local part: sent with SMTPUTF8 where offered, refused for good where not', async () => {
    const utf8 = await server();
    const h1 = await harness(utf8.port);
    expect(await h1.settled(await h1.send({ to: [{ address: 'jörg@mailwright.test' }] }))).toMatchObject({ state: 'sent' });
    expect(utf8.deliveries[0]).toMatchObject({ to: ['jörg@mailwright.test'], mailArgs: { SMTPUTF8: true } });

    const ascii = await server({ hideSMTPUTF8: true });
    const h2 = await harness(ascii.port);
    const job = await h2.settled(await h2.send({ to: [{ address: BOB }, { address: 'jörg@mailwright.test' }] }));
    expect(job).toMatchObject({ state: 'failed', attempts: 1, lastError: { code: 'SMTPUTF8_UNSUPPORTED', detail: { command: 'EHLO', refused: [{ address: 'jörg@mailwright.test' }] } } });
    expect(job.lastError?.message).toMatch(/SMTPUTF8/);
    expect(ascii.commands).toEqual([]);
  });
});

describe('undo and send later', () => {
  it('undo within the window: never sent', async () => {
    const s = await server();
    const h = await harness(s.port, { undoSeconds: 0.5 });
    const id = await h.send({}, { draft: { reopen: true } });
    expect(await h.outbox.undo(id)).toMatchObject({ ok: true, value: { state: 'cancelled', draft: { reopen: true } } });
    await sleep(800);
    expect(s.connections).toBe(0);
  });

  it('send later: sent at its time, not before', async () => {
    const s = await server();
    const h = await harness(s.port);
    const at = new Date(Date.now() + 700);
    const id = await h.send({}, { sendAt: at });
    await sleep(400);
    expect(s.connections).toBe(0);
    const job = await h.settled(id);
    expect(job).toMatchObject({ state: 'sent', scheduled: true });
    expect(Date.parse(h.changes.find((c) => c.id === id && c.state === 'sending')!.updatedAt)).toBeGreaterThanOrEqual(at.getTime());
    expect(s.deliveries).toHaveLength(1);
  });
});

describe('through real Postfix into Dovecot', () => {
  let servers: MailServers;
  beforeAll(async () => {
    servers = await startMailServers();
  }, 90_000);
  afterAll(async () => {
    await servers?.stop();
  });

  it('html + text + an inline image + two attachments (non-ASCII name, over 1 MB), read back part by part', async () => {
    const [alice, bob] = [servers.users[0]!, servers.users[1]!];
    const files = mkdtempSync(join(dir, 'files-'));
    // A valid 1x1 PNG.
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5d0a1c40000000049454e44ae426082', 'hex');
    const big = randomBytes(1_300_000);
    const pdf = Buffer.from('%PDF-1.4\n% Überweisung\n' + 'äöü '.repeat(500));
    writeFileSync(join(files, 'logo.png'), png);
    writeFileSync(join(files, 'big.bin'), big);
    writeFileSync(join(files, 'rechnung.pdf'), pdf);
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

    const account: StoredAccount = {
      ...testAccount(servers.submission.starttlsPort, 'starttls', 'password', alice.username),
      email: alice.address,
    };
    const h = await harness(servers.submission.starttlsPort, {
      account,
      password: alice.password,
      smtp: { extraCertificateAuthorities: [servers.ca], timeouts: { connectMs: 5000, greetingMs: 5000, socketMs: 10_000 } },
    });
    const tag = `outbox-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const text = `Hallo Bob,\nsiehe Anhang. ${tag}\n`;
    const html = `<p>Hallo Bob, <b>siehe Anhang</b>. ${tag}</p><p><img src="cid:logo@mailwright" alt="logo"></p>`;
    const id = await h.send({
      from: { name: 'Alice Liddell', address: alice.address },
      to: [{ name: 'Bob', address: bob.address }],
      subject: `Rechnung März ${tag}`,
      text,
      html,
      attachments: [
        { filename: 'logo.png', path: join(files, 'logo.png'), contentType: 'image/png', cid: 'logo@mailwright' },
        { filename: 'Überweisung – März.pdf', path: join(files, 'rechnung.pdf'), contentType: 'application/pdf' },
        { filename: 'big.bin', path: join(files, 'big.bin') },
      ],
    });
    const job = await h.settled(id, undefined, 20_000);
    expect(job, JSON.stringify(job.lastError)).toMatchObject({ state: 'sent', attempts: 1, accepted: [bob.address], refused: [] });
    expect(job.summary.sizeBytes).toBeGreaterThan(1_300_000);

    const raw = await waitForMessage(servers, bob, (s) => s.includes(tag), 15_000);
    const mail = await simpleParser(raw);
    expect(mail.messageId).toBe(job.messageId);
    expect(mail.subject).toBe(`Rechnung März ${tag}`);
    expect(mail.text?.replace(/\r\n/g, '\n')).toBe(text);
    expect(mail.html).toContain(`<b>siehe Anhang</b>. ${tag}`);
    expect(raw).toMatch(/multipart\/mixed/i);
    expect(raw).toMatch(/multipart\/alternative/i);
    expect(raw).toMatch(/multipart\/related/i);

    const byName = Object.fromEntries(mail.attachments.map((a) => [a.filename, a]));
    expect(Object.keys(byName).sort()).toEqual(['big.bin', 'logo.png', 'Überweisung – März.pdf'].sort());
    expect(byName['logo.png']).toMatchObject({ contentType: 'image/png', cid: 'logo@mailwright', related: true });
    expect(sha(byName['logo.png']!.content)).toBe(sha(png));
    expect(byName['Überweisung – März.pdf']).toMatchObject({ contentType: 'application/pdf', contentDisposition: 'attachment' });
    expect(sha(byName['Überweisung – März.pdf']!.content)).toBe(sha(pdf));
    expect(byName['big.bin']!.size).toBe(big.length);
    expect(sha(byName['big.bin']!.content)).toBe(sha(big));
  }, 60_000);
});

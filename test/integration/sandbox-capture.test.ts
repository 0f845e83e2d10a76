/**
 * The sandbox's capture server (src-main/services/sandbox/capture.ts) with real SMTP clients on
 * 127.0.0.1: a client without the run's secret is refused and nothing it sends is stored; with it,
 * every message is kept byte for byte with its envelope (Bcc included), across a restart, within
 * the size limit, and cleared on request.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src-main/services/logger';
import { startCaptureServer, type CaptureServer } from '../../src-main/services/sandbox/capture';

const root = mkdtempSync(join(tmpdir(), 'mailwright-sandbox-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const open: CaptureServer[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

async function start(dir: string, over: { maxStoreBytes?: number; maxMessageBytes?: number; random?: () => number } = {}) {
  const server = await startCaptureServer({ dir, logger: silentLogger, ...over });
  open.push(server);
  return server;
}

const transport = (server: CaptureServer, auth?: { user: string; pass: string }) =>
  nodemailer.createTransport({ host: '127.0.0.1', port: server.port, secure: false, ignoreTLS: true, ...(auth ? { auth } : {}), connectionTimeout: 5000 });

/** The exact bytes a client sends (nodemailer's raw message), so "byte for byte" can be checked. */
const raw = (subject: string, body = 'Hello from the sandbox test.') =>
  Buffer.from(
    [`From: Alice <alice@example.org>`, `To: Bob <bob@example.org>`, `Subject: ${subject}`, `Message-ID: <${subject.replace(/\W/g, '')}@example.org>`, `Date: Sat, 05 Dec 2026 03:40:00 +0000`, '', body, ''].join('\r\n'),
  );

describe('the sandbox capture server', () => {
  it('listens on 127.0.0.1 only and refuses a client without the run’s secret: nothing is stored', async () => {
    const dir = join(root, 'refuse');
    const server = await start(dir);
    expect(server.host).toBe('127.0.0.1');
    // No AUTH at all: refused at MAIL.
    await expect(transport(server).sendMail({ envelope: { from: 'x@example.org', to: ['y@example.org'] }, raw: raw('No auth') })).rejects.toMatchObject({ responseCode: 530 });
    // A wrong password, and the right password with another user name.
    await expect(transport(server, { user: server.credentials.user, pass: 'guess' }).sendMail({ envelope: { from: 'x@example.org', to: ['y@example.org'] }, raw: raw('Wrong') })).rejects.toMatchObject({
      responseCode: 535,
    });
    await expect(transport(server, { user: 'someone', pass: server.credentials.pass }).sendMail({ envelope: { from: 'x@example.org', to: ['y@example.org'] }, raw: raw('Other user') })).rejects.toMatchObject({
      responseCode: 535,
    });
    expect(server.list()).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
    // Each run has its own secret.
    const other = await start(join(root, 'refuse-2'));
    expect(other.credentials.pass).not.toBe(server.credentials.pass);
    expect(server.credentials.pass.length).toBeGreaterThanOrEqual(32);
  });

  it('keeps each message byte for byte with its envelope (Bcc included), across a restart, and clears on request', async () => {
    const dir = join(root, 'keep');
    const server = await start(dir);
    const bytes = raw('Kept');
    const info = await transport(server, server.credentials).sendMail({ envelope: { from: 'bounce@example.org', to: ['bob@example.org', 'hidden@example.org'] }, raw: bytes });
    expect(info.accepted).toEqual(['bob@example.org', 'hidden@example.org']);
    const [kept] = server.list();
    expect(kept).toMatchObject({ envelope: { mailFrom: 'bounce@example.org', rcptTo: ['bob@example.org', 'hidden@example.org'] } });
    const stored = await server.read(kept!.id);
    // smtp-server undoes the dot-stuffing; the message is what the client meant to send.
    expect(stored?.equals(bytes)).toBe(true);
    expect(kept!.size).toBe(bytes.length);

    // A restart on the same folder finds it; an unanswered capture (message without record) is removed, a damaged record set aside.
    await server.close();
    open.splice(open.indexOf(server), 1);
    writeFileSync(join(dir, '11111111-1111-4111-8111-111111111111.eml'), 'half');
    writeFileSync(join(dir, '22222222-2222-4222-8222-222222222222.eml'), 'whole');
    writeFileSync(join(dir, '22222222-2222-4222-8222-222222222222.json'), '{"id": "22222222-2222-4222-8222-222222222222", "size": 999');
    const again = await start(dir);
    expect(again.list().map((m) => m.id)).toEqual([kept!.id]);
    expect((await again.read(kept!.id))?.equals(bytes)).toBe(true);
    expect(existsSync(join(dir, '11111111-1111-4111-8111-111111111111.eml'))).toBe(false);
    expect(existsSync(join(dir, '22222222-2222-4222-8222-222222222222.json.damaged'))).toBe(true);
    // The old secret does not open the new run.
    await expect(transport(again, server.credentials).sendMail({ envelope: { from: 'a@example.org', to: ['b@example.org'] }, raw: raw('Old secret') })).rejects.toMatchObject({ responseCode: 535 });

    await again.clear();
    expect(again.list()).toEqual([]);
    expect(again.storedBytes()).toBe(0);
    expect(readdirSync(dir).filter((n) => n.endsWith('.eml') || n.endsWith('.json'))).toEqual([]);
  });

  it('refuses what would pass the store’s limit (452) or the message limit (552), leaving nothing half-written', async () => {
    const dir = join(root, 'limits');
    const server = await start(dir, { maxStoreBytes: 4000, maxMessageBytes: 3000 });
    const send = (subject: string, body: string) => transport(server, server.credentials).sendMail({ envelope: { from: 'a@example.org', to: ['b@example.org'] }, raw: raw(subject, body) });
    await send('First', 'x'.repeat(2000));
    expect(server.list()).toHaveLength(1);
    await expect(send('Too big', 'y'.repeat(3500))).rejects.toMatchObject({ responseCode: 552 });
    await expect(send('Store full', 'z'.repeat(2500))).rejects.toMatchObject({ responseCode: 452 });
    expect(server.list()).toHaveLength(1);
    expect(readdirSync(dir).sort()).toEqual([`${server.list()[0]!.id}.eml`, `${server.list()[0]!.id}.json`].sort());
    await server.clear();
    await send('After clearing', 'z'.repeat(2500));
    expect(server.list()).toHaveLength(1);
  });
});

/** One client connection, driven step by step (nodemailer's own SMTP client, as the outbox uses). */
function client(server: CaptureServer) {
  const c = new SMTPConnection({ host: '127.0.0.1', port: server.port, ignoreTLS: true, connectionTimeout: 5000, greetingTimeout: 5000, socketTimeout: 5000, logger: false });
  const errors: Error[] = [];
  c.on('error', (e: Error) => errors.push(e));
  const closed = new Promise<void>((resolve) => c.once('end', () => resolve()));
  return {
    c,
    errors,
    closed,
    // A failure while connecting (a refused greeting) comes as an 'error' event, not to the callback.
    connect: () =>
      new Promise<void>((resolve, reject) => {
        c.once('error', reject);
        c.connect((e) => (e ? reject(e) : resolve()));
      }),
    login: () => new Promise<void>((resolve, reject) => c.login(server.credentials, (e) => (e ? reject(e) : resolve()))),
    send: (to: string[], subject: string) =>
      new Promise<SMTPConnection.SentMessageInfo>((resolve, reject) => c.send({ from: 'a@example.org', to }, raw(subject), (e, info) => (e ? reject(e) : resolve(info)))),
  };
}

describe('the sandbox’s faults at the protocol level', () => {
  it('a change of faults reaches a connection already open at its next step', async () => {
    const server = await start(join(root, 'live'));
    const one = client(server);
    await one.connect();
    await one.login();
    await one.send(['b@example.org'], 'Before');
    server.setFaults({ rules: [{ kind: 'reply', stage: 'mail', code: 451, text: '4.3.0 Not now', probability: 1 }] });
    await expect(one.send(['b@example.org'], 'During')).rejects.toMatchObject({ responseCode: 451, response: expect.stringContaining('Not now') });
    expect(server.list()).toHaveLength(1);
    one.c.close();
  });

  it('recipient patterns: "*" stands for any characters, case does not matter, other recipients are accepted', async () => {
    const server = await start(join(root, 'pattern'));
    server.setFaults({ rules: [{ kind: 'reply', stage: 'rcpt', code: 550, text: '5.1.1 Unknown', probability: 1, recipients: '*@Bounce.example.org' }] });
    const info = await transport(server, server.credentials).sendMail({ envelope: { from: 'a@example.org', to: ['x@bounce.EXAMPLE.org', 'y@example.org', 'z@bounce.example.org.evil'] }, raw: raw('Pattern') });
    expect(info.accepted).toEqual(['y@example.org', 'z@bounce.example.org.evil']);
    expect(info.rejected).toEqual(['x@bounce.example.org']);
    expect(server.list().map((m) => m.envelope.rcptTo)).toEqual([['y@example.org', 'z@bounce.example.org.evil']]);
  });

  it('a slow link holds a refusal back and still sends it before closing; close() does not wait for held replies', async () => {
    const server = await start(join(root, 'slow'));
    server.setFaults({
      rules: [
        { kind: 'slow', delayMs: 400, probability: 1 },
        { kind: 'reply', stage: 'greeting', code: 421, text: '4.3.2 Going away', probability: 1 },
      ],
    });
    const started = Date.now();
    const refused = client(server);
    await expect(refused.connect()).rejects.toMatchObject({ responseCode: 421 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);

    // A reply held for a minute: close() ends the connection at once, and no timer keeps the server alive.
    server.setFaults({ rules: [{ kind: 'slow', delayMs: 60_000, probability: 1 }] });
    const waiting = client(server);
    void waiting.connect().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    const closing = Date.now();
    await server.close();
    open.splice(open.indexOf(server), 1);
    await waiting.closed;
    expect(Date.now() - closing).toBeLessThan(2000);
  });
});

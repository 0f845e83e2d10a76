/**
 * Connections reused (issue 13): the outbox keeps its authenticated SMTP connection open between
 * messages (outbox/sessions.ts). Against real Postfix: many messages, one connection and one AUTH in
 * its log. Against smtp-server misbehaving on cue: a 421 mid-batch, a server that drops idle
 * connections or answers RSET with 421, a cut while one message's data is in flight; the "may have
 * been sent" rule stays exact, and nothing is sent twice.
 */
import { readdirSync, readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ok } from '../../shared/result';
import { Outbox, type OutboxJob, type OutboxOptions } from '../../src-main/services/outbox';
import { deliverBySmtp } from '../../src-main/services/outbox/deliver';
import { laneKey, SmtpSessions } from '../../src-main/services/outbox/sessions';
import type { StoredAccount } from '../../src-main/services/settings-store';
import { fixedCredential, passwordCredential, type CredentialSource } from '../../src-main/services/credentials';
import { SMTPConnection as ServerConnection } from 'smtp-server/lib/smtp-connection';
import { startMailServers, type MailServers } from '../support/mail-servers';
import { jobRecord, testAccount, testMessage, until } from '../support/outbox-fixtures';
import { serveSmtp, smtpError, type ServeOptions, type TestSmtpServer } from '../support/outbox-smtp-server';
import { createTestCa, type IssuedCert, type TestCa } from '../support/test-ca';

let dir: string;
let ca: TestCa;
let cert: IssuedCert;
const cleanup: Array<() => Promise<unknown> | unknown> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mailwright-sessions-'));
  ca = await createTestCa(join(dir, 'ca'));
  cert = await ca.issue('smtp');
});
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RETRY = { baseMs: 5_000, maxMs: 5_000, maxAttempts: 3, jitter: 0 };
const TIMEOUTS = { connectMs: 5000, greetingMs: 5000, socketMs: 5000 };
const PASSWORD = 'secret-4711';

/** Counts AUTH commands and connections; signs in alice with PASSWORD only. */
async function server(options: ServeOptions = {}): Promise<TestSmtpServer & { auths: number }> {
  const s = await serveSmtp({
    secure: true,
    key: cert.key,
    cert: cert.cert,
    authOptional: false,
    onAuth: (auth, _session, cb) => {
      counted.auths++;
      return auth.username === 'alice' && auth.password === PASSWORD ? cb(null, { user: 'alice' }) : cb(smtpError(535, '5.7.8 Authentication credentials invalid'));
    },
    ...options,
  });
  const counted = Object.assign(s, { auths: 0 });
  cleanup.push(() => s.close());
  return counted;
}

/** Counts how often the credential is read. */
function countingCredential(username: string, password: string): CredentialSource & { reads: number } {
  const inner = passwordCredential(username, password);
  const source = {
    reads: 0,
    credential: () => {
      source.reads++;
      return inner.credential();
    },
    refused: inner.refused,
  };
  return source;
}

async function outboxFor(account: StoredAccount, credentials: CredentialSource, extra: Partial<OutboxOptions> = {}) {
  const folder = mkdtempSync(join(dir, 'outbox-'));
  const changes: OutboxJob[] = [];
  const outbox = await Outbox.open({
    dir: folder,
    account: () => ok({ account, credentials }),
    smtp: { extraCertificateAuthorities: [ca.cert], timeouts: TIMEOUTS },
    undoSeconds: 0,
    retry: RETRY,
    onChange: (j) => changes.push(j),
    ...extra,
  });
  cleanup.push(() => outbox.close());
  const send = async (subject: string, from = 'alice@mailwright.test', to = 'bob@mailwright.test', sendAt?: Date) => {
    const r = await outbox.enqueue({ accountId: account.id, message: testMessage({ subject, from: { name: 'Alice', address: from }, to: [{ address: to }] }), draft: null, ...(sendAt ? { sendAt } : {}) });
    if (!r.ok) throw new Error(`enqueue: ${r.error.code}`);
    return r.value;
  };
  const finished = (ids: string[], timeoutMs = 20_000) =>
    until(() => ids.every((id) => ['sent', 'failed', 'uncertain'].includes(outbox.list().find((j) => j.id === id)!.state)), timeoutMs, 'every job to finish');
  const job = (id: string) => outbox.list().find((j) => j.id === id)!;
  const states = (id: string) => changes.filter((c) => c.id === id).map((c) => c.state).filter((st, i, all) => st !== all[i - 1]);
  return { outbox, send, finished, job, states };
}

/** One connection per lane, so what these tests count is reuse alone (the lane may open more: see below). */
const oneLane = (account: StoredAccount): StoredAccount => ({ ...account, smtp: { ...account.smtp, maxConnections: 1 } });
const tlsAccount = (port: number) => oneLane(testAccount(port, 'tls', 'password', 'alice'));

describe('many messages on one connection', () => {
  it('20 messages: one connection, one AUTH, the credential read once; every message once', async () => {
    const s = await server();
    const credentials = countingCredential('alice', PASSWORD);
    const o = await outboxFor(tlsAccount(s.port), credentials);
    const jobs = [];
    for (let i = 0; i < 20; i++) jobs.push(await o.send(`Message ${i}`));
    await o.finished(jobs.map((j) => j.id));
    for (const j of jobs) expect(o.job(j.id)).toMatchObject({ state: 'sent', attempts: 1 });
    expect(s.deliveries.map((d) => d.messageId).sort()).toEqual(jobs.map((j) => j.messageId).sort());
    expect(s.connections).toBe(1);
    expect(s.auths).toBe(1);
    expect(credentials.reads).toBe(1);
    // Between messages, RSET (not a new session).
    expect(s.lines.filter((l) => l === 'RSET')).toHaveLength(19);
  });

  it('a lane with maxConnections 3 opens three connections for 30 messages due at once, each signed in once and reused', async () => {
    const s = await server();
    const account = { ...tlsAccount(s.port), smtp: { ...tlsAccount(s.port).smtp, maxConnections: 3 } };
    const o = await outboxFor(account, passwordCredential('alice', PASSWORD));
    const jobs = [];
    const at = new Date(Date.now() + 500);
    for (let i = 0; i < 30; i++) jobs.push(await o.send(`Message ${i}`, undefined, undefined, at));
    await o.finished(jobs.map((j) => j.id));
    expect(s.deliveries.map((d) => d.messageId).sort()).toEqual(jobs.map((j) => j.messageId).sort());
    expect(s.connections).toBe(3);
    expect(s.auths).toBe(3);
  });

  it('a changed account (saved again) gets a fresh connection, not the one opened with the old settings', async () => {
    const s = await server();
    const account = tlsAccount(s.port);
    const o = await outboxFor(account, passwordCredential('alice', PASSWORD));
    const first = await o.send('Before');
    await o.finished([first.id]);
    account.updatedAt = new Date().toISOString();
    const second = await o.send('After');
    await o.finished([second.id]);
    expect(o.job(second.id)).toMatchObject({ state: 'sent', attempts: 1 });
    expect(s.connections).toBe(2);
    expect(s.auths).toBe(2);
    // The new settings' connection is the one kept from then on.
    const third = await o.send('Later');
    await o.finished([third.id]);
    expect(s.connections).toBe(2);
    expect(s.auths).toBe(2);
  });
});

describe('OAuth2 (XOAUTH2)', () => {
  it('a kept connection is used while its access token is current; a new token opens a new session', async () => {
    const tokens: string[] = [];
    const s = await server({
      authMethods: ['XOAUTH2'],
      onAuth: (auth, _session, cb) => {
        tokens.push(auth.accessToken ?? '');
        return auth.username === 'alice' && auth.accessToken?.startsWith('token-') ? cb(null, { user: 'alice' }) : cb(null, { data: { status: '401' } });
      },
    });
    const account = { ...testAccount(s.port, 'tls', 'password', 'alice'), smtp: { ...testAccount(s.port, 'tls').smtp, auth: 'oauth2' as const, username: 'alice', maxConnections: 1 } };
    let token = 'token-1';
    const credentials: CredentialSource = { credential: () => fixedCredential({ kind: 'oauth2', username: 'alice', accessToken: token }).credential(), refused: () => false };
    const o = await outboxFor(account, credentials);
    const first = [await o.send('One'), await o.send('Two'), await o.send('Three')];
    await o.finished(first.map((j) => j.id));
    expect(s.connections).toBe(1);
    token = 'token-2';
    const later = await o.send('Four');
    await o.finished([later.id]);
    for (const j of [...first, later]) expect(o.job(j.id)).toMatchObject({ state: 'sent', attempts: 1 });
    expect(tokens).toEqual(['token-1', 'token-2']);
    expect(s.connections).toBe(2);
  });
});

describe('a server that ends the session', () => {
  it('421 after 5 messages mid-batch: the rest go on a new connection at once, every message exactly once, no attempt used', async () => {
    const K = 5;
    const mails = new Map<string, number>();
    const s = await server({
      onMailFrom: (_address, session, cb) => {
        const n = (mails.get(session.id) ?? 0) + 1;
        mails.set(session.id, n);
        // The first connection only: it has carried K messages and the server wants it gone.
        if (mails.size === 1 && n === K + 1) return cb(smtpError(421, '4.7.0 Too many messages in this session, closing'));
        cb();
      },
    });
    const o = await outboxFor(tlsAccount(s.port), passwordCredential('alice', PASSWORD));
    const jobs = [];
    for (let i = 0; i < 12; i++) jobs.push(await o.send(`Message ${i}`));
    await o.finished(jobs.map((j) => j.id));
    for (const j of jobs) {
      expect(o.job(j.id)).toMatchObject({ state: 'sent', attempts: 1 });
      expect(o.states(j.id)).toEqual(['queued', 'sending', 'sent']);
    }
    const delivered = s.deliveries.map((d) => d.messageId);
    expect(delivered).toHaveLength(12);
    expect(new Set(delivered)).toEqual(new Set(jobs.map((j) => j.messageId)));
    expect(s.connections).toBe(2);
    expect([...mails.values()]).toEqual([K + 1, 12 - K]);
  });

  it('a server that drops idle connections: the next message reconnects without a retry, attempts 1', async () => {
    // smtp-server ends a session quiet for socketTimeout with "421 Timeout - closing connection".
    const s = await server({ socketTimeout: 1000 });
    const o = await outboxFor(tlsAccount(s.port), passwordCredential('alice', PASSWORD));
    const busy = [await o.send('First'), await o.send('Second')];
    await o.finished(busy.map((j) => j.id));
    expect(s.connections).toBe(1);
    await new Promise((r) => setTimeout(r, 2200));
    const after = await o.send('After a pause');
    await o.finished([after.id]);
    expect(o.job(after.id)).toMatchObject({ state: 'sent', attempts: 1 });
    expect(o.states(after.id)).toEqual(['queued', 'sending', 'sent']);
    expect(s.deliveries.map((d) => d.messageId)).toEqual([...busy, after].map((j) => j.messageId));
    expect(s.connections).toBe(2);
  });

  it('a kept connection answered 421 to RSET: closed, and the message goes at once on one fresh connection', async () => {
    const s = await server();
    const o = await outboxFor(tlsAccount(s.port), passwordCredential('alice', PASSWORD));
    const first = await o.send('First');
    await o.finished([first.id]);
    // smtp-server has no hook for RSET: its sessions answer it through this prototype method.
    const proto = ServerConnection.prototype as unknown as { handler_RSET: (command: unknown, callback: () => void) => void; send(code: number, message: string): void };
    const original = proto.handler_RSET;
    cleanup.push(() => (proto.handler_RSET = original));
    let refused = 0;
    proto.handler_RSET = function (this: typeof proto, command, callback) {
      if (refused++) return original.call(this, command, callback);
      this.send(421, '4.4.2 Idle too long, closing connection');
      callback();
    };
    const second = await o.send('Second');
    await o.finished([second.id]);
    expect(refused).toBe(1);
    expect(o.job(second.id)).toMatchObject({ state: 'sent', attempts: 1 });
    expect(o.states(second.id)).toEqual(['queued', 'sending', 'sent']);
    expect(s.deliveries.map((d) => d.messageId)).toEqual([first.messageId, second.messageId]);
    expect(s.connections).toBe(2);
  });
});

describe('may have been sent', () => {
  it('the connection cut while message 4 is going out: only message 4 is uncertain, the others are sent, none twice', async () => {
    let starts = 0;
    const s = await server({
      onDataStart: (stream, session, api) => {
        if (++starts === 4) stream.once('data', () => api.drop(session));
      },
    });
    const o = await outboxFor(tlsAccount(s.port), passwordCredential('alice', PASSWORD));
    const jobs = [];
    for (let i = 0; i < 8; i++) jobs.push(await o.send(`Message ${i}`));
    await o.finished(jobs.map((j) => j.id));
    const byState = jobs.map((j) => o.job(j.id).state);
    expect(byState).toEqual(['sent', 'sent', 'sent', 'uncertain', 'sent', 'sent', 'sent', 'sent']);
    expect(o.job(jobs[3]!.id)).toMatchObject({ attempts: 1, lastError: { code: 'CONNECTION_LOST' } });
    const delivered = s.deliveries.map((d) => d.messageId);
    expect(delivered).toEqual(jobs.filter((_, i) => i !== 3).map((j) => j.messageId));
    expect(s.connections).toBe(2);
  });
});

/** One delivery straight through deliverBySmtp (no outbox), plaintext, no sign-in. */
function directDelivery(port: number, sessions: SmtpSessions, beforeTransmit: () => Promise<void> = async () => undefined) {
  const account = testAccount(port, 'none', 'none');
  const eml = join(mkdtempSync(join(dir, 'eml-')), 'm.eml');
  const raw = 'From: alice@mailwright.test\r\nTo: bob@mailwright.test\r\nSubject: Hello\r\n\r\nHello\r\n';
  writeFileSync(eml, raw);
  const deliver = () =>
    deliverBySmtp({
      job: { ...jobRecord(), draft: null },
      emlPath: eml,
      sizeBytes: raw.length,
      recipients: ['bob@mailwright.test'],
      account,
      credentials: passwordCredential('', undefined),
      smtp: { timeouts: TIMEOUTS },
      signal: new AbortController().signal,
      sessions,
      beforeTransmit,
      onProgress: () => undefined,
    });
  return { account, key: laneKey(account), deliver };
}

describe('the transmitting marker and the message data', () => {
  it('the marker is written while MAIL, RCPT and DATA travel, and no byte of the message leaves before it is durable', async () => {
    let durableAt = 0;
    let dataAt = 0;
    const s = await server({
      secure: false,
      authOptional: true,
      onDataStart: (stream) => stream.once('data', () => (dataAt = Date.now())),
    });
    const sessions = new SmtpSessions();
    cleanup.push(() => sessions.close());
    const d = directDelivery(s.port, sessions, async () => {
      await new Promise((r) => setTimeout(r, 400));
      durableAt = Date.now();
    });
    expect((await d.deliver()).kind).toBe('delivered');
    expect(durableAt).toBeGreaterThan(0);
    expect(dataAt).toBeGreaterThanOrEqual(durableAt);
    // DATA itself was already answered (354) before the marker was durable: the wait overlapped the commands.
    expect(s.lines).toEqual(expect.arrayContaining(['DATA']));
  });

  it('a marker that cannot be written sends nothing of the message: not delivered, temporary, the connection not kept', async () => {
    const s = await server({ secure: false, authOptional: true });
    const sessions = new SmtpSessions();
    cleanup.push(() => sessions.close());
    const d = directDelivery(s.port, sessions, async () => {
      throw new Error('disk full');
    });
    const outcome = await d.deliver();
    expect(outcome).toMatchObject({ kind: 'not-delivered', temporary: true, error: { code: 'INTERNAL' } });
    await new Promise((r) => setTimeout(r, 200));
    expect(s.deliveries).toEqual([]);
    expect(sessions.idleCount(d.key)).toBe(0);
  });
});

describe('SmtpSessions', () => {
  it('an idle connection is closed with QUIT after idleMs; close() ends the others at once', async () => {
    const s = await server({ secure: false, authOptional: true });
    const sessions = new SmtpSessions({ idleMs: 300 });
    cleanup.push(() => sessions.close());
    const d = directDelivery(s.port, sessions);
    expect((await d.deliver()).kind).toBe('delivered');
    expect(sessions.idleCount(d.key)).toBe(1);
    await until(() => s.lines.includes('QUIT'), 3000, 'QUIT after the idle time');
    expect(sessions.idleCount()).toBe(0);

    expect((await d.deliver()).kind).toBe('delivered');
    expect(s.connections).toBe(2);
    sessions.close();
    expect(sessions.idleCount()).toBe(0);
    await until(() => s.lines.filter((l) => l === 'QUIT').length === 2, 3000, 'QUIT at close');
    // Kept after close: closed at once.
    expect((await d.deliver()).kind).toBe('delivered');
    expect(sessions.idleCount()).toBe(0);
  });

  it('a connection is retired after maxMessagesPerConnection messages', async () => {
    const s = await server({ secure: false, authOptional: true });
    const sessions = new SmtpSessions({ maxMessagesPerConnection: 3 });
    cleanup.push(() => sessions.close());
    const d = directDelivery(s.port, sessions);
    for (let i = 0; i < 7; i++) expect((await d.deliver()).kind).toBe('delivered');
    expect(s.connections).toBe(3);
    expect(s.deliveries).toHaveLength(7);
  });
});

describe('listeners', () => {
  it('a connection that carries 300 messages gathers no listeners', async () => {
    const s = await server({ secure: false, authOptional: true });
    const sessions = new SmtpSessions({ maxMessagesPerConnection: 10_000 });
    cleanup.push(() => sessions.close());
    const { key, deliver } = directDelivery(s.port, sessions);
    const counts = (): Record<string, number> => {
      const connection = sessions.take(key)!;
      const socket = (connection as unknown as { _socket: NodeJS.EventEmitter })._socket;
      const out: Record<string, number> = {};
      for (const [name, emitter] of [['connection', connection], ['socket', socket]] as const)
        for (const event of emitter.eventNames()) out[`${name}:${String(event)}`] = emitter.listenerCount(event);
      sessions.keep(key, connection);
      return out;
    };
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    cleanup.push(() => process.off('warning', onWarning));
    let after10: Record<string, number> = {};
    for (let i = 1; i <= 300; i++) {
      const outcome = await deliver();
      expect(outcome.kind).toBe('delivered');
      if (i === 10) after10 = counts();
    }
    expect(counts()).toEqual(after10);
    expect(s.connections).toBe(1);
    expect(s.deliveries).toHaveLength(300);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  }, 60_000);
});

describe('through real Postfix (STARTTLS + AUTH)', () => {
  let servers: MailServers;
  beforeAll(async () => {
    servers = await startMailServers();
  }, 90_000);
  afterAll(async () => {
    await servers?.stop();
  });

  it('20 messages arrive; Postfix logged one connection and one AUTH for them', async () => {
    const [alice, bob] = [servers.users[0]!, servers.users[1]!];
    const account: StoredAccount = oneLane({ ...testAccount(servers.submission.starttlsPort, 'starttls', 'password', alice.username), email: alice.address });
    const o = await outboxFor(account, passwordCredential(alice.username, alice.password), {
      smtp: { extraCertificateAuthorities: [servers.ca], timeouts: { connectMs: 10_000, greetingMs: 10_000, socketMs: 20_000 } },
    });
    const connectsBefore = ((await servers.log()).match(/postfix\/submission\/smtpd\[\d+\]: connect from/g) ?? []).length;
    const tag = `sessions-${Date.now()}`;
    const jobs = [];
    for (let i = 0; i < 20; i++) jobs.push(await o.send(`${tag} ${i}`, alice.address, bob.address));
    await o.finished(jobs.map((j) => j.id), 60_000);
    for (const j of jobs) expect(o.job(j.id), JSON.stringify(o.job(j.id).lastError)).toMatchObject({ state: 'sent', attempts: 1 });

    // Every message in Bob's maildir, once.
    const maildir = servers.maildir(bob);
    const arrived = () =>
      ['new', 'cur'].flatMap((sub) => readdirSync(join(maildir, sub)).map((f) => readFileSync(join(maildir, sub, f), 'latin1'))).filter((m) => m.includes(tag));
    await until(() => arrived().length >= 20, 30_000, 'the 20 messages in the maildir');
    const ids = arrived().map((m) => /^Message-ID:\s*(<[^>]+>)/im.exec(m)?.[1]);
    expect(ids.sort()).toEqual(jobs.map((j) => j.messageId).sort());

    // The session ends with QUIT when the outbox closes; Postfix then logs its command counts.
    await o.outbox.close();
    let log = '';
    const deadline = Date.now() + 15_000;
    while (!/\]: disconnect from \S+ ehlo=2 starttls=1 auth=1\S* mail=20 /.test(log) && Date.now() < deadline) {
      log = await servers.log();
      await new Promise((r) => setTimeout(r, 100));
    }
    const connects = (log.match(/postfix\/submission\/smtpd\[\d+\]: connect from/g) ?? []).length - connectsBefore;
    expect(connects).toBe(1);
    // e.g. "disconnect from localhost[127.0.0.1] ehlo=2 starttls=1 auth=1 mail=20 rcpt=20 data=20 rset=19 quit=1 commands=..."
    expect(log).toMatch(/postfix\/submission\/smtpd\[\d+\]: disconnect from \S+ ehlo=2 starttls=1 auth=1 mail=20 rcpt=20 data=20 rset=19 quit=1 /);
  }, 120_000);
});

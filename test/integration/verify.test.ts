/**
 * Verification before saving, against real Postfix/Dovecot (every stage passes) and against
 * smtp-server instances that misbehave on cue (each ends with the right stage failed and the right
 * explanation). The transcript never holds a password, its base64, or the AUTH PLAIN blob.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { IncomingSettings, SmtpSettings } from '../../shared/model';
import type { Stage, VerifyReport } from '../../shared/verify';
import { sendOnce } from '../support/outbox-fixtures';
import { fingerprintOf } from '../../src-main/services/tls-trust';
import { verifyAccount, type AccountToVerify } from '../../src-main/services/verify';
import { passwordCredential, tokenCredential } from '../../src-main/services/credentials';
import { xoauth2Response } from '../../src-main/services/net/sasl';
import { fakeTokens } from '../support/fake-tokens';
import { startMailServers, type MailServers } from '../support/mail-servers';
import { createTestCa, type IssuedCert, type TestCa } from '../support/test-ca';

let servers: MailServers;
let dir: string;
let strangerCa: TestCa;
let trustedCa: TestCa;
let good: IssuedCert;
const closers: Array<() => void> = [];

beforeAll(async () => {
  servers = await startMailServers();
  dir = mkdtempSync(join(tmpdir(), 'mailwright-verify-'));
  trustedCa = await createTestCa(join(dir, 'trusted'));
  strangerCa = await createTestCa(join(dir, 'stranger'));
  good = await trustedCa.issue('good');
}, 90_000);
afterAll(async () => {
  for (const close of closers) close();
  await servers?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const timeouts = { connectMs: 3000, replyMs: 3000 };
const stagesOf = (r: VerifyReport, protocol: string) => r.stages.filter((s) => s.protocol === protocol).map((s) => `${s.name}:${s.status}`);
const failed = (r: VerifyReport): Stage | undefined => r.stages.find((s) => s.status === 'failed');

function secretsAbsent(report: VerifyReport, username: string, password: string) {
  const text = JSON.stringify(report);
  expect(text).not.toContain(password);
  expect(text).not.toContain(Buffer.from(password).toString('base64'));
  expect(text).not.toContain(Buffer.from(`\0${username}\0${password}`).toString('base64'));
}

describe('verification against Postfix and Dovecot', () => {
  const alice = () => servers.users[0]!;
  const smtp = (security: 'tls' | 'starttls'): SmtpSettings => ({
    host: servers.host,
    port: security === 'tls' ? servers.submission.tlsPort : servers.submission.starttlsPort,
    security,
    auth: 'password',
    username: alice().username,
  });
  const incoming = (protocol: 'imap' | 'pop3', security: 'tls' | 'starttls'): IncomingSettings => ({
    protocol,
    auth: 'password',
    host: servers.host,
    port: servers[protocol][security === 'tls' ? 'tlsPort' : 'starttlsPort'],
    security,
    username: alice().username,
    saveSentCopy: false,
    leaveOnServerDays: 14,
  });

  it.each([
    ['starttls', 'imap', 'starttls'],
    ['tls', 'imap', 'tls'],
    ['starttls', 'pop3', 'starttls'],
    ['tls', 'pop3', 'tls'],
  ] as const)('SMTP %s + %s %s: every stage passes, in order, live', async (smtpSecurity, protocol, inSecurity) => {
    const live: Stage[] = [];
    const account: AccountToVerify = {
      email: alice().address,
      smtp: smtp(smtpSecurity),
      smtpCredentials: passwordCredential(alice().username, alice().password),
      incoming: incoming(protocol, inSecurity),
      incomingCredentials: passwordCredential(alice().username, alice().password),
    };
    const report = await verifyAccount(account, { extraCertificateAuthorities: [servers.ca], timeouts }, (s) => live.push(s));
    expect(failed(report), JSON.stringify(report.stages)).toBeUndefined();
    expect(report.ok).toBe(true);
    const tlsFirst = smtpSecurity === 'tls';
    expect(stagesOf(report, 'smtp')).toEqual(
      tlsFirst
        ? ['connect:passed', 'tls:passed', 'greeting:passed', 'ehlo:passed', 'auth:passed', 'envelope:passed', 'close:passed']
        : ['connect:passed', 'greeting:passed', 'ehlo:passed', 'tls:passed', 'auth:passed', 'envelope:passed', 'close:passed'],
    );
    const expected =
      protocol === 'pop3'
        ? ['connect:passed', 'tls:passed', 'login:passed', 'stat:passed', 'close:passed']
        : inSecurity === 'tls'
          ? ['connect:passed', 'tls:passed', 'greeting:passed', 'login:passed', 'list:passed', 'close:passed']
          : ['connect:passed', 'greeting:passed', 'tls:passed', 'login:passed', 'list:passed', 'close:passed'];
    expect(stagesOf(report, protocol)).toEqual(expected);
    // Each stage was announced as running before it settled.
    expect(live.filter((s) => s.status === 'running').length).toBe(report.stages.length);
    expect(report.certificates.smtp).toMatchObject({ trusted: true, pinned: false, sha256: expect.stringMatching(/^([0-9A-F]{2}:){31}/) });
    expect(report.certificates[protocol]?.trusted).toBe(true);
    // The conversation is there, with credentials marked as redacted, and never DATA.
    const lines = report.transcript.map((l) => `${l.protocol} ${l.dir} ${l.text}`);
    expect(lines.some((l) => /^smtp client AUTH PLAIN \[redacted\]$/.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith(`smtp client RCPT TO:<${alice().address}>`))).toBe(true);
    expect(lines.some((l) => /^smtp client DATA/.test(l))).toBe(false);
    expect(report.transcript.some((l) => l.redacted && l.protocol === protocol)).toBe(true);
    // Harmless lines stay whole: the EHLO capabilities (mechanisms included) are never redacted.
    const authCaps = report.transcript.filter((l) => l.protocol === 'smtp' && l.dir === 'server' && /^250[- ]AUTH /.test(l.text));
    expect(authCaps.length).toBeGreaterThan(0);
    for (const l of authCaps) expect(l).toMatchObject({ text: expect.stringMatching(/^250[- ]AUTH( [A-Z0-9-]+)+$/) });
    expect(report.transcript.filter((l) => l.dir === 'server' && (l.redacted || l.text.includes('[redacted]')))).toEqual([]);
    secretsAbsent(report, alice().username, alice().password);
  });

  it('a wrong SMTP password fails the auth stage with the server reply, and goes no further', async () => {
    const report = await verifyAccount(
      { email: alice().address, smtp: smtp('starttls'), smtpCredentials: passwordCredential(alice().username, `${alice().password}x`), incoming: null, incomingCredentials: passwordCredential('alice', undefined) },
      { extraCertificateAuthorities: [servers.ca], timeouts },
    );
    expect(failed(report)).toMatchObject({ name: 'auth', error: { code: 'AUTH_FAILED', detail: { responseCode: 535 } } });
    expect(stagesOf(report, 'smtp')).not.toContain('envelope:passed');
    secretsAbsent(report, alice().username, `${alice().password}x`);
  });

  it('a wrong IMAP password fails the login stage', async () => {
    const report = await verifyAccount(
      { email: alice().address, smtp: smtp('tls'), smtpCredentials: passwordCredential(alice().username, alice().password), incoming: incoming('imap', 'tls'), incomingCredentials: passwordCredential(alice().username, 'wrong "quoted\\ pw') },
      { extraCertificateAuthorities: [servers.ca], timeouts },
    );
    expect(failed(report)).toMatchObject({ protocol: 'imap', name: 'login', error: { code: 'AUTH_FAILED' } });
    expect(JSON.stringify(report)).not.toContain('quoted');
  });

  it('an unknown authority is never trusted silently: the certificate is shown, nothing is sent', async () => {
    const report = await verifyAccount(
      { email: alice().address, smtp: smtp('starttls'), smtpCredentials: passwordCredential(alice().username, alice().password), incoming: incoming('pop3', 'tls'), incomingCredentials: passwordCredential(alice().username, alice().password) },
      { timeouts },
    );
    expect(report.ok).toBe(false);
    expect(report.stages.filter((s) => s.status === 'failed').map((s) => `${s.protocol}:${s.name}:${s.error?.code}`).sort()).toEqual([
      'pop3:tls:TLS_UNTRUSTED_CERTIFICATE',
      'smtp:tls:TLS_UNTRUSTED_CERTIFICATE',
    ]);
    expect(report.transcript.some((l) => /AUTH|PASS|USER/.test(l.text) && l.dir === 'client')).toBe(false);
    expect(report.certificates.smtp).toMatchObject({ trusted: false, problem: 'TLS_UNTRUSTED_CERTIFICATE', pem: expect.stringContaining('BEGIN CERTIFICATE') });
  });
});

describe('verification against servers that misbehave', () => {
  async function serve(options: SMTPServerOptions): Promise<number> {
    const server = new SMTPServer({ logger: false, disableReverseLookup: true, ...options });
    server.on('error', () => {});
    closers.push(() => server.close());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.server.address() as AddressInfo).port;
  }
  async function rawServer(onConnection: (socket: Socket) => void): Promise<number> {
    const server = createServer(onConnection);
    closers.push(() => server.close());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as AddressInfo).port;
  }
  const account = (port: number, security: SmtpSettings['security'], extra: Partial<SmtpSettings> = {}): AccountToVerify => ({
    email: 'alice@mailwright.test',
    smtp: { host: '127.0.0.1', port, security, auth: 'password', username: 'alice', ...extra },
    smtpCredentials: passwordCredential('alice', 'correct horse battery staple'),
    incoming: null,
    incomingCredentials: passwordCredential('alice', undefined),
  });
  const verify = (a: AccountToVerify, trusted = true) => verifyAccount(a, { extraCertificateAuthorities: trusted ? [trustedCa.cert] : [], timeouts: { connectMs: 1500, replyMs: 1500 } });

  it('535 on AUTH', async () => {
    const port = await serve({ secure: true, key: good.key, cert: good.cert, onAuth: (_a, _s, cb) => cb(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 })) });
    const report = await verify(account(port, 'tls'));
    expect(failed(report)).toMatchObject({ name: 'auth', error: { code: 'AUTH_FAILED', detail: { responseCode: 535, enhancedStatus: '5.7.8' } } });
    secretsAbsent(report, 'alice', 'correct horse battery staple');
  });

  it('Gmail-style 534 5.7.9 asks for an app password', async () => {
    const port = await serve({
      secure: true,
      key: good.key,
      cert: good.cert,
      onAuth: (_a, _s, cb) => cb(Object.assign(new Error('5.7.9 Application-specific password required.'), { responseCode: 534 })),
    });
    expect(failed(await verify(account(port, 'tls')))).toMatchObject({ name: 'auth', error: { code: 'APP_PASSWORD_REQUIRED' } });
  });

  it('connection dropped after EHLO', async () => {
    const port = await rawServer((socket) => {
      socket.write('220 drop.test ESMTP\r\n');
      socket.once('data', () => {
        socket.write('250-drop.test\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n');
        socket.once('data', () => socket.destroy());
      });
    });
    const report = await verify(account(port, 'none'));
    expect(stagesOf(report, 'smtp').slice(0, 4)).toEqual(['connect:passed', 'greeting:passed', 'ehlo:passed', 'tls:skipped']);
    expect(failed(report)?.error?.code).toBe('CONNECTION_LOST');
  });

  it('STARTTLS chosen but not offered: no fall back to clear text', async () => {
    let authTried = false;
    const port = await serve({ secure: false, disabledCommands: ['STARTTLS'], onAuth: (_a, _s, cb) => ((authTried = true), cb(null, { user: 'x' })) });
    const report = await verify(account(port, 'starttls'));
    expect(failed(report)).toMatchObject({ name: 'tls', error: { code: 'STARTTLS_UNAVAILABLE' } });
    expect(authTried).toBe(false);
  });

  it('untrusted certificate: shown with its fingerprint; pinning it makes verification and sending pass; another certificate is refused again', async () => {
    const stranger = await strangerCa.issue('stranger');
    let authCalls = 0;
    const received: string[] = [];
    const port = await serve({
      secure: true,
      key: stranger.key,
      cert: stranger.cert,
      onAuth: (auth, _s, cb) => ((authCalls += 1), cb(null, { user: auth.username })),
      onData: (stream, session, cb) => {
        received.push(...session.envelope.rcptTo.map((r) => r.address));
        stream.on('end', () => cb());
        stream.resume();
      },
    });
    const first = await verify(account(port, 'tls'));
    expect(failed(first)).toMatchObject({ name: 'tls', error: { code: 'TLS_UNTRUSTED_CERTIFICATE' } });
    expect(authCalls).toBe(0);
    const cert = first.certificates.smtp!;
    expect(cert).toMatchObject({ trusted: false, subject: expect.stringContaining('localhost'), issuer: expect.stringContaining('Test CA'), validTo: expect.stringMatching(/^20\d\d-/) });
    expect(cert.sha256).toBe(fingerprintOf(stranger.cert));

    const pinned = account(port, 'tls', { pinnedCertificate: { sha256: cert.sha256, pem: cert.pem, trustedAt: '2026-11-02T10:00:00.000Z' } });
    const second = await verify(pinned);
    expect(failed(second)).toBeUndefined();
    expect(second.certificates.smtp).toMatchObject({ trusted: true, pinned: true });
    expect(authCalls).toBe(1);

    // Sending honours the pin too.
    const sent = await sendOnce(
      { id: 'x', description: 'x', displayName: '', createdAt: '', updatedAt: '', incoming: null, signature: '', identities: [], oauth: null, email: pinned.email, smtp: pinned.smtp },
      'correct horse battery staple',
      { from: { name: '', address: pinned.email }, to: [{ address: 'bob@mailwright.test' }], subject: 'pinned', text: 'hello' },
      { extraCertificateAuthorities: [trustedCa.cert] },
    );
    expect(sent.state, JSON.stringify(sent)).toBe('sent');
    expect(received).toEqual(['bob@mailwright.test']);

    // A different untrusted certificate on the same server is refused again.
    const other = await strangerCa.issue('other');
    const port2 = await serve({ secure: true, key: other.key, cert: other.cert });
    const third = await verify({ ...pinned, smtp: { ...pinned.smtp, port: port2 } });
    // It says exactly that: the certificate changed from the one trusted on that day, with both fingerprints.
    expect(failed(third)).toMatchObject({ name: 'tls', error: { code: 'TLS_CERTIFICATE_CHANGED' } });
    expect(third.certificates.smtp).toMatchObject({
      trusted: false,
      problem: 'TLS_UNTRUSTED_CERTIFICATE',
      sha256: fingerprintOf(other.cert),
      pinChanged: { sha256: cert.sha256, trustedAt: '2026-11-02T10:00:00.000Z' },
    });
    expect(third.certificates.smtp!.sha256).not.toBe(cert.sha256);
    const refused = await sendOnce(
      { id: 'x', description: 'x', displayName: '', createdAt: '', updatedAt: '', incoming: null, signature: '', identities: [], oauth: null, email: pinned.email, smtp: { ...pinned.smtp, port: port2 } },
      'correct horse battery staple',
      { from: { name: '', address: pinned.email }, to: [{ address: 'bob@mailwright.test' }], subject: 'x', text: 'x' },
    );
    expect(refused).toMatchObject({ state: 'failed', lastError: { code: 'TLS_CERTIFICATE_CHANGED' } });
  });

  it('expired certificate (even from a trusted authority) cannot be pinned', async () => {
    const expired = await trustedCa.issue('expired', { expired: true });
    const port = await serve({ secure: true, key: expired.key, cert: expired.cert });
    const report = await verify(account(port, 'tls'));
    expect(failed(report)).toMatchObject({ name: 'tls', error: { code: 'TLS_CERTIFICATE_EXPIRED' } });
    const cert = report.certificates.smtp!;
    const pinnedAnyway = await verify(account(port, 'tls', { pinnedCertificate: { sha256: cert.sha256, pem: cert.pem } }));
    expect(failed(pinnedAnyway)?.error?.code).toBe('TLS_CERTIFICATE_EXPIRED');
  });

  it('certificate for another host name is an error', async () => {
    const wrong = await trustedCa.issue('wrong-name', { hosts: ['mail.elsewhere.example'] });
    const port = await serve({ secure: true, key: wrong.key, cert: wrong.cert });
    expect(failed(await verify(account(port, 'tls')))).toMatchObject({ name: 'tls', error: { code: 'TLS_HOSTNAME_MISMATCH' } });
  });

  it('421 at the greeting', async () => {
    const port = await rawServer((socket) => socket.end('421 4.3.2 busy.test Service not available, try again later\r\n'));
    expect(failed(await verify(account(port, 'none')))).toMatchObject({ name: 'greeting', error: { code: 'SERVER_BUSY', detail: { responseCode: 421 } } });
  });

  it('no answer at all', async () => {
    const port = await rawServer(() => {});
    expect(failed(await verify(account(port, 'none')))).toMatchObject({ name: 'greeting', error: { code: 'CONNECTION_TIMEOUT' } });
  });

  describe('with an OAuth2 access token', () => {
    const oauthAccount = (port: number, tokens: ReturnType<typeof fakeTokens>): AccountToVerify => ({
      ...account(port, 'tls'),
      smtpCredentials: tokenCredential(tokens, 'account-1', 'alice@mailwright.test'),
    });
    const xoauth2Server = (accepted: string) =>
      serve({
        secure: true,
        key: good.key,
        cert: good.cert,
        authMethods: ['PLAIN', 'XOAUTH2'],
        onAuth: (auth, _session, cb) => {
          seen.push(`${auth.method} ${auth.username} ${auth.accessToken ?? ''}`);
          // smtp-server sends this as the 334 error challenge, waits for the answer, then says 535.
          cb(null, auth.accessToken === accepted ? { user: auth.username } : { data: { status: '401', schemes: 'bearer' } });
        },
      });
    let seen: string[] = [];
    beforeEach(() => {
      seen = [];
    });

    it('signs in with AUTH XOAUTH2; the transcript names the mechanism and never shows the token', async () => {
      const port = await xoauth2Server('tok-good-5a1f');
      const report = await verify(oauthAccount(port, fakeTokens(['tok-good-5a1f'])));
      expect(failed(report), JSON.stringify(report.stages)).toBeUndefined();
      expect(report.stages.find((s) => s.name === 'auth')).toMatchObject({ status: 'passed', summary: 'XOAUTH2' });
      expect(seen).toEqual(['XOAUTH2 alice@mailwright.test tok-good-5a1f']);
      expect(report.transcript).toContainEqual(expect.objectContaining({ dir: 'client', text: 'AUTH XOAUTH2 [redacted]', redacted: true }));
      const text = JSON.stringify(report);
      expect(text).not.toContain('tok-good-5a1f');
      expect(text).not.toContain(xoauth2Response('alice@mailwright.test', 'tok-good-5a1f'));
    });

    it('a refused token: the error challenge is answered, the token reported, and one fresh token signs in', async () => {
      const port = await xoauth2Server('tok-fresh');
      const tokens = fakeTokens(['tok-stale', 'tok-fresh']);
      const report = await verify(oauthAccount(port, tokens));
      expect(failed(report), JSON.stringify(report.stages)).toBeUndefined();
      expect(seen).toEqual(['XOAUTH2 alice@mailwright.test tok-stale', 'XOAUTH2 alice@mailwright.test tok-fresh']);
      expect(tokens.refusedTokens).toEqual(['tok-stale']);
      const lines = report.transcript.map((l) => `${l.dir} ${l.text}`);
      expect(lines).toContain('info error challenge: {"status":"401","schemes":"bearer"}');
      expect(lines).toContain('client (empty response)');
      expect(lines.some((l) => l.startsWith('server 535'))).toBe(true);
      expect(JSON.stringify(report)).not.toMatch(/tok-stale|tok-fresh/);
    });

    it('a fresh token refused too fails the auth stage with the 535, after exactly two attempts', async () => {
      const port = await xoauth2Server('never');
      const tokens = fakeTokens(['tok-1', 'tok-2', 'tok-3']);
      const report = await verify(oauthAccount(port, tokens));
      expect(failed(report)).toMatchObject({ name: 'auth', error: { code: 'AUTH_FAILED', detail: { responseCode: 535, command: 'AUTH XOAUTH2' } } });
      expect(seen).toHaveLength(2);
      expect(tokens.refusedTokens).toEqual(['tok-1', 'tok-2']);
    });

    it('no grant: the auth stage says sign in again, and no AUTH is sent', async () => {
      const port = await xoauth2Server('x');
      const report = await verify(oauthAccount(port, fakeTokens([])));
      expect(failed(report)).toMatchObject({ name: 'auth', error: { code: 'SIGN_IN_REQUIRED' } });
      expect(seen).toEqual([]);
    });

    it('a server without XOAUTH2 or OAUTHBEARER: AUTH_UNAVAILABLE, the token is not sent', async () => {
      const port = await serve({ secure: true, key: good.key, cert: good.cert, authMethods: ['PLAIN', 'LOGIN'], onAuth: (_a, _s, cb) => cb(new Error('no')) });
      const report = await verify(oauthAccount(port, fakeTokens(['tok-x'])));
      expect(failed(report)).toMatchObject({ name: 'auth', error: { code: 'AUTH_UNAVAILABLE' }, summary: 'offered: PLAIN LOGIN' });
      expect(report.transcript.some((l) => l.dir === 'client' && l.text.startsWith('AUTH'))).toBe(false);
    });
  });

  it('nothing listening', async () => {
    const port = await rawServer(() => {});
    closers.pop()?.();
    await new Promise((r) => setTimeout(r, 50));
    expect(failed(await verify(account(port, 'none')))).toMatchObject({ name: 'connect', error: { code: 'CONNECTION_REFUSED' } });
  });
});

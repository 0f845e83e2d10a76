/**
 * Servers that misbehave on cue (smtp-server, in-process on 127.0.0.1): each failure must come
 * back as the right one of our codes, with the server's own words where it said any.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Security } from '../../shared/model';
import type { StoredAccount } from '../../src-main/services/settings-store';
import { sendOnce } from '../support/outbox-fixtures';
import { createTestCa, type IssuedCert, type TestCa } from '../support/test-ca';
import { tokenCredential } from '../../src-main/services/credentials';
import { fakeTokens } from '../support/fake-tokens';

let dir: string;
let ca: TestCa;
let good: IssuedCert;
const running: SMTPServer[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mailwright-smtp-failures-'));
  ca = await createTestCa(dir);
  good = await ca.issue('good');
});
afterAll(async () => {
  await Promise.all(running.map((s) => new Promise<void>((r) => s.close(() => r()))));
  rmSync(dir, { recursive: true, force: true });
});

async function serve(options: SMTPServerOptions): Promise<number> {
  const server = new SMTPServer({ logger: false, disableReverseLookup: true, authOptional: true, ...options });
  running.push(server);
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.server.address() as AddressInfo).port;
}

const account = (port: number, security: Security, auth: 'password' | 'none' = 'none'): StoredAccount => ({
  id: crypto.randomUUID(),
  description: 'test',
  email: 'alice@mailwright.test',
  displayName: 'Alice',
  smtp: { host: '127.0.0.1', port, security, auth, username: auth === 'password' ? 'alice' : '' },
  incoming: null,
  signature: '',
  identities: [], oauth: null,
  createdAt: '',
  updatedAt: '',
});

const message = { to: [{ address: 'bob@mailwright.test' }], subject: 'Hi', text: 'Hello' };
const options = () => ({ extraCertificateAuthorities: [ca.cert], timeouts: { connectMs: 2000, greetingMs: 1500, socketMs: 3000 } });
/** Through the real send path (the outbox, one attempt); the job's last error is what the person sees. */
const send = (a: StoredAccount, password: Parameters<typeof sendOnce>[1], m: Record<string, unknown>) => sendOnce(a, password, m, options());
const drain = (stream: NodeJS.ReadableStream, callback: (err?: Error | null) => void) => {
  stream.on('end', () => callback());
  stream.resume();
};

describe('SMTP failures explained', () => {
  it('STARTTLS chosen but not offered: refuses to go on in clear text', async () => {
    let sawMail = false;
    const port = await serve({
      secure: false,
      disabledCommands: ['STARTTLS'],
      onMailFrom: (_a, _s, cb) => {
        sawMail = true;
        cb();
      },
    });
    const result = await send(account(port, 'starttls', 'password'), 'pw', message);
    expect(result).toMatchObject({ lastError: { code: 'STARTTLS_UNAVAILABLE', detail: { command: 'STARTTLS' } } });
    expect(sawMail).toBe(false);
  });

  it('an expired certificate from a trusted authority', async () => {
    const expired = await ca.issue('expired', { expired: true });
    const port = await serve({ secure: true, key: expired.key, cert: expired.cert });
    expect(await send(account(port, 'tls'), undefined, message)).toMatchObject({ lastError: { code: 'TLS_CERTIFICATE_EXPIRED' } });
  });

  it('a certificate for another host name', async () => {
    const other = await ca.issue('other', { hosts: ['mail.other.example'] });
    const port = await serve({ secure: true, key: other.key, cert: other.cert });
    expect(await send(account(port, 'tls'), undefined, message)).toMatchObject({ lastError: { code: 'TLS_HOSTNAME_MISMATCH' } });
  });

  it('SSL/TLS chosen on a port that speaks plain SMTP', async () => {
    const port = await serve({ secure: false, key: good.key, cert: good.cert });
    const result = await send(account(port, 'tls'), undefined, message);
    expect(result.state).toBe('failed');
    expect(['TLS_HANDSHAKE_FAILED', 'CONNECTION_TIMEOUT']).toContain(result.lastError?.code);
  });

  it('421 at the greeting is a temporary failure with the server reply', async () => {
    const port = await serve({
      secure: false,
      onConnect: (_s, cb) => cb(Object.assign(new Error('Too many connections, try later'), { responseCode: 421 })),
    });
    const result = await send(account(port, 'none'), undefined, message);
    expect(result).toMatchObject({ lastError: { code: 'SERVER_BUSY', detail: { responseCode: 421 } } });
  });

  it('a 535 on AUTH is an authentication failure', async () => {
    const port = await serve({
      secure: true,
      key: good.key,
      cert: good.cert,
      authOptional: false,
      onAuth: (_auth, _s, cb) => cb(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 })),
    });
    const result = await send(account(port, 'tls', 'password'), 'secret-pw', message);
    expect(result).toMatchObject({ lastError: { code: 'AUTH_FAILED', detail: { responseCode: 535, enhancedStatus: '5.7.8' } } });
  });

  it('some recipients refused: the others still get it, and the refused are listed', async () => {
    const delivered: string[] = [];
    const port = await serve({
      secure: true,
      key: good.key,
      cert: good.cert,
      onRcptTo: (address, _s, cb) =>
        address.address.startsWith('nobody')
          ? cb(Object.assign(new Error('5.1.1 <nobody@mailwright.test>: Recipient address rejected: User unknown'), { responseCode: 550 }))
          : cb(),
      onData: (stream, session, cb) => {
        delivered.push(...session.envelope.rcptTo.map((r) => r.address));
        drain(stream, cb);
      },
    });
    const result = await send(account(port, 'tls'), undefined, { ...message, to: [{ address: 'bob@mailwright.test' }, { address: 'nobody@mailwright.test' }] });
    expect(result.state).toBe('sent');
    expect(result.accepted).toEqual(['bob@mailwright.test']);
    expect(result.refused).toEqual([{ address: 'nobody@mailwright.test', serverReply: expect.stringMatching(/^550 5\.1\.1/) }]);
    expect(delivered).toEqual(['bob@mailwright.test']);
  });

  it('a message over the advertised size', async () => {
    const port = await serve({
      secure: true,
      key: good.key,
      cert: good.cert,
      size: 100,
      onData: (stream, _s, cb) => {
        stream.on('end', () => cb((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded ? Object.assign(new Error('Message exceeds fixed size limit'), { responseCode: 552 }) : null));
        stream.resume();
      },
    });
    const result = await send(account(port, 'tls'), undefined, { ...message, text: 'x'.repeat(5000) });
    expect(result).toMatchObject({ lastError: { code: 'MESSAGE_TOO_LARGE' } });
  });

  it('a server that never answers times out', async () => {
    const net = await import('node:net');
    const silent = net.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as AddressInfo).port;
      expect(await send(account(port, 'none'), undefined, message)).toMatchObject({ lastError: { code: 'CONNECTION_TIMEOUT' } });
    } finally {
      silent.close();
    }
  });
});

describe('sending with an OAuth2 access token', () => {
  const tokenAccount = (port: number): StoredAccount => ({ ...account(port, 'tls'), smtp: { host: '127.0.0.1', port, security: 'tls', auth: 'oauth2', username: 'alice@mailwright.test' } });
  async function xoauth2Server(accepted: string) {
    const seen: string[] = [];
    const delivered: string[] = [];
    const port = await serve({
      secure: true,
      key: good.key,
      cert: good.cert,
      authOptional: false,
      authMethods: ['PLAIN', 'LOGIN', 'XOAUTH2'],
      onAuth: (auth, _session, cb) => {
        seen.push(`${auth.method} ${auth.username} ${auth.accessToken ?? ''}`);
        // A refused token: smtp-server sends the 334 error challenge, waits for the answer, then says 535.
        cb(null, auth.accessToken === accepted ? { user: auth.username } : { data: { status: '401', schemes: 'bearer' } });
      },
      onData: (stream, session, cb) => {
        delivered.push(...session.envelope.rcptTo.map((r) => r.address));
        drain(stream, cb);
      },
    });
    return { port, seen, delivered };
  }

  it('logs in with AUTH XOAUTH2 and the message is delivered', async () => {
    const server = await xoauth2Server('tok-ok');
    const job = await send(tokenAccount(server.port), tokenCredential(fakeTokens(['tok-ok']), 'g', 'alice@mailwright.test'), message);
    expect(job.state, JSON.stringify(job.lastError)).toBe('sent');
    expect(server.seen).toEqual(['XOAUTH2 alice@mailwright.test tok-ok']);
    expect(server.delivered).toEqual(['bob@mailwright.test']);
  });

  it('a refused token is reported and ONE new attempt with a fresh token delivers the message', async () => {
    const server = await xoauth2Server('tok-fresh');
    const tokens = fakeTokens(['tok-stale', 'tok-fresh']);
    const job = await send(tokenAccount(server.port), tokenCredential(tokens, 'g', 'alice@mailwright.test'), message);
    expect(job.state, JSON.stringify(job.lastError)).toBe('sent');
    expect(server.seen).toEqual(['XOAUTH2 alice@mailwright.test tok-stale', 'XOAUTH2 alice@mailwright.test tok-fresh']);
    expect(tokens.refusedTokens).toEqual(['tok-stale']);
    expect(server.delivered).toEqual(['bob@mailwright.test']);
  });

  it("a fresh token refused too: AUTH_FAILED with the server's final 535 reply, after exactly two attempts", async () => {
    const server = await xoauth2Server('never');
    const tokens = fakeTokens(['tok-1', 'tok-2', 'tok-3']);
    const job = await send(tokenAccount(server.port), tokenCredential(tokens, 'g', 'alice@mailwright.test'), message);
    expect(job).toMatchObject({ state: 'failed', lastError: { code: 'AUTH_FAILED', detail: { responseCode: 535, serverReply: expect.stringContaining('535') } } });
    expect(JSON.stringify(job)).not.toMatch(/tok-\d/);
    expect(server.seen).toHaveLength(2);
    expect(tokens.refusedTokens).toEqual(['tok-1', 'tok-2']);
    expect(server.delivered).toEqual([]);
  });

  it('no grant: SIGN_IN_REQUIRED before any connection; the message waits for a sign-in with no attempt used', async () => {
    const server = await xoauth2Server('x');
    const job = await send(tokenAccount(server.port), tokenCredential(fakeTokens([]), 'g', 'alice@mailwright.test'), message);
    expect(job).toMatchObject({ state: 'signin', attempts: 0, lastError: { code: 'SIGN_IN_REQUIRED' } });
    expect(server.seen).toEqual([]);
  });

  it('a refused password is not retried', async () => {
    let attempts = 0;
    const port = await serve({ secure: true, key: good.key, cert: good.cert, authOptional: false, onAuth: (_a, _s, cb) => (attempts++, cb(Object.assign(new Error('5.7.8 Bad credentials'), { responseCode: 535 }))) });
    const job = await send(account(port, 'tls', 'password'), 'wrong', message);
    expect(job).toMatchObject({ state: 'failed', lastError: { code: 'AUTH_FAILED', detail: { responseCode: 535 } } });
    expect(attempts).toBe(1);
  });
});

// The OAuth2 test stack end to end, without app code: the authorization server (oidc-provider)
// signs a person in with PKCE, and Postfix submission, Dovecot IMAP and POP3 accept the access
// token (XOAUTH2 / OAUTHBEARER, checked by introspection) until it expires or its grant is revoked.
// Every OAuth test of the project builds on these fixtures; this file proves they are real.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import nodemailer from 'nodemailer';
import { ImapFlow } from 'imapflow';
import { startMailServers, type MailServers, type MailUser } from '../support/mail-servers';
import { startOAuthServer, type OAuthServer } from '../support/oauth-server';
import { waitForMessage } from '../support/imap-read';
import { scanForSecrets, scanForSecretsReport } from '../support/secret-scan';
import { OAuthProviderSchema } from '../../shared/oauth';

const TTL_SECONDS = 3;
// Any loopback port matches the native client's registered http://127.0.0.1/callback; nothing listens here.
const REDIRECT_URI = 'http://127.0.0.1:45123/callback';

let op: OAuthServer;
let servers: MailServers;
let alice: MailUser;
let bob: MailUser;
/** Passwords at the authorization server, different from the mail passwords. */
const opPasswords = new Map<string, string>();

beforeAll(async () => {
  op = await startOAuthServer({ accessTokenTtlSeconds: TTL_SECONDS });
  servers = await startMailServers({ oauth: op.introspection });
  const find = (name: string): MailUser => {
    const user = servers.users.find((u) => u.address === `${name}@${servers.domain}`);
    if (!user) throw new Error(`fixture has no ${name}`);
    return user;
  };
  alice = find('alice');
  bob = find('bob');
  for (const user of [alice, bob]) {
    const password = randomBytes(12).toString('base64url');
    opPasswords.set(user.address, password);
    op.addUser(user.address, password);
  }
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([servers?.stop(), op?.stop()]);
}, 30_000);

interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  token_type: string;
  scope: string;
}

function authorizationRequest(extra: Record<string, string> = {}): { url: string; state: string; verifier: string } {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const url = new URL(op.authorizationEndpoint);
  url.search = new URLSearchParams({
    client_id: op.clientId,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: op.provider.scopes.join(' '),
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    prompt: 'consent', // or no refresh token (offline_access is dropped without it)
    ...extra,
  }).toString();
  return { url: url.toString(), state, verifier };
}

async function tokenCall(params: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(op.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: op.clientId, ...params }).toString(),
    signal: AbortSignal.timeout(5_000),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function signIn(user: MailUser): Promise<Tokens> {
  const request = authorizationRequest({ login_hint: user.address });
  const redirect = new URL(await op.approve(request.url, user.address, opPasswords.get(user.address) ?? ''));
  expect(redirect.searchParams.get('state')).toBe(request.state);
  const code = redirect.searchParams.get('code');
  if (!code) throw new Error(`no code in ${redirect.search}`);
  const { status, body } = await tokenCall({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: request.verifier });
  expect(status, JSON.stringify(body)).toBe(200);
  return body as unknown as Tokens;
}

async function refresh(refreshToken: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return tokenCall({ grant_type: 'refresh_token', refresh_token: refreshToken });
}

function smtp(user: MailUser, accessToken: string) {
  return nodemailer.createTransport({
    host: servers.host,
    port: servers.submission.starttlsPort,
    secure: false,
    requireTLS: true,
    tls: { ca: servers.ca, servername: 'localhost' },
    auth: { type: 'OAuth2', user: user.username, accessToken },
    connectionTimeout: 5000,
    greetingTimeout: 5000,
    socketTimeout: 5000,
  });
}

/** Logs in over IMAPS with the token (imapflow uses OAUTHBEARER) and runs `fn`; always closes. */
async function withImapToken<T>(user: MailUser, accessToken: string, fn: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = new ImapFlow({
    host: servers.host,
    port: servers.imap.tlsPort,
    secure: true,
    tls: { ca: servers.ca, servername: 'localhost' },
    auth: { user: user.username, accessToken },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: 5000,
    greetingTimeout: 5000,
    socketTimeout: 10_000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    client.close();
    throw error;
  }
  try {
    return await fn(client);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/**
 * A raw POP3S `AUTH XOAUTH2` login. Returns the server's final answer to it (after answering an
 * error challenge with an empty line, as RFC 7628 wants).
 */
async function pop3Xoauth2(user: MailUser, accessToken: string): Promise<string> {
  const socket = tls.connect({ host: servers.host, port: servers.pop3.tlsPort, ca: servers.ca, servername: 'localhost' });
  socket.setEncoding('utf8');
  let buffer = '';
  const waiters: Array<() => void> = [];
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    waiters.splice(0).forEach((w) => w());
  });
  socket.on('error', () => waiters.splice(0).forEach((w) => w()));
  const line = async (): Promise<string> => {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const nl = buffer.indexOf('\r\n');
      if (nl >= 0) {
        const l = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        return l;
      }
      if (socket.destroyed || Date.now() > deadline) throw new Error(`POP3: no line (got ${JSON.stringify(buffer)})`);
      await Promise.race([new Promise<void>((resolve) => waiters.push(resolve)), sleep(Math.max(1, deadline - Date.now()))]);
    }
  };
  try {
    expect(await line()).toMatch(/^\+OK/);
    const sasl = Buffer.from(`user=${user.username}\x01auth=Bearer ${accessToken}\x01\x01`).toString('base64');
    socket.write(`AUTH XOAUTH2 ${sasl}\r\n`);
    let answer = await line();
    if (answer === '+' || answer.startsWith('+ ')) {
      socket.write('\r\n');
      answer = await line();
    }
    socket.write('QUIT\r\n');
    return answer;
  } finally {
    socket.destroy();
  }
}

describe('OAuth2 test stack (oidc-provider + Dovecot oauth2 passdb + Postfix)', () => {
  it('publishes the endpoints it reports, and its provider record is a valid OAuthProvider', async () => {
    const response = await fetch(`${op.issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5_000) });
    const meta = (await response.json()) as Record<string, unknown>;
    expect(meta).toMatchObject({
      issuer: op.issuer,
      authorization_endpoint: op.authorizationEndpoint,
      token_endpoint: op.tokenEndpoint,
      introspection_endpoint: op.introspectionEndpoint,
      revocation_endpoint: op.revocationEndpoint,
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
    });
    expect(OAuthProviderSchema.parse(op.provider)).toEqual(op.provider);
    expect(op.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('signs in with PKCE: the redirect carries code, state and iss; a wrong password or no PKCE is refused', async () => {
    const request = authorizationRequest();
    const redirect = new URL(await op.approve(request.url, alice.address, opPasswords.get(alice.address) ?? ''));
    expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT_URI);
    expect(redirect.searchParams.get('state')).toBe(request.state);
    expect(redirect.searchParams.get('iss')).toBe(op.issuer);
    expect(redirect.searchParams.get('code')).toBeTruthy();

    // The same redirect URI on localhost is registered too, at any port.
    const onLocalhost = authorizationRequest({ redirect_uri: 'http://localhost:51234/callback' });
    expect(await op.approve(onLocalhost.url, alice.address, opPasswords.get(alice.address) ?? '')).toMatch(/^http:\/\/localhost:51234\/callback\?code=/);

    await expect(op.approve(authorizationRequest().url, alice.address, 'not-her-password')).rejects.toThrow(/email or password is not right/);

    const noPkce = new URL(authorizationRequest().url);
    noPkce.searchParams.delete('code_challenge');
    noPkce.searchParams.delete('code_challenge_method');
    const refused = new URL(await op.approve(noPkce.toString(), alice.address, opPasswords.get(alice.address) ?? ''));
    expect(refused.searchParams.get('error')).toBe('invalid_request');
    expect(refused.searchParams.get('code')).toBeNull();
  });

  it('a refused consent (Cancel) redirects with error=access_denied', async () => {
    const request = authorizationRequest();
    const redirect = new URL(await op.deny(request.url, alice.address));
    expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT_URI);
    expect(redirect.searchParams.get('error')).toBe('access_denied');
    expect(redirect.searchParams.get('state')).toBe(request.state);
    expect(redirect.searchParams.get('iss')).toBe(op.issuer);
    expect(redirect.searchParams.get('code')).toBeNull();
  });

  it('a code exchange without the right PKCE verifier, or a code used twice, is refused', async () => {
    const request = authorizationRequest();
    const code = new URL(await op.approve(request.url, alice.address, opPasswords.get(alice.address) ?? '')).searchParams.get('code') ?? '';
    const wrong = await tokenCall({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: randomBytes(32).toString('base64url') });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('invalid_grant');

    const second = authorizationRequest();
    const code2 = new URL(await op.approve(second.url, alice.address, opPasswords.get(alice.address) ?? '')).searchParams.get('code') ?? '';
    const exchange = { grant_type: 'authorization_code', code: code2, redirect_uri: REDIRECT_URI, code_verifier: second.verifier };
    expect((await tokenCall(exchange)).status).toBe(200);
    const replay = await tokenCall(exchange);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
  });

  it('a token sends through Postfix submission (XOAUTH2), reads over IMAP (OAUTHBEARER) and logs in to POP3 (XOAUTH2)', async () => {
    const tokens = await signIn(alice);
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: TTL_SECONDS });
    expect(tokens.refresh_token).toBeTruthy();
    expect(tokens.scope.split(' ').sort()).toEqual(['email', 'offline_access', 'openid']);

    const marker = randomUUID();
    const mailer = smtp(alice, tokens.access_token);
    try {
      const info = await mailer.sendMail({ from: alice.address, to: bob.address, subject: `oauth ${marker}`, text: marker });
      expect(info.accepted).toEqual([bob.address]);
    } finally {
      mailer.close();
    }

    // Bob reads it with his own token (a fresh one: the access token lives only a few seconds).
    const bobTokens = await signIn(bob);
    const deadline = Date.now() + 5_000;
    const found = await withImapToken(bob, bobTokens.access_token, async (client) => {
      await client.mailboxOpen('INBOX');
      for (;;) {
        const uids = await client.search({ subject: marker }, { uid: true });
        if (uids && uids.length > 0) return uids.length;
        if (Date.now() > deadline) return 0;
        await sleep(50);
      }
    });
    expect(found).toBe(1);

    expect(await pop3Xoauth2(bob, (await signIn(bob)).access_token)).toMatch(/^\+OK/);

    // Passwords keep working beside the tokens.
    expect(await waitForMessage(servers, bob, (s) => s.includes(marker))).toContain(`Subject: oauth ${marker}`);
    expect(await servers.log()).toMatch(/sasl_method=XOAUTH2, sasl_username=alice@mailwright\.test/);
  });

  it("one user's token does not sign in as another", async () => {
    const tokens = await signIn(alice);
    expect(await pop3Xoauth2(bob, tokens.access_token)).toMatch(/^-ERR/);
  });

  it('an expired token is refused everywhere; a refresh gives a working one; the rotated refresh token is then refused', async () => {
    const tokens = await signIn(alice);
    expect(await pop3Xoauth2(alice, tokens.access_token)).toMatch(/^\+OK/);
    expect(await op.introspect(tokens.access_token)).toMatchObject({ active: true, email: alice.address, client_id: op.clientId });

    // exp is in whole seconds: one more second is always past it.
    await sleep((TTL_SECONDS + 1.1) * 1000);
    expect(await op.introspect(tokens.access_token)).toEqual({ active: false });
    expect(await pop3Xoauth2(alice, tokens.access_token)).toMatch(/^-ERR/);
    await expect(withImapToken(alice, tokens.access_token, async () => 'in')).rejects.toMatchObject({ authenticationFailed: true });
    const mailer = smtp(alice, tokens.access_token);
    try {
      await expect(mailer.verify()).rejects.toMatchObject({ code: 'EAUTH' });
    } finally {
      mailer.close();
    }

    const before = op.tokenRequests.filter((r) => r.grantType === 'refresh_token').length;
    const renewed = await refresh(tokens.refresh_token);
    expect(renewed.status, JSON.stringify(renewed.body)).toBe(200);
    const next = renewed.body as unknown as Tokens;
    expect(next.refresh_token).toBeTruthy();
    expect(next.refresh_token).not.toBe(tokens.refresh_token);
    expect(await withImapToken(alice, next.access_token, async (client) => (await client.mailboxOpen('INBOX')).path)).toBe('INBOX');
    expect(op.tokenRequests.filter((r) => r.grantType === 'refresh_token')).toHaveLength(before + 1);

    // The old refresh token was rotated away: using it again fails, and (oidc-provider's reuse
    // detection) revokes the whole grant, so the newest refresh token dies with it.
    const reused = await refresh(tokens.refresh_token);
    expect(reused.status).toBe(400);
    expect(reused.body.error).toBe('invalid_grant');
    expect((await refresh(next.refresh_token)).body.error).toBe('invalid_grant');
    expect(op.tokenRequests.at(-1)).toMatchObject({ grantType: 'refresh_token', ok: false, error: 'invalid_grant' });
  });

  it('revokeGrantsOf makes every refresh token and access token of the user void', async () => {
    const first = await signIn(bob);
    const second = await signIn(bob);
    const aliceTokens = await signIn(alice);
    await op.revokeGrantsOf(bob.address);
    for (const tokens of [first, second]) {
      const answer = await refresh(tokens.refresh_token);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('invalid_grant');
      expect(await op.introspect(tokens.access_token)).toEqual({ active: false });
    }
    expect(await pop3Xoauth2(bob, second.access_token)).toMatch(/^-ERR/);
    // Other users keep theirs.
    expect((await refresh(aliceTokens.refresh_token)).status).toBe(200);
  });

  // Last in this block: it stops the authorization server.
  it('with the authorization server down, IMAP and POP3 answer a temporary failure, Postfix a plain 535', async () => {
    const tokens = await signIn(alice);
    await op.stop();
    expect(await pop3Xoauth2(alice, tokens.access_token)).toMatch(/^-ERR \[SYS\/TEMP\]/);
    // imapflow flags it authenticationFailed too; the response code tells "try later" from "sign in again".
    await expect(withImapToken(alice, tokens.access_token, async () => 'in')).rejects.toMatchObject({ serverResponseCode: 'UNAVAILABLE' });
    const mailer = smtp(alice, tokens.access_token);
    try {
      await expect(mailer.verify()).rejects.toMatchObject({ code: 'EAUTH', responseCode: 535 });
    } finally {
      mailer.close();
    }
  });
});

describe('OAuth2 server options', () => {
  it('refreshTokenTtlSeconds: an expired refresh token fails with invalid_grant', async () => {
    const short = await startOAuthServer({ accessTokenTtlSeconds: 1, refreshTokenTtlSeconds: 1, clientId: 'other-client', users: [{ email: 'dora@example.test', password: 'dora-password' }] });
    try {
      expect(short.clientId).toBe('other-client');
      const verifier = randomBytes(32).toString('base64url');
      const url = new URL(short.authorizationEndpoint);
      url.search = new URLSearchParams({
        client_id: short.clientId,
        response_type: 'code',
        redirect_uri: REDIRECT_URI,
        scope: 'openid offline_access',
        state: 'x',
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
        prompt: 'consent',
      }).toString();
      const code = new URL(await short.approve(url.toString(), 'dora@example.test', 'dora-password')).searchParams.get('code') ?? '';
      const post = async (params: Record<string, string>) => {
        const response = await fetch(short.tokenEndpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ client_id: short.clientId, ...params }).toString(),
          signal: AbortSignal.timeout(5_000),
        });
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
      };
      const tokens = await post({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
      expect(tokens.status).toBe(200);
      await sleep(2_100);
      const answer = await post({ grant_type: 'refresh_token', refresh_token: String(tokens.body.refresh_token) });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('invalid_grant');
      expect(short.tokenRequests.map((r) => `${r.grantType} ${r.ok}`)).toEqual(['authorization_code true', 'refresh_token false']);
      expect(short.tokenRequests[0]).toMatchObject({ accountId: 'dora@example.test' });
      expect(short.tokenRequests[1]).toMatchObject({ error: 'invalid_grant' });
    } finally {
      await short.stop();
    }
  });
});

describe('secret scan', () => {
  it('finds a token as is, in a base64 SASL string at any offset and in UTF-16; nothing in clean files', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mailwright-scan-'));
    try {
      const token = randomBytes(32).toString('base64url');
      const other = randomBytes(32).toString('base64url');
      await mkdir(path.join(dir, 'logs', 'deep'), { recursive: true });
      await writeFile(path.join(dir, 'clean.json'), JSON.stringify({ account: 'alice', other: 'x'.repeat(100) }));
      await writeFile(path.join(dir, 'raw.bin'), Buffer.concat([randomBytes(3000), Buffer.from(token), randomBytes(10)]));
      for (const prefix of ['', 'a', 'ab']) {
        const sasl = Buffer.from(`${prefix}user=alice@example.test\x01auth=Bearer ${token}\x01\x01`).toString('base64');
        await writeFile(path.join(dir, 'logs', 'deep', `sasl${prefix.length}.log`), `C: AUTH XOAUTH2 ${sasl}\n`);
      }
      await writeFile(path.join(dir, 'local-storage.ldb'), Buffer.from(`{"t":"${token}"}`, 'utf16le'));
      // A secret that straddles the scanner's 1 MiB read chunks.
      await writeFile(path.join(dir, 'big.bin'), Buffer.concat([Buffer.alloc((1 << 20) - 10, 0x20), Buffer.from(other)]));

      const report = await scanForSecretsReport([dir], [token, other], [`log line with ${token}`, 'a clean line']);
      expect(report.files).toHaveLength(7);
      const found = report.hits.map((h) => `${h.file.startsWith('<') ? h.file : path.relative(dir, h.file)} #${h.secretIndex} ${h.form}`).sort();
      expect(found).toEqual([
        '<text 0> #0 raw',
        'big.bin #1 raw',
        'local-storage.ldb #0 utf16le',
        'logs/deep/sasl0.log #0 base64',
        'logs/deep/sasl1.log #0 base64',
        'logs/deep/sasl2.log #0 base64',
        'raw.bin #0 raw',
      ]);
      expect(JSON.stringify(report.hits)).not.toContain(token);
      expect(await scanForSecrets([path.join(dir, 'clean.json')], [token, other])).toEqual([]);
      await expect(scanForSecrets([path.join(dir, 'missing')], [token])).rejects.toThrow(/cannot scan/);
      await expect(scanForSecrets([dir], ['short'])).rejects.toThrow(/shorter than 8/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

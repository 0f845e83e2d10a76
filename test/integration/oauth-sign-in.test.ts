/**
 * The browser sign-in and the token service against a real authorization server (oidc-provider on
 * 127.0.0.1, test/support/oauth-server.ts). "The system browser" is the server's headless approve()
 * and a fetch of the redirect it ends on, as the person's browser would follow it.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src-main/services/logger';
import { createSignInService } from '../../src-main/services/oauth/sign-in';
import { createTokenService, type AccountGrants } from '../../src-main/services/oauth/tokens';
import type { OAuthSettings } from '../../shared/oauth';
import { ok, type Result } from '../../shared/result';
import { startOAuthServer, type OAuthServer } from '../support/oauth-server';

const ALICE = { email: 'alice@example.test', password: 'alice-pw-1' };
let op: OAuthServer;

beforeAll(async () => {
  op = await startOAuthServer({ users: [ALICE], accessTokenTtlSeconds: 3 });
});
afterAll(async () => {
  await op?.stop();
});

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

/** A sign-in service whose "browser" does what `browser` says with the authorization URL. */
function service(browser: (url: string) => Promise<void>, timeoutMs?: number) {
  const opened: string[] = [];
  const signIns = createSignInService({
    openExternal: async (url) => {
      opened.push(url);
      void browser(url).catch(() => undefined);
    },
    logger: silentLogger,
    ...(timeoutMs ? { timeoutMs } : {}),
  });
  return { signIns, opened };
}
const approveAndFollow = async (url: string) => {
  await fetch(await op.approve(url, ALICE.email, ALICE.password));
};
const request = (runId = 'run-1') => ({ runId, provider: op.provider, client: { clientId: op.clientId }, loginHint: ALICE.email });

describe('browser sign-in (RFC 8252, PKCE S256, state, iss)', () => {
  it('signs in: the authorization request carries PKCE S256, state, prompt=consent and login_hint; tokens come back with a refresh token; the listener is closed', async () => {
    const { signIns, opened } = service(approveAndFollow);
    const result = await signIns.signIn(request());
    expect(result.ok ? 'signed in' : result.error.code).toBe('signed in');
    if (!result.ok) return;
    expect(result.value.refreshToken).toBeTruthy();
    expect((await op.introspect(result.value.accessToken)).active).toBe(true);
    const url = new URL(opened[0]!);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(url.searchParams.get('prompt')).toBe('consent');
    expect(url.searchParams.get('login_hint')).toBe(ALICE.email);
    const redirect = new URL(url.searchParams.get('redirect_uri')!);
    expect(redirect.hostname).toBe('127.0.0.1');
    expect(await accepts(Number(redirect.port))).toBe(false);
  });

  it('an answer with another state, on another path or on another port is ignored; the real one still completes', async () => {
    let seen: string | undefined;
    const { signIns } = service(async (url) => {
      const answer = new URL(await op.approve(url, ALICE.email, ALICE.password));
      const forged = new URL(answer);
      forged.searchParams.set('state', 'forged');
      expect((await fetch(forged)).status).toBe(400);
      const otherPath = new URL(answer);
      otherPath.pathname = '/other';
      expect((await fetch(otherPath)).status).toBe(404);
      const favicon = new URL('/favicon.ico', answer);
      expect((await fetch(favicon)).status).toBe(404);
      seen = answer.toString();
      await fetch(answer);
    });
    const result = await signIns.signIn(request());
    expect(result.ok).toBe(true);
    // The same answer again (a replayed code) reaches a closed port.
    await expect(fetch(seen!)).rejects.toThrow();
  });

  it('an answer naming another issuer is refused (mix-up, RFC 9207)', async () => {
    const { signIns } = service(async (url) => {
      const answer = new URL(await op.approve(url, ALICE.email, ALICE.password));
      answer.searchParams.set('iss', 'https://evil.example');
      await fetch(answer);
    });
    const result = await signIns.signIn(request());
    expect(result.ok ? 'signed in' : result.error.code).toBe('SIGN_IN_FAILED');
  });

  it('a code is good once: replayed at the token endpoint it is refused, and without the PKCE verifier it is refused', async () => {
    let answer: URL | undefined;
    const { signIns, opened } = service(async (url) => {
      answer = new URL(await op.approve(url, ALICE.email, ALICE.password));
      await fetch(answer);
    });
    expect((await signIns.signIn(request())).ok).toBe(true);
    const redirectUri = new URL(opened[0]!).searchParams.get('redirect_uri')!;
    const replay = await fetch(op.tokenEndpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: answer!.searchParams.get('code')!, redirect_uri: redirectUri, client_id: op.clientId, code_verifier: 'x'.repeat(43) }),
    });
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { error: string }).error).toBe('invalid_grant');

    // A fresh code whose exchange leaves out the verifier.
    const url = new URL(op.authorizationEndpoint);
    for (const [k, v] of Object.entries({ response_type: 'code', client_id: op.clientId, redirect_uri: 'http://127.0.0.1:5555/callback', scope: 'openid offline_access', state: 's', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', prompt: 'consent' }))
      url.searchParams.set(k, v);
    const fresh = new URL(await op.approve(url.toString(), ALICE.email, ALICE.password));
    const noVerifier = await fetch(op.tokenEndpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: fresh.searchParams.get('code')!, redirect_uri: 'http://127.0.0.1:5555/callback', client_id: op.clientId }),
    });
    expect(noVerifier.status).toBe(400);
  });

  it('a denied consent, a cancel, a timeout and a second sign-in each end with their own code, and the port is closed', async () => {
    const denied = service(async (url) => void (await fetch(await op.deny(url))));
    expect(await denied.signIns.signIn(request()).then((r) => (r.ok ? 'ok' : r.error.code))).toBe('SIGN_IN_DENIED');

    const idle = service(async () => undefined, 400);
    expect(await idle.signIns.signIn(request()).then((r) => (r.ok ? 'ok' : r.error.code))).toBe('SIGN_IN_TIMEOUT');
    expect(await accepts(Number(new URL(new URL(idle.opened[0]!).searchParams.get('redirect_uri')!).port))).toBe(false);

    const waiting = service(async () => undefined);
    const first = waiting.signIns.signIn(request('run-a'));
    await expect.poll(() => waiting.opened.length).toBe(1);
    const second = waiting.signIns.signIn(request('run-b'));
    expect(await first.then((r) => (r.ok ? 'ok' : r.error.code))).toBe('SIGN_IN_REPLACED');
    await expect.poll(() => waiting.opened.length).toBe(2);
    expect(waiting.signIns.cancel('run-a')).toBe(false);
    expect(waiting.signIns.cancel('run-b')).toBe(true);
    expect(await second.then((r) => (r.ok ? 'ok' : r.error.code))).toBe('SIGN_IN_CANCELLED');
    for (const opened of waiting.opened) expect(await accepts(Number(new URL(new URL(opened).searchParams.get('redirect_uri')!).port))).toBe(false);
  });

  it("a request naming Microsoft with other endpoints signs in at Microsoft's own, with the shipped client", async () => {
    const { createOAuthService } = await import('../../src-main/services/oauth');
    const opened: string[] = [];
    const oauth = createOAuthService({
      accounts: {} as never,
      registrations: { forProvider: (id) => (id === 'microsoft' ? { clientId: 'shipped-ms' } : undefined) },
      openExternal: async (url) => void opened.push(url),
      logger: silentLogger,
    });
    const pending = oauth.signIn({ runId: 'ms', provider: { ...op.provider, id: 'microsoft', name: 'Microsoft' } });
    await expect.poll(() => opened.length).toBe(1);
    expect(oauth.cancel('ms')).toBe(true);
    expect(await pending.then((r) => (r.ok ? 'ok' : r.error.code))).toBe('SIGN_IN_CANCELLED');
    const url = new URL(opened[0]!);
    expect(url.origin).toBe('https://login.microsoftonline.com');
    expect(url.searchParams.get('client_id')).toBe('shipped-ms');
    expect(url.searchParams.get('scope')).toContain('https://outlook.office.com/SMTP.Send');
  });

  it('no client ID for the provider: OAUTH_CLIENT_MISSING before any browser opens', async () => {
    const { createOAuthService } = await import('../../src-main/services/oauth');
    const opened: string[] = [];
    const oauth = createOAuthService({
      accounts: {} as never,
      registrations: { forProvider: () => undefined },
      openExternal: async (url) => void opened.push(url),
      logger: silentLogger,
    });
    const result = await oauth.signIn({ runId: 'r', provider: op.provider });
    expect(result.ok ? 'ok' : result.error.code).toBe('OAUTH_CLIENT_MISSING');
    expect(opened).toEqual([]);
  });
});

describe('access tokens: expiry, refresh with rotation, revocation', () => {
  const oauth = (): OAuthSettings => ({ ...op.provider, clientId: op.clientId, ownClientId: false });
  /** An account store in memory, as accounts.ts keeps it in the vault. */
  function store(refreshToken: string) {
    const state = { refreshToken: refreshToken as string | undefined, rotations: 0, revoked: 0 };
    const grants: AccountGrants = {
      grant: (): Result<{ oauth: OAuthSettings; refreshToken: string } | undefined> => ok(state.refreshToken ? { oauth: oauth(), refreshToken: state.refreshToken } : undefined),
      rotate: (_id, token) => {
        state.refreshToken = token;
        state.rotations++;
        return ok(undefined);
      },
      revoked: () => {
        state.refreshToken = undefined;
        state.revoked++;
      },
    };
    return { state, grants };
  }
  const signedIn = async () => {
    const { signIns } = service(approveAndFollow);
    const result = await signIns.signIn(request());
    if (!result.ok) throw new Error(result.error.code);
    return result.value;
  };

  it('hands out the same token while it is fresh, one refresh for many callers when it expires (never two at once), the rotated refresh token stored first', async () => {
    const tokens = await signedIn();
    const { state, grants } = store(tokens.refreshToken!);
    const service = createTokenService({ accounts: grants, logger: silentLogger });
    service.remember('acct', tokens);
    expect(await service.get('acct')).toEqual({ ok: true, value: tokens.accessToken });
    await new Promise((r) => setTimeout(r, 3200));
    expect((await op.introspect(tokens.accessToken)).active).toBe(false);
    const before = op.tokenRequests.filter((r) => r.grantType === 'refresh_token').length;
    const all = await Promise.all([service.get('acct'), service.get('acct'), service.get('acct'), service.get('acct')]);
    const refreshes = op.tokenRequests.filter((r) => r.grantType === 'refresh_token').slice(before);
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]!.ok).toBe(true);
    const fresh = all[0]!.ok ? all[0]!.value : '';
    expect(all.every((r) => r.ok && r.value === fresh)).toBe(true);
    expect(fresh).not.toBe(tokens.accessToken);
    expect((await op.introspect(fresh)).active).toBe(true);
    expect(state.rotations).toBe(1);
    expect(state.refreshToken).not.toBe(tokens.refreshToken);
    // A server refused the token: the next get refreshes, once.
    expect(service.refused('acct', fresh)).toBe(true);
    const again = await service.get('acct');
    expect(again.ok && again.value !== fresh).toBe(true);
    expect(state.rotations).toBe(2);
  });

  it('a revoked grant: SIGN_IN_REQUIRED, the grant is forgotten (the account shows "Sign in again"), and nothing is retried', async () => {
    const tokens = await signedIn();
    const { state, grants } = store(tokens.refreshToken!);
    const revokedGrants: string[] = [];
    const service = createTokenService({ accounts: grants, logger: silentLogger, onRevoked: (g) => revokedGrants.push(g) });
    await op.revokeGrantsOf(ALICE.email);
    const result = await service.get('acct');
    expect(result.ok ? 'ok' : result.error.code).toBe('SIGN_IN_REQUIRED');
    expect(state.revoked).toBe(1);
    expect(revokedGrants).toEqual(['acct']);
    const before = op.tokenRequests.length;
    expect((await service.get('acct')).ok).toBe(false);
    expect(op.tokenRequests.length).toBe(before);
  });

  it('the provider cannot be reached: a network code, and the grant is kept', async () => {
    const tokens = await signedIn();
    const { state, grants } = store(tokens.refreshToken!);
    const closed = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (server.address() as net.AddressInfo).port;
        server.close(() => resolve(port));
      });
    });
    const unreachable: AccountGrants = { ...grants, grant: () => ok({ oauth: { ...oauth(), tokenEndpoint: `http://127.0.0.1:${closed}/token` }, refreshToken: state.refreshToken! }) };
    const service = createTokenService({ accounts: unreachable, logger: silentLogger });
    const result = await service.get('acct');
    expect(result.ok ? 'ok' : result.error.code).toBe('CONNECTION_REFUSED');
    expect(state.revoked).toBe(0);
  });
});

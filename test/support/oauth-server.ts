// A real OAuth2 / OpenID Connect authorization server on 127.0.0.1 for the sign-in tests.
//
// oidc-provider (a maintained, certified implementation) runs in this process on an ephemeral port.
// It knows one native public client (PKCE S256 required, loopback redirect on any port, refresh
// tokens rotated on every use), and one confidential client that Dovecot's oauth2 passdb uses to
// introspect the opaque access tokens (see startMailServers({ oauth })). The configuration and its
// gotchas were worked out in ../../../shared/oauth-stack.md.
//
// The login page is ours, not oidc-provider's devInteractions (which accepts any password): it
// checks the password against the users given, has visible labels for getByLabel, and a Cancel
// button that ends the sign-in with access_denied. Consent is granted automatically, as for a
// first-party app. approve()/deny() drive that page without a browser, for tests that only need a
// code; the e2e tests drive the same page in a real browser.

import http from 'node:http';
import type net from 'node:net';
import { randomBytes } from 'node:crypto';
// oidc-provider ships no type declarations; the small part used here is typed below (OidcProvider).
// @ts-expect-error untyped ESM module, see OidcProviderModule
import * as oidcProviderModule from 'oidc-provider';
// @ts-expect-error untyped ESM module, see MemoryAdapterClass
import MemoryAdapterModule from 'oidc-provider/lib/adapters/memory_adapter.js';
import type { OAuthProvider } from '../../shared/oauth';

const HOST = '127.0.0.1';
const BODY_LIMIT = 64 * 1024;
const FETCH_TIMEOUT_MS = 5_000;
const MAX_REDIRECTS = 20;

export interface OAuthServerOptions {
  /** The native public client's id. Default 'mailwright-test'. */
  clientId?: string;
  /** Lifetime of access tokens (opaque, checked by introspection). Default 60. */
  accessTokenTtlSeconds?: number;
  /** Lifetime of refresh tokens. Default 14 days. */
  refreshTokenTtlSeconds?: number;
  /** Who may sign in (more with addUser). The email is the account id and the `email` claim. */
  users?: Array<{ email: string; password: string }>;
  /** The client Dovecot introspects with. Default 'dovecot' and a random secret. */
  introspectionClientId?: string;
  introspectionClientSecret?: string;
}

/** One call of the token endpoint, as seen by the server. */
export interface TokenRequest {
  grantType: string;
  ok: boolean;
  /** The OAuth error code when ok is false ('invalid_grant', ...). */
  error?: string;
  /** The account the token was for (on success). */
  accountId?: string;
  at: number;
}

export interface OAuthServer {
  /** `http://127.0.0.1:<port>`; also the `iss` of every authorization response. */
  issuer: string;
  port: number;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  introspectionEndpoint: string;
  revocationEndpoint: string;
  /** The native public client's id. Its redirect URIs: http://127.0.0.1/callback and http://localhost/callback, any port. */
  clientId: string;
  /** The same server as an OAuthProvider record of shared/oauth.ts. */
  provider: OAuthProvider;
  /** Pass to startMailServers({ oauth }) so Dovecot (and Postfix through it) accept this server's tokens. */
  introspection: { introspectionUrl: string; clientId: string; clientSecret: string };
  addUser(email: string, password: string): void;
  /** Makes every grant of the user void: its refresh tokens, access tokens and unused codes stop working. */
  revokeGrantsOf(email: string): Promise<void>;
  /**
   * A headless browser: follows `authorizationUrl`, signs in on the login page with `email` and
   * `password`, and follows redirects until one points at a URI outside this server (the client's
   * redirect URI). Returns that URL without requesting it. Rejects if the login page refuses the
   * password (the error text is in the message) or the server answers with an error page.
   */
  approve(authorizationUrl: string, email: string, password: string): Promise<string>;
  /** Like approve(), but presses Cancel on the login page: the redirect carries error=access_denied. */
  deny(authorizationUrl: string, email?: string, password?: string): Promise<string>;
  /** What the introspection endpoint says about a token, asked as Dovecot asks: `{ active: false }` once it expired or was revoked. */
  introspect(token: string): Promise<{ active: boolean } & Record<string, unknown>>;
  /** Every token endpoint call, oldest first (count refreshes with grantType 'refresh_token'). */
  tokenRequests: TokenRequest[];
  /** Closes the server and every open connection. Idempotent. */
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// The part of oidc-provider's API used here.

interface Interaction {
  uid: string;
  prompt: { name: string; details: { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> } };
  params: Record<string, unknown> & { client_id: string; login_hint?: string };
  session?: { accountId?: string };
  grantId?: string;
}
interface Grant {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  addResourceScope(indicator: string, scope: string): void;
  save(): Promise<string>;
}
interface GrantClass {
  new (init: { accountId: string; clientId: string }): Grant;
  find(id: string): Promise<Grant | undefined>;
  adapter: { destroy(id: string): Promise<void> };
}
interface TokenClass {
  revokeByGrantId?(grantId: string): Promise<void>;
}
interface OidcContext {
  oidc: { params?: Record<string, unknown>; entities?: { Account?: { accountId: string } }; account?: { accountId: string } };
}
interface OidcProvider {
  callback(): (req: http.IncomingMessage, res: http.ServerResponse) => void;
  interactionDetails(req: http.IncomingMessage, res: http.ServerResponse): Promise<Interaction>;
  interactionFinished(req: http.IncomingMessage, res: http.ServerResponse, result: object, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
  on(event: 'grant.success', listener: (ctx: OidcContext) => void): void;
  on(event: 'grant.error', listener: (ctx: OidcContext, error: { error?: string; message?: string }) => void): void;
  on(event: 'server_error', listener: (ctx: OidcContext, error: Error) => void): void;
  Grant: GrantClass;
  AccessToken: TokenClass;
  RefreshToken: TokenClass;
  AuthorizationCode: TokenClass;
}
type OidcProviderModule = { default: new (issuer: string, configuration: object) => OidcProvider };
/** oidc-provider's in-memory adapter, over the store it is given. */
type MemoryAdapterClass = new (model: string, store: ExpiringStore) => object;

const Provider = (oidcProviderModule as OidcProviderModule).default;
const MemoryAdapter = MemoryAdapterModule as MemoryAdapterClass;

/**
 * The store behind the in-memory adapter, one per server. oidc-provider's default is one LRU of
 * 1000 entries shared by every server in the process: a long test with many sign-ins would evict a
 * live grant and its refresh token would fail with invalid_grant for no reason a test could see.
 * Here entries leave only when they expire or are deleted.
 */
class ExpiringStore {
  private readonly entries = new Map<string, { value: unknown; expiresAt: number }>();
  get(key: string): unknown {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }
  set(key: string, value: unknown, options?: { maxAge?: number }): void {
    // Expired entries are dropped on the way, so the map stays as small as the live state.
    if (this.entries.size % 256 === 0) for (const k of [...this.entries.keys()]) this.get(k);
    this.entries.set(key, { value, expiresAt: options?.maxAge === undefined ? Infinity : Date.now() + options.maxAge });
  }
  delete(key: string): void {
    this.entries.delete(key);
  }
}

// ---------------------------------------------------------------------------------------------

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function loginPage(uid: string, clientId: string, email: string, error: string | undefined): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in - Test provider</title></head>
<body>
<main>
<h1>Sign in to Test provider</h1>
<p>${escapeHtml(clientId)} wants to read and send your mail.</p>
${error ? `<p id="login-error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}" autocomplete="off">
<p><label for="username">Email</label> <input id="username" name="username" type="email" value="${escapeHtml(email)}"></p>
<p><label for="password">Password</label> <input id="password" name="password" type="password"></p>
<p><button id="submit" type="submit" name="action" value="login">Sign in</button>
<button id="deny" type="submit" name="action" value="deny" formnovalidate>Cancel</button></p>
</form>
</main>
</body></html>`;
}

function readBody(req: http.IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

/** Starts the authorization server. Stop it with stop() (afterAll). */
export async function startOAuthServer(opts: OAuthServerOptions = {}): Promise<OAuthServer> {
  const clientId = opts.clientId ?? 'mailwright-test';
  const introspectionClientId = opts.introspectionClientId ?? 'dovecot';
  const introspectionClientSecret = opts.introspectionClientSecret ?? randomBytes(18).toString('base64url');
  const accessTtl = opts.accessTokenTtlSeconds ?? 60;
  const refreshTtl = opts.refreshTokenTtlSeconds ?? 14 * 86_400;
  const users = new Map<string, string>();
  const addUser = (email: string, password: string): void => {
    users.set(email.toLowerCase(), password);
  };
  for (const u of opts.users ?? []) addUser(u.email, u.password);
  /** Grant ids by account, recorded when consent is given (refresh keeps the grant id). */
  const grantsByAccount = new Map<string, Set<string>>();
  const tokenRequests: TokenRequest[] = [];

  // Listen first: the issuer must carry the real port, and the Provider is made with its issuer.
  let handler: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_req, res) => {
    res.writeHead(503).end();
  };
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  const issuer = `http://${HOST}:${port}`;

  const store = new ExpiringStore();
  const provider = new Provider(issuer, {
    adapter: (model: string) => new MemoryAdapter(model, store),
    clients: [
      {
        client_id: clientId,
        // native: a loopback redirect URI matches whatever port the app listens on (RFC 8252 7.3).
        application_type: 'native',
        // A public client: PKCE is required (below), and refresh tokens rotate on every use.
        token_endpoint_auth_method: 'none',
        redirect_uris: ['http://127.0.0.1/callback', 'http://localhost/callback'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
      {
        client_id: introspectionClientId,
        client_secret: introspectionClientSecret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: [],
        response_types: [],
        redirect_uris: [],
      },
    ],
    scopes: ['openid', 'offline_access', 'email'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    findAccount: async (_ctx: unknown, sub: string) =>
      users.has(sub) ? { accountId: sub, claims: async () => ({ sub, email: sub, email_verified: true }) } : undefined,
    // Dovecot's username_attribute = email reads this from the introspection answer.
    extraTokenClaims: async (_ctx: unknown, token: { accountId?: string }) => (token.accountId ? { email: token.accountId } : undefined),
    pkce: { required: () => true },
    ttl: {
      AccessToken: accessTtl,
      AuthorizationCode: 60,
      RefreshToken: refreshTtl,
      Grant: refreshTtl,
      Session: 14 * 86_400,
      Interaction: 600,
      IdToken: 3600,
    },
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(t: string): boolean }, code: { scopes: Set<string> }) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    rotateRefreshToken: () => true,
    features: {
      devInteractions: { enabled: false },
      introspection: {
        enabled: true,
        allowedPolicy: async (_ctx: unknown, caller: { clientId: string }, token: { clientId?: string }) =>
          caller.clientId === introspectionClientId || caller.clientId === token.clientId,
      },
      revocation: { enabled: true },
    },
    cookies: { keys: [randomBytes(24).toString('base64url')] },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
  });

  provider.on('grant.success', (ctx) => {
    const accountId = ctx.oidc.entities?.Account?.accountId ?? ctx.oidc.account?.accountId;
    tokenRequests.push({ grantType: String(ctx.oidc.params?.grant_type ?? ''), ok: true, accountId, at: Date.now() });
  });
  provider.on('grant.error', (ctx, error) => {
    tokenRequests.push({ grantType: String(ctx.oidc.params?.grant_type ?? ''), ok: false, error: error.error ?? error.message, at: Date.now() });
  });

  const oidcCallback = provider.callback();

  const interaction = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const details = await provider.interactionDetails(req, res);
    const { prompt, params } = details;

    if (prompt.name === 'consent') {
      // A first-party app: consent is given without asking (what the person approves is the sign-in).
      const accountId = details.session?.accountId;
      if (!accountId) throw new Error('consent without a signed-in account');
      const grant = (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ?? new provider.Grant({ accountId, clientId: params.client_id });
      const d = prompt.details;
      if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
      if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(d.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
      const grantId = await grant.save();
      let grants = grantsByAccount.get(accountId);
      if (!grants) grantsByAccount.set(accountId, (grants = new Set()));
      grants.add(grantId);
      await provider.interactionFinished(req, res, { consent: details.grantId ? {} : { grantId } }, { mergeWithLastSubmission: true });
      return;
    }
    if (prompt.name !== 'login') throw new Error(`unexpected prompt ${prompt.name}`);

    const send = (status: number, email: string, error?: string): void => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(loginPage(details.uid, params.client_id, email, error));
    };
    if (req.method === 'GET') {
      send(200, typeof params.login_hint === 'string' ? params.login_hint : '');
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const form = await readBody(req);
    if (form.get('action') === 'deny') {
      await provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'The person refused to sign in' },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const email = (form.get('username') ?? '').trim().toLowerCase();
    const expected = users.get(email);
    if (expected === undefined || expected !== (form.get('password') ?? '')) {
      send(200, email, 'The email or password is not right.');
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: email } }, { mergeWithLastSubmission: false });
  };

  handler = (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    if (/^\/interaction\/[^/]+$/.test(url.pathname)) {
      interaction(req, res).catch((err: Error) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end(`interaction failed: ${err.message}`);
      });
      return;
    }
    oidcCallback(req, res);
  };

  const revokeGrantsOf = async (email: string): Promise<void> => {
    const accountId = email.toLowerCase();
    for (const grantId of grantsByAccount.get(accountId) ?? []) {
      await Promise.all([provider.AccessToken, provider.RefreshToken, provider.AuthorizationCode].map((model) => model.revokeByGrantId?.(grantId)));
      await provider.Grant.adapter.destroy(grantId);
    }
    grantsByAccount.delete(accountId);
  };

  /** Drives the login page the way a browser would, without a browser. */
  const browse = async (authorizationUrl: string, form: Record<string, string>): Promise<string> => {
    const jar = new Map<string, string>();
    const keepCookies = (response: Response): void => {
      for (const header of response.headers.getSetCookie()) {
        const [pair = '', ...attributes] = header.split(';');
        const eq = pair.indexOf('=');
        if (eq <= 0) continue;
        const name = pair.slice(0, eq).trim();
        const value = pair.slice(eq + 1).trim();
        const expired = attributes.some((a) => {
          const [k = '', v = ''] = a.split('=');
          const key = k.trim().toLowerCase();
          return (key === 'max-age' && Number(v) <= 0) || (key === 'expires' && Date.parse(v) < Date.now());
        });
        if (expired || value === '') jar.delete(name);
        else jar.set(name, value);
      }
    };
    const request = async (url: string, init: RequestInit = {}): Promise<Response> => {
      const headers = new Headers(init.headers);
      if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
      const response = await fetch(url, { ...init, headers, redirect: 'manual', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
      keepCookies(response);
      return response;
    };
    const ours = (url: string): boolean => new URL(url).origin === issuer;

    let url = authorizationUrl;
    let submitted = false;
    for (let hop = 0; hop < MAX_REDIRECTS; hop++) {
      if (!ours(url)) return url;
      const response = await request(url);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        url = new URL(location, url).toString();
        continue;
      }
      const page = await response.text();
      if (response.status !== 200 || !page.includes('id="username"')) {
        throw new Error(`the authorization server answered ${response.status} at ${new URL(url).pathname}: ${page.slice(0, 500)}`);
      }
      if (submitted) {
        const error = /id="login-error"[^>]*>([^<]*)</.exec(page)?.[1];
        throw new Error(`the login page refused the sign-in: ${error ?? 'no error shown'}`);
      }
      submitted = true;
      const post = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
      const next = post.headers.get('location');
      if (post.status >= 300 && post.status < 400 && next) {
        await post.body?.cancel();
        url = new URL(next, url).toString();
        continue;
      }
      const again = await post.text();
      const error = /id="login-error"[^>]*>([^<]*)</.exec(again)?.[1];
      throw new Error(`the login page refused the sign-in (${post.status}): ${error ?? again.slice(0, 500)}`);
    }
    throw new Error(`more than ${MAX_REDIRECTS} redirects from ${authorizationUrl}`);
  };

  const introspect = async (token: string): Promise<{ active: boolean } & Record<string, unknown>> => {
    const response = await fetch(`${issuer}/token/introspection`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(introspectionClientId)}:${encodeURIComponent(introspectionClientSecret)}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token }).toString(),
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`introspection answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as { active: boolean } & Record<string, unknown>;
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return stopping;
  };

  return {
    issuer,
    port,
    authorizationEndpoint: `${issuer}/auth`,
    tokenEndpoint: `${issuer}/token`,
    introspectionEndpoint: `${issuer}/token/introspection`,
    revocationEndpoint: `${issuer}/token/revocation`,
    clientId,
    provider: {
      id: issuer,
      name: 'Test provider',
      issuer,
      authorizationEndpoint: `${issuer}/auth`,
      tokenEndpoint: `${issuer}/token`,
      scopes: ['openid', 'email', 'offline_access'],
    },
    introspection: {
      introspectionUrl: `${issuer}/token/introspection`,
      clientId: introspectionClientId,
      clientSecret: introspectionClientSecret,
    },
    addUser,
    revokeGrantsOf,
    approve: (authorizationUrl, email, password) => browse(authorizationUrl, { action: 'login', username: email, password }),
    deny: (authorizationUrl, email = '', password = '') => browse(authorizationUrl, { action: 'deny', username: email, password }),
    introspect,
    tokenRequests,
    stop,
  };
}

/**
 * OAuth2 access tokens for accounts and for wizard sign-ins that are not saved yet ("sessions").
 *
 * - The refresh token lives only in the secret store (accounts.ts, bound to the account's token
 *   endpoint, client and servers) or, for a session, in this process's memory. The access token
 *   lives only in memory and is never written anywhere.
 * - An access token is refreshed shortly before it expires (a minute, or a quarter of its life when
 *   that is shorter), and again after a server refused it (`refused`).
 * - Refreshes of one grant never overlap: the provider rotates the refresh token, and a rotated
 *   token used twice revokes the whole grant (oidc-provider, Microsoft and Google all do this), so
 *   every caller waits for the one refresh in flight. The new refresh token is stored before the
 *   new access token is handed out.
 * - A refresh the provider refuses for good (invalid_grant: revoked, expired, password changed)
 *   forgets the grant: the account shows "Sign in again" and its messages wait (outbox 'signin').
 */
import { randomUUID } from 'node:crypto';
import { fail, ok, type Result } from '../../../shared/result';
import type { OAuthSettings } from '../../../shared/oauth';
import type { AccessTokens } from '../credentials';
import type { Logger } from '../logger';
import { providerRefusalCode, providerWords, requestTokens, type TokenSet } from './token-endpoint';

export interface StoredGrant {
  oauth: OAuthSettings;
  refreshToken: string;
}

/** Where an account's grant is kept (accounts.ts). */
export interface AccountGrants {
  grant(accountId: string): Result<StoredGrant | undefined>;
  /** Stores a rotated refresh token in place of the old one. */
  rotate(accountId: string, refreshToken: string): Result<void>;
  /** The provider refused the grant for good: forget it (the account shows "Sign in again"). */
  revoked(accountId: string): void;
}

export interface TokenService extends AccessTokens {
  /** Keeps a fresh sign-in's grant in memory until the account is saved; returns its session id. */
  openSession(oauth: OAuthSettings, tokens: TokenSet): string;
  /** The grant of a session (latest refresh token), or undefined when unknown or expired. */
  session(session: string): StoredGrant | undefined;
  /** The session's grant now belongs to `accountId` (saved): its access token moves with it. */
  adopt(session: string, accountId: string): void;
  /** Caches the access token of a sign-in stored straight into an account ("Sign in again"). */
  remember(grant: string, tokens: TokenSet): void;
  /** Forgets what is cached for a grant (account deleted or its servers changed). */
  forget(grant: string): void;
}

/** Unsaved sign-ins are dropped after this long. */
const SESSION_LIFETIME_MS = 60 * 60_000;
/** Refresh when less than this is left (or a quarter of the token's life, when that is less). */
const REFRESH_MARGIN_MS = 60_000;

/** Refusals of a refresh that mean the grant is gone for good. */
const GRANT_GONE = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client', 'invalid_scope', 'access_denied', 'interaction_required', 'consent_required']);

export function createTokenService(options: {
  accounts: AccountGrants;
  /** The client secret shipped for a provider (Google), never stored with the account. */
  clientSecret?: (oauth: OAuthSettings) => string | undefined;
  logger: Logger;
  now?: () => number;
  fetch?: typeof fetch;
  onRevoked?: (grant: string) => void;
}): TokenService {
  const now = options.now ?? Date.now;
  const cache = new Map<string, { token: string; refreshAt: number }>();
  const inflight = new Map<string, Promise<Result<string>>>();
  const sessions = new Map<string, StoredGrant & { expires: number }>();

  const cacheTokens = (grant: string, tokens: TokenSet) => {
    const margin = Math.min(REFRESH_MARGIN_MS, tokens.lifetimeMs / 4);
    cache.set(grant, { token: tokens.accessToken, refreshAt: now() + tokens.lifetimeMs - margin });
  };
  const liveSession = (id: string) => {
    const s = sessions.get(id);
    if (s && s.expires <= now()) sessions.delete(id);
    return s && s.expires > now() ? s : undefined;
  };
  const read = (grant: string): Result<StoredGrant | undefined> => {
    const s = liveSession(grant);
    return s ? ok(s) : options.accounts.grant(grant);
  };

  const refresh = async (grant: string): Promise<Result<string>> => {
    const stored = read(grant);
    if (!stored.ok) return stored;
    if (!stored.value) return fail('SIGN_IN_REQUIRED');
    const { oauth, refreshToken } = stored.value;
    const secret = options.clientSecret?.(oauth);
    const outcome = await requestTokens(
      oauth.tokenEndpoint,
      { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: oauth.clientId, ...(secret ? { client_secret: secret } : {}) },
      options.fetch ? { fetch: options.fetch } : {},
    );
    if (!outcome.ok) {
      if (!outcome.refused) {
        options.logger.warn('oauth: refresh failed', { provider: oauth.id, code: outcome.failure.code });
        return { ok: false, error: outcome.failure };
      }
      const words = providerWords(outcome.error, outcome.description);
      if (!GRANT_GONE.has(outcome.error)) {
        options.logger.warn('oauth: the provider refused a refresh for now', { provider: oauth.id, error: outcome.error });
        return fail('SERVER_BUSY', { command: 'token endpoint', serverReply: words });
      }
      options.logger.warn('oauth: the grant was refused; the account must sign in again', { provider: oauth.id, error: outcome.error, description: outcome.description });
      cache.delete(grant);
      if (sessions.delete(grant) === false) options.accounts.revoked(grant);
      options.onRevoked?.(grant);
      const code = providerRefusalCode(outcome.error, outcome.description, 'SIGN_IN_REQUIRED');
      return fail(code === 'SIGN_IN_DENIED' ? 'SIGN_IN_REQUIRED' : code, { command: 'token endpoint', serverReply: words });
    }
    const rotated = outcome.tokens.refreshToken;
    if (rotated && rotated !== refreshToken) {
      const session = liveSession(grant);
      if (session) session.refreshToken = rotated;
      else {
        const saved = options.accounts.rotate(grant, rotated);
        if (!saved.ok) {
          // The old refresh token is now spent: this grant cannot be kept. Say so rather than lose it silently later.
          options.logger.error('oauth: the new refresh token could not be stored', { code: saved.error.code });
          return saved;
        }
      }
    }
    cacheTokens(grant, outcome.tokens);
    return ok(outcome.tokens.accessToken);
  };

  return {
    async get(grant) {
      const cached = cache.get(grant);
      if (cached && cached.refreshAt > now()) return ok(cached.token);
      let pending = inflight.get(grant);
      if (!pending) {
        pending = refresh(grant).finally(() => inflight.delete(grant));
        inflight.set(grant, pending);
      }
      return pending;
    },
    refused(grant, token) {
      const cached = cache.get(grant);
      if (cached?.token === token) cache.delete(grant);
      // A refusal of an older token while a newer one is cached: retrying with the newer one can help too.
      return true;
    },
    openSession(oauth, tokens) {
      const id = randomUUID();
      for (const [key, s] of sessions) if (s.expires <= now()) sessions.delete(key);
      sessions.set(id, { oauth, refreshToken: tokens.refreshToken ?? '', expires: now() + SESSION_LIFETIME_MS });
      cacheTokens(id, tokens);
      return id;
    },
    session: (id) => {
      const s = liveSession(id);
      return s ? { oauth: s.oauth, refreshToken: s.refreshToken } : undefined;
    },
    adopt(session, accountId) {
      const cached = cache.get(session);
      sessions.delete(session);
      cache.delete(session);
      if (cached) cache.set(accountId, cached);
      else cache.delete(accountId);
    },
    remember: (grant, tokens) => cacheTokens(grant, tokens),
    forget(grant) {
      cache.delete(grant);
      sessions.delete(grant);
    },
  };
}

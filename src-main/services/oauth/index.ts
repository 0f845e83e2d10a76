/**
 * OAuth2 for the rest of main: browser sign-in (sign-in.ts), access tokens (tokens.ts), grants kept
 * by the account service, client IDs from the registrations shipped with the app or the person's
 * own. The IPC handlers and the credential source use this; nothing else talks to a provider.
 */
import { fail, ok, type Result } from '../../../shared/result';
import type { OAuthSettings, OAuthSignInResult } from '../../../shared/oauth';
import type { z } from 'zod';
import type { OAuthSignInRequestSchema } from '../../../shared/oauth';
import type { AccountService } from '../accounts';
import type { Logger } from '../logger';
import { bundledOAuthProvider } from '../discovery/providers';
import { createSignInService, type SignInService } from './sign-in';
import { createTokenService, type TokenService } from './tokens';

/** Client IDs shipped with this build (registrations.ts), by provider id. */
export interface ClientRegistrations {
  forProvider(providerId: string): { clientId: string; clientSecret?: string } | undefined;
}

export type SignInRequest = z.output<typeof OAuthSignInRequestSchema>;

export interface OAuthService {
  signIn(request: SignInRequest): Promise<Result<OAuthSignInResult>>;
  cancel(runId: string): boolean;
  tokens: TokenService;
  close(): void;
}

export function createOAuthService(options: {
  accounts: AccountService;
  registrations: ClientRegistrations;
  openExternal: (url: string) => Promise<void>;
  logger: Logger;
  /** An account signed in again: its waiting messages can go. */
  onSignedIn?: (accountId: string) => void;
  signInTimeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}): OAuthService {
  const { accounts, registrations, logger } = options;
  const signIns: SignInService = createSignInService({
    openExternal: options.openExternal,
    logger,
    ...(options.signInTimeoutMs ? { timeoutMs: options.signInTimeoutMs } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  /** The shipped secret goes only with the shipped client ID it belongs to. */
  const clientSecret = (oauth: Pick<OAuthSettings, 'id' | 'clientId'>) => {
    const shipped = registrations.forProvider(oauth.id);
    return shipped && shipped.clientId === oauth.clientId ? shipped.clientSecret : undefined;
  };
  const tokens = createTokenService({
    accounts: {
      grant: (id) => accounts.oauthGrant(id),
      rotate: (id, refreshToken) => accounts.setOAuthGrant(id, refreshToken),
      revoked: (id) => accounts.clearOAuthGrant(id),
    },
    clientSecret,
    logger,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.now ? { now: options.now } : {}),
  });

  return {
    tokens,
    cancel: (runId) => signIns.cancel(runId),
    close: () => signIns.close(),
    async signIn(request) {
      // "Sign in again" signs in with the provider and client the account was saved with: a request
      // cannot send an account's grant to another token endpoint.
      const account = request.accountId === undefined ? undefined : accounts.get(request.accountId);
      if (request.accountId !== undefined && !account?.oauth) return fail('ACCOUNT_NOT_FOUND');
      // Microsoft and Google sign in only through the endpoints Mailwright ships for them: a request
      // naming their id with other endpoints would send the shipped client registration elsewhere.
      const provider = account?.oauth ?? bundledOAuthProvider(request.provider.id) ?? request.provider;
      const own = account?.oauth ? (account.oauth.ownClientId ? account.oauth.clientId : undefined) : request.ownClientId;
      const shipped = own === undefined ? registrations.forProvider(provider.id) : undefined;
      const clientId = own ?? shipped?.clientId;
      if (!clientId) return fail('OAUTH_CLIENT_MISSING');
      const secret = own === undefined ? shipped?.clientSecret : undefined;
      const signedIn = await signIns.signIn({
        runId: request.runId,
        provider: { id: provider.id, name: provider.name, issuer: provider.issuer, authorizationEndpoint: provider.authorizationEndpoint, tokenEndpoint: provider.tokenEndpoint, scopes: provider.scopes },
        client: { clientId, ...(secret ? { clientSecret: secret } : {}) },
        ...(request.loginHint ? { loginHint: request.loginHint } : account ? { loginHint: account.email } : {}),
      });
      if (!signedIn.ok) return signedIn;
      const result = { clientId, ownClientId: own !== undefined, scopes: signedIn.value.scopes };
      if (account) {
        const stored = accounts.setOAuthGrant(account.id, signedIn.value.refreshToken!);
        if (!stored.ok) return stored;
        tokens.remember(account.id, signedIn.value);
        options.onSignedIn?.(account.id);
        // No session: one refresh token must have one holder, or the two would spend it twice (and a
        // rotated token used twice revokes the grant).
        return ok({ ...result, session: null, stored: true });
      }
      const session = tokens.openSession(
        {
          id: provider.id,
          name: provider.name,
          issuer: provider.issuer,
          authorizationEndpoint: provider.authorizationEndpoint,
          tokenEndpoint: provider.tokenEndpoint,
          scopes: provider.scopes,
          clientId,
          ownClientId: own !== undefined,
        },
        signedIn.value,
      );
      return ok({ ...result, session, stored: false });
    },
  };
}

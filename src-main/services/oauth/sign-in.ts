/**
 * One OAuth2 sign-in through the person's system browser (RFC 8252): the authorization code flow
 * with PKCE S256 (RFC 7636), a random `state`, the `iss` check of RFC 9207, and the answer taken on
 * a one-time loopback redirect (loopback.ts). Never an embedded web view: the person types their
 * password into the provider's page in the browser they know, where their password manager and
 * security keys work, and Mailwright never sees it.
 *
 * At most one sign-in is open: starting another ends the first (SIGN_IN_REPLACED), because a person
 * who starts again has usually lost the first tab. Cancel, the 5-minute limit, a refusal on the
 * provider's page and an answer that does not check out each end it with their own code, and the
 * listener is closed in every case.
 */
import { fail, ok, type Result } from '../../../shared/result';
import type { ErrorCode } from '../../../shared/errors';
import type { OAuthProvider } from '../../../shared/oauth';
import type { Logger } from '../logger';
import { createPkce, randomState } from './pkce';
import { openLoopback, SignInStopped } from './loopback';
import { providerRefusalCode, providerWords, requestTokens, type TokenSet } from './token-endpoint';

export const SIGN_IN_TIMEOUT_MS = 5 * 60_000;

export interface SignInClient {
  clientId: string;
  /** Google's installed-app clients carry a "secret" that is not secret (RFC 8252 8.5); sent when there is one. */
  clientSecret?: string;
}

export interface SignInRequest {
  runId: string;
  provider: OAuthProvider;
  client: SignInClient;
  loginHint?: string;
}

export interface SignInService {
  /** Runs a sign-in to its end: tokens (with a refresh token), or the reason it ended. */
  signIn(request: SignInRequest): Promise<Result<TokenSet>>;
  /** Ends the sign-in `runId` if it is still open. */
  cancel(runId: string): boolean;
  /** Ends any open sign-in (the app quits). */
  close(): void;
}

/**
 * Extra authorization parameters a provider needs, as data. prompt=consent for all: without it
 * offline_access may be dropped (and no refresh token comes back); Google wants access_type=offline.
 */
const EXTRA_PARAMETERS: Record<string, Record<string, string>> = {
  google: { access_type: 'offline' },
};

/**
 * RFC 9207: an `iss` in the answer must be this provider's issuer, compared as strings. A provider
 * known only by the host name in its config-v1.1 file is matched by host.
 */
export function issuerMatches(expected: string, iss: string): boolean {
  if (/^https?:\/\//i.test(expected)) return iss === expected;
  return URL.parse(iss)?.host.toLowerCase() === expected.toLowerCase();
}

const STOPPED: Record<SignInStopped['reason'], ErrorCode> = { cancelled: 'SIGN_IN_CANCELLED', timeout: 'SIGN_IN_TIMEOUT', replaced: 'SIGN_IN_REPLACED' };

export function createSignInService(options: {
  /** Opens the URL in the system browser (shell.openExternal in the app; a second page in the tests). */
  openExternal: (url: string) => Promise<void>;
  logger: Logger;
  timeoutMs?: number;
  fetch?: typeof fetch;
}): SignInService {
  let active: { runId: string; controller: AbortController } | undefined;
  const timeoutMs = options.timeoutMs ?? SIGN_IN_TIMEOUT_MS;

  const stoppedCode = (signal: AbortSignal): ErrorCode => (signal.reason instanceof SignInStopped ? STOPPED[signal.reason.reason] : 'SIGN_IN_CANCELLED');

  return {
    async signIn({ runId, provider, client, loginHint }) {
      active?.controller.abort(new SignInStopped('replaced'));
      const controller = new AbortController();
      const run = { runId, controller };
      active = run;
      const timer = setTimeout(() => controller.abort(new SignInStopped('timeout')), timeoutMs);
      timer.unref?.();
      const pkce = createPkce();
      const state = randomState();
      const listener = await openLoopback({ state, signal: controller.signal });
      try {
        const url = new URL(provider.authorizationEndpoint);
        const params: Record<string, string> = {
          response_type: 'code',
          client_id: client.clientId,
          redirect_uri: listener.redirectUri,
          scope: provider.scopes.join(' '),
          state,
          code_challenge: pkce.challenge,
          code_challenge_method: pkce.method,
          prompt: 'consent',
          ...(loginHint ? { login_hint: loginHint } : {}),
          ...EXTRA_PARAMETERS[provider.id],
        };
        for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
        options.logger.info('oauth: sign-in opened in the browser', { provider: provider.id, endpoint: provider.authorizationEndpoint });
        try {
          await options.openExternal(url.toString());
        } catch (error) {
          options.logger.warn('oauth: the browser could not be opened', { error });
          return fail('SIGN_IN_FAILED', { command: 'open browser' });
        }

        let query: URLSearchParams;
        try {
          query = await listener.answer;
        } catch (error) {
          if (error instanceof SignInStopped) return fail(STOPPED[error.reason]);
          throw error;
        }
        const iss = query.get('iss');
        if (iss !== null && !issuerMatches(provider.issuer, iss)) {
          options.logger.warn('oauth: answer from another issuer refused', { expected: provider.issuer, got: iss });
          return fail('SIGN_IN_FAILED', { command: 'authorization response', serverReply: 'The answer named another issuer than the provider signed in with.' });
        }
        const error = query.get('error');
        if (error !== null) {
          const description = query.get('error_description') ?? '';
          options.logger.info('oauth: the provider refused the sign-in', { error, description });
          return fail(providerRefusalCode(error, description, 'SIGN_IN_FAILED'), { command: 'authorization response', serverReply: providerWords(error, description) });
        }
        const code = query.get('code');
        if (!code) return fail('SIGN_IN_FAILED', { command: 'authorization response', serverReply: 'The answer carried no authorization code.' });

        const exchanged = await requestTokens(
          provider.tokenEndpoint,
          {
            grant_type: 'authorization_code',
            code,
            redirect_uri: listener.redirectUri,
            client_id: client.clientId,
            code_verifier: pkce.verifier,
            ...(client.clientSecret ? { client_secret: client.clientSecret } : {}),
          },
          { signal: controller.signal, ...(options.fetch ? { fetch: options.fetch } : {}) },
        );
        if (controller.signal.aborted) return fail(stoppedCode(controller.signal));
        if (!exchanged.ok) {
          if (!exchanged.refused) return { ok: false, error: exchanged.failure };
          options.logger.warn('oauth: the token endpoint refused the code', { error: exchanged.error, description: exchanged.description });
          return fail(providerRefusalCode(exchanged.error, exchanged.description, 'SIGN_IN_FAILED'), {
            command: 'token endpoint',
            serverReply: providerWords(exchanged.error, exchanged.description),
          });
        }
        if (!exchanged.tokens.refreshToken) {
          // Without one the account would ask to sign in again within the hour: refuse now, with words.
          return fail('SIGN_IN_FAILED', { command: 'token endpoint', serverReply: 'The provider gave no refresh token (offline access was not granted).' });
        }
        options.logger.info('oauth: signed in', { provider: provider.id, scopes: exchanged.tokens.scopes });
        return ok(exchanged.tokens);
      } finally {
        clearTimeout(timer);
        await listener.close();
        if (active === run) active = undefined;
      }
    },
    cancel(runId) {
      if (active?.runId !== runId) return false;
      active.controller.abort(new SignInStopped('cancelled'));
      return true;
    },
    close() {
      active?.controller.abort(new SignInStopped('cancelled'));
    },
  };
}

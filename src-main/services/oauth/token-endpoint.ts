/**
 * The token endpoint (RFC 6749 section 3.2): the authorization-code exchange and the refresh, over
 * https (http only on loopback, OAuthEndpointSchema), form-encoded, with a deadline. Answers become
 * our codes here, once: a provider's refusal by its `error` and description, a network failure
 * through the network layer's judgement. Tokens never leave this module except in the result.
 */
import { appError, type AppError } from '../../../shared/result';
import type { ErrorCode } from '../../../shared/errors';
import { networkFailureCode } from '../net/errors';

export interface TokenSet {
  accessToken: string;
  /** Absent when the provider did not rotate it (a refresh may keep the old one). */
  refreshToken?: string;
  /** Lifetime of the access token as the provider gave it (expires_in), in milliseconds. */
  lifetimeMs: number;
  scopes: string[];
}

export type TokenOutcome =
  | { ok: true; tokens: TokenSet }
  /** The provider answered with an OAuth error: `error` and its description, e.g. invalid_grant. */
  | { ok: false; refused: true; error: string; description: string; status: number }
  /** No usable answer: the provider could not be reached, or answered something that is not OAuth. */
  | { ok: false; refused: false; failure: AppError };

/** Microsoft's AADSTS codes and Google's error names for "an administrator must act". */
const ADMIN_APPROVAL = /AADSTS65001|AADSTS90094|AADSTS90095|admin_consent_required|consent_required|need admin approval|admin approval/i;
const BLOCKED_BY_POLICY = /admin_policy_enforced|org_internal|AADSTS53003|AADSTS530\d\d|AADSTS50105|disallowed_useragent|blocked by (?:your )?(?:administrator|admin|organi[sz]ation)|access blocked/i;

/**
 * What a provider's OAuth error means for the person, for the authorization response and the token
 * endpoint alike. `fallback` is the code for any other refusal.
 */
export function providerRefusalCode(error: string, description: string, fallback: ErrorCode): ErrorCode {
  const said = `${error} ${description}`;
  if (BLOCKED_BY_POLICY.test(said)) return 'SIGN_IN_BLOCKED_BY_POLICY';
  if (ADMIN_APPROVAL.test(said)) return 'SIGN_IN_ADMIN_APPROVAL';
  if (error === 'access_denied') return 'SIGN_IN_DENIED';
  return fallback;
}

/** The provider's words for the detail shown under the message: no tokens, bounded. */
export const providerWords = (error: string, description: string) => `${error}${description ? `: ${description}` : ''}`.slice(0, 500);

export async function requestTokens(
  endpoint: string,
  params: Record<string, string>,
  options: { timeoutMs?: number; signal?: AbortSignal; fetch?: typeof fetch } = {},
): Promise<TokenOutcome> {
  const signals = [AbortSignal.timeout(options.timeoutMs ?? 30_000), ...(options.signal ? [options.signal] : [])];
  let response: Response;
  let text: string;
  try {
    response = await (options.fetch ?? fetch)(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams(params).toString(),
      redirect: 'error',
      signal: AbortSignal.any(signals),
    });
    text = (await response.text()).slice(0, 200_000);
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    const code = timedOut ? 'CONNECTION_TIMEOUT' : networkFailureCode(error) ?? networkFailureCode((error as { cause?: unknown }).cause) ?? 'CONNECTION_LOST';
    return { ok: false, refused: false, failure: appError(code, { command: 'token endpoint' }) };
  }
  let body: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
  } catch {
    body = undefined;
  }
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  if (!response.ok || !body || typeof body.access_token !== 'string') {
    if (body && typeof body.error === 'string') {
      return { ok: false, refused: true, error: body.error.slice(0, 100), description: str(body.error_description).slice(0, 400), status: response.status };
    }
    const busy = response.status >= 500 || response.status === 429;
    return { ok: false, refused: false, failure: appError(busy ? 'SERVER_BUSY' : 'SIGN_IN_FAILED', { command: 'token endpoint', serverReply: `HTTP ${response.status}` }) };
  }
  const expiresIn = Number(body.expires_in);
  return {
    ok: true,
    tokens: {
      accessToken: body.access_token,
      ...(typeof body.refresh_token === 'string' && body.refresh_token ? { refreshToken: body.refresh_token } : {}),
      // Without expires_in, assume an hour (RFC 6749 leaves it optional); the refused-token retry covers a shorter life.
      lifetimeMs: Number.isFinite(expiresIn) && expiresIn > 0 ? Math.min(expiresIn, 86_400) * 1000 : 3_600_000,
      scopes: str(body.scope).split(/\s+/).filter(Boolean),
    },
  };
}

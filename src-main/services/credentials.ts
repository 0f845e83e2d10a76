/**
 * What Mailwright signs in to a server with: a password, or an OAuth2 access token. Every protocol
 * (SMTP sending, the staged check, IMAP, POP3, the Sent copy) takes a `Credential` and turns it into
 * its own command (AUTH PLAIN / LOGIN, AUTH XOAUTH2 / OAUTHBEARER, LOGIN / AUTHENTICATE, USER+PASS)
 * with the SASL helpers of net/sasl.ts; none of them knows where the secret came from.
 *
 * Secrets are only ever handed out for the server they were stored for (accounts.ts): a credential
 * is asked for with the server about to be contacted, and a different server gets none.
 */
import { ok, type Result } from '../../shared/result';

export type Credential =
  | { kind: 'password'; username: string; password: string }
  | { kind: 'oauth2'; username: string; accessToken: string };

/**
 * Short-lived OAuth2 access tokens, kept in memory only (oauth/tokens.ts). A grant is an account id,
 * or the session id of a wizard sign-in that is not saved yet.
 */
export interface AccessTokens {
  /**
   * A current access token for the grant, refreshed first when it expires within a minute.
   * SIGN_IN_REQUIRED when the grant is gone (revoked, expired, never signed in); network codes
   * when the provider cannot be reached.
   */
  get(grant: string): Promise<Result<string>>;
  /**
   * The server refused `token` (401, 535, AUTHENTICATIONFAILED): forget it, so that the next get()
   * refreshes. True when a retry with a fresh token can help (once per refusal: a token refreshed
   * after this one was refused already answers false).
   */
  refused(grant: string, token: string): boolean;
}

/**
 * Where a protocol gets its credential when it is about to sign in, and where it says that the
 * server refused it. Read at each attempt (a password may change, a token expire meanwhile).
 */
export interface CredentialSource {
  /** The credential for the server about to be contacted; undefined when none is stored. */
  credential(): Promise<Result<Credential | undefined>>;
  /**
   * The server refused `credential` (535, AUTHENTICATIONFAILED, -ERR [AUTH]). True when one new
   * attempt with a fresh credential can help: an access token, once. A password: never.
   */
  refused(credential: Credential): boolean;
}

/** A credential known up front (a password typed in the wizard, a stored one): never retried. */
export function fixedCredential(credential: Credential | undefined): CredentialSource {
  return { credential: async () => ok(credential), refused: () => false };
}

/** A password, or none (undefined), for `username`. */
export function passwordCredential(username: string, password: string | undefined): CredentialSource {
  return fixedCredential(password === undefined ? undefined : { kind: 'password', username, password });
}

/** Access tokens of one grant from the token service, signed in as `username`. */
export function tokenCredential(tokens: AccessTokens, grant: string, username: string): CredentialSource {
  return {
    credential: async () => {
      const token = await tokens.get(grant);
      return token.ok ? ok({ kind: 'oauth2', username, accessToken: token.value }) : token;
    },
    refused: (credential) => credential.kind === 'oauth2' && tokens.refused(grant, credential.accessToken),
  };
}

/**
 * The one "retry once" rule of every sign-in (sending, the account check, IMAP, POP3): `attempt`
 * runs with the source's credential; when `refusedBy` says the server refused it, the source is
 * told (an access token is dropped, so the next credential() refreshes) and, if it says a fresh
 * one can help, `attempt` runs ONE more time with a fresh credential. A second refusal is reported
 * too (that token is dropped as well) but not retried: the caller shows it.
 *
 * The error is the source's (SIGN_IN_REQUIRED, SECRET_UNREADABLE, a network code of the provider).
 */
export async function withFreshCredential<T>(
  source: CredentialSource,
  attempt: (credential: Credential | undefined) => Promise<T>,
  refusedBy: (outcome: T) => boolean,
): Promise<Result<T>> {
  const first = await source.credential();
  if (!first.ok) return first;
  const outcome = await attempt(first.value);
  if (!first.value || !refusedBy(outcome) || !source.refused(first.value)) return ok(outcome);
  const fresh = await source.credential();
  if (!fresh.ok) return fresh;
  const again = await attempt(fresh.value);
  if (fresh.value && refusedBy(again)) source.refused(fresh.value);
  return ok(again);
}

/** A stored password, read at each attempt (the person may change it meanwhile). */
export function storedPassword(username: string, read: () => Result<string | undefined>): CredentialSource {
  return {
    credential: async () => {
      const password = read();
      return password.ok ? ok(password.value === undefined ? undefined : { kind: 'password', username, password: password.value }) : password;
    },
    refused: () => false,
  };
}

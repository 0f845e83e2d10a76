/**
 * What Mailwright signs in to a server with: a password, or an OAuth2 access token. Every protocol
 * (SMTP sending, the staged check, IMAP, POP3, the Sent copy) takes a `Credential` and turns it into
 * its own command (AUTH PLAIN / LOGIN, AUTH XOAUTH2 / OAUTHBEARER, LOGIN / AUTHENTICATE, USER+PASS)
 * with the SASL helpers of net/sasl.ts; none of them knows where the secret came from.
 *
 * Secrets are only ever handed out for the server they were stored for (accounts.ts): a credential
 * is asked for with the server about to be contacted, and a different server gets none.
 */
import type { Result } from '../../shared/result';

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

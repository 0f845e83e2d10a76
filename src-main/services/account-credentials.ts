/**
 * The one place that turns an account (or an unsaved wizard sign-in) into the credential source
 * for a server: its stored password, or OAuth2 access tokens from the token service. Both are given
 * only for the server they were stored for (accounts.ts): `smtp` / `incoming` name the server about
 * to be contacted, and any other server gets nothing (no password, or SIGN_IN_REQUIRED for a server
 * that signs in with OAuth2). A token the server refuses is reported to the token service, which
 * refreshes once (credentials.ts has the retry-once rule).
 */
import { fail, ok } from '../../shared/result';
import type { IncomingSettings, SmtpSettings } from '../../shared/model';
import { storedPassword, tokenCredential, type AccessTokens, type CredentialSource } from './credentials';
import type { AccountService } from './accounts';

export interface AccountCredentials {
  smtp(accountId: string, smtp?: SmtpSettings): CredentialSource;
  incoming(accountId: string, incoming?: IncomingSettings): CredentialSource;
  /** A wizard sign-in not saved yet (its session id), for the check. */
  session(session: string, username: string): CredentialSource;
}

const none: CredentialSource = { credential: async () => ok(undefined), refused: () => false };

export function createAccountCredentials(accounts: AccountService, tokens: AccessTokens): AccountCredentials {
  /** Tokens of the account's grant, while that grant is bound to `servers`; else "sign in again". */
  const granted = (accountId: string, username: string, servers: { smtp?: SmtpSettings; incoming?: IncomingSettings }): CredentialSource => {
    const source = tokenCredential(tokens, accountId, username);
    return {
      credential: async () => {
        const grant = accounts.oauthGrant(accountId, servers);
        if (!grant.ok) return grant;
        return grant.value ? source.credential() : fail('SIGN_IN_REQUIRED');
      },
      refused: (credential) => source.refused(credential),
    };
  };

  return {
    smtp(accountId, smtp) {
      const server = smtp ?? accounts.get(accountId)?.smtp;
      if (!server || server.auth === 'none') return none;
      if (server.auth === 'oauth2') return granted(accountId, server.username, { smtp: server });
      return storedPassword(server.username, () => accounts.smtpPassword(accountId, server));
    },
    incoming(accountId, incoming) {
      const server = incoming ?? accounts.get(accountId)?.incoming ?? undefined;
      if (!server) return none;
      if (server.auth === 'oauth2') return granted(accountId, server.username, { incoming: server });
      return storedPassword(server.username, () => accounts.incomingPassword(accountId, server));
    },
    session: (session, username) => tokenCredential(tokens, session, username),
  };
}

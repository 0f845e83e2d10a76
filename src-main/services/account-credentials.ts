/**
 * The one place that turns an account (or an unsaved wizard sign-in) into the `Credential` for a
 * server: its stored password, or an OAuth2 access token from the token service. Both are given
 * only for the server they were stored for (accounts.ts): `smtp` / `incoming` name the server
 * about to be contacted, and any other server gets nothing (undefined, or SIGN_IN_REQUIRED for an
 * account that signs in with OAuth2).
 */
import { fail, ok, type Result } from '../../shared/result';
import type { IncomingSettings, SmtpSettings } from '../../shared/model';
import type { AccessTokens, Credential } from './credentials';
import type { AccountService } from './accounts';

export interface AccountCredentials {
  smtp(accountId: string, smtp?: SmtpSettings): Promise<Result<Credential | undefined>>;
  incoming(accountId: string, incoming?: IncomingSettings): Promise<Result<Credential | undefined>>;
  /** A wizard sign-in not saved yet (its session id), for the check. */
  session(session: string, username: string): Promise<Result<Credential>>;
}

export function createAccountCredentials(accounts: AccountService, tokens: AccessTokens): AccountCredentials {
  const token = async (grant: string, username: string): Promise<Result<Credential>> => {
    const accessToken = await tokens.get(grant);
    return accessToken.ok ? ok({ kind: 'oauth2', username, accessToken: accessToken.value }) : accessToken;
  };
  const password = (result: Result<string | undefined>, username: string): Result<Credential | undefined> =>
    !result.ok ? result : ok(result.value === undefined ? undefined : { kind: 'password', username, password: result.value });

  return {
    async smtp(accountId, smtp) {
      const account = accounts.get(accountId);
      if (!account) return ok(undefined);
      const server = smtp ?? account.smtp;
      if (server.auth === 'password') return password(accounts.smtpPassword(accountId, server), server.username);
      if (server.auth !== 'oauth2') return ok(undefined);
      const grant = accounts.oauthGrant(accountId, { smtp: server });
      if (!grant.ok) return grant;
      if (!grant.value) return fail('SIGN_IN_REQUIRED');
      return token(accountId, server.username);
    },
    async incoming(accountId, incoming) {
      const account = accounts.get(accountId);
      const server = incoming ?? account?.incoming;
      if (!account || !server) return ok(undefined);
      if (server.auth !== 'oauth2') return password(accounts.incomingPassword(accountId, server), server.username);
      const grant = accounts.oauthGrant(accountId, { incoming: server });
      if (!grant.ok) return grant;
      if (!grant.value) return fail('SIGN_IN_REQUIRED');
      return token(accountId, server.username);
    },
    session: (session, username) => token(session, username),
  };
}

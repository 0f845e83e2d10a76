/** The handler of every channel in the contract. The compiler checks that none is missing. */
import type { EventName, EventPayloadOf } from '../../shared/ipc';
import type { SecretProtection } from '../../shared/model';
import type { DiscoveryResult } from '../../shared/discovery';
import { fail, ok } from '../../shared/result';
import type { Stage, VerifyReport } from '../../shared/verify';
import type { AccountToVerify } from '../services/verify';
import { passwordCredential } from '../services/credentials';
import type { AccountService } from '../services/accounts';
import type { DataNotices } from '../services/data-notices';
import type { createMailHandlers } from './mail-handlers';
import type { createOutboxHandlers } from './outbox-handlers';
import type { Handlers } from './router';

export type Emit = <E extends EventName>(event: E, payload: EventPayloadOf<E>) => void;

export function createHandlers(deps: {
  accounts: AccountService;
  outbox: ReturnType<typeof createOutboxHandlers>;
  mail: ReturnType<typeof createMailHandlers>;
  discover: (email: string, allowHttp: boolean) => Promise<DiscoveryResult>;
  verify: (account: AccountToVerify, onStage: (stage: Stage) => void) => Promise<VerifyReport>;
  emit: Emit;
  app: { version: string; platform: string; secretProtection: SecretProtection };
  /** The undo window: read from, and written to, the settings (one place, no copy here). */
  undoSeconds: () => number;
  setUndoSeconds: (seconds: number) => void;
  /** Damaged files set aside in this run, for the person to read. */
  notices: DataNotices;
}): Handlers {
  const { accounts } = deps;
  return {
    'app:info': async () => ok({ ...deps.app, undoSeconds: deps.undoSeconds() }),
    'preferences:set': async ({ undoSeconds }) => {
      deps.setUndoSeconds(undoSeconds);
      return ok({ ...deps.app, undoSeconds: deps.undoSeconds() });
    },
    'app:notices': async () => ok(deps.notices.list()),
    'app:dismissNotice': async ({ id }) => {
      deps.notices.dismiss(id);
      return ok(deps.notices.list());
    },
    'accounts:list': async () => ok(accounts.list()),
    'accounts:save': async (request) => accounts.save(request),
    'accounts:delete': async ({ id }) => accounts.delete(id),
    // Wired to the sign-in service in the next commits.
    'oauth:signIn': async () => fail('OAUTH_CLIENT_MISSING'),
    'oauth:cancel': async () => ok({ cancelled: false }),
    'accounts:discover': async ({ email, allowHttp }) => ok(await deps.discover(email, allowHttp)),
    'accounts:verify': async ({ runId, account, accountId, password, incomingPassword }) => {
      if (accountId !== undefined && !accounts.get(accountId)) return fail('ACCOUNT_NOT_FOUND');
      // A password typed now, else the account's stored one, which the account service gives only
      // for the very server it was stored for: checking another host, port or security (or a
      // connection without TLS it was not typed for) asks for the password instead of sending it there.
      const smtpPassword = password !== undefined || accountId === undefined ? ok(password) : accounts.smtpPassword(accountId, account.smtp);
      if (!smtpPassword.ok) return smtpPassword;
      const inPassword = incomingPassword !== undefined || accountId === undefined || !account.incoming ? ok(incomingPassword) : accounts.incomingPassword(accountId, account.incoming);
      if (!inPassword.ok) return inPassword;
      if (accountId !== undefined) {
        const missing = [
          ...(account.smtp.auth === 'password' && smtpPassword.value === undefined ? ['password'] : []),
          ...(account.incoming && inPassword.value === undefined ? ['incomingPassword'] : []),
        ];
        if (missing.length) return fail('PASSWORD_MISSING', { fields: missing.map((path) => ({ path, problem: 'required' })) });
      }
      const report = await deps.verify(
        {
          email: account.email,
          smtp: account.smtp,
          smtpCredentials: passwordCredential(account.smtp.username, smtpPassword.value),
          incoming: account.incoming,
          incomingCredentials: passwordCredential(account.incoming?.username ?? '', inPassword.value),
        },
        (stage) => deps.emit('accounts:verifyProgress', { runId, stage }),
      );
      return ok(report);
    },
    ...deps.outbox,
    ...deps.mail,
  };
}

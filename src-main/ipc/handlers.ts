/** The handler of every channel in the contract. The compiler checks that none is missing. */
import type { EventName, EventPayloadOf } from '../../shared/ipc';
import type { SecretProtection } from '../../shared/model';
import { fail, ok } from '../../shared/result';
import type { AccountService } from '../services/accounts';
import type { SmtpService } from '../services/smtp';
import type { Handlers } from './router';

export type Emit = <E extends EventName>(event: E, payload: EventPayloadOf<E>) => void;

export function createHandlers(deps: {
  accounts: AccountService;
  smtp: SmtpService;
  app: { version: string; platform: string; secretProtection: SecretProtection };
}): Handlers {
  const { accounts, smtp } = deps;
  return {
    'app:info': async () => ok({ ...deps.app }),
    'accounts:list': async () => ok(accounts.list()),
    'accounts:save': async (request) => accounts.save(request),
    'accounts:delete': async ({ id }) => accounts.delete(id),
    'mail:send': async ({ accountId, ...message }) => {
      const account = accounts.get(accountId);
      if (!account) return fail('ACCOUNT_NOT_FOUND');
      const password = accounts.smtpPassword(accountId);
      if (!password.ok) return password;
      return smtp.send(account, password.value, message);
    },
  };
}

/**
 * Accounts: settings in the settings store, passwords in the secret vault. A save writes the
 * password first and the settings second, and undoes the password if the settings write fails,
 * so nothing half-written is left behind.
 */
import { randomUUID } from 'node:crypto';
import type { Account, AccountInput } from '../../shared/model';
import { fail, ok, type Result } from '../../shared/result';
import { SecretUnreadableError, type SecretVault } from './secrets';
import type { SettingsStore, StoredAccount } from './settings-store';
import type { Logger } from './logger';

export interface AccountService {
  list(): Account[];
  get(id: string): StoredAccount | undefined;
  save(request: { id?: string | undefined; account: AccountInput; password?: string | undefined }): Result<Account>;
  delete(id: string): Result<{ id: string }>;
  /** The SMTP password of an account, for the SMTP service only; never sent to the renderer. */
  smtpPassword(id: string): Result<string | undefined>;
}

const smtpSecretName = (id: string) => `account:${id}:smtp`;

export function createAccountService(options: {
  settings: SettingsStore;
  vault: SecretVault;
  logger: Logger;
  onChange?: (accounts: Account[]) => void;
  now?: () => Date;
}): AccountService {
  const { settings, vault, logger } = options;
  const now = options.now ?? (() => new Date());

  const hasPassword = (id: string) => {
    try {
      return vault.get(smtpSecretName(id)) !== undefined;
    } catch {
      return false;
    }
  };
  const toAccount = (stored: StoredAccount): Account => ({ ...stored, hasPassword: hasPassword(stored.id) });
  const list = () => settings.get('accounts').map(toAccount);
  const changed = () => options.onChange?.(list());

  return {
    list,
    get: (id) => settings.get('accounts').find((a) => a.id === id),

    save({ id, account, password }) {
      const accounts = settings.get('accounts');
      const existing = id === undefined ? undefined : accounts.find((a) => a.id === id);
      if (id !== undefined && !existing) return fail('ACCOUNT_NOT_FOUND');
      const accountId = existing?.id ?? randomUUID();
      const needsPassword = account.smtp.auth === 'password';
      if (needsPassword && password === undefined && !hasPassword(accountId)) {
        return fail('PASSWORD_MISSING', { fields: [{ path: 'password', problem: 'required' }] });
      }

      const stamp = now().toISOString();
      const stored: StoredAccount = {
        id: accountId,
        description: account.description,
        email: account.email,
        displayName: account.displayName,
        smtp: { ...account.smtp, username: needsPassword ? account.smtp.username.trim() : '' },
        createdAt: existing?.createdAt ?? stamp,
        updatedAt: stamp,
      };

      const secretName = smtpSecretName(accountId);
      let previousSecret: string | undefined;
      try {
        previousSecret = vault.get(secretName);
      } catch (error) {
        if (!(error instanceof SecretUnreadableError)) throw error;
      }
      if (needsPassword && password !== undefined) vault.set(secretName, password);
      try {
        settings.set('accounts', existing ? accounts.map((a) => (a.id === accountId ? stored : a)) : [...accounts, stored]);
      } catch (error) {
        logger.error('accounts: settings write failed', { error });
        if (previousSecret === undefined) vault.delete(secretName);
        else vault.set(secretName, previousSecret);
        return fail('SETTINGS_UNWRITABLE');
      }
      if (!needsPassword && previousSecret !== undefined) vault.delete(secretName);
      changed();
      return ok(toAccount(stored));
    },

    delete(id) {
      const accounts = settings.get('accounts');
      if (!accounts.some((a) => a.id === id)) return fail('ACCOUNT_NOT_FOUND');
      settings.set(
        'accounts',
        accounts.filter((a) => a.id !== id),
      );
      vault.delete(smtpSecretName(id));
      changed();
      return ok({ id });
    },

    smtpPassword(id) {
      try {
        return ok(vault.get(smtpSecretName(id)));
      } catch (error) {
        if (error instanceof SecretUnreadableError) return fail('SECRET_UNREADABLE');
        throw error;
      }
    },
  };
}

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
  save(request: {
    id?: string | undefined;
    account: AccountInput;
    password?: string | undefined;
    incomingPassword?: string | undefined;
  }): Result<Account>;
  delete(id: string): Result<{ id: string }>;
  /** The SMTP password of an account, for the SMTP service only; never sent to the renderer. */
  smtpPassword(id: string): Result<string | undefined>;
  /** The incoming server's password, for verification and retrieval only. */
  incomingPassword(id: string): Result<string | undefined>;
}

const smtpSecretName = (id: string) => `account:${id}:smtp`;
const incomingSecretName = (id: string) => `account:${id}:incoming`;

export function createAccountService(options: {
  settings: SettingsStore;
  vault: SecretVault;
  logger: Logger;
  onChange?: (accounts: Account[]) => void;
  now?: () => Date;
}): AccountService {
  const { settings, vault, logger } = options;
  const now = options.now ?? (() => new Date());

  const hasSecret = (name: string) => {
    try {
      return vault.get(name) !== undefined;
    } catch {
      return false;
    }
  };
  const readSecret = (name: string): Result<string | undefined> => {
    try {
      return ok(vault.get(name));
    } catch (error) {
      if (error instanceof SecretUnreadableError) return fail('SECRET_UNREADABLE');
      throw error;
    }
  };
  const toAccount = (stored: StoredAccount): Account => ({
    // Fields added after an account was saved already have their defaults: the settings store reads through the schema.
    ...stored,
    hasPassword: hasSecret(smtpSecretName(stored.id)),
    hasIncomingPassword: hasSecret(incomingSecretName(stored.id)),
  });
  const list = () => settings.get('accounts').map(toAccount);
  const changed = () => options.onChange?.(list());

  return {
    list,
    get: (id) => settings.get('accounts').find((a) => a.id === id),

    save({ id, account, password, incomingPassword }) {
      const accounts = settings.get('accounts');
      const existing = id === undefined ? undefined : accounts.find((a) => a.id === id);
      if (id !== undefined && !existing) return fail('ACCOUNT_NOT_FOUND');
      const accountId = existing?.id ?? randomUUID();
      const needsPassword = account.smtp.auth === 'password';
      const hasIncoming = account.incoming !== null;
      const missing = [
        ...(needsPassword && password === undefined && !hasSecret(smtpSecretName(accountId)) ? ['password'] : []),
        ...(hasIncoming && incomingPassword === undefined && !hasSecret(incomingSecretName(accountId)) ? ['incomingPassword'] : []),
      ];
      if (missing.length) return fail('PASSWORD_MISSING', { fields: missing.map((path) => ({ path, problem: 'required' })) });

      const stamp = now().toISOString();
      const stored: StoredAccount = {
        id: accountId,
        description: account.description,
        email: account.email,
        displayName: account.displayName,
        smtp: { ...account.smtp, username: needsPassword ? account.smtp.username.trim() : '' },
        incoming: account.incoming,
        signature: account.signature,
        identities: account.identities,
        createdAt: existing?.createdAt ?? stamp,
        updatedAt: stamp,
      };

      // Secrets first, remembering what was there, so a failed settings write can put them back.
      const plan: Array<{ name: string; keep: boolean; value: string | undefined }> = [
        { name: smtpSecretName(accountId), keep: needsPassword, value: password },
        { name: incomingSecretName(accountId), keep: hasIncoming, value: incomingPassword },
      ];
      const previous = plan.map(({ name }) => {
        try {
          return vault.get(name);
        } catch (error) {
          if (error instanceof SecretUnreadableError) return undefined;
          throw error;
        }
      });
      plan.forEach(({ name, keep, value }) => keep && value !== undefined && vault.set(name, value));
      try {
        settings.set('accounts', existing ? accounts.map((a) => (a.id === accountId ? stored : a)) : [...accounts, stored]);
      } catch (error) {
        logger.error('accounts: settings write failed', { error });
        plan.forEach(({ name }, i) => {
          const before = previous[i];
          if (before === undefined) vault.delete(name);
          else vault.set(name, before);
        });
        return fail('SETTINGS_UNWRITABLE');
      }
      plan.forEach(({ name, keep }, i) => !keep && previous[i] !== undefined && vault.delete(name));
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
      vault.delete(incomingSecretName(id));
      changed();
      return ok({ id });
    },

    smtpPassword: (id) => readSecret(smtpSecretName(id)),
    incomingPassword: (id) => readSecret(incomingSecretName(id)),
  };
}

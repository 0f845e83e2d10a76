/**
 * Accounts: settings in the settings store, passwords in the secret vault. A save writes the
 * password first and the settings second, and undoes the password if the settings write fails,
 * so nothing half-written is left behind.
 *
 * Each stored password is bound to the server it was typed for (shared/server-identity.ts): the
 * binding is encrypted together with the password, so neither settings.json nor secrets.json can
 * be edited to move it. `smtpPassword` and `incomingPassword` are the only way out of the vault
 * and give a password only to that same server; a save that changes the server without a new
 * password is PASSWORD_MISSING, and verifying another server never gets the stored one.
 */
import { randomUUID } from 'node:crypto';
import type { Account, AccountInput, IncomingSettings, PinnedCertificate, SmtpSettings } from '../../shared/model';
import type { SendingLimits } from '../../shared/merge/pace';
import type { OAuthSettings } from '../../shared/oauth';
import { incomingServerKey, smtpServerKey } from '../../shared/server-identity';
import type { AccountCheck } from '../../shared/account-check';
import { checkedSettingsKey } from '../../shared/verify';
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
    /** OAuth2: the refresh token of a new sign-in for this account; absent keeps the stored grant. */
    oauthRefreshToken?: string | undefined;
    /** The check of exactly these settings made before saving; absent keeps the last one while the servers stay the same. */
    check?: AccountCheck | undefined;
  }): Result<Account>;
  /** Records a check of an account's saved settings ("Check again"); ignored when they changed meanwhile. */
  recordCheck(id: string, settingsKey: string, check: AccountCheck): void;
  /** The account's own sending limits for mail merges; null goes back to the provider's (or Mailwright's). */
  setSendingLimits(id: string, limits: SendingLimits | null): Result<Account>;
  delete(id: string): Result<{ id: string }>;
  /**
   * The SMTP password of an account, for sending and verification only; never sent to the
   * renderer. Given only for the server it was stored for: `smtp` names the server it is about to
   * be sent to (default: the account's own), and any other server gets undefined.
   */
  smtpPassword(id: string, smtp?: SmtpSettings): Result<string | undefined>;
  /** The incoming server's password, for verification, retrieval and the Sent copy; bound like `smtpPassword`. */
  incomingPassword(id: string, incoming?: IncomingSettings): Result<string | undefined>;
  /**
   * The OAuth2 grant (provider, client, refresh token) of an account, bound like the passwords: to
   * the token endpoint and client it came from and to the servers that take its tokens. `servers`
   * names the servers about to get a token (default: the account's own); any change gives undefined,
   * and the account must sign in again.
   */
  oauthGrant(id: string, servers?: { smtp?: SmtpSettings; incoming?: IncomingSettings | null }): Result<{ oauth: OAuthSettings; refreshToken: string } | undefined>;
  /** Stores a refresh token for the account's current provider and servers (a rotation, or "Sign in again"). */
  setOAuthGrant(id: string, refreshToken: string): Result<void>;
  /** Forgets the grant (refused by the provider): the account shows "Sign in again". */
  clearOAuthGrant(id: string): void;
}

const smtpSecretName = (id: string) => `account:${id}:smtp`;
const incomingSecretName = (id: string) => `account:${id}:incoming`;
const oauthSecretName = (id: string) => `account:${id}:oauth`;

/** The server an account's own settings name for each secret; undefined when it needs none. */
const smtpKeyOf = (account: Pick<StoredAccount, 'smtp'>) => (account.smtp.auth === 'password' ? smtpServerKey(account.smtp) : undefined);
const incomingKeyOf = (account: Pick<StoredAccount, 'incoming'>) =>
  account.incoming && account.incoming.auth !== 'oauth2' ? incomingServerKey(account.incoming) : undefined;
/**
 * What an OAuth2 grant is bound to: the token endpoint and client it was issued through (the refresh
 * token goes nowhere else) and every server that takes its access tokens (they go nowhere else).
 * Undefined when the account does not sign in with OAuth2.
 */
const oauthKeyOf = (account: Pick<StoredAccount, 'smtp' | 'incoming' | 'oauth'>) => {
  const smtp = account.smtp.auth === 'oauth2' ? smtpServerKey(account.smtp) : null;
  const incoming = account.incoming?.auth === 'oauth2' ? incomingServerKey(account.incoming) : null;
  if (!account.oauth || (smtp === null && incoming === null)) return undefined;
  return JSON.stringify(['oauth2', account.oauth.tokenEndpoint, account.oauth.clientId, smtp, incoming]);
};

/**
 * What the vault holds for a password: the server key and the password, encrypted as one. Secrets
 * stored before binding existed are the bare password; they are bound at start to the server the
 * account has then (see `bindLegacySecrets`), and read as bound to it until that write succeeds.
 */
const BOUND_MARK = 'mailwright-bound-secret/1\n';
const encodeBound = (server: string, password: string) => BOUND_MARK + JSON.stringify({ server, password });
const decodeBound = (plain: string): { server: string | undefined; password: string } => {
  if (!plain.startsWith(BOUND_MARK)) return { server: undefined, password: plain };
  const parsed = JSON.parse(plain.slice(BOUND_MARK.length)) as { server: unknown; password: unknown };
  if (typeof parsed.server !== 'string' || typeof parsed.password !== 'string') throw new SecretUnreadableError('bound secret has the wrong shape');
  return { server: parsed.server, password: parsed.password };
};

/**
 * A pinned certificate keeps the date it was first trusted; a new pin is trusted now. Stamped here,
 * not taken from the window, so the date in "the one you trusted on ..." is Mailwright's own.
 */
function withPinDate<T extends { pinnedCertificate?: PinnedCertificate | undefined }>(server: T, before: { pinnedCertificate?: PinnedCertificate | undefined } | undefined, stamp: string): T {
  const pin = server.pinnedCertificate;
  if (!pin) return server;
  const kept = before?.pinnedCertificate?.sha256 === pin.sha256 ? before.pinnedCertificate.trustedAt : stamp;
  const dated: PinnedCertificate = { sha256: pin.sha256, pem: pin.pem, ...(kept ? { trustedAt: kept } : {}) };
  return { ...server, pinnedCertificate: dated };
}

export function createAccountService(options: {
  settings: SettingsStore;
  vault: SecretVault;
  logger: Logger;
  onChange?: (accounts: Account[]) => void;
  now?: () => Date;
}): AccountService {
  const { settings, vault, logger } = options;
  const now = options.now ?? (() => new Date());

  const find = (id: string) => settings.get('accounts').find((a) => a.id === id);
  /**
   * The password stored under `name`, if it was stored for `server`. `ownServer` is the server the
   * account's settings name now, which is what a secret from before binding is bound to.
   */
  const storedFor = (name: string, server: string | undefined, ownServer: string | undefined): Result<string | undefined> => {
    if (server === undefined) return ok(undefined);
    let bound: ReturnType<typeof decodeBound> | undefined;
    try {
      const plain = vault.get(name);
      bound = plain === undefined ? undefined : decodeBound(plain);
    } catch (error) {
      if (error instanceof SecretUnreadableError || error instanceof SyntaxError) return fail('SECRET_UNREADABLE');
      throw error;
    }
    if (!bound) return ok(undefined);
    return ok((bound.server ?? ownServer) === server ? bound.password : undefined);
  };
  const has = (result: Result<string | undefined>) => result.ok && result.value !== undefined;

  /** Secrets stored before binding existed are bound to the server their account has now. */
  const bindLegacySecrets = () => {
    try {
      for (const account of settings.get('accounts')) {
        for (const [name, server] of [
          [smtpSecretName(account.id), smtpKeyOf(account)],
          [incomingSecretName(account.id), incomingKeyOf(account)],
        ] as const) {
          let plain: string | undefined;
          try {
            plain = vault.get(name);
          } catch (error) {
            if (error instanceof SecretUnreadableError) continue;
            throw error;
          }
          if (plain === undefined || plain.startsWith(BOUND_MARK) || server === undefined) continue;
          vault.set(name, encodeBound(server, plain));
        }
      }
    } catch (error) {
      // Read as bound to the account's current server until a later start manages the write.
      logger.warn('accounts: stored passwords not yet bound to their servers', { error });
    }
  };
  bindLegacySecrets();

  const toAccount = (stored: StoredAccount): Account => ({
    // Fields added after an account was saved already have their defaults: the settings store reads through the schema.
    ...stored,
    hasPassword: has(storedFor(smtpSecretName(stored.id), smtpKeyOf(stored), smtpKeyOf(stored))),
    hasIncomingPassword: has(storedFor(incomingSecretName(stored.id), incomingKeyOf(stored), incomingKeyOf(stored))),
    signedIn: has(storedFor(oauthSecretName(stored.id), oauthKeyOf(stored), oauthKeyOf(stored))),
  });
  const list = () => settings.get('accounts').map(toAccount);
  const changed = () => options.onChange?.(list());

  return {
    list,
    get: (id) => find(id),

    save({ id, account, password, incomingPassword, oauthRefreshToken, check }) {
      const accounts = settings.get('accounts');
      const existing = id === undefined ? undefined : accounts.find((a) => a.id === id);
      if (id !== undefined && !existing) return fail('ACCOUNT_NOT_FOUND');
      const accountId = existing?.id ?? randomUUID();
      const needsPassword = account.smtp.auth === 'password';
      const hasIncoming = account.incoming !== null && account.incoming.auth !== 'oauth2';

      const stamp = now().toISOString();
      const stored: StoredAccount = {
        id: accountId,
        description: account.description,
        email: account.email,
        displayName: account.displayName,
        // The username signs in with a password or a token; without authentication there is none.
        smtp: withPinDate({ ...account.smtp, username: account.smtp.auth === 'none' ? '' : account.smtp.username.trim() }, existing?.smtp, stamp),
        incoming: account.incoming && withPinDate(account.incoming, existing?.incoming ?? undefined, stamp),
        signature: account.signature,
        identities: account.identities,
        oauth: account.oauth,
        createdAt: existing?.createdAt ?? stamp,
        updatedAt: stamp,
      };
      const lastCheck = check ?? (existing?.lastCheck && checkedSettingsKey(existing) === checkedSettingsKey(stored) ? existing.lastCheck : undefined);
      if (lastCheck) stored.lastCheck = lastCheck;
      // Set apart from the wizard (the merge's pace): saving the account's servers keeps them.
      if (existing?.sendingLimits) stored.sendingLimits = existing.sendingLimits;

      // A password kept from before must have been stored for the very server saved now: a changed
      // host, port, security or username asks for it again.
      const keeps = (name: string, server: string | undefined, ownServer: (a: StoredAccount) => string | undefined) =>
        existing !== undefined && has(storedFor(name, server, ownServer(existing)));
      const plan: Array<{ name: string; field: string; keep: boolean; value: string | undefined; server: string | undefined }> = [
        { name: smtpSecretName(accountId), field: 'password', keep: needsPassword, value: password, server: smtpKeyOf(stored) },
        { name: incomingSecretName(accountId), field: 'incomingPassword', keep: hasIncoming, value: incomingPassword, server: incomingKeyOf(stored) },
        { name: oauthSecretName(accountId), field: 'oauth', keep: oauthKeyOf(stored) !== undefined, value: oauthRefreshToken, server: oauthKeyOf(stored) },
      ];
      const ownServerOf = [smtpKeyOf, incomingKeyOf, oauthKeyOf];
      const missing = plan.filter(({ name, keep, value, server }, i) => keep && value === undefined && !keeps(name, server, ownServerOf[i]!)).map(({ field }) => field);
      const required = { fields: missing.map((path) => ({ path, problem: 'required' })) };
      // A password is typed again; a grant comes only from signing in again.
      if (missing.some((f) => f !== 'oauth')) return fail('PASSWORD_MISSING', required);
      if (missing.length) return fail('SIGN_IN_REQUIRED', required);

      // Secrets first, remembering what was there, so a failed settings write can put them back.
      const previous = plan.map(({ name }) => {
        try {
          return vault.get(name);
        } catch (error) {
          if (error instanceof SecretUnreadableError) return undefined;
          throw error;
        }
      });
      plan.forEach(({ name, keep, value, server }) => keep && value !== undefined && server !== undefined && vault.set(name, encodeBound(server, value)));
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

    recordCheck(id, settingsKey, check) {
      const accounts = settings.get('accounts');
      const target = accounts.find((a) => a.id === id);
      if (!target || checkedSettingsKey(target) !== settingsKey) return;
      try {
        settings.set('accounts', accounts.map((a) => (a.id === id ? { ...a, lastCheck: check } : a)));
      } catch (error) {
        logger.error('accounts: could not record the check', { error });
        return;
      }
      changed();
    },

    setSendingLimits(id, limits) {
      const accounts = settings.get('accounts');
      const target = accounts.find((a) => a.id === id);
      if (!target) return fail('ACCOUNT_NOT_FOUND');
      const { sendingLimits: _old, ...rest } = target;
      const next: StoredAccount = limits ? { ...rest, sendingLimits: limits } : rest;
      try {
        settings.set('accounts', accounts.map((a) => (a.id === id ? next : a)));
      } catch (error) {
        logger.error('accounts: could not save the sending limits', { error });
        return fail('SETTINGS_UNWRITABLE');
      }
      changed();
      return ok(toAccount(next));
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
      vault.delete(oauthSecretName(id));
      changed();
      return ok({ id });
    },

    smtpPassword(id, smtp) {
      const account = find(id);
      if (!account) return ok(undefined);
      const server = smtp ? (smtp.auth === 'password' ? smtpServerKey(smtp) : undefined) : smtpKeyOf(account);
      return storedFor(smtpSecretName(id), server, smtpKeyOf(account));
    },
    incomingPassword(id, incoming) {
      const account = find(id);
      if (!account) return ok(undefined);
      const server = incoming ? incomingKeyOf({ incoming }) : incomingKeyOf(account);
      return storedFor(incomingSecretName(id), server, incomingKeyOf(account));
    },

    oauthGrant(id, servers) {
      const account = find(id);
      if (!account?.oauth) return ok(undefined);
      const server = oauthKeyOf({ ...account, ...(servers?.smtp ? { smtp: servers.smtp } : {}), ...(servers?.incoming !== undefined ? { incoming: servers.incoming } : {}) });
      const refreshToken = storedFor(oauthSecretName(id), server, oauthKeyOf(account));
      if (!refreshToken.ok) return refreshToken;
      return ok(refreshToken.value === undefined ? undefined : { oauth: account.oauth, refreshToken: refreshToken.value });
    },
    setOAuthGrant(id, refreshToken) {
      const account = find(id);
      const server = account ? oauthKeyOf(account) : undefined;
      if (!account || server === undefined) return fail('ACCOUNT_NOT_FOUND');
      const before = has(storedFor(oauthSecretName(id), server, server));
      try {
        vault.set(oauthSecretName(id), encodeBound(server, refreshToken));
      } catch (error) {
        logger.error('accounts: the sign-in could not be stored', { error });
        return fail('SETTINGS_UNWRITABLE');
      }
      if (!before) changed();
      return ok(undefined);
    },
    clearOAuthGrant(id) {
      try {
        vault.delete(oauthSecretName(id));
      } catch (error) {
        logger.error('accounts: a refused sign-in could not be removed', { error });
      }
      changed();
    },
  };
}

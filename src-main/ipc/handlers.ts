/** The handler of every channel in the contract. The compiler checks that none is missing. */
import type { EventName, EventPayloadOf } from '../../shared/ipc';
import type { SecretProtection } from '../../shared/model';
import type { DiscoveryResult } from '../../shared/discovery';
import { fail, ok, type Result } from '../../shared/result';
import { checkedSettingsKey, checkOf, type Stage, type VerifyReport } from '../../shared/verify';
import type { AccountCheck } from '../../shared/account-check';
import type { AccountToVerify } from '../services/verify';
import { passwordCredential, type CredentialSource } from '../services/credentials';
import type { AccountService } from '../services/accounts';
import type { OAuthService } from '../services/oauth';
import type { AccountCredentials } from '../services/account-credentials';
import type { DataNotices } from '../services/data-notices';
import type { MailtoInbox } from '../services/mailto';
import type { ComposeWindows } from '../services/compose-windows';
import type { createMailHandlers } from './mail-handlers';
import type { createOutboxHandlers } from './outbox-handlers';
import type { createMergeHandlers } from './merge-handlers';
import type { SandboxHandlers } from './sandbox-handlers';
import type { Handlers } from './router';

export type Emit = <E extends EventName>(event: E, payload: EventPayloadOf<E>) => void;

export function createHandlers(deps: {
  accounts: AccountService;
  oauth: OAuthService;
  credentials: AccountCredentials;
  /** An account got a new grant: messages waiting for it ('signin') can go. */
  onSignedIn: (accountId: string) => void;
  outbox: ReturnType<typeof createOutboxHandlers>;
  mail: ReturnType<typeof createMailHandlers>;
  merge: ReturnType<typeof createMergeHandlers>;
  sandbox: SandboxHandlers;
  discover: (email: string, allowHttp: boolean, signal: AbortSignal) => Promise<DiscoveryResult>;
  /** Removes an account with everything of it (services/account-removal.ts). */
  removeAccount: (id: string) => Promise<Result<{ id: string }>>;
  verify: (account: AccountToVerify, onStage: (stage: Stage) => void) => Promise<VerifyReport>;
  emit: Emit;
  app: { version: string; platform: string; secretProtection: SecretProtection };
  /** The undo window: read from, and written to, the settings (one place, no copy here). */
  undoSeconds: () => number;
  setUndoSeconds: (seconds: number) => void;
  /** The outbox history's retention in days (null: for ever). */
  historyRetentionDays: () => number | null;
  setHistoryRetentionDays: (days: number | null) => void;
  /** Damaged files set aside in this run, for the person to read. */
  notices: DataNotices;
  /** mailto: links handed to the app, waiting for a window. */
  mailto: MailtoInbox;
  /** Compose windows: what each starts with, and closing them. */
  composeWindows: ComposeWindows;
}): Handlers {
  const { accounts } = deps;
  /** The latest check, remembered for the save that may follow it. */
  let lastCheck: { key: string; check: AccountCheck } | undefined;
  /** Lookups running now, by the renderer's runId, so "Cancel lookup" can stop them. */
  const lookups = new Map<string, AbortController>();
  return {
    'app:info': async () => ok({ ...deps.app, undoSeconds: deps.undoSeconds(), historyRetentionDays: deps.historyRetentionDays() }),
    'preferences:set': async ({ undoSeconds, historyRetentionDays }) => {
      if (undoSeconds !== undefined) deps.setUndoSeconds(undoSeconds);
      if (historyRetentionDays !== undefined) deps.setHistoryRetentionDays(historyRetentionDays);
      return ok({ ...deps.app, undoSeconds: deps.undoSeconds(), historyRetentionDays: deps.historyRetentionDays() });
    },
    'app:notices': async () => ok(deps.notices.list()),
    'app:dismissNotice': async ({ id }) => {
      deps.notices.dismiss(id);
      return ok(deps.notices.list());
    },
    'compose:takeMailto': async () => ok(deps.mailto.take()),
    'compose:open': async (opening) => ok({ token: deps.composeWindows.open(opening) }),
    'compose:take': async ({ token }) => ok(deps.composeWindows.take(token)),
    'compose:close': async ({ token }) => ok({ closed: deps.composeWindows.close(token) }),
    'accounts:list': async () => ok(accounts.list()),
    'accounts:save': async ({ oauthSession, ...bare }) => {
      // The check of exactly these settings, when one was made: an account saved after a failed check shows what failed.
      const request = { ...bare, check: lastCheck?.key === checkedSettingsKey(bare.account) ? lastCheck.check : undefined };
      if (oauthSession === undefined) return accounts.save(request);
      // The provider and client come from the sign-in main ran, not from the request: the grant is
      // stored for the token endpoint it was issued by.
      const grant = deps.oauth.tokens.session(oauthSession);
      if (!grant) return fail('SIGN_IN_REQUIRED');
      const saved = accounts.save({ ...request, account: { ...request.account, oauth: grant.oauth }, oauthRefreshToken: grant.refreshToken });
      if (saved.ok) {
        deps.oauth.tokens.adopt(oauthSession, saved.value.id);
        deps.onSignedIn(saved.value.id);
      }
      return saved;
    },
    // Saved like any account change: accounts:changed tells every window (the account service's onChange).
    'accounts:setSendingLimits': async ({ id, limits }) => accounts.setSendingLimits(id, limits),
    'accounts:delete': async ({ id }) => {
      const removed = await deps.removeAccount(id);
      return removed.ok ? ok({ id: removed.value.id }) : removed;
    },
    'oauth:signIn': async (request) => deps.oauth.signIn(request),
    'oauth:cancel': async ({ runId }) => ok({ cancelled: deps.oauth.cancel(runId) }),
    'accounts:discover': async ({ email, allowHttp, runId }) => {
      const controller = new AbortController();
      if (runId !== undefined) {
        lookups.get(runId)?.abort();
        lookups.set(runId, controller);
      }
      try {
        return ok(await deps.discover(email, allowHttp, controller.signal));
      } catch (error) {
        if (controller.signal.aborted) return fail('CANCELLED');
        throw error;
      } finally {
        if (runId !== undefined && lookups.get(runId) === controller) lookups.delete(runId);
      }
    },
    'accounts:cancelDiscover': async ({ runId }) => {
      const lookup = lookups.get(runId);
      lookup?.abort();
      return ok({ cancelled: lookup !== undefined });
    },
    'accounts:verify': async ({ runId, account, accountId, password, incomingPassword, oauthSession }) => {
      if (accountId !== undefined && !accounts.get(accountId)) return fail('ACCOUNT_NOT_FOUND');
      if (oauthSession !== undefined && !deps.oauth.tokens.session(oauthSession)) return fail('SIGN_IN_REQUIRED');
      // What each server is signed in to with: a password typed now, the token of a sign-in made now,
      // else what the account has stored, which is given only for the very server it was stored for:
      // checking another host, port, security or username asks for the password (or a new sign-in)
      // instead of sending it there.
      const source = (auth: string, username: string, typed: string | undefined, stored: () => CredentialSource) =>
        typed !== undefined
          ? passwordCredential(username, typed)
          : auth === 'oauth2' && oauthSession !== undefined
            ? deps.credentials.session(oauthSession, username)
            : accountId !== undefined
              ? stored()
              : passwordCredential(username, undefined);
      const smtpCredentials = source(account.smtp.auth, account.smtp.username, password, () => deps.credentials.smtp(accountId!, account.smtp));
      const incoming = account.incoming;
      const incomingCredentials = incoming
        ? source(incoming.auth, incoming.username, incomingPassword, () => deps.credentials.incoming(accountId!, incoming))
        : passwordCredential('', undefined);
      if (accountId !== undefined) {
        // A saved account without the password this server needs: say which, before connecting anywhere.
        const missing: string[] = [];
        for (const [field, auth, typed, creds] of [
          ['password', account.smtp.auth, password, smtpCredentials],
          ['incomingPassword', incoming?.auth, incomingPassword, incomingCredentials],
        ] as const) {
          if (auth !== 'password' || typed !== undefined) continue;
          const stored = await creds.credential();
          if (!stored.ok) return stored;
          if (stored.value === undefined) missing.push(field);
        }
        if (missing.length) return fail('PASSWORD_MISSING', { fields: missing.map((path) => ({ path, problem: 'required' })) });
      }
      const report = await deps.verify(
        { email: account.email, smtp: account.smtp, smtpCredentials, incoming: account.incoming, incomingCredentials },
        (stage) => deps.emit('accounts:verifyProgress', { runId, stage }),
      );
      lastCheck = { key: checkedSettingsKey(account), check: checkOf(report, new Date().toISOString()) };
      if (accountId !== undefined) accounts.recordCheck(accountId, lastCheck.key, lastCheck.check);
      return ok(report);
    },
    ...deps.outbox,
    ...deps.mail,
    ...deps.merge,
    ...deps.sandbox,
  };
}

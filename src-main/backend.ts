/**
 * Builds the main process's services and its IPC router from what the runtime hands in. main.ts
 * calls it with electron-store, safeStorage and our window; the end-to-end bridge calls it with
 * conf on a temporary folder, the app-key cipher and the Playwright page. Same handlers, same router.
 */
import type { SecretProtection } from '../shared/model';
import { createAccountService } from './services/accounts';
import type { Logger } from './services/logger';
import { createSecretVault, type SecretCipher, type SecretFile } from './services/secrets';
import type { SettingsStore } from './services/settings-store';
import { join } from 'node:path';
import { fail, ok } from '../shared/result';
import { createAttachmentRegistry, createDroppedFiles } from './services/attachments';
import { forwardRoot } from './services/mail/attachments-save';
import { releaseCopies, removeUnusedCopies } from './services/temp-copies';
import { createDataNotices } from './services/data-notices';
import { openDraftStore } from './services/drafts';
import { Outbox, type OutboxJob, type OutboxOptions } from './services/outbox';
import { emlFile } from './services/outbox/store';
import { fileSentCopy } from './services/sent-copy';
import type { SmtpServiceOptions } from './services/smtp';
import { createOutboxHandlers, jobView } from './ipc/outbox-handlers';
import { createHandlers, type Emit } from './ipc/handlers';
import { discover, type DiscoveryOptions } from './services/discovery';
import { createAccountRemoval } from './services/account-removal';
import { verifyAccount, type VerifyOptions } from './services/verify';
import { createRouter, type IpcSender, type Router } from './ipc/router';
import { createMailHandlers } from './ipc/mail-handlers';
import { createMergeHandlers } from './ipc/merge-handlers';
import { createSandboxHandlers } from './ipc/sandbox-handlers';
import { openSandbox } from './services/sandbox/service';
import { isSandboxAccount, withSandboxAccount } from './services/sandbox/account';
import { SANDBOX_ACCOUNT_ID } from '../shared/sandbox';
import { openMergeService, type MergeService } from './services/merge/service';
import { MailService, type MailServiceOptions } from './services/mail';
import { createOAuthService, type ClientRegistrations } from './services/oauth';
import { createAccountCredentials } from './services/account-credentials';
import { createMailtoInbox } from './services/mailto';
import { bounceNotice, failedNotice, partlyRefusedNotice, signInNotice, type DesktopNotice } from './services/desktop-notices';
import { createComposeWindows, type ComposeWindowHost } from './services/compose-windows';
import { lockOutboxForApp } from './services/outbox-lock';
import { startCliHandOff } from './services/cli-spool';

export interface BackendOptions {
  /** The app's data folder; the outbox lives in <dataDir>/outbox. */
  dataDir: string;
  settings: SettingsStore;
  secretFile: SecretFile;
  cipher: SecretCipher;
  logger: Logger;
  app: { version: string; platform: string };
  /** Trust and timeouts for sending (extra CAs: tests' throwaway CA; none in the app). */
  smtp?: SmtpServiceOptions;
  /** DNS servers, ports and CAs for discovery (tests point them at 127.0.0.1). */
  discovery?: Omit<DiscoveryOptions, 'signal' | 'allowHttp'>;
  verify?: VerifyOptions;
  isTrustedSender: (sender: IpcSender) => boolean;
  emit: Emit;
  /** The system's "choose files" dialog (Electron's dialog in the app; the chosen fixture files in tests). */
  pickFiles: () => Promise<string[]>;
  /**
   * A desktop notification (Electron's Notification in the app; recorded in tests). `onClick` is
   * what a click does: it asks the window to open the notice's target (the 'app:open' event).
   */
  notify?: (notice: DesktopNotice, onClick: () => void) => void;
  /** Outbox timing (tests shorten it). */
  outbox?: Pick<OutboxOptions, 'retry'>;
  /** The system's save dialog (Electron's dialog in the app; a chosen path in tests): the path, or null when cancelled. */
  saveFile?: (suggestedName: string, title?: string) => Promise<string | null>;
  /** Opens an http(s) URL in the system browser (shell.openExternal in the app; recorded in tests). */
  openExternal?: (url: string) => Promise<void>;
  /** Calls back after the system wakes from sleep or the network changes (Electron's powerMonitor). */
  onWake?: (listener: () => void) => void;
  /** Mail retrieval timing (tests shorten it). */
  mail?: Pick<MailServiceOptions, 'pop3PollMs'>;
  /** OAuth2 client IDs shipped with this build (oauth-clients.json); tests pass their own provider's. */
  oauthRegistrations?: ClientRegistrations;
  /** How long a browser sign-in may take (5 minutes; tests shorten it). */
  signInTimeoutMs?: number;
  /** Opens and closes compose windows (BrowserWindows in the app; pages in the test bridge). */
  composeWindows?: ComposeWindowHost;
}

export interface Backend {
  router: Router;
  secretProtection: SecretProtection;
  /** Stops mail connections and the outbox's scheduler; an in-flight send settles first. */
  close(): Promise<void>;
  /** A mailto: URL the system handed over: parsed, then opened as a prefilled message (or refused in words). */
  openMailto(url: string): void;
}

export async function createBackend(options: BackendOptions): Promise<Backend> {
  const notices = createDataNotices({
    dataDir: options.dataDir,
    onAdded: (notice) => {
      options.logger.warn('damaged file set aside', { kind: notice.kind, file: notice.file, keptAs: notice.keptAs });
      options.emit('app:noticeAdded', notice);
    },
  });
  // The settings and secrets were opened (and checked) before there was anyone to tell.
  for (const finding of [...(options.settings.damage ?? []), ...(options.secretFile.damage ?? [])]) notices.report(finding);
  options.cipher.onDamage?.((finding) => notices.report(finding));
  const vault = createSecretVault(options.secretFile, options.cipher);
  /** Made after the outbox it reports into; account changes before that have nothing to tell it. */
  const late: { mail?: MailService; outbox?: Outbox; merge?: MergeService } = {};
  const accountsChanged = () => {
    options.emit('accounts:changed', accounts.list());
    late.mail?.accountsChanged();
  };
  const preferences = () => options.settings.get('preferences');
  // The built-in sandbox (issue 15): its capture server starts with the app; when it cannot, the
  // sandbox says why and everything else works as before.
  const sandbox = await openSandbox({
    dataDir: options.dataDir,
    logger: options.logger,
    hidden: () => preferences().sandboxHidden,
    setHidden: (hidden) => options.settings.set('preferences', { ...preferences(), sandboxHidden: hidden }),
    origins: async (messageIds) => (late.outbox ? late.outbox.messageOrigins(messageIds) : new Map()),
    sizeLimit: (accountId) => {
      const bytes = late.outbox?.serverSizeLimit(accountId);
      const account = accounts.get(accountId);
      return bytes && account ? { bytes, account: account.description || account.email } : undefined;
    },
    saveFile: options.saveFile ?? (async () => null),
    onChanged: (status) => options.emit('sandbox:changed', status),
    onAccountChanged: accountsChanged,
  });
  // Every part of the app sees the Sandbox account through this wrapper (it is never stored).
  const accounts = withSandboxAccount(
    createAccountService({
      settings: options.settings,
      vault,
      logger: options.logger,
      onChange: accountsChanged,
    }),
    sandbox,
  );
  const openExternal = options.openExternal ?? (async () => undefined);
  const resumeSignIn = (accountId: string) =>
    void late.outbox
      ?.resumeSignIn(accountId)
      .then((count) => count && options.logger.info('outbox: messages waiting for a sign-in resumed', { count }));
  const registrations = options.oauthRegistrations ?? { forProvider: () => undefined };
  const oauth = createOAuthService({
    accounts,
    registrations,
    openExternal,
    logger: options.logger,
    onSignedIn: resumeSignIn,
    ...(options.signInTimeoutMs ? { signInTimeoutMs: options.signInTimeoutMs } : {}),
  });
  const credentials = createAccountCredentials(accounts, oauth.tokens);
  const attachments = createAttachmentRegistry();
  const outboxDir = join(options.dataDir, 'outbox');
  const droppedDir = join(options.dataDir, 'tmp', 'dropped');
  const draftsDir = join(options.dataDir, 'drafts');
  const forwardDir = forwardRoot(options.dataDir);
  const dropped = createDroppedFiles(droppedDir, attachments);
  const cleaned = await removeUnusedCopies(droppedDir, draftsDir).catch((error: unknown) => (options.logger.warn('dropped files not cleaned', { error }), 0));
  if (cleaned) options.logger.info('dropped files from an earlier run removed', { count: cleaned });
  /** Sent copies filed (or being filed) in this run; the Message-ID search covers restarts. */
  const filed = new Set<string>();
  const fileCopyOnce = (job: OutboxJob) => {
    const account = accounts.get(job.accountId);
    // A rehearsal went to the sandbox, not to the account's server: there is nothing to file.
    if (filed.has(job.id) || job.rehearsal || isSandboxAccount(job.accountId) || !account?.incoming || account.incoming.protocol !== 'imap' || !account.incoming.saveSentCopy) return;
    filed.add(job.id);
    // Only the password or grant stored for this very server (see accounts.ts).
    void fileSentCopy(
      { account, credentials: credentials.incoming(job.accountId, account.incoming), emlPath: emlFile(outboxDir, job.id), messageId: job.messageId },
      { extraCertificateAuthorities: options.smtp?.extraCertificateAuthorities ?? [] },
    ).then((result) => {
      if (result.ok) options.logger.info('sent copy filed', { mailbox: result.value.mailbox, alreadyThere: result.value.alreadyThere });
      else options.logger.warn('sent copy not filed', { code: result.error.code });
    });
  };
  // A click on a notification opens what it is about in the window.
  const notify = (notice: DesktopNotice) => options.notify?.(notice, () => options.emit('app:open', notice.target));
  // One writer: `mailwright send` takes the same lock, or hands its message over (below) while the app holds it.
  const outboxLock = await lockOutboxForApp(options.dataDir);
  const outbox = await Outbox.open({
    dir: outboxDir,
    logger: options.logger,
    undoSeconds: options.settings.get('preferences').undoSeconds,
    historyRetentionDays: () => options.settings.get('preferences').historyRetentionDays,
    ...options.outbox,
    ...(options.smtp ? { smtp: options.smtp } : {}),
    account: (id, job) => {
      const account = accounts.get(id);
      if (!account) return fail('ACCOUNT_NOT_FOUND');
      if (job?.rehearsal || isSandboxAccount(id)) {
        // To the sandbox instead: its server and its secret, never the account's server, password or tokens.
        if (!sandbox.endpoint()) return fail('SANDBOX_UNAVAILABLE');
        const target = accounts.sandboxAccount();
        return ok({ account: { ...account, smtp: target.smtp }, credentials: credentials.smtp(SANDBOX_ACCOUNT_ID, target.smtp) });
      }
      // Only the password or grant stored for the server this account sends through (see accounts.ts);
      // asked for when an attempt starts, never at enqueue.
      return ok({ account, credentials: credentials.smtp(id, account.smtp) });
    },
    onChange: (job) => {
      const view = jobView(job);
      options.emit('outbox:changed', view);
      if (job.state === 'sent') {
        fileCopyOnce(job);
        // A sent message can no longer be undone or edited: the copies it carried (dropped files and
        // a forward's attachments, now in its .eml) can go, unless a saved draft still names them.
        const paths = (view.draft?.attachments ?? []).flatMap((a) => attachments.resolve(a.token)?.path ?? []);
        if (paths.length)
          void Promise.all([droppedDir, forwardDir].map((root) => releaseCopies(root, paths, draftsDir))).catch((error: unknown) =>
            options.logger.warn('copies of sent attachments not removed', { error }),
          );
      }
    },
    onFailed: (job) => notify(failedNotice(job)),
    onWaitingForSignIn: (job) => notify(signInNotice(job, accounts.get(job.accountId)?.description)),
    onPartlyRefused: (job) => notify(partlyRefusedNotice(job)),
    onBounced: (job, bounced) => notify(bounceNotice(job, bounced)),
    // A started merge's progress, at the outbox's bounded rate, named as the merge view shows it.
    onBatchProgress: (progress) => {
      if (late.merge) options.emit('merge:progress', late.merge.progress(progress));
    },
  });
  const mailService = await MailService.open({
    dataDir: options.dataDir,
    accounts,
    outbox,
    attachments,
    extraCertificateAuthorities: options.smtp?.extraCertificateAuthorities ?? [],
    logger: options.logger,
    onChange: (change) => options.emit('mail:changed', change),
    onStatus: (status) => options.emit('mail:status', status),
    saveFile: options.saveFile ?? (async () => null),
    notices,
    incomingCredentials: (account, server) => credentials.incoming(account.id, server),
    ...options.mail,
  });
  late.mail = mailService;
  late.outbox = outbox;
  const cliHandOff = await startCliHandOff({ dataDir: options.dataDir, outbox, accounts: () => accounts.list(), logger: options.logger });
  // Messages that waited for a sign-in which happened before a restart (or before the outbox opened).
  for (const account of accounts.list()) if (account.signedIn) resumeSignIn(account.id);
  options.onWake?.(() => mailService.wake());
  const mailto = createMailtoInbox({ emit: options.emit, logger: options.logger });
  const drafts = await openDraftStore(draftsDir, attachments, { notices });
  const removeAnyAccount = createAccountRemoval({
    accounts,
    outbox,
    drafts,
    forgetMail: (id) => mailService.forget(id),
    forgetTokens: (id) => oauth.tokens.forget(id),
    logger: options.logger,
  });
  // The Sandbox account is refused before anything of it (its waiting messages) is touched.
  const removeAccount: typeof removeAnyAccount = async (id) => (isSandboxAccount(id) ? fail('SANDBOX_ACCOUNT_FIXED') : removeAnyAccount(id));
  const merge = await openMergeService({
    dataDir: options.dataDir,
    outbox,
    accounts,
    tmpDir: join(options.dataDir, 'tmp'),
    saveFile: options.saveFile ?? (async () => null),
    notices,
    logger: options.logger,
  });
  late.merge = merge;
  const handlers = createHandlers({
    accounts,
    outbox: createOutboxHandlers({
      outbox,
      accounts,
      attachments,
      drafts,
      dropped,
      pickFiles: options.pickFiles,
      tmpDir: join(options.dataDir, 'tmp'),
      onDraftsChanged: () => options.emit('drafts:changed', {}),
    }),
    mail: createMailHandlers({ mail: mailService, openExternal }),
    merge: createMergeHandlers(merge),
    sandbox: createSandboxHandlers(sandbox),
    oauth,
    credentials,
    onSignedIn: resumeSignIn,
    removeAccount,
    discover: (email, allowHttp, signal) => discover(email, { ...options.discovery, allowHttp, registrations, signal }),
    verify: (account, onStage) => verifyAccount(account, options.verify ?? { extraCertificateAuthorities: options.smtp?.extraCertificateAuthorities ?? [] }, onStage),
    emit: options.emit,
    app: { ...options.app, secretProtection: vault.protection },
    undoSeconds: () => options.settings.get('preferences').undoSeconds,
    setUndoSeconds: (seconds) => {
      options.settings.set('preferences', { ...options.settings.get('preferences'), undoSeconds: seconds });
      outbox.setUndoSeconds(seconds);
    },
    historyRetentionDays: () => options.settings.get('preferences').historyRetentionDays,
    setHistoryRetentionDays: (days) => {
      options.settings.set('preferences', { ...options.settings.get('preferences'), historyRetentionDays: days });
      // Applied now (older entries go), then at each housekeeping.
      void outbox.compact();
    },
    notices,
    mailto,
    composeWindows: createComposeWindows({ host: options.composeWindows ?? { open: () => undefined, close: () => undefined }, logger: options.logger }),
  });
  const router = createRouter({ handlers, isTrustedSender: options.isTrustedSender, logger: options.logger });
  return {
    router,
    secretProtection: vault.protection,
    openMailto: (url) => void mailto.open(url),
    close: async () => {
      oauth.close();
      await cliHandOff.close();
      await mailService.close();
      await outbox.close();
      await merge.settled();
      await sandbox.close();
      outboxLock.release();
    },
  };
}

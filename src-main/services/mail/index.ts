/**
 * Reading mail for every account with an incoming server. A thin facade over the pieces that do
 * the work, so the IPC handlers and the backend see one service:
 *   sources.ts          one MailSource per account (IMAP or POP3), made again when its settings change
 *   message-view.ts     opening a message (parsed here; the renderer gets data, never a protocol)
 *   reply-drafts.ts     the draft for a reply, reply all or forward
 *   attachments-save.ts saving an attachment, and the copies a forward attaches
 *   bounce-scan.ts      delivery reports arriving in an inbox, linked to the sent message in the outbox
 *   remote-content.ts   where the person allowed remote content
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Folder, MailChanged, MailStatus, MessagePage, MessageRef, MessageView, ReplyMode } from '../../../shared/mail';
import type { ComposeDraft } from '../../../shared/outbox';
import type { Result } from '../../../shared/result';
import type { AccountService } from '../accounts';
import type { AttachmentRegistry } from '../attachments';
import type { Logger } from '../logger';
import type { Outbox } from '../outbox';
import { removeUnusedCopies } from '../temp-copies';
import { forwardRoot, saveAttachment } from './attachments-save';
import { BounceScanner } from './bounce-scan';
import { allowRemoteContent, loadMessage, openMessage, type MessageViewDeps } from './message-view';
import type { DamageReporter } from '../data-notices';
import { openRemoteContentPolicy, type RemoteContentPolicy } from './remote-content';
import { replyDraft } from './reply-drafts';
import { MailSources, type MailSourcesOptions } from './sources';
import type { MailSource, MailSourceContext, SearchField } from './types';

export type { MailSource, MailSourceContext } from './types';

export interface MailServiceOptions {
  dataDir: string;
  accounts: AccountService;
  outbox: Outbox;
  attachments: AttachmentRegistry;
  extraCertificateAuthorities: readonly string[];
  logger: Logger;
  onChange: (change: MailChanged) => void;
  onStatus: (status: MailStatus) => void;
  /** The system's save dialog: the chosen path, or null when cancelled. */
  saveFile: (suggestedName: string) => Promise<string | null>;
  /** Replaces the protocol sources (tests); default: IMAP or POP3 by the account's settings. */
  createSource?: (context: MailSourceContext, dir: string) => MailSource;
  /** POP3 polling interval; default 10 minutes. */
  pop3PollMs?: number;
  /** Where a damaged POP3 index or remote-content file is set aside and reported (the banner). */
  notices?: DamageReporter;
  /** Where saved drafts are kept (their attachments may be forward copies); default `<data>/drafts`, as backend.ts opens it. */
  draftsDir?: string;
  /** What the incoming server is signed in to with (password or OAuth2 tokens); default: the stored password. */
  incomingCredentials?: MailSourcesOptions['incomingCredentials'];
}

export class MailService {
  private readonly sources: MailSources;
  private readonly scanner: BounceScanner;
  private readonly view: MessageViewDeps;

  private constructor(
    private readonly options: MailServiceOptions,
    remote: RemoteContentPolicy,
  ) {
    const { createSource, pop3PollMs } = options;
    this.sources = new MailSources({
      dataDir: options.dataDir,
      accounts: options.accounts,
      extraCertificateAuthorities: options.extraCertificateAuthorities,
      logger: options.logger,
      onChange: options.onChange,
      onStatus: options.onStatus,
      onInboxActivity: (accountId) => this.scanner.scan(accountId),
      ...(options.notices ? { notices: options.notices } : {}),
      ...(createSource ? { createSource } : {}),
      ...(pop3PollMs !== undefined ? { pop3PollMs } : {}),
      ...(options.incomingCredentials ? { incomingCredentials: options.incomingCredentials } : {}),
    });
    this.scanner = new BounceScanner({
      dataDir: options.dataDir,
      outbox: options.outbox,
      logger: options.logger,
      current: (accountId) => this.sources.current(accountId),
      closed: () => this.sources.isClosed,
    });
    this.view = { sourceFor: (accountId) => this.sources.get(accountId), remote, outbox: options.outbox, logger: options.logger };
  }

  static async open(options: MailServiceOptions): Promise<MailService> {
    // Forward copies of the last run that no saved draft needs (see attachments-save.ts).
    try {
      const removed = await removeUnusedCopies(forwardRoot(options.dataDir), options.draftsDir ?? join(options.dataDir, 'drafts'));
      if (removed) options.logger.info('mail: removed unused forward copies', { folders: removed });
    } catch (error) {
      options.logger.warn('mail: forward copies not cleaned', { code: (error as NodeJS.ErrnoException).code });
    }
    const service = new MailService(options, await openRemoteContentPolicy(join(options.dataDir, 'mail', 'remote-content.json'), options.notices));
    service.accountsChanged();
    return service;
  }

  /** Accounts were saved or deleted: drop sources whose account or incoming settings changed, start new ones. */
  accountsChanged(): void {
    this.sources.accountsChanged();
  }

  /** A removed account: closes its source and deletes the mail downloaded for it (the server's copy is untouched). */
  async forget(accountId: string): Promise<void> {
    await this.sources.forget(accountId);
    await rm(join(this.options.dataDir, 'mail', accountId), { recursive: true, force: true });
  }

  /** The last status each account reported (the renderer asks when it starts; events carry the changes). */
  statuses(): MailStatus[] {
    return this.sources.statuses();
  }

  /** After sleep or a network change. */
  wake(): void {
    this.sources.wake();
  }

  async folders(accountId: string): Promise<Result<Folder[]>> {
    const source = this.sources.get(accountId);
    return source.ok ? source.value.folders() : source;
  }

  async list(accountId: string, folder: string, offset: number, limit: number): Promise<Result<MessagePage>> {
    const source = this.sources.get(accountId);
    return source.ok ? source.value.list(folder, offset, limit) : source;
  }

  async search(accountId: string, folder: string, query: string, field: SearchField, limit: number): Promise<Result<MessagePage>> {
    const source = this.sources.get(accountId);
    return source.ok ? source.value.search(folder, query, field, limit) : source;
  }

  /** Parses the message, marks it read, and says what a delivery report in it is about. */
  async open(ref: MessageRef): Promise<Result<MessageView>> {
    return openMessage(this.view, ref);
  }

  async allowRemote(ref: MessageRef & { scope: 'message' | 'sender' }): Promise<Result<MessageView>> {
    return allowRemoteContent(this.view, ref);
  }

  async setFlags(accountId: string, folder: string, uids: number[], flags: { seen?: boolean; flagged?: boolean }): Promise<Result<{ updated: number }>> {
    const source = this.sources.get(accountId);
    if (!source.ok) return source;
    return source.value.setFlags(folder, uids, flags);
  }

  async move(accountId: string, folder: string, uids: number[], to: string): Promise<Result<{ moved: number }>> {
    const source = this.sources.get(accountId);
    if (!source.ok) return source;
    return source.value.move(folder, uids, to);
  }

  async delete(accountId: string, folder: string, uids: number[]): Promise<Result<{ deleted: number; permanently: boolean }>> {
    const source = this.sources.get(accountId);
    if (!source.ok) return source;
    return source.value.delete(folder, uids);
  }

  async refresh(accountId: string): Promise<Result<{ newMessages: number }>> {
    const source = this.sources.get(accountId);
    if (!source.ok) return source;
    const result = await source.value.refresh();
    this.scanner.scan(accountId);
    return result;
  }

  /** Writes one attachment where the person chooses; saved false when they cancelled the dialog. */
  async saveAttachment(ref: MessageRef & { index: number }): Promise<Result<{ saved: boolean }>> {
    return saveAttachment({ sourceFor: this.view.sourceFor, saveFile: this.options.saveFile, logger: this.options.logger }, ref);
  }

  /** The draft for a reply, reply all or forward (forward: the attachments come along as files). */
  async compose(ref: MessageRef & { mode: ReplyMode }): Promise<Result<ComposeDraft>> {
    return replyDraft(
      { dataDir: this.options.dataDir, accounts: this.options.accounts, attachments: this.options.attachments, load: (r) => loadMessage(this.view, r) },
      ref,
    );
  }

  /** Stops every source; a bounce scan still running on one finishes first. */
  async close(): Promise<void> {
    await this.sources.close((source) => this.scanner.settle(source));
  }
}

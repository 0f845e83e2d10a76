/**
 * Reading mail for every account with an incoming server: one MailSource per account (IMAP or
 * POP3), made when first needed and made again when the account's incoming settings change.
 * Opening a message parses it here; the renderer gets data, never a protocol. Delivery reports
 * that arrive in an inbox are parsed and linked to the sent message in the outbox.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Folder, MailChanged, MailStatus, MessagePage, MessageRef, MessageView, ReplyMode } from '../../../shared/mail';
import type { ComposeDraft, DeliveryReportEntry } from '../../../shared/outbox';
import { fail, ok, type Result } from '../../../shared/result';
import type { AccountService } from '../accounts';
import type { AttachmentRegistry } from '../attachments';
import { linkReport, parseDeliveryReport, type DeliveryReport, type SentMessageRef } from '../bounces';
import type { Logger } from '../logger';
import type { Outbox, OutboxJob } from '../outbox';
import { writeFileAtomic } from '../durable-files';
import { composeFrom } from './compose-from';
import { createImapSource } from './imap-source';
import { attachmentOf, attachmentsOf, parseMessage, safeFileName, type ParsedMessage } from './parse';
import { createPop3Source } from './pop3-source';
import { openRemoteContentPolicy, type RemoteContentPolicy } from './remote-content';
import type { MailSource, MailSourceContext, SearchField } from './types';

export type { MailSource, MailSourceContext } from './types';

/** Inbox messages looked at per scan round, and rounds per trigger (the rest waits for the next). */
const SCAN_BATCH = 50;
const SCAN_ROUNDS = 20;
/** Delivery reports are looked for among messages sent in the last 60 days. */
const SENT_WINDOW_MS = 60 * 24 * 3600_000;

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
}

interface Entry {
  source: MailSource;
  /** The incoming settings it was made for: a change makes a new source. */
  settings: string;
  scanning?: Promise<void>;
  rescan?: boolean;
}

interface ScanState {
  uidValidity: string;
  uid: number;
}

export class MailService {
  private readonly sources = new Map<string, Entry>();
  private readonly lastStatus = new Map<string, MailStatus>();
  /** Sources replaced or removed that are still closing (a POP3 download may be finishing). */
  private readonly closing = new Map<string, Promise<void>>();
  private closed = false;

  private constructor(
    private readonly options: MailServiceOptions,
    private readonly remote: RemoteContentPolicy,
  ) {}

  static async open(options: MailServiceOptions): Promise<MailService> {
    const service = new MailService(options, await openRemoteContentPolicy(join(options.dataDir, 'mail', 'remote-content.json')));
    service.accountsChanged();
    return service;
  }

  /** Accounts were saved or deleted: drop sources whose account or incoming settings changed, start new ones. */
  accountsChanged(): void {
    for (const [id, entry] of this.sources) {
      const account = this.options.accounts.get(id);
      if (!account?.incoming || JSON.stringify(account.incoming) !== entry.settings) {
        this.sources.delete(id);
        this.lastStatus.delete(id);
        this.closeReplaced(id, entry);
      } else if (this.lastStatus.get(id)?.state === 'error') {
        // Same server, perhaps a new password: try now rather than at the next slow retry.
        entry.source.wake();
      }
    }
    // Every account with an incoming server watches its inbox (IDLE or POP3 polling) for replies and bounces.
    for (const account of this.options.accounts.list()) if (account.incoming) this.sourceFor(account.id);
  }

  /** The last status each account reported (the renderer asks when it starts; events carry the changes). */
  statuses(): MailStatus[] {
    return [...this.lastStatus.values()].filter((s) => this.sources.has(s.accountId));
  }

  /** After sleep or a network change. */
  wake(): void {
    for (const entry of this.sources.values()) entry.source.wake();
  }

  async folders(accountId: string): Promise<Result<Folder[]>> {
    const source = this.sourceFor(accountId);
    return source.ok ? source.value.folders() : source;
  }

  async list(accountId: string, folder: string, offset: number, limit: number): Promise<Result<MessagePage>> {
    const source = this.sourceFor(accountId);
    return source.ok ? source.value.list(folder, offset, limit) : source;
  }

  async search(accountId: string, folder: string, query: string, field: SearchField, limit: number): Promise<Result<MessagePage>> {
    const source = this.sourceFor(accountId);
    return source.ok ? source.value.search(folder, query, field, limit) : source;
  }

  /** Parses the message, marks it read, and says what a delivery report in it is about. */
  async open(ref: MessageRef): Promise<Result<MessageView>> {
    const loaded = await this.load(ref);
    if (!loaded.ok) return loaded;
    const { source, raw, parsed } = loaded.value;
    const seen = await source.setFlags(ref.folder, [ref.uid], { seen: true });
    if (!seen.ok) this.options.logger.warn('mail: could not mark as read', { code: seen.error.code });
    return ok(await this.view(ref, raw, parsed));
  }

  async allowRemote(ref: MessageRef & { scope: 'message' | 'sender' }): Promise<Result<MessageView>> {
    const loaded = await this.load(ref);
    if (!loaded.ok) return loaded;
    const { raw, parsed } = loaded.value;
    if (ref.scope === 'sender' && parsed.from) await this.remote.allowSender(parsed.from.address);
    else await this.remote.allowMessage(messageKey(ref, parsed));
    return ok(await this.view(ref, raw, parsed));
  }

  async setFlags(accountId: string, folder: string, uids: number[], flags: { seen?: boolean; flagged?: boolean }): Promise<Result<{ updated: number }>> {
    const source = this.sourceFor(accountId);
    if (!source.ok) return source;
    return source.value.setFlags(folder, uids, flags);
  }

  async move(accountId: string, folder: string, uids: number[], to: string): Promise<Result<{ moved: number }>> {
    const source = this.sourceFor(accountId);
    if (!source.ok) return source;
    return source.value.move(folder, uids, to);
  }

  async delete(accountId: string, folder: string, uids: number[]): Promise<Result<{ deleted: number; permanently: boolean }>> {
    const source = this.sourceFor(accountId);
    if (!source.ok) return source;
    return source.value.delete(folder, uids);
  }

  async refresh(accountId: string): Promise<Result<{ newMessages: number }>> {
    const source = this.sourceFor(accountId);
    if (!source.ok) return source;
    const result = await source.value.refresh();
    this.scan(accountId);
    return result;
  }

  /** Writes one attachment where the person chooses; saved false when they cancelled the dialog. */
  async saveAttachment(ref: MessageRef & { index: number }): Promise<Result<{ saved: boolean }>> {
    const source = this.sourceFor(ref.accountId);
    if (!source.ok) return source;
    const raw = await source.value.source(ref.folder, ref.uid);
    if (!raw.ok) return raw;
    const attachment = await attachmentOf(raw.value, ref.index);
    if (!attachment) return fail('MESSAGE_NOT_FOUND');
    const path = await this.options.saveFile(attachment.filename);
    if (!path) return ok({ saved: false });
    try {
      // Written next to the target and renamed over it: never a half-written file under that name.
      await writeFileAtomic(dirname(path), path, attachment.content, { mode: 0o644 });
      return ok({ saved: true });
    } catch (error) {
      this.options.logger.warn('mail: attachment not saved', { code: (error as NodeJS.ErrnoException).code });
      return fail('FILE_UNWRITABLE');
    }
  }

  /** The draft for a reply, reply all or forward (forward: the attachments come along as files). */
  async compose(ref: MessageRef & { mode: ReplyMode }): Promise<Result<ComposeDraft>> {
    const loaded = await this.load(ref);
    if (!loaded.ok) return loaded;
    const account = this.options.accounts.get(ref.accountId);
    if (!account) return fail('ACCOUNT_NOT_FOUND');
    const { raw, parsed } = loaded.value;
    const forwarded = [];
    if (ref.mode === 'forward' && parsed.attachments.length) {
      const dir = join(this.options.dataDir, 'tmp', 'forward', randomUUID());
      await mkdir(dir, { recursive: true });
      // One parse for all of them (a 50 MB message takes seconds to parse).
      const contents = await attachmentsOf(raw);
      for (const info of parsed.attachments) {
        const attachment = contents[info.index];
        if (!attachment) continue;
        const path = join(dir, `${info.index}-${safeFileName(attachment.filename, info.contentType, info.index)}`);
        await writeFileAtomic(dir, path, attachment.content);
        const [added] = await this.options.attachments.add([path]);
        if (added) forwarded.push({ ...added, name: attachment.filename });
      }
    }
    return ok(composeFrom(parsed, ref.mode, account, forwarded));
  }

  async close(): Promise<void> {
    this.closed = true;
    const entries = [...this.sources.values()];
    this.sources.clear();
    await Promise.all([
      ...entries.map(async (e) => {
        await e.scanning?.catch(() => undefined);
        await e.source.close();
      }),
      ...this.closing.values(),
    ]);
  }

  /** Closes a source that is no longer the account's; the next one waits for it before it touches the same files. */
  private closeReplaced(accountId: string, entry: Entry): void {
    const done: Promise<void> = entry.source
      .close()
      .catch((error: unknown) => this.options.logger.warn('mail: source did not close cleanly', { error }))
      .finally(() => {
        if (this.closing.get(accountId) === done) this.closing.delete(accountId);
      });
    this.closing.set(accountId, done);
  }

  // ---------------------------------------------------------------------------------------------

  private sourceFor(accountId: string): Result<MailSource> {
    if (this.closed) return fail('CANCELLED');
    const account = this.options.accounts.get(accountId);
    if (!account) return fail('ACCOUNT_NOT_FOUND');
    if (!account.incoming) return fail('NO_INCOMING_SERVER');
    const existing = this.sources.get(accountId);
    if (existing) return ok(existing.source);
    const context: MailSourceContext = {
      account,
      password: () => this.options.accounts.incomingPassword(accountId),
      extraCertificateAuthorities: this.options.extraCertificateAuthorities,
      onChange: (change) => {
        this.options.onChange(change);
        if (change.reason === 'new' || change.reason === 'sync') this.scan(accountId);
      },
      onStatus: (status) => {
        this.lastStatus.set(status.accountId, status);
        this.options.onStatus(status);
      },
      logger: this.options.logger,
    };
    const dir = join(this.options.dataDir, 'mail', accountId);
    const source = this.options.createSource
      ? this.options.createSource(context, dir)
      : account.incoming.protocol === 'imap'
        ? createImapSource(context)
        : createPop3Source(context, {
            dir,
            ...(this.options.pop3PollMs !== undefined ? { pollMs: this.options.pop3PollMs } : {}),
            ...(this.closing.has(accountId) ? { after: this.closing.get(accountId) } : {}),
          });
    this.sources.set(accountId, { source, settings: JSON.stringify(account.incoming) });
    this.scan(accountId);
    return ok(source);
  }

  private async load(ref: MessageRef): Promise<Result<{ source: MailSource; raw: Buffer; parsed: ParsedMessage }>> {
    const source = this.sourceFor(ref.accountId);
    if (!source.ok) return source;
    const raw = await source.value.source(ref.folder, ref.uid);
    if (!raw.ok) return raw;
    try {
      return ok({ source: source.value, raw: raw.value, parsed: await parseMessage(raw.value) });
    } catch (error) {
      this.options.logger.warn('mail: message could not be parsed', { error });
      return fail('INTERNAL');
    }
  }

  private async view(ref: MessageRef, raw: Buffer, parsed: ParsedMessage): Promise<MessageView> {
    const report = await parseDeliveryReport(raw).catch(() => null);
    const linked = report ? this.link(ref.accountId, report) : [];
    const bySender = parsed.from ? this.remote.senderAllowed(parsed.from.address) : false;
    const byMessage = this.remote.messageAllowed(messageKey(ref, parsed));
    return {
      ref,
      messageId: parsed.messageId,
      inReplyTo: parsed.inReplyTo,
      references: parsed.references,
      from: parsed.from,
      replyTo: parsed.replyTo,
      to: parsed.to,
      cc: parsed.cc,
      subject: parsed.subject,
      // No usable Date header: nothing shown, rather than 1 January 1970.
      date: parsed.date ?? '',
      text: parsed.text,
      html: parsed.html,
      inlineImages: parsed.inlineImages,
      attachments: parsed.attachments,
      remoteContent: { allowed: bySender || byMessage, scope: bySender ? 'sender' : byMessage ? 'message' : null },
      deliveryReport: report
        ? {
            recipients: report.recipients.map((r) => ({ recipient: r.recipient, action: r.action, status: r.status, diagnostic: r.diagnostic })),
            linkedJobId: linked[0]?.jobId ?? null,
          }
        : null,
    };
  }

  /** Sent messages of the account a report could be about. */
  private sentRefs(accountId: string): SentMessageRef[] {
    const since = Date.now() - SENT_WINDOW_MS;
    return this.options.outbox
      .list()
      .filter((j) => j.accountId === accountId && (j.state === 'sent' || j.state === 'uncertain') && Date.parse(j.createdAt) >= since)
      .map((j: OutboxJob) => ({
        jobId: j.id,
        messageId: j.messageId,
        envelopeId: j.dsnOffered ? j.id : null,
        recipients: j.envelope.to,
        sentAt: j.updatedAt,
      }));
  }

  private link(accountId: string, report: DeliveryReport) {
    return linkReport(report, this.sentRefs(accountId));
  }

  /** Looks through inbox messages that arrived since the last scan for delivery reports. One scan per account at a time. */
  private scan(accountId: string): void {
    const entry = this.sources.get(accountId);
    if (!entry || this.closed) return;
    if (entry.scanning) {
      entry.rescan = true;
      return;
    }
    entry.scanning = this.scanRounds(accountId, entry)
      .catch((error: unknown) => this.options.logger.warn('mail: bounce scan failed', { error }))
      .finally(() => {
        entry.scanning = undefined;
        if (entry.rescan && !this.closed) {
          entry.rescan = false;
          this.scan(accountId);
        }
      });
  }

  private async scanRounds(accountId: string, entry: Entry): Promise<void> {
    const file = join(this.options.dataDir, 'mail', accountId, 'bounce-scan.json');
    let state = await readState(file);
    for (let round = 0; round < SCAN_ROUNDS && !this.closed && this.sources.get(accountId) === entry; round++) {
      const batch = await entry.source.inboxSince(state, SCAN_BATCH, new Date(Date.now() - SENT_WINDOW_MS));
      if (!batch.ok) return;
      for (const message of batch.value.messages) await this.applyReport(accountId, message.source);
      const next = { uidValidity: batch.value.uidValidity, uid: batch.value.lastUid };
      if (!state || next.uidValidity !== state.uidValidity || next.uid !== state.uid) {
        await mkdir(dirname(file), { recursive: true });
        await writeFileAtomic(dirname(file), file, JSON.stringify(next));
        state = next;
      }
      if (!batch.value.more) return;
    }
  }

  private async applyReport(accountId: string, raw: Buffer): Promise<void> {
    const report = await parseDeliveryReport(raw).catch(() => null);
    if (!report) return;
    const reportedAt = report.arrivalDate ?? new Date().toISOString();
    const reportMessageId = report.reportMessageId ?? `<${randomUUID()}@report.mailwright.invalid>`;
    const byJob = new Map<string, DeliveryReportEntry[]>();
    for (const linked of this.link(accountId, report)) {
      const entries = byJob.get(linked.jobId) ?? [];
      entries.push({
        recipient: linked.recipient,
        action: linked.report.action,
        status: linked.report.status,
        diagnostic: linked.report.diagnostic,
        reportedAt,
        reportMessageId,
        matchedBy: linked.matchedBy,
      });
      byJob.set(linked.jobId, entries);
    }
    for (const [jobId, entries] of byJob) {
      const recorded = await this.options.outbox.recordDeliveryReports(jobId, entries);
      if (!recorded.ok) this.options.logger.warn('mail: delivery report not recorded', { code: recorded.error.code });
    }
  }
}

/** Remote content allowed "for this message": by Message-ID, or by its place when it has none. */
function messageKey(ref: MessageRef, parsed: ParsedMessage): string {
  return parsed.messageId ?? `${ref.accountId}/${ref.folder}/${ref.uid}`;
}

async function readState(file: string): Promise<ScanState | null> {
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as Partial<ScanState>;
    return typeof data.uidValidity === 'string' && typeof data.uid === 'number' ? { uidValidity: data.uidValidity, uid: data.uid } : null;
  } catch {
    return null;
  }
}

/**
 * The IPC contract: every channel between renderer and main, with the schema of its request and
 * of its response value, and every push event from main to renderer. Adding a channel is one edit
 * here; the router, the preload, the test bridge and the renderer follow it through the types.
 * Imports nothing from electron, node or the DOM.
 */
import { z } from 'zod';
import {
  AccountIdSchema,
  AccountInputSchema,
  AccountSchema,
  AppInfoSchema,
  EmailSchema,
  PasswordSchema,
  UndoSecondsSchema,
  HistoryRetentionSchema,
} from './model';
import { APP_COMMANDS, type Channel, type EventName } from './channels';
import { DiscoveryResultSchema } from './discovery';
import { VerifyProgressSchema, VerifyReportSchema } from './verify';
import {
  FolderPathSchema,
  FolderSchema,
  MailChangedSchema,
  MailStatusSchema,
  MessagePageSchema,
  MessageRefSchema,
  MessageViewSchema,
  ReplyModeSchema,
  SearchQuerySchema,
  UidSchema,
} from './mail';
import { MailtoOpenedSchema } from './mailto';
import { DataNoticeSchema } from './notices';
import { OpenTargetSchema } from './open-target';
import { OAuthSignInRequestSchema, OAuthSignInResultSchema } from './oauth';
import {
  BatchIdSchema,
  MergeCheckSchema,
  MergeDataSchema,
  MergeIdSchema,
  MergeMappingSchema,
  MergePlanSchema,
  MergePreviewSchema,
  MergeResultRowSchema,
  MergeReviewSchema,
  MergeRunSchema,
  MergeSourceSchema,
  MergeTemplateSchema,
  MERGE_TEST_MAX,
  SendingLimitsSchema,
} from './merge/contract';
import { FaultsSchema, SandboxMessageIdSchema, SandboxMessageSchema, SandboxStatusSchema, SandboxSummarySchema } from './sandbox';
import { AttachmentRefSchema, ComposeDraftSchema, ComposeOpeningSchema, DraftIdSchema, DraftSummarySchema, HISTORY_PAGE_MAX, HistoryCursorSchema, OutboxHistoryItemSchema, OutboxJobSchema } from './outbox';

export { API_GLOBAL, APP_COMMANDS, CHANNEL_NAMES, EVENT_NAMES, isChannel, type AppCommand, type Channel, type EventName } from './channels';

/** Names one compose window (src-main/services/compose-windows.ts). */
export const ComposeTokenSchema = z.uuid();

const JobIdRequest = z.object({ id: z.string().min(1).max(64) }).strict();

const channel = <Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res) => ({
  request,
  response,
});

export const CHANNELS = {
  'app:info': channel(z.object({}).strict(), AppInfoSchema),
  /** The person's preferences; the answer is the app info with them applied. */
  /** Changes the preferences named (the others stay). */
  'preferences:set': channel(z.object({ undoSeconds: UndoSecondsSchema.optional(), historyRetentionDays: HistoryRetentionSchema.optional() }).strict(), AppInfoSchema),
  'accounts:list': channel(z.object({}).strict(), z.array(AccountSchema)),
  'accounts:save': channel(
    z
      .object({
        /** Absent for a new account. */
        id: AccountIdSchema.optional(),
        account: AccountInputSchema,
        /** Absent when editing: keep the stored password. */
        password: PasswordSchema.optional(),
        /** The incoming server's password; absent when editing keeps the stored one. */
        incomingPassword: PasswordSchema.optional(),
        /** OAuth2: the sign-in (oauth:signIn) whose grant is stored for this account; absent keeps the stored grant. */
        oauthSession: z.uuid().optional(),
      })
      .strict(),
    AccountSchema,
  ),
  'accounts:delete': channel(z.object({ id: AccountIdSchema }).strict(), z.object({ id: AccountIdSchema })),
  'accounts:discover': channel(
    z
      .object({
        email: EmailSchema,
        /** Plain-http autoconfig only when the person agreed to it. */
        allowHttp: z.boolean().default(false),
        /** Names the lookup for accounts:cancelDiscover ("Cancel lookup"). */
        runId: z.string().min(1).max(64).optional(),
      })
      .strict(),
    DiscoveryResultSchema,
  ),
  /** Stops a running lookup: its DNS and HTTPS requests are aborted and it answers CANCELLED. */
  'accounts:cancelDiscover': channel(z.object({ runId: z.string().min(1).max(64) }).strict(), z.object({ cancelled: z.boolean() })),
  'accounts:verify': channel(
    z
      .object({
        /** Chosen by the renderer; progress events carry it. */
        runId: z.string().min(1).max(64),
        account: AccountInputSchema,
        /** When editing: passwords not typed again come from the secret store. */
        accountId: AccountIdSchema.optional(),
        password: PasswordSchema.optional(),
        incomingPassword: PasswordSchema.optional(),
        /** OAuth2: check with the token of this sign-in; absent when editing uses the stored grant. */
        oauthSession: z.uuid().optional(),
      })
      .strict(),
    VerifyReportSchema,
  ),
  /**
   * OAuth2 sign-in: opens the provider's page in the system browser and waits (up to 5 minutes) for
   * its answer on a one-time loopback redirect. The tokens stay in main.
   */
  'oauth:signIn': channel(OAuthSignInRequestSchema, OAuthSignInResultSchema),
  /** Ends a sign-in that is waiting for the browser (the person pressed Cancel). */
  'oauth:cancel': channel(z.object({ runId: z.string().min(1).max(64) }).strict(), z.object({ cancelled: z.boolean() })),
  /** Opens the system's file dialog; the chosen files become attachment tokens. Empty when cancelled. */
  'attachments:pick': channel(z.object({}).strict(), z.array(AttachmentRefSchema)),
  /** A dropped file, streamed over in chunks (the sandboxed renderer cannot name its path). */
  'attachments:dropBegin': channel(
    z.object({ name: z.string().min(1).max(255), size: z.number().int().nonnegative().max(200 * 1024 * 1024) }).strict(),
    z.object({ upload: z.uuid() }),
  ),
  /** Base64, at most 1 MiB of data per chunk. */
  'attachments:dropChunk': channel(
    z.object({ upload: z.uuid(), data: z.base64().max(1_400_000) }).strict(),
    z.object({ received: z.number() }),
  ),
  'attachments:dropEnd': channel(z.object({ upload: z.uuid() }).strict(), AttachmentRefSchema),
  /** Every send goes through the outbox: the message is built and stored before this answers. */
  'outbox:enqueue': channel(
    z
      .object({
        draft: ComposeDraftSchema,
        /** "Send later": not before this time (ISO 8601). Absent: after the undo window. */
        sendAt: z.iso.datetime({ offset: true }).optional(),
        /**
         * "Send to the sandbox instead": built exactly as for the draft's account (its From, its server's
         * SIZE for the lint) and handed to the built-in sandbox; never to the account's server.
         */
        rehearse: z.boolean().default(false),
      })
      .strict(),
    OutboxJobSchema,
  ),
  /**
   * The outbox's first screen: every message not finished, and the newest finished ones (at most
   * 100; older ones are in the history). A batch's messages (a mail merge) are left out unless one
   * needs the person; the batch reports its own progress.
   */
  'outbox:list': channel(z.object({}).strict(), z.array(OutboxJobSchema)),
  /** Finished messages moved to the history, newest first, a page at a time. */
  'outbox:history': channel(
    z.object({ before: HistoryCursorSchema, limit: z.number().int().min(1).max(HISTORY_PAGE_MAX) }).strict(),
    z.object({ entries: z.array(OutboxHistoryItemSchema), next: HistoryCursorSchema }),
  ),
  /** Takes a message back into the editor while it has not started sending (undo window, or scheduled). */
  'outbox:undo': channel(JobIdRequest, OutboxJobSchema),
  'outbox:cancel': channel(JobIdRequest, OutboxJobSchema),
  /** Retry now; for a message that may have been sent, this is the person's "send it again". */
  'outbox:retry': channel(JobIdRequest, OutboxJobSchema),
  /** For a message that may have been sent: the person says it arrived. */
  'outbox:markSent': channel(JobIdRequest, OutboxJobSchema),
  /** Saves (creates or replaces) a draft; the compose window calls it as the person types. */
  'drafts:save': channel(
    z.object({ id: DraftIdSchema.optional(), draft: ComposeDraftSchema }).strict(),
    z.object({ id: DraftIdSchema, savedAt: z.string() }),
  ),
  'drafts:list': channel(z.object({}).strict(), z.array(DraftSummarySchema)),
  'drafts:open': channel(z.object({ id: DraftIdSchema }).strict(), z.object({ id: DraftIdSchema, draft: ComposeDraftSchema })),
  'drafts:delete': channel(z.object({ id: DraftIdSchema }).strict(), z.object({ id: DraftIdSchema })),
  /** The account's folders with their roles (POP3: Mailwright's local Inbox and Trash). */
  'mail:folders': channel(z.object({ accountId: AccountIdSchema }).strict(), z.array(FolderSchema)),
  /** One page of a folder, newest first. */
  'mail:list': channel(
    z
      .object({
        accountId: AccountIdSchema,
        folder: FolderPathSchema,
        offset: z.number().int().nonnegative().max(10_000_000),
        limit: z.number().int().min(1).max(500),
      })
      .strict(),
    MessagePageSchema,
  ),
  /** Searched on the server (IMAP SEARCH): sender or subject contains the text. Newest first, at most `limit`. */
  'mail:search': channel(
    z
      .object({
        accountId: AccountIdSchema,
        folder: FolderPathSchema,
        query: SearchQuerySchema,
        field: z.enum(['from', 'subject', 'either']).default('either'),
        limit: z.number().int().min(1).max(500).default(200),
      })
      .strict(),
    MessagePageSchema,
  ),
  /** Parses the message and marks it read. */
  'mail:open': channel(MessageRefSchema, MessageViewSchema),
  'mail:setFlags': channel(
    z
      .object({
        accountId: AccountIdSchema,
        folder: FolderPathSchema,
        uids: z.array(UidSchema).min(1).max(1000),
        seen: z.boolean().optional(),
        flagged: z.boolean().optional(),
      })
      .strict(),
    z.object({ updated: z.number() }),
  ),
  'mail:move': channel(
    z.object({ accountId: AccountIdSchema, folder: FolderPathSchema, uids: z.array(UidSchema).min(1).max(1000), to: FolderPathSchema }).strict(),
    z.object({ moved: z.number() }),
  ),
  /** Moves to the Trash; in the Trash itself, deletes for good. */
  'mail:delete': channel(
    z.object({ accountId: AccountIdSchema, folder: FolderPathSchema, uids: z.array(UidSchema).min(1).max(1000) }).strict(),
    z.object({ deleted: z.number(), permanently: z.boolean() }),
  ),
  /** Lets remote content load for this message, or for every message from its sender. */
  'mail:allowRemote': channel(MessageRefSchema.extend({ scope: z.enum(['message', 'sender']) }).strict(), MessageViewSchema),
  /** The system's save dialog for one attachment; saved false when the person cancelled. */
  'mail:saveAttachment': channel(MessageRefSchema.extend({ index: z.number().int().nonnegative().max(10_000) }).strict(), z.object({ saved: z.boolean() })),
  /** A draft answering or forwarding the message: recipients, quoted text, threading headers, attachments (forward). */
  'mail:compose': channel(MessageRefSchema.extend({ mode: ReplyModeSchema }).strict(), ComposeDraftSchema),
  /** Checks for new mail now (POP3 download; IMAP reconnects if needed). */
  'mail:refresh': channel(z.object({ accountId: AccountIdSchema }).strict(), z.object({ newMessages: z.number() })),
  /** The last connection status of every account that reads mail (the events carry changes only). */
  'mail:statuses': channel(z.object({}).strict(), z.array(MailStatusSchema)),
  /** The network came back (the renderer's "online" event): connect again now instead of waiting for the next retry. */
  'mail:wake': channel(z.object({}).strict(), z.object({})),
  /** Opens an http(s) link in the system browser; the renderer showed the person the real target first. */
  'app:openExternal': channel(z.object({ url: z.url({ protocol: /^https?$/ }).max(8192) }).strict(), z.object({ opened: z.boolean() })),
  /** Files found damaged and set aside in this run, not yet dismissed (the app:noticeAdded event carries new ones). */
  'app:notices': channel(z.object({}).strict(), z.array(DataNoticeSchema)),
  /** The person read the notice; answers the notices that remain. */
  'app:dismissNotice': channel(z.object({ id: z.uuid() }).strict(), z.array(DataNoticeSchema)),
  /**
   * mailto: links handed to the app (by the system) that no window has opened yet, oldest first; each is
   * answered once. The window asks at start and on every compose:mailto event, so a link that came before
   * the window was listening is not lost.
   */
  'compose:takeMailto': channel(z.object({}).strict(), z.array(MailtoOpenedSchema)),
  /** Opens a compose window of its own, starting from this; answers the token that names the window. */
  'compose:open': channel(ComposeOpeningSchema, z.object({ token: ComposeTokenSchema })),
  /** What the window named by the token was opened with, once; null after (a reload starts an empty message). */
  'compose:take': channel(z.object({ token: ComposeTokenSchema }).strict(), ComposeOpeningSchema.nullable()),
  /** The compose window is done (queued, or closed with its draft kept): main closes it. */
  'compose:close': channel(z.object({ token: ComposeTokenSchema }).strict(), z.object({ closed: z.boolean() })),
  /** An account's own sending limits for merges (shared/merge/pace.ts); null goes back to the provider's. */
  'accounts:setSendingLimits': channel(z.object({ id: AccountIdSchema, limits: SendingLimitsSchema.nullable() }).strict(), AccountSchema),
  /**
   * Mail merge (issue 14; src-main/services/merge/). A merge is opened with its data and named by
   * mergeId until it is started; its rows stay in main. Each request names the merge and, where it
   * matters, the person's mapping of the columns and the template, so main holds no half-edited state.
   */
  'merge:load': channel(z.object({ source: MergeSourceSchema }).strict(), MergeDataSchema),
  /** Which rows will be sent and which are left out, and why. */
  'merge:check': channel(z.object({ mergeId: MergeIdSchema, mapping: MergeMappingSchema }).strict(), MergeCheckSchema),
  /** Every row built with the template: which rows have warnings (the preview's "next warning"). */
  'merge:review': channel(z.object({ mergeId: MergeIdSchema, mapping: MergeMappingSchema, template: MergeTemplateSchema }).strict(), MergeReviewSchema),
  /** One row's message as its recipient will get it (index among the rows to send). */
  'merge:preview': channel(
    z.object({ mergeId: MergeIdSchema, mapping: MergeMappingSchema, template: MergeTemplateSchema, index: z.number().int().nonnegative().max(10_000_000) }).strict(),
    MergePreviewSchema,
  ),
  /** When it would go with the account's limits, starting now. */
  'merge:plan': channel(z.object({ mergeId: MergeIdSchema, mapping: MergeMappingSchema, template: MergeTemplateSchema }).strict(), MergePlanSchema),
  /** "Send the first N to me": to the account's own address, each subject starting with its row; goes at once. */
  'merge:test': channel(
    z.object({ mergeId: MergeIdSchema, mapping: MergeMappingSchema, template: MergeTemplateSchema, count: z.number().int().min(1).max(MERGE_TEST_MAX) }).strict(),
    MergeRunSchema,
  ),
  /**
   * The real send, paced: refused (MERGE_NOT_TESTED) until a test of this template was queued, and
   * (MERGE_UNSUBSCRIBE_MISSING) when the plan asks about unsubscribing and the person did not answer.
   */
  'merge:start': channel(
    z
      .object({
        mergeId: MergeIdSchema,
        mapping: MergeMappingSchema,
        template: MergeTemplateSchema,
        withoutUnsubscribe: z.boolean().default(false),
        /**
         * Rehearse the whole merge in the sandbox: every row built as for real and captured, at once
         * (no pace), nothing to a real server. Needs no test first and asks nothing about unsubscribing
         * (the sandbox's lint says it).
         */
        rehearse: z.boolean().default(false),
      })
      .strict(),
    MergeRunSchema,
  ),
  /** Every merge started (newest first), with its progress. */
  'merge:list': channel(z.object({}).strict(), z.array(MergeRunSchema)),
  'merge:pause': channel(z.object({ batchId: BatchIdSchema }).strict(), MergeRunSchema),
  'merge:resume': channel(z.object({ batchId: BatchIdSchema }).strict(), MergeRunSchema),
  /** Cancels what has not gone yet; what was sent stays sent. */
  'merge:cancel': channel(z.object({ batchId: BatchIdSchema }).strict(), MergeRunSchema),
  /** Every row's outcome, in row order. */
  'merge:results': channel(z.object({ batchId: BatchIdSchema }).strict(), z.array(MergeResultRowSchema)),
  /** Sends the rows that failed again (not those that may have been sent: each of those is the person's call in the Outbox). */
  'merge:retryFailed': channel(z.object({ batchId: BatchIdSchema }).strict(), z.object({ retried: z.number().int() })),
  /** Saves the results as CSV where the person chooses (the system's save dialog); saved false when cancelled. */
  'merge:export': channel(z.object({ batchId: BatchIdSchema }).strict(), z.object({ saved: z.boolean() })),
  /** The person left a merge that was not started: its data is forgotten. */
  'merge:close': channel(z.object({ mergeId: MergeIdSchema }).strict(), z.object({ closed: z.boolean() })),
  /**
   * The built-in sandbox (issue 15; src-main/services/sandbox/): where it listens, what it holds,
   * whether the Sandbox account is hidden, the faults in play.
   */
  'sandbox:status': channel(z.object({}).strict(), SandboxStatusSchema),
  /** Captured messages, newest first, a page at a time; `batchId` keeps a rehearsed merge's messages only (in row order). */
  'sandbox:list': channel(
    z.object({ offset: z.number().int().nonnegative().max(10_000_000), limit: z.number().int().min(1).max(500), batchId: BatchIdSchema.optional() }).strict(),
    z.object({ total: z.number().int(), messages: z.array(SandboxSummarySchema) }),
  ),
  /** One captured message: rendered, headers, source, MIME tree, envelope and lint. */
  'sandbox:open': channel(z.object({ id: SandboxMessageIdSchema }).strict(), SandboxMessageSchema),
  /** Saves the whole source (.eml) where the person chooses (the system's save dialog); saved false when cancelled. */
  'sandbox:saveSource': channel(z.object({ id: SandboxMessageIdSchema }).strict(), z.object({ saved: z.boolean() })),
  'sandbox:delete': channel(z.object({ id: SandboxMessageIdSchema }).strict(), SandboxStatusSchema),
  /** Removes every captured message. */
  'sandbox:clear': channel(z.object({}).strict(), SandboxStatusSchema),
  /** Replaces the faults in play (an empty list: the sandbox behaves). */
  'sandbox:setFaults': channel(z.object({ faults: FaultsSchema }).strict(), SandboxStatusSchema),
  /** Hides the Sandbox account from the account list and From menus, or shows it again (accounts:changed follows). */
  'sandbox:setHidden': channel(z.object({ hidden: z.boolean() }).strict(), SandboxStatusSchema),
} as const satisfies Record<Channel, { request: z.ZodType; response: z.ZodType }>;

export const EVENTS = {
  /** The list of accounts changed (saved or deleted); carries the new list. */
  'accounts:changed': z.array(AccountSchema),
  /** One verification stage started or settled. */
  'accounts:verifyProgress': VerifyProgressSchema,
  /** A job changed state or made progress. */
  'outbox:changed': OutboxJobSchema,
  /** A folder's content changed on the server or locally: reload what is shown. */
  'mail:changed': MailChangedSchema,
  'mail:status': MailStatusSchema,
  /** A damaged file was set aside: tell the person. */
  'app:noticeAdded': DataNoticeSchema,
  /** The person chose an item of the application menu that acts in the window (New Message, Reply…). */
  'app:command': z.object({ command: z.enum(APP_COMMANDS) }).strict(),
  /** The person clicked a desktop notification: show what it is about (an outbox item). */
  'app:open': OpenTargetSchema,
  /** A mailto: link was handed to the app: a message to open prefilled, or why the link was refused. */
  'compose:mailto': MailtoOpenedSchema,
  /** A draft was saved or deleted in some compose window: a Drafts list on screen reloads. */
  'drafts:changed': z.object({}).strict(),
  /** A started merge made progress (at a bounded rate) or was paused, resumed, cancelled or finished. */
  'merge:progress': MergeRunSchema,
  /** A message was captured, deleted or cleared, or the faults or the Sandbox account's visibility changed. */
  'sandbox:changed': SandboxStatusSchema,
} as const satisfies Record<EventName, z.ZodType>;

export type RequestOf<C extends Channel> = z.input<(typeof CHANNELS)[C]['request']>;
export type ParsedRequestOf<C extends Channel> = z.output<(typeof CHANNELS)[C]['request']>;
export type ResponseOf<C extends Channel> = z.output<(typeof CHANNELS)[C]['response']>;
export type EventPayloadOf<E extends EventName> = z.output<(typeof EVENTS)[E]>;


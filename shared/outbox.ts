/** The outbox as the renderer sees it: jobs with explicit states, and the draft a job came from. */
import { z } from 'zod';
import { AccountIdSchema } from './model';
import { AppErrorSchema } from './result';

/**
 * 'signin': the account must sign in again (OAuth2 grant revoked or expired). The message waits,
 * no attempt used up, and goes out by itself once the person has signed in.
 */
export const JOB_STATES = ['queued', 'sending', 'retrying', 'signin', 'sent', 'failed', 'cancelled', 'uncertain'] as const;
export const JobStateSchema = z.enum(JOB_STATES);
export type JobState = z.infer<typeof JobStateSchema>;

/** A file the person picked; main keeps its path, the renderer only a token, its name and size. */
export const AttachmentRefSchema = z.object({
  token: z.string().min(1).max(64),
  name: z.string().max(255),
  size: z.number().int().nonnegative(),
});
export type AttachmentRef = z.infer<typeof AttachmentRefSchema>;

export const BodySchema = z.object({
  mode: z.enum(['rich', 'plain']),
  /** The editor's HTML (rich mode only); inline images as data: URLs, turned into cid: parts in main. */
  html: z.string().max(30_000_000),
  /** The faithful plain-text rendering, sent as the text/plain part. */
  text: z.string().max(10_000_000),
});
export type Body = z.infer<typeof BodySchema>;

export const DSN_NOTIFY = ['success', 'failure', 'delay'] as const;
export const DsnRequestSchema = z.object({
  notify: z.array(z.enum(DSN_NOTIFY)).min(1).max(3),
  /** What a bounce carries back: the headers only, or the full message. */
  ret: z.enum(['headers', 'full']),
});
export type DsnRequest = z.infer<typeof DsnRequestSchema>;

/** What a delivery report (bounce, delay, or delivery notice) said about one recipient of a sent message. */
export const DELIVERY_ACTIONS = ['failed', 'delayed', 'delivered', 'relayed', 'expanded'] as const;
export const DeliveryReportEntrySchema = z.object({
  /** The recipient as it was in the envelope of the sent message. */
  recipient: z.string(),
  action: z.enum(DELIVERY_ACTIONS),
  /** RFC 3463 status, e.g. "5.1.1". */
  status: z.string(),
  /** The remote server's words, e.g. "550 5.1.1 <x@y>: Recipient address rejected". */
  diagnostic: z.string().nullable(),
  /** When the report arrived (ISO). */
  reportedAt: z.string(),
  /** The Message-ID of the report itself, so the same report is recorded once. */
  reportMessageId: z.string(),
  /** How the report was tied to the sent message. */
  matchedBy: z.enum(['envelope-id', 'message-id', 'recipient']),
});
export type DeliveryReportEntry = z.infer<typeof DeliveryReportEntrySchema>;

/** Everything the compose window needs to reopen a message (undo, edit). */
export const ComposeDraftSchema = z.object({
  accountId: AccountIdSchema,
  /** One of the account's other addresses; '' for the account's own. */
  identityId: z.string().max(64).default(''),
  to: z.string().max(100_000),
  cc: z.string().max(100_000),
  bcc: z.string().max(100_000),
  subject: z.string().max(998).refine((s) => !/[\r\n]/.test(s), { message: 'single_line' }),
  body: BodySchema,
  attachments: z.array(AttachmentRefSchema).max(100),
  /** Threading (RFC 5322 3.6.4), set when the draft is a reply: the Message-ID replied to, with brackets. */
  inReplyTo: z.string().max(998).refine((s) => !/[\r\n]/.test(s), { message: 'single_line' }).optional(),
  references: z.array(z.string().max(998).refine((s) => !/[\r\n\s]/.test(s), { message: 'single_token' })).max(100).optional(),
  /** Delivery status notifications asked of the server (RFC 3461), used when it offers DSN. */
  dsn: DsnRequestSchema.optional(),
});
export type ComposeDraft = z.infer<typeof ComposeDraftSchema>;

export const OutboxJobSchema = z.object({
  id: z.string(),
  accountId: z.string(),
  state: JobStateSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  notBefore: z.string(),
  scheduled: z.boolean(),
  attempts: z.number(),
  maxAttempts: z.number(),
  messageId: z.string(),
  summary: z.object({ subject: z.string(), to: z.array(z.string()), sizeBytes: z.number() }),
  lastReply: z.string().optional(),
  lastError: AppErrorSchema.optional(),
  refused: z.array(z.object({ address: z.string(), serverReply: z.string() })),
  progress: z.object({ sentBytes: z.number(), totalBytes: z.number() }).optional(),
  draft: ComposeDraftSchema.optional(),
  /** Delivery reports linked to this message, newest last. */
  deliveryReports: z.array(DeliveryReportEntrySchema),
  /** DSN as asked for and as the server offered it (null until an attempt saw the server's EHLO). */
  dsn: z.object({ requested: z.boolean(), offered: z.boolean().nullable() }),
  /**
   * 'record': the job's record was damaged and rebuilt from the stored message; it is not sent
   * until the person checks it. 'message': the stored message is damaged; it was not sent.
   */
  damaged: z.enum(['record', 'message']).optional(),
  /** The editor's copy kept with the job was damaged and set aside; the message itself is fine. */
  draftDamaged: z.boolean().optional(),
  /** The batch (a mail merge) it was queued with, and its row in the merge's data. */
  batchId: z.string().optional(),
  batchRow: z.number().int().optional(),
  /** Sent "to the sandbox instead": built for its account, handed to the built-in sandbox, never to the account's server. */
  rehearsal: z.boolean().optional(),
});
export type OutboxJobView = z.infer<typeof OutboxJobSchema>;

/** A finished message in the outbox's compact history (src-main/services/outbox/history.ts), as the list shows it. */
export const OutboxHistoryItemSchema = z.object({
  id: z.string(),
  accountId: z.string(),
  state: z.enum(['sent', 'cancelled']),
  subject: z.string(),
  to: z.array(z.string()),
  sizeBytes: z.number(),
  createdAt: z.string(),
  finishedAt: z.string(),
  accepted: z.array(z.string()),
  refused: z.array(z.object({ address: z.string(), serverReply: z.string() })),
  lastReply: z.string().optional(),
  deliveryReports: z.array(DeliveryReportEntrySchema),
  batchId: z.string().optional(),
  batchRow: z.number().int().optional(),
  rehearsal: z.boolean().optional(),
});
export type OutboxHistoryItem = z.infer<typeof OutboxHistoryItemSchema>;

/** Where the next page of the history starts (an offset in the file), null when there is no more. */
export const HistoryCursorSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable();
export const HISTORY_PAGE_MAX = 200;

export const DraftIdSchema = z.uuid();

/** What a new compose window starts with (see src-main/services/compose-windows.ts). */
export const ComposeOpeningSchema = z
  .object({
    /**
     * The message to start from (reply, forward, undo, edit, mailto:, a saved draft); null for a new message.
     * A mailto: link names no account (''): the window picks the first.
     */
    draft: ComposeDraftSchema.extend({ accountId: z.union([AccountIdSchema, z.literal('')]) }).nullable(),
    /** The saved draft it came from, which autosave then replaces. */
    draftId: DraftIdSchema.nullable(),
    /** Show what is wrong with the recipients at once (a mailto: link filled them, not the person). */
    checkRecipients: z.boolean(),
  })
  .strict();
export type ComposeOpening = z.infer<typeof ComposeOpeningSchema>;

export const DraftSummarySchema = z.object({ id: DraftIdSchema, savedAt: z.string(), subject: z.string(), to: z.string() });
export type DraftSummary = z.infer<typeof DraftSummarySchema>;

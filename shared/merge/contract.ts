/**
 * Mail merge as the renderer sees it (issue 14): the shapes its IPC channels carry (shared/ipc.ts
 * pairs them with channel names). The data file is read and checked, the templates filled and the
 * messages built in main (src-main/services/merge/); the renderer shows, steps through and asks.
 */
import { z } from 'zod';
import { AccountIdSchema, SendingLimitsSchema as StoredSendingLimitsSchema } from '../model';
import { BodySchema } from '../outbox';
import { AppErrorSchema } from '../result';

export const MergeIdSchema = z.uuid();
export const BatchIdSchema = z.uuid();

/** At most this many bytes of data (a CSV or TSV file, or pasted rows). */
export const MERGE_DATA_MAX_BYTES = 20 * 1024 * 1024;
/** At most this many rows in one merge (the outbox's batch limit). */
export const MERGE_ROWS_MAX = 50_000;
/** "Send the first N to me": at most this many. */
export const MERGE_TEST_MAX = 10;
/** A merge of more than this many messages without an unsubscribe address or link asks once before it goes. */
export const MERGE_UNSUBSCRIBE_ASK_OVER = 100;

/** The data: a file the person opened (its bytes, base64) or rows pasted as text. */
export const MergeSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('file'), name: z.string().min(1).max(255), data: z.base64().max(Math.ceil(MERGE_DATA_MAX_BYTES / 3) * 4) }).strict(),
  z.object({ kind: z.literal('paste'), text: z.string().min(1).max(MERGE_DATA_MAX_BYTES) }).strict(),
]);
export type MergeSource = z.infer<typeof MergeSourceSchema>;

export const TableEncodingSchema = z.enum(['utf-8', 'utf-8-bom', 'utf-16le', 'utf-16be', 'windows-1252']);

/** The data as read: its columns and a few rows to show; the rows themselves stay in main. */
export const MergeDataSchema = z.object({
  mergeId: MergeIdSchema,
  /** The file's name, or "Pasted rows". */
  source: z.string(),
  encoding: TableEncodingSchema,
  /** The delimiter found (",", ";", "\t", "|"). */
  delimiter: z.string(),
  columns: z.array(z.string()),
  rowCount: z.number().int().nonnegative(),
  /** Rows (numbered as in the file, header = 1) whose field count differs from the header's. */
  ragged: z.array(z.number().int()),
  /** The first rows, as read, for the person to recognise the data. */
  sample: z.array(z.record(z.string(), z.string())).max(5),
  /** The column that looks like it holds the addresses (most of its cells are one), if any. */
  addressColumn: z.string().nullable(),
});
export type MergeData = z.infer<typeof MergeDataSchema>;

/** Why a row of the data is left out (shared/merge/table.ts checkRows). */
export const RowProblemSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('no-address') }),
  z.object({ kind: z.literal('bad-address'), text: z.string(), message: z.string() }),
  z.object({ kind: z.literal('look-alike'), text: z.string(), message: z.string() }),
  z.object({ kind: z.literal('several-addresses'), count: z.number() }),
  z.object({ kind: z.literal('duplicate'), firstRow: z.number() }),
  z.object({ kind: z.literal('empty'), column: z.string() }),
]);
export type RowProblemView = z.infer<typeof RowProblemSchema>;

/** Which column holds the addresses, and which must not be empty: the person's mapping of the columns. */
export const MergeMappingSchema = z
  .object({
    addressColumn: z.string().min(1).max(200),
    required: z.array(z.string().max(200)).max(200).default([]),
  })
  .strict();
export type MergeMapping = z.infer<typeof MergeMappingSchema>;

/** The rows that will be sent, and every row left out with its reasons (at most 1,000 listed). */
export const MergeCheckSchema = z.object({
  good: z.number().int().nonnegative(),
  leftOut: z.number().int().nonnegative(),
  left: z.array(z.object({ row: z.number().int(), problems: z.array(RowProblemSchema) })).max(1000),
});
export type MergeCheck = z.infer<typeof MergeCheckSchema>;

export const UnsubscribeSchema = z
  .object({
    /** An address that unsubscribes whoever writes to it. */
    mailto: z.email().max(320).optional(),
    /** An https URL that unsubscribes on a POST (RFC 8058 one-click). */
    https: z.url({ protocol: /^https$/ }).max(2000).optional(),
  })
  .strict()
  .refine((u) => u.mailto !== undefined || u.https !== undefined, { message: 'required' });
export type Unsubscribe = z.infer<typeof UnsubscribeSchema>;

/**
 * The message as a template: the compose window's fields with {{Column}}, {{Column|fallback}} and
 * {{#if Column}}…{{/if}} (src-main/services/merge/template.ts), plus what only a merge has.
 */
export const MergeTemplateSchema = z
  .object({
    accountId: AccountIdSchema,
    /** One of the account's other addresses; '' for the account's own. */
    identityId: z.string().max(64).default(''),
    to: z.string().max(10_000),
    cc: z.string().max(10_000).default(''),
    subject: z.string().max(998),
    body: BodySchema,
    /** A column holding file paths to attach for that row (several separated by ";"). */
    attachmentColumn: z.string().max(200).optional(),
    /** List-Unsubscribe (RFC 2369, RFC 8058) and a visible unsubscribe line in every message. */
    unsubscribe: UnsubscribeSchema.optional(),
  })
  .strict();
export type MergeTemplate = z.infer<typeof MergeTemplateSchema>;

/** What the preview warns about for one row. */
export const MergeWarningSchema = z.discriminatedUnion('kind', [
  /** A field the row leaves empty, used with no fallback: the message shows a gap. */
  z.object({ kind: z.literal('empty-field'), column: z.string() }),
  z.object({ kind: z.literal('attachment-not-found'), path: z.string() }),
  z.object({ kind: z.literal('bad-address'), field: z.enum(['to', 'cc']), text: z.string(), message: z.string() }),
  z.object({ kind: z.literal('no-recipient') }),
  /** Larger than the server said it accepts (its SIZE). */
  z.object({ kind: z.literal('too-large'), sizeBytes: z.number(), limitBytes: z.number() }),
]);
export type MergeWarning = z.infer<typeof MergeWarningSchema>;

/** One row's message as its recipient will get it. */
export const MergePreviewSchema = z.object({
  /** Which of the rows to send (0-based) this is, of `total`. */
  index: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  /** Its row in the file (header = 1). */
  row: z.number().int(),
  values: z.record(z.string(), z.string()),
  from: z.string(),
  to: z.array(z.string()),
  cc: z.array(z.string()),
  subject: z.string(),
  text: z.string(),
  /** The HTML part, for the safe display; absent for a plain-text merge. */
  html: z.string().optional(),
  attachments: z.array(z.object({ name: z.string(), size: z.number() })),
  /** The built message's size, when it could be built. */
  sizeBytes: z.number().optional(),
  warnings: z.array(MergeWarningSchema),
  /** False: a warning stops this row (it is not sent). */
  sendable: z.boolean(),
});
export type MergePreview = z.infer<typeof MergePreviewSchema>;

/** Every row's warnings for a template, for "jump to the next row with a warning". */
export const MergeReviewSchema = z.object({
  total: z.number().int().nonnegative(),
  /** Rows that will be sent (the others have a warning that stops them). */
  sendable: z.number().int().nonnegative(),
  /** Rows with any warning: index among the rows to send, file row, warnings (at most 1,000 listed). */
  rows: z.array(z.object({ index: z.number().int(), row: z.number().int(), warnings: z.array(MergeWarningSchema) })).max(1000),
  withWarnings: z.number().int().nonnegative(),
});
export type MergeReview = z.infer<typeof MergeReviewSchema>;

/** An account's sending limits: recipients in any 24 hours, messages a minute; null: no limit. */
export const SendingLimitsSchema = StoredSendingLimitsSchema;
export type SendingLimitsView = z.infer<typeof SendingLimitsSchema>;

/** When the merge will go: the limits it follows (and where they come from), and when it finishes. */
export const MergePlanSchema = z.object({
  count: z.number().int().nonnegative(),
  limits: SendingLimitsSchema,
  /** 'account': the person set them for this account; 'provider': the provider's published limits; 'default': Mailwright's. */
  limitsFrom: z.enum(['account', 'provider', 'default']),
  /** The provider whose published limits apply (Gmail, Microsoft 365…), with where it says so. */
  provider: z.object({ name: z.string(), source: z.string() }).nullable(),
  startsAt: z.string(),
  finishesAt: z.string(),
  /** Spans of 24 hours it covers (1: all today). */
  days: z.number().int().positive(),
  /** How many go within the first 24 hours. */
  firstDay: z.number().int().nonnegative(),
  /** Recipients the account already sent to in the last 24 hours (they count against the limit). */
  sentLastDay: z.number().int().nonnegative(),
  warnings: z.array(
    z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('over-daily-limit'), row: z.number().int(), recipients: z.number(), limit: z.number() }),
      z.object({ kind: z.literal('gmail-bulk-sender'), messages: z.number(), threshold: z.number(), at: z.string() }),
    ]),
  ),
  /** No unsubscribe and more than MERGE_UNSUBSCRIBE_ASK_OVER messages: the real send asks once. */
  askUnsubscribe: z.boolean(),
  /** A test ("send the first N to me") of this very template was queued: the real send is allowed. */
  tested: z.boolean(),
  /**
   * Files the attachment column attaches, over all rows, and the folders they are in (at most 10
   * listed): the data names files on this computer, so the real send says which leave with the mail.
   */
  attachments: z.object({ files: z.number().int().nonnegative(), folders: z.array(z.string()).max(10), moreFolders: z.number().int().nonnegative() }),
});
export type MergePlan = z.infer<typeof MergePlanSchema>;

/** A merge that was started, as its progress reports it. */
export const MergeRunSchema = z.object({
  batchId: BatchIdSchema,
  /** What it is called: the data's name and the subject. */
  name: z.string(),
  accountId: z.string(),
  /** A test ("send the first N to me"), not the real merge. */
  test: z.boolean(),
  /** Rehearsed in the sandbox: every row captured there, nothing sent to a real server. */
  rehearsal: z.boolean().optional(),
  createdAt: z.string(),
  /** When the pace lets the last one go (ISO); absent when not known (a merge from before a restart without its record). */
  finishesAt: z.string().optional(),
  total: z.number().int(),
  paused: z.boolean(),
  waiting: z.number().int(),
  sending: z.number().int(),
  sent: z.number().int(),
  partlyRefused: z.number().int(),
  failed: z.number().int(),
  uncertain: z.number().int(),
  signin: z.number().int(),
  cancelled: z.number().int(),
  /** Messages that bounced after they were sent (a delivery report linked to them). */
  bounced: z.number().int(),
  done: z.boolean(),
});
export type MergeRun = z.infer<typeof MergeRunSchema>;

export const MERGE_ROW_STATES = ['waiting', 'sending', 'sent', 'refused', 'bounced', 'failed', 'uncertain', 'signin', 'cancelled'] as const;
export const MergeRowStateSchema = z.enum(MERGE_ROW_STATES);
export type MergeRowState = z.infer<typeof MergeRowStateSchema>;

/** One row's outcome. */
export const MergeResultRowSchema = z.object({
  /** Its row in the file (header = 1). */
  row: z.number().int(),
  /** The outbox job that carries it. */
  jobId: z.string(),
  recipient: z.string(),
  state: MergeRowStateSchema,
  /**
   * The server's reply when sent; the reply of the refusal or the bounce's diagnostic. A failure's
   * error (shared/errors.ts) is in `error`, which the renderer turns into words.
   */
  reply: z.string().optional(),
  error: AppErrorSchema.optional(),
  /** When it goes ('waiting'), or when it ended. */
  at: z.string(),
});
export type MergeResultRow = z.infer<typeof MergeResultRowSchema>;

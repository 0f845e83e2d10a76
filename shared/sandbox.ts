/**
 * The built-in sandbox (issue 15) as the renderer sees it: the Sandbox account, what the capture
 * server kept (with its envelope, headers, MIME tree and the lint of it), and the faults it can be
 * told to play. The capture server itself is src-main/services/sandbox/capture.ts.
 * Imports nothing from electron, node or the DOM.
 */
import { z } from 'zod';
import { MailAddressSchema, MessageViewSchema } from './mail';

/**
 * The Sandbox account's id: fixed, so drafts, outbox jobs and merges that name it still find it after a
 * restart. It is not stored in settings.json (main adds it to the account list); it has no password
 * on disk (its server's secret is made per run and kept in memory).
 */
export const SANDBOX_ACCOUNT_ID = '5a4db0c5-0000-4000-8000-000000000001';
/** The Sandbox account's From address: a reserved name (RFC 2606) that can never reach anyone. */
export const SANDBOX_ADDRESS = 'me@sandbox.invalid';

export const SandboxMessageIdSchema = z.string().regex(/^[0-9a-f-]{36}$/);

/** Most the sandbox keeps in all (bytes), and the largest message it takes (announced as SIZE). */
export const SANDBOX_STORE_MAX = 200 * 1024 * 1024;
export const SANDBOX_MESSAGE_MAX = 50 * 1024 * 1024;
/** The raw source sent to the renderer is cut here; "Save source" writes all of it. */
export const SANDBOX_SOURCE_SHOWN_MAX = 1024 * 1024;

/**
 * What the lint found in a captured message, each a fact the renderer puts into words
 * (src-renderer/features/sandbox/lint-text.ts). 'warning': a recipient or their provider will notice;
 * 'info': worth knowing.
 */
export const LintFindingSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('no-date') }),
  z.object({ kind: z.literal('no-message-id') }),
  /** The text part says something else than the HTML part (compared as words, ignoring layout). */
  z.object({ kind: z.literal('text-differs-from-html'), textWords: z.number().int(), htmlWords: z.number().int(), sample: z.string().max(200) }),
  /** Images loaded from the web when the message is opened (recipients' clients block them, trackers use them). */
  z.object({ kind: z.literal('remote-images'), count: z.number().int(), hosts: z.array(z.string()).max(10) }),
  /** The From header's domain is not the envelope sender's (MAIL FROM): DMARC alignment may fail. */
  z.object({ kind: z.literal('from-differs-from-envelope'), fromDomain: z.string(), envelopeDomain: z.string() }),
  /** One of many messages (a merge) without List-Unsubscribe: Gmail and Yahoo require it for bulk senders. */
  z.object({ kind: z.literal('no-list-unsubscribe') }),
  /** Lines longer than RFC 5322's 998 characters: servers may break them or refuse the message. */
  z.object({ kind: z.literal('long-lines'), count: z.number().int(), longest: z.number().int() }),
  /** Larger than the account's server takes (the SIZE it announced); the real send would be refused. */
  z.object({ kind: z.literal('over-size'), size: z.number().int(), limit: z.number().int(), account: z.string() }),
]);
export type LintFinding = z.infer<typeof LintFindingSchema>;

/** One captured message in the sandbox's list. */
export const SandboxSummarySchema = z.object({
  id: SandboxMessageIdSchema,
  receivedAt: z.string(),
  /** The envelope exactly as the client gave it: MAIL FROM ('' for a null sender) and every RCPT TO. */
  envelope: z.object({ mailFrom: z.string(), rcptTo: z.array(z.string()) }),
  size: z.number().int(),
  from: MailAddressSchema.nullable(),
  subject: z.string(),
  /**
   * The account it was a rehearsal for (the message was built for that account and sent to the sandbox
   * instead); the Sandbox account's id for its own messages; null when it came from outside the app
   * (the `mailwright sandbox` command, or a message the outbox does not know).
   */
  accountId: z.string().nullable(),
  /** A merge's message: its batch and its row in the data file (header = 1). */
  batchId: z.string().optional(),
  batchRow: z.number().int().optional(),
  /** How many lint findings are warnings. */
  warnings: z.number().int(),
});
export type SandboxSummary = z.infer<typeof SandboxSummarySchema>;

/** One node of a message's MIME structure. */
export type MimeNode = {
  contentType: string;
  charset?: string | undefined;
  transferEncoding?: string | undefined;
  disposition?: string | undefined;
  filename?: string | undefined;
  /** Bytes of the part's body as sent (encoded), for a leaf; of the whole part for a multipart. */
  size: number;
  children: MimeNode[];
};
export const MimeNodeSchema: z.ZodType<MimeNode> = z.lazy(() =>
  z.object({
    contentType: z.string(),
    charset: z.string().optional(),
    transferEncoding: z.string().optional(),
    disposition: z.string().optional(),
    filename: z.string().optional(),
    size: z.number().int(),
    children: z.array(MimeNodeSchema).max(200),
  }),
);

/** A captured message opened: as a recipient would see it, and everything under it. */
export const SandboxMessageSchema = z.object({
  summary: SandboxSummarySchema,
  /** Rendered as the mail view renders mail: the renderer sanitizes `html` and shows it in the same sandboxed frame. */
  rendered: MessageViewSchema.pick({
    from: true,
    replyTo: true,
    to: true,
    cc: true,
    subject: true,
    date: true,
    text: true,
    html: true,
    inlineImages: true,
    attachments: true,
  }).extend({
    /** Bcc as a header: normally absent (Bcc recipients are only in the envelope). */
    bcc: z.array(MailAddressSchema),
  }),
  /** Every header in the order it came, unfolded, values as sent (encoded words left as they are). */
  headers: z.array(z.object({ name: z.string(), value: z.string() })),
  /** The raw source, cut at SANDBOX_SOURCE_SHOWN_MAX bytes (`sourceCut` says so). */
  source: z.string(),
  sourceCut: z.boolean(),
  mime: MimeNodeSchema,
  lint: z.array(z.object({ severity: z.enum(['warning', 'info']), finding: LintFindingSchema })),
});
export type SandboxMessage = z.infer<typeof SandboxMessageSchema>;

/** Where the sandbox applies a fault. 'data-end': the reply after the final dot of DATA. */
export const FAULT_STAGES = ['greeting', 'auth', 'mail', 'rcpt', 'data-end'] as const;
export const FaultStageSchema = z.enum(FAULT_STAGES);
export type FaultStage = z.infer<typeof FaultStageSchema>;

/** Where the sandbox drops the connection without a word. */
export const DROP_POINTS = ['before-greeting', 'mid-data', 'after-final-dot'] as const;
export const DropPointSchema = z.enum(DROP_POINTS);
export type DropPoint = z.infer<typeof DropPointSchema>;

const probability = z.number().min(0).max(1);
const replyText = z
  .string()
  .trim()
  .max(200)
  .refine((s) => !/[\r\n]/.test(s), { message: 'single_line' });

/**
 * One fault the sandbox plays, each time with its probability (1: always). Faults apply to every
 * connection to the sandbox (the app's and, with `mailwright sandbox --fault`, anyone's).
 */
export const FaultSchema = z.discriminatedUnion('kind', [
  /** Answer this stage with a 4xx (temporary) or 5xx (permanent) reply instead of going on. */
  z
    .object({
      kind: z.literal('reply'),
      stage: FaultStageSchema,
      code: z.number().int().min(400).max(599),
      text: replyText,
      probability,
      /** RCPT only: only recipients matching this pattern ('*' any characters, case-insensitive); absent: every recipient. */
      recipients: z.string().trim().min(1).max(200).optional(),
    })
    .strict(),
  /** Close the connection without a reply at this point. 'after-final-dot' keeps the message (it arrived) and never answers it. */
  z.object({ kind: z.literal('drop'), at: DropPointSchema, probability }).strict(),
  /** A slow link: every reply waits this long. */
  z.object({ kind: z.literal('slow'), delayMs: z.number().int().min(1).max(120_000), probability }).strict(),
  /**
   * A TLS failure: the sandbox offers STARTTLS with a certificate no one trusts, and the Sandbox
   * account's sends ask for STARTTLS while this fault is on, so the handshake fails as it does with
   * a misconfigured server.
   */
  z.object({ kind: z.literal('tls'), probability }).strict(),
]);
export type Fault = z.infer<typeof FaultSchema>;

/** The faults in play; kept in memory only, so a restart always brings back a sandbox that works. */
export const FaultsSchema = z.object({ rules: z.array(FaultSchema).max(20) }).strict();
export type Faults = z.infer<typeof FaultsSchema>;

export const SandboxStatusSchema = z.object({
  /** Whether the capture server runs; when it could not start, `problem` says why (a code from shared/errors.ts). */
  running: z.boolean(),
  problem: z.string().nullable(),
  /** Where it listens (127.0.0.1), for developers pointing their own software at `mailwright sandbox`. */
  port: z.number().int().nullable(),
  count: z.number().int(),
  storedBytes: z.number().int(),
  maxStoreBytes: z.number().int(),
  /** The Sandbox account is hidden from the account list and the From menus (never deleted). */
  hidden: z.boolean(),
  faults: FaultsSchema,
});
export type SandboxStatus = z.infer<typeof SandboxStatusSchema>;

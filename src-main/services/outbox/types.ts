/**
 * Types of the durable outbox. Plain Node: nothing here imports Electron. The job as the renderer
 * sees it is a subset of `OutboxJob` (shared/outbox.ts strips what it does not list, such as the
 * envelope with its Bcc addresses).
 */
import { JOB_STATES, type DeliveryReportEntry, type JobState } from '../../../shared/outbox';
import type { AppError, Result } from '../../../shared/result';
import type { Logger } from '../logger';
import type { StoredAccount } from '../settings-store';
import type { SmtpServiceOptions } from '../smtp';
import type { CredentialSource } from '../credentials';
import type { SmtpSessions } from './sessions';

/**
 * The states are the contract's (shared/outbox.ts), one list. `uncertain`: "may have been sent". The
 * connection ended after the message started going out and before the server's final reply; never
 * resent on its own, the person decides. `signin`: waits for the account to sign in again.
 */
export { JOB_STATES, type JobState };

export interface DsnOptions {
  notify: Array<'success' | 'failure' | 'delay'>;
  ret: 'headers' | 'full';
}

export interface Refusal {
  address: string;
  serverReply: string;
}

export interface OutboxJob {
  id: string;
  accountId: string;
  state: JobState;
  createdAt: string;
  updatedAt: string;
  /** Not sent before this time: end of the undo window, the chosen "send later" time, or the next retry. ISO. */
  notBefore: string;
  /** The person chose "send later". */
  scheduled: boolean;
  attempts: number;
  maxAttempts: number;
  /** Fixed at enqueue, with angle brackets; the same bytes are sent on every attempt. */
  messageId: string;
  /** SMTP envelope: ASCII domains (IDN as punycode), Bcc included. */
  envelope: { from: string; to: string[] };
  /** For lists: subject, every recipient as typed (To, Cc, Bcc), size of the built message in bytes. */
  summary: { subject: string; to: string[]; sizeBytes: number };
  /** The server's last reply text. */
  lastReply?: string;
  /** Our code and the server's words. */
  lastError?: AppError;
  /** Envelope recipients the server took in a completed transaction (250 after the data). */
  accepted: string[];
  /** Recipients refused for good while others accepted (5xx on RCPT, or 4xx until the attempts ran out). */
  refused: Refusal[];
  /** Delivery status notifications asked for (RFC 3461); ENVID is always the job id when the server offers DSN. */
  dsn?: DsnOptions;
  /** Whether the server offered DSN at the last attempt that reached its EHLO (undefined: not known yet). */
  dsnOffered?: boolean;
  /** The SIZE the server announced when this message was delivered (0: none); a mail merge warns of a message over it. */
  sizeLimit?: number;
  /** Delivery reports (bounces, delays, delivery notices) linked to this message, oldest first. */
  deliveryReports?: DeliveryReportEntry[];
  /** While sending; reported through onChange, not persisted. */
  progress?: { sentBytes: number; totalBytes: number };
  /** Opaque JSON the caller gave at enqueue: what the editor needs to reopen the message. */
  draft: unknown;
  /**
   * 'record': the job file was damaged and the job was rebuilt from its message (uncertain until
   * the person acts). 'message': the message file no longer matches its recorded size or checksum;
   * it was not sent, and never will be.
   */
  damaged?: 'record' | 'message';
  /** The draft file kept with the job was damaged and set aside; the job itself still works. */
  draftDamaged?: boolean;
  /** The batch it was queued with (Outbox.enqueueBatch), if any. */
  batchId?: string;
  /** Its row in the batch's data (a mail merge's file row), so results can name rows after a restart. */
  batchRow?: number;
  /**
   * "Send to the sandbox instead" (issue 15): built exactly as for its account, delivered to the
   * built-in sandbox by the account resolver, never to the account's server.
   */
  rehearsal?: boolean;
}

/** A batch as the outbox keeps it (`batches.state`): written once all its jobs are durable. */
export interface BatchRecord {
  id: string;
  createdAt: string;
  total: number;
  /** Paused by the person: its waiting jobs stay queued and are not started. */
  paused: boolean;
  /** What the caller calls it (a mail merge's name); shown, never interpreted. */
  label?: string;
}

/** Where a batch stands: counts by state, reported at a bounded rate while it runs. */
export interface BatchProgress {
  batchId: string;
  label?: string;
  /** When it was queued (ISO). */
  createdAt: string;
  total: number;
  paused: boolean;
  /** Waiting to go (queued, retrying, or held by a pause). */
  waiting: number;
  sending: number;
  sent: number;
  /** Sent, but refused for some recipients (also counted in `sent`). */
  partlyRefused: number;
  failed: number;
  uncertain: number;
  signin: number;
  cancelled: number;
  /** Every job has ended (sent, failed, uncertain or cancelled): nothing more will happen by itself. */
  done: boolean;
}

/** A job as the store keeps it (journal.ts): the job plus the phase marker (the draft is kept beside it). Never a password or AUTH data: only accountId. */
export interface JobRecord extends Omit<OutboxJob, 'progress' | 'draft'> {
  format: 1;
  /**
   * Set (and fsynced) before the message is handed to the SMTP connection. A job found in
   * 'sending' with it after a crash may have reached the server: it becomes 'uncertain'.
   */
  transmitting?: boolean;
  /** SHA-256 (hex) of `<id>.eml` at enqueue, with summary.sizeBytes its size: checked before every attempt. Absent in jobs written before it was recorded (accepted as they are). */
  emlSha256?: string;
}

export interface MailAddress {
  name?: string;
  address: string;
}

export interface MessageInput {
  from: { name: string; address: string };
  to: MailAddress[];
  cc: MailAddress[];
  /** Only in the envelope, never in the headers. */
  bcc: MailAddress[];
  subject: string;
  text: string;
  /** With html, the message is multipart/alternative with the text part. */
  html?: string;
  /** Streamed from disk while the message file is built, never read whole into memory. cid: an inline image referenced from the html. */
  attachments?: Array<{ filename: string; path: string; contentType?: string; cid?: string }>;
  inReplyTo?: string;
  references?: string[];
  /**
   * How a recipient of a bulk send unsubscribes (RFC 2369 List-Unsubscribe): an address for a mailto:
   * link and/or an https URL. With the URL, RFC 8058's one-click header goes too
   * (List-Unsubscribe-Post: List-Unsubscribe=One-Click), which Gmail, Yahoo and Microsoft require of bulk mail.
   */
  listUnsubscribe?: { mailto?: string; https?: string };
}

export interface RetryPolicy {
  /** Delay after the first failed attempt. */
  baseMs: number;
  /** No delay is longer than this. */
  maxMs: number;
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** ± this fraction of the delay, at random. */
  jitter: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 30_000, maxMs: 30 * 60_000, maxAttempts: 8, jitter: 0.2 };

/** How one delivery attempt ended. */
export type DeliveryOutcome =
  /** The server answered 250 to the data: the accepted recipients have it. `deferred`: 4xx on RCPT, to try again later. */
  | {
      kind: 'delivered';
      reply: string;
      accepted: string[];
      refused: Refusal[];
      deferred: Refusal[];
      dsnOffered?: boolean;
      /** The largest message the server said it accepts (SIZE in its EHLO reply); 0 when it named none. */
      sizeLimit?: number;
    }
  /** Nothing was delivered, for certain (a reply said no, or the data never started). */
  | { kind: 'not-delivered'; error: AppError; temporary: boolean; refused: Refusal[]; deferred: Refusal[] }
  /** The data started going out and no final reply came: may have been sent. */
  | { kind: 'uncertain'; error: AppError }
  /** close() stopped the attempt before any data went out. */
  | { kind: 'aborted' };

export interface DeliveryRequest {
  job: Readonly<OutboxJob>;
  emlPath: string;
  /** The message's bytes when the outbox has already read them (a small message, checked against its checksum): sent from memory. */
  content?: Buffer;
  sizeBytes: number;
  /** Envelope recipients still to do (not yet accepted, not refused for good). */
  recipients: string[];
  account: StoredAccount;
  /** Asked for the credential when the attempt starts; told when the server refused it (credentials.ts). */
  credentials: CredentialSource;
  smtp: SmtpServiceOptions;
  signal: AbortSignal;
  /** Persists the transmitting marker; resolves once it is on disk. Called right before the message is handed over. */
  beforeTransmit(): Promise<void>;
  onProgress(sentBytes: number, totalBytes: number): void;
  /** The outbox's kept connections: a clean delivery leaves its connection here for the lane's next message. */
  sessions?: SmtpSessions;
}

export type Deliver = (request: DeliveryRequest) => Promise<DeliveryOutcome>;

export interface OutboxOptions {
  /** The outbox folder inside the app's data folder (created if missing). */
  dir: string;
  /**
   * The account and where its sending credential comes from (a password, or the OAuth2 token
   * service: read only when a delivery starts), or an AppError (ACCOUNT_NOT_FOUND, SECRET_UNREADABLE ...).
   * It is given the job (at enqueue, whether it is a rehearsal, so a rehearsal with no sandbox running
   * is refused at once; when a delivery starts, the job itself): a rehearsal (or the Sandbox account's message) is
   * answered with the sandbox's server and credentials instead of the account's own.
   */
  account: (accountId: string, job?: Pick<OutboxJob, 'rehearsal'>) => Result<{ account: StoredAccount; credentials: CredentialSource }>;
  /** Extra CAs and timeouts, as for the SMTP service. */
  smtp?: SmtpServiceOptions;
  /** Default 5. */
  undoSeconds?: number;
  /** Default: base 30 s, max 30 min, 8 attempts, ±20 %. */
  retry?: Partial<RetryPolicy>;
  now?: () => number;
  random?: () => number;
  /** Every state change and progress. */
  onChange?: (job: OutboxJob) => void;
  /** Permanent failure (for a desktop notification). */
  onFailed?: (job: OutboxJob) => void;
  /** The job waits until its account signs in again (for a desktop notification). */
  onWaitingForSignIn?: (job: OutboxJob) => void;
  /** Sent, but refused for some recipients at send time (notified like a failure). */
  onPartlyRefused?: (job: OutboxJob) => void;
  /** A delivery report saying the message was not delivered to some recipients was linked to a live job (notified like a failure). */
  onBounced?: (job: OutboxJob, bounced: DeliveryReportEntry[]) => void;
  logger?: Logger;
  /** How long close() lets a send in flight finish before aborting it. Default 10 s. */
  closeGraceMs?: number;
  /**
   * Finished jobs (sent, or cancelled) older than this move to the compact history (history.ts) at
   * open: their files go, one line stays. Default 7 days.
   */
  historyAfterMs?: number;
  /** At most this many finished jobs stay live, the newest (default 100); older ones move to the history sooner. */
  liveFinished?: number;
  /** How long the history keeps a finished message, in days (the person's setting, read at each housekeeping); null or absent: for ever. */
  historyRetentionDays?: () => number | null;
  /** A batch's counts: when it is queued, paused, resumed or done at once, otherwise at most every batchProgressEveryMs (default 250). */
  onBatchProgress?: (progress: BatchProgress) => void;
  batchProgressEveryMs?: number;
  /** Replaces SMTP delivery (tests of the state machine). Default: deliverBySmtp. */
  deliver?: Deliver;
}

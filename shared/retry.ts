/**
 * Whether trying again can help, judged once from the error: the outbox's automatic retries
 * (src-main/services/outbox/deliver.ts) and the person's "Retry now" (OutboxView) both ask here.
 *
 * - 'now': the failure is of the moment (a 4xx reply, a server not answering, the network);
 *   the same message on the same settings may go through.
 * - 'after-change': the account's settings or credentials are what failed (a refused password, an
 *   untrusted certificate, a wrong port): the same attempt fails again until they are changed.
 * - 'never': the server refused this message as it is (a permanent 5xx refusal, the sender, the
 *   recipients, its size): only an edited message can go.
 */
import type { ErrorCode } from './errors';
import type { AppError } from './result';

export type RetryHelps = 'now' | 'after-change' | 'never';

/** Failures without a server reply that the outbox retries by itself. */
const TEMPORARY_CODES = new Set<ErrorCode>(['SERVER_BUSY', 'CONNECTION_LOST', 'CONNECTION_TIMEOUT', 'CONNECTION_REFUSED', 'HOST_NOT_FOUND', 'SERVER_NOT_ANSWERING']);

/** Worth a try now when the person asks, though not retried by itself. */
const WORTH_A_TRY = new Set<ErrorCode>(['HOST_UNREACHABLE', 'INTERNAL', 'CANCELLED', 'MAILBOX_IN_USE']);

/** The message as it is will be refused again, whatever the settings. */
const MESSAGE_MUST_CHANGE = new Set<ErrorCode>([
  'SENDER_REFUSED',
  'RECIPIENTS_REFUSED',
  'MESSAGE_REFUSED',
  'MESSAGE_TOO_LARGE',
  'SERVER_ERROR',
  'SEND_AS_DENIED',
  'SMTPUTF8_UNSUPPORTED',
  'OUTBOX_MESSAGE_DAMAGED',
]);

/** Whether the outbox tries again by itself: a 4xx reply, or a failure to reach the server. */
export function isTemporary(error: AppError): boolean {
  const code = error.detail?.responseCode;
  return code !== undefined ? code >= 400 && code < 500 : TEMPORARY_CODES.has(error.code);
}

export function retryHelps(error: AppError | undefined): RetryHelps {
  if (!error) return 'now';
  if (isTemporary(error) || WORTH_A_TRY.has(error.code)) return 'now';
  if (MESSAGE_MUST_CHANGE.has(error.code)) return 'never';
  return 'after-change';
}

/**
 * Whether "Retry now" is offered for a job: while it waits to retry, or once it failed for a
 * reason a retry can fix. A failure of the account's settings or credentials offers it again
 * once the account has been saved since (its updatedAt is later than the failure's).
 */
export function offersRetryNow(
  job: { state: string; lastError?: AppError | undefined; updatedAt: string; damaged?: 'record' | 'message' | undefined },
  accountUpdatedAt?: string,
): boolean {
  if (job.damaged === 'message') return false;
  if (job.state === 'retrying') return true;
  if (job.state !== 'failed') return false;
  switch (retryHelps(job.lastError)) {
    case 'now':
      return true;
    case 'after-change':
      return accountUpdatedAt !== undefined && Date.parse(accountUpdatedAt) > Date.parse(job.updatedAt);
    case 'never':
      return false;
  }
}

/**
 * The outbox's state machine as pure functions: what an attempt's outcome does to a job, what a
 * crash leaves behind, and which of the person's actions each state allows. No I/O here.
 */
import { appError, type AppError, type ErrorDetail } from '../../../shared/result';
import { backoffDelayMs } from '../net/backoff';
import type { DeliveryOutcome, JobRecord, JobState, OutboxJob, Refusal, RetryPolicy } from './types';

/** Delay before the next attempt after `attempt` attempts failed (attempt >= 1): the app's one backoff, with the outbox's policy. */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random: () => number): number {
  return backoffDelayMs(attempt, policy, random);
}

/** Recipients still to do: neither accepted in a completed transaction nor refused for good. */
export function remainingRecipients(job: Pick<OutboxJob, 'envelope' | 'accepted' | 'refused'>): string[] {
  const done = new Set([...job.accepted, ...job.refused.map((r) => r.address)].map((a) => a.toLowerCase()));
  return job.envelope.to.filter((a) => !done.has(a.toLowerCase()));
}

const iso = (ms: number) => new Date(ms).toISOString();

function union(a: string[], b: string[]): string[] {
  const seen = new Set(a.map((x) => x.toLowerCase()));
  return [...a, ...b.filter((x) => !seen.has(x.toLowerCase()))];
}

/** Temporary refusals of some recipients, as one error. */
function deferredError(deferred: Refusal[]): AppError {
  const first = deferred[0]?.serverReply ?? '';
  const code = Number(/^(\d{3})/.exec(first)?.[1]) || undefined;
  const detail: ErrorDetail = { command: 'RCPT TO', refused: deferred };
  if (first) detail.serverReply = first;
  if (code) detail.responseCode = code;
  return appError('SERVER_BUSY', detail);
}

/** The job after an attempt that ended with `outcome`, at time `now`. */
export function applyOutcome(job: JobRecord, outcome: DeliveryOutcome, now: number, policy: RetryPolicy, random: () => number): JobRecord {
  const base: JobRecord = { ...job, transmitting: undefined, updatedAt: iso(now) };
  delete base.transmitting;
  if (outcome.kind === 'aborted') return { ...base, state: 'queued' };
  // The account must sign in again: nothing was tried, no attempt is used up, and the job waits for
  // the person (resumeSignIn), not for a timer.
  if (outcome.kind === 'not-delivered' && outcome.error.code === 'SIGN_IN_REQUIRED') return { ...base, state: 'signin', lastError: outcome.error };

  const attempts = job.attempts + 1;
  const canRetry = attempts < job.maxAttempts;
  const retryAt = iso(now + retryDelayMs(attempts, policy, random));

  if (outcome.kind === 'uncertain') return { ...base, attempts, state: 'uncertain', lastError: outcome.error };

  if (outcome.kind === 'delivered') {
    const accepted = union(job.accepted, outcome.accepted);
    const refused = [...job.refused, ...outcome.refused];
    const next: JobRecord = { ...base, attempts, accepted, refused, lastReply: outcome.reply };
    delete next.lastError;
    if (outcome.deferred.length === 0) return { ...next, state: 'sent' };
    if (canRetry) return { ...next, state: 'retrying', notBefore: retryAt, lastError: deferredError(outcome.deferred) };
    // Out of attempts: those who have it have it; the deferred ones are listed as refused.
    return { ...next, state: 'sent', refused: [...refused, ...outcome.deferred], lastError: deferredError(outcome.deferred) };
  }

  // not-delivered: nothing went out in this attempt.
  const refused = [...job.refused, ...outcome.refused];
  const next: JobRecord = { ...base, attempts, refused, lastError: outcome.error };
  if (outcome.error.detail?.serverReply) next.lastReply = outcome.error.detail.serverReply;
  if (outcome.temporary && canRetry) return { ...next, state: 'retrying', notBefore: retryAt };
  if (job.accepted.length > 0) {
    // Earlier attempts delivered to some recipients: the job is sent, the rest did not get it.
    const reply = outcome.error.detail?.serverReply ?? outcome.error.message;
    const rest = remainingRecipients({ ...job, refused }).map((address) => ({ address, serverReply: reply }));
    return { ...next, state: 'sent', refused: [...refused, ...rest] };
  }
  return { ...next, state: 'failed' };
}

/**
 * What a job found on disk at open becomes. 'sending' without the transmitting marker: nothing
 * reached the server, back to 'queued'. With it: the message may have gone out, 'uncertain'
 * (never resent on its own, so never a silent duplicate).
 */
export function recoverJob(job: JobRecord, now: number): JobRecord {
  if (job.state !== 'sending') {
    if (!job.transmitting) return job;
    const cleared = { ...job };
    delete cleared.transmitting;
    return cleared;
  }
  const next: JobRecord = { ...job, updatedAt: iso(now) };
  delete next.transmitting;
  if (!job.transmitting) return { ...next, state: 'queued' };
  return { ...next, state: 'uncertain', attempts: job.attempts + 1, lastError: appError('CONNECTION_LOST', { command: 'DATA' }) };
}

export type Action = 'undo' | 'cancel' | 'retryNow' | 'markSent';

/** Whether the person's action is allowed on the job as it is. */
export function allows(action: Action, job: Pick<OutboxJob, 'state' | 'attempts' | 'accepted'>): boolean {
  const state: JobState = job.state;
  switch (action) {
    case 'undo':
      // Still in the undo window or waiting for its "send later" time: no attempt made yet.
      return state === 'queued' && job.attempts === 0 && job.accepted.length === 0;
    case 'cancel':
      return state === 'queued' || state === 'retrying' || state === 'signin' || state === 'failed' || state === 'uncertain';
    case 'retryNow':
      return state === 'retrying' || state === 'failed' || state === 'uncertain';
    case 'markSent':
      return state === 'uncertain';
  }
}

/** The job after the person's action (which `allows`). */
export function applyAction(action: Action, job: JobRecord, now: number): JobRecord {
  const next: JobRecord = { ...job, updatedAt: iso(now) };
  switch (action) {
    case 'undo':
    case 'cancel':
      return { ...next, state: 'cancelled' };
    case 'retryNow':
      // Attempts keep counting (so undo stays impossible); a job that used them all gets one more.
      return { ...next, state: 'queued', notBefore: iso(now), maxAttempts: Math.max(job.maxAttempts, job.attempts + 1) };
    case 'markSent':
      return { ...next, state: 'sent', accepted: union(job.accepted, remainingRecipients(job)) };
  }
}

export const isDue = (job: Pick<OutboxJob, 'state' | 'notBefore'>, now: number) =>
  (job.state === 'queued' || job.state === 'retrying') && Date.parse(job.notBefore) <= now;

export const isWaiting = (job: Pick<OutboxJob, 'state'>) => job.state === 'queued' || job.state === 'retrying';

/** Waiting for the person to sign in again, or for a timer: either way still to be sent. */
export const isPending = (job: Pick<OutboxJob, 'state'>) => isWaiting(job) || job.state === 'signin';

/** A job that waited for the account to sign in again, once it has: due now, attempts untouched. */
export function resumeAfterSignIn(job: JobRecord, now: number): JobRecord {
  const next: JobRecord = { ...job, state: 'queued', notBefore: iso(Math.max(now, Date.parse(job.notBefore) || now)), updatedAt: iso(now) };
  delete next.lastError;
  return next;
}

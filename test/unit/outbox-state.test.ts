/** The outbox's state machine as pure functions: outcomes of an attempt, crash recovery, the person's actions. */
import { describe, expect, it } from 'vitest';
import { appError } from '../../shared/result';
import type { DeliveryOutcome, JobRecord, JobState } from '../../src-main/services/outbox';
import { allows, applyAction, applyOutcome, recoverJob, remainingRecipients, type Action } from '../../src-main/services/outbox/state';
import { jobRecord } from '../support/outbox-fixtures';

const NOW = Date.parse('2030-01-01T10:00:00.000Z');
const policy = { baseMs: 1000, maxMs: 8000, maxAttempts: 3, jitter: 0.2 };
const half = () => 0.5;
const sending = (o: Partial<JobRecord> = {}) => jobRecord({ state: 'sending', transmitting: true, maxAttempts: 3, ...o });
const apply = (job: JobRecord, outcome: DeliveryOutcome) => applyOutcome(job, outcome, NOW, policy, half);
const notDelivered = (
  temporary: boolean,
  code: Parameters<typeof appError>[0] = temporary ? 'SERVER_BUSY' : 'MESSAGE_REFUSED',
  responseCode = temporary ? 451 : 554,
): Extract<DeliveryOutcome, { kind: 'not-delivered' }> => ({
  kind: 'not-delivered',
  error: appError(code, { responseCode, serverReply: `${responseCode} no` }),
  temporary,
  refused: [],
  deferred: [],
});

describe('an attempt ends', () => {
  it('delivered to all: sent, with the reply and the accepted recipients, marker gone', () => {
    const next = apply(sending(), { kind: 'delivered', reply: '250 2.0.0 queued', accepted: ['bob@mailwright.test'], refused: [], deferred: [] });
    expect(next).toMatchObject({ state: 'sent', attempts: 1, lastReply: '250 2.0.0 queued', accepted: ['bob@mailwright.test'], refused: [] });
    expect(next.transmitting).toBeUndefined();
    expect(next.lastError).toBeUndefined();
  });

  it('some recipients refused for good: sent, the refused listed', () => {
    const job = sending({ envelope: { from: 'a@x', to: ['bob@x', 'nobody@x'] } });
    const next = apply(job, { kind: 'delivered', reply: '250 ok', accepted: ['bob@x'], refused: [{ address: 'nobody@x', serverReply: '550 5.1.1 unknown' }], deferred: [] });
    expect(next).toMatchObject({ state: 'sent', accepted: ['bob@x'], refused: [{ address: 'nobody@x', serverReply: '550 5.1.1 unknown' }] });
  });

  it('some recipients deferred (4xx): retrying for those only, with backoff', () => {
    const job = sending({ envelope: { from: 'a@x', to: ['bob@x', 'later@x'] } });
    const next = apply(job, { kind: 'delivered', reply: '250 ok', accepted: ['bob@x'], refused: [], deferred: [{ address: 'later@x', serverReply: '452 4.5.3 too many' }] });
    expect(next).toMatchObject({ state: 'retrying', attempts: 1, accepted: ['bob@x'], notBefore: new Date(NOW + 1000).toISOString() });
    expect(next.lastError).toMatchObject({ code: 'SERVER_BUSY', detail: { command: 'RCPT TO', responseCode: 452, refused: [{ address: 'later@x' }] } });
    expect(remainingRecipients(next)).toEqual(['later@x']);
    // Out of attempts: the job is sent to those who took it; the deferred are listed as refused.
    const last = apply({ ...next, state: 'sending', attempts: 2 }, { kind: 'delivered', reply: '250 ok', accepted: [], refused: [], deferred: [{ address: 'later@x', serverReply: '452 4.5.3 too many' }] });
    expect(last).toMatchObject({ state: 'sent', attempts: 3, accepted: ['bob@x'], refused: [{ address: 'later@x', serverReply: '452 4.5.3 too many' }] });
  });

  it('temporary failure: retrying with exponential backoff until maxAttempts, then failed', () => {
    let job = sending();
    const seen: Array<[JobState, string]> = [];
    for (let i = 0; i < 3; i++) {
      job = apply({ ...job, state: 'sending', transmitting: true }, notDelivered(true));
      seen.push([job.state, job.notBefore]);
    }
    expect(seen.map((s) => s[0])).toEqual(['retrying', 'retrying', 'failed']);
    expect(seen[0]![1]).toBe(new Date(NOW + 1000).toISOString());
    expect(seen[1]![1]).toBe(new Date(NOW + 2000).toISOString());
    expect(job).toMatchObject({ attempts: 3, lastError: { code: 'SERVER_BUSY' }, lastReply: '451 no' });
  });

  it('permanent failure: failed at once', () => {
    expect(apply(sending(), notDelivered(false))).toMatchObject({ state: 'failed', attempts: 1, lastError: { code: 'MESSAGE_REFUSED' } });
    const auth: DeliveryOutcome = { kind: 'not-delivered', error: appError('AUTH_FAILED'), temporary: false, refused: [], deferred: [] };
    expect(apply(sending(), auth)).toMatchObject({ state: 'failed', lastError: { code: 'AUTH_FAILED' } });
  });

  it('permanent failure after an earlier partial delivery: sent, the rest listed as refused', () => {
    const job = sending({ envelope: { from: 'a@x', to: ['bob@x', 'later@x'] }, accepted: ['bob@x'], attempts: 1 });
    const next = apply(job, { ...notDelivered(false, 'RECIPIENTS_REFUSED', 550), refused: [{ address: 'later@x', serverReply: '550 no' }] });
    expect(next).toMatchObject({ state: 'sent', accepted: ['bob@x'], refused: [{ address: 'later@x', serverReply: '550 no' }] });
  });

  it('no final reply after the data started: uncertain, not retried', () => {
    const next = apply(sending(), { kind: 'uncertain', error: appError('CONNECTION_LOST') });
    expect(next).toMatchObject({ state: 'uncertain', attempts: 1, lastError: { code: 'CONNECTION_LOST' } });
  });

  it('aborted by close() before the data: queued again, the attempt not counted', () => {
    const next = apply(sending({ transmitting: undefined }), { kind: 'aborted' });
    expect(next).toMatchObject({ state: 'queued', attempts: 0 });
  });
});

describe('recovery at open', () => {
  it("'sending' without the transmitting marker: nothing reached the server, queued again", () => {
    const next = recoverJob(jobRecord({ state: 'sending' }), NOW);
    expect(next.state).toBe('queued');
    expect(next.attempts).toBe(0);
  });

  it("'sending' with the marker: uncertain, never resent on its own", () => {
    const next = recoverJob(jobRecord({ state: 'sending', transmitting: true, attempts: 2 }), NOW);
    expect(next).toMatchObject({ state: 'uncertain', attempts: 3, lastError: { code: 'CONNECTION_LOST' } });
    expect(next.transmitting).toBeUndefined();
  });

  it.each(['queued', 'retrying', 'sent', 'failed', 'cancelled', 'uncertain'] as const)("'%s' stays as it is", (state) => {
    const job = jobRecord({ state });
    expect(recoverJob(job, NOW)).toBe(job);
  });
});

describe("the person's actions", () => {
  const STATES: JobState[] = ['queued', 'sending', 'retrying', 'sent', 'failed', 'cancelled', 'uncertain'];
  const table: Record<Action, JobState[]> = {
    undo: ['queued'],
    cancel: ['queued', 'retrying', 'failed', 'uncertain'],
    retryNow: ['retrying', 'failed', 'uncertain'],
    markSent: ['uncertain'],
  };
  it.each(Object.entries(table))('%s is allowed exactly in %j', (action, allowed) => {
    for (const state of STATES) expect(allows(action as Action, { state, attempts: 0, accepted: [] }), `${action} in ${state}`).toBe(allowed.includes(state));
  });

  it('undo only before any attempt: not for a job queued again after one', () => {
    expect(allows('undo', { state: 'queued', attempts: 1, accepted: [] })).toBe(false);
    expect(allows('undo', { state: 'queued', attempts: 0, accepted: ['bob@x'] })).toBe(false);
  });

  it('retryNow queues it now; a job out of attempts gets one more', () => {
    const next = applyAction('retryNow', jobRecord({ state: 'failed', attempts: 3, maxAttempts: 3 }), NOW);
    expect(next).toMatchObject({ state: 'queued', notBefore: new Date(NOW).toISOString(), attempts: 3, maxAttempts: 4 });
    expect(allows('undo', next)).toBe(false);
  });

  it('markSent counts the remaining recipients as accepted', () => {
    const job = jobRecord({ state: 'uncertain', envelope: { from: 'a@x', to: ['b@x', 'c@x'] }, refused: [{ address: 'c@x', serverReply: '550' }] });
    expect(applyAction('markSent', job, NOW)).toMatchObject({ state: 'sent', accepted: ['b@x'] });
  });
});

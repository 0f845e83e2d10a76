import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../shared/errors';
import { appError, type ErrorDetail } from '../../shared/result';
import { isTemporary, offersRetryNow, retryHelps } from '../../shared/retry';

const err = (code: ErrorCode, detail?: ErrorDetail) => appError(code, detail);
const failedAt = '2026-12-04T20:00:00.000Z';
const failed = (code: ErrorCode, detail?: ErrorDetail) => ({ state: 'failed', lastError: err(code, detail), updatedAt: failedAt });

describe('whether a retry can help', () => {
  it('a 4xx reply or a server not reachable now: retry now', () => {
    expect(retryHelps(err('SERVER_BUSY', { responseCode: 451 }))).toBe('now');
    expect(retryHelps(err('SERVER_ERROR', { responseCode: 421 }))).toBe('now');
    for (const code of ['CONNECTION_REFUSED', 'CONNECTION_TIMEOUT', 'CONNECTION_LOST', 'HOST_NOT_FOUND', 'SERVER_NOT_ANSWERING', 'HOST_UNREACHABLE'] as const)
      expect(retryHelps(err(code)), code).toBe('now');
  });

  it('a permanent refusal of the message, its sender, its recipients or its size: never as it is', () => {
    expect(retryHelps(err('RECIPIENTS_REFUSED', { responseCode: 550, enhancedStatus: '5.1.1' }))).toBe('never');
    expect(retryHelps(err('SENDER_REFUSED', { responseCode: 553 }))).toBe('never');
    expect(retryHelps(err('MESSAGE_TOO_LARGE', { responseCode: 552 }))).toBe('never');
    expect(retryHelps(err('SERVER_ERROR', { responseCode: 554 }))).toBe('never');
    expect(retryHelps(err('MESSAGE_REFUSED', { responseCode: 550 }))).toBe('never');
  });

  it('bad credentials, an untrusted certificate, a wrong port: only after the account changes', () => {
    for (const code of ['AUTH_FAILED', 'PASSWORD_MISSING', 'APP_PASSWORD_REQUIRED', 'TLS_UNTRUSTED_CERTIFICATE', 'TLS_HANDSHAKE_FAILED', 'STARTTLS_UNAVAILABLE'] as const)
      expect(retryHelps(err(code, code === 'AUTH_FAILED' ? { responseCode: 535 } : undefined)), code).toBe('after-change');
  });

  it('the outbox retries by itself exactly the temporary ones', () => {
    expect(isTemporary(err('CONNECTION_REFUSED'))).toBe(true);
    expect(isTemporary(err('SERVER_NOT_ANSWERING'))).toBe(true);
    expect(isTemporary(err('SERVER_BUSY', { responseCode: 450 }))).toBe(true);
    expect(isTemporary(err('AUTH_FAILED', { responseCode: 535 }))).toBe(false);
    expect(isTemporary(err('HOST_UNREACHABLE'))).toBe(false);
  });
});

describe('"Retry now" is offered only where it can help', () => {
  it('while a job waits to retry, and after a failure of the moment', () => {
    expect(offersRetryNow({ state: 'retrying', lastError: err('SERVER_BUSY', { responseCode: 451 }), updatedAt: failedAt })).toBe(true);
    expect(offersRetryNow(failed('CONNECTION_TIMEOUT'))).toBe(true);
    expect(offersRetryNow(failed('SERVER_BUSY', { responseCode: 452 }))).toBe(true);
  });

  it('not for a permanent 5xx refusal, a rejected sender or a message too big', () => {
    expect(offersRetryNow(failed('RECIPIENTS_REFUSED', { responseCode: 550 }))).toBe(false);
    expect(offersRetryNow(failed('SENDER_REFUSED', { responseCode: 553 }))).toBe(false);
    expect(offersRetryNow(failed('MESSAGE_TOO_LARGE', { responseCode: 552 }))).toBe(false);
    expect(offersRetryNow(failed('MESSAGE_TOO_LARGE', { responseCode: 552 }), '2026-12-04T21:00:00.000Z')).toBe(false);
  });

  it('bad credentials: not until the account was saved after the failure', () => {
    const job = failed('AUTH_FAILED', { responseCode: 535 });
    expect(offersRetryNow(job)).toBe(false);
    expect(offersRetryNow(job, '2026-12-04T19:00:00.000Z')).toBe(false);
    expect(offersRetryNow(job, '2026-12-04T20:05:00.000Z')).toBe(true);
  });

  it('never for a damaged stored message, a sent, cancelled or uncertain job', () => {
    expect(offersRetryNow({ ...failed('OUTBOX_MESSAGE_DAMAGED'), damaged: 'message' })).toBe(false);
    for (const state of ['sent', 'cancelled', 'uncertain', 'queued', 'sending', 'signin'])
      expect(offersRetryNow({ state, lastError: err('CONNECTION_LOST'), updatedAt: failedAt }), state).toBe(false);
  });
});

describe('no reply printed twice', () => {
  it('the notice drops the server reply that the list of refused recipients already shows, and keeps any other', async () => {
    const { errorToShow } = await import('../../shared/error-text');
    const reply = '550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown';
    const error = err('RECIPIENTS_REFUSED', { serverReply: reply, responseCode: 550, enhancedStatus: '5.1.1', command: 'RCPT TO' });
    const shown = errorToShow(error, [{ serverReply: `${reply} ` }]);
    expect(shown.detail).toEqual({ responseCode: 550, command: 'RCPT TO' });
    expect(errorToShow(error, [{ serverReply: '550 5.7.1 other' }])).toBe(error);
    expect(errorToShow(error, [])).toBe(error);
  });
});

describe('a server that refuses the connection after working before', () => {
  it('is judged "not answering now" only when it worked before, and only for refused or no answer', async () => {
    const { afterWorking } = await import('../../src-main/services/net/errors');
    const refused = err('CONNECTION_REFUSED', { command: 'CONN' });
    expect(afterWorking(refused, true)).toMatchObject({ code: 'SERVER_NOT_ANSWERING', detail: { command: 'CONN' } });
    expect(afterWorking(err('CONNECTION_TIMEOUT'), true).code).toBe('SERVER_NOT_ANSWERING');
    expect(afterWorking(refused, false)).toBe(refused);
    expect(afterWorking(err('AUTH_FAILED', { responseCode: 535 }), true).code).toBe('AUTH_FAILED');
    expect(afterWorking(err('TLS_UNTRUSTED_CERTIFICATE'), true).code).toBe('TLS_UNTRUSTED_CERTIFICATE');
  });

  it('says it will retry, and does not tell the person to check the port', async () => {
    const { explain } = await import('../../shared/error-text');
    const words = explain(err('SERVER_NOT_ANSWERING'));
    expect(words.title).toMatch(/not answering right now; Mailwright will retry/);
    expect(`${words.title} ${words.advice}`).not.toMatch(/port/i);
    expect(explain(err('CONNECTION_REFUSED')).advice).toMatch(/Check the port/);
  });
});

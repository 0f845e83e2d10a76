/**
 * Translates nodemailer's errors into our stable codes, once, here. The detail keeps the server's
 * own reply (people and support staff need it) and the protocol step, never arguments of AUTH.
 */
import { appError, type AppError, type ErrorDetail } from '../../shared/result';
import type { ErrorCode } from '../../shared/errors';
import { enhancedStatusOf, networkFailureCode, smtpReplyCode, tlsFailureCode } from './net/errors';

interface NodemailerError {
  code?: string;
  originalCode?: string;
  message?: string;
  response?: string;
  responseCode?: number;
  command?: string;
  rejected?: string[];
  rejectedErrors?: Array<{ recipient?: string; response?: string }>;
}

export { enhancedStatusOf };

/** The protocol step without its arguments: "AUTH PLAIN AGFsaWNl..." -> "AUTH PLAIN". */
function stepOf(command: string | undefined): string | undefined {
  if (!command) return undefined;
  const words = command.trim().split(/\s+/);
  return (words[0] === 'AUTH' || words[0] === 'MAIL' || words[0] === 'RCPT' ? words.slice(0, 2) : words.slice(0, 1)).join(' ');
}

export function smtpErrorToAppError(error: unknown): AppError {
  const err = (error && typeof error === 'object' ? error : {}) as NodemailerError;
  const step = stepOf(err.command);
  const reply = typeof err.response === 'string' ? err.response.trim() : undefined;
  const enhanced = enhancedStatusOf(reply);
  const detail: ErrorDetail = {};
  if (reply) detail.serverReply = reply;
  if (err.responseCode) detail.responseCode = err.responseCode;
  if (enhanced) detail.enhancedStatus = enhanced;
  if (step) detail.command = step;
  if (err.rejectedErrors?.length) {
    detail.refused = err.rejectedErrors.map((r) => ({ address: r.recipient ?? '', serverReply: (r.response ?? '').trim() }));
  }
  const code = classify(err, step, enhanced);
  return appError(code, Object.keys(detail).length ? detail : undefined);
}

/**
 * nodemailer's code says which stage failed; the socket, DNS and TLS judgement is net/errors.ts
 * (nodemailer keeps the socket's own code in originalCode, which codesOf reads).
 */
function classify(err: NodemailerError, step: string | undefined, enhanced: string | undefined): ErrorCode {
  switch (err.code) {
    case 'ENOAUTH':
      return 'PASSWORD_MISSING';
    case 'EAUTH':
      if (!err.responseCode && /not supported|no (supported )?auth|Authentication info was not provided/i.test(err.message ?? ''))
        return 'AUTH_UNAVAILABLE';
      return err.responseCode ? smtpReplyCode(err.responseCode, step ?? 'AUTH', enhanced, err.response) : 'AUTH_FAILED';
    case 'ETLS':
      if (step === 'STARTTLS' && err.responseCode) return 'STARTTLS_UNAVAILABLE';
      return networkFailureCode(err) ?? 'TLS_HANDSHAKE_FAILED';
    case 'EDNS':
    case 'ETIMEDOUT':
    case 'ESOCKET':
    case 'ECONNECTION':
      return networkFailureCode(err) ?? (err.responseCode ? smtpReplyCode(err.responseCode, step, enhanced, err.response) : 'CONNECTION_LOST');
    default:
      if (err.responseCode) return smtpReplyCode(err.responseCode, step, enhanced, err.response);
      if (err.code === 'EENVELOPE') return step === 'MAIL FROM' ? 'SENDER_REFUSED' : 'RECIPIENTS_REFUSED';
      if (err.code === 'EMESSAGE') return 'MESSAGE_REFUSED';
      if (err.code === 'EPROTOCOL') return 'SERVER_ERROR';
      return tlsFailureCode([err.originalCode ?? ''], err.message ?? '') ?? 'INTERNAL';
  }
}

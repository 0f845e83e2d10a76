/**
 * Translates nodemailer's errors into our stable codes, once, here. The detail keeps the server's
 * own reply (people and support staff need it) and the protocol step, never arguments of AUTH.
 */
import { appError, type AppError, type ErrorDetail } from '../../shared/result';
import type { ErrorCode } from '../../shared/errors';
import { EXPIRED_CERTIFICATE_CODES, UNTRUSTED_CERTIFICATE_CODES } from './tls-trust';

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

const CERT_UNTRUSTED = UNTRUSTED_CERTIFICATE_CODES;
const CERT_EXPIRED = EXPIRED_CERTIFICATE_CODES;

/** "550 5.1.1 <x@y>: Recipient address rejected" -> "5.1.1" (RFC 3463). */
export function enhancedStatusOf(reply: string | undefined): string | undefined {
  return reply?.match(/^[245]\d\d[ -]([245]\.\d{1,3}\.\d{1,3})\b/)?.[1];
}

/** The protocol step without its arguments: "AUTH PLAIN AGFsaWNl..." -> "AUTH PLAIN". */
function stepOf(command: string | undefined): string | undefined {
  if (!command) return undefined;
  const words = command.trim().split(/\s+/);
  return (words[0] === 'AUTH' || words[0] === 'MAIL' || words[0] === 'RCPT' ? words.slice(0, 2) : words.slice(0, 1)).join(' ');
}

function tlsCodeOf(err: NodemailerError): ErrorCode | undefined {
  const sys = err.originalCode ?? '';
  const text = err.message ?? '';
  if (CERT_EXPIRED.has(sys) || /certificate has expired|not yet valid/i.test(text)) return 'TLS_CERTIFICATE_EXPIRED';
  if (sys === 'ERR_TLS_CERT_ALTNAME_INVALID' || /Hostname\/IP does not match|altnames/i.test(text)) return 'TLS_HOSTNAME_MISMATCH';
  if (CERT_UNTRUSTED.has(sys) || /self[- ]signed certificate|unable to (verify|get)|certificate chain/i.test(text))
    return 'TLS_UNTRUSTED_CERTIFICATE';
  if (/wrong version number|ssl3_get_record|packet length too long|unknown protocol|handshake|tlsv1 alert|EPROTO/i.test(text + ' ' + sys))
    return 'TLS_HANDSHAKE_FAILED';
  return undefined;
}

/**
 * One SMTP reply (code, the step it answered, RFC 3463 enhanced status) to our code. Used by the
 * nodemailer mapping below and by the verification probe. Provider specifics first.
 */
export function classifyReply(responseCode: number, step: string | undefined, enhanced: string | undefined, text = ''): ErrorCode {
  if (responseCode === 534 && (enhanced === '5.7.9' || /application-specific password|app password/i.test(text))) return 'APP_PASSWORD_REQUIRED';
  if (enhanced === '5.7.139' || /SmtpClientAuthentication is disabled/i.test(text)) return 'SMTP_AUTH_DISABLED';
  if (enhanced === '5.7.60' || /SendAsDenied|not (allowed|authorized|owned).*(send|sender)|Sender address rejected: not owned/i.test(text)) return 'SEND_AS_DENIED';
  if (enhanced === '5.7.57') return 'AUTH_REQUIRED';
  if (responseCode === 552 || enhanced === '5.3.4' || enhanced === '5.2.3') return 'MESSAGE_TOO_LARGE';
  if (responseCode === 530) return 'AUTH_REQUIRED';
  if (responseCode === 538) return 'ENCRYPTION_REQUIRED';
  if (responseCode === 535 || responseCode === 534 || step?.startsWith('AUTH')) return responseCode >= 400 && responseCode < 500 ? 'SERVER_BUSY' : 'AUTH_FAILED';
  if (responseCode === 521 || responseCode === 556) return 'SERVER_REFUSES_MAIL';
  if (responseCode >= 400 && responseCode < 500) return 'SERVER_BUSY';
  if (responseCode >= 500 && responseCode <= 504) return 'PROTOCOL_ERROR';
  if (step === 'MAIL FROM') return 'SENDER_REFUSED';
  if (step === 'RCPT TO') return 'RECIPIENTS_REFUSED';
  if (step === 'DATA' || step === 'BDAT') return 'MESSAGE_REFUSED';
  return 'SERVER_ERROR';
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

function classify(err: NodemailerError, step: string | undefined, enhanced: string | undefined): ErrorCode {
  const sys = err.originalCode;
  switch (err.code) {
    case 'EDNS':
      return 'HOST_NOT_FOUND';
    case 'ETIMEDOUT':
      return 'CONNECTION_TIMEOUT';
    case 'ENOAUTH':
      return 'PASSWORD_MISSING';
    case 'EAUTH':
      if (!err.responseCode && /not supported|no (supported )?auth|Authentication info was not provided/i.test(err.message ?? ''))
        return 'AUTH_UNAVAILABLE';
      return err.responseCode ? classifyReply(err.responseCode, step ?? 'AUTH', enhanced, err.response) : 'AUTH_FAILED';
    case 'ETLS':
      if (step === 'STARTTLS' && err.responseCode) return 'STARTTLS_UNAVAILABLE';
      return tlsCodeOf(err) ?? 'TLS_HANDSHAKE_FAILED';
    case 'ESOCKET':
    case 'ECONNECTION': {
      if (sys === 'ECONNREFUSED') return 'CONNECTION_REFUSED';
      if (sys === 'ENOTFOUND' || sys === 'EAI_AGAIN') return 'HOST_NOT_FOUND';
      if (sys === 'ETIMEDOUT') return 'CONNECTION_TIMEOUT';
      const tls = tlsCodeOf(err);
      if (tls) return tls;
      if (err.responseCode) return classifyReply(err.responseCode, step, enhanced, err.response);
      return 'CONNECTION_LOST';
    }
    default:
      if (err.responseCode) return classifyReply(err.responseCode, step, enhanced, err.response);
      if (err.code === 'EENVELOPE') return step === 'MAIL FROM' ? 'SENDER_REFUSED' : 'RECIPIENTS_REFUSED';
      if (err.code === 'EMESSAGE') return 'MESSAGE_REFUSED';
      if (err.code === 'EPROTOCOL') return 'SERVER_ERROR';
      return tlsCodeOf(err) ?? 'INTERNAL';
  }
}

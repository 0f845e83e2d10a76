/**
 * The one judgement of network failures: a Node socket, DNS or TLS error, one of our own
 * deadline/closed errors (./socket.ts), or an SMTP reply, into our ErrorCode. Sending
 * (smtp-errors.ts), checking (verify/), discovery, IMAP (mail/imap-connection.ts), POP3
 * (pop3/failure.ts) and the Sent copy all come here, so one failure gets one code and therefore
 * the same words everywhere (shared/error-text.ts, keyed by code).
 * Library adapters only unwrap (nodemailer's originalCode, imapflow's _err, Pop3Error's cause).
 *
 * The decisions, and why:
 * - ECONNREFUSED: CONNECTION_REFUSED. The host answered that nothing listens on the port: the
 *   port or the security choice is wrong, or a firewall rejects.
 * - ENOTFOUND, EAI_NONAME, EAI_NODATA, EAI_AGAIN, EAI_FAIL: HOST_NOT_FOUND. EAI_AGAIN is a
 *   resolver that did not answer; to the person the name still "could not be found", and the
 *   advice (check the spelling and the internet connection) fits both.
 * - EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL: HOST_UNREACHABLE. Before, sending said "connection
 *   lost" and reading said "timed out"; neither is true: the address is known and no packet can
 *   get there (no route, no network, VPN down). The advice is about the network, not the port.
 * - ETIMEDOUT and every deadline of ours or a library's (connect, greeting, reply): CONNECTION_TIMEOUT.
 * - ECONNRESET, EPIPE, ECONNABORTED, a close in the middle of a reply: CONNECTION_LOST.
 * - Certificate codes (tls-trust.ts lists them): expired or not yet valid, then wrong host name,
 *   then untrusted. Expiry first: an expired certificate from a private authority is still, first
 *   of all, expired, and that is what a person can check (the computer's clock).
 * - EPROTO, ERR_SSL_*, "wrong version number" (TLS spoken to a plain-text port, or the reverse):
 *   TLS_HANDSHAKE_FAILED.
 * - CONNECTION_REFUSED or CONNECTION_TIMEOUT on settings that have worked before (a message went
 *   out through them): SERVER_NOT_ANSWERING (afterWorking below). The port was right yesterday,
 *   so "check the port" is wrong advice; the server is down for now and the outbox retries.
 */
import type { ErrorCode } from '../../../shared/errors';
import { appError, type AppError } from '../../../shared/result';
import { EXPIRED_CERTIFICATE_CODES, UNTRUSTED_CERTIFICATE_CODES } from '../tls-trust';
import { NetError } from './socket';

const REFUSED = new Set(['ECONNREFUSED']);
const NOT_FOUND = new Set(['ENOTFOUND', 'EAI_NONAME', 'EAI_NODATA', 'EAI_AGAIN', 'EAI_FAIL', 'EDNS']);
const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'EHOSTDOWN', 'ENETDOWN']);
const TIMEOUT = new Set(['ETIMEDOUT', 'ETIMEOUT', 'CONNECT_TIMEOUT', 'GREETING_TIMEOUT', 'UPGRADE_TIMEOUT', 'LockTimeout']);
const LOST = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ECONNCLOSED', 'StateLogout', 'NoConnection', 'EConnectionClosed', 'ClosedAfterConnectText', 'ClosedAfterConnectTLS']);
const HOSTNAME = new Set(['ERR_TLS_CERT_ALTNAME_INVALID']);

interface ErrorLike {
  code?: unknown;
  errno?: unknown;
  message?: unknown;
  cause?: unknown;
  _err?: unknown;
  originalCode?: unknown;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The codes of an error and of the errors it wraps (cause; imapflow's _err; nodemailer's originalCode). */
export function codesOf(err: unknown, depth = 0): string[] {
  if (!err || typeof err !== 'object' || depth > 4) return [];
  const e = err as ErrorLike;
  return [str(e.originalCode), str(e.code), ...codesOf(e._err, depth + 1), ...codesOf(e.cause, depth + 1)].filter(Boolean);
}

/** The messages of an error and of the errors it wraps, for the few failures known only by text. */
export function textOf(err: unknown, depth = 0): string {
  if (!err || typeof err !== 'object' || depth > 4) return '';
  const e = err as ErrorLike;
  return `${str(e.message)} ${textOf(e._err, depth + 1)} ${textOf(e.cause, depth + 1)}`.trim();
}

/** A certificate or handshake failure, from codes and (for libraries that keep only text) messages. */
export function tlsFailureCode(codes: readonly string[], text = ''): ErrorCode | undefined {
  return certificateCode(codes, text) ?? handshakeCode(codes, text);
}

function certificateCode(codes: readonly string[], text: string): ErrorCode | undefined {
  const has = (set: ReadonlySet<string>) => codes.some((c) => set.has(c));
  if (has(EXPIRED_CERTIFICATE_CODES) || /certificate has expired|certificate is not yet valid/i.test(text)) return 'TLS_CERTIFICATE_EXPIRED';
  if (has(HOSTNAME) || /Hostname\/IP does not match|altnames/i.test(text)) return 'TLS_HOSTNAME_MISMATCH';
  if (has(UNTRUSTED_CERTIFICATE_CODES) || /self[- ]signed certificate|unable to (verify|get local issuer)|certificate chain/i.test(text))
    return 'TLS_UNTRUSTED_CERTIFICATE';
  return undefined;
}

function handshakeCode(codes: readonly string[], text: string): ErrorCode | undefined {
  if (codes.some((c) => c === 'EPROTO' || c.startsWith('ERR_SSL_')) || /wrong version number|ssl3_get_record|packet length too long|unknown protocol|tlsv1 alert/i.test(text))
    return 'TLS_HANDSHAKE_FAILED';
  return undefined;
}

/**
 * A socket, DNS or TLS failure in our code, or undefined when `err` is none of those (a server's
 * reply, a bug): the caller's adapter decides then.
 */
export function networkFailureCode(err: unknown): ErrorCode | undefined {
  const codes = codesOf(err);
  const text = textOf(err);
  const has = (set: ReadonlySet<string>) => codes.some((c) => set.has(c));
  // Certificates first: some libraries report a refused certificate as a connection closed
  // around it. Then the errno of the socket, then a handshake that failed for another reason
  // (a timeout during the handshake is a timeout, not a handshake failure).
  const certificate = certificateCode(codes, text);
  if (certificate) return certificate;
  if (has(REFUSED)) return 'CONNECTION_REFUSED';
  if (has(NOT_FOUND)) return 'HOST_NOT_FOUND';
  if (has(UNREACHABLE)) return 'HOST_UNREACHABLE';
  if (has(TIMEOUT)) return 'CONNECTION_TIMEOUT';
  const handshake = handshakeCode(codes, text);
  if (handshake) return handshake;
  if (has(LOST)) return 'CONNECTION_LOST';
  return undefined;
}

/** True for failures that mean "nobody is listening there", as opposed to "someone answered badly". */
export function isNoConnection(code: ErrorCode): boolean {
  return code === 'CONNECTION_REFUSED' || code === 'HOST_UNREACHABLE';
}

/**
 * A failure to reach a server judged with what is known of it: refused or no answer, on settings
 * that have worked before, is "not answering now", not a wrong port. Anything else is kept.
 */
export function afterWorking(error: AppError, workedBefore: boolean): AppError {
  if (!workedBefore || (error.code !== 'CONNECTION_REFUSED' && error.code !== 'CONNECTION_TIMEOUT')) return error;
  return appError('SERVER_NOT_ANSWERING', error.detail);
}

/** An untrusted certificate from a server whose own certificate the person pinned: it has changed. */
export function withPin(error: AppError, pinned: boolean): AppError {
  return pinned && error.code === 'TLS_UNTRUSTED_CERTIFICATE' ? appError('TLS_CERTIFICATE_CHANGED', error.detail) : error;
}

/** The one parser of RFC 3463 codes, in shared/ so the renderer reads refusals with it too. */
export { enhancedStatusOf } from '../../../shared/errors';

/**
 * One SMTP reply (code, the step it answered, RFC 3463 enhanced status) in our code. Used for
 * nodemailer's errors, the verification probe and discovery. Provider specifics first.
 */
export function smtpReplyCode(responseCode: number, step: string | undefined, enhanced: string | undefined, text = ''): ErrorCode {
  if (responseCode === 534 && (enhanced === '5.7.9' || /application-specific password|app password/i.test(text))) return 'APP_PASSWORD_REQUIRED';
  // Microsoft. The organisation-wide refusals first: Exchange Online answers "535 5.7.139 ...
  // SmtpClientAuthentication is disabled for the Tenant" (older servers: 535 5.7.3 with the same
  // words), and Entra ID security defaults block password SMTP for every mailbox of the tenant.
  // Only an administrator can change either, so they get their own code and advice.
  if (/SmtpClientAuthentication is disabled for the Tenant|security defaults policy/i.test(text)) return 'SMTP_AUTH_DISABLED_FOR_ORG';
  // "550 5.7.30 Basic authentication is not supported for Client Submission": passwords are off for
  // sending altogether (Basic authentication retired); only OAuth2 helps, no setting does.
  if (enhanced === '5.7.30' || /Basic authentication is not supported for Client Submission/i.test(text)) return 'BASIC_AUTH_UNSUPPORTED';
  // "535 5.7.139 ... SmtpClientAuthentication is disabled for the Mailbox" and Outlook.com's
  // "535 5.7.139 Authentication unsuccessful, basic authentication is disabled".
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

/**
 * An IMAP response code (RFC 5530, "NO [AUTHENTICATIONFAILED] ...") in our code, for imapflow's
 * errors and the account check alike; undefined for codes that say nothing we act on.
 * [LIMIT] is Dovecot's per-user connection limit: the password is fine and waiting helps.
 */
export function imapResponseCode(responseCode: string | undefined): ErrorCode | undefined {
  switch ((responseCode ?? '').toUpperCase()) {
    case 'LIMIT':
    case 'UNAVAILABLE':
    case 'INUSE':
      return 'SERVER_BUSY';
    case 'AUTHENTICATIONFAILED':
    case 'AUTHORIZATIONFAILED':
    case 'EXPIRED':
      return 'AUTH_FAILED';
    case 'PRIVACYREQUIRED':
      return 'ENCRYPTION_REQUIRED';
    case 'NONEXISTENT':
    case 'TRYCREATE':
      return 'FOLDER_NOT_FOUND';
    default:
      return undefined;
  }
}

/**
 * Any failure of a conversation we hold ourselves (./socket.ts) in our code: the network
 * judgement above, else a server that does not speak the protocol (PROTOCOL_ERROR), else a
 * cancellation, else a bug (INTERNAL).
 */
export function conversationFailureCode(err: unknown): ErrorCode {
  const net = networkFailureCode(err);
  if (net) return net;
  if (err instanceof NetError && err.kind === 'tls') return 'TLS_HANDSHAKE_FAILED';
  if (err instanceof NetError && err.kind === 'protocol') return 'PROTOCOL_ERROR';
  if (err instanceof NetError && err.kind === 'aborted') return 'CANCELLED';
  return 'INTERNAL';
}

/**
 * Short words for one candidate in discovery's list of what was tried ("smtp.example.com:587:
 * certificate expired"), one per code, so that discovery says the same thing as the sentence the
 * renderer shows for the same code (shared/error-text.ts) wherever else it happens.
 */
const SHORT_WORDS: Partial<Record<ErrorCode, string>> = {
  CONNECTION_REFUSED: 'connection refused',
  HOST_NOT_FOUND: 'server name not found',
  HOST_UNREACHABLE: 'server unreachable from this network',
  CONNECTION_TIMEOUT: 'no answer in time',
  CONNECTION_LOST: 'connection lost',
  TLS_UNTRUSTED_CERTIFICATE: 'certificate not issued by a trusted authority',
  TLS_CERTIFICATE_EXPIRED: 'certificate expired or not yet valid',
  TLS_HANDSHAKE_FAILED: 'secure connection could not be set up',
  STARTTLS_UNAVAILABLE: 'no STARTTLS offered',
  PROTOCOL_ERROR: 'not a mail server of that kind',
  SERVER_BUSY: 'server temporarily unavailable',
  CANCELLED: 'cancelled',
};

/** `host`: the name the certificate was checked against, for TLS_HOSTNAME_MISMATCH. */
export function shortWords(code: ErrorCode, host?: string): string {
  if (code === 'TLS_HOSTNAME_MISMATCH') return host ? `certificate is not valid for ${host}` : 'certificate is for a different name';
  return SHORT_WORDS[code] ?? 'the server refused';
}

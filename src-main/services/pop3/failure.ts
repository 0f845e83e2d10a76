/**
 * A POP3 client error as one of our codes, for every caller (retrieval and the account check):
 * RFC 2449 response codes by kind, socket errors by their code, TLS errors by the certificate codes
 * of tls-trust.ts. The server's reply goes along as detail, never the library's text.
 */
import type { ErrorCode } from '../../../shared/errors';
import { appError, type AppError } from '../../../shared/result';
import { EXPIRED_CERTIFICATE_CODES, UNTRUSTED_CERTIFICATE_CODES } from '../tls-trust';
import type { Pop3Error } from './errors';

/** Our error code for a POP3 client error (server replies, sockets, TLS). */
export function pop3Failure(error: Pop3Error): AppError {
  const command = error.command?.split(' ')[0];
  const detail = error.response ? { serverReply: error.response, ...(command ? { command } : {}) } : undefined;
  const cause = error.cause as (Error & { code?: unknown }) | undefined;
  const causeCode = typeof cause?.code === 'string' ? cause.code : undefined;
  const byKind: Record<Pop3Error['kind'], ErrorCode> = {
    auth: 'AUTH_FAILED',
    'in-use': 'MAILBOX_IN_USE',
    'sys-temp': 'SERVER_BUSY',
    'login-delay': 'SERVER_BUSY',
    'sys-perm': 'SERVER_ERROR',
    err: 'SERVER_ERROR',
    protocol: 'PROTOCOL_ERROR',
    timeout: 'CONNECTION_TIMEOUT',
    closed: 'CONNECTION_LOST',
    tls: 'TLS_HANDSHAKE_FAILED',
    'starttls-unavailable': 'STARTTLS_UNAVAILABLE',
  };
  let code = byKind[error.kind];
  if (error.kind === 'tls' && causeCode) {
    if (UNTRUSTED_CERTIFICATE_CODES.has(causeCode)) code = 'TLS_UNTRUSTED_CERTIFICATE';
    else if (EXPIRED_CERTIFICATE_CODES.has(causeCode)) code = 'TLS_CERTIFICATE_EXPIRED';
    else if (causeCode === 'ERR_TLS_CERT_ALTNAME_INVALID') code = 'TLS_HOSTNAME_MISMATCH';
  } else if (error.kind === 'closed' && causeCode) {
    if (causeCode === 'ECONNREFUSED') code = 'CONNECTION_REFUSED';
    else if (causeCode === 'ENOTFOUND' || causeCode === 'EAI_AGAIN') code = 'HOST_NOT_FOUND';
    else if (causeCode === 'ETIMEDOUT' || causeCode === 'EHOSTUNREACH' || causeCode === 'ENETUNREACH') code = 'CONNECTION_TIMEOUT';
  }
  return appError(code, detail);
}

/**
 * A POP3 client error as one of our codes, for every caller (retrieval and the account check):
 * RFC 2449 response codes by kind; socket, DNS and TLS failures by the one judgement of
 * net/errors.ts, applied to the socket's error the Pop3Error keeps as its cause. The server's
 * reply goes along as detail, never the library's text.
 */
import type { ErrorCode } from '../../../shared/errors';
import { appError, type AppError } from '../../../shared/result';
import { networkFailureCode } from '../net/errors';
import type { Pop3Error } from './errors';

/** Our error code for a POP3 client error (server replies, sockets, TLS). */
export function pop3Failure(error: Pop3Error): AppError {
  const command = error.command?.split(' ')[0];
  const detail = error.response ? { serverReply: error.response, ...(command ? { command } : {}) } : undefined;
  const byKind: Record<Pop3Error['kind'], ErrorCode> = {
    auth: 'AUTH_FAILED',
    'auth-unavailable': 'AUTH_UNAVAILABLE',
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
  const socketLevel = error.kind === 'tls' || error.kind === 'closed' || error.kind === 'timeout';
  const code = (socketLevel && error.cause !== undefined ? networkFailureCode(error.cause) : undefined) ?? byKind[error.kind];
  return appError(code, detail);
}

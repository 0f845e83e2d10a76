/**
 * The failures that cannot be made real on 127.0.0.1 (no route, no network, a resolver that does
 * not answer, a broken pipe), as each library hands them over, through every adapter: the same
 * code everywhere. The real-socket table is test/integration/net-failures.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../shared/errors';
import { MailStatusSchema } from '../../shared/mail';
import { imapError } from '../../src-main/services/mail/imap-connection';
import { conversationFailureCode, networkFailureCode, shortWords } from '../../src-main/services/net/errors';
import { NetError } from '../../src-main/services/net/socket';
import { Pop3Error } from '../../src-main/services/pop3/errors';
import { pop3Failure } from '../../src-main/services/pop3/failure';
import { smtpErrorToAppError } from '../../src-main/services/smtp-errors';
import { socketError } from '../../src-main/services/verify/run';
import { explain } from '../../shared/error-text';

/** A Node system error as net.connect / tls.connect / dns.lookup emit it. */
const sys = (code: string, syscall = 'connect') => Object.assign(new Error(`${syscall} ${code} 192.0.2.1:587`), { code, syscall, errno: -1 });

/** The same socket error as each path receives it. */
const ADAPTERS: Record<string, (e: Error & { code: string }) => ErrorCode> = {
  // nodemailer wraps the socket's error: code ESOCKET (or EDNS/ETIMEDOUT), the errno in originalCode.
  send: (e) => smtpErrorToAppError(Object.assign(new Error(e.message), { code: 'ESOCKET', originalCode: e.code, command: 'CONN' })).code,
  // imapflow rethrows the socket's error, or wraps it in _err.
  imap: (e) => imapError(e).code,
  'imap (wrapped)': (e) => imapError(Object.assign(new Error('Connection not available'), { code: 'NoConnection', _err: e })).code,
  // the POP3 client keeps the socket's NetError as cause.
  pop3: (e) => pop3Failure(new Pop3Error('closed', `connection lost: ${e.message}`, { cause: new NetError('socket', e.message, e.code, e) })).code,
  verify: (e) => socketError(new NetError('socket', e.message, e.code, e)).code,
  discovery: (e) => conversationFailureCode(new NetError('socket', e.message, e.code, e)),
  'discovery http': (e) => networkFailureCode(e)!,
};

const ROWS: Array<[string, ErrorCode]> = [
  ['EHOSTUNREACH', 'HOST_UNREACHABLE'],
  ['ENETUNREACH', 'HOST_UNREACHABLE'],
  ['EADDRNOTAVAIL', 'HOST_UNREACHABLE'],
  ['ECONNREFUSED', 'CONNECTION_REFUSED'],
  ['ECONNRESET', 'CONNECTION_LOST'],
  ['EPIPE', 'CONNECTION_LOST'],
  ['ECONNABORTED', 'CONNECTION_LOST'],
  ['ETIMEDOUT', 'CONNECTION_TIMEOUT'],
  ['ENOTFOUND', 'HOST_NOT_FOUND'],
  ['EAI_AGAIN', 'HOST_NOT_FOUND'],
  ['CERT_HAS_EXPIRED', 'TLS_CERTIFICATE_EXPIRED'],
  ['CERT_NOT_YET_VALID', 'TLS_CERTIFICATE_EXPIRED'],
  ['DEPTH_ZERO_SELF_SIGNED_CERT', 'TLS_UNTRUSTED_CERTIFICATE'],
  ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'TLS_UNTRUSTED_CERTIFICATE'],
  ['SELF_SIGNED_CERT_IN_CHAIN', 'TLS_UNTRUSTED_CERTIFICATE'],
  ['ERR_TLS_CERT_ALTNAME_INVALID', 'TLS_HOSTNAME_MISMATCH'],
  ['ERR_SSL_WRONG_VERSION_NUMBER', 'TLS_HANDSHAKE_FAILED'],
  ['EPROTO', 'TLS_HANDSHAKE_FAILED'],
];

describe('one judgement of socket, DNS and TLS errors', () => {
  describe.each(ROWS)('%s', (errno, expected) => {
    it.each(Object.keys(ADAPTERS))(`%s says ${expected}`, (path) => {
      const code = ADAPTERS[path]!(sys(errno, errno.startsWith('EAI') || errno === 'ENOTFOUND' ? 'getaddrinfo' : 'connect'));
      expect(code).toBe(expected);
      expect(explain({ code, message: '' })).toEqual(explain({ code: expected, message: '' }));
    });
  });

  it('HOST_UNREACHABLE has words of its own, about the network, and discovery says the same', () => {
    expect(explain({ code: 'HOST_UNREACHABLE', message: '' }).title).toMatch(/cannot be reached/);
    expect(shortWords('HOST_UNREACHABLE')).toMatch(/unreachable/);
  });

  it('a timeout during a TLS handshake is a timeout, a close during it is the handshake failing', () => {
    expect(conversationFailureCode(new NetError('timeout', 'the TLS handshake with x did not finish within 10 ms', 'ETIMEDOUT'))).toBe('CONNECTION_TIMEOUT');
    expect(conversationFailureCode(new NetError('tls', 'the connection closed during the TLS handshake with x'))).toBe('TLS_HANDSHAKE_FAILED');
    expect(conversationFailureCode(new NetError('protocol', 'not an SMTP server'))).toBe('PROTOCOL_ERROR');
  });

  it('a mail status carries one of our codes, nothing else', () => {
    const status = { accountId: '00000000-0000-4000-8000-000000000000', state: 'error', retryAt: null };
    expect(MailStatusSchema.safeParse({ ...status, error: { code: 'HOST_UNREACHABLE', message: 'x' } }).success).toBe(true);
    expect(MailStatusSchema.safeParse({ ...status, error: { code: 'ECONNREFUSED', message: 'x' } }).success).toBe(false);
  });
});

describe('one judgement of IMAP response codes', () => {
  it.each([
    ['LIMIT', 'SERVER_BUSY'],
    ['UNAVAILABLE', 'SERVER_BUSY'],
    ['AUTHENTICATIONFAILED', 'AUTH_FAILED'],
    ['EXPIRED', 'AUTH_FAILED'],
    ['PRIVACYREQUIRED', 'ENCRYPTION_REQUIRED'],
    ['NONEXISTENT', 'FOLDER_NOT_FOUND'],
  ] as const)('[%s] is %s for imapflow errors', (responseCode, expected) => {
    // imapflow marks [LIMIT] as authenticationFailed too: the response code wins.
    const err = Object.assign(new Error('Command failed'), { responseStatus: 'NO', serverResponseCode: responseCode, authenticationFailed: responseCode === 'LIMIT' });
    expect(imapError(err).code).toBe(expected);
  });
});

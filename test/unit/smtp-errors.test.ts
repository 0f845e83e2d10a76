import { describe, expect, it } from 'vitest';
import { enhancedStatusOf, smtpErrorToAppError } from '../../src-main/services/smtp-errors';

/** Errors shaped as nodemailer 10 builds them (see its smtp-connection _formatError). */
const err = (fields: Record<string, unknown>) => Object.assign(new Error(String(fields.message ?? 'x')), fields);

describe('SMTP error mapping', () => {
  it.each([
    [{ code: 'EAUTH', response: '535 5.7.8 Error: authentication failed: UGFzc3dvcmQ6', responseCode: 535, command: 'AUTH PLAIN' }, 'AUTH_FAILED'],
    [{ code: 'EAUTH', response: '534-5.7.9 Application-specific password required. Learn more at https://support.google.com/mail/?p=InvalidSecondFactor', responseCode: 534, command: 'AUTH PLAIN' }, 'APP_PASSWORD_REQUIRED'],
    [{ code: 'EAUTH', response: '535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox.', responseCode: 535, command: 'AUTH LOGIN' }, 'SMTP_AUTH_DISABLED'],
    [{ code: 'EENVELOPE', response: '550 5.7.60 SMTP; Client does not have permissions to send as this sender', responseCode: 550, command: 'MAIL FROM' }, 'SEND_AS_DENIED'],
    [{ code: 'EENVELOPE', response: '530 5.7.57 Client not authenticated to send mail', responseCode: 530, command: 'MAIL FROM' }, 'AUTH_REQUIRED'],
    [{ code: 'EAUTH', response: '538 5.7.11 Encryption required for requested authentication mechanism', responseCode: 538, command: 'AUTH PLAIN' }, 'ENCRYPTION_REQUIRED'],
    [{ code: 'EAUTH', response: '454 4.7.0 Temporary authentication failure', responseCode: 454, command: 'AUTH PLAIN' }, 'SERVER_BUSY'],
    [{ code: 'EPROTOCOL', response: '521 5.3.2 This host does not accept mail', responseCode: 521, command: 'CONN' }, 'SERVER_REFUSES_MAIL'],
    [{ code: 'EENVELOPE', response: '556 5.1.10 Recipient address has null MX', responseCode: 556, command: 'RCPT TO' }, 'SERVER_REFUSES_MAIL'],
    [{ code: 'EENVELOPE', response: '501 5.1.7 Bad sender address syntax', responseCode: 501, command: 'MAIL FROM' }, 'PROTOCOL_ERROR'],
    [{ code: 'EENVELOPE', response: '452 4.5.3 Too many recipients', responseCode: 452, command: 'RCPT TO' }, 'SERVER_BUSY'],
    [{ code: 'EENVELOPE', response: '530 5.7.0 Authentication required', responseCode: 530, command: 'MAIL FROM' }, 'AUTH_REQUIRED'],
    [{ code: 'ESOCKET', originalCode: 'ECONNREFUSED', command: 'CONN' }, 'CONNECTION_REFUSED'],
    [{ code: 'EDNS', originalCode: 'ENOTFOUND', command: 'CONN' }, 'HOST_NOT_FOUND'],
    [{ code: 'ETIMEDOUT', command: 'CONN' }, 'CONNECTION_TIMEOUT'],
    [{ code: 'ESOCKET', originalCode: 'SELF_SIGNED_CERT_IN_CHAIN', message: 'self-signed certificate in certificate chain' }, 'TLS_UNTRUSTED_CERTIFICATE'],
    [{ code: 'ESOCKET', originalCode: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }, 'TLS_UNTRUSTED_CERTIFICATE'],
    [{ code: 'ESOCKET', originalCode: 'CERT_HAS_EXPIRED', message: 'certificate has expired' }, 'TLS_CERTIFICATE_EXPIRED'],
    [{ code: 'ESOCKET', originalCode: 'ERR_TLS_CERT_ALTNAME_INVALID' }, 'TLS_HOSTNAME_MISMATCH'],
    [{ code: 'ETLS', message: 'Error initiating TLS - certificate has expired', command: 'STARTTLS' }, 'TLS_CERTIFICATE_EXPIRED'],
    [{ code: 'ETLS', response: '502 5.5.1 Unrecognized command', responseCode: 502, command: 'STARTTLS' }, 'STARTTLS_UNAVAILABLE'],
    [{ code: 'ESOCKET', message: 'write EPROTO ... wrong version number' }, 'TLS_HANDSHAKE_FAILED'],
    [{ code: 'ECONNECTION', message: 'Connection closed unexpectedly', command: 'CONN' }, 'CONNECTION_LOST'],
    [{ code: 'EENVELOPE', response: '553 5.7.1 Sender address rejected: not owned by user', responseCode: 553, command: 'MAIL FROM' }, 'SEND_AS_DENIED'],
    [{ code: 'EENVELOPE', response: '553 5.1.8 Domain of sender address does not exist', responseCode: 553, command: 'MAIL FROM' }, 'SENDER_REFUSED'],
    [{ code: 'EENVELOPE', response: '550 5.1.1 User unknown', responseCode: 550, command: 'RCPT TO' }, 'RECIPIENTS_REFUSED'],
    [{ code: 'EMESSAGE', response: '552 5.3.4 Message size exceeds fixed limit', responseCode: 552, command: 'DATA' }, 'MESSAGE_TOO_LARGE'],
    [{ code: 'EMESSAGE', response: '554 5.7.1 Spam message rejected', responseCode: 554, command: 'DATA' }, 'MESSAGE_REFUSED'],
    [{ code: 'EENVELOPE', response: '451 4.3.0 Try again later', responseCode: 451, command: 'RCPT TO' }, 'SERVER_BUSY'],
    [{ code: 'EPROTOCOL', response: '421 4.3.2 Service shutting down', responseCode: 421, command: 'CONN' }, 'SERVER_BUSY'],
  ])('%o -> %s', (fields, code) => {
    expect(smtpErrorToAppError(err(fields)).code).toBe(code);
  });

  it('keeps the server reply and enhanced status, and drops AUTH arguments from the step', () => {
    const e = smtpErrorToAppError(err({ code: 'EAUTH', response: '535 5.7.8 Error: authentication failed', responseCode: 535, command: 'AUTH PLAIN AGFsaWNlAHNlY3JldA==' }));
    expect(e.detail).toEqual({ serverReply: '535 5.7.8 Error: authentication failed', responseCode: 535, enhancedStatus: '5.7.8', command: 'AUTH PLAIN' });
    expect(JSON.stringify(e)).not.toContain('AGFsaWNl');
  });

  it('lists each refused recipient', () => {
    const e = smtpErrorToAppError(
      err({ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO', response: '550 5.1.1 unknown', rejectedErrors: [{ recipient: 'x@example.com', response: '550 5.1.1 unknown' }] }),
    );
    expect(e.detail?.refused).toEqual([{ address: 'x@example.com', serverReply: '550 5.1.1 unknown' }]);
  });

  it('never returns an unknown code for garbage', () => {
    expect(smtpErrorToAppError(undefined).code).toBe('INTERNAL');
    expect(smtpErrorToAppError('boom').code).toBe('INTERNAL');
  });

  it('reads RFC 3463 enhanced status codes', () => {
    expect(enhancedStatusOf('535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled')).toBe('5.7.139');
    expect(enhancedStatusOf('250 OK')).toBeUndefined();
  });
});

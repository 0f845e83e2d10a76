/**
 * Sends one message for an account through nodemailer and returns the server's reply, or one of
 * our error codes with the server's words in the detail. Security choices are strict: STARTTLS
 * chosen means STARTTLS required, certificates are verified against the system roots plus any
 * extra authorities the composition root passes, plus the account's pinned certificate (never
 * `rejectUnauthorized: false`); see tls-trust.ts.
 */
import nodemailer from 'nodemailer';
import { fail, ok, type Result } from '../../shared/result';
import type { StoredAccount } from './settings-store';
import { smtpErrorToAppError } from './smtp-errors';
import { tlsOptionsFor } from './tls-trust';

export interface MessageToSend {
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  text: string;
}

export interface SendReceipt {
  messageId: string;
  /** The server's final reply, e.g. "250 2.0.0 Ok: queued as 4Xk1...". */
  serverReply: string;
  accepted: string[];
  /** Recipients the server refused while it accepted others. */
  refused: Array<{ address: string; serverReply: string }>;
}

export interface SmtpServiceOptions {
  /** PEM certificates trusted in addition to the system's roots. */
  extraCertificateAuthorities?: readonly string[];
  timeouts?: { connectMs?: number; greetingMs?: number; socketMs?: number };
}

export interface SmtpService {
  send(account: StoredAccount, password: string | undefined, message: MessageToSend): Promise<Result<SendReceipt>>;
}

/** What we say in EHLO: an address literal, as Thunderbird does, so the machine's name does not leak. */
const EHLO_NAME = '[127.0.0.1]';

export function transportOptions(account: StoredAccount, password: string | undefined, options: SmtpServiceOptions = {}) {
  const { host, port, security, auth, username } = account.smtp;
  const extra = options.extraCertificateAuthorities ?? [];
  return {
    host,
    port,
    secure: security === 'tls',
    requireTLS: security === 'starttls',
    ignoreTLS: security === 'none',
    name: EHLO_NAME,
    auth: auth === 'password' ? { user: username, pass: password ?? '' } : undefined,
    tls: tlsOptionsFor(host, { extraCertificateAuthorities: extra, pinnedCertificate: account.smtp.pinnedCertificate }),
    connectionTimeout: options.timeouts?.connectMs ?? 20_000,
    greetingTimeout: options.timeouts?.greetingMs ?? 20_000,
    socketTimeout: options.timeouts?.socketMs ?? 60_000,
    logger: false,
    debug: false,
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

export function createSmtpService(options: SmtpServiceOptions = {}): SmtpService {
  return {
    async send(account, password, message) {
      if (account.smtp.auth === 'password' && !password) return fail('PASSWORD_MISSING');
      const transport = nodemailer.createTransport(transportOptions(account, password, options));
      try {
        const info = await transport.sendMail({
          from: { name: account.displayName, address: account.email },
          to: message.to,
          cc: message.cc,
          bcc: message.bcc,
          subject: message.subject,
          text: message.text,
        });
        const rejectedErrors = (info.rejectedErrors ?? []) as Array<{ recipient?: string; response?: string }>;
        return ok({
          messageId: info.messageId,
          serverReply: String(info.response ?? '').trim(),
          accepted: (info.accepted ?? []).map(String),
          refused: rejectedErrors.map((e) => ({ address: e.recipient ?? '', serverReply: (e.response ?? '').trim() })),
        });
      } catch (error) {
        return { ok: false, error: smtpErrorToAppError(error) };
      } finally {
        transport.close();
      }
    },
  };
}

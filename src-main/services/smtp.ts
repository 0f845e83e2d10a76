/**
 * The SMTP connection settings for an account, for nodemailer (the outbox's SMTPConnection).
 * Security choices are strict: STARTTLS chosen means STARTTLS required, certificates are verified
 * against the system roots plus any extra authorities the composition root passes, plus the
 * account's pinned certificate (never `rejectUnauthorized: false`); see tls-trust.ts.
 */
import type { StoredAccount } from './settings-store';
import { EHLO_NAME } from './net/smtp';
import { tlsOptionsFor } from './tls-trust';

export interface SmtpServiceOptions {
  /** PEM certificates trusted in addition to the system's roots. */
  extraCertificateAuthorities?: readonly string[];
  timeouts?: { connectMs?: number; greetingMs?: number; socketMs?: number };
}


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

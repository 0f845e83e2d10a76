/**
 * The SMTP connection settings for an account, for nodemailer (the outbox's SMTPConnection).
 * Security choices are strict: STARTTLS chosen means STARTTLS required, certificates are verified
 * against the system roots plus any extra authorities the composition root passes, plus the
 * account's pinned certificate (never `rejectUnauthorized: false`); see tls-trust.ts.
 */
import type { StoredAccount } from './settings-store';
import { EHLO_NAME } from './net/smtp';
import { tlsOptionsFor } from './tls-trust';
import type { Credential } from './credentials';

export interface SmtpServiceOptions {
  /** PEM certificates trusted in addition to the system's roots. */
  extraCertificateAuthorities?: readonly string[];
  timeouts?: { connectMs?: number; greetingMs?: number; socketMs?: number };
}


/** nodemailer's auth for a credential: user and pass, or user and an OAuth2 access token (XOAUTH2). */
function authFor(credential: Credential | undefined) {
  if (!credential) return undefined;
  return credential.kind === 'password'
    ? { user: credential.username, pass: credential.password }
    : { type: 'OAuth2' as const, user: credential.username, accessToken: credential.accessToken };
}

export function transportOptions(account: StoredAccount, credential: Credential | undefined, options: SmtpServiceOptions = {}) {
  const { host, port, security, auth, username } = account.smtp;
  const extra = options.extraCertificateAuthorities ?? [];
  return {
    host,
    port,
    secure: security === 'tls',
    requireTLS: security === 'starttls',
    ignoreTLS: security === 'none',
    name: EHLO_NAME,
    auth: auth === 'none' ? undefined : (authFor(credential) ?? { user: username, pass: '' }),
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

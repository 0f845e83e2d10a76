/**
 * Opening one imapflow connection for an account, and turning imapflow's (and Node's) errors
 * into our codes. The IMAP mail source (./imap-source.ts) keeps two of these per account; the
 * Sent copy (../sent-copy.ts) opens one per message.
 */
import { ImapFlow } from 'imapflow';
import type { ErrorCode } from '../../../shared/errors';
import { appError, fail, ok, type AppError, type Result } from '../../../shared/result';
import { imapResponseCode, networkFailureCode, textOf } from '../net/errors';
import { tlsOptionsFor } from '../tls-trust';
import type { MailSourceContext } from './types';
import type { IncomingSettings } from '../../../shared/model';
import { withFreshCredential, type Credential } from '../credentials';

export interface OpenOptions {
  /** Budget for TCP + TLS + greeting + login together. */
  timeoutMs: number;
  /** Inactivity after which imapflow checks the connection with NOOP (and gives up after a second one). */
  socketTimeoutMs: number;
  /** Start IDLE after this much inactivity; undefined: no automatic IDLE. */
  autoIdleDelayMs?: number;
  /** Break and restart IDLE this often (servers drop IDLE after 30 minutes). */
  maxIdleTimeMs?: number;
}

/**
 * Connects and logs in: LOGIN with a password, AUTHENTICATE OAUTHBEARER / XOAUTH2 with an access
 * token (imapflow's own, which answers the error challenge of a refused token). After
 * AUTHENTICATIONFAILED to a token, once more with a fresh token (credentials.ts). Never throws;
 * on failure the client is closed (FACTS: after a failed connect() imapflow can keep Node alive
 * otherwise).
 */
export async function openImap(
  ctx: Pick<MailSourceContext, 'account' | 'credential' | 'refused' | 'extraCertificateAuthorities'>,
  options: OpenOptions,
): Promise<Result<ImapFlow>> {
  const incoming = ctx.account.incoming;
  if (!incoming || incoming.protocol !== 'imap') return fail('NO_INCOMING_SERVER');
  const opened = await withFreshCredential(
    ctx,
    (credential) => openImapOnce(incoming, credential, ctx.extraCertificateAuthorities, options),
    (result) => !result.ok && result.error.code === 'AUTH_FAILED',
  );
  return opened.ok ? opened.value : opened;
}

async function openImapOnce(
  incoming: IncomingSettings,
  credential: Credential | undefined,
  extraCertificateAuthorities: readonly string[],
  options: OpenOptions,
): Promise<Result<ImapFlow>> {
  if (credential === undefined) return fail('PASSWORD_MISSING');
  const client = new ImapFlow({
    host: incoming.host,
    port: incoming.port,
    secure: incoming.security === 'tls',
    doSTARTTLS: incoming.security === 'starttls',
    auth: credential.kind === 'password' ? { user: credential.username, pass: credential.password } : { user: credential.username, accessToken: credential.accessToken },
    tls: tlsOptionsFor(incoming.host, { extraCertificateAuthorities, pinnedCertificate: incoming.pinnedCertificate }),
    logger: false,
    clientInfo: { name: 'Mailwright' },
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.socketTimeoutMs,
    ...(options.autoIdleDelayMs === undefined ? { disableAutoIdle: true } : { autoIdleDelay: options.autoIdleDelayMs }),
    ...(options.maxIdleTimeMs === undefined ? {} : { maxIdleTime: options.maxIdleTimeMs }),
  });
  // An 'error' event without a listener would crash the process; the caller adds its own too.
  client.on('error', () => undefined);

  const connected = await withDeadline(client.connect(), options.timeoutMs + 1_000).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (connected === undefined && client.usable) return ok(client);
  client.close();
  return { ok: false, error: imapError(connected ?? new Error('not usable after connect')) };
}

/** Logs out politely within `ms`, else drops the socket. Never throws. */
export async function closeImap(client: ImapFlow, ms = 2_000): Promise<void> {
  if (client.usable) await withDeadline(client.logout(), ms).catch(() => undefined);
  client.close();
}

export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
  readonly code = 'ETIMEOUT';
}

/** Races `promise` against a timer that is always cleared; rejects with DeadlineError. */
export async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DeadlineError(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

interface ErrorShape {
  authenticationFailed?: unknown;
  tlsFailed?: unknown;
  mailboxMissing?: unknown;
  responseStatus?: unknown;
  responseText?: unknown;
  serverResponseCode?: unknown;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * An imapflow / Node error in our codes. imapflow's own marks (authenticationFailed, tlsFailed,
 * a server's response code) are read here; the socket, DNS and TLS judgement is net/errors.ts
 * (imapflow keeps the socket's error in _err, which codesOf follows). A server's NO/BAD reply
 * text goes into detail.serverReply.
 */
export function imapError(err: unknown): AppError {
  const e = (err && typeof err === 'object' ? err : {}) as ErrorShape;
  const byResponseCode = imapResponseCode(str(e.serverResponseCode));
  const net = networkFailureCode(err);
  let code: ErrorCode;
  // The server's response code first: imapflow marks Dovecot's NO [LIMIT] as an authentication
  // failure, but the password is fine and waiting helps.
  if (byResponseCode) code = byResponseCode;
  else if (e.authenticationFailed === true) code = 'AUTH_FAILED';
  else if (e.tlsFailed === true && /does not support STARTTLS/i.test(textOf(err))) code = 'STARTTLS_UNAVAILABLE';
  else if (net) code = net;
  else if (e.tlsFailed === true) code = 'TLS_HANDSHAKE_FAILED';
  else if (e.mailboxMissing === true) code = 'FOLDER_NOT_FOUND';
  else if (e.responseStatus === 'NO' || e.responseStatus === 'BAD') code = 'SERVER_ERROR';
  else code = 'CONNECTION_LOST';
  const reply = str(e.responseText).trim();
  return code === 'SERVER_ERROR' && reply ? appError(code, { serverReply: reply.slice(0, 300) }) : appError(code);
}

/** Codes that a retry soon will not fix: the person has to change something. */
export function needsPerson(code: ErrorCode): boolean {
  return (
    code === 'AUTH_FAILED' ||
    code === 'PASSWORD_MISSING' ||
    code === 'SECRET_UNREADABLE' ||
    code === 'NO_INCOMING_SERVER' ||
    code === 'STARTTLS_UNAVAILABLE' ||
    code.startsWith('TLS_')
  );
}

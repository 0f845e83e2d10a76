/**
 * One delivery attempt over nodemailer's low-level SMTPConnection: connect (TLS as the account
 * says, see smtp.ts and tls-trust.ts), log in, check what the server advertised (SIZE, SMTPUTF8)
 * before anything of the message leaves, persist the transmitting marker, then stream the .eml
 * from disk. A password logs in with nodemailer's PLAIN/LOGIN, an access token with XOAUTH2 or
 * OAUTHBEARER (see oauthHandler). How it ended is told apart carefully, because that decides between "retry" and
 * "may have been sent":
 *
 * - a reply from the server (4xx, 5xx) always means "not taken": temporary or permanent;
 * - no reply (connection lost, timeout) before the data started: nothing went out, temporary;
 * - no reply after the data started but before all of it was handed over: the final dot never went
 *   out, so the server cannot have taken the message: temporary as well;
 * - no reply after all the data was handed over: "uncertain", never retried on its own.
 *
 * With `request.sessions`, the connection of a clean delivery is kept for the lane's next message
 * (sessions.ts), which then starts with RSET instead of connect, TLS and AUTH. A kept connection that
 * turns out dead before anything of the message went out (RSET fails, the server timed it out, 421
 * to RSET or MAIL) is closed and the message goes at once on ONE fresh connection: the same attempt,
 * nothing of it reached the server. No password is read for a kept connection; for an OAuth2
 * account the token service is asked whether the token it logged in with is still the current one.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { open, type FileHandle } from 'node:fs/promises';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type XOAuth2 from 'nodemailer/lib/xoauth2';
import { appError, type AppError } from '../../../shared/result';
// Which failures are worth trying again later: the one judgement, shared with the outbox's "Retry now".
import { isTemporary } from '../../../shared/retry';
import { smtpErrorToAppError } from '../smtp-errors';
import { transportOptions } from '../smtp';
import { withFreshCredential, type Credential } from '../credentials';
import { chooseOAuthMechanism, failureAnswer, oauthResponse, xoauth2Response, type OAuthMechanism } from '../net/sasl';
import { needsSmtpUtf8 } from './message';
import { laneKey, type SmtpSessions } from './sessions';
import type { DeliveryOutcome, DeliveryRequest, Refusal } from './types';

/** What SMTPConnection knows after EHLO but does not declare in its types. */
interface EhloState {
  _supportedExtensions?: string[];
  _supportedAuth?: string[];
  _maxAllowedSize?: number;
  _ehloLines?: string[];
}

interface SmtpFailure {
  code?: string;
  responseCode?: number;
  response?: string;
  recipient?: string;
  rejectedErrors?: SmtpFailure[];
}

/** Recipient refusals from RCPT replies: 4xx ones to try again (deferred), the rest for good. */
export function splitRefusals(errors: SmtpFailure[] | undefined): { refused: Refusal[]; deferred: Refusal[] } {
  const refused: Refusal[] = [];
  const deferred: Refusal[] = [];
  for (const e of errors ?? []) {
    const entry = { address: e.recipient ?? '', serverReply: (e.response ?? '').trim() };
    (e.responseCode && e.responseCode >= 400 && e.responseCode < 500 ? deferred : refused).push(entry);
  }
  return { refused, deferred };
}

/**
 * Streams the message (its file, or the bytes already read and checked by the outbox); tells when
 * the first bytes were handed over (the data has started) and how many so far.
 */
class MessageFileStream extends Readable {
  private handle: FileHandle | undefined;
  private position = 0;
  constructor(
    private readonly source: string | Buffer,
    private readonly onBytes: (total: number) => void,
    /** Nothing of the message is handed over before this resolves (the transmitting marker is durable); a rejection ends the stream unsent. */
    private gate?: Promise<void>,
  ) {
    super({ highWaterMark: 64 * 1024 });
  }
  override _construct(callback: (error?: Error | null) => void): void {
    if (typeof this.source !== 'string') return callback();
    open(this.source, 'r').then(
      (handle) => {
        this.handle = handle;
        callback();
      },
      (error: Error) => callback(error),
    );
  }
  override _read(size: number): void {
    const gate = this.gate;
    if (gate) {
      this.gate = undefined;
      gate.then(
        () => this._read(size),
        (error: Error) => this.destroy(error),
      );
      return;
    }
    if (typeof this.source !== 'string') {
      const chunk = this.source.subarray(this.position, this.position + Math.max(size, 64 * 1024));
      if (!chunk.length) return void this.push(null);
      this.position += chunk.length;
      this.push(chunk);
      this.onBytes(this.position);
      return;
    }
    const buffer = Buffer.allocUnsafe(Math.max(size, 16 * 1024));
    this.handle!.read(buffer, 0, buffer.length, this.position).then(
      ({ bytesRead }) => {
        if (bytesRead === 0) return void this.push(null);
        this.position += bytesRead;
        this.push(buffer.subarray(0, bytesRead));
        this.onBytes(this.position);
      },
      (error: Error) => this.destroy(error),
    );
  }
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const handle = this.handle;
    this.handle = undefined;
    if (!handle) return callback(error);
    handle.close().then(
      () => callback(error),
      () => callback(error),
    );
  }
}

/** The attempt's outcome for an error nodemailer reported. */
export function outcomeOfError(error: unknown, dataStarted: boolean): DeliveryOutcome {
  const err = (error && typeof error === 'object' ? error : {}) as SmtpFailure;
  const appErr = smtpErrorToAppError(error);
  if (err.rejectedErrors?.length) {
    // Every recipient refused; nodemailer carries the reply of each.
    const { refused, deferred } = splitRefusals(err.rejectedErrors);
    return { kind: 'not-delivered', error: appErr, temporary: deferred.length > 0, refused, deferred };
  }
  if (err.responseCode) return { kind: 'not-delivered', error: appErr, temporary: err.responseCode >= 400 && err.responseCode < 500, refused: [], deferred: [] };
  if (dataStarted) return { kind: 'uncertain', error: appErr.code === 'INTERNAL' ? appError('CONNECTION_LOST', { command: 'DATA' }) : appErr };
  return { kind: 'not-delivered', error: appErr, temporary: isTemporary(appErr), refused: [], deferred: [] };
}

const permanent = (error: AppError): DeliveryOutcome => ({ kind: 'not-delivered', error, temporary: false, refused: [], deferred: [] });

/** The server refused the credential itself (535): with an access token, one fresh token may help. */
const refusedCredential = (outcome: DeliveryOutcome) => outcome.kind === 'not-delivered' && outcome.error.detail?.responseCode === 535;

/** A kept connection that was dead before anything of the message went out: try again at once on a fresh one. */
const STALE = Symbol('stale connection');
type Lane = { sessions: SmtpSessions; key: string };

/**
 * Whether a failure on a kept connection before the data started only says the connection is gone:
 * no reply at all (closed, reset, timed out) or 421 (the server is closing it). Any other reply is
 * the server's answer to this message and is judged as such.
 */
function connectionGone(error: unknown): boolean {
  const code = (error && typeof error === 'object' ? (error as SmtpFailure).responseCode : undefined) ?? 0;
  return !code || code === 421;
}

/**
 * One delivery: the credential is asked for now (an access token is fetched or refreshed here, never
 * when the message is queued), and after a 535 to an access token ONE more attempt is made with a
 * fresh one (credentials.ts). A password is tried once, as always.
 */
export async function deliverBySmtp(request: DeliveryRequest): Promise<DeliveryOutcome> {
  if (request.signal.aborted) return { kind: 'aborted' };
  const lane = request.sessions ? { sessions: request.sessions, key: laneKey(request.account) } : undefined;
  // A kept connection is already logged in: no password is read for it.
  let kept = lane?.sessions.take(lane.key);
  if (kept && request.account.smtp.auth === 'oauth2' && !(await tokenStillCurrent(request, kept))) {
    kept.on('error', () => undefined);
    kept.close();
    kept = undefined;
  }
  if (kept) {
    const outcome = await onKeptConnection(request, lane!, kept);
    if (outcome !== STALE) return outcome;
    if (request.signal.aborted) return { kind: 'aborted' };
  }
  const fresh = async (credential: Credential | undefined): Promise<DeliveryOutcome> => {
    const outcome = await deliverOnce(request, credential, lane);
    // Only a kept connection can be stale; a fresh one's failures are judged as they are.
    return outcome === STALE ? { kind: 'not-delivered', error: appError('INTERNAL'), temporary: true, refused: [], deferred: [] } : outcome;
  };
  if (request.account.smtp.auth === 'none') return fresh(undefined);
  const result = await withFreshCredential(request.credentials, fresh, refusedCredential);
  if (result.ok) return result.value;
  // SIGN_IN_REQUIRED, an unreadable secret, or the authorization server out of reach (temporary).
  return { kind: 'not-delivered', error: result.error, temporary: isTemporary(result.error), refused: [], deferred: [] };
}

/**
 * XOAUTH2 / OAUTHBEARER as nodemailer custom authentication handlers, with the one SASL encoder
 * of net/sasl.ts: nodemailer's own XOAUTH2 drops the server's final reply after a refused token
 * (it asks its token generator again instead), and that reply (535 5.7.139, 535 5.7.3 ...) is
 * what tells the person why. A refused token comes back as a 334 error challenge, answered so
 * the server sends the final reply; the rejection carries it (response, responseCode).
 */
function oauthHandler(credential: Extract<Credential, { kind: 'oauth2' }>, server: { host: string; port: number }) {
  return async (ctx: { method: string; sendCommand(cmd: string): Promise<{ status: number }> }): Promise<void> => {
    const mechanism = ctx.method as OAuthMechanism;
    let reply = await ctx.sendCommand(`AUTH ${mechanism} ${oauthResponse(mechanism, credential.username, credential.accessToken, server)}`);
    if (reply.status === 334) reply = await ctx.sendCommand(failureAnswer(mechanism));
    if (reply.status !== 235) throw new Error('Invalid login');
  };
}

/**
 * Which access token each connection logged in with (a digest: the token itself stays with the
 * token service). A kept connection is used only while its token is still the account's current
 * one: a session never outlives its token, so a revoked grant stops sending as soon as the token
 * would have (the same as when every message logged in anew).
 */
const loggedInWith = new WeakMap<SMTPConnection, string>();
const tokenDigest = (token: string) => createHash('sha256').update(token).digest('base64');

/** Asks the token service (in memory; refreshes a token about to expire) whether the connection's token is still current. */
async function tokenStillCurrent(request: DeliveryRequest, connection: SMTPConnection): Promise<boolean> {
  // The connection is ours now and nobody else listens: an error while we wait must not go unheard
  // (an 'error' without a listener would throw). A connection that broke meanwhile is found by RSET.
  const meanwhile = () => undefined;
  connection.on('error', meanwhile);
  const current = await request.credentials.credential().then(
    (result) => result,
    () => undefined,
  );
  connection.removeListener('error', meanwhile);
  return current !== undefined && current.ok && current.value?.kind === 'oauth2' && loggedInWith.get(connection) === tokenDigest(current.value.accessToken);
}

function onKeptConnection(request: DeliveryRequest, lane: Lane, connection: SMTPConnection): Promise<DeliveryOutcome | typeof STALE> {
  return session(request, connection, lane, true, (start) =>
    // RSET: proves the connection still answers and leaves no transaction state behind.
    connection.reset((error) => start(error ?? undefined)),
  );
}

function deliverOnce(request: DeliveryRequest, credential: Credential | undefined, lane: Lane | undefined): Promise<DeliveryOutcome | typeof STALE> {
  const { account, signal } = request;
  if (account.smtp.auth !== 'none' && (!credential || (credential.kind === 'password' && !credential.password))) return Promise.resolve(permanent(appError('PASSWORD_MISSING')));
  if (signal.aborted) return Promise.resolve({ kind: 'aborted' });

  const t = transportOptions(account, credential, request.smtp);
  const oauth = credential?.kind === 'oauth2' ? oauthHandler(credential, { host: t.host, port: t.port }) : undefined;
  const connection = new SMTPConnection({
    ...(oauth ? { customAuth: { XOAUTH2: oauth, OAUTHBEARER: oauth } } : {}),
    host: t.host,
    port: t.port,
    secure: t.secure,
    requireTLS: t.requireTLS,
    ignoreTLS: t.ignoreTLS,
    name: t.name,
    tls: t.tls,
    connectionTimeout: t.connectionTimeout,
    greetingTimeout: t.greetingTimeout,
    socketTimeout: t.socketTimeout,
    socketCloseTimeout: 1000,
    logger: false,
    debug: false,
    transactionLog: false,
  });

  return session(request, connection, lane, false, (start) => {
    connection.connect((error) => {
      if (error) return start(error);
      if (account.smtp.auth === 'none' || !credential) return start();
      if (!connection.allowsAuth) return start(undefined, permanent(appError('AUTH_UNAVAILABLE')));
      let login: Parameters<SMTPConnection['login']>[0];
      if (credential.kind === 'password') login = { user: credential.username, pass: credential.password };
      else {
        const method = chooseOAuthMechanism((connection as unknown as EhloState)._supportedAuth ?? [], 'XOAUTH2');
        if (!method) return start(undefined, permanent(appError('AUTH_UNAVAILABLE', { command: 'AUTH' })));
        // nodemailer keeps the method XOAUTH2 only when the login also carries a token source
        // (otherwise it falls back to PLAIN); the customAuth handler runs in its place, so this one
        // is never asked, but it is a true one: it gives this attempt's token.
        const { username, accessToken } = credential;
        const oauth2 = {
          getToken: (_renew: boolean, callback: (error: Error | null, token?: string) => void) => callback(null, accessToken),
          buildXOAuth2Token: (token: string) => xoauth2Response(username, token),
        };
        login = { user: username, method, oauth2: oauth2 as unknown as XOAuth2 };
      }
      connection.login(login, (loginError) => {
        if (loginError) return start(loginError);
        if (credential.kind === 'oauth2') loggedInWith.set(connection, tokenDigest(credential.accessToken));
        start();
      });
    });
  });
}

/**
 * One message on a connection: `open` readies it (connect and log in, or RSET on a kept one) and
 * calls `start` with what went wrong, if anything; then the checks, the transmitting marker and the
 * send. The connection's listeners are this delivery's only and are removed when it ends, so a
 * connection that carries thousands of messages gathers none. A clean end hands the connection back
 * to the lane; any other closes it.
 */
function session(
  request: DeliveryRequest,
  connection: SMTPConnection,
  lane: Lane | undefined,
  reused: boolean,
  open: (start: (error?: unknown, refusal?: DeliveryOutcome) => void) => void,
): Promise<DeliveryOutcome | typeof STALE> {
  const { job, signal } = request;
  return new Promise<DeliveryOutcome | typeof STALE>((resolve) => {
    let settled = false;
    let dataStarted = false;
    /** The whole message was read out to the connection, which then writes the final dot: from here on the server may have taken it. */
    let dataEnded = false;
    const onEnd = () => failWith(Object.assign(new Error('Connection closed'), { code: 'ECONNECTION' }));
    /** `reusable`: the session is in a clean state (a transaction completed, or none was begun) and may carry the next message. */
    const finish = (outcome: DeliveryOutcome | typeof STALE, reusable = false) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      connection.removeListener('error', failWith);
      connection.removeListener('end', onEnd);
      if (reusable && lane && !connection.destroyed && !signal.aborted) lane.sessions.keep(lane.key, connection);
      else {
        connection.on('error', () => undefined);
        connection.close();
      }
      resolve(outcome);
    };
    function failWith(error: unknown) {
      // A kept connection found dead before the data: nothing of this message reached the server.
      if (reused && !dataStarted && !signal.aborted && connectionGone(error)) return finish(STALE);
      // A message cut off before its end never reached its final dot: no server takes it, so it is
      // safe to try again. Only once every byte was handed over is the outcome unknown.
      finish(outcomeOfError(error, dataStarted && dataEnded));
    }
    function onAbort() {
      finish(dataStarted ? { kind: 'uncertain', error: appError('CONNECTION_LOST', { command: 'DATA' }) } : { kind: 'aborted' });
    }
    signal.addEventListener('abort', onAbort, { once: true });
    // Every error after the first is the same failure seen again.
    connection.on('error', failWith);
    connection.once('end', onEnd);

    const transmit = async () => {
      const ehlo = connection as unknown as EhloState;
      const maxSize = ehlo._maxAllowedSize ?? 0;
      if (maxSize > 0 && request.sizeBytes > maxSize) {
        const line = ehlo._ehloLines?.find((l) => /^SIZE\b/i.test(l)) ?? `SIZE ${maxSize}`;
        return finish(
          permanent({
            code: 'MESSAGE_TOO_LARGE',
            message: `The message is ${request.sizeBytes} bytes; the server accepts at most ${maxSize} bytes (SIZE in its EHLO reply).`,
            detail: { command: 'EHLO', serverReply: line },
          }),
          true,
        );
      }
      if (!(ehlo._supportedExtensions ?? []).includes('SMTPUTF8')) {
        const from = job.envelope.from;
        const recipients = request.recipients.filter(needsSmtpUtf8);
        if (needsSmtpUtf8(from) || recipients.length) {
          const addresses = needsSmtpUtf8(from) ? [from] : recipients;
          return finish(
            permanent({
              code: 'SMTPUTF8_UNSUPPORTED',
              message: `The server does not offer SMTPUTF8, which ${addresses.length === 1 ? 'this address needs' : 'these addresses need'} (non-ASCII before the @).`,
              detail: { command: 'EHLO', refused: addresses.map((address) => ({ address, serverReply: '' })) },
            }),
            true,
          );
        }
      }
      if (signal.aborted) return finish({ kind: 'aborted' });
      // The transmitting marker goes to disk while MAIL, RCPT and DATA are on their way: the message's
      // first byte waits for it (the stream's first read comes after the server's 354), so nothing of
      // the message leaves before the marker is durable, and its fsync costs no round trip of its own.
      let markerFailed = false;
      const marked = request.beforeTransmit().catch((error: unknown) => {
        markerFailed = true;
        throw error;
      });
      // Handled when the stream reads it; this keeps an early failure (before DATA) from going unhandled.
      marked.catch(() => undefined);

      let lastReported = 0;
      const stream = new MessageFileStream(
        request.content ?? request.emlPath,
        (total) => {
          dataStarted = true;
          if (total - lastReported >= 16 * 1024 || total >= request.sizeBytes) {
            lastReported = total;
            request.onProgress(total, request.sizeBytes);
          }
        },
        marked,
      );
      stream.once('end', () => {
        dataEnded = true;
      });
      // RFC 3461: the job id as ENVID whenever the server offers DSN, so a bounce names the message it
      // is about; NOTIFY only when the person asked for notices (otherwise the server's default: failures).
      const dsnOffered = (ehlo._supportedExtensions ?? []).includes('DSN');
      const dsn = dsnOffered
        ? {
            envid: job.id,
            ret: job.dsn?.ret === 'full' ? 'FULL' : 'HDRS',
            ...(job.dsn ? { notify: job.dsn.notify.map((n) => n.toUpperCase()) } : {}),
          }
        : undefined;
      connection.send({ from: job.envelope.from, to: request.recipients, size: request.sizeBytes, ...(dsn ? { dsn } : {}) }, stream, (error, info) => {
        // The marker could not be written: nothing of the message was sent; try again later rather than risk a send we cannot account for.
        if (markerFailed && !dataStarted) return finish({ kind: 'not-delivered', error: appError('INTERNAL'), temporary: true, refused: [], deferred: [] });
        if (error) return failWith(error);
        const { refused, deferred } = splitRefusals(info.rejectedErrors as SmtpFailure[] | undefined);
        finish({ kind: 'delivered', reply: String(info.response ?? '').trim(), accepted: info.accepted.map(String), refused, deferred, dsnOffered, sizeLimit: maxSize }, true);
      });
    };

    open((error, refusal) => {
      if (settled) return;
      if (error) return failWith(error);
      if (refusal) return finish(refusal);
      void transmit();
    });
  });
}

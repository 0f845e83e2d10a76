/**
 * Authenticated SMTP connections kept open between messages, so a lane sends message after message
 * on one session instead of paying connect, EHLO, STARTTLS, EHLO and AUTH for each (issue 13).
 *
 * Connections are kept per *lane key*: the account and every setting that decides where and as whom
 * the connection logged in (server, port, security, sign-in method, user name, the pinned
 * certificate) plus when the account was last saved. An edited account (a new password, another
 * server) therefore never reuses a connection opened with the old settings: its key is new, and the
 * old connections run out their short idle time unused.
 *
 * Only connections that ended a delivery cleanly come back here (deliver.ts decides). An idle one
 * that errors or ends (the server's idle timeout, a 421 while idle) is dropped; one idle longer than
 * idleMs, or that has carried maxMessagesPerConnection messages, is closed with QUIT.
 */
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { StoredAccount } from '../settings-store';

export interface SmtpSessionsOptions {
  /** How long a connection may wait unused before it is closed. Default 5 s. */
  idleMs?: number;
  /** Messages one connection carries before it is retired (servers limit this too). Default 100. */
  maxMessagesPerConnection?: number;
}

export const DEFAULT_IDLE_MS = 5_000;
export const DEFAULT_MAX_MESSAGES_PER_CONNECTION = 100;

/** Everything that decides which server a connection talks to and as whom it logged in. */
export function laneKey(account: StoredAccount): string {
  const { host, port, security, auth, username, pinnedCertificate } = account.smtp;
  return JSON.stringify([account.id, host.trim().toLowerCase(), port, security, auth, username, pinnedCertificate?.sha256 ?? '', account.updatedAt]);
}

interface Idle {
  connection: SMTPConnection;
  timer: NodeJS.Timeout;
  /** Listeners attached while idle, removed when the connection is taken. */
  onGone: () => void;
}

/** Ends a connection politely (QUIT, then our side closed); errors after this point are of no interest. */
function quit(connection: SMTPConnection): void {
  connection.on('error', () => undefined);
  if (connection.destroyed) return;
  try {
    connection.quit();
  } finally {
    connection.close();
  }
}

export class SmtpSessions {
  private readonly idle = new Map<string, Idle[]>();
  /** Messages each connection has carried (kept connections only). */
  private readonly carried = new WeakMap<SMTPConnection, number>();
  private readonly idleMs: number;
  private readonly maxMessages: number;
  private closed = false;

  constructor(options: SmtpSessionsOptions = {}) {
    this.idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
    this.maxMessages = Math.max(1, options.maxMessagesPerConnection ?? DEFAULT_MAX_MESSAGES_PER_CONNECTION);
  }

  /** An idle, authenticated connection of this lane, now the caller's; undefined when there is none. */
  take(key: string): SMTPConnection | undefined {
    const list = this.idle.get(key);
    while (list?.length) {
      // The most recently used first: the least likely to have been timed out by the server.
      const entry = list.pop()!;
      this.release(entry);
      if (!list.length) this.idle.delete(key);
      if (!entry.connection.destroyed) return entry.connection;
    }
    return undefined;
  }

  /**
   * A connection that just ended a delivery cleanly comes back to wait for the lane's next message.
   * Closed instead when the sessions are closed, the connection is spent, or it is no longer open.
   */
  keep(key: string, connection: SMTPConnection): void {
    const carried = (this.carried.get(connection) ?? 0) + 1;
    this.carried.set(connection, carried);
    if (this.closed || connection.destroyed || carried >= this.maxMessages) return quit(connection);
    const list = this.idle.get(key) ?? [];
    const entry: Idle = {
      connection,
      timer: setTimeout(() => {
        this.forget(key, entry);
        quit(connection);
      }, this.idleMs),
      onGone: () => {
        this.forget(key, entry);
        // The connection broke or ended (the server's idle timeout, a 421): make sure the socket goes too.
        connection.on('error', () => undefined);
        connection.close();
      },
    };
    entry.timer.unref?.();
    connection.once('error', entry.onGone);
    connection.once('end', entry.onGone);
    list.push(entry);
    this.idle.set(key, list);
  }

  /** How many connections wait idle (for tests and diagnostics). */
  idleCount(key?: string): number {
    if (key !== undefined) return this.idle.get(key)?.length ?? 0;
    let n = 0;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }

  /** Closes every idle connection now (QUIT); connections kept later are closed at once. */
  close(): void {
    this.closed = true;
    const all = [...this.idle.values()].flat();
    this.idle.clear();
    for (const entry of all) {
      this.release(entry);
      quit(entry.connection);
    }
  }

  private release(entry: Idle): void {
    clearTimeout(entry.timer);
    entry.connection.removeListener('error', entry.onGone);
    entry.connection.removeListener('end', entry.onGone);
  }

  private forget(key: string, entry: Idle): void {
    this.release(entry);
    const list = this.idle.get(key);
    if (!list) return;
    const at = list.indexOf(entry);
    if (at >= 0) list.splice(at, 1);
    if (!list.length) this.idle.delete(key);
  }
}

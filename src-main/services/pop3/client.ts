/**
 * A small POP3 client on node:net / node:tls (plain Node, no Electron): RFC 1939 (USER/PASS, STAT,
 * LIST, UIDL, TOP, RETR, DELE, RSET, NOOP, QUIT), RFC 2449 (CAPA and the extended response codes)
 * and RFC 2595 (STLS).
 *
 * - Commands are sent one at a time; concurrent calls wait in a queue.
 * - Multi-line bodies come back as Buffers, byte-exact after dot-unstuffing (no charset decoding).
 * - Every wait (TCP connect, TLS handshake, each response) is bounded by `timeoutMs`; for a
 *   response the clock restarts whenever bytes arrive, so a large RETR on a slow link is fine but
 *   a silent server is not. After a timeout or a protocol error the connection is closed (the
 *   session's state is unknown) and later calls fail with kind 'closed'.
 * - Certificates are verified unless the caller passes `tls.rejectUnauthorized: false`
 *   (NODE_TLS_REJECT_UNAUTHORIZED is not consulted). 'starttls' never continues in clear.
 * - The socket, its timeouts, the line limits and the STLS upgrade (which refuses data sent
 *   before the handshake) are the app's one line socket, net/socket.ts; this file is POP3 only.
 */
import type tls from 'node:tls';
import type { Credential } from '../credentials';
import { chooseOAuthMechanism, describeFailureChallenge, failureAnswer, oauthResponse, type OAuthMechanism } from '../net/sasl';
import { LineSocket, NetError } from '../net/socket';
import { kindOfErr, Pop3Error, type Pop3ErrorKind } from './errors';
import { MultilineBody } from './lines';

export { Pop3Error, type Pop3ErrorKind } from './errors';

export type Pop3Security = 'tls' | 'starttls' | 'none';

export interface Pop3TranscriptLine {
  /** 'info': our reading of a line, e.g. the decoded error challenge of a refused token. */
  dir: 'client' | 'server' | 'info';
  text: string;
  redacted?: boolean;
}

export interface Pop3ConnectOptions {
  host: string;
  port: number;
  security: Pop3Security;
  /**
   * Passed to tls.connect for implicit TLS and for the STLS upgrade (ca, servername,
   * rejectUnauthorized, checkServerIdentity, allowPartialTrustChain, ...). Verification is ON
   * unless the caller passes rejectUnauthorized:false. `socket`, `host` and `port` are ours.
   */
  tls?: tls.ConnectionOptions;
  /**
   * Judges the TLS connection right after the handshake (implicit TLS, or STLS), before the
   * greeting is read or anything is sent over it; false ends the connection with kind 'tls'.
   * The account check uses it to show an untrusted certificate before a single command.
   */
  checkTls?: (socket: tls.TLSSocket) => boolean;
  /** Per wait (connect, handshake, each response, restarted by incoming bytes); default 15000. */
  timeoutMs?: number;
  /**
   * Transcript hook: every command line sent and every status line received; a multi-line body
   * is summarized as one line "[12 lines, 834 bytes]". The PASS argument is never given: that
   * line is "PASS [redacted]" with redacted=true. Exceptions thrown by the hook are ignored.
   */
  onLine?: (line: Pop3TranscriptLine) => void;
}

export interface Pop3ListEntry {
  id: number;
  size: number;
}

export interface Pop3UidlEntry {
  id: number;
  uid: string;
}

const DEFAULT_TIMEOUT_MS = 15_000;
/** RFC 1939 allows 512 octets for a status line; anything far beyond that is not POP3. */
const MAX_STATUS_LINE = 64 * 1024;
/** Bytes we accept from the server while no response is expected (a few early replies at most). */
const MAX_UNSOLICITED = 64 * 1024;
/** RFC 5034 section 4: an AUTH command with its initial response longer than this is sent without it. */
const MAX_AUTH_COMMAND = 255;

interface Reply {
  ok: boolean;
  status: string;
  body: Buffer;
}

interface RunOptions {
  multiline?: boolean;
  /** What goes in the transcript instead of the line itself (PASS). */
  display?: string;
  /** The command as reported in errors (PASS without its argument). */
  label?: string;
}

const noop = (): void => undefined;

export class Pop3Client {
  private readonly timeoutMs: number;
  private readonly onLine: Pop3ConnectOptions['onLine'];
  private queue: Promise<void> = Promise.resolve();
  /** Why the connection is unusable, once it is (by us; the socket knows when the server ended it). */
  private reason: string | null = null;
  private closedByCaller = false;
  private quitting: Promise<void> | null = null;
  private greetingLine = '';
  private capabilityLines: string[] = [];
  private readonly server: { host: string; port: number };

  private constructor(
    private readonly conn: LineSocket,
    options: Pop3ConnectOptions,
    timeoutMs: number,
  ) {
    this.timeoutMs = timeoutMs;
    this.onLine = options.onLine;
    this.server = { host: options.host, port: options.port };
  }

  /**
   * Connects, reads the +OK greeting and asks for CAPA. For 'starttls': STLS must be advertised
   * and accepted (else kind 'starttls-unavailable', nothing more is sent in clear), then the TLS
   * handshake, then CAPA again.
   */
  static async connect(options: Pop3ConnectOptions): Promise<Pop3Client> {
    const { host, port, security } = options;
    if (security !== 'tls' && security !== 'starttls' && security !== 'none') throw new RangeError(`unknown POP3 security: ${String(security)}`);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`invalid port: ${port}`);
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(timeoutMs > 0)) throw new RangeError(`invalid timeoutMs: ${timeoutMs}`);

    const tlsOptions: tls.ConnectionOptions = { ...options.tls, rejectUnauthorized: options.tls?.rejectUnauthorized !== false };
    let conn: LineSocket;
    try {
      conn = await LineSocket.open({
        host,
        port,
        timeoutMs,
        ...(security === 'tls' ? { tls: tlsOptions } : {}),
        maxLineBytes: MAX_STATUS_LINE,
        maxUnsolicitedBytes: MAX_UNSOLICITED,
        sink: (dir, text, redacted) => {
          if (dir !== 'info') emitTo(options.onLine, dir, text, redacted);
        },
      });
    } catch (err) {
      throw connectError(err, host, port, timeoutMs);
    }
    const client = new Pop3Client(conn, options, timeoutMs);
    const judge = (): void => {
      const socket = conn.tlsSocket;
      if (options.checkTls && socket && !options.checkTls(socket)) throw new Pop3Error('tls', `the certificate of ${host} was refused; nothing was sent`);
    };
    try {
      if (security === 'tls') judge();
      const greeting = await client.readStatus('greeting');
      client.greetingLine = greeting;
      if (isErr(greeting)) {
        throw new Pop3Error(kindOfErr(greeting, 'err'), `server refused the connection: ${greeting}`, { response: greeting });
      }
      if (!isOk(greeting)) throw client.protocolError(`unexpected greeting: ${greeting}`);
      client.capabilityLines = await client.capa();
      if (security === 'starttls') {
        if (!client.capabilityLines.some((c) => /^STLS$/i.test(c.split(' ')[0] ?? ''))) {
          throw new Pop3Error('starttls-unavailable', 'server does not offer STLS (STARTTLS); not continuing without TLS');
        }
        const reply = await client.run('STLS');
        if (!reply.ok) {
          throw new Pop3Error('starttls-unavailable', `server refused STLS: ${reply.status}`, { response: reply.status, command: 'STLS' });
        }
        try {
          // Refuses bytes sent after the +OK and before the handshake (CVE-2011-0411).
          await conn.upgrade(tlsOptions, timeoutMs);
        } catch (err) {
          throw handshakeError(err, host, timeoutMs);
        }
        judge();
        client.capabilityLines = await client.capa();
      }
      return client;
    } catch (err) {
      client.shutdown(err instanceof Pop3Error ? err.message : String(err));
      throw err;
    }
  }

  /** The server's greeting line (without CRLF). */
  get greeting(): string {
    return this.greetingLine;
  }

  /** From CAPA (after TLS when upgraded); [] if CAPA is not supported. */
  get capabilities(): string[] {
    return [...this.capabilityLines];
  }

  /** The TLS socket (implicit TLS or after STLS), to inspect the peer certificate and protocol. */
  get tlsSocket(): tls.TLSSocket | null {
    return this.conn.tlsSocket;
  }

  /** USER then PASS. -ERR → Pop3Error 'auth' (with [AUTH] or no code), or the code's kind. */
  async login(username: string, password: string): Promise<void> {
    checkArgument('username', username, false);
    checkArgument('password', password, true);
    return this.enqueue(async () => {
      const user = await this.run(`USER ${username}`);
      if (!user.ok) throw this.errFor(user, `USER ${username}`, 'auth');
      const pass = await this.run(`PASS ${password}`, { display: 'PASS [redacted]', label: 'PASS' });
      if (!pass.ok) throw this.errFor(pass, 'PASS', 'auth');
    });
  }

  /**
   * Signs in with a password (USER/PASS, as login()) or an OAuth2 access token (loginWithToken()).
   * Returns how: "USER/PASS", "XOAUTH2" or "OAUTHBEARER".
   */
  async signIn(credential: Credential): Promise<string> {
    if (credential.kind === 'oauth2') return this.loginWithToken(credential.username, credential.accessToken);
    await this.login(credential.username, credential.password);
    return 'USER/PASS';
  }

  /**
   * AUTH XOAUTH2 or AUTH OAUTHBEARER (RFC 5034), whichever the SASL line of CAPA offers (XOAUTH2
   * first: every provider that has OAuth2 POP3 takes it; XOAUTH2 when CAPA lists no SASL line).
   * The initial response goes on the AUTH line, or after the server's "+ " when the line would be
   * longer than 255 octets. A refused token comes back as an error challenge ("+ <base64 JSON>"),
   * answered as the mechanism says so that the server sends its final -ERR: Pop3Error 'auth' (or
   * the kind of its response code, e.g. sys-temp when the authorization server is down).
   * 'auth-unavailable' when CAPA lists SASL mechanisms but neither of these.
   * The transcript shows "AUTH XOAUTH2 [redacted]", never the token.
   */
  async loginWithToken(username: string, accessToken: string): Promise<OAuthMechanism> {
    checkArgument('username', username, false);
    checkArgument('access token', accessToken, false);
    const offered = this.capabilityLines.find((c) => /^SASL(\s|$)/i.test(c));
    const mechanism = offered === undefined ? 'XOAUTH2' : chooseOAuthMechanism(offered.split(/\s+/).slice(1), 'XOAUTH2');
    if (!mechanism) throw new Pop3Error('auth-unavailable', `the server offers no OAuth2 mechanism (${offered ?? 'no SASL line'})`, { command: 'AUTH' });
    return this.enqueue(async () => {
      const label = `AUTH ${mechanism}`;
      const response = oauthResponse(mechanism, username, accessToken, this.server);
      let status: string;
      if (label.length + 1 + response.length <= MAX_AUTH_COMMAND) {
        status = await this.exchange(`${label} ${response}`, `${label} [redacted]`, label);
      } else {
        status = await this.exchange(label, undefined, label);
        if (isContinuation(status)) status = await this.exchange(response, '[redacted]', label);
      }
      if (isContinuation(status)) {
        // The token was refused; the server says why in the challenge and waits for our answer.
        this.emit('info', `error challenge: ${describeFailureChallenge(status.slice(1))}`);
        const answer = failureAnswer(mechanism);
        status = await this.exchange(answer, answer === '' ? '(empty response)' : undefined, label);
        if (isContinuation(status)) throw this.protocolError(`the server sent a second challenge after the error challenge to ${label}`, label, status);
      }
      if (isOk(status)) return mechanism;
      if (isErr(status)) throw this.errFor({ ok: false, status, body: Buffer.alloc(0) }, label, 'auth');
      throw this.protocolError(`unexpected reply to ${label}: ${status}`, label, status);
    });
  }

  stat(): Promise<{ count: number; size: number }> {
    return this.enqueue(async () => {
      const reply = this.expectOk(await this.run('STAT'), 'STAT');
      const m = /^\+OK\s+(\d+)\s+(\d+)/i.exec(reply.status);
      if (!m) throw this.protocolError(`cannot parse STAT reply: ${reply.status}`, 'STAT');
      return { count: Number(m[1]), size: Number(m[2]) };
    });
  }

  list(): Promise<Pop3ListEntry[]> {
    return this.enqueue(async () => {
      const reply = this.expectOk(await this.run('LIST', { multiline: true }), 'LIST');
      return bodyLines(reply.body).map((line) => {
        const m = /^(\d+)\s+(\d+)/.exec(line);
        if (!m) throw this.protocolError(`cannot parse LIST line: ${line}`, 'LIST');
        return { id: Number(m[1]), size: Number(m[2]) };
      });
    });
  }

  uidl(): Promise<Pop3UidlEntry[]> {
    return this.enqueue(async () => {
      const reply = this.expectOk(await this.run('UIDL', { multiline: true }), 'UIDL');
      return bodyLines(reply.body).map((line) => {
        const m = /^(\d+)\s+(\S+)/.exec(line);
        if (!m) throw this.protocolError(`cannot parse UIDL line: ${line}`, 'UIDL');
        return { id: Number(m[1]), uid: m[2]! };
      });
    });
  }

  /** The header, the blank line and the first `lines` lines of the body. */
  async top(id: number, lines: number): Promise<Buffer> {
    checkNumber('id', id, 1);
    checkNumber('lines', lines, 0);
    const command = `TOP ${id} ${lines}`;
    return this.enqueue(async () => this.expectOk(await this.run(command, { multiline: true }), command).body);
  }

  /** The whole message, byte-exact. */
  async retr(id: number): Promise<Buffer> {
    checkNumber('id', id, 1);
    const command = `RETR ${id}`;
    return this.enqueue(async () => this.expectOk(await this.run(command, { multiline: true }), command).body);
  }

  async dele(id: number): Promise<void> {
    checkNumber('id', id, 1);
    return this.simple(`DELE ${id}`);
  }

  rset(): Promise<void> {
    return this.simple('RSET');
  }

  noop(): Promise<void> {
    return this.simple('NOOP');
  }

  /**
   * QUIT (the server then removes messages marked with DELE), then close. Rejects when QUIT gets
   * -ERR or the connection was already lost (deletions may not have happened). Calling it again
   * returns the first call's outcome; after close() it resolves without sending anything.
   */
  quit(): Promise<void> {
    this.quitting ??= (async () => {
      if (this.closedByCaller) return;
      try {
        await this.enqueue(async () => {
          this.expectOk(await this.run('QUIT'), 'QUIT');
        });
      } finally {
        this.shutdown('closed after QUIT');
      }
    })();
    return this.quitting;
  }

  /** Destroys the connection now; a pending call fails with kind 'closed'. */
  close(): void {
    if (this.closedReason === null) this.closedByCaller = true;
    this.fail(new Pop3Error('closed', 'connection closed by the client'));
  }

  // -------------------------------------------------------------------------------------------

  private simple(command: string): Promise<void> {
    return this.enqueue(async () => {
      this.expectOk(await this.run(command), command);
    });
  }

  /** Why the connection is unusable, once it is. */
  private get closedReason(): string | null {
    return this.reason ?? this.conn.closedBy?.message ?? null;
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.closedReason !== null) throw new Pop3Error('closed', `connection is closed (${this.closedReason})`);
      return task();
    });
    this.queue = run.then(noop, noop);
    return run;
  }

  /** Sends one command and reads its reply (and the body of a multi-line +OK reply). */
  private async run(line: string, options: RunOptions = {}): Promise<Reply> {
    const label = options.label ?? line;
    if (this.closedReason !== null) throw new Pop3Error('closed', `connection is closed (${this.closedReason})`, { command: label });
    this.conn.write(line, options.display);
    const status = await this.readStatus(label);
    if (isErr(status)) return { ok: false, status, body: Buffer.alloc(0) };
    if (!isOk(status)) throw this.protocolError(`unexpected reply to ${label}: ${status}`, label, status);
    if (!options.multiline) return { ok: true, status, body: Buffer.alloc(0) };
    const body = await this.readBody(label);
    return { ok: true, status, body: body.toBuffer() };
  }

  /** One line of a SASL exchange and the status line that answers it (+OK, -ERR or a "+" continuation). */
  private async exchange(line: string, display: string | undefined, label: string): Promise<string> {
    if (this.closedReason !== null) throw new Pop3Error('closed', `connection is closed (${this.closedReason})`, { command: label });
    this.conn.write(line, display);
    return this.readStatus(label);
  }

  private async capa(): Promise<string[]> {
    const reply = await this.run('CAPA', { multiline: true });
    if (!reply.ok) return [];
    return bodyLines(reply.body, 'utf8')
      .map((l) => l.trim())
      .filter((l) => l.length > 0);
  }

  private expectOk(reply: Reply, command: string): Reply {
    if (!reply.ok) throw this.errFor(reply, command, 'err');
    return reply;
  }

  private errFor(reply: Reply, command: string, fallback: Pop3ErrorKind): Pop3Error {
    return new Pop3Error(kindOfErr(reply.status, fallback), `${command.split(' ')[0]} failed: ${reply.status}`, { response: reply.status, command });
  }

  /** A protocol error leaves the session in an unknown state: the connection is closed. */
  private protocolError(message: string, command?: string, response?: string): Pop3Error {
    const err = new Pop3Error('protocol', message, { command, response });
    this.fail(err);
    return err;
  }

  private async readStatus(what: string): Promise<string> {
    if (this.closedReason !== null) throw new Pop3Error('closed', `connection is closed (${this.closedReason})`, { command: what });
    try {
      return await this.conn.readLine(this.timeoutMs, phaseOf(what));
    } catch (err) {
      throw this.readError(err, what, false);
    }
  }

  /** The body of a multi-line response after its +OK line: byte-exact, dot-unstuffed, any line length. */
  private async readBody(what: string): Promise<MultilineBody> {
    const body = new MultilineBody();
    try {
      await this.conn.read((line) => (body.add(line) ? body : undefined), this.timeoutMs, phaseOf(what), Number.POSITIVE_INFINITY);
    } catch (err) {
      throw this.readError(err, what, true);
    }
    this.emit('server', `[${body.lines} lines, ${body.size} bytes]`);
    return body;
  }

  /** A failed read as a Pop3Error; our own reason when we ended the connection. */
  private readError(err: unknown, what: string, inBody: boolean): Pop3Error {
    if (err instanceof NetError && err.cause instanceof Pop3Error) return err.cause;
    if (!(err instanceof NetError)) return err instanceof Pop3Error ? err : new Pop3Error('protocol', String(err), { command: cmd(what) });
    const command = cmd(what);
    switch (err.kind) {
      case 'timeout':
        return new Pop3Error('timeout', err.message, { command, cause: err });
      case 'protocol':
        return new Pop3Error('protocol', err.message, { command, cause: err });
      case 'closed': {
        const partial = inBody || this.conn.unread > 0 || err.message.includes('middle');
        const message = partial ? `the server closed the connection in the middle of the reply to ${what}` : `the server closed the connection without replying to ${what}`;
        return new Pop3Error('closed', message, { command, cause: err });
      }
      default:
        return new Pop3Error('closed', `connection lost: ${err.message}`, { command, cause: err });
    }
  }

  /** Marks the connection unusable and ends it; a pending read fails with `err`. */
  private fail(err: Pop3Error): void {
    this.reason ??= err.message;
    this.conn.fail(new NetError(err.kind === 'timeout' ? 'timeout' : 'closed', err.message, err.kind === 'timeout' ? 'ETIMEDOUT' : 'ECONNCLOSED', err));
  }

  private shutdown(reason: string): void {
    this.fail(new Pop3Error('closed', reason));
  }

  private emit(dir: Pop3TranscriptLine['dir'], text: string, redacted = false): void {
    emitTo(this.onLine, dir, text, redacted);
  }
}

// ---------------------------------------------------------------------------------------------

/** The waiter's label as an error's `command` (undefined for the greeting). */
function cmd(what: string): string | undefined {
  return what === 'greeting' ? undefined : what;
}

function isOk(line: string): boolean {
  return /^\+OK(?:\s|$)/i.test(line);
}

/** A SASL continuation: "+" alone or "+ <base64>" (never "+OK"). */
function isContinuation(line: string): boolean {
  return /^\+(?: |$)/.test(line);
}

function isErr(line: string): boolean {
  return /^-ERR(?:\s|$)/i.test(line);
}

function bodyLines(body: Buffer, encoding: BufferEncoding = 'latin1'): string[] {
  return body
    .toString(encoding)
    .split(/\r?\n/)
    .filter((l) => l.length > 0);
}

function checkArgument(name: string, value: string, mayBeEmpty: boolean): void {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`);
  if (!mayBeEmpty && value.length === 0) throw new RangeError(`${name} is empty`);
  if (/[\r\n\0]/.test(value)) throw new RangeError(`${name} contains a line break or NUL`);
}

function checkNumber(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
}

function emitTo(onLine: Pop3ConnectOptions['onLine'], dir: Pop3TranscriptLine['dir'], text: string, redacted = false): void {
  if (!onLine) return;
  try {
    onLine(redacted ? { dir, text, redacted: true } : { dir, text });
  } catch {
    // A broken transcript hook must not break the session.
  }
}

/** How a wait is named in a timeout message. */
function phaseOf(what: string): string {
  return what === 'greeting' ? 'the greeting' : `the reply to ${what}`;
}

/** A failed connection (and implicit-TLS handshake) as a Pop3Error; the socket's error is its cause. */
function connectError(err: unknown, host: string, port: number, timeoutMs: number): Pop3Error {
  if (!(err instanceof NetError)) return new Pop3Error('closed', `could not connect to ${host}:${port}: ${String(err)}`, { cause: err });
  if (err.kind === 'tls') return handshakeError(err, host, timeoutMs);
  if (err.kind === 'timeout') return new Pop3Error('timeout', `could not connect to ${host}:${port} within ${timeoutMs} ms`, { cause: err });
  return new Pop3Error('closed', `could not connect to ${host}:${port}: ${err.message}`, { cause: err });
}

function handshakeError(err: unknown, host: string, timeoutMs: number): Pop3Error {
  if (!(err instanceof NetError)) return new Pop3Error('tls', `TLS handshake with ${host} failed: ${String(err)}`, { cause: err });
  if (err.cause instanceof Pop3Error) return err.cause;
  if (err.kind === 'timeout') return new Pop3Error('timeout', `TLS handshake with ${host} did not finish within ${timeoutMs} ms`, { cause: err });
  if (err.kind === 'protocol') return new Pop3Error('protocol', err.message, { cause: err });
  return new Pop3Error('tls', `TLS handshake with ${host} failed: ${err.message}${err.code ? ` (${err.code})` : ''}`, { cause: err });
}

/**
 * The one line-oriented socket for SMTP, IMAP and POP3 conversations we hold ourselves (the
 * verification probes, discovery, the POP3 client): connect (plain or implicit TLS), upgrade in
 * place (STARTTLS / STLS), read CRLF lines as Buffers (byte-exact, for POP3 bodies) or as text,
 * every wait bounded by a timeout and an optional abort signal.
 *
 * Protections kept in one place:
 * - a line longer than `maxLineBytes` ends the connection (a server that never sends CRLF cannot
 *   make us buffer without bound), and so do more than `maxUnsolicitedBytes` nobody asked for;
 * - data received after the STARTTLS reply and before the handshake is refused (CVE-2011-0411:
 *   it would be read as if it came over TLS);
 * - the transcript sink gets every line; a line marked secret is recorded as the caller's
 *   `shown` text (e.g. "PASS [redacted]") with redacted=true, never the line itself.
 * Failures are NetErrors whose `code` is the socket's errno ("ECONNREFUSED"), "ETIMEDOUT" for our
 * deadlines or "ECONNCLOSED" for a close; net/errors.ts turns them into our codes.
 */
import net from 'node:net';
import tls from 'node:tls';
import { LineBuffer, lineText } from './lines';

export type NetErrorKind = 'timeout' | 'closed' | 'socket' | 'tls' | 'protocol' | 'aborted';

export class NetError extends Error {
  override readonly name = 'NetError';
  constructor(
    readonly kind: NetErrorKind,
    message: string,
    /** The socket's errno or TLS code; ETIMEDOUT for our deadlines; ECONNCLOSED for a close. */
    readonly code?: string,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

export type TranscriptSink = (dir: 'client' | 'server' | 'info', text: string, redacted?: boolean) => void;

export interface OpenOptions {
  host: string;
  port: number;
  /** Implicit TLS from the first byte with these options; plain TCP when absent. */
  tls?: tls.ConnectionOptions;
  /** A resolver to use instead of the system's (discovery pins the addresses it resolved). */
  lookup?: net.LookupFunction;
  /** Budget for the TCP connection and (for implicit TLS) the handshake. */
  timeoutMs: number;
  signal?: AbortSignal;
  sink?: TranscriptSink;
  /** Longest line accepted when a read does not say otherwise; default 64 KiB. */
  maxLineBytes?: number;
  /** Bytes accepted while nobody reads; default 64 KiB. */
  maxUnsolicitedBytes?: number;
}

const DEFAULT_MAX_LINE = 64 * 1024;
const noop = (): void => undefined;

const socketError = (e: Error & { code?: string }, kind: NetErrorKind = 'socket') =>
  e instanceof NetError ? e : new NetError(kind, e.message, typeof e.code === 'string' ? e.code : undefined, e);

/** Waits for `event` on a fresh socket, bounded by `timeoutMs` and `signal`; destroys it on failure. */
function settle(socket: net.Socket, event: 'connect' | 'secureConnect', timeoutMs: number, what: string, signal?: AbortSignal, tcpUp = false): Promise<void> {
  return new Promise((resolve, reject) => {
    // An error before the TCP connection is up is the socket's (refused, unreachable); after it,
    // while waiting for secureConnect, it is the handshake's.
    let kind: NetErrorKind = event === 'secureConnect' && tcpUp ? 'tls' : 'socket';
    const onTcp = () => {
      if (event === 'secureConnect') kind = 'tls';
    };
    const done = (err?: NetError) => {
      clearTimeout(timer);
      socket.off(event, onOk).off('error', onError).off('close', onClose).off('connect', onTcp);
      signal?.removeEventListener('abort', onAbort);
      if (!err) return resolve();
      socket.destroy();
      reject(err);
    };
    const onOk = () => done();
    const onError = (e: Error) => done(socketError(e, kind));
    // A close during the handshake is the handshake failing (a plain-text server that hung up on
    // our ClientHello), not a connection lost in the middle of a conversation.
    const onClose = () =>
      done(kind === 'tls' ? new NetError('tls', `the connection closed during ${what}`) : new NetError('closed', `the connection closed during ${what}`, 'ECONNCLOSED'));
    const onAbort = () => done(abortError(signal!));
    const timer = setTimeout(() => done(new NetError('timeout', `${what} did not finish within ${timeoutMs} ms`, 'ETIMEDOUT')), timeoutMs);
    socket.once(event, onOk).once('error', onError).once('close', onClose);
    if (!tcpUp) socket.once('connect', onTcp);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortError(signal: AbortSignal): NetError {
  const reason: unknown = signal.reason;
  return reason instanceof NetError ? reason : new NetError('aborted', reason instanceof Error ? reason.message : 'cancelled', undefined, reason);
}

/** SNI for a host name (never for an IP address, which TLS forbids). */
const withServerName = (host: string, options: tls.ConnectionOptions): tls.ConnectionOptions =>
  options.servername !== undefined || net.isIP(host) ? options : { ...options, servername: host };

interface Reader<T> {
  take: (line: Buffer) => T | undefined;
  maxLineBytes: number;
  timer: NodeJS.Timeout;
  resolve: (value: T) => void;
  reject: (err: NetError) => void;
}

export class LineSocket {
  private readonly buffer = new LineBuffer();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- one reader of any result type at a time
  private reader: Reader<any> | null = null;
  private failure: NetError | null = null;
  /** The server closed the connection: lines it sent before that can still be read. */
  private drainable = false;
  private readonly maxLineBytes: number;
  private readonly maxUnsolicitedBytes: number;
  private readonly sink: TranscriptSink;
  /** The socket the connection began with (the plain one under a STARTTLS upgrade). */
  private readonly tcp: net.Socket;

  private constructor(
    private socket: net.Socket,
    private readonly host: string,
    private readonly signal: AbortSignal | undefined,
    options: OpenOptions,
  ) {
    this.tcp = socket;
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE;
    this.maxUnsolicitedBytes = options.maxUnsolicitedBytes ?? DEFAULT_MAX_LINE;
    this.sink = options.sink ?? noop;
    this.attach(socket);
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Connects (and, with `tls`, completes the handshake; the certificate is verified per those options). */
  static async open(options: OpenOptions): Promise<LineSocket> {
    const { host, port, timeoutMs, signal } = options;
    if (signal?.aborted) throw abortError(signal);
    const socket = options.tls
      ? tls.connect({ ...withServerName(host, options.tls), host, port, ...(options.lookup ? { lookup: options.lookup } : {}) })
      : net.connect({ host, port, ...(options.lookup ? { lookup: options.lookup } : {}) });
    // A late error on a socket nobody reads any more must not become an uncaught exception.
    socket.on('error', noop);
    await settle(socket, options.tls ? 'secureConnect' : 'connect', timeoutMs, options.tls ? `the connection and TLS handshake with ${host}` : `the connection to ${host}:${port}`, signal);
    return new LineSocket(socket, host, signal, options);
  }

  /** The current socket (a TLSSocket after implicit TLS or an upgrade), to inspect its certificate. */
  get raw(): net.Socket {
    return this.socket;
  }

  get tlsSocket(): tls.TLSSocket | null {
    return this.socket instanceof tls.TLSSocket ? this.socket : null;
  }

  /** Why the connection is unusable, once it is. */
  get closedBy(): NetError | null {
    return this.failure;
  }

  /** Bytes received and not read yet. */
  get unread(): number {
    return this.buffer.length;
  }

  /**
   * Feeds each complete line (with its line ending) to `take` until it returns a value, which is
   * the result. The clock restarts whenever bytes arrive, so a long body on a slow link is fine
   * and a silent server is not.
   */
  read<T>(take: (line: Buffer) => T | undefined, timeoutMs: number, what = 'a reply', maxLineBytes = this.maxLineBytes): Promise<T> {
    if (this.failure && !this.drainable) return Promise.reject(this.failure);
    if (this.reader) return Promise.reject(new Error('internal: two reads at once'));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new NetError('timeout', `no data from the server for ${timeoutMs} ms while waiting for ${what}`, 'ETIMEDOUT')), timeoutMs);
      this.reader = { take, maxLineBytes, timer, resolve, reject };
      this.pump();
    });
  }

  /** One line as text (UTF-8, without its line ending), recorded in the transcript. */
  readLine(timeoutMs: number, what?: string): Promise<string> {
    return this.read((line) => {
      const text = lineText(line);
      this.sink('server', text);
      return text;
    }, timeoutMs, what);
  }

  /** Sends a line. `shown` is what the transcript records instead, for lines that carry secrets. */
  write(line: string, shown?: string): void {
    this.sink('client', shown ?? line, shown !== undefined);
    this.socket.write(`${line}\r\n`);
  }

  /** Sends bytes as they are (an IMAP literal); the caller records them in the transcript. */
  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Records a note in the transcript (the TLS parameters, for instance). */
  note(text: string): void {
    this.sink('info', text);
  }

  /**
   * STARTTLS / STLS once the server agreed: wraps the same connection in TLS. Anything the server
   * sent after its "go ahead" and before the handshake is refused (CVE-2011-0411).
   */
  async upgrade(options: tls.ConnectionOptions, timeoutMs: number): Promise<tls.TLSSocket> {
    if (this.failure) throw this.failure;
    if (this.buffer.length > 0) {
      const err = new NetError('protocol', 'the server sent data after agreeing to STARTTLS, before the TLS handshake (refused)');
      this.fail(err);
      throw err;
    }
    const plain = this.socket;
    this.detach(plain);
    const secure = tls.connect({ ...withServerName(this.host, options), socket: plain });
    secure.on('error', noop);
    this.socket = secure;
    try {
      await settle(secure, 'secureConnect', timeoutMs, `the TLS handshake with ${this.host}`, this.signal, true);
    } catch (err) {
      this.fail(err as NetError);
      throw err;
    }
    this.attach(secure);
    return secure;
  }

  /** Ends the connection now; a pending read fails with kind 'closed'. */
  close(): void {
    this.fail(new NetError('closed', 'connection closed by the client', 'ECONNCLOSED'));
  }

  /** Marks the connection unusable, rejects the pending read with `err`, destroys the socket. */
  fail(err: NetError): void {
    this.failure ??= err;
    const r = this.reader;
    if (r) {
      clearTimeout(r.timer);
      this.reader = null;
      r.reject(err);
    }
    this.signal?.removeEventListener('abort', this.onAbort);
    this.socket.destroy();
    // After STARTTLS the TCP socket lies under the TLS one: end it too, whatever TLS did.
    this.tcp.destroy();
  }

  private pump(): void {
    for (;;) {
      const r = this.reader;
      if (!r) return;
      const line = this.failure && !this.drainable ? null : this.buffer.shift();
      if (line === null) {
        if (this.failure) {
          // The server closed the connection and every complete line it sent has been read.
          clearTimeout(r.timer);
          this.reader = null;
          r.reject(this.failure);
        } else if (this.buffer.length > r.maxLineBytes) this.fail(new NetError('protocol', `the server sent a line longer than ${r.maxLineBytes} bytes`));
        return;
      }
      const value: unknown = r.take(line);
      if (value !== undefined) {
        clearTimeout(r.timer);
        this.reader = null;
        r.resolve(value);
      }
    }
  }

  private readonly onData = (chunk: Buffer): void => {
    this.buffer.push(chunk);
    if (!this.reader) {
      if (this.buffer.length > this.maxUnsolicitedBytes) this.fail(new NetError('protocol', 'too much unsolicited data from the server'));
      return;
    }
    this.reader.timer.refresh();
    this.pump();
  };

  private readonly onClose = (): void => {
    if (this.failure) return;
    const midReply = this.buffer.length > 0;
    this.drainable = true;
    this.fail(new NetError('closed', midReply ? 'the server closed the connection in the middle of a reply' : 'the server closed the connection', 'ECONNCLOSED'));
  };

  private readonly onError = (e: Error): void => {
    if (!this.failure) this.fail(socketError(e));
  };

  private readonly onAbort = (): void => {
    if (this.signal) this.fail(abortError(this.signal));
  };

  private attach(socket: net.Socket): void {
    socket.on('data', this.onData).on('end', this.onClose).on('close', this.onClose).on('error', this.onError);
  }

  private detach(socket: net.Socket): void {
    socket.off('data', this.onData).off('end', this.onClose).off('close', this.onClose).off('error', this.onError);
  }
}

/**
 * A line-oriented socket for the verification probes: reads CRLF lines from a plain or TLS socket,
 * bounded by a timeout, and can be upgraded to TLS in place (STARTTLS). Every line in and out goes
 * to the transcript; a line marked secret is recorded as "[redacted]".
 */
import { connect as netConnect, type Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';

export class ProbeError extends Error {
  constructor(
    readonly kind: 'timeout' | 'closed' | 'socket',
    message: string,
    readonly errno?: string,
  ) {
    super(message);
    this.name = 'ProbeError';
  }
}

export interface LineSink {
  (dir: 'client' | 'server' | 'info', text: string, redacted?: boolean): void;
}

export class LineSocket {
  private buffer = '';
  private lines: string[] = [];
  private waiter: { resolve: (line: string) => void; reject: (e: Error) => void } | null = null;
  private ended: Error | null = null;

  private constructor(
    private socket: Socket | TLSSocket,
    private readonly sink: LineSink,
  ) {
    this.attach(socket);
  }

  static async open(options: { host: string; port: number; tls?: ConnectionOptions; timeoutMs: number; sink: LineSink }): Promise<LineSocket> {
    const { host, port, timeoutMs } = options;
    const socket = await new Promise<Socket | TLSSocket>((resolve, reject) => {
      const s = options.tls
        ? tlsConnect({ ...options.tls, host, port })
        : netConnect({ host, port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new ProbeError('timeout', `no connection within ${timeoutMs} ms`, 'ETIMEDOUT'));
      }, timeoutMs);
      s.once(options.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        s.destroy();
        reject(new ProbeError('socket', e.message, e.code));
      });
    });
    return new LineSocket(socket, options.sink);
  }

  get raw(): Socket | TLSSocket {
    return this.socket;
  }

  private attach(socket: Socket | TLSSocket) {
    const decoder = new StringDecoder('utf8');
    socket.on('data', (chunk: Buffer) => {
      this.buffer += decoder.write(chunk);
      let at: number;
      while ((at = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, at).replace(/\r$/, '');
        this.buffer = this.buffer.slice(at + 1);
        this.lines.push(line);
      }
      this.flush();
    });
    const end = (error: Error) => {
      this.ended ??= error;
      this.flush();
    };
    socket.on('error', (e: NodeJS.ErrnoException) => end(new ProbeError('socket', e.message, e.code)));
    socket.on('close', () => end(new ProbeError('closed', 'the server closed the connection')));
  }

  private flush() {
    if (!this.waiter) return;
    const line = this.lines.shift();
    if (line !== undefined) {
      const w = this.waiter;
      this.waiter = null;
      this.sink('server', line);
      w.resolve(line);
    } else if (this.ended) {
      const w = this.waiter;
      this.waiter = null;
      w.reject(this.ended);
    }
  }

  readLine(timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new ProbeError('timeout', `no answer within ${timeoutMs} ms`, 'ETIMEDOUT'));
      }, timeoutMs);
      this.waiter = {
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.flush();
    });
  }

  /** Sends a line. `shown` is what the transcript records instead, for lines that carry secrets. */
  write(line: string, shown?: string): void {
    this.sink('client', shown ?? line, shown !== undefined);
    this.socket.write(`${line}\r\n`);
  }

  /** STARTTLS: wraps the same connection in TLS. Data the server sent before the handshake is dropped (RFC 3207 section 6). */
  async upgrade(options: ConnectionOptions, timeoutMs: number): Promise<TLSSocket> {
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    plain.removeAllListeners('error');
    this.buffer = '';
    this.lines = [];
    const secure = await new Promise<TLSSocket>((resolve, reject) => {
      const s = tlsConnect({ ...options, socket: plain });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new ProbeError('timeout', `TLS handshake not finished within ${timeoutMs} ms`, 'ETIMEDOUT'));
      }, timeoutMs);
      s.once('secureConnect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        s.destroy();
        reject(new ProbeError('socket', e.message, e.code));
      });
    });
    this.socket = secure;
    this.ended = null;
    this.attach(secure);
    return secure;
  }

  close(): void {
    this.socket.destroy();
  }
}

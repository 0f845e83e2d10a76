/**
 * Asks one server, briefly, whether it is a mail server we could use safely: connect, read the
 * greeting, ask for capabilities, and (for STARTTLS ports) require STARTTLS and complete it. Every
 * TLS session must verify the certificate for the host name. No login is tried: the probe never
 * sees a password. One deadline covers the whole conversation.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { ServerProtocol } from '../../../shared/discovery';
import { tlsOptionsFor } from '../tls-trust';
import { fixedLookup, type ResolvedAddress } from './dns';
import { describeConnectionError, isNoConnection } from './net-errors';

export interface ProbeTarget {
  protocol: ServerProtocol;
  host: string;
  port: number;
  /** 'tls': implicit TLS from the first byte. 'starttls': plain connection that must upgrade. */
  security: 'tls' | 'starttls';
}

export interface ProbeContext {
  addresses: ResolvedAddress[];
  timeoutMs: number;
  extraCertificateAuthorities?: readonly string[];
  signal: AbortSignal;
}

export type ProbeOutcome =
  | { ok: true; detail: string }
  /** noConnection: nothing listens there (refused, unreachable), as opposed to a server that answered badly. */
  | { ok: false; noConnection: boolean; detail: string };

/** What we say in EHLO: an address literal, as smtp.ts does, so the machine's name does not leak. */
const EHLO_NAME = '[127.0.0.1]';
const MAX_LINE = 8 * 1024;
const MAX_REPLY_LINES = 200;
/** After QUIT/LOGOUT we wait this long for the goodbye, so the server does not log a dropped client. */
const GOODBYE_WAIT_MS = 300;

class ProbeFailure extends Error {}

const clip = (s: string) => (s.length > 80 ? `${s.slice(0, 77)}...` : s);

/** Reads CRLF-terminated lines from whichever socket is current (plain, then TLS after STARTTLS). */
class LineReader {
  private pending = '';
  private readonly queue: string[] = [];
  private waiter?: { resolve: (line: string) => void; reject: (err: Error) => void };
  private failure?: Error;
  private socket?: net.Socket;

  private readonly onData = (chunk: Buffer) => {
    // latin1 maps bytes 1:1, so a multi-byte character split across chunks cannot break a line.
    this.pending += chunk.toString('latin1');
    let i: number;
    while ((i = this.pending.indexOf('\n')) >= 0) {
      this.queue.push(this.pending.slice(0, i).replace(/\r$/, ''));
      this.pending = this.pending.slice(i + 1);
    }
    if (this.pending.length > MAX_LINE) this.fail(new ProbeFailure('the server sent a line that is far too long'));
    this.flush();
  };
  private readonly onError = (err: Error) => this.fail(err);
  private readonly onClose = () => this.fail(new ProbeFailure('the server closed the connection'));

  use(socket: net.Socket): void {
    this.detach();
    this.socket = socket;
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  /** Stops reading (before STARTTLS hands the socket to TLS) and returns the socket. */
  detach(): net.Socket | undefined {
    const socket = this.socket;
    socket?.off('data', this.onData).off('error', this.onError).off('close', this.onClose);
    this.socket = undefined;
    return socket;
  }

  /** Data received but not read yet: after a STARTTLS reply there must be none (CVE-2011-0411). */
  hasUnread(): boolean {
    return this.pending.length > 0 || this.queue.length > 0;
  }

  write(line: string): void {
    this.socket?.write(`${line}\r\n`);
  }

  line(): Promise<string> {
    const next = this.queue.shift();
    if (next !== undefined) return Promise.resolve(next);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  fail(err: Error): void {
    this.failure ??= err;
    this.flush();
  }

  private flush(): void {
    const waiter = this.waiter;
    if (!waiter) return;
    const next = this.queue.shift();
    if (next !== undefined) {
      this.waiter = undefined;
      waiter.resolve(next);
    } else if (this.failure) {
      this.waiter = undefined;
      waiter.reject(this.failure);
    }
  }
}

/** Verification on, against the system roots plus the extra authorities (the app's one trust policy). */
const tlsOptions = (host: string, ctx: ProbeContext) => tlsOptionsFor(host, { extraCertificateAuthorities: ctx.extraCertificateAuthorities });

/** The probe's one socket at a time, and how to stop it. */
class Session {
  socket?: net.Socket;
  readonly reader = new LineReader();

  constructor(
    readonly target: ProbeTarget,
    readonly ctx: ProbeContext,
    readonly signal: AbortSignal,
  ) {}

  private waitFor(socket: net.Socket, event: 'connect' | 'secureConnect'): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = () => done(this.signal.reason as Error);
      const done = (err?: Error) => {
        socket.off(event, onOk).off('error', done);
        this.signal.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const onOk = () => done();
      socket.once(event, onOk).once('error', done);
      if (this.signal.aborted) onAbort();
      else this.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  async open(): Promise<void> {
    const { host, port, security } = this.target;
    const lookup = fixedLookup(this.ctx.addresses);
    const socket =
      security === 'tls'
        ? tls.connect({ host, port, lookup, ...tlsOptions(host, this.ctx) })
        : net.connect({ host, port, lookup });
    // A late error on a socket nobody reads any more must not become an uncaught exception.
    socket.on('error', () => {});
    this.socket = socket;
    await this.waitFor(socket, security === 'tls' ? 'secureConnect' : 'connect');
    this.reader.use(socket);
  }

  async startTls(): Promise<void> {
    if (this.reader.hasUnread()) throw new ProbeFailure('the server sent data before the TLS handshake (refused)');
    const plain = this.reader.detach();
    if (!plain) throw new ProbeFailure('the connection is gone');
    const secure = tls.connect({ socket: plain, ...tlsOptions(this.target.host, this.ctx) });
    secure.on('error', () => {});
    this.socket = secure;
    await this.waitFor(secure, 'secureConnect');
    this.reader.use(secure);
  }

  /** Sends the goodbye command and waits briefly for its answer; problems here no longer matter. */
  async goodbye(command: string): Promise<void> {
    this.reader.write(command);
    await Promise.race([this.reader.line().catch(() => ''), new Promise((r) => setTimeout(r, GOODBYE_WAIT_MS).unref())]);
  }

  close(): void {
    this.reader.detach();
    this.socket?.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// The three conversations

async function smtpReply(reader: LineReader): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  for (;;) {
    const line = await reader.line();
    // "250-PIPELINING" continues, "250 OK" or a bare "250" ends the reply.
    const m = /^(\d{3})([ -]|$)(.*)$/.exec(line);
    if (!m) throw new ProbeFailure(`not an SMTP server (it said "${clip(line)}")`);
    lines.push(m[3] ?? '');
    if (m[2] !== '-') return { code: Number(m[1]), lines };
    if (lines.length > MAX_REPLY_LINES) throw new ProbeFailure('the server sent an endless reply');
  }
}

async function smtpConversation(s: Session): Promise<string> {
  const greeting = await smtpReply(s.reader);
  if (greeting.code !== 220) throw new ProbeFailure(`greeting ${greeting.code} ${clip(greeting.lines.join(' '))}`);
  s.reader.write(`EHLO ${EHLO_NAME}`);
  let ehlo = await smtpReply(s.reader);
  if (ehlo.code !== 250) throw new ProbeFailure(`EHLO refused: ${ehlo.code} ${clip(ehlo.lines.join(' '))}`);
  if (s.target.security === 'starttls') {
    // The first line of the EHLO reply is the server's name; the rest are its extensions.
    if (!ehlo.lines.slice(1).some((l) => /^STARTTLS\b/i.test(l.trim()))) throw new ProbeFailure('no STARTTLS offered');
    s.reader.write('STARTTLS');
    const ready = await smtpReply(s.reader);
    if (ready.code !== 220) throw new ProbeFailure(`STARTTLS refused: ${ready.code} ${clip(ready.lines.join(' '))}`);
    await s.startTls();
    s.reader.write(`EHLO ${EHLO_NAME}`);
    ehlo = await smtpReply(s.reader);
    if (ehlo.code !== 250) throw new ProbeFailure(`EHLO after STARTTLS refused: ${ehlo.code}`);
  }
  await s.goodbye('QUIT');
  return s.target.security === 'tls' ? 'SMTP with TLS' : 'SMTP with STARTTLS';
}

async function imapTagged(reader: LineReader, tag: string): Promise<{ status: string; untagged: string[] }> {
  const untagged: string[] = [];
  for (;;) {
    const line = await reader.line();
    if (line.startsWith(`${tag} `)) return { status: line.slice(tag.length + 1), untagged };
    untagged.push(line);
    if (untagged.length > MAX_REPLY_LINES) throw new ProbeFailure('the server sent an endless reply');
  }
}

async function imapConversation(s: Session): Promise<string> {
  const greeting = await s.reader.line();
  if (!/^\* (OK|PREAUTH)\b/i.test(greeting)) throw new ProbeFailure(`not an IMAP server (it said "${clip(greeting)}")`);
  if (s.target.security === 'starttls') {
    let caps = /\[CAPABILITY ([^\]]*)\]/i.exec(greeting)?.[1];
    if (caps === undefined) {
      s.reader.write('a1 CAPABILITY');
      const reply = await imapTagged(s.reader, 'a1');
      if (!/^OK\b/i.test(reply.status)) throw new ProbeFailure(`CAPABILITY refused: ${clip(reply.status)}`);
      caps = reply.untagged.filter((l) => /^\* CAPABILITY /i.test(l)).join(' ');
    }
    if (!/(^|\s)STARTTLS(\s|$)/i.test(caps)) throw new ProbeFailure('no STARTTLS offered');
    s.reader.write('a2 STARTTLS');
    const reply = await imapTagged(s.reader, 'a2');
    if (!/^OK\b/i.test(reply.status)) throw new ProbeFailure(`STARTTLS refused: ${clip(reply.status)}`);
    await s.startTls();
  }
  await s.goodbye('a3 LOGOUT');
  return s.target.security === 'tls' ? 'IMAP with TLS' : 'IMAP with STARTTLS';
}

async function pop3Conversation(s: Session): Promise<string> {
  const greeting = await s.reader.line();
  if (!greeting.startsWith('+OK')) throw new ProbeFailure(`not a POP3 server (it said "${clip(greeting)}")`);
  if (s.target.security === 'starttls') {
    // RFC 2449 CAPA, RFC 2595 STLS
    s.reader.write('CAPA');
    const first = await s.reader.line();
    if (!first.startsWith('+OK')) throw new ProbeFailure('no STLS offered (no CAPA)');
    const caps: string[] = [];
    for (let line = await s.reader.line(); line !== '.'; line = await s.reader.line()) {
      caps.push(line);
      if (caps.length > MAX_REPLY_LINES) throw new ProbeFailure('the server sent an endless reply');
    }
    if (!caps.some((c) => /^STLS\b/i.test(c))) throw new ProbeFailure('no STLS offered');
    s.reader.write('STLS');
    const ready = await s.reader.line();
    if (!ready.startsWith('+OK')) throw new ProbeFailure(`STLS refused: ${clip(ready)}`);
    await s.startTls();
  }
  await s.goodbye('QUIT');
  return s.target.security === 'tls' ? 'POP3 with TLS' : 'POP3 with STLS';
}

const CONVERSATIONS: Record<ServerProtocol, (s: Session) => Promise<string>> = {
  smtp: smtpConversation,
  imap: imapConversation,
  pop3: pop3Conversation,
};

export async function probeServer(target: ProbeTarget, ctx: ProbeContext): Promise<ProbeOutcome> {
  const timeout = new AbortController();
  const signal = AbortSignal.any([ctx.signal, timeout.signal]);
  const session = new Session(target, ctx, signal);
  const timer = setTimeout(() => timeout.abort(new ProbeFailure(`no answer within ${ctx.timeoutMs / 1000} s`)), ctx.timeoutMs);
  // Abort (deadline or caller) ends the conversation wherever it is: the socket goes, reads fail.
  const onAbort = () => {
    session.reader.fail(signal.reason as Error);
    session.close();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    signal.throwIfAborted();
    await session.open();
    const what = await CONVERSATIONS[target.protocol](session);
    return { ok: true, detail: what };
  } catch (err) {
    if (ctx.signal.aborted) return { ok: false, noConnection: false, detail: 'cancelled' };
    const reason = timeout.signal.aborted ? timeout.signal.reason : err;
    if (reason instanceof ProbeFailure) return { ok: false, noConnection: false, detail: reason.message };
    return { ok: false, noConnection: isNoConnection(reason), detail: describeConnectionError(reason, target.host) };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    session.close();
  }
}

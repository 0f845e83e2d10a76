/**
 * Asks one server, briefly, whether it is a mail server we could use safely: connect, read the
 * greeting, ask for capabilities, and (for STARTTLS ports) require STARTTLS and complete it. Every
 * TLS session must verify the certificate for the host name. No login is tried: the probe never
 * sees a password. One deadline covers the whole conversation.
 */
import type { ErrorCode } from '../../../shared/errors';
import type { ServerProtocol } from '../../../shared/discovery';
import { conversationFailureCode, isNoConnection, shortWords, smtpReplyCode } from '../net/errors';
import { readSmtpReply, smtpHello, type SmtpReply } from '../net/smtp';
import { LineSocket, NetError } from '../net/socket';
import { tlsOptionsFor } from '../tls-trust';
import { fixedLookup, type ResolvedAddress } from './dns';

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
  /**
   * noConnection: nothing listens there (refused, unreachable), as opposed to a server that
   * answered badly. code: the same judgement as sending, checking and reading give; detail: its
   * short words (net/errors.ts shortWords), plus what the server said when it said something.
   */
  | { ok: false; noConnection: boolean; code: ErrorCode; detail: string };

const MAX_LINE = 8 * 1024;
const MAX_REPLY_LINES = 200;
/** After QUIT/LOGOUT we wait this long for the goodbye, so the server does not log a dropped client. */
const GOODBYE_WAIT_MS = 300;

/** A server that answered, but not as a usable mail server: its code and what it said. */
class ProbeFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly said?: string,
  ) {
    super(said ? `${shortWords(code)}: ${said}` : shortWords(code));
  }
}

const clip = (s: string) => (s.length > 80 ? `${s.slice(0, 77)}...` : s);
const said = (reply: SmtpReply) => clip(`${reply.code} ${reply.lines.join(' ')}`.trim());

/** Verification on, against the system roots plus the extra authorities (the app's one trust policy). */
const tlsOptions = (host: string, ctx: ProbeContext) => tlsOptionsFor(host, { extraCertificateAuthorities: ctx.extraCertificateAuthorities });

/** The probe's connection (net/socket.ts: the one line socket), and how it ends. */
class Session {
  conn!: LineSocket;

  constructor(
    readonly target: ProbeTarget,
    readonly ctx: ProbeContext,
    readonly signal: AbortSignal,
  ) {}

  async open(): Promise<void> {
    const { host, port, security } = this.target;
    this.conn = await LineSocket.open({
      host,
      port,
      lookup: fixedLookup(this.ctx.addresses),
      ...(security === 'tls' ? { tls: tlsOptions(host, this.ctx) } : {}),
      // The whole conversation has one deadline (the signal); each wait is bounded by it too.
      timeoutMs: this.ctx.timeoutMs,
      signal: this.signal,
      maxLineBytes: MAX_LINE,
    });
  }

  line(): Promise<string> {
    return this.conn.readLine(this.ctx.timeoutMs);
  }

  write(line: string): void {
    this.conn.write(line);
  }

  async startTls(): Promise<boolean> {
    await this.conn.upgrade(tlsOptions(this.target.host, this.ctx), this.ctx.timeoutMs);
    return true;
  }

  /** Sends the goodbye command and waits briefly for its answer; problems here no longer matter. */
  async goodbye(command: string): Promise<void> {
    this.conn.write(command);
    await Promise.race([this.line().catch(() => ''), new Promise((r) => setTimeout(r, GOODBYE_WAIT_MS).unref())]);
  }

  close(): void {
    this.conn?.close();
  }
}

// ---------------------------------------------------------------------------------------------
// The three conversations

async function smtpConversation(s: Session): Promise<string> {
  const greeting = await readSmtpReply(s.conn, s.ctx.timeoutMs);
  if (greeting.code !== 220) throw new ProbeFailure(smtpReplyCode(greeting.code, 'CONN', undefined), said(greeting));
  const hello = await smtpHello(s.conn, { starttls: s.target.security === 'starttls', replyMs: s.ctx.timeoutMs, upgrade: () => s.startTls() });
  if (!hello.ok) {
    if (hello.failure === 'starttls-not-offered') throw new ProbeFailure('STARTTLS_UNAVAILABLE');
    if (hello.failure === 'starttls-refused') throw new ProbeFailure('STARTTLS_UNAVAILABLE', said(hello.reply));
    if (hello.failure === 'ehlo-refused') throw new ProbeFailure(smtpReplyCode(hello.reply.code, 'EHLO', undefined), said(hello.reply));
    throw new ProbeFailure('TLS_HANDSHAKE_FAILED');
  }
  await s.goodbye('QUIT');
  return s.target.security === 'tls' ? 'SMTP with TLS' : 'SMTP with STARTTLS';
}

async function imapTagged(s: Session, tag: string): Promise<{ status: string; untagged: string[] }> {
  const untagged: string[] = [];
  for (;;) {
    const line = await s.line();
    if (line.startsWith(`${tag} `)) return { status: line.slice(tag.length + 1), untagged };
    untagged.push(line);
    if (untagged.length > MAX_REPLY_LINES) throw new ProbeFailure('PROTOCOL_ERROR', 'the server sent an endless reply');
  }
}

async function imapConversation(s: Session): Promise<string> {
  const greeting = await s.line();
  if (!/^\* (OK|PREAUTH)\b/i.test(greeting)) throw new ProbeFailure('PROTOCOL_ERROR', `it said "${clip(greeting)}"`);
  if (s.target.security === 'starttls') {
    let caps = /\[CAPABILITY ([^\]]*)\]/i.exec(greeting)?.[1];
    if (caps === undefined) {
      s.write('a1 CAPABILITY');
      const reply = await imapTagged(s, 'a1');
      if (!/^OK\b/i.test(reply.status)) throw new ProbeFailure('STARTTLS_UNAVAILABLE', `CAPABILITY refused: ${clip(reply.status)}`);
      caps = reply.untagged.filter((l) => /^\* CAPABILITY /i.test(l)).join(' ');
    }
    if (!/(^|\s)STARTTLS(\s|$)/i.test(caps)) throw new ProbeFailure('STARTTLS_UNAVAILABLE');
    s.write('a2 STARTTLS');
    const reply = await imapTagged(s, 'a2');
    if (!/^OK\b/i.test(reply.status)) throw new ProbeFailure('STARTTLS_UNAVAILABLE', `STARTTLS refused: ${clip(reply.status)}`);
    await s.startTls();
  }
  await s.goodbye('a3 LOGOUT');
  return s.target.security === 'tls' ? 'IMAP with TLS' : 'IMAP with STARTTLS';
}

async function pop3Conversation(s: Session): Promise<string> {
  const greeting = await s.line();
  if (!greeting.startsWith('+OK')) throw new ProbeFailure('PROTOCOL_ERROR', `it said "${clip(greeting)}"`);
  if (s.target.security === 'starttls') {
    // RFC 2449 CAPA, RFC 2595 STLS
    s.write('CAPA');
    const first = await s.line();
    if (!first.startsWith('+OK')) throw new ProbeFailure('STARTTLS_UNAVAILABLE', 'no CAPA');
    const caps: string[] = [];
    for (let line = await s.line(); line !== '.'; line = await s.line()) {
      caps.push(line);
      if (caps.length > MAX_REPLY_LINES) throw new ProbeFailure('PROTOCOL_ERROR', 'the server sent an endless reply');
    }
    if (!caps.some((c) => /^STLS\b/i.test(c))) throw new ProbeFailure('STARTTLS_UNAVAILABLE');
    s.write('STLS');
    const ready = await s.line();
    if (!ready.startsWith('+OK')) throw new ProbeFailure('STARTTLS_UNAVAILABLE', `STLS refused: ${clip(ready)}`);
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
  // The deadline covers the whole conversation: the socket ends with a timeout wherever it is.
  const timer = setTimeout(() => timeout.abort(new NetError('timeout', `no answer within ${ctx.timeoutMs / 1000} s`, 'ETIMEDOUT')), ctx.timeoutMs);
  try {
    await session.open();
    const what = await CONVERSATIONS[target.protocol](session);
    return { ok: true, detail: what };
  } catch (err) {
    if (ctx.signal.aborted) return { ok: false, noConnection: false, code: 'CANCELLED', detail: shortWords('CANCELLED') };
    if (err instanceof ProbeFailure) return { ok: false, noConnection: false, code: err.code, detail: err.message };
    const code = conversationFailureCode(timeout.signal.aborted ? timeout.signal.reason : err);
    return { ok: false, noConnection: isNoConnection(code), code, detail: shortWords(code, target.host) };
  } finally {
    clearTimeout(timer);
    session.close();
  }
}

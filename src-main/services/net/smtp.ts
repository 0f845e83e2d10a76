/**
 * The SMTP greeting words we use everywhere, and the one EHLO / STARTTLS exchange for the
 * conversations we hold ourselves (the verification probe and discovery; sending is nodemailer,
 * told the same EHLO name in services/smtp.ts).
 */
import { NetError, type LineSocket } from './socket';

/**
 * What we say in EHLO: an address literal, as Thunderbird does, so the machine's name (often the
 * person's name: "annas-macbook") does not leak into every message's Received header.
 */
export const EHLO_NAME = '[127.0.0.1]';

/** A reply longer than this many lines is not a reply. */
const MAX_REPLY_LINES = 200;

export interface SmtpReply {
  code: number;
  /** Each line's text after the code and its separator. */
  lines: string[];
  /** The lines as received, for the transcript and the person ("250-PIPELINING"). */
  raw: string[];
}

const clip = (s: string) => (s.length > 80 ? `${s.slice(0, 77)}...` : s);

/** One reply: "250-PIPELINING" continues it, "250 OK" or a bare "250" ends it. */
export async function readSmtpReply(conn: LineSocket, timeoutMs: number): Promise<SmtpReply> {
  const lines: string[] = [];
  const raw: string[] = [];
  for (;;) {
    const line = await conn.readLine(timeoutMs);
    const m = /^(\d{3})([ -]|$)(.*)$/.exec(line);
    if (!m) {
      const err = new NetError('protocol', `not an SMTP server (it said "${clip(line)}")`);
      conn.fail(err);
      throw err;
    }
    lines.push(m[3] ?? '');
    raw.push(line);
    if (m[2] !== '-') return { code: Number(m[1]), lines, raw };
    if (lines.length > MAX_REPLY_LINES) {
      const err = new NetError('protocol', 'the server sent an endless reply');
      conn.fail(err);
      throw err;
    }
  }
}

/** The extensions of an EHLO reply, upper-cased (its first line is the server's name). */
export const capabilitiesOf = (ehlo: SmtpReply): string[] => ehlo.lines.slice(1).map((l) => l.trim().toUpperCase());

export type HelloOutcome =
  | { ok: true; ehlo: SmtpReply; capabilities: string[] }
  | { ok: false; failure: 'ehlo-refused'; reply: SmtpReply; afterTls: boolean }
  | { ok: false; failure: 'starttls-not-offered' }
  | { ok: false; failure: 'starttls-refused'; reply: SmtpReply }
  /** `upgrade` said no (the handshake failed or the certificate was refused); it has said why. */
  | { ok: false; failure: 'upgrade-failed' };

export interface HelloOptions {
  /** STARTTLS is required: without it nothing more is said. */
  starttls: boolean;
  replyMs: number;
  /** Wraps the connection in TLS after the server's 220 and judges it; false: stop. */
  upgrade: () => Promise<boolean>;
  /** The first EHLO reply was 250 (the verification probe shows it as its own stage). */
  onEhlo?: (ehlo: SmtpReply, capabilities: string[]) => void;
}

/** EHLO, then (when required) STARTTLS, the upgrade and EHLO again. The greeting has been read. */
export async function smtpHello(conn: LineSocket, options: HelloOptions): Promise<HelloOutcome> {
  conn.write(`EHLO ${EHLO_NAME}`);
  let ehlo = await readSmtpReply(conn, options.replyMs);
  if (ehlo.code !== 250) return { ok: false, failure: 'ehlo-refused', reply: ehlo, afterTls: false };
  let capabilities = capabilitiesOf(ehlo);
  options.onEhlo?.(ehlo, capabilities);
  if (!options.starttls) return { ok: true, ehlo, capabilities };

  if (!capabilities.some((c) => /^STARTTLS\b/.test(c))) return { ok: false, failure: 'starttls-not-offered' };
  conn.write('STARTTLS');
  const ready = await readSmtpReply(conn, options.replyMs);
  if (ready.code !== 220) return { ok: false, failure: 'starttls-refused', reply: ready };
  if (!(await options.upgrade())) return { ok: false, failure: 'upgrade-failed' };
  conn.write(`EHLO ${EHLO_NAME}`);
  ehlo = await readSmtpReply(conn, options.replyMs);
  if (ehlo.code !== 250) return { ok: false, failure: 'ehlo-refused', reply: ehlo, afterTls: true };
  capabilities = capabilitiesOf(ehlo);
  return { ok: true, ehlo, capabilities };
}

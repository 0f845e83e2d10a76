/**
 * The MIME walk of the bounce parser: headers, multipart bodies, transfer encodings and charsets,
 * bounded in depth, parts and bytes so arbitrary input never makes the work grow.
 *
 * Hand-written rather than mailparser (3.9.31, already used by services/mail/parse.ts) because:
 * - simpleParser folds message/delivery-status into the message text unless keepDeliveryStatus is set,
 *   and it flattens the tree into "text" and "attachments", so the parser could no longer tell a
 *   report at the top (or directly inside a wrapping multipart) from one inside a returned message;
 * - its bounds are not ours: beyond 200-600 child nodes it throws ("Max allowed child nodes exceeded",
 *   so a report with a long returned message would be lost), and it walks any depth: 500 nested
 *   multiparts took 847 ms, where this walk stops at depth 6 and 64 parts;
 * - the report's fields (RFC 3464 groups, text/rfc822-headers, headers quoted in a text bounce) need a
 *   header-line reader of our own anyway, and that reader is most of this file.
 */
import { TextDecoder } from 'node:util';

// Bounds: the report's own words come first; a large returned attachment beyond this is not needed.
export const MAX_SOURCE = 2 * 1024 * 1024;
export const MAX_TEXT = 256 * 1024;
export const MAX_HEADER_CHARS = 64 * 1024;
const MAX_HEADERS = 500;
const MAX_DEPTH = 6;
const MAX_PARTS = 64;

export interface Header {
  name: string; // lower-cased
  value: string; // unfolded, whitespace collapsed
}

export interface Entity {
  headers: Header[];
  type: string; // lower-cased media type
  params: Record<string, string>;
  body: string; // latin1, still transfer-encoded
  children: Entity[];
}

export function parseEntity(raw: string, depth: number, ctx: { parts: number }): Entity {
  const { headers, body } = splitHeaders(raw);
  const { type, params } = parseContentType(headerValue(headers, 'content-type'));
  const children: Entity[] = [];
  const boundary = params.boundary;
  if (type.startsWith('multipart/') && boundary && boundary.length <= 200 && depth < MAX_DEPTH) {
    for (const part of splitMultipart(body, boundary)) {
      if (ctx.parts >= MAX_PARTS) break;
      ctx.parts += 1;
      children.push(parseEntity(part, depth + 1, ctx));
    }
  }
  return { headers, type, params, body, children };
}

/** Header block and body. A block without a blank line after it (text/rfc822-headers) is all headers. */
export function splitHeaders(raw: string, decoded = false): { headers: Header[]; body: string } {
  let headerText: string;
  let body: string;
  const blank = /\r?\n\r?\n/.exec(raw.length > MAX_HEADER_CHARS ? raw.slice(0, MAX_HEADER_CHARS) : raw);
  if (/^\r?\n/.test(raw)) {
    headerText = '';
    body = raw.replace(/^\r?\n/, '');
  } else if (blank) {
    headerText = raw.slice(0, blank.index);
    body = raw.slice(blank.index + blank[0].length);
  } else {
    headerText = raw.slice(0, MAX_HEADER_CHARS);
    body = '';
  }
  return { headers: parseHeaderLines(headerText, decoded), body };
}

/** `decoded`: the text is already characters, not latin1 bytes (headers quoted in a decoded text part). */
export function parseHeaderLines(text: string, decoded = false): Header[] {
  const headers: Header[] = [];
  let current: { name: string; parts: string[] } | null = null;
  const flush = () => {
    if (current && headers.length < MAX_HEADERS) {
      const value = current.parts.join(' ');
      headers.push({ name: current.name, value: (decoded ? value : bytesToText(value)).replace(/\s+/g, ' ').trim() });
    }
    current = null;
  };
  for (const line of text.split(/\r?\n/)) {
    if (/^[ \t]/.test(line)) {
      if (current) (current as { parts: string[] }).parts.push(line.trim());
      continue;
    }
    flush();
    const m = /^([!-9;-~]+)[ \t]*:(.*)$/.exec(line);
    if (m) current = { name: m[1]!.toLowerCase(), parts: [m[2]!.trim()] };
  }
  flush();
  return headers;
}

export function headerValue(headers: readonly Header[], name: string): string | undefined {
  return headers.find((h) => h.name === name)?.value;
}

export function parseContentType(value: string | undefined): { type: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  if (!value) return { type: 'text/plain', params };
  const pieces = splitOutsideQuotes(value, ';');
  const type = (pieces[0] ?? '').trim().toLowerCase() || 'text/plain';
  for (const piece of pieces.slice(1)) {
    const eq = piece.indexOf('=');
    if (eq <= 0) continue;
    const key = piece.slice(0, eq).trim().toLowerCase();
    let val = piece.slice(eq + 1).trim();
    if (val.startsWith('"') && val.endsWith('"') && val.length >= 2) val = val.slice(1, -1).replace(/\\(.)/g, '$1');
    if (key && !(key in params)) params[key] = val;
  }
  return { type, params };
}

export function splitOutsideQuotes(value: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\' && quoted && i + 1 < value.length) {
      cur += c + value[i + 1]!;
      i++;
    } else if (c === '"') {
      quoted = !quoted;
      cur += c;
    } else if (c === sep && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** Parts between boundary lines; a missing closing delimiter (truncated message) keeps the last part. */
export function splitMultipart(body: string, boundary: string): string[] {
  const escaped = boundary.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  const delimiter = new RegExp(`(^|\\r?\\n)--${escaped}(--)?[ \\t]*(?=\\r?\\n|$)`, 'g');
  const parts: string[] = [];
  let start = -1;
  let closed = false;
  let m: RegExpExecArray | null;
  while (parts.length <= MAX_PARTS && (m = delimiter.exec(body)) !== null) {
    if (start >= 0) parts.push(body.slice(start, m.index));
    if (m[2]) {
      closed = true;
      break;
    }
    start = m.index + m[0].length;
  }
  if (!closed && start >= 0) parts.push(body.slice(start));
  return parts.map((p) => p.replace(/^\r?\n/, ''));
}

/** The body's bytes (as latin1) after undoing its Content-Transfer-Encoding, capped. */
export function decodedBody(entity: Entity, cap: number): string {
  const cte = (headerValue(entity.headers, 'content-transfer-encoding') ?? '').toLowerCase();
  if (cte === 'base64') {
    const clean = entity.body.slice(0, Math.ceil((cap * 4) / 3) + 1024).replace(/[^A-Za-z0-9+/]/g, '');
    return Buffer.from(clean.slice(0, clean.length - (clean.length % 4)), 'base64').toString('latin1').slice(0, cap);
  }
  if (cte === 'quoted-printable') {
    return entity.body
      .slice(0, cap * 3)
      .replace(/[ \t]+(?=\r?\n)/g, '')
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
      .slice(0, cap);
  }
  return entity.body.slice(0, cap);
}

export function decodeCharset(latin1: string, charset: string | undefined): string {
  const bytes = Buffer.from(latin1, 'latin1');
  const label = (charset ?? 'utf-8').trim().toLowerCase().split('*')[0] || 'utf-8';
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

/** Header bytes: UTF-8 when valid (message/global, RFC 6532), else latin1 as it came. */
export function bytesToText(latin1: string): string {
  if (!/[\x80-\xff]/.test(latin1)) return latin1;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(latin1, 'latin1'));
  } catch {
    return latin1;
  }
}

export function textOf(entity: Entity): string {
  const decoded = decodeCharset(decodedBody(entity, MAX_TEXT), entity.params.charset);
  return entity.type === 'text/html' ? htmlToText(decoded) : decoded;
}

export function htmlToText(html: string): string {
  return dropElements(html, ['style', 'script', 'head'])
    .replace(/<br\s*\/?>|<\/(p|div|tr|li|h[1-6]|table)\s*>/gi, '\n')
    .replace(/<[^<>]*>/g, '')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/&#39;|&apos;/gi, "'")
    .replace(/&#(\d{1,7});/g, (_, d: string) => safeCodePoint(parseInt(d, 10)))
    .replace(/&#x([0-9a-f]{1,6});/gi, (_, h: string) => safeCodePoint(parseInt(h, 16)))
    .replace(/&amp;/gi, '&')
    .replace(/[ \t]+/g, ' ')
    .replace(/\n /g, '\n');
}

/** Removes <style>...</style> and the like with indexOf, so an unclosed tag cannot make this quadratic. */
export function dropElements(html: string, names: readonly string[]): string {
  const lower = html.toLowerCase();
  let out = '';
  let pos = 0;
  for (let guard = 0; guard < 10_000 && pos < html.length; guard++) {
    let open = -1;
    let name = '';
    for (const n of names) {
      const at = lower.indexOf(`<${n}`, pos);
      if (at >= 0 && (open < 0 || at < open)) [open, name] = [at, n];
    }
    if (open < 0) break;
    out += html.slice(pos, open);
    const close = lower.indexOf(`</${name}`, open);
    const end = close < 0 ? -1 : lower.indexOf('>', close);
    pos = end < 0 ? html.length : end + 1;
  }
  return out + html.slice(pos);
}

export function safeCodePoint(n: number): string {
  return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : '';
}

/** RFC 2047 encoded words, for subjects. */
export function decodeWords(value: string): string {
  return value.replace(
    /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=(?:\s+(?==\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=))?/g,
    (_, charset: string, enc: string, text: string) => {
      const bytes =
        enc.toLowerCase() === 'b'
          ? Buffer.from(text, 'base64').toString('latin1')
          : text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (__, h: string) => String.fromCharCode(parseInt(h, 16)));
      return decodeCharset(bytes, charset);
    },
  );
}

/** Depth-first, not descending into returned messages. */
export function* walk(entity: Entity, depth = 0): Generator<Entity> {
  yield entity;
  if (depth >= MAX_DEPTH) return;
  for (const child of entity.children) yield* walk(child, depth + 1);
}

export const RETURNED_MESSAGE = new Set(['message/rfc822', 'message/global']);
export const RETURNED_HEADERS = new Set(['text/rfc822-headers', 'message/global-headers', 'message/rfc822-headers']);

export function mainText(root: Entity): string {
  let html: Entity | null = null;
  for (const e of walk(root)) {
    if (e.type === 'text/plain' && !isAttachment(e)) return textOf(e);
    if (e.type === 'text/html' && !html && !isAttachment(e)) html = e;
  }
  return html ? textOf(html) : '';
}

export function isAttachment(e: Entity): boolean {
  return /^\s*attachment/i.test(headerValue(e.headers, 'content-disposition') ?? '');
}

/** Headers of the returned message: a message/rfc822 (or global) part, or text/rfc822-headers. */
export function returnedHeaders(root: Entity): Header[] | null {
  for (const e of walk(root)) {
    if (RETURNED_MESSAGE.has(e.type)) return splitHeaders(decodedBody(e, MAX_SOURCE)).headers;
    if (RETURNED_HEADERS.has(e.type)) return splitHeaders(decodedBody(e, MAX_HEADER_CHARS)).headers;
  }
  return null;
}

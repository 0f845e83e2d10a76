/**
 * Recognises delivery reports (bounces, delay and success notices) and reads what they say about each
 * recipient: RFC 3464 / RFC 6533 multipart/report first, then the text forms that Exim, qmail, old
 * Exchange, Gmail and Postfix still send. Arbitrary input never throws and the work is bounded: the MIME
 * walk here is our own because mailparser drops message/delivery-status parts (checked with 3.9.31).
 */
import { TextDecoder } from 'node:util';
import { looksLikeDeliveryReport } from './candidate';

export type ReportKind = 'dsn' | 'postfix' | 'exim' | 'exchange' | 'gmail' | 'qmail' | 'sendmail' | 'other';

export interface RecipientReport {
  /** Final-Recipient address (type prefix removed), domain lower-cased. */
  recipient: string;
  /** Original-Recipient (ORCPT) when present. */
  originalRecipient: string | null;
  action: 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded';
  /** RFC 3463 "5.1.1"; derived from the SMTP code (or the action) when the report has none. */
  status: string;
  /** Diagnostic-Code without its type, unfolded; or the server's words from a text bounce. */
  diagnostic: string | null;
  remoteMta: string | null;
}

export interface DeliveryReport {
  kind: ReportKind;
  reportMessageId: string | null;
  reportingMta: string | null;
  /** Original-Envelope-Id (RFC 3461 ENVID), xtext decoded. */
  envelopeId: string | null;
  /** Message-ID of the returned message (or of the headers quoted in a text bounce), with <>. */
  originalMessageId: string | null;
  originalSubject: string | null;
  /** ISO. Arrival-Date of the report; for text bounces, the report's own Date. */
  arrivalDate: string | null;
  recipients: RecipientReport[];
}

type Action = RecipientReport['action'];

// Bounds: the report's own words come first; a large returned attachment beyond this is not needed.
const MAX_SOURCE = 2 * 1024 * 1024;
const MAX_TEXT = 256 * 1024;
const MAX_HEADER_CHARS = 64 * 1024;
const MAX_HEADERS = 500;
const MAX_DEPTH = 6;
const MAX_PARTS = 64;
const MAX_RECIPIENTS = 200;

export async function parseDeliveryReport(source: Buffer): Promise<DeliveryReport | null> {
  try {
    return parseSync(source);
  } catch {
    // Defensive: a report we cannot read is treated as an ordinary message.
    return null;
  }
}

function parseSync(source: Buffer): DeliveryReport | null {
  if (!Buffer.isBuffer(source) || source.length === 0) return null;
  // latin1 maps every byte to one char, so structure is found on a string and bytes come back intact.
  const raw = source.subarray(0, MAX_SOURCE).toString('latin1');
  const ctx = { parts: 0 };
  const root = parseEntity(raw, 0, ctx);
  if (root.headers.length === 0) return null;

  if (root.type === 'multipart/report') {
    const reportType = (root.params['report-type'] ?? '').toLowerCase();
    // Read receipts, abuse feedback and TLS reports are reports too, but not about delivery.
    if (reportType !== 'delivery-status' && reportType !== 'global-delivery-status') return null;
  }
  const dsn = findReport(root, 0);
  if (dsn) {
    const parsed = fromDeliveryStatus(root, dsn);
    if (parsed) return parsed;
  }
  return fromText(root);
}

// ---------------------------------------------------------------------------------------------
// MIME walk

interface Header {
  name: string; // lower-cased
  value: string; // unfolded, whitespace collapsed
}

interface Entity {
  headers: Header[];
  type: string; // lower-cased media type
  params: Record<string, string>;
  body: string; // latin1, still transfer-encoded
  children: Entity[];
}

function parseEntity(raw: string, depth: number, ctx: { parts: number }): Entity {
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
function splitHeaders(raw: string, decoded = false): { headers: Header[]; body: string } {
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
function parseHeaderLines(text: string, decoded = false): Header[] {
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

function headerValue(headers: readonly Header[], name: string): string | undefined {
  return headers.find((h) => h.name === name)?.value;
}

function parseContentType(value: string | undefined): { type: string; params: Record<string, string> } {
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

function splitOutsideQuotes(value: string, sep: string): string[] {
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
function splitMultipart(body: string, boundary: string): string[] {
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
function decodedBody(entity: Entity, cap: number): string {
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

function decodeCharset(latin1: string, charset: string | undefined): string {
  const bytes = Buffer.from(latin1, 'latin1');
  const label = (charset ?? 'utf-8').trim().toLowerCase().split('*')[0] || 'utf-8';
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

/** Header bytes: UTF-8 when valid (message/global, RFC 6532), else latin1 as it came. */
function bytesToText(latin1: string): string {
  if (!/[\x80-\xff]/.test(latin1)) return latin1;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(latin1, 'latin1'));
  } catch {
    return latin1;
  }
}

function textOf(entity: Entity): string {
  const decoded = decodeCharset(decodedBody(entity, MAX_TEXT), entity.params.charset);
  return entity.type === 'text/html' ? htmlToText(decoded) : decoded;
}

function htmlToText(html: string): string {
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
function dropElements(html: string, names: readonly string[]): string {
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

function safeCodePoint(n: number): string {
  return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : '';
}

/** RFC 2047 encoded words, for subjects. */
function decodeWords(value: string): string {
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
function* walk(entity: Entity, depth = 0): Generator<Entity> {
  yield entity;
  if (depth >= MAX_DEPTH) return;
  for (const child of entity.children) yield* walk(child, depth + 1);
}

const RETURNED_MESSAGE = new Set(['message/rfc822', 'message/global']);
const RETURNED_HEADERS = new Set(['text/rfc822-headers', 'message/global-headers', 'message/rfc822-headers']);
const STATUS_TYPES = new Set(['message/delivery-status', 'message/global-delivery-status']);

/** The multipart/report about delivery: the message itself, or directly inside a wrapping multipart. */
function findReport(root: Entity, depth: number): Entity | null {
  if (root.type === 'multipart/report') {
    const rt = (root.params['report-type'] ?? '').toLowerCase();
    return rt === 'delivery-status' || rt === 'global-delivery-status' ? root : null;
  }
  if (depth >= 2 || !root.type.startsWith('multipart/')) return null;
  for (const child of root.children) {
    const found = findReport(child, depth + 1);
    if (found) return found;
  }
  return null;
}

function mainText(root: Entity): string {
  let html: Entity | null = null;
  for (const e of walk(root)) {
    if (e.type === 'text/plain' && !isAttachment(e)) return textOf(e);
    if (e.type === 'text/html' && !html && !isAttachment(e)) html = e;
  }
  return html ? textOf(html) : '';
}

function isAttachment(e: Entity): boolean {
  return /^\s*attachment/i.test(headerValue(e.headers, 'content-disposition') ?? '');
}

/** Headers of the returned message: a message/rfc822 (or global) part, or text/rfc822-headers. */
function returnedHeaders(root: Entity): Header[] | null {
  for (const e of walk(root)) {
    if (RETURNED_MESSAGE.has(e.type)) return splitHeaders(decodedBody(e, MAX_SOURCE)).headers;
    if (RETURNED_HEADERS.has(e.type)) return splitHeaders(decodedBody(e, MAX_HEADER_CHARS)).headers;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Field helpers

function stripComments(value: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\' && i + 1 < value.length) {
      if (depth === 0) out += c + value[i + 1]!;
      i++;
    } else if (c === '"' && depth === 0) {
      quoted = !quoted;
      out += c;
    } else if (c === '(' && !quoted) depth++;
    else if (c === ')' && !quoted && depth > 0) depth--;
    else if (depth === 0) out += c;
  }
  return out.replace(/\s+/g, ' ').trim();
}

/** "rfc822; Bob@Example.COM" -> "Bob@example.com"; "utf-8; jos\x{E9}@..." decoded (RFC 6533). */
function cleanAddress(value: string | undefined): string | null {
  if (!value) return null;
  let v = stripComments(value);
  const typed = /^([A-Za-z0-9-]+)\s*;\s*(.*)$/.exec(v);
  if (typed) {
    v = typed[2]!;
    if (typed[1]!.toLowerCase() === 'utf-8') v = v.replace(/\\x\{([0-9A-Fa-f]{1,6})\}/g, (_, h: string) => safeCodePoint(parseInt(h, 16)));
  }
  const angled = /<([^<>]*)>/.exec(v);
  if (angled) v = angled[1]!;
  v = v.trim().replace(/^"(.*)"$/, '$1');
  if (!v || v.length > 512) return null;
  const at = v.lastIndexOf('@');
  if (at <= 0) return v;
  return `${v.slice(0, at)}@${v.slice(at + 1).toLowerCase().replace(/\.$/, '')}`;
}

/** "dns; mx.example.com. (192.0.2.10, ...)" -> "mx.example.com". */
function cleanHost(value: string | undefined): string | null {
  if (!value) return null;
  const v = stripComments(value).replace(/^[A-Za-z0-9-]+\s*;\s*/, '').replace(/\.$/, '').trim();
  return v || null;
}

function cleanDiagnostic(value: string | undefined): string | null {
  if (!value) return null;
  const v = value.replace(/^[A-Za-z0-9-]+\s*;\s*/, '').replace(/\s+/g, ' ').trim();
  return v || null;
}

function decodeXtext(value: string): string {
  return value.replace(/\+([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

function messageIdOf(value: string | undefined): string | null {
  if (!value) return null;
  const angled = /<([^<>\s]+)>/.exec(value);
  if (angled) return `<${angled[1]}>`;
  const bare = value.trim().split(/\s+/)[0];
  return bare && bare.includes('@') ? `<${bare}>` : null;
}

function isoDate(value: string | undefined): string | null {
  if (!value) return null;
  const t = Date.parse(stripComments(value));
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

const ENHANCED_STATUS = /(?:^|[\s#'"<(])([245]\.\d{1,3}\.\d{1,3})(?=[\s)'">;,]|$)/;
const SMTP_REPLY = /(?:^|[\s:'"#(<[])([245])\d\d(?=[ -]|$)/;

function statusFrom(field: string | undefined, diagnostic: string | null, action: Action): string {
  const own = field ? /([245]\.\d{1,3}\.\d{1,3})/.exec(field)?.[1] : undefined;
  if (own) return own;
  const enhanced = diagnostic ? ENHANCED_STATUS.exec(diagnostic)?.[1] : undefined;
  if (enhanced) return enhanced;
  const reply = diagnostic ? SMTP_REPLY.exec(diagnostic)?.[1] : undefined;
  if (reply) return `${reply}.0.0`;
  return action === 'failed' ? '5.0.0' : action === 'delayed' ? '4.0.0' : '2.0.0';
}

const ACTIONS: readonly Action[] = ['failed', 'delayed', 'delivered', 'relayed', 'expanded'];

function actionFrom(field: string | undefined, status: string | undefined): Action {
  const a = stripComments(field ?? '').toLowerCase() as Action;
  if (ACTIONS.includes(a)) return a;
  const cls = status ? /([245])\.\d/.exec(status)?.[1] : undefined;
  return cls === '4' ? 'delayed' : cls === '2' ? 'delivered' : 'failed';
}

function originalFrom(headers: Header[] | null): { messageId: string | null; subject: string | null } {
  if (!headers || headers.length === 0) return { messageId: null, subject: null };
  const subject = headerValue(headers, 'subject');
  return { messageId: messageIdOf(headerValue(headers, 'message-id')), subject: subject ? decodeWords(subject) : null };
}

// ---------------------------------------------------------------------------------------------
// RFC 3464 / 6533

function fromDeliveryStatus(root: Entity, report: Entity): DeliveryReport | null {
  const statusPart = [...walk(report)].find((e) => STATUS_TYPES.has(e.type));
  if (!statusPart) return null;
  const body = decodedBody(statusPart, MAX_TEXT);
  const perMessage: Header[] = [];
  const recipients: RecipientReport[] = [];
  const groupFields: Header[][] = [];
  for (const group of body.split(/\r?\n(?:[ \t]*\r?\n)+/)) {
    const fields = parseHeaderLines(group.replace(/^(?:[ \t]*\r?\n)+/, ''));
    if (fields.length === 0) continue;
    if (headerValue(fields, 'final-recipient') || headerValue(fields, 'original-recipient')) groupFields.push(fields);
    else perMessage.push(...fields);
  }
  for (const fields of groupFields.slice(0, MAX_RECIPIENTS)) {
    const original = cleanAddress(headerValue(fields, 'original-recipient'));
    const recipient = cleanAddress(headerValue(fields, 'final-recipient')) ?? original;
    if (!recipient) continue;
    const diagnostic = cleanDiagnostic(headerValue(fields, 'diagnostic-code'));
    const statusField = headerValue(fields, 'status');
    const action = actionFrom(headerValue(fields, 'action'), statusField);
    recipients.push({
      recipient,
      originalRecipient: original,
      action,
      status: statusFrom(statusField, diagnostic, action),
      diagnostic,
      remoteMta: cleanHost(headerValue(fields, 'remote-mta')),
    });
  }
  if (recipients.length === 0) return null;

  const returned = originalFrom(returnedHeaders(report));
  const envid = headerValue(perMessage, 'original-envelope-id');
  const text = mainText(report);
  return {
    kind: dsnKind(root, perMessage, groupFields, text),
    reportMessageId: messageIdOf(headerValue(root.headers, 'message-id')),
    reportingMta: cleanHost(headerValue(perMessage, 'reporting-mta')),
    envelopeId: envid ? decodeXtext(stripComments(envid)) || null : null,
    // Gmail names the returned message in its own field as well.
    originalMessageId: returned.messageId ?? messageIdOf(headerValue(perMessage, 'x-original-message-id')),
    originalSubject: returned.subject,
    arrivalDate: isoDate(headerValue(perMessage, 'arrival-date')) ?? isoDate(headerValue(root.headers, 'date')),
    recipients,
  };
}

function dsnKind(root: Entity, perMessage: Header[], groups: Header[][], text: string): ReportKind {
  const reporting = (headerValue(perMessage, 'reporting-mta') ?? '').toLowerCase();
  const names = new Set([...perMessage, ...groups.flat()].map((h) => h.name));
  const diagnostics = groups.map((g) => headerValue(g, 'diagnostic-code') ?? '').join('\n');
  const from = (headerValue(root.headers, 'from') ?? '').toLowerCase();
  if (
    root.headers.some((h) => h.name.startsWith('x-ms-exchange-')) ||
    names.has('x-display-name') ||
    /outlook\.com|exchangelabs\.com/.test(reporting) ||
    /RESOLVER\.|STOREDRV\./.test(diagnostics) ||
    /Diagnostic information for administrators|Delivery has failed to these recipients/i.test(text)
  )
    return 'exchange';
  if (/googlemail\.com|\bgmail\.com/.test(reporting) || /mailer-daemon@googlemail\.com/.test(from)) return 'gmail';
  if ([...names].some((n) => n.startsWith('x-postfix-')) || /This is the (mail system|Postfix program) at host/i.test(text)) return 'postfix';
  if (names.has('x-exim-diagnostic') || /created automatically by mail delivery software/i.test(text)) return 'exim';
  if (names.has('x-actual-recipient') || /The original message was received at|----- The following address(es)? had|Transcript of session follows/i.test(text))
    return 'sendmail';
  return 'dsn';
}

// ---------------------------------------------------------------------------------------------
// Text bounces

interface TextResult {
  kind: ReportKind;
  recipients: RecipientReport[];
  reportingMta?: string | null;
  subject?: string | null;
}

function fromText(root: Entity): DeliveryReport | null {
  const h = root.headers;
  const from = headerValue(h, 'from') ?? null;
  const failedHeader = headerValue(h, 'x-failed-recipients');
  const evidence =
    looksLikeDeliveryReport({
      from,
      subject: headerValue(h, 'subject') ?? null,
      contentType: headerValue(h, 'content-type') ?? null,
      headers: { 'x-failed-recipients': failedHeader, 'auto-submitted': headerValue(h, 'auto-submitted'), 'return-path': headerValue(h, 'return-path') },
    }) ||
    // Exchange's system mailbox, e.g. MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.com.
    /<?microsoftexchange[0-9a-f]*@/i.test(from ?? '');
  if (!evidence) return null;

  const text = mainText(root).replace(/\r\n?/g, '\n');
  const subject = headerValue(h, 'subject') ?? '';
  const result =
    eximText(text, subject) ?? qmailText(text) ?? postfixText(text, subject) ?? exchangeText(text) ?? gmailText(text) ?? failedHeaderOnly(failedHeader, text);
  if (!result || result.recipients.length === 0) return null;

  const quoted = returnedHeaders(root) ?? quotedHeaders(text);
  const original = originalFrom(quoted);
  // Exim names the returned message in References, also in delay warnings that carry no copy.
  if (!original.messageId && result.kind === 'exim') original.messageId = messageIdOf(headerValue(h, 'references')?.split(/\s+/).pop());
  return {
    kind: result.kind,
    reportMessageId: messageIdOf(headerValue(h, 'message-id')),
    reportingMta: result.reportingMta ?? null,
    envelopeId: null,
    originalMessageId: original.messageId,
    originalSubject: original.subject ?? result.subject ?? null,
    arrivalDate: isoDate(headerValue(h, 'date')),
    recipients: result.recipients.slice(0, MAX_RECIPIENTS),
  };
}

const EMAIL = /[^\s<>()[\]"',;:]+@[^\s<>()[\]"',;:]+\.[^\s<>()[\]"',;:]*[^\s<>()[\]"',;:.]/;

/** First address on a line; lines are cut first because the pattern backtracks. */
function findEmail(line: string): string | null {
  return EMAIL.exec(line.slice(0, 1000))?.[0] ?? null;
}

function textRecipient(address: string, action: Action, words: string | null, remoteMta: string | null, original: string | null = null): RecipientReport | null {
  const recipient = cleanAddress(address);
  if (!recipient || !recipient.includes('@')) return null;
  const diagnostic = words ? words.replace(/\s+/g, ' ').trim() || null : null;
  return { recipient, originalRecipient: original ? cleanAddress(original) : null, action, status: statusFrom(undefined, diagnostic, action), diagnostic, remoteMta };
}

/** From the first SMTP reply code on: the server's own words. */
function serverWords(text: string): string | null {
  const m = /(?:^|[\s:'"#(<[])([245]\d\d[ -].*)$/s.exec(text.replace(/\s+/g, ' '));
  return m ? m[1]!.trim() : null;
}

function lines(text: string): string[] {
  return text.split('\n', 5000);
}

function indentOf(line: string): number {
  return /^[ \t]*/.exec(line)![0].replace(/\t/g, '        ').length;
}

/** Exim: "This message was created automatically by mail delivery software." */
function eximText(text: string, subject: string): TextResult | null {
  if (!/created automatically by mail delivery software/i.test(text)) return null;
  const delayed = /has not yet been delivered/i.test(text) || /^Warning: message .* delayed/i.test(subject);
  const all = lines(text);
  const start = all.findIndex((l) => /address(\(es\)|es)? failed:\s*$|not yet been delivered (is|are):\s*$/i.test(l));
  const recipients: RecipientReport[] = [];
  if (start >= 0) {
    let address: string | null = null;
    let detail: string[] = [];
    const flush = () => {
      if (!address) return;
      const joined = detail.join(' ');
      const remote = /\bhost\s+(\S+)\s+\[[^\]]*\]/.exec(joined)?.[1] ?? null;
      const words = serverWords(joined.replace(/^.*?after [A-Z ]+(?::<[^>]*>)?:/, '')) ?? (joined.trim() || null);
      const r = textRecipient(address, delayed ? 'delayed' : 'failed', words?.replace(/^Delay reason:\s*/i, '') ?? null, remote);
      if (r) recipients.push(r);
      address = null;
      detail = [];
    };
    for (const line of all.slice(start + 1)) {
      if (/^-{3,}/.test(line.trim())) break;
      if (line.trim() === '') continue;
      const indent = indentOf(line);
      if (indent === 0) break;
      if (indent <= 3) {
        flush();
        address = findEmail(line);
      } else if (address) detail.push(line.trim());
    }
    flush();
  }
  const subjectLine = /The subject of the message is:\s*(.+)/.exec(text)?.[1]?.trim() ?? null;
  return { kind: 'exim', recipients, subject: subjectLine };
}

/** qmail: "Hi. This is the qmail-send program at host." then "<addr>:" blocks. */
function qmailText(text: string): TextResult | null {
  const sig = /This is the qmail-send program at ([^\s.]+(?:\.[^\s.]+)*)/i.exec(text);
  if (!sig) return null;
  const body = text.split(/^--- Below this line is a copy of the message\.?/m)[0] ?? text;
  const recipients: RecipientReport[] = [];
  const blocks = body.split(/\n\s*\n/);
  for (let i = 0; i < blocks.length && recipients.length < MAX_RECIPIENTS; i++) {
    const block = blocks[i]!.trim();
    const m = /^<([^<>\s]+)>:\s*([\s\S]*)$/.exec(block);
    if (!m) continue;
    const detail = m[2]!.trim();
    const status = /\(#([245]\.\d{1,3}\.\d{1,3})\)/.exec(detail)?.[1];
    const said = detail.replace(/^[\s\S]*?Remote host said:/i, '').split(/\n(?=Giving up|I'm not going to try again)/)[0]!;
    const words = serverWords(said) ?? (detail || null);
    const remote = /^(\S+) does not like recipient/im.exec(detail)?.[1] ?? /Connected to (\S+) but/i.exec(detail)?.[1] ?? null;
    const r = textRecipient(m[1]!, 'failed', words, remote);
    if (r) {
      if (status && !/[245]\d\d [245]\./.test(words ?? '')) r.status = status;
      recipients.push(r);
    }
  }
  return { kind: 'qmail', recipients, reportingMta: sig[1] ?? null };
}

/** Postfix's text: "This is the mail system at host X." then "<x@y>: host mx[ip] said: 550 ...". */
function postfixText(text: string, subject: string): TextResult | null {
  const sig = /This is the (?:mail system|Postfix program) at host ([^\s]+?)\.?\s*$/im.exec(text);
  if (!sig) return null;
  const action: Action = /THIS IS A WARNING ONLY|Delayed Mail|still being retried/i.test(text + '\n' + subject)
    ? 'delayed'
    : /successfully delivered/i.test(text) && !/could not be delivered/i.test(text)
      ? 'delivered'
      : 'failed';
  const recipients: RecipientReport[] = [];
  const all = lines(text);
  for (let i = 0; i < all.length && recipients.length < MAX_RECIPIENTS; i++) {
    const m = /^<([^<>\s]+)>(?: \(expanded from <([^<>\s]+)>\))?:\s*(.*)$/.exec(all[i]!);
    if (!m) continue;
    const parts = [m[3]!];
    while (i + 1 < all.length && /^[ \t]+\S/.test(all[i + 1]!)) parts.push(all[++i]!.trim());
    const detail = parts.join(' ');
    const said = /host (\S+?)\[[^\]]*\] said:\s*(.*)$/.exec(detail);
    const words = said ? said[2]!.replace(/\s*\(in reply to [^)]*\)\s*$/, '') : detail;
    const r = textRecipient(m[1]!, action, words, said?.[1] ?? null, m[2] ?? null);
    if (r) recipients.push(r);
  }
  return { kind: 'postfix', recipients, reportingMta: sig[1] ?? null };
}

/** Exchange 2007-2013 NDR: "Delivery has failed to these recipients or groups:". */
function exchangeText(text: string): TextResult | null {
  const failed = /Delivery has failed to these recipients or groups:/i.exec(text);
  const delayed = /Delivery is delayed to these recipients or groups:/i.exec(text);
  const diagAt = text.search(/Diagnostic information for administrators:/i);
  if (!failed && !delayed && diagAt < 0) return null;
  const action: Action = failed || !delayed ? 'failed' : 'delayed';
  const listStart = (failed ?? delayed)?.index ?? diagAt;
  const listEnd = diagAt > listStart ? diagAt : text.length;
  const order: string[] = [];
  const add = (a: string) => {
    if (!order.some((o) => o.toLowerCase() === a.toLowerCase()) && order.length < MAX_RECIPIENTS) order.push(a);
  };
  for (const line of lines(text.slice(listStart, listEnd)).slice(1)) {
    const a = findEmail(line);
    if (a) add(a);
  }
  const words = new Map<string, string>();
  let reportingMta: string | null = null;
  if (diagAt >= 0) {
    const diag = lines(text.slice(diagAt)).slice(0, 2000);
    let last: string | null = null;
    for (const line of diag) {
      if (/^\s*Original message headers:/i.test(line)) break;
      const gen = /Generating server:\s*(\S+)/i.exec(line);
      if (gen) reportingMta = gen[1]!;
      const returned = /Remote Server returned '(.*)'/i.exec(line)?.[1];
      const hashed = /#\s*([245]\d\d[ -].*?)\s*##/.exec(line)?.[1];
      const said = returned ? returned.replace(/^<\s*/, '').replace(/\s*>$/, '').replace(/^#[245]\.\d+\.\d+\s+\w+;\s*/, '') : hashed;
      if (said && last && !words.has(last)) words.set(last, said);
      const a = /^\s*(\S+@\S+?)\s*$/.exec(line.slice(0, 1000))?.[1];
      if (a && findEmail(a) === a) {
        last = a.toLowerCase();
        add(a);
      }
    }
  }
  const recipients = order.map((a) => textRecipient(a, action, words.get(a.toLowerCase()) ?? null, null)).filter((r): r is RecipientReport => r !== null);
  return { kind: 'exchange', recipients, reportingMta };
}

/** Gmail's own words: "Your message wasn't delivered to x@y because ..." / "temporary problem delivering". */
function gmailText(text: string): TextResult | null {
  const failed =
    /Your message wasn't delivered to (\S+@\S+?)[.,]?\s+because/i.exec(text) ??
    /Delivery to the following recipients? failed permanently:\s*\n\s*(\S+@\S+)/i.exec(text) ??
    /Your message couldn't be delivered to (\S+@\S+?)[.,]?\s/i.exec(text);
  const delayed =
    /There was a temporary problem delivering your message to (\S+@\S+?)[.,]?\s/i.exec(text) ??
    /Delivery to the following recipients? has been delayed:\s*\n\s*(\S+@\S+)/i.exec(text);
  const hit = failed ?? delayed;
  if (!hit) return null;
  const response = /(?:The response (?:from the remote server )?was|The error that the other server returned was):\s*\n?([\s\S]*?)(?:\n\s*\n|$)/i.exec(text)?.[1] ?? null;
  const remote = /rejected by the server for the recipient domain \S+ by (\S+?)\.? \[/i.exec(text)?.[1] ?? null;
  const r = textRecipient(hit[1]!, failed ? 'failed' : 'delayed', response ? (serverWords(response) ?? response) : null, remote);
  return { kind: 'gmail', recipients: r ? [r] : [] };
}

/** Only X-Failed-Recipients is known: every address there failed. */
function failedHeaderOnly(header: string | undefined, text: string): TextResult | null {
  if (!header) return null;
  const words = serverWords(text.slice(0, 16 * 1024));
  const recipients = header
    .split(',')
    .slice(0, MAX_RECIPIENTS)
    .map((a) => textRecipient(a.trim(), 'failed', words, null))
    .filter((r): r is RecipientReport => r !== null);
  return { kind: 'other', recipients };
}

/** Headers of the returned message quoted after a marker line in a text bounce. */
function quotedHeaders(text: string): Header[] | null {
  const marker =
    /^[ \t]*-{2,}\s*(?:This is a copy of the message|Below this line is a copy of the message|Original message|Original message follows|Undelivered message headers)[^\n]*\n/im.exec(
      text,
    ) ?? /^\s*Original message headers:\s*\n/im.exec(text);
  if (!marker) return null;
  const rest = text.slice(marker.index + marker[0].length).replace(/^\s*\n/, '');
  const headers = splitHeaders(rest.slice(0, MAX_HEADER_CHARS), true).headers;
  return headers.length > 0 ? headers : null;
}

/**
 * Everything the sandbox shows about one captured message (issue 15): rendered as the mail view
 * renders mail (services/mail/parse.ts, the same mailparser options), every header as sent, the
 * source (cut for the renderer), the MIME tree and the lint (lint.ts). Pure: bytes and the
 * capture's context in, the view out; nothing is read or written here.
 *
 * The header block and the MIME tree come from @zone-eu/mailsplit, the splitter mailparser itself
 * is built on (listed in package.json as a direct dependency since this module imports it): it
 * streams the message part by part without decoding bodies, so a 50 MB message costs its sizes,
 * not copies. Encoded words and 8-bit header bytes are decoded with the bounce parser's helpers
 * (services/bounces/mime.ts) rather than a second copy of them.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Headers, Splitter, type MimeNode as SplitNode, type SplitterChunk } from '@zone-eu/mailsplit';
import addressparser, { type Address } from 'nodemailer/lib/addressparser';
import type { MailAddress } from '../../../shared/mail';
import { SANDBOX_SOURCE_SHOWN_MAX, type MimeNode, type SandboxMessage } from '../../../shared/sandbox';
import { bytesToText, decodeWords } from '../bounces/mime';
import { parseMessage, type ParsedMessage } from '../mail/parse';
import { lintMessage } from './lint';

export interface InspectContext {
  envelope: { mailFrom: string; rcptTo: string[] };
  /** One of a batch (a merge's row): the lint then asks for List-Unsubscribe. */
  bulk: boolean;
  /** The rehearsed account's server SIZE (RFC 1870), when it announced one. */
  sizeLimit?: { bytes: number; account: string };
}

/** The header block is read up to this far (the splitter's own limit for one part's headers). */
const HEADER_MAX = 1024 * 1024;
/** MIME tree bounds: children listed per node, and depth (the root is 0). Parts beyond are counted in their parent's size only. */
export const MIME_CHILDREN_MAX = 200;
export const MIME_DEPTH_MAX = 12;
/** The splitter stops (and the tree shows what was read until then) past this many parts in all. */
const MIME_PARTS_MAX = 10_000;
/** The message is handed to the splitter in slices of this size (views, not copies). */
const SLICE = 1024 * 1024;

/** Where the header block ends (after its blank line), looking no further than `max` bytes; the whole of it when no blank line comes. */
export function headerEnd(raw: Buffer, max = HEADER_MAX): number {
  const limit = Math.min(raw.length, max);
  if (raw[0] === 0x0a) return 1;
  if (raw[0] === 0x0d && raw[1] === 0x0a) return 2;
  let at = raw.indexOf(0x0a);
  while (at >= 0 && at < limit) {
    if (raw[at + 1] === 0x0a) return at + 2;
    if (raw[at + 1] === 0x0d && raw[at + 2] === 0x0a) return at + 3;
    at = raw.indexOf(0x0a, at + 1);
  }
  return limit;
}

/** Top-level headers in order: names as sent, values unfolded (CRLF before whitespace removed), encoded words left as they are. */
export function headersOf(raw: Buffer): Array<{ name: string; value: string }> {
  const block = raw.subarray(0, headerEnd(raw));
  const out: Array<{ name: string; value: string }> = [];
  for (const { line } of new Headers(block).getList()) {
    if (!line.trim()) continue;
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1);
    // Header lines come as latin1 bytes: 8-bit values (RFC 6532) become their UTF-8 characters.
    out.push({ name: bytesToText(name.trim()), value: bytesToText(value.replace(/\r?\n(?=[ \t])/g, '')).trim() });
  }
  return out;
}

function firstMailbox(list: Address[]): { name: string; address: string } | null {
  for (const entry of list) {
    if (entry.group) {
      const inner = firstMailbox(entry.group);
      if (inner) return inner;
    } else if (entry.address) return entry;
  }
  return null;
}

/** What the sandbox's list shows: read from the header block alone (decoded From and Subject, the Message-ID as sent). */
export function headerSummary(raw: Buffer): { from: MailAddress | null; subject: string; messageId: string | null } {
  let from: MailAddress | null = null;
  let subject: string | null = null;
  let messageId: string | null = null;
  for (const { name, value } of headersOf(raw)) {
    const key = name.toLowerCase();
    if (key === 'from' && from === null) {
      const mailbox = firstMailbox(addressparser(value));
      if (mailbox) from = { name: decodeWords(mailbox.name).trim(), address: mailbox.address.trim() };
    } else if (key === 'subject' && subject === null) subject = decodeWords(value).replace(/[\r\n]+/g, ' ');
    else if (key === 'message-id' && messageId === null) messageId = value || null;
  }
  return { from, subject: subject ?? '', messageId };
}

/** The raw text, cut at SANDBOX_SOURCE_SHOWN_MAX bytes before any UTF-8 character that would not fit whole. */
export function sourceOf(raw: Buffer, max = SANDBOX_SOURCE_SHOWN_MAX): { source: string; sourceCut: boolean } {
  if (raw.length <= max) return { source: raw.toString('utf8'), sourceCut: false };
  let end = max;
  // raw[end] is the first byte left out: while it continues a character, that character started before the cut.
  while (end > 0 && ((raw[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return { source: raw.subarray(0, end).toString('utf8'), sourceCut: true };
}

function insideMessage(node: SplitNode): boolean {
  for (let n = node.parentNode, guard = 0; n && guard < 1000; n = n.parentNode, guard++) if (n.rfc822 || n.messageNode) return true;
  return false;
}

interface TreeState {
  root: MimeNode | null;
  /** The splitter's nodes that are shown, with their entry and depth. */
  shown: Map<SplitNode, { node: MimeNode; depth: number; multipart: boolean; bodyStart: number; end: number }>;
  textPart: boolean;
  htmlPart: boolean;
}

/**
 * The MIME tree, read with the splitter: type, charset, transfer encoding, disposition, file name
 * and size of each part. A leaf's size is the bytes of its body as sent; a multipart's runs from
 * the end of its headers to the end of its closing boundary. Also whether a text and an HTML part
 * (not attachments) are there, for the lint.
 */
export async function mimeTreeOf(raw: Buffer): Promise<{ mime: MimeNode; textPart: boolean; htmlPart: boolean }> {
  const state: TreeState = { root: null, shown: new Map(), textPart: false, htmlPart: false };
  let position = 0;
  const onNode = (node: SplitNode) => {
    position += node.getHeaders().length;
    // Only children of a shown part are shown (a part under a hidden one stays hidden).
    const parent = node.parentNode ? state.shown.get(node.parentNode) : undefined;
    const disposition = node.disposition || undefined;
    const contentType = (node.contentType || (node.multipart ? `multipart/${node.multipart}` : 'text/plain')).toLowerCase();
    // The message's own text and HTML: not attachments, not parts of a message attached to it.
    if (!node.multipart && (contentType === 'text/plain' || contentType === 'text/html') && disposition?.toLowerCase() !== 'attachment' && !insideMessage(node)) {
      if (contentType === 'text/plain') state.textPart = true;
      else state.htmlPart = true;
    }
    const entry: MimeNode = {
      contentType,
      ...(node.charset ? { charset: node.charset } : {}),
      ...(node.encoding ? { transferEncoding: node.encoding } : {}),
      ...(disposition ? { disposition } : {}),
      ...(node.filename ? { filename: bytesToText(node.filename) } : {}),
      size: 0,
      children: [],
    };
    if (!state.root) {
      state.root = entry;
      state.shown.set(node, { node: entry, depth: 0, multipart: Boolean(node.multipart), bodyStart: position, end: position });
      return;
    }
    if (!parent || parent.depth >= MIME_DEPTH_MAX || parent.node.children.length >= MIME_CHILDREN_MAX) return;
    parent.node.children.push(entry);
    state.shown.set(node, { node: entry, depth: parent.depth + 1, multipart: Boolean(node.multipart), bodyStart: position, end: position });
  };
  const onChunk = (node: SplitNode, type: 'data' | 'body', length: number) => {
    position += length;
    const own = state.shown.get(node);
    if (type === 'body' && own && !own.multipart) own.node.size += length;
    // The chunk ends each shown part that holds it (the splitter gives closing boundaries their multipart).
    for (let n: SplitNode | false = node, guard = 0; n && guard < 1000; n = n.parentNode, guard++) {
      const entry = state.shown.get(n);
      if (entry) entry.end = position;
    }
  };

  function* slices() {
    for (let offset = 0; offset < raw.length; offset += SLICE) yield raw.subarray(offset, offset + SLICE);
  }
  await pipeline(Readable.from(slices()), new Splitter({ maxChildNodes: MIME_PARTS_MAX }), async (chunks: AsyncIterable<SplitterChunk>) => {
    for await (const chunk of chunks) {
      if (chunk.type === 'node') onNode(chunk);
      else onChunk(chunk.node, chunk.type, chunk.value.length);
    }
  }).catch(() => {
    // A message the splitter gives up on (too many parts, a header block over its limit) keeps the tree read so far.
  });
  for (const entry of state.shown.values()) if (entry.multipart) entry.node.size = Math.max(0, entry.end - entry.bodyStart);
  return { mime: state.root ?? { contentType: 'text/plain', size: raw.length, children: [] }, textPart: state.textPart, htmlPart: state.htmlPart };
}

/**
 * What is shown when mailparser gives up on a message (it refuses one of more than 1000 parts, for
 * one): the From and Subject from the headers and nothing rendered, so the headers, the source, the
 * MIME tree and the lint still show what arrived.
 */
function unrendered(raw: Buffer): ParsedMessage {
  const { from, subject, messageId } = headerSummary(raw);
  return { messageId, inReplyTo: null, references: [], from, replyTo: [], to: [], cc: [], bcc: [], subject, date: null, text: '', html: null, inlineImages: {}, attachments: [] };
}

export async function inspectMessage(raw: Buffer, context: InspectContext): Promise<Omit<SandboxMessage, 'summary'>> {
  const headers = headersOf(raw);
  const [parsed, tree] = await Promise.all([parseMessage(raw).catch(() => unrendered(raw)), mimeTreeOf(raw)]);
  const lint = lintMessage({
    raw,
    headers,
    fromAddress: parsed.from?.address ?? null,
    textPart: tree.textPart ? parsed.text : null,
    html: tree.htmlPart ? parsed.html : null,
    envelope: context.envelope,
    bulk: context.bulk,
    sizeLimit: context.sizeLimit,
  });
  return {
    rendered: {
      from: parsed.from,
      replyTo: parsed.replyTo,
      to: parsed.to,
      cc: parsed.cc,
      bcc: parsed.bcc,
      subject: parsed.subject,
      date: parsed.date ?? '',
      text: parsed.text,
      html: parsed.html,
      inlineImages: parsed.inlineImages,
      attachments: parsed.attachments,
    },
    headers,
    ...sourceOf(raw),
    mime: tree.mime,
    lint,
  };
}

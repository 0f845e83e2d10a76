/**
 * A message's raw bytes into what the reader needs, with mailparser. The HTML is passed on as the
 * sender wrote it (cid: links kept): the renderer sanitizes it and shows it in a sandboxed frame.
 * Small inline images become data: URLs for those cid: links; everything else that is attached
 * is listed by index and read again from the source when the person saves it.
 */
import { simpleParser, type AddressObject, type Attachment, type ParsedMail } from 'mailparser';
import type { AttachmentInfo, MailAddress } from '../../../shared/mail';

/** Inline images shown in the message: each at most this big, all together at most INLINE_TOTAL. */
const INLINE_EACH = 2 * 1024 * 1024;
const INLINE_TOTAL = 16 * 1024 * 1024;
/** HTML bigger than this is not given to the reader (a 5 MB newsletter is already absurd). */
const HTML_MAX = 8 * 1024 * 1024;

export interface ParsedMessage {
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  from: MailAddress | null;
  replyTo: MailAddress[];
  to: MailAddress[];
  cc: MailAddress[];
  /** A Bcc header, when the message carries one (normally it does not: Bcc goes in the envelope only). */
  bcc: MailAddress[];
  subject: string;
  /** ISO; null when the message has no usable Date header. */
  date: string | null;
  text: string;
  html: string | null;
  inlineImages: Record<string, string>;
  attachments: AttachmentInfo[];
}

const OPTIONS = { skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true, keepCidLinks: true, maxHtmlLengthToParse: HTML_MAX } as const;

export function addressesOf(value: AddressObject | AddressObject[] | undefined): MailAddress[] {
  const out: MailAddress[] = [];
  const walk = (entries: AddressObject['value']) => {
    for (const e of entries) {
      if (e.group) walk(e.group);
      else if (e.address) out.push({ name: (e.name ?? '').trim(), address: e.address.trim() });
    }
  };
  for (const object of Array.isArray(value) ? value : value ? [value] : []) walk(object.value);
  return out;
}

const bracketed = (id: string) => (id.startsWith('<') ? id : `<${id}>`);

function referencesOf(parsed: ParsedMail): string[] {
  const raw = parsed.references;
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(/\s+/) : [];
  return list.map((r) => r.trim()).filter((r) => /^<?[^<>\s]+@[^<>\s]+>?$/.test(r)).map(bracketed);
}

/** Attachments a person sees: not the images shown inside the HTML. */
function listedAttachments(parsed: ParsedMail): Attachment[] {
  const html = typeof parsed.html === 'string' ? parsed.html : '';
  return parsed.attachments.filter((a) => !(a.related && a.cid && html.includes(`cid:${a.cid}`)));
}

export async function parseMessage(source: Buffer): Promise<ParsedMessage> {
  const parsed = await simpleParser(source, OPTIONS);
  const html = typeof parsed.html === 'string' && parsed.html.length <= HTML_MAX ? parsed.html : null;
  const inlineImages: Record<string, string> = {};
  let inlineBytes = 0;
  for (const a of parsed.attachments) {
    if (!a.cid || !html?.includes(`cid:${a.cid}`) || !/^image\/(png|jpeg|gif|webp|bmp)$/i.test(a.contentType)) continue;
    if (a.size > INLINE_EACH || inlineBytes + a.size > INLINE_TOTAL) continue;
    inlineBytes += a.size;
    inlineImages[a.cid] = `data:${a.contentType.toLowerCase()};base64,${a.content.toString('base64')}`;
  }
  return {
    messageId: parsed.messageId ? bracketed(parsed.messageId.trim()) : null,
    inReplyTo: parsed.inReplyTo ? bracketed(parsed.inReplyTo.trim().split(/\s+/)[0] ?? '') : null,
    references: referencesOf(parsed),
    from: addressesOf(parsed.from)[0] ?? null,
    replyTo: addressesOf(parsed.replyTo),
    to: addressesOf(parsed.to),
    cc: addressesOf(parsed.cc),
    bcc: addressesOf(parsed.bcc),
    subject: (parsed.subject ?? '').replace(/[\r\n]+/g, ' '),
    date: parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date.toISOString() : null,
    text: parsed.text ?? '',
    html,
    inlineImages,
    attachments: listedAttachments(parsed).map((a, index) => ({
      index,
      filename: safeFileName(a.filename, a.contentType, index),
      contentType: a.contentType,
      size: a.size,
    })),
  };
}

/** The bytes of every listed attachment, by index, with its file name: one parse however many there are. */
export async function attachmentsOf(source: Buffer): Promise<Array<{ filename: string; content: Buffer }>> {
  const parsed = await simpleParser(source, OPTIONS);
  return listedAttachments(parsed).map((a, index) => ({ filename: safeFileName(a.filename, a.contentType, index), content: a.content }));
}

/** The bytes of the listed attachment at `index`, with its file name; null when there is none. */
export async function attachmentOf(source: Buffer, index: number): Promise<{ filename: string; content: Buffer } | null> {
  return (await attachmentsOf(source))[index] ?? null;
}

const EXTENSIONS: Record<string, string> = {
  'application/pdf': '.pdf',
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/gif': '.gif',
  'text/plain': '.txt',
  'text/html': '.html',
  'message/rfc822': '.eml',
  'text/rfc822-headers': '.txt',
  'message/delivery-status': '.txt',
};

/**
 * A file name that is safe to offer in a save dialog or write below a folder: no path separators,
 * no control characters, no leading dots, not empty, at most 200 characters.
 */
export function safeFileName(name: string | undefined, contentType: string, index: number): string {
  const cleaned = (name ?? '')
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex -- control characters are exactly what must go
    .replace(/[\u0000-\u001f\u007f/\\:*?"<>|]+/g, '_')
    .replace(/^[.\s]+/, '')
    .trim()
    .slice(0, 200);
  return cleaned || `attachment-${index + 1}${EXTENSIONS[contentType.toLowerCase()] ?? '.bin'}`;
}

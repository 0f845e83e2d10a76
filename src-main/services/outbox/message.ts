/**
 * Builds the RFC 5322 message once, at enqueue, into a file: nodemailer's MailComposer streams
 * the MIME tree (attachments read from disk as it goes) into `<id>.eml`. The same bytes are then
 * sent on every attempt. Also the SMTP envelope: Bcc only there, IDN domains as punycode.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { domainToASCII } from 'node:url';
import MailComposer from 'nodemailer/lib/mail-composer';
import { fail, ok, type Result } from '../../../shared/result';
import type { StoredAccount } from '../settings-store';
import type { MailAddress, MessageInput } from './types';

/** "user@bücher.example" -> "user@xn--bcher-kva.example". The local part is kept as it is. */
export function toEnvelopeAddress(address: string): string {
  const trimmed = address.trim();
  const at = trimmed.lastIndexOf('@');
  if (at < 0) return trimmed;
  const domain = trimmed.slice(at + 1);
  const ascii = /^[\x20-\x7e]*$/.test(domain) ? domain : domainToASCII(domain);
  return `${trimmed.slice(0, at)}@${ascii || domain}`;
}

/** Non-ASCII in the local part: only a server that offers SMTPUTF8 (RFC 6531) can take it. */
export const needsSmtpUtf8 = (envelopeAddress: string) => /[^\p{ASCII}]/u.test(envelopeAddress.slice(0, envelopeAddress.lastIndexOf('@')));

export function envelopeOf(input: MessageInput): { from: string; to: string[] } {
  const seen = new Set<string>();
  const to: string[] = [];
  for (const r of [...input.to, ...input.cc, ...input.bcc]) {
    const a = toEnvelopeAddress(r.address);
    if (seen.has(a.toLowerCase())) continue;
    seen.add(a.toLowerCase());
    to.push(a);
  }
  return { from: toEnvelopeAddress(input.from.address), to };
}

/** A Message-ID in the sender's domain: `<uuid@domain>`. */
export function newMessageId(fromAddress: string): string {
  const domain = toEnvelopeAddress(fromAddress).split('@').pop() || 'mailwright.invalid';
  return `<${randomUUID()}@${/^[A-Za-z0-9.-]+$/.test(domain) ? domain : 'mailwright.invalid'}>`;
}

const ADDRESS_RE = /^[^\s@<>",;]+@[^\s@<>",;]+$/u;
const LINE_BREAK = /[\r\n]/;

/** Checks what would otherwise fail later, or put a header line where none belongs. Paths and problems only, never values. */
export async function validateMessage(input: MessageInput): Promise<Result<void>> {
  const fields: Array<{ path: string; problem: string }> = [];
  const checkAddress = (path: string, a: MailAddress | undefined) => {
    if (!a || typeof a.address !== 'string' || !ADDRESS_RE.test(a.address.trim())) fields.push({ path: `${path}.address`, problem: 'invalid_address' });
    if (a?.name !== undefined && (typeof a.name !== 'string' || LINE_BREAK.test(a.name))) fields.push({ path: `${path}.name`, problem: 'single_line' });
  };
  checkAddress('from', input.from);
  for (const key of ['to', 'cc', 'bcc'] as const) (input[key] ?? []).forEach((a, i) => checkAddress(`${key}.${i}`, a));
  if (input.to.length + input.cc.length + input.bcc.length === 0) fields.push({ path: 'to', problem: 'no_recipients' });
  if (LINE_BREAK.test(input.subject)) fields.push({ path: 'subject', problem: 'single_line' });
  for (const [key, value] of [['inReplyTo', input.inReplyTo], ...(input.references ?? []).map((r, i) => [`references.${i}`, r])] as const) {
    if (value !== undefined && LINE_BREAK.test(value)) fields.push({ path: key, problem: 'single_line' });
  }
  if (input.listUnsubscribe) {
    const { mailto, https } = input.listUnsubscribe;
    if (!mailto && !https) fields.push({ path: 'listUnsubscribe', problem: 'required' });
    // Characters that would change the meaning of the mailto: URI are refused rather than encoded.
    if (mailto !== undefined && (!ADDRESS_RE.test(mailto.trim()) || /[?&#%]/.test(mailto))) fields.push({ path: 'listUnsubscribe.mailto', problem: 'invalid_address' });
    if (https !== undefined && !isHttpsUrl(https)) fields.push({ path: 'listUnsubscribe.https', problem: 'invalid_url' });
  }
  for (const [i, a] of (input.attachments ?? []).entries()) {
    if (LINE_BREAK.test(a.filename) || (a.cid !== undefined && !/^[^\s<>]+$/.test(a.cid))) fields.push({ path: `attachments.${i}`, problem: 'single_line' });
    const info = await stat(a.path).catch(() => undefined);
    if (!info?.isFile()) fields.push({ path: `attachments.${i}.path`, problem: 'unreadable' });
  }
  return fields.length ? fail('INVALID_REQUEST', { fields }) : ok(undefined);
}

/** An https URL that can stand in a header between angle brackets: no spaces, no line breaks, no angle brackets. */
function isHttpsUrl(value: string): boolean {
  if (/[\s<>"]/.test(value)) return false;
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

/** RFC 2369 and RFC 8058 headers for a message that carries unsubscribe information. */
function unsubscribeHeaders(list: MessageInput['listUnsubscribe']): Record<string, string> {
  if (!list) return {};
  const targets = [...(list.mailto ? [`<mailto:${list.mailto.trim()}?subject=unsubscribe>`] : []), ...(list.https ? [`<${list.https}>`] : [])];
  return {
    'List-Unsubscribe': targets.join(', '),
    // One-click needs an https target to POST to (RFC 8058 section 3.1).
    ...(list.https ? { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : {}),
  };
}

const addressesOf = (list: MailAddress[]) => list.map((a) => (a.name ? { name: a.name, address: a.address.trim() } : a.address.trim()));

function composerOf(input: MessageInput, messageId: string, date: Date): MailComposer {
  return new MailComposer({
    from: { name: input.from.name, address: input.from.address.trim() },
    to: addressesOf(input.to),
    cc: addressesOf(input.cc),
    // Bcc goes into the envelope only (keepBcc is off by default).
    subject: input.subject,
    text: input.text,
    ...(input.html !== undefined ? { html: input.html } : {}),
    attachments: (input.attachments ?? []).map((a) => ({
      filename: a.filename,
      path: a.path,
      ...(a.contentType ? { contentType: a.contentType } : {}),
      ...(a.cid ? { cid: a.cid } : {}),
    })),
    ...(input.inReplyTo ? { inReplyTo: input.inReplyTo } : {}),
    ...(input.references?.length ? { references: input.references } : {}),
    ...(input.listUnsubscribe ? { headers: unsubscribeHeaders(input.listUnsubscribe) } : {}),
    messageId,
    date,
  });
}

/**
 * The From of a message sent with an account: one of its other addresses (identityId), or its own
 * ('' ). Undefined when the account has no such identity. The compose window and a mail merge both use it.
 */
export function senderOf(account: Pick<StoredAccount, 'displayName' | 'email' | 'identities'>, identityId: string): MessageInput['from'] | undefined {
  if (!identityId) return { name: account.displayName, address: account.email };
  const identity = account.identities.find((i) => i.id === identityId);
  return identity ? { name: identity.name, address: identity.email } : undefined;
}

/** The size in bytes the message will have once built (the same composer, counted as it streams; nothing is written). */
export async function measureMessage(input: MessageInput): Promise<number> {
  let size = 0;
  for await (const chunk of composerOf(input, newMessageId(input.from.address), new Date()).compile().createReadStream() as AsyncIterable<Buffer>) size += chunk.length;
  return size;
}

/** A failure to write into the outbox folder (as opposed to reading an attachment): full disk, read-only or missing folder. */
export class OutboxWriteError extends Error {
  constructor(cause: unknown) {
    super('the outbox folder could not be written', { cause });
    this.name = 'OutboxWriteError';
  }
}

/** What was stored: the size and SHA-256 (hex) of the message file, checked again before every attempt. */
export interface StoredMessage {
  sizeBytes: number;
  sha256: string;
}

/**
 * Streams the message into `file` (which must not exist), fsyncs it and returns its size and
 * checksum. Attachments are read from disk as the stream goes, never whole into memory. A failure
 * on the writing side is an OutboxWriteError; anything else came from reading the message's parts.
 */
export async function writeMessageFile(file: string, input: MessageInput, messageId: string, date: Date): Promise<StoredMessage> {
  const node = composerOf(input, messageId, date).compile();
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  const out = createWriteStream(file, { flags: 'wx', mode: 0o600 });
  let writeFailure: unknown;
  out.once('error', (error) => (writeFailure = error));
  try {
    await pipeline(node.createReadStream(), tap, out);
  } catch (error) {
    throw writeFailure !== undefined && error === writeFailure ? new OutboxWriteError(error) : error;
  }
  try {
    const handle = await open(file, 'r');
    try {
      await handle.sync();
      return { sizeBytes: (await handle.stat()).size, sha256: hash.digest('hex') };
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new OutboxWriteError(error);
  }
}

/** Size and SHA-256 of a stored message file, read as a stream (it can be large). */
export async function measureMessageFile(file: string): Promise<StoredMessage> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    sizeBytes += chunk.length;
  }
  return { sizeBytes, sha256: hash.digest('hex') };
}

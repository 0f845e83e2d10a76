/**
 * TEMPORARY stand-in (helper "sandboxmain") for helper "inspect"'s inspection of a captured message,
 * with the same interface, so the sandbox service can be run and tested before that branch is merged.
 * It is replaced whole by theirs at the merge.
 */
import { simpleParser, type AddressObject } from 'mailparser';
import type { MailAddress } from '../../../shared/mail';
import { SANDBOX_SOURCE_SHOWN_MAX, type SandboxMessage } from '../../../shared/sandbox';

export interface InspectContext {
  envelope: { mailFrom: string; rcptTo: string[] };
  /** One of a batch (merge). */
  bulk: boolean;
  /** The rehearsed account's server SIZE, from the outbox's serverSizeLimit. */
  sizeLimit?: { bytes: number; account: string };
}

function headerBlock(raw: Buffer): Array<{ name: string; value: string }> {
  const text = raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const block = end < 0 ? text : text.slice(0, end);
  const headers: Array<{ name: string; value: string }> = [];
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && headers.length) headers[headers.length - 1]!.value += ` ${line.trim()}`;
    else {
      const colon = line.indexOf(':');
      if (colon > 0) headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
    }
  }
  return headers;
}

export function headerSummary(raw: Buffer): { from: MailAddress | null; subject: string; messageId: string | null } {
  const headers = headerBlock(raw);
  const get = (name: string) => headers.find((h) => h.name.toLowerCase() === name)?.value;
  const from = get('from');
  const match = from ? /^(.*?)\s*<([^>]*)>\s*$/.exec(from) : null;
  return {
    from: from ? (match ? { name: match[1]!.replace(/^"|"$/g, ''), address: match[2]! } : { name: '', address: from }) : null,
    subject: get('subject') ?? '',
    messageId: get('message-id') ?? null,
  };
}

const people = (a: AddressObject | AddressObject[] | undefined): MailAddress[] =>
  (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value.map((v) => ({ name: v.name ?? '', address: v.address ?? '' })));

export async function inspectMessage(raw: Buffer, _context: InspectContext): Promise<Omit<SandboxMessage, 'summary'>> {
  const parsed = await simpleParser(raw);
  const from = people(parsed.from)[0] ?? null;
  return {
    rendered: {
      from,
      replyTo: people(parsed.replyTo),
      to: people(parsed.to),
      cc: people(parsed.cc),
      bcc: people(parsed.bcc),
      subject: parsed.subject ?? '',
      date: parsed.date?.toISOString() ?? '',
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : null,
      inlineImages: {},
      attachments: [],
    },
    headers: headerBlock(raw),
    source: raw.subarray(0, SANDBOX_SOURCE_SHOWN_MAX).toString('utf8'),
    sourceCut: raw.length > SANDBOX_SOURCE_SHOWN_MAX,
    mime: { contentType: 'message/rfc822', size: raw.length, children: [] },
    lint: [],
  };
}

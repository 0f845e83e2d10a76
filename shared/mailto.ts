/**
 * mailto: URLs (RFC 6068) as the system hands them to Mailwright (a link clicked in a browser or another
 * app), turned into the fields of a new message. The page that made the link is not trusted:
 *
 * - Only to, cc, bcc, subject and body are used; every other header is ignored (RFC 6068 section 7:
 *   From, Reply-To, In-Reply-To and the like must not be set by a link).
 * - A link that asks to attach a file (attach=, attachment=, file=, ...) is refused as a whole: a web page
 *   must not be able to send the person's local files, and dropping only that part would hide the attempt.
 * - A line break in to, cc, bcc or subject is refused, not stripped: no real link needs one, it is the
 *   classic way to smuggle extra header lines ("%0D%0ABcc: ..."), and stripping would silently change what
 *   the page asked for. In the body line breaks are just line breaks.
 * - Percent-encoding is decoded as UTF-8; a sequence that is not valid UTF-8 refuses the link. "+" stays
 *   "+" (RFC 6068 is not a form encoding; "bob+news@example.org" is a real address).
 * - Sizes are bounded before anything is decoded.
 * - The addresses are checked by the one address parser (shared/addresses.ts), exactly as typed ones:
 *   what it refuses (look-alike domains, comments, ...) is reported as warnings and shown by the compose
 *   window under the field, as for typed text. Nothing is sent by itself.
 *
 * Runs in main and in the renderer: no Node, Electron or DOM APIs.
 */
import { z } from 'zod';
import { parseAddressList } from './addresses';
import type { ComposeDraft } from './outbox';

/** A whole mailto: URL longer than this is refused (no real link is; a page could make the app chew on megabytes). */
export const MAX_MAILTO_LENGTH = 64 * 1024;
/** RFC 5322's line limit, as the compose window's subject. */
export const MAX_SUBJECT_LENGTH = 998;

export const MailtoDraftSchema = z
  .object({
    to: z.string().max(MAX_MAILTO_LENGTH),
    cc: z.string().max(MAX_MAILTO_LENGTH),
    bcc: z.string().max(MAX_MAILTO_LENGTH),
    subject: z
      .string()
      .max(MAX_SUBJECT_LENGTH)
      .refine((s) => !/[\r\n]/.test(s), { message: 'single_line' }),
    /** Plain text; line breaks as "\n". */
    body: z.string().max(MAX_MAILTO_LENGTH),
  })
  .strict();
export type MailtoDraft = z.infer<typeof MailtoDraftSchema>;

/** What main tells the renderer about one mailto: URL: a message to open, or why it was refused. */
export const MailtoOpenedSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('draft'),
      id: z.uuid(),
      draft: MailtoDraftSchema,
      /** What the address parser refused in to, cc or bcc, in words (also shown by the compose window). */
      warnings: z.array(z.string().max(2000)).max(100),
    })
    .strict(),
  z.object({ kind: z.literal('refused'), id: z.uuid(), reason: z.string().max(2000) }).strict(),
]);
export type MailtoOpened = z.infer<typeof MailtoOpenedSchema>;

export type MailtoResult = { ok: true; draft: MailtoDraft; warnings: string[] } | { ok: false; reason: string };

const ADDRESS_FIELDS = ['to', 'cc', 'bcc'] as const;
/** Parameter names that ask for a file: refused whatever their value. */
const FILE_PARAMETER = /attach|file|^path$|^document$|^upload$/i;
/** Line breaks of every kind (RFC 5322 CR/LF, and the Unicode ones a display would break on). */
const LINE_BREAK = /[\r\n\u0085\u2028\u2029]/u;
/** Control characters other than tab and line breaks. */
const OTHER_CONTROL = /[^\P{Cc}\t\r\n\u0085]/u;

const refuse = (reason: string): MailtoResult => ({ ok: false, reason });
const shorten = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}…` : s);

/** Percent-decoding as UTF-8; null when the sequence is not valid (a lone %, %ZZ, or bytes that are not UTF-8). */
function decode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

export function parseMailto(url: string): MailtoResult {
  if (typeof url !== 'string') return refuse('The mail link could not be read.');
  if (url.length > MAX_MAILTO_LENGTH) {
    return refuse(`The mail link is too long (more than ${MAX_MAILTO_LENGTH / 1024} KB), so no message was started.`);
  }
  const text = url.trim();
  if (!/^mailto:/i.test(text)) return refuse('This is not a mail link (it does not start with “mailto:”).');
  // A raw "#" starts a fragment, which is not part of the message (RFC 6068 requires "#" in values to be encoded).
  const rest = text.slice('mailto:'.length).split('#', 1)[0]!;
  const q = rest.indexOf('?');
  const path = q < 0 ? rest : rest.slice(0, q);
  const query = q < 0 ? '' : rest.slice(q + 1);

  const fields: Record<(typeof ADDRESS_FIELDS)[number], string[]> = { to: [], cc: [], bcc: [] };
  let subject: string | undefined;
  let body: string | undefined;

  const pathTo = decode(path);
  if (pathTo === null) return refuse('The mail link is damaged (its address has an invalid %-code), so no message was started.');
  if (pathTo.trim()) fields.to.push(pathTo.trim());

  for (const pair of query.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    const name = decode(rawName);
    const value = decode(eq < 0 ? '' : pair.slice(eq + 1));
    if (name === null || value === null) {
      return refuse(`The mail link is damaged (“${shorten(rawName)}” has an invalid %-code), so no message was started.`);
    }
    const key = name.trim().toLowerCase();
    if (FILE_PARAMETER.test(key)) {
      return refuse(
        `The mail link asks to attach a file (“${shorten(name)}=”). A link may not add files from your computer to a message, so no message was started.`,
      );
    }
    if (key === 'to' || key === 'cc' || key === 'bcc') {
      if (LINE_BREAK.test(value)) {
        return refuse(`The mail link puts a line break into ${key === 'to' ? 'To' : key === 'cc' ? 'Cc' : 'Bcc'}, which could add hidden recipients, so no message was started.`);
      }
      if (value.trim()) fields[key].push(value.trim());
    } else if (key === 'subject' || key === 'body') {
      if ((key === 'subject' ? subject : body) !== undefined) {
        return refuse(`The mail link gives the ${key} twice, so it is unclear which one is meant; no message was started.`);
      }
      if (key === 'subject') {
        if (LINE_BREAK.test(value)) return refuse('The mail link puts a line break into the subject, which could add hidden header lines, so no message was started.');
        if (OTHER_CONTROL.test(value)) return refuse('The mail link has control characters in the subject, so no message was started.');
        if (value.length > MAX_SUBJECT_LENGTH) return refuse(`The mail link’s subject is longer than ${MAX_SUBJECT_LENGTH} characters, so no message was started.`);
        subject = value.replace(/\t/g, ' ');
      } else {
        if (OTHER_CONTROL.test(value)) return refuse('The mail link has control characters in the message text, so no message was started.');
        body = value.replace(/\r\n?|[\u0085\u2028\u2029]/gu, '\n');
      }
    }
    // Every other header (from, reply-to, in-reply-to, x-anything) is ignored, as RFC 6068 section 7 advises.
  }

  if (LINE_BREAK.test(pathTo)) return refuse('The mail link puts a line break into To, which could add hidden recipients, so no message was started.');
  const draft: MailtoDraft = {
    to: fields.to.join(', '),
    cc: fields.cc.join(', '),
    bcc: fields.bcc.join(', '),
    subject: subject ?? '',
    body: body ?? '',
  };
  // The same parser and look-alike checks as typed addresses; the compose window shows the same words under the field.
  const warnings = ADDRESS_FIELDS.flatMap((field) => parseAddressList(draft[field]).invalid.map((p) => p.message)).slice(0, 100);
  return { ok: true, draft, warnings };
}

/** A new message from a link: plain text (what the link gave), no attachments, the first account's address. */
export function draftFromMailto(link: MailtoDraft): ComposeDraft {
  return {
    accountId: '',
    identityId: '',
    to: link.to,
    cc: link.cc,
    bcc: link.bcc,
    subject: link.subject,
    body: link.body ? { mode: 'plain', html: '', text: link.body } : { mode: 'rich', html: '', text: '' },
    attachments: [],
  };
}

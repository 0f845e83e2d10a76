/**
 * One personal message per row of a mail merge (issue 14): the compose window's To, Cc, Subject, text
 * and HTML as templates (template.ts), filled with the row's values, into the outbox's MessageInput;
 * with what the preview warns about per row: a field the row leaves empty (and the template gives no
 * fallback for), an attachment named in the row's attachment column that is not there, an address
 * that does not come out as one.
 */
import { stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { parseAddressList } from '../../../shared/addresses';
import { escapeHtml } from '../../../shared/richtext';
import type { MailAddress, MessageInput } from '../outbox/types';
import { compileTemplate, type MergeTemplate } from './template';

export interface MergeDraft {
  to: string;
  cc: string;
  subject: string;
  /** The text part (always), and the HTML part when the body is rich. */
  text: string;
  html?: string;
  /** A column holding file paths to attach for that row (several separated by ";"), if any. */
  attachmentColumn?: string;
  /**
   * How to unsubscribe: the List-Unsubscribe headers (RFC 2369, RFC 8058) and a visible line at the
   * end of the text and the HTML part (unsubscribeLine), in every message.
   */
  listUnsubscribe?: MessageInput['listUnsubscribe'];
  /** Parts every message carries, such as the body's inline images (cid:), already on disk. */
  inline?: NonNullable<MessageInput['attachments']>;
}

/**
 * The visible unsubscribe line (issue 14, step 6): the bulk-sender rules want the way out in the
 * message too, not only in a header most mail programs hide. The https link when there is one (one
 * click), else the address to write to.
 */
export function unsubscribeLine(list: NonNullable<MessageInput['listUnsubscribe']>): { text: string; html: string } {
  const words = 'To stop receiving these messages, unsubscribe:';
  const target = list.https ? { href: list.https, shown: list.https } : { href: `mailto:${list.mailto!.trim()}?subject=unsubscribe`, shown: list.mailto!.trim() };
  return {
    text: `\n\n${words} ${list.https ?? `write to ${target.shown} with the subject "unsubscribe"`}\n`,
    html: `<p style="font-size:small;color:#555">${escapeHtml(words)} <a href="${escapeHtml(target.href)}">${escapeHtml(target.shown)}</a></p>`,
  };
}

/** The line at the end of the HTML: before </body> when the part has one. */
function appendHtml(html: string, line: string): string {
  const end = html.search(/<\/body\s*>/i);
  return end >= 0 ? html.slice(0, end) + line + html.slice(end) : html + line;
}

export type RowWarning =
  | { kind: 'empty-field'; column: string }
  | { kind: 'attachment-not-found'; path: string }
  | { kind: 'bad-address'; field: 'to' | 'cc'; text: string; message: string }
  | { kind: 'no-recipient' };

export interface CompiledMerge {
  /** Every column the templates use. */
  fields: string[];
  /**
   * `message`: what to send, null when a warning stops the row; `rendered`: the row's parts as filled
   * in either way (the preview shows a stopped row too, with its warnings).
   */
  build(values: Readonly<Record<string, string>>, from: MessageInput['from']): Promise<{ message: MessageInput | null; rendered: MessageInput; warnings: RowWarning[] }>;
}

/** Compiles the merge's templates once (TemplateError names what is wrong in which part). */
export function compileMerge(draft: MergeDraft): CompiledMerge {
  const parts: Record<'to' | 'cc' | 'subject' | 'text', MergeTemplate> & { html?: MergeTemplate } = {
    to: compileTemplate(draft.to),
    cc: compileTemplate(draft.cc),
    subject: compileTemplate(draft.subject),
    text: compileTemplate(draft.text),
    ...(draft.html !== undefined ? { html: compileTemplate(draft.html) } : {}),
  };
  const fields = [...new Set(Object.values(parts).flatMap((p) => p.fields))];
  // A field with a fallback or inside a condition is not a problem when empty: only bare ones are.
  const bare = new Set(Object.values(parts).flatMap((p) => p.bare));
  return {
    fields,
    async build(values, from) {
      const warnings: RowWarning[] = [];
      for (const column of fields) if (bare.has(column) && !(values[column] ?? '').trim()) warnings.push({ kind: 'empty-field', column });
      const lists = { to: parseAddressList(parts.to.render(values, { address: true })), cc: parseAddressList(parts.cc.render(values, { address: true })) };
      for (const field of ['to', 'cc'] as const) for (const bad of lists[field].invalid) warnings.push({ kind: 'bad-address', field, text: bad.text, message: bad.message });
      if (!lists.to.addresses.length && !lists.cc.addresses.length) warnings.push({ kind: 'no-recipient' });
      const paths = draft.attachmentColumn
        ? (values[draft.attachmentColumn] ?? '')
            .split(';')
            .map((p) => p.trim())
            .filter(Boolean)
        : [];
      const attachments: NonNullable<MessageInput['attachments']> = [];
      for (const path of paths) {
        // A relative path would be looked up from wherever the app was started: only a full path names a file.
        const info = isAbsolute(path) ? await stat(path).catch(() => undefined) : undefined;
        if (!info?.isFile()) warnings.push({ kind: 'attachment-not-found', path });
        else attachments.push({ filename: path.split(/[\\/]/).pop()!, path });
      }
      // A row with an address or attachment problem is not sent; an empty field is a warning the person sees in the preview.
      const blocking = warnings.some((w) => w.kind !== 'empty-field');
      const person = (a: { name: string; address: string }): MailAddress => (a.name ? { name: a.name, address: a.address } : { address: a.address });
      const line = draft.listUnsubscribe ? unsubscribeLine(draft.listUnsubscribe) : undefined;
      const html = parts.html?.render(values, { html: true });
      const every = [...(draft.inline ?? []), ...attachments];
      const rendered: MessageInput = {
        from,
        to: lists.to.addresses.map(person),
        cc: lists.cc.addresses.map(person),
        bcc: [],
        subject: parts.subject.render(values).replace(/[\r\n]+/g, ' '),
        text: line ? parts.text.render(values).replace(/\s*$/, '') + line.text : parts.text.render(values),
        ...(html !== undefined ? { html: line ? appendHtml(html, line.html) : html } : {}),
        ...(every.length ? { attachments: every } : {}),
        ...(draft.listUnsubscribe ? { listUnsubscribe: draft.listUnsubscribe } : {}),
      };
      return { message: blocking ? null : rendered, rendered, warnings };
    },
  };
}

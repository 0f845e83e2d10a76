/**
 * Reply, reply all and forward: the draft the compose window opens with. Recipients follow RFC 5322
 * 3.6.3 (Reply-To over From; reply all adds the other To and Cc addresses, never the person's own
 * addresses, each once); threading follows RFC 5322 3.6.4 (In-Reply-To: the parent's Message-ID;
 * References: the parent's References, or its In-Reply-To, plus its Message-ID). The quoted text
 * is the parent's plain text, escaped: none of its HTML reaches the editor.
 */
import type { ReplyMode } from '../../../shared/mail';
import type { AttachmentRef, ComposeDraft } from '../../../shared/outbox';
import { escapeHtml } from '../../../shared/richtext';
import { signatureHtml, signatureText } from '../../../shared/signature';
import type { MailAddress } from '../../../shared/mail';
import type { StoredAccount } from '../settings-store';
import type { ParsedMessage } from './parse';

/** RFC 5322 does not limit References; long threads keep the first and the latest ids. */
const MAX_REFERENCES = 20;
const PREFIX = /^\s*((re|aw|sv|vs|antw|fwd?|wg|tr|rv|enc)\s*(\[\d+\])?\s*:\s*)+/i;

const key = (address: string) => {
  const at = address.lastIndexOf('@');
  return at < 0 ? address.toLowerCase() : `${address.slice(0, at)}@${address.slice(at + 1).toLowerCase()}`;
};
const format = (a: MailAddress) => {
  if (!a.name) return a.address;
  return /[",:;<>@()[\]\\.]/.test(a.name) ? `"${a.name.replace(/["\\]/g, '\\$&')}" <${a.address}>` : `${a.name} <${a.address}>`;
};

export function replySubject(subject: string): string {
  return /^\s*(re|aw|sv|antw)\s*(\[\d+\])?\s*:/i.test(subject) ? subject.trim() : `Re: ${subject.trim()}`;
}

export function forwardSubject(subject: string): string {
  return `Fwd: ${subject.replace(PREFIX, (m) => (/^\s*fwd?\s*:/i.test(m) ? '' : m)).trim()}`;
}

export function threadingOf(parent: Pick<ParsedMessage, 'messageId' | 'references' | 'inReplyTo'>): { inReplyTo?: string; references?: string[] } {
  if (!parent.messageId) return {};
  const chain = parent.references.length ? parent.references : parent.inReplyTo ? [parent.inReplyTo] : [];
  let references = [...chain.filter((r) => r !== parent.messageId), parent.messageId];
  if (references.length > MAX_REFERENCES) references = [references[0]!, ...references.slice(-(MAX_REFERENCES - 1))];
  return { inReplyTo: parent.messageId, references };
}

function dateLine(iso: string | null): string {
  if (!iso) return '';
  return new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC';
}

/** The account's own addresses (account and identities), to leave out of reply all. */
function ownAddresses(account: StoredAccount): Set<string> {
  return new Set([account.email, ...account.identities.map((i) => i.email)].map(key));
}

/** The identity the parent was addressed to, so the reply goes out from the address it was sent to. */
function identityFor(account: StoredAccount, parent: ParsedMessage): { id: string; signature: string } {
  const to = new Set([...parent.to, ...parent.cc].map((a) => key(a.address)));
  const identity = account.identities.find((i) => to.has(key(i.email)));
  return identity ? { id: identity.id, signature: identity.signature } : { id: '', signature: account.signature };
}

function quoteText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/\n+$/, '')
    .split('\n')
    .map((line) => (line.startsWith('>') ? `>${line}` : line ? `> ${line}` : '>'))
    .join('\n');
}

function quoteHtml(text: string): string {
  const paragraphs = text.replace(/\r\n?/g, '\n').replace(/\n+$/, '').split(/\n{2,}/);
  return `<blockquote>${paragraphs.map((p) => `<p>${p.split('\n').map(escapeHtml).join('<br>')}</p>`).join('')}</blockquote>`;
}

export function composeFrom(parent: ParsedMessage, mode: ReplyMode, account: StoredAccount, forwarded: AttachmentRef[] = []): ComposeDraft {
  const own = ownAddresses(account);
  const identity = identityFor(account, parent);
  const fromMe = parent.from ? own.has(key(parent.from.address)) : false;
  const who = parent.from ? format(parent.from) : 'someone';
  const base = { accountId: account.id, identityId: identity.id, bcc: '', attachments: [] as AttachmentRef[] };

  if (mode === 'forward') {
    const header = [
      '---------- Forwarded message ----------',
      `From: ${who}`,
      ...(parent.date ? [`Date: ${dateLine(parent.date)}`] : []),
      `Subject: ${parent.subject}`,
      ...(parent.to.length ? [`To: ${parent.to.map(format).join(', ')}`] : []),
      ...(parent.cc.length ? [`Cc: ${parent.cc.map(format).join(', ')}`] : []),
    ];
    const text = `${signatureText(identity.signature) || '\n'}\n\n${header.join('\n')}\n\n${parent.text}`;
    const html =
      `<p></p>${signatureHtml(identity.signature)}` +
      `<p>${header.map(escapeHtml).join('<br>')}</p>` +
      parent.text
        .replace(/\r\n?/g, '\n')
        .split(/\n{2,}/)
        .map((p) => `<p>${p.split('\n').map(escapeHtml).join('<br>')}</p>`)
        .join('');
    return { ...base, to: '', cc: '', subject: forwardSubject(parent.subject), body: { mode: 'rich', html, text }, attachments: forwarded };
  }

  // Replying to one's own message (from the Sent folder) goes to its recipients again.
  const primary = fromMe ? parent.to : parent.replyTo.length ? parent.replyTo : parent.from ? [parent.from] : [];
  const seen = new Set<string>();
  const take = (list: MailAddress[]) =>
    list.filter((a) => {
      const k = key(a.address);
      if (seen.has(k) || (own.has(k) && !fromMe)) return false;
      seen.add(k);
      return true;
    });
  const to = take(primary);
  const cc = mode === 'replyAll' ? take([...(fromMe ? [] : parent.to), ...parent.cc].filter((a) => !own.has(key(a.address)))) : [];

  const intro = parent.date ? `On ${dateLine(parent.date)}, ${who} wrote:` : `${who} wrote:`;
  const text = `${signatureText(identity.signature) || '\n'}\n\n${intro}\n${quoteText(parent.text)}\n`;
  const html = `<p></p>${signatureHtml(identity.signature)}<p>${escapeHtml(intro)}</p>${quoteHtml(parent.text)}`;
  return {
    ...base,
    to: to.map(format).join(', '),
    cc: cc.map(format).join(', '),
    subject: replySubject(parent.subject),
    body: { mode: 'rich', html, text },
    ...threadingOf(parent),
  };
}

/** What a link in a message really points to, and whether its text pretends otherwise. */
import { draftFromMailto, parseMailto } from '../../../shared/mailto';
import type { ComposeDraft } from '../../../shared/outbox';

export type LinkTarget =
  | { kind: 'web'; url: string; host: string }
  | { kind: 'mail'; draft: Omit<ComposeDraft, 'accountId'> }
  /** A mailto: link that asks for a file or smuggles header lines: why, in words. */
  | { kind: 'refused'; reason: string }
  | { kind: 'ignored' };

export function classifyLink(href: string): LinkTarget {
  let url: URL;
  try {
    url = new URL(href.trim());
  } catch {
    return { kind: 'ignored' };
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') return { kind: 'web', url: url.href, host: url.hostname };
  if (url.protocol === 'mailto:') {
    // The same parser as links handed to the app by the system (shared/mailto.ts).
    const parsed = parseMailto(href.trim());
    if (!parsed.ok) return { kind: 'refused', reason: parsed.reason };
    const { accountId: _none, ...draft } = draftFromMailto(parsed.draft);
    return { kind: 'mail', draft };
  }
  return { kind: 'ignored' };
}

const bare = (host: string) => host.toLowerCase().replace(/\.$/, '').replace(/^www\./, '');

/**
 * The host a link's text names when the text looks like an address ("https://bank.example/login",
 * "www.bank.example", "bank.example"), when it differs from where the link really goes.
 */
export function deceptiveHost(text: string, targetHost: string): string | null {
  // Read as the person sees it: look-alike dots and letters folded (U+2024 "․" is "."), invisible characters
  // (zero-width space, soft hyphen, bidi controls) dropped; otherwise "bank.exa\u200Bmple" escapes the check.
  const seen = text.normalize('NFKC').replace(/\p{Default_Ignorable_Code_Point}/gu, '');
  const match = seen.trim().match(/^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[^\s/@]+@)?((?:[\p{L}\p{N}-]+\.)+[\p{L}]{2,}|\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?(?:[/?#]\S*)?$/iu);
  const shown = match?.[1];
  if (!shown) return null;
  let shownHost: string;
  try {
    shownHost = new URL(`https://${shown}`).hostname;
  } catch {
    return null;
  }
  return bare(shownHost) === bare(targetHost) ? null : shown;
}

/**
 * The part before "@" of a web address that has one (https://bank.example@evil.example/ goes to evil.example): it
 * only makes the address look like another site. The main process refuses to open such links.
 */
export function disguisedAs(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (!parsed.username && !parsed.password) return null;
  const userinfo = parsed.username + (parsed.password ? `:${parsed.password}` : '');
  try {
    return decodeURIComponent(userinfo);
  } catch {
    return userinfo;
  }
}

/** http(s) and mailto links in plain text, for showing them through the same confirmation. */
export function splitLinks(text: string): Array<{ text: string; href?: string }> {
  const parts: Array<{ text: string; href?: string }> = [];
  const re = /\b(?:https?:\/\/|mailto:)[^\s<>"'`]+/gi;
  let last = 0;
  for (const m of text.matchAll(re)) {
    // Trailing punctuation usually ends the sentence, not the link.
    const link = m[0].replace(/[.,;:!?)\]}>]+$/, '');
    const start = m.index;
    if (start > last) parts.push({ text: text.slice(last, start) });
    parts.push({ text: link, href: link });
    last = start + link.length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

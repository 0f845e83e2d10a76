/**
 * The lint of a captured message (issue 15): facts a recipient, their provider or the sending server
 * would notice, found in what was actually sent. Each check is a plain function of what
 * inspect.ts already read (the header list, the raw bytes, the rendered parts), so the checks stay
 * cheap and bounded; the renderer puts the findings into words (src-renderer/features/sandbox/lint-text.ts).
 *
 * Severities: 'warning' for what changes delivery or what the recipient sees (no Date, no Message-ID,
 * a text part that says something else than the HTML, a From domain not aligned with the envelope,
 * a bulk message without List-Unsubscribe, lines over 998 characters, a size over the server's SIZE);
 * 'info' for remote images, which are common and legitimate but blocked by the mail view and by many
 * recipients' clients, and used for tracking.
 */
import { domainToASCII } from 'node:url';
import type { LintFinding, SandboxMessage } from '../../../shared/sandbox';
import { htmlToText } from '../bounces/mime';

export type LintEntry = SandboxMessage['lint'][number];

/** RFC 5322 section 2.1.1: a line is at most 998 characters, not counting the CRLF. */
export const LINE_MAX = 998;
/** Remote image hosts named in a finding (the schema's bound). */
const HOSTS_MAX = 10;
/** Text compared from each part: enough to tell whether two parts say the same thing. */
const COMPARE_MAX_CHARS = 512 * 1024;
/**
 * The text part "differs" from the HTML part when more than this share of all distinct words is
 * in one part only (and at least DIFFER_MIN_WORDS words differ). Words are compared as sets, not
 * in order: layout (tables, columns, a link list, line wrapping) changes order and repetition, not
 * the vocabulary. 20% leaves room for the usual small extras on one side ("View in browser", a
 * footer line, link targets written out) and still catches what matters: a text part left from an
 * earlier draft, a placeholder ("This message needs an HTML mail client"), a merge field filled
 * in one part only.
 */
export const DIFFER_RATIO = 0.2;
const DIFFER_MIN_WORDS = 3;

const warning = (finding: LintFinding): LintEntry => ({ severity: 'warning', finding });
const info = (finding: LintFinding): LintEntry => ({ severity: 'info', finding });

export interface LintInput {
  raw: Buffer;
  /** The top-level headers, in order, values unfolded. */
  headers: ReadonlyArray<{ name: string; value: string }>;
  /** The From header's address, if any. */
  fromAddress: string | null;
  /** The decoded text part, or null when the message has none (text derived from HTML does not count). */
  textPart: string | null;
  /** The HTML part as sent, or null when the message has none. */
  html: string | null;
  envelope: { mailFrom: string; rcptTo: string[] };
  bulk: boolean;
  sizeLimit?: { bytes: number; account: string } | undefined;
}

export function lintMessage(input: LintInput): LintEntry[] {
  const out: LintEntry[] = [];
  // A header with nothing in it is as good as none (an empty Date or Message-ID helps no one).
  const has = (name: string) => input.headers.some((h) => h.name.toLowerCase() === name && h.value.trim() !== '');
  if (!has('date')) out.push(warning({ kind: 'no-date' }));
  if (!has('message-id')) out.push(warning({ kind: 'no-message-id' }));
  if (input.textPart !== null && input.html !== null) {
    const differs = textDiffersFromHtml(input.textPart, input.html);
    if (differs) out.push(warning(differs));
  }
  if (input.html !== null) {
    const remote = remoteImages(input.html);
    if (remote.count > 0) out.push(info({ kind: 'remote-images', ...remote }));
  }
  const misaligned = fromMisaligned(input.fromAddress, input.envelope.mailFrom);
  if (misaligned) out.push(warning(misaligned));
  if (input.bulk && !has('list-unsubscribe')) out.push(warning({ kind: 'no-list-unsubscribe' }));
  const lines = longLines(input.raw);
  if (lines.count > 0) out.push(warning({ kind: 'long-lines', ...lines }));
  const limit = input.sizeLimit;
  // SIZE 0 (or none) means the server announced no limit (RFC 1870).
  if (limit && limit.bytes > 0 && input.raw.length > limit.bytes) {
    out.push(warning({ kind: 'over-size', size: input.raw.length, limit: limit.bytes, account: limit.account }));
  }
  return out;
}

/** The words of a text: lower-cased letters and digits, web and mail addresses left out (a text part writes link targets out). */
export function wordsOf(text: string): string[] {
  return (
    text
      .slice(0, COMPARE_MAX_CHARS)
      .toLowerCase()
      .replace(/\b(?:https?:\/\/|mailto:|www\.)[^\s<>()"]*/g, ' ')
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/**
 * What a text part adds that is layout, not words (the app's own text rendering, shared/richtext.ts
 * docToPlainText, and most clients' do the same): list markers ("- ", "3. ", "b. ", "iv. "; a line
 * starting "Thanks. " keeps its word) and image
 * placeholders ("[image: alt]", whose alt text the HTML side keeps).
 */
function textPartWords(text: string): string[] {
  return wordsOf(
    text
      .slice(0, COMPARE_MAX_CHARS)
      .replace(/^[ \t>]*(?:[-*\u2022]|\d{1,9}[.)]|[a-z][.)]|[ivxlcdm]{1,7}[.)])[ \t]+/gim, '')
      .replace(/\[image(?::\s*([^\]\n]*))?\]/gi, ' $1 '),
  );
}

/** The words of the HTML as shown: its text, plus the alt text of its images (a text part names them). */
function htmlPartWords(html: string): string[] {
  const withAlt = html
    .slice(0, COMPARE_MAX_CHARS * 4)
    .replace(/<img\b[^<>]*?\salt\s*=\s*(?:"([^"]*)"|'([^']*)')[^<>]*>?/gi, (_, d?: string, q?: string) => ` ${d ?? q ?? ''} `);
  return wordsOf(htmlToText(withAlt));
}

export function textDiffersFromHtml(text: string, html: string): Extract<LintFinding, { kind: 'text-differs-from-html' }> | null {
  const textWords = textPartWords(text);
  const htmlWords = htmlPartWords(html);
  const inText = new Set(textWords);
  const inHtml = new Set(htmlWords);
  const union = new Set([...inText, ...inHtml]);
  if (union.size === 0) return null;
  // In the order they appear: what is only in the HTML, then what is only in the text.
  const differing = [...new Set([...htmlWords.filter((w) => !inText.has(w)), ...textWords.filter((w) => !inHtml.has(w))])];
  if (differing.length < DIFFER_MIN_WORDS || differing.length / union.size <= DIFFER_RATIO) return null;
  let sample = '';
  for (const word of differing) {
    const next = sample ? `${sample} ${word}` : word;
    if (next.length > 200) break;
    sample = next;
  }
  return { kind: 'text-differs-from-html', textWords: textWords.length, htmlWords: htmlWords.length, sample: sample || (differing[0] ?? '').slice(0, 200) };
}

/**
 * Images the HTML loads from the web: <img src/srcset>, background="..." attributes and CSS url()
 * (in style attributes and <style> blocks), over http(s) or protocol-relative. Each reference counts.
 */
export function remoteImages(html: string): { count: number; hosts: string[] } {
  const hosts = new Set<string>();
  let count = 0;
  const note = (url: string) => {
    const m = /^\s*(?:https?:)?\/\/([^/\s?#"'<>)\\]+)/i.exec(url);
    if (!m) return;
    count += 1;
    const host = (m[1] ?? '').replace(/^[^@]*@/, '').replace(/:\d+$/, '').toLowerCase();
    if (host && hosts.size < HOSTS_MAX) hosts.add(host);
  };
  // Linear scans: [^<>]* stops at the tag's end or the next tag's start (so a run of unclosed '<img' cannot
  // make it quadratic), and the attribute and url() patterns cannot backtrack far.
  for (const tag of html.matchAll(/<img\b[^<>]*>?/gi)) {
    for (const attr of tag[0].matchAll(/\s(src|srcset)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi)) {
      const value = attr[2] ?? attr[3] ?? attr[4] ?? '';
      if (attr[1]?.toLowerCase() === 'srcset') for (const candidate of value.split(',')) note(candidate.trim());
      else note(value);
    }
  }
  for (const attr of html.matchAll(/<[a-z][^<>]*?\sbackground\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi)) note(attr[1] ?? attr[2] ?? attr[3] ?? '');
  for (const url of html.matchAll(/url\(\s*(?:&quot;|["'])?([^"')&]*)/gi)) note(url[1] ?? '');
  return { count, hosts: [...hosts] };
}

const domainOf = (address: string): string => {
  const at = address.lastIndexOf('@');
  if (at < 0) return '';
  const domain = address.slice(at + 1).trim().replace(/\.$/, '').toLowerCase();
  // IDN: compare the punycode forms ("bücher.example" and "xn--bcher-kva.example" are the same domain).
  return (/^[\x20-\x7e]*$/.test(domain) ? domain : domainToASCII(domain)) || domain;
};

/**
 * The From domain against the envelope sender's (MAIL FROM). Aligned when equal, or when one is a
 * subdomain of the other (DMARC's relaxed alignment, which is the default; telling two sibling
 * subdomains of one organization apart would need the public suffix list, so they are reported).
 * A null sender (<>) or a message without a From address has nothing to compare.
 */
export function fromMisaligned(fromAddress: string | null, mailFrom: string): Extract<LintFinding, { kind: 'from-differs-from-envelope' }> | null {
  if (!fromAddress || !mailFrom) return null;
  const fromDomain = domainOf(fromAddress);
  const envelopeDomain = domainOf(mailFrom);
  if (!fromDomain || !envelopeDomain) return null;
  const aligned = fromDomain === envelopeDomain || fromDomain.endsWith(`.${envelopeDomain}`) || envelopeDomain.endsWith(`.${fromDomain}`);
  return aligned ? null : { kind: 'from-differs-from-envelope', fromDomain, envelopeDomain };
}

/** Lines longer than 998 bytes, CRLF (or a bare LF) not counted: how many, and the longest. */
export function longLines(raw: Buffer): { count: number; longest: number } {
  let count = 0;
  let longest = 0;
  let start = 0;
  while (start < raw.length) {
    const lf = raw.indexOf(0x0a, start);
    const end = lf < 0 ? raw.length : lf;
    const length = end - start - (lf >= 0 && end > start && raw[end - 1] === 0x0d ? 1 : 0);
    if (length > LINE_MAX) {
      count += 1;
      if (length > longest) longest = length;
    }
    if (lf < 0) break;
    start = lf + 1;
  }
  return { count, longest };
}

/**
 * The one address parser: the compose fields use it to show what will be sent, and main runs it again
 * before building the envelope, so the envelope recipients are exactly the addresses shown.
 *
 * Accepts a subset of RFC 5322 address lists with RFC 6532 (UTF-8) and IDNA domains: bare addresses,
 * `Name <a@b>`, quoted names, `<a@b>`, groups (`Team: a@x, b@y;`), separators `,` `;` and line breaks.
 * Refuses, with a reason in words, every form where what a person reads is not where the mail goes:
 * quoted local parts containing @, comments, line breaks inside an address, source routes, IP
 * literals, look-alike domains mixing scripts, domains that IDNA maps to something else than typed.
 *
 * Runs in the renderer and in main: no Node, Electron or DOM APIs; `URL` exists in both.
 */

export interface ParsedAddress {
  /** Display name, unquoted, '' if none. */
  name: string;
  /** As shown to the person: local@domain with the domain in Unicode (IDN decoded), lower-cased. */
  address: string;
  /** What goes into RCPT TO: the same local part, the domain in ASCII (punycode). */
  envelope: string;
  /** Unicode domain, lower-cased: what the UI shows as "will be delivered to". */
  domain: string;
  /** The local part has non-ASCII characters: the server must offer SMTPUTF8 (RFC 6531). */
  needsSmtpUtf8: boolean;
}

export type AddressProblemReason =
  | 'syntax'
  | 'quoted-at'
  | 'comment'
  | 'line-break'
  | 'mixed-script'
  | 'empty-group'
  | 'too-long'
  | 'invalid-domain';

export interface AddressProblem {
  /** The part of the typed text that was refused, trimmed. */
  text: string;
  reason: AddressProblemReason;
  /** In plain words for a person. */
  message: string;
}

export interface AddressList {
  /** Valid addresses in typed order, duplicates (same envelope, ignoring case) removed. */
  addresses: ParsedAddress[];
  invalid: AddressProblem[];
  /** Names of groups (`Team: ...;`), in typed order. */
  groups: string[];
}

/** RFC 5321 path limit (256) minus the angle brackets. */
const MAX_ADDRESS_OCTETS = 254;
const MAX_LOCAL_OCTETS = 64;
/** Anything longer is refused before parsing in detail: no real name plus address is this long. */
const MAX_ITEM_CHARS = 2000;

const LINE_BREAK = /[\r\n\u0085\u2028\u2029]/u;
/** Control characters other than tab, and the bidi controls that can reorder what is displayed. */
const CONTROL = /[^\P{Cc}\t]|[\u202A-\u202E\u2066-\u2069]/u;
const TAB_OR_CONTROL_OR_BIDI = /[\t\p{Cc}\u202A-\u202E\u2066-\u2069]/gu;
/** An atext character (RFC 5322 3.2.3) or printable non-ASCII (RFC 6532 3.2). */
const ATEXT = String.raw`[A-Za-z0-9!#$%&'*+/=?^_\x60{|}~\-]|[^\p{ASCII}\p{White_Space}\p{C}\p{Z}]`;
const DOT_ATOM_RE = new RegExp(String.raw`^(?:${ATEXT})+(?:\.(?:${ATEXT})+)*$`, 'u');
const PHRASE_ATOMS_RE = new RegExp(String.raw`^(?:${ATEXT})+(?: (?:${ATEXT})+)*$`, 'u');
/** One token of a display name: white space, a quoted string, or atoms and dots (obs-phrase). */
const PHRASE_TOKEN_RE = new RegExp(String.raw`(\s+)|"((?:[^"\\]|\\[\s\S])*)"|((?:${ATEXT}|\.)+)`, 'uy');
/** Characters that look like @ but are not: an address with one would be misread. */
const AT_LOOKALIKE = /[\uFF20\uFE6B]/u;
/** Something in a display name that looks like an address. */
const ADDRESS_LIKE_RE = /[^\s<>"(),;:@\uFF20\uFE6B]+[@\uFF20\uFE6B][^\s<>"(),;:@\uFF20\uFE6B]+/gu;
const DOMAIN_CHARS_RE = /^[\p{L}\p{M}\p{N}.-]+$/u;
const UNICODE_LABEL_RE = /^[\p{L}\p{M}\p{N}-]+$/u;
const LDH_RE = /^[A-Za-z0-9.-]+$/;
const ASCII_LABEL_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const TLD_RE = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

const NON_ASCII_RE = /[^\p{ASCII}]/u;
const isAscii = (s: string) => !NON_ASCII_RE.test(s);
/** Length in UTF-8 octets, what the SMTP limits count. */
function utf8Length(s: string): number {
  if (isAscii(s)) return s.length;
  let n = 0;
  for (const c of s) {
    const cp = c.codePointAt(0)!;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------------
// Punycode decoding, RFC 3492 section 6.2. Encoding is left to `URL`, which applies UTS #46 as well.

const BASE = 36;
const TMIN = 1;
const TMAX = 26;
const SKEW = 38;
const DAMP = 700;
const INITIAL_BIAS = 72;
const INITIAL_N = 0x80;
const MAXINT = 0x7fffffff;

function adapt(delta: number, numPoints: number, firstTime: boolean): number {
  let d = firstTime ? Math.floor(delta / DAMP) : delta >> 1;
  d += Math.floor(d / numPoints);
  let k = 0;
  while (d > ((BASE - TMIN) * TMAX) >> 1) {
    d = Math.floor(d / (BASE - TMIN));
    k += BASE;
  }
  return k + Math.floor(((BASE - TMIN + 1) * d) / (d + SKEW));
}

function digitValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30 + 26; // 0-9
  if (code >= 0x41 && code <= 0x5a) return code - 0x41; // A-Z
  if (code >= 0x61 && code <= 0x7a) return code - 0x61; // a-z
  return -1;
}

/** Decodes a Punycode string (without "xn--"); null when it is not valid Punycode. */
export function punycodeDecode(input: string): string | null {
  const output: number[] = [];
  const delimiter = input.lastIndexOf('-');
  for (let j = 0; j < Math.max(delimiter, 0); j++) {
    const code = input.charCodeAt(j);
    if (code >= 0x80) return null;
    output.push(code);
  }
  let n = INITIAL_N;
  let i = 0;
  let bias = INITIAL_BIAS;
  for (let pos = delimiter > 0 ? delimiter + 1 : 0; pos < input.length; ) {
    const oldi = i;
    let w = 1;
    for (let k = BASE; ; k += BASE) {
      if (pos >= input.length) return null;
      const digit = digitValue(input.charCodeAt(pos++));
      if (digit < 0 || digit > Math.floor((MAXINT - i) / w)) return null;
      i += digit * w;
      const t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
      if (digit < t) break;
      if (w > Math.floor(MAXINT / (BASE - t))) return null;
      w *= BASE - t;
    }
    const length = output.length + 1;
    bias = adapt(i - oldi, length, oldi === 0);
    if (Math.floor(i / length) > MAXINT - n) return null;
    n += Math.floor(i / length);
    i %= length;
    if (n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) return null;
    output.splice(i, 0, n);
    i++;
  }
  return String.fromCodePoint(...output);
}

/** The ASCII (punycode) form of a host name as the WHATWG URL parser computes it (UTS #46), or null. */
function toAsciiHost(domain: string): string | null {
  try {
    return new URL(`http://${domain}/`).hostname;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------
// Look-alike domains.

const LATIN = /\p{Script=Latin}/u;
/** Scripts with letters that look like Latin ones. */
const CONFUSABLE_SCRIPTS: Array<{ name: string; re: RegExp; lookalikes: string }> = [
  { name: 'Cyrillic', re: /\p{Script=Cyrillic}/u, lookalikes: 'асԁеһіјӏорԛѕԝхуъьҽпгѵѡ' },
  { name: 'Greek', re: /\p{Script=Greek}/u, lookalikes: 'αγικνορτυχϲϳ' },
  { name: 'Armenian', re: /\p{Script=Armenian}/u, lookalikes: 'օոսհցզգ' },
  { name: 'Cherokee', re: /\p{Script=Cherokee}/u, lookalikes: '' },
];

/** Why a domain (Unicode, lower-case labels) may imitate another one, or null. */
function lookalikeProblem(labels: string[]): string | null {
  const tld = labels[labels.length - 1] ?? '';
  const latinTld = LATIN.test(tld);
  for (const label of labels) {
    const scripts = CONFUSABLE_SCRIPTS.filter((s) => s.re.test(label));
    if (scripts.length && LATIN.test(label)) {
      return `The domain part “${label}” mixes Latin letters with ${scripts.map((s) => s.name).join(' and ')} letters that look the same, so it can imitate another domain. Check the address and type it again.`;
    }
    if (scripts.length > 1) {
      return `The domain part “${label}” mixes ${scripts.map((s) => s.name).join(' and ')} letters, so it can imitate another domain. Check the address and type it again.`;
    }
    const script = scripts[0];
    if (script && latinTld && script.lookalikes) {
      const letters = [...label].filter((c) => /\p{L}/u.test(c));
      if (letters.length && letters.every((c) => script.lookalikes.includes(c))) {
        return `The domain part “${label}” is written only with ${script.name} letters that look like Latin ones, under the Latin ending “.${tld}”, so it can imitate another domain. Check the address and type it again.`;
      }
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------
// Problems in words.

/** Typed text quoted in a message: on one line, without characters that hide or reorder text, short. */
const shown = (text: string) => {
  const chars = [...text.replace(/\r\n|[\r\n\u0085\u2028\u2029]/gu, ' ⏎ ').replace(/\t/g, ' ').replace(TAB_OR_CONTROL_OR_BIDI, '\uFFFD')];
  return chars.length > 80 ? `${chars.slice(0, 77).join('')}…` : chars.join('');
};

const problem = (text: string, reason: AddressProblemReason, message: string): AddressProblem => ({ text, reason, message });

class Refusal {
  constructor(
    readonly reason: AddressProblemReason,
    readonly message: string,
  ) {}
}

// ---------------------------------------------------------------------------------------------------
// Pieces of one mailbox.

/** Reads a quoted string starting at `start` (a `"`); returns its content and the index after it. */
function readQuoted(s: string, start: number): { content: string; end: number } | null {
  let content = '';
  for (let i = start + 1; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      i++;
      if (i >= s.length) return null;
      content += s[i];
    } else if (c === '"') return { content, end: i + 1 };
    else content += c;
  }
  return null;
}

/** A display name (RFC 5322 phrase, with obs-phrase dots), unquoted; throws a Refusal. */
function parsePhrase(text: string, raw: string): string {
  let name = '';
  let space = false;
  for (let i = 0; i < text.length; ) {
    PHRASE_TOKEN_RE.lastIndex = i;
    const m = PHRASE_TOKEN_RE.exec(text);
    if (!m) {
      const c = String.fromCodePoint(text.codePointAt(i)!);
      if (c === '"') throw new Refusal('syntax', `“${shown(raw)}” has a quote (") that is not closed.`);
      throw new Refusal('syntax', `The name in “${shown(raw)}” has “${c}”, which a name can only have inside quotes: "Name" <address>.`);
    }
    i = PHRASE_TOKEN_RE.lastIndex;
    if (m[1] !== undefined) {
      space = true;
      continue;
    }
    if (space && name) name += ' ';
    space = false;
    name += m[2] !== undefined ? m[2].replace(/\\([\s\S])/g, '$1') : m[3];
  }
  return name.replace(/\t/g, ' ').trim();
}

const quoteLocal = (local: string) => (DOT_ATOM_RE.test(local) ? local : `"${local.replace(/[\\"]/g, '\\$&')}"`);

/** Checks a typed domain and returns its Unicode and ASCII forms; throws a Refusal. */
function parseDomain(typed: string, raw: string): { unicode: string; ascii: string } {
  if (typed.startsWith('[')) {
    throw new Refusal(
      'invalid-domain',
      `“${shown(raw)}” goes to a server given by its numeric address in brackets, which you cannot check. Use an address with a domain name.`,
    );
  }
  if (!typed) throw new Refusal('syntax', `“${shown(raw)}” has nothing after the @.`);
  let result = domainCache.get(typed);
  if (!result) {
    try {
      result = checkDomain(typed);
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      result = e;
    }
    if (domainCache.size >= 5000) domainCache.clear();
    domainCache.set(typed, result);
  }
  if (result instanceof Refusal) throw result;
  return result;
}

/** Results of checkDomain, which depends only on the typed domain: lists repeat domains a lot. */
const domainCache = new Map<string, { unicode: string; ascii: string } | Refusal>();

function checkDomain(typed: string): { unicode: string; ascii: string } {
  if (!DOMAIN_CHARS_RE.test(typed)) {
    throw new Refusal('invalid-domain', `The domain “${shown(typed)}” has characters that cannot be in a domain name.`);
  }
  // Lower-cased letter by letter, as IDNA maps case (no final-sigma rule: "Σ" is "σ").
  const typedLabels = (isAscii(typed) ? typed.toLowerCase() : [...typed.normalize('NFC')].map((c) => c.toLowerCase()).join('')).split('.');
  if (typedLabels.length < 2) {
    throw new Refusal('invalid-domain', `“${shown(typed)}” is not a complete domain: it has no dot (like example.com).`);
  }
  if (typedLabels.some((l) => !l)) {
    throw new Refusal('invalid-domain', `The domain “${shown(typed)}” has a dot at the start or end, or two dots in a row.`);
  }
  // Letters, digits and hyphens without punycode labels: IDNA only lower-cases them.
  const ascii = LDH_RE.test(typed) && !/(?:^|\.)xn--/i.test(typed) ? typed.toLowerCase() : toAsciiHost(typed);
  const invalid = () => new Refusal('invalid-domain', `“${shown(typed)}” is not a valid domain name.`);
  if (!ascii) throw invalid();
  const asciiLabels = ascii.split('.');
  if (asciiLabels.length !== typedLabels.length) throw invalid();
  for (const label of asciiLabels) {
    if (!ASCII_LABEL_RE.test(label)) throw invalid();
    if (label.slice(2, 4) === '--' && !label.startsWith('xn--')) throw invalid();
  }
  if (!TLD_RE.test(asciiLabels[asciiLabels.length - 1]!)) {
    throw new Refusal('invalid-domain', `“${shown(typed)}” does not end in a valid domain ending (like .com or .org).`);
  }
  if (ascii.length > 253) throw new Refusal('too-long', `The domain “${shown(typed)}” is longer than a domain name can be.`);
  const unicodeLabels: string[] = [];
  for (const label of asciiLabels) {
    const decoded = label.startsWith('xn--') ? punycodeDecode(label.slice(4)) : label;
    // Punycode typed by hand can stand for symbols IDNA2008 does not allow (e.g. "xn--9ae" is "£¥").
    if (decoded === null || !UNICODE_LABEL_RE.test(decoded)) throw invalid();
    unicodeLabels.push(decoded);
  }
  const unicode = unicodeLabels.join('.');
  // The Unicode form shown must lead back to exactly this ASCII form...
  if (unicode !== ascii && toAsciiHost(unicode) !== ascii) throw invalid();
  // ...and be what was typed, up to case: no silent mapping (full-width letters, ignored characters).
  typedLabels.forEach((label, k) => {
    if (label !== unicodeLabels[k] && label !== asciiLabels[k]) {
      throw new Refusal(
        'invalid-domain',
        `The domain “${shown(typed)}” is written with unusual characters; mail would go to “${unicode}”. Type that domain if it is the one you mean.`,
      );
    }
  });
  const lookalike = unicode === ascii ? null : lookalikeProblem(unicodeLabels);
  if (lookalike) throw new Refusal('mixed-script', lookalike);
  return { unicode, ascii };
}

/** An addr-spec: local@domain. Throws a Refusal. */
function parseAddrSpec(spec: string, raw: string): { local: string; unicode: string; ascii: string } {
  let local: string;
  let rest: string;
  if (spec.startsWith('"')) {
    const q = readQuoted(spec, 0);
    if (!q) throw new Refusal('syntax', `“${shown(raw)}” has a quote (") that is not closed.`);
    if (/[@\uFF20\uFE6B]/u.test(q.content)) throw quotedAt(raw, spec.slice(q.end + 1));
    if (spec[q.end] !== '@') throw new Refusal('syntax', `“${shown(raw)}” is not an email address.`);
    if (!q.content) throw new Refusal('syntax', `“${shown(raw)}” has nothing before the @.`);
    if (/[\p{C}\p{Z}]/u.test(q.content.replace(/ /g, ''))) {
      throw new Refusal('syntax', `“${shown(raw)}” has invisible or control characters in it.`);
    }
    local = q.content;
    rest = spec.slice(q.end + 1);
  } else {
    const quoteAt = spec.indexOf('"');
    if (quoteAt >= 0) {
      const q = readQuoted(spec, quoteAt);
      if (q && /[@\uFF20\uFE6B]/u.test(q.content)) throw quotedAt(raw, spec.slice(spec.lastIndexOf('@') + 1));
      throw new Refusal('syntax', `“${shown(raw)}” is not an email address.`);
    }
    const at = spec.indexOf('@');
    if (at < 0) {
      throw new Refusal(
        'syntax',
        `“${shown(raw)}” is not an email address (it has no @). If it is part of a name with a comma, put the whole name in quotes: "Doe, John" <john@example.com>.`,
      );
    }
    local = spec.slice(0, at);
    rest = spec.slice(at + 1);
    if (!local) throw new Refusal('syntax', `“${shown(raw)}” has nothing before the @.`);
    if (/\s/u.test(spec)) {
      throw new Refusal('syntax', `“${shown(raw)}” has spaces in the address. To add a name, write: Name <address>.`);
    }
    if (AT_LOOKALIKE.test(local)) {
      throw new Refusal('syntax', `“${shown(raw)}” has a character that looks like @ but is not one, so it is easy to misread where it goes.`);
    }
    if (!DOT_ATOM_RE.test(local)) {
      throw new Refusal('syntax', `“${shown(raw)}” has characters before the @ that an address cannot have (or a dot at the start, end or twice in a row).`);
    }
  }
  if (rest.includes('@') || AT_LOOKALIKE.test(rest)) {
    throw new Refusal('syntax', `“${shown(raw)}” has more than one @.`);
  }
  if (utf8Length(quoteLocal(local)) > MAX_LOCAL_OCTETS) {
    throw new Refusal('too-long', `The part before the @ in “${shown(raw)}” is longer than 64 characters, more than an address can have.`);
  }
  const { unicode, ascii } = parseDomain(rest, raw);
  return { local, unicode, ascii };
}

function quotedAt(raw: string, realDomain: string): Refusal {
  return new Refusal(
    'quoted-at',
    `“${shown(raw)}” has an @ inside quotes, so it looks like one address but would go to ${realDomain ? `“${shown(realDomain)}”` : 'another place'}. Type the address without quotes.`,
  );
}

const QUOTED_STRING_RE = /"(?:[^"\\]|\\[\s\S])*"/g;

/** `s` with every quoted string blanked out (same length, so indexes match), or null if a quote is not closed. */
function maskQuotes(s: string): string | null {
  if (!s.includes('"')) return s;
  const masked = s.replace(QUOTED_STRING_RE, (q) => '\u0000'.repeat(q.length));
  return masked.includes('"') ? null : masked;
}

/** One mailbox: `addr-spec` or `[phrase] <addr-spec>`. Throws a Refusal. */
function parseMailbox(raw: string): ParsedAddress {
  if (raw.length > MAX_ITEM_CHARS) throw new Refusal('too-long', `“${shown(raw)}” is far longer than an address can be.`);
  if (LINE_BREAK.test(raw)) {
    throw new Refusal('line-break', `“${shown(raw)}” is split over more than one line inside quotes or angle brackets. Put each address on one line.`);
  }
  const masked = maskQuotes(raw);
  if (masked === null) throw new Refusal('syntax', `“${shown(raw)}” has a quote (") that is not closed.`);
  if (masked.includes('(') || masked.includes(')')) {
    throw new Refusal(
      'comment',
      `“${shown(raw)}” has text in parentheses, which can hide where mail really goes. Remove it; to add a name, write: "Name" <address>.`,
    );
  }
  if (CONTROL.test(raw)) {
    throw new Refusal('syntax', `“${shown(raw)}” has invisible control characters in it.`);
  }

  let name = '';
  let spec: string;
  const open = masked.indexOf('<');
  if (open >= 0) {
    const close = masked.indexOf('>', open);
    if (close < 0) throw new Refusal('syntax', `“${shown(raw)}” has a “<” without a matching “>”.`);
    if (masked.slice(close + 1).trim()) {
      throw new Refusal('syntax', `“${shown(raw)}” has text after the “>”. Separate addresses with commas.`);
    }
    spec = raw.slice(open + 1, close).trim();
    if (masked.slice(open + 1, close).includes('<')) throw new Refusal('syntax', `“${shown(raw)}” has more than one “<”.`);
    if (spec.startsWith('@')) {
      throw new Refusal(
        'syntax',
        `“${shown(raw)}” routes the message through another server first (<@server:…>). Type just the address.`,
      );
    }
    if (!spec) throw new Refusal('syntax', `“${shown(raw)}” has no address between < and >.`);
    name = parsePhrase(raw.slice(0, open), raw);
  } else {
    if (masked.includes('>')) throw new Refusal('syntax', `“${shown(raw)}” has a “>” without a “<”.`);
    spec = raw;
  }
  const maskedSpec = maskQuotes(spec) ?? '';
  const lastAt = maskedSpec.lastIndexOf('@');
  if ((lastAt >= 0 ? maskedSpec.slice(0, lastAt) : maskedSpec).includes(':')) {
    throw new Refusal('syntax', `“${shown(raw)}” has a “:”, which an address cannot have (lists cannot be inside lists).`);
  }
  const { local, unicode, ascii } = parseAddrSpec(spec, raw);
  const shownLocal = quoteLocal(local);
  const parsed: ParsedAddress = {
    name,
    address: `${shownLocal}@${unicode}`,
    envelope: `${shownLocal}@${ascii}`,
    domain: unicode,
    needsSmtpUtf8: !isAscii(local),
  };
  if (utf8Length(parsed.envelope) > MAX_ADDRESS_OCTETS) {
    throw new Refusal('too-long', `“${shown(raw)}” is longer than an email address can be (254 characters).`);
  }
  for (const m of name.matchAll(ADDRESS_LIKE_RE)) {
    const lookalike = m[0].toLowerCase();
    if (lookalike !== parsed.address.toLowerCase() && lookalike !== parsed.envelope.toLowerCase()) {
      throw new Refusal(
        'quoted-at',
        `The name in “${shown(raw)}” looks like the address “${shown(m[0])}”, but the mail would go to “${parsed.address}”. Remove that name or type the address you mean.`,
      );
    }
  }
  return parsed;
}


// ---------------------------------------------------------------------------------------------------
// The list: split into items (quotes, angle brackets and comments kept together), groups.

interface Group {
  nameRaw: string;
  start: number;
  members: string[];
}

/** A "group" named like a header field is a pasted or injected header line ("Bcc: x@y"), not a list. */
const HEADER_NAME_RE =
  /^(?:to|cc|bcc|from|sender|reply-to|subject|date|return-path|message-id|in-reply-to|references|mime-version|content-[a-z-]+|resent-(?:to|cc|bcc|from|sender|date))$/i;

const isLineBreak = (c: string) => c === '\n' || c === '\r' || c === '\u0085' || c === '\u2028' || c === '\u2029';

/**
 * Parses what a person typed in To, Cc or Bcc. Every valid address comes out once, in order; every
 * part that is not a valid address comes out as a problem, and nothing is made from it. Send only if
 * `invalid` is empty, to `addresses[].envelope`.
 */
export function parseAddressList(text: string): AddressList {
  const addresses: ParsedAddress[] = [];
  const invalid: AddressProblem[] = [];
  const groups: string[] = [];
  const seen = new Set<string>();

  const addMailbox = (raw: string) => {
    try {
      const a = parseMailbox(raw);
      const key = a.envelope.toLowerCase();
      if (!seen.has(key)) {
        seen.add(key);
        addresses.push(a);
      }
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      invalid.push(problem(raw, e.reason, e.message));
    }
  };

  let group: Group | null = null;
  const closeGroup = (end: number) => {
    if (!group) return;
    const g = group;
    group = null;
    const raw = text.slice(g.start, end).trim();
    let name: string;
    try {
      if (LINE_BREAK.test(g.nameRaw)) {
        throw new Refusal('line-break', `The list name “${shown(g.nameRaw.trim())}” is split over more than one line. Put it on one line.`);
      }
      const masked = maskQuotes(g.nameRaw);
      if (masked === null || CONTROL.test(g.nameRaw)) throw new Refusal('syntax', '');
      if (masked.includes('(') || masked.includes(')')) {
        throw new Refusal('comment', `The list name “${shown(g.nameRaw.trim())}” has text in parentheses. Remove it.`);
      }
      name = parsePhrase(g.nameRaw, raw);
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      const message = e.reason === 'syntax' ? `“${shown(g.nameRaw.trim())}” is not a valid name for a list of addresses (the text before “:”).` : e.message;
      invalid.push(problem(raw, e.reason, message));
      return;
    }
    if (HEADER_NAME_RE.test(name)) {
      invalid.push(
        problem(raw, 'syntax', `“${shown(raw)}” looks like a mail header line (“${name}:”), not a list of addresses. Type only addresses here.`),
      );
      return;
    }
    if (!name) {
      invalid.push(problem(raw, 'empty-group', `“${shown(raw)}” is a list of addresses without a name before the “:”. Remove the “:” or add a name.`));
      return;
    }
    if (!groups.includes(name)) groups.push(name);
    for (const m of g.members) addMailbox(m);
  };

  let start = 0;
  const endItem = (end: number) => {
    const raw = text.slice(start, end).trim();
    start = end + 1;
    if (!raw) return;
    if (group) group.members.push(raw);
    else addMailbox(raw);
  };

  let quote = false;
  let angle = false;
  let bracket = false;
  let comment = 0;
  // Only these characters change the state; jump from one to the next.
  const special = /["(),;:<>[\]\\\r\n\u0085\u2028\u2029]/g;
  for (let m = special.exec(text); m; m = special.exec(text)) {
    const i = m.index;
    const c = m[0];
    if (quote) {
      if (c === '\\') special.lastIndex = i + 2;
      else if (c === '"') quote = false;
    } else if (comment > 0) {
      if (c === '\\') special.lastIndex = i + 2;
      else if (c === '(') comment++;
      else if (c === ')') comment--;
    } else if (c === '"') quote = true;
    else if (c === '(') comment = 1;
    else if (angle) {
      if (c === '>') angle = false;
    } else if (bracket) {
      if (c === ']') bracket = false;
    } else if (c === '<') angle = true;
    else if (c === '[') bracket = true;
    else if (c === ',' || isLineBreak(c)) endItem(i);
    else if (c === ';') {
      endItem(i);
      closeGroup(i + 1);
    } else if (c === ':' && !group) {
      group = { nameRaw: text.slice(start, i), start, members: [] };
      start = i + 1;
    }
  }
  endItem(text.length);
  closeGroup(text.length);
  return { addresses, invalid, groups };
}

const formatPhrase = (name: string) => {
  const clean = name.replace(TAB_OR_CONTROL_OR_BIDI, ' ').trim();
  if (!clean) return '';
  return PHRASE_ATOMS_RE.test(clean) ? clean : `"${clean.replace(/[\\"]/g, '\\$&')}"`;
};

/** For display: `Name <local@domain>` (the name quoted when needed), or just the address. */
export function formatAddress(a: ParsedAddress): string {
  const name = formatPhrase(a.name);
  return name ? `${name} <${a.address}>` : a.address;
}

/**
 * For main, checking recipients that arrive over IPC: whether `envelope` is exactly an `envelope`
 * that parseAddressList produces (one valid address, ASCII domain, nothing else around it).
 */
export function isEnvelopeAddress(envelope: string): boolean {
  if (typeof envelope !== 'string' || LINE_BREAK.test(envelope)) return false;
  const r = parseAddressList(envelope);
  return r.invalid.length === 0 && r.groups.length === 0 && r.addresses.length === 1 && r.addresses[0]!.envelope === envelope;
}

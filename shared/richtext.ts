/**
 * Pure functions on the editor's document (TipTap / ProseMirror JSON): the text/plain rendering of
 * a rich message, the way back from plain text, and the checks on link and image addresses. No DOM,
 * no Node: runs in the renderer, the main process and the unit tests alike.
 */

/** A node of TipTap's JSON (`editor.getJSON()`); compatible with TipTap's `JSONContent`. */
export interface RichNode {
  type?: string;
  attrs?: Record<string, unknown>;
  content?: RichNode[];
  marks?: RichMark[];
  text?: string;
}

export interface RichMark {
  type: string;
  attrs?: Record<string, unknown>;
}

/** One block rendered as lines; an empty array is an empty paragraph. */
type Lines = string[];

const INDENT = '  ';

/**
 * The text/plain form of a document: paragraphs separated by a blank line (an empty paragraph adds
 * one more), hard breaks as newlines, list items as "- item" / "1. item" (nested lists two spaces
 * deeper), quotes as "> " on every line, links as "text <url>", images as "[image: alt]", code
 * blocks verbatim, and no markers for bold, italic and the like.
 */
export function docToPlainText(doc: RichNode | null | undefined): string {
  if (!doc || typeof doc !== 'object') return '';
  const lines = doc.type === 'doc' || !doc.type ? blocks(doc.content ?? []) : blocks([doc]);
  while (lines.length && lines[0]!.trim() === '') lines.shift();
  while (lines.length && lines[lines.length - 1]!.trim() === '') lines.pop();
  return lines.join('\n');
}

/** Blocks one after another, a blank line between them. */
function blocks(nodes: RichNode[]): Lines {
  const out: Lines = [];
  nodes.forEach((node, i) => {
    if (i > 0) out.push('');
    out.push(...block(node));
  });
  return out;
}

function block(node: RichNode): Lines {
  switch (node.type) {
    case 'paragraph':
    case 'heading':
      return inlineLines(node.content ?? []);
    case 'codeBlock':
      return textOf(node).split('\n');
    case 'blockquote':
      return blocks(node.content ?? []).map((line) => (line ? `> ${line}` : '>'));
    case 'bulletList':
      return list(node, () => '- ');
    case 'orderedList': {
      const start = typeof node.attrs?.start === 'number' && Number.isFinite(node.attrs.start) ? Math.trunc(node.attrs.start) : 1;
      const kind = typeof node.attrs?.type === 'string' ? node.attrs.type : '1';
      return list(node, (i) => `${ordinal(start + i, kind)}. `);
    }
    case 'horizontalRule':
      return ['---'];
    case 'hardBreak':
      return ['', ''];
    case 'image':
      return [imageText(node)];
    case 'text':
      return inlineLines([node]);
    default:
      // An unknown block: its blocks, or its inline content, or its text.
      if (node.content?.length) {
        return node.content.every(isInline) ? inlineLines(node.content) : blocks(node.content);
      }
      return node.text ? node.text.split('\n') : [];
  }
}

function list(node: RichNode, marker: (index: number) => string): Lines {
  const out: Lines = [];
  (node.content ?? []).forEach((item, i) => {
    const lines = listItem(item);
    const prefix = marker(i);
    if (!lines.length) lines.push('');
    lines.forEach((line, j) => out.push(j === 0 ? (prefix + line).trimEnd() : line ? INDENT + line : ''));
  });
  return out;
}

/** A list item's blocks: a nested list follows its paragraph directly, other blocks after a blank line. */
function listItem(item: RichNode): Lines {
  const children = item.content ?? [];
  if (item.type !== 'listItem' && item.type !== 'taskItem' && children.every(isInline)) return inlineLines(children);
  const out: Lines = [];
  children.forEach((child, i) => {
    if (i > 0 && !isList(child)) out.push('');
    out.push(...block(child));
  });
  return out;
}

const isList = (node: RichNode) => node.type === 'bulletList' || node.type === 'orderedList' || node.type === 'taskList';
const isInline = (node: RichNode) => node.type === 'text' || node.type === 'hardBreak' || node.type === 'image';

/** Inline content as lines: text, links with their address, images as a placeholder, hard breaks. */
function inlineLines(nodes: RichNode[]): Lines {
  let text = '';
  let i = 0;
  while (i < nodes.length) {
    const node = nodes[i]!;
    const href = linkOf(node);
    if (node.type === 'text' && href !== null) {
      // Neighbouring text nodes under the same link (e.g. partly bold) are one link.
      let label = '';
      while (i < nodes.length && nodes[i]!.type === 'text' && linkOf(nodes[i]!) === href) {
        label += nodes[i]!.text ?? '';
        i++;
      }
      text += linkText(label, href);
      continue;
    }
    if (node.type === 'text') text += node.text ?? '';
    else if (node.type === 'hardBreak') text += '\n';
    else if (node.type === 'image') text += imageText(node);
    else text += textOf(node);
    i++;
  }
  return text === '' ? [] : text.split('\n');
}

function linkOf(node: RichNode): string | null {
  const mark = node.marks?.find((m) => m.type === 'link');
  const href = mark?.attrs?.href;
  return typeof href === 'string' && href !== '' ? href : null;
}

function linkText(label: string, href: string): string {
  if (label === '' || label === href) return href;
  if (href.toLowerCase() === `mailto:${label.toLowerCase()}`) return label;
  return `${label} <${href}>`;
}

function imageText(node: RichNode): string {
  const alt = typeof node.attrs?.alt === 'string' ? node.attrs.alt.trim() : '';
  return alt ? `[image: ${alt}]` : '[image]';
}

/** All text below a node, hard breaks as newlines (for code blocks and unknown inline nodes). */
function textOf(node: RichNode): string {
  if (node.type === 'text') return node.text ?? '';
  if (node.type === 'hardBreak') return '\n';
  return (node.content ?? []).map(textOf).join('');
}

function ordinal(n: number, kind: string): string {
  if (n < 1) return String(n);
  switch (kind) {
    case 'a':
      return letters(n);
    case 'A':
      return letters(n).toUpperCase();
    case 'i':
      return roman(n);
    case 'I':
      return roman(n).toUpperCase();
    default:
      return String(n);
  }
}

function letters(n: number): string {
  let s = '';
  for (let k = n; k > 0; k = Math.floor((k - 1) / 26)) s = String.fromCharCode(97 + ((k - 1) % 26)) + s;
  return s;
}

function roman(n: number): string {
  if (n >= 4000) return String(n);
  const table: Array<[number, string]> = [
    [1000, 'm'], [900, 'cm'], [500, 'd'], [400, 'cd'], [100, 'c'], [90, 'xc'],
    [50, 'l'], [40, 'xl'], [10, 'x'], [9, 'ix'], [5, 'v'], [4, 'iv'], [1, 'i'],
  ];
  let s = '';
  let k = n;
  for (const [value, digits] of table) {
    while (k >= value) {
      s += digits;
      k -= value;
    }
  }
  return s;
}

/**
 * A document from plain text: a paragraph per block of lines separated by blank lines, single
 * newlines as hard breaks. Every blank line beyond the first between two blocks becomes an empty
 * paragraph, so `docToPlainText(plainTextToDoc(t))` gives `t` back (line ends as "\n", without
 * blank lines at the start and end, whitespace-only lines as blank ones).
 */
export function plainTextToDoc(text: string): RichNode {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const content: RichNode[] = [];
  let current: string[] = [];
  let blankRun = 0;
  const flush = () => {
    if (!current.length) return;
    if (content.length) for (let k = 1; k < blankRun; k++) content.push({ type: 'paragraph' });
    const inline: RichNode[] = [];
    current.forEach((line, i) => {
      if (i > 0) inline.push({ type: 'hardBreak' });
      inline.push({ type: 'text', text: line });
    });
    content.push({ type: 'paragraph', content: inline });
    current = [];
    blankRun = 0;
  };
  for (const line of lines) {
    if (line.trim() === '') {
      if (current.length) flush();
      blankRun++;
    } else {
      current.push(line);
    }
  }
  flush();
  return { type: 'doc', content: content.length ? content : [{ type: 'paragraph' }] };
}

/** Text for an HTML text node or a double- or single-quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const LINK_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/** Whether a link address may stay in a message: absolute http(s) without credentials, or mailto. */
export function isAllowedLinkHref(href: unknown): href is string {
  if (typeof href !== 'string' || href.trim() === '') return false;
  let url: URL;
  try {
    url = new URL(href.trim());
  } catch {
    return false;
  }
  if (!LINK_PROTOCOLS.has(url.protocol)) return false;
  if (url.protocol === 'mailto:') return url.pathname !== '' || url.search !== '';
  return url.hostname !== '' && !url.username && !url.password;
}

/**
 * What the person typed as a link address, made absolute: "example.org/x" becomes
 * "https://example.org/x", "name@example.org" becomes "mailto:name@example.org"; otherwise kept as
 * typed. Null for anything that is not an http(s) or mailto address.
 */
export function normalizeLinkHref(input: string): string | null {
  const raw = input.trim();
  if (!raw || /\s/.test(raw)) return null;
  let candidate: string;
  if (/^[a-z][a-z0-9+.-]*:/i.test(raw) && !/^[^:/@]+\.[^:/@]+:\d+(?:[/?#]|$)/.test(raw)) candidate = raw;
  else if (/^[^@/:?#]+@[^@/:?#]+\.[^@/:?#]+$/.test(raw)) candidate = `mailto:${raw}`;
  else if (/^[^@/:?#.]+(?:\.[^@/:?#.]+)+(?::\d+)?(?:[/?#].*)?$/.test(raw)) candidate = `https://${raw}`;
  else return null;
  return isAllowedLinkHref(candidate) ? candidate : null;
}

/** The image types the editor takes (raster only: no SVG, which can carry script). */
export const INLINE_IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;

const DATA_IMAGE_URL = /^data:image\/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+={0,2}$/i;

/** Whether an image source may stay in a message: only an inline data: URL of a raster type. */
export function isAllowedImageSrc(src: unknown): src is string {
  return typeof src === 'string' && DATA_IMAGE_URL.test(src);
}

/** The attribute that carries a pasted element's inline style once it is no longer a `style` attribute. */
export const MOVED_STYLE_ATTRIBUTE = 'data-mw-style';

/**
 * Makes pasted HTML safe to parse under a CSP without 'unsafe-inline' styles: Chromium reports
 * (and blocks) every `style` attribute and <style> element, even in a detached document. Renames
 * `style` attributes to `data-mw-style` (see `styleEmphasis`) and drops <style> and <script>
 * elements and comments. A small tokenizer, not a sanitizer: the result is still parsed against the
 * editor's schema.
 */
export function neutralizeInlineStyles(html: string): string {
  const lower = html.toLowerCase();
  const tagStart = /<([a-zA-Z][^\s/>]*)/y;
  const space = /[\s/]+/y;
  const attrName = /[^\s"'>/=][^\s"'>/=]*/y;
  const attrValue = /\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)?/y;
  let out = '';
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      out += html.slice(i);
      break;
    }
    out += html.slice(i, lt);
    i = lt;
    if (html.startsWith('<!--', i)) {
      const end = html.indexOf('-->', i + 4);
      i = end < 0 ? html.length : end + 3;
      continue;
    }
    tagStart.lastIndex = i;
    const start = tagStart.exec(html);
    if (!start) {
      out += '<';
      i++;
      continue;
    }
    const name = start[1]!.toLowerCase();
    let tag = start[0];
    let j = tagStart.lastIndex;
    while (j < html.length) {
      space.lastIndex = j;
      const ws = space.exec(html);
      if (ws) {
        tag += ws[0];
        j = space.lastIndex;
      }
      if (j >= html.length) break;
      if (html[j] === '>') {
        tag += '>';
        j++;
        break;
      }
      attrName.lastIndex = j;
      const attr = attrName.exec(html);
      if (!attr) {
        tag += html[j];
        j++;
        continue;
      }
      j = attrName.lastIndex;
      tag += attr[0].toLowerCase() === 'style' ? MOVED_STYLE_ATTRIBUTE : attr[0];
      attrValue.lastIndex = j;
      const value = attrValue.exec(html);
      if (value) {
        tag += value[0];
        j = attrValue.lastIndex;
      }
    }
    i = j;
    if (name === 'style' || name === 'script') {
      const close = lower.indexOf(`</${name}`, i);
      const end = close < 0 ? -1 : html.indexOf('>', close);
      i = end < 0 ? html.length : end + 1;
      continue;
    }
    out += tag;
  }
  return out;
}

/** The declarations of an inline style, property names in lower case, without `!important`. */
export function parseStyleDeclarations(css: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of css.split(';')) {
    const colon = part.indexOf(':');
    if (colon < 0) continue;
    const name = part.slice(0, colon).trim().toLowerCase();
    const value = part.slice(colon + 1).replace(/!\s*important\s*$/i, '').trim();
    if (name && value) out[name] = value;
  }
  return out;
}

/**
 * What an inline style says about emphasis: true (bold, italic…), false (explicitly normal, as
 * on Google Docs' outer `<b style="font-weight:normal">`) or absent.
 */
export function styleEmphasis(css: string): { bold?: boolean; italic?: boolean; underline?: boolean; strike?: boolean } {
  const d = parseStyleDeclarations(css);
  const out: { bold?: boolean; italic?: boolean; underline?: boolean; strike?: boolean } = {};
  const weight = d['font-weight']?.toLowerCase();
  if (weight) {
    if (weight === 'bold' || weight === 'bolder' || (/^\d+$/.test(weight) && Number(weight) >= 600)) out.bold = true;
    else if (weight === 'normal' || weight === 'lighter' || /^\d+$/.test(weight)) out.bold = false;
  }
  const style = d['font-style']?.toLowerCase();
  if (style) out.italic = style.startsWith('italic') || style.startsWith('oblique');
  const decoration = (d['text-decoration-line'] ?? d['text-decoration'])?.toLowerCase();
  if (decoration) {
    if (decoration.includes('underline')) out.underline = true;
    if (decoration.includes('line-through')) out.strike = true;
    if (decoration === 'none') out.underline = out.strike = false;
  }
  return out;
}

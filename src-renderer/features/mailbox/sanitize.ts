/**
 * A received message's HTML made inert before it is shown. Three layers, each enough on its own
 * for scripts: DOMPurify here (no scripts, handlers, forms, frames, plugins, meta/base/link, SVG or
 * MathML), a sandboxed frame without allow-scripts, and the frame's own CSP (MessageFrame.tsx).
 *
 * Remote content (images, backgrounds, CSS url()) is removed here rather than left for the CSP to
 * block, so not even a failing request leaves the machine and the person can be told how much was
 * held back. Styles are returned apart from the markup: the frame inherits the app's CSP, which
 * refuses inline styles, so MessageFrame applies them through the CSSOM instead (see there).
 */
import DOMPurify from 'dompurify';

export interface SanitizedMail {
  /** The <body> element, serialized; style attributes moved to data-mw-style. */
  body: string;
  /** The message's own <style> rules, cleaned the same way as style attributes. */
  css: string;
  /** How many remote images, backgrounds and CSS urls were held back. */
  blockedRemote: number;
}

export interface SanitizeOptions {
  allowRemote: boolean;
  /** cid: targets as data: URLs. */
  inlineImages: Record<string, string>;
}

/** The attribute that carries a cleaned style attribute to the frame (ALLOW_DATA_ATTR is off, so a sender cannot set it). */
export const STYLE_ATTR = 'data-mw-style';

const FORBID_TAGS = [
  'script', 'noscript', 'template', 'slot',
  'form', 'input', 'button', 'select', 'option', 'optgroup', 'textarea', 'datalist', 'output', 'keygen',
  'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'param', 'portal', 'fencedframe',
  'meta', 'base', 'link', 'dialog',
  'video', 'audio', 'source', 'track',
];
const FORBID_ATTR = ['target', 'ping', 'action', 'formaction', 'srcdoc', 'autofocus', 'popover', 'popovertarget', 'is', 'nonce', 'integrity', 'download', 'usemap'];

type UrlKind = 'remote' | 'data-image' | 'cid' | 'other';

function urlKind(raw: string): UrlKind {
  const url = raw.trim();
  if (/^(https?:)?\/\//i.test(url)) return 'remote';
  if (/^data:image\//i.test(url)) return 'data-image';
  if (/^cid:/i.test(url)) return 'cid';
  return 'other';
}

const CSS_URL = /url\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^)\s]*))\s*\)/gi;
const CSS_STRING = /"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'/g;
/** Functions that take an image as a bare string, not only as url(). */
const CSS_IMAGE_FUNCTION = /(?:image-set|image|src|cross-fade|element)\s*\(/i;

/**
 * Functions whose result is known only when the frame computes styles. Chromium keeps a value that uses one as
 * written (escapes, comments and all), as it does custom properties, @property initial values and @function results.
 */
const CSS_SUBSTITUTION = /(?:var|attr|env|if|inherit|--[^\s(),;:]*)\(/i;

/** CSS escapes decoded, as the CSS parser reads them (`\75 rl(` is `url(`): values kept as written still carry them. */
function cssUnescape(text: string): string {
  return text.replace(/\\(?:([0-9a-f]{1,6})(?:\r\n|[ \t\r\n\f])?|([^\r\n\f]))/gi, (_m, hex: string | undefined, char: string | undefined) => {
    if (hex === undefined) return char ?? '';
    const code = parseInt(hex, 16);
    return code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) ? '\ufffd' : String.fromCodePoint(code);
  });
}

/** The URLs a CSS value refers to, as serialized by the CSSOM (escapes decoded unless the value is kept as written). */
function cssUrls(value: string): string[] {
  const urls = [...value.matchAll(CSS_URL)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
  if (CSS_IMAGE_FUNCTION.test(value)) urls.push(...[...value.matchAll(CSS_STRING)].map((m) => m[1] ?? m[2] ?? ''));
  return urls;
}

class Cleaner {
  blockedRemote = 0;
  constructor(readonly options: SanitizeOptions) {}

  /** Keeps a URL-bearing value, or says why not: remote content is counted when held back. */
  allows(url: string, forImage: boolean): boolean {
    const kind = urlKind(url);
    if (kind === 'remote') return this.remote();
    return forImage && kind === 'data-image';
  }

  /** Remote content is kept only with the person's consent; held back, it is counted. */
  remote(): boolean {
    if (this.options.allowRemote) return true;
    this.blockedRemote += 1;
    return false;
  }

  /** Whether a CSS value may stay: everything it can load is allowed. */
  keeps(value: string): boolean {
    const plain = cssUnescape(value);
    if (!/url\(/i.test(plain) && !CSS_IMAGE_FUNCTION.test(plain)) return true;
    // What image-set(var(--u)), --fn("https://..."), src(attr(title)) load is only known in the frame: held back as remote.
    if (CSS_SUBSTITUTION.test(plain)) return this.remote();
    // Both forms: a value kept as written hides url( behind escapes, and a decoded one is what the CSSOM gave.
    const verdicts = [...cssUrls(value), ...cssUrls(plain)].map((u) => this.allows(u, true));
    return !verdicts.includes(false);
  }

  /** Drops every declaration that refers to something not allowed (remote without consent, or any other scheme). */
  declarations(style: CSSStyleDeclaration): void {
    // A shorthand that uses var() (background: image-set(var(--u) 1x)) leaves its longhands reading as '':
    // those are judged by the whole block's text, once.
    let pending: boolean | undefined;
    for (let i = style.length - 1; i >= 0; i--) {
      const name = style.item(i);
      const value = style.getPropertyValue(name);
      const keep = value === '' ? (pending ??= this.keeps(style.cssText)) : this.keeps(value);
      if (!keep) style.removeProperty(name);
    }
  }

  /** Walks the rules of a parsed sheet in place; @font-face and @import never survive (fonts never load in the frame). */
  rules(list: CSSRuleList, owner: CSSStyleSheet | CSSGroupingRule | null): void {
    for (let i = list.length - 1; i >= 0; i--) {
      const rule = list[i];
      if (!rule) continue;
      if (rule instanceof CSSFontFaceRule || rule instanceof CSSImportRule) {
        owner?.deleteRule(i);
        continue;
      }
      // An @namespace rule cannot be deleted while other rules follow it (deleteRule throws): styleSheet() leaves it out.
      if (rule instanceof CSSNamespaceRule) continue;
      // @property --p { syntax: '*'; initial-value: url(...) } loads wherever var(--p) is used.
      if (rule instanceof CSSPropertyRule) {
        if (!this.keeps(rule.initialValue ?? '')) owner?.deleteRule(i);
        continue;
      }
      if ('style' in rule && rule.style instanceof CSSStyleDeclaration) this.declarations(rule.style);
      // Style rules hold nested rules too (CSS nesting), and Chromium's CSSStyleRule is not a CSSGroupingRule.
      if (rule instanceof CSSGroupingRule || rule instanceof CSSStyleRule) this.rules(rule.cssRules, rule);
      else if (rule instanceof CSSKeyframesRule) this.rules(rule.cssRules, null);
    }
  }

  styleSheet(text: string): string {
    const sheet = new CSSStyleSheet();
    // replaceSync ignores @import; the sheet is never adopted here, so nothing it names is fetched.
    sheet.replaceSync(text);
    this.rules(sheet.cssRules, sheet);
    return [...sheet.cssRules].filter((r) => !(r instanceof CSSNamespaceRule)).map((r) => r.cssText).join('\n');
  }

  srcset(value: string): boolean {
    const candidates = value.split(',').map((c) => c.trim().split(/\s+/)[0] ?? '').filter(Boolean);
    const verdicts = candidates.map((c) => this.allows(c, true));
    return verdicts.length > 0 && !verdicts.includes(false);
  }

  element(node: Element): void {
    const src = node.getAttribute('src');
    if (src !== null) {
      if (node.localName === 'img' && urlKind(src) === 'cid') {
        const image = this.inlineImage(src);
        if (image) node.setAttribute('src', image);
        else node.removeAttribute('src');
      } else if (node.localName !== 'img' || !this.allows(src, true)) node.removeAttribute('src');
    }
    const srcset = node.getAttribute('srcset');
    if (srcset !== null && (node.localName !== 'img' || !this.srcset(srcset))) node.removeAttribute('srcset');
    for (const name of ['background', 'poster']) {
      const value = node.getAttribute(name);
      if (value !== null && !this.allows(value, true)) node.removeAttribute(name);
    }
    const href = node.getAttribute('href');
    if (href !== null && !/^(https?:\/\/|mailto:)/i.test(href.trim())) node.removeAttribute('href');
    const raw = node.getAttribute('style');
    if (raw !== null) {
      // Parsed through the CSSOM on a detached element: the attribute itself is not parsed here,
      // because DOMPurify's document inherits the app's CSP, which refuses inline styles.
      const scratch = document.createElement('div').style;
      scratch.cssText = raw;
      this.declarations(scratch);
      node.removeAttribute('style');
      if (scratch.cssText) node.setAttribute(STYLE_ATTR, scratch.cssText);
    }
  }

  inlineImage(src: string): string | undefined {
    let id = src.trim().slice(4);
    try {
      id = decodeURIComponent(id);
    } catch {
      // Kept as written.
    }
    const image = this.options.inlineImages[id] ?? this.options.inlineImages[`<${id}>`];
    return image && urlKind(image) === 'data-image' ? image : undefined;
  }
}

const purifier = DOMPurify(window);
let current: Cleaner | null = null;
purifier.addHook('afterSanitizeAttributes', (node) => current?.element(node));

export function sanitizeMail(html: string, options: SanitizeOptions): SanitizedMail {
  const cleaner = new Cleaner(options);
  current = cleaner;
  let root: Node;
  try {
    root = purifier.sanitize(html, {
      USE_PROFILES: { html: true },
      FORBID_TAGS,
      FORBID_ATTR,
      ALLOW_DATA_ATTR: false,
      WHOLE_DOCUMENT: true,
      RETURN_DOM: true,
    });
  } finally {
    current = null;
  }
  const doc = root instanceof Element ? root : null;
  const css: string[] = [];
  for (const style of doc ? [...doc.querySelectorAll('style')] : []) {
    try {
      css.push(cleaner.styleSheet(style.textContent ?? ''));
    } catch {
      // A sheet the cleaner cannot edit is dropped whole: a message must never stop the app from rendering.
    }
    style.remove();
  }
  const body = doc?.querySelector('body')?.outerHTML ?? '<body></body>';
  return { body, css: css.join('\n'), blockedRemote: cleaner.blockedRemote };
}

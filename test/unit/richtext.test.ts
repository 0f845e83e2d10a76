import { describe, expect, it } from 'vitest';
import {
  docToPlainText,
  escapeHtml,
  isAllowedImageSrc,
  isAllowedLinkHref,
  neutralizeInlineStyles,
  normalizeLinkHref,
  parseStyleDeclarations,
  plainTextToDoc,
  styleEmphasis,
  type RichMark,
  type RichNode,
} from '../../shared/richtext';

const doc = (...content: RichNode[]): RichNode => ({ type: 'doc', content });
const p = (...content: RichNode[]): RichNode => ({ type: 'paragraph', content });
const t = (text: string, ...marks: RichMark[]): RichNode => (marks.length ? { type: 'text', text, marks } : { type: 'text', text });
const br: RichNode = { type: 'hardBreak' };
const li = (...content: RichNode[]): RichNode => ({ type: 'listItem', content });
const ul = (...items: RichNode[]): RichNode => ({ type: 'bulletList', content: items });
const ol = (attrs: Record<string, unknown>, ...items: RichNode[]): RichNode => ({ type: 'orderedList', attrs, content: items });
const quote = (...content: RichNode[]): RichNode => ({ type: 'blockquote', content });
const link = (href: string): RichMark => ({ type: 'link', attrs: { href, target: null, rel: 'noopener noreferrer' } });
const bold: RichMark = { type: 'bold' };
const italic: RichMark = { type: 'italic' };

describe('docToPlainText', () => {
  it('gives an empty string for an empty document', () => {
    expect(docToPlainText(doc())).toBe('');
    expect(docToPlainText(doc(p()))).toBe('');
    expect(docToPlainText({ type: 'doc', content: [{ type: 'paragraph' }, { type: 'paragraph' }] })).toBe('');
    expect(docToPlainText(null)).toBe('');
    expect(docToPlainText(undefined)).toBe('');
  });

  it('separates paragraphs by a blank line; an empty paragraph adds one more', () => {
    expect(docToPlainText(doc(p(t('One')), p(t('Two'))))).toBe('One\n\nTwo');
    expect(docToPlainText(doc(p(t('One')), p(), p(t('Two'))))).toBe('One\n\n\nTwo');
    expect(docToPlainText(doc(p(), p(t('Only')), p()))).toBe('Only');
  });

  it('turns hard breaks into newlines', () => {
    expect(docToPlainText(doc(p(t('Dear Ann,'), br, t('thanks.'))))).toBe('Dear Ann,\nthanks.');
  });

  it('keeps bold, italic and other marks as plain text', () => {
    const d = doc(p(t('very ', italic), t('important', bold, italic), t(' and '), t('struck', { type: 'strike' }), t(' '), t('code()', { type: 'code' })));
    expect(docToPlainText(d)).toBe('very important and struck code()');
  });

  it('renders headings as their text', () => {
    expect(docToPlainText(doc({ type: 'heading', attrs: { level: 2 }, content: [t('Agenda', bold)] }, p(t('Items'))))).toBe('Agenda\n\nItems');
  });

  it('renders bullet lists with "- " and nests them by two spaces', () => {
    const d = doc(ul(li(p(t('Fruit')), ul(li(p(t('Apple'))), li(p(t('Pear')), ul(li(p(t('Conference'))))))), li(p(t('Bread')))));
    expect(docToPlainText(d)).toBe('- Fruit\n  - Apple\n  - Pear\n    - Conference\n- Bread');
  });

  it('numbers ordered lists from their start', () => {
    expect(docToPlainText(doc(ol({ start: 1 }, li(p(t('First'))), li(p(t('Second'))))))).toBe('1. First\n2. Second');
    expect(docToPlainText(doc(ol({ start: 7 }, li(p(t('Seventh'))), li(p(t('Eighth'))))))).toBe('7. Seventh\n8. Eighth');
    expect(docToPlainText(doc(ol({}, li(p(t('No start')))))) ).toBe('1. No start');
    expect(docToPlainText(doc(ol({ start: 3, type: 'a' }, li(p(t('c'))), li(p(t('d'))))))).toBe('c. c\nd. d');
    expect(docToPlainText(doc(ol({ start: 4, type: 'I' }, li(p(t('four'))))))).toBe('IV. four');
  });

  it('mixes ordered and bullet lists when nested', () => {
    const d = doc(ol({ start: 1 }, li(p(t('Step')), ul(li(p(t('detail'))), li(p(t('more'))))), li(p(t('Next')), ol({ start: 1 }, li(p(t('sub')))))));
    expect(docToPlainText(d)).toBe('1. Step\n  - detail\n  - more\n2. Next\n  1. sub');
  });

  it('indents hard breaks and further paragraphs inside a list item', () => {
    const d = doc(ul(li(p(t('line one'), br, t('line two')), p(t('second paragraph')))), p(t('After')));
    expect(docToPlainText(d)).toBe('- line one\n  line two\n\n  second paragraph\n\nAfter');
  });

  it('prefixes quotes with "> " on every line, nested quotes with "> > "', () => {
    const d = doc(p(t('Ann wrote:')), quote(p(t('Hello'), br, t('there')), p(t('P.S.')), quote(p(t('older')))), p(t('Reply')));
    expect(docToPlainText(d)).toBe('Ann wrote:\n\n> Hello\n> there\n>\n> P.S.\n>\n> > older\n\nReply');
  });

  it('puts lists inside quotes after the quote marker', () => {
    expect(docToPlainText(doc(quote(ul(li(p(t('a'))), li(p(t('b')))))))).toBe('> - a\n> - b');
  });

  it('writes links as "text <url>", or the url alone when the text is the url', () => {
    expect(docToPlainText(doc(p(t('See '), t('our site', link('https://example.org/')), t('.'))))).toBe('See our site <https://example.org/>.');
    expect(docToPlainText(doc(p(t('https://example.org/x', link('https://example.org/x')))))).toBe('https://example.org/x');
    expect(docToPlainText(doc(p(t('ann@example.org', link('mailto:ann@example.org')))))).toBe('ann@example.org');
    expect(docToPlainText(doc(p(t('write to Ann', link('mailto:ann@example.org')))))).toBe('write to Ann <mailto:ann@example.org>');
  });

  it('treats a partly formatted link as one link', () => {
    const d = doc(p(t('the '), t('new', link('https://example.org/'), bold), t(' release', link('https://example.org/')), t(' and '), t('docs', link('https://example.org/docs'))));
    expect(docToPlainText(d)).toBe('the new release <https://example.org/> and docs <https://example.org/docs>');
  });

  it('writes images as [image: alt] or [image]', () => {
    const img = (alt?: string): RichNode => ({ type: 'image', attrs: { src: 'data:image/png;base64,AAAA', alt: alt ?? null, title: null } });
    expect(docToPlainText(doc(p(t('Logo: '), img('logo.png'), t(' and '), img())))).toBe('Logo: [image: logo.png] and [image]');
    expect(docToPlainText(doc(img('block image')))).toBe('[image: block image]');
  });

  it('keeps code blocks verbatim', () => {
    const code = 'function f() {\n  return 1;\n}\n\n// end';
    expect(docToPlainText(doc(p(t('Code:')), { type: 'codeBlock', attrs: { language: null }, content: [t(code)] }, p(t('Done'))))).toBe(`Code:\n\n${code}\n\nDone`);
  });

  it('keeps non-ASCII text as it is', () => {
    const d = doc(p(t('Grüße aus Köln — 東京 🎉')), ul(li(p(t('Ελληνικά'))), li(p(t('עברית')))));
    expect(docToPlainText(d)).toBe('Grüße aus Köln — 東京 🎉\n\n- Ελληνικά\n- עברית');
  });

  it('renders a horizontal rule as a line of dashes', () => {
    expect(docToPlainText(doc(p(t('a')), { type: 'horizontalRule' }, p(t('b'))))).toBe('a\n\n---\n\nb');
  });
});

describe('plainTextToDoc', () => {
  it('makes a paragraph per block and hard breaks for single newlines', () => {
    expect(plainTextToDoc('Hi Ann,\nhow are you?\n\nBob')).toEqual(
      doc(p(t('Hi Ann,'), br, t('how are you?')), p(t('Bob'))),
    );
  });

  it('gives one empty paragraph for empty text', () => {
    expect(plainTextToDoc('')).toEqual(doc({ type: 'paragraph' }));
    expect(plainTextToDoc('\n \n')).toEqual(doc({ type: 'paragraph' }));
  });

  it('comes back unchanged through docToPlainText', () => {
    for (const text of [
      'one line',
      'a\nb\nc',
      'para one\n\npara two\nwith a break',
      'spaced\n\n\n\nout',
      '- not a list\n> not a quote\n  indented',
      'Grüße 東京 🎉\n\nעברית',
      'tabs\tand  double  spaces',
    ]) {
      expect(docToPlainText(plainTextToDoc(text)), JSON.stringify(text)).toBe(text);
    }
  });

  it('normalises line ends and drops blank lines at the start and end', () => {
    expect(docToPlainText(plainTextToDoc('\r\n\r\nfirst\r\nsecond\r\rthird\n\n'))).toBe('first\nsecond\n\nthird');
  });

  it('keeps the rich text of a plain-text round trip', () => {
    const rich = doc(p(t('Hello '), t('world', bold)), ul(li(p(t('one'))), li(p(t('two')))));
    const text = docToPlainText(rich);
    expect(docToPlainText(plainTextToDoc(text))).toBe(text);
  });
});

describe('escapeHtml', () => {
  it('escapes the five special characters', () => {
    expect(escapeHtml(`<a href="x">Tom & 'Jerry'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;');
    expect(escapeHtml('plain ü')).toBe('plain ü');
  });
});

describe('link and image addresses', () => {
  it('allows only http(s) and mailto links', () => {
    for (const ok of ['https://example.org/', 'http://example.org/a?b=c#d', 'mailto:ann@example.org', 'MAILTO:ann@example.org?subject=Hi']) {
      expect(isAllowedLinkHref(ok), ok).toBe(true);
    }
    for (const bad of ['javascript:alert(1)', ' java\tscript:alert(1)', 'data:text/html,<b>x</b>', 'file:///etc/passwd', 'ftp://example.org/', '/relative', '//example.org', 'https://user:pw@example.org/', 'mailto:', '', 42, null]) {
      expect(isAllowedLinkHref(bad), String(bad)).toBe(false);
    }
  });

  it('completes what the person typed into a link address', () => {
    expect(normalizeLinkHref('https://example.org/x')).toBe('https://example.org/x');
    expect(normalizeLinkHref('  example.org/path?q=1 ')).toBe('https://example.org/path?q=1');
    expect(normalizeLinkHref('example.org:8080/x')).toBe('https://example.org:8080/x');
    expect(normalizeLinkHref('ann@example.org')).toBe('mailto:ann@example.org');
    expect(normalizeLinkHref('mailto:ann@example.org')).toBe('mailto:ann@example.org');
    for (const bad of ['', 'not a link', 'javascript:alert(1)', 'localhost', 'ftp://example.org', 'https://exa mple.org']) {
      expect(normalizeLinkHref(bad), bad).toBeNull();
    }
  });

  it('allows only raster data: images', () => {
    expect(isAllowedImageSrc('data:image/png;base64,iVBORw0KGgo=')).toBe(true);
    expect(isAllowedImageSrc('data:image/webp;base64,UklGRg==')).toBe(true);
    for (const bad of ['data:image/svg+xml;base64,PHN2Zz4=', 'https://example.org/a.png', 'data:image/png,raw', 'data:image/png;base64,<script>', '', undefined]) {
      expect(isAllowedImageSrc(bad), String(bad)).toBe(false);
    }
  });
});

describe('pasted HTML under the CSP', () => {
  it('renames style attributes and drops <style>, <script> and comments', () => {
    expect(neutralizeInlineStyles('<p style="color:red">a</p>')).toBe('<p data-mw-style="color:red">a</p>');
    expect(neutralizeInlineStyles(`<span STYLE='font-weight:700' class=x>b</span>`)).toBe(`<span data-mw-style='font-weight:700' class=x>b</span>`);
    expect(neutralizeInlineStyles('<b style=font-weight:normal id="g">c</b>')).toBe('<b data-mw-style=font-weight:normal id="g">c</b>');
    expect(neutralizeInlineStyles('<p title="style=x" data-style="y">style="z" &lt;</p>')).toBe('<p title="style=x" data-style="y">style="z" &lt;</p>');
    expect(neutralizeInlineStyles('<head><style>p{color:red}</style></head><!--[if gte mso 9]><xml/><![endif]--><p>w</p><script>alert(1)</script>')).toBe('<head></head><p>w</p>');
    expect(neutralizeInlineStyles('a < b and <br/><img/style="x" src="data:,">')).toBe('a < b and <br/><img/data-mw-style="x" src="data:,">');
    expect(neutralizeInlineStyles('<p style="unterminated')).toBe('<p data-mw-style="unterminated');
    expect(neutralizeInlineStyles('Grüße <i style="x">東京</i>')).toBe('Grüße <i data-mw-style="x">東京</i>');
  });

  it('reads emphasis from an inline style', () => {
    expect(styleEmphasis('font-size:11pt;font-weight:700;')).toEqual({ bold: true });
    expect(styleEmphasis('font-weight: normal')).toEqual({ bold: false });
    expect(styleEmphasis('font-weight:400 !important')).toEqual({ bold: false });
    expect(styleEmphasis('font-style:italic;text-decoration:underline line-through')).toEqual({ italic: true, underline: true, strike: true });
    expect(styleEmphasis('font-style:normal;text-decoration:none')).toEqual({ italic: false, underline: false, strike: false });
    expect(styleEmphasis('color:red')).toEqual({});
    expect(parseStyleDeclarations('A: 1; b:2 !important;;c')).toEqual({ a: '1', b: '2' });
  });
});

/**
 * The palette in styles.css passes WCAG 2.2 contrast in light and in dark: text 4.5:1 (1.4.3), the
 * focus ring and the edges of controls 3:1 (1.4.11). Reads the CSS custom properties from the file
 * itself, so a colour changed there without checking fails here.
 *
 * The ratio is WCAG's own formula (relative luminance of sRGB), a few lines: written out here rather
 * than pulling in a colour library for one function.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const CSS = readFileSync(resolve(import.meta.dirname, '../../src-renderer/ui/styles.css'), 'utf8');

/** The custom properties declared in a block's body (`--name: value;`). */
function properties(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of body.matchAll(/(--[\w-]+)\s*:\s*([^;]+);/g)) out[m[1]!] = m[2]!.trim();
  return out;
}

/** The body of the first `{ … }` block that starts at or after `from` (nested braces counted). */
function blockBody(css: string, from: number): string {
  const open = css.indexOf('{', from);
  let depth = 0;
  for (let i = open; i < css.length; i++) {
    if (css[i] === '{') depth++;
    else if (css[i] === '}' && --depth === 0) return css.slice(open + 1, i);
  }
  throw new Error('unbalanced braces in styles.css');
}

function palettes(css: string): { light: Record<string, string>; dark: Record<string, string> } {
  const withoutComments = css.replace(/\/\*[\s\S]*?\*\//g, '');
  const rootAt = withoutComments.search(/(^|\n):root\s*\{/);
  const darkAt = withoutComments.search(/@media\s*\(prefers-color-scheme:\s*dark\)/);
  if (rootAt < 0 || darkAt < 0) throw new Error('styles.css has no :root block or no dark-mode block');
  const light = properties(blockBody(withoutComments, rootAt));
  const darkMedia = blockBody(withoutComments, darkAt);
  const darkRoot = blockBody(darkMedia, darkMedia.search(/:root\s*\{/));
  return { light, dark: { ...light, ...properties(darkRoot) } };
}

function luminance(hex: string): number {
  const m = /^#([0-9a-f]{6}|[0-9a-f]{3})$/i.exec(hex);
  if (!m) throw new Error(`not a hex colour: ${hex}`);
  const h = m[1]!.length === 3 ? [...m[1]!].map((c) => c + c).join('') : m[1]!;
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = parseInt(h.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** Foreground on background, as styles.css pairs them. */
const TEXT: Array<[string, string]> = [
  ['--text', '--bg'],
  ['--text', '--card'],
  ['--muted', '--bg'],
  ['--muted', '--card'],
  ['--accent', '--bg'], // links, the current folder
  ['--accent', '--card'], // the current screen in the navigation
  ['--accent-text', '--accent'], // primary buttons
  ['--danger', '--danger-bg'],
  ['--danger', '--card'],
  ['--danger', '--bg'],
  ['--success', '--success-bg'],
  ['--success', '--card'],
  ['--success', '--bg'],
  ['--text', '--warning-bg'],
  ['--text', '--info-bg'],
];
const NON_TEXT: Array<[string, string]> = [
  ['--accent', '--bg'], // the focus ring
  ['--accent', '--card'],
  ['--control-border', '--bg'], // edges of inputs and buttons
  ['--control-border', '--card'],
  ['--danger', '--bg'], // an invalid field's edge
];

describe('theme contrast (styles.css)', () => {
  const themes = palettes(CSS);

  it('computes WCAG ratios (known pairs)', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
    // The dark theme's old accent on its card: the failure axe reported (2.87:1).
    expect(contrast('#2f5bea', '#1d2230')).toBeCloseTo(2.87, 2);
  });

  for (const [name, palette] of Object.entries(themes)) {
    it(`${name}: text is at least 4.5:1 on its backgrounds`, () => {
      const failing = TEXT.map(([fg, bg]) => ({ pair: `${fg} on ${bg}`, ratio: contrast(palette[fg]!, palette[bg]!) })).filter((r) => r.ratio < 4.5);
      expect(failing).toEqual([]);
    });
    it(`${name}: the focus ring and control edges are at least 3:1`, () => {
      const failing = NON_TEXT.map(([fg, bg]) => ({ pair: `${fg} on ${bg}`, ratio: contrast(palette[fg]!, palette[bg]!) })).filter((r) => r.ratio < 3);
      expect(failing).toEqual([]);
    });
  }

  it('reads both palettes from the file (a renamed property fails here, not silently)', () => {
    for (const palette of Object.values(themes)) {
      for (const [fg, bg] of [...TEXT, ...NON_TEXT]) {
        expect(palette[fg], fg).toMatch(/^#/);
        expect(palette[bg], bg).toMatch(/^#/);
      }
    }
    expect(themes.dark['--bg']).not.toBe(themes.light['--bg']);
  });
});

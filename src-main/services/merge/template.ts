/**
 * A mail merge's template (issue 14): the compose window's To, Cc, Subject and body with fields from
 * the data's columns.
 *
 *   {{FirstName}}              the row's value
 *   {{FirstName|there}}        the value, or "there" when it is empty
 *   {{#if Company}}…{{/if}}    the text only when the row has a Company
 *
 * Handlebars does the work (escaping on by default, conditions, no evaluation of values): the
 * person's syntax above is turned into Handlebars' own with helpers that look a column up by its
 * name, so a column called "First Name" works and a value is never read as a template. A value
 * `{{x}}` or `<script>` stays text: HTML-escaped in the HTML part, as it is in the others.
 *
 * Main process only: Handlebars compiles templates to functions, which the renderer's CSP forbids.
 */
import Handlebars from 'handlebars';

/** `{{#if Column}}`, `{{/if}}`, `{{Column}}` or `{{Column|fallback}}`; anything else between braces is an error. */
const TAG = /\{\{\s*(?:#if\s+([^{}]+?)|\/if|([^{}#/|][^{}|]*?)(?:\|([^{}]*))?)\s*\}\}/g;

export class TemplateError extends Error {
  constructor(
    message: string,
    /** The part of the template that is wrong, as typed. */
    readonly near: string,
  ) {
    super(message);
  }
}

export interface MergeTemplate {
  /** The columns the template uses, in the order they first appear. */
  fields: string[];
  /** Those used with no fallback and outside any {{#if}}: an empty value shows as a gap (the preview warns). */
  bare: string[];
  /**
   * The text for one row; `html` escapes values for an HTML part; `address` (To, Cc) puts a value that
   * is not itself an address in quotes when it holds a character that means something in an address
   * list ("Smith, Ann" stays one name, not two addresses).
   */
  render(values: Readonly<Record<string, string>>, options?: { html?: boolean; address?: boolean }): string;
}

const quote = (s: string) => JSON.stringify(s);

/** A display name with specials, as an RFC 5322 quoted-string; an address (it has an @) as it is. */
function quotedForAddress(value: string): string {
  if (value.includes('@') || !/[<>",;:()[\]\\]/.test(value)) return value;
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * The person's template made into Handlebars source: literal text goes through a helper (never parsed
 * by Handlebars, so no brace or backslash in it can mean anything), fields and conditions as helper
 * calls by column name.
 */
function toHandlebars(template: string, fields: string[], literals: string[], bare: string[]): string {
  const text = (literal: string) => {
    if (!literal) return '';
    literals.push(literal);
    return `{{mw_text ${literals.length - 1}}}`;
  };
  const triple = template.search(/\{\{\{|\}\}\}/);
  if (triple >= 0) throw new TemplateError('A field has two braces on each side: {{Column}}.', template.slice(triple, triple + 40));
  let out = '';
  let at = 0;
  let open = 0;
  for (const m of template.matchAll(TAG)) {
    const literal = template.slice(at, m.index);
    if (/\{\{|\}\}/.test(literal)) throw new TemplateError('Fields are written {{Column}}, {{Column|fallback}} or {{#if Column}}…{{/if}}.', literal.slice(Math.max(0, literal.search(/\{\{|\}\}/)), 40));
    out += text(literal);
    at = m.index + m[0].length;
    const [, ifColumn, column, fallback] = m;
    const use = (name: string) => {
      const c = name.trim();
      if (!fields.includes(c)) fields.push(c);
      return c;
    };
    if (ifColumn !== undefined) {
      open++;
      out += `{{#if (mw_has ${quote(use(ifColumn))})}}`;
    } else if (column === undefined) {
      if (!open) throw new TemplateError('There is an {{/if}} without its {{#if …}}.', m[0]);
      open--;
      out += '{{/if}}';
    } else {
      const c = use(column);
      if (fallback === undefined && !open && !bare.includes(c)) bare.push(c);
      out += `{{mw_value ${quote(c)} ${quote((fallback ?? '').trim())}}}`;
    }
  }
  const rest = template.slice(at);
  if (/\{\{|\}\}/.test(rest)) throw new TemplateError('Fields are written {{Column}}, {{Column|fallback}} or {{#if Column}}…{{/if}}.', rest.slice(Math.max(0, rest.search(/\{\{|\}\}/)), 40));
  if (open) throw new TemplateError('An {{#if …}} has no {{/if}}.', '{{#if');
  return out + text(rest);
}

/** Compiles a template; throws TemplateError with what is wrong in the person's words. */
export function compileTemplate(template: string): MergeTemplate {
  const fields: string[] = [];
  const literals: string[] = [];
  const bare: string[] = [];
  const source = toHandlebars(template, fields, literals, bare);
  const hb = Handlebars.create();
  // The template's own text, as written (HTML in an HTML body is the person's markup, not a value).
  hb.registerHelper('mw_text', (index: number) => new hb.SafeString(literals[index] ?? ''));
  let row: Readonly<Record<string, string>> = {};
  let inAddress = false;
  hb.registerHelper('mw_value', (name: string, fallback: string) => {
    const value = Object.prototype.hasOwnProperty.call(row, name) ? (row[name] ?? '') : '';
    const chosen = value.trim() ? value : fallback;
    return inAddress ? quotedForAddress(chosen) : chosen;
  });
  hb.registerHelper('mw_has', (name: string) => Object.prototype.hasOwnProperty.call(row, name) && Boolean((row[name] ?? '').trim()));
  const compiled = {
    html: hb.compile(source, { strict: false, noEscape: false, knownHelpersOnly: true, knownHelpers: { mw_text: true, mw_value: true, mw_has: true, if: true } }),
    text: hb.compile(source, { strict: false, noEscape: true, knownHelpersOnly: true, knownHelpers: { mw_text: true, mw_value: true, mw_has: true, if: true } }),
  };
  return {
    fields,
    bare,
    render(values, options = {}) {
      row = values;
      inAddress = Boolean(options.address);
      try {
        return (options.html ? compiled.html : compiled.text)({});
      } finally {
        row = {};
        inAddress = false;
      }
    },
  };
}

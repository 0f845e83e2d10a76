import { describe, expect, it } from 'vitest';
import { compileTemplate, TemplateError } from '../../src-main/services/merge/template';

describe('a mail merge template', () => {
  it('fills fields by column name, spaces included, and lists the fields it uses', () => {
    const t = compileTemplate('Dear {{First Name}}, your invoice {{ Invoice }} is ready. {{First Name}}');
    expect(t.fields).toEqual(['First Name', 'Invoice']);
    expect(t.render({ 'First Name': 'Ann', Invoice: 'A-17' })).toBe('Dear Ann, your invoice A-17 is ready. Ann');
  });

  it('a fallback for an empty or missing value', () => {
    const t = compileTemplate('Hello {{FirstName|there}}!');
    expect(t.render({ FirstName: 'Bob' })).toBe('Hello Bob!');
    expect(t.render({ FirstName: '  ' })).toBe('Hello there!');
    expect(t.render({})).toBe('Hello there!');
  });

  it('a condition shows its text only when the column has a value, and may hold fields', () => {
    const t = compileTemplate('Hi {{Name}}.{{#if Company}} How is {{Company}}?{{/if}} Bye');
    expect(t.render({ Name: 'Ann', Company: 'Acme' })).toBe('Hi Ann. How is Acme? Bye');
    expect(t.render({ Name: 'Ann', Company: '' })).toBe('Hi Ann. Bye');
  });

  it('a value stays text: HTML-escaped in the HTML part, never read as a template, never a helper', () => {
    const t = compileTemplate('<p>Dear {{Name}}</p>');
    const evil = { Name: '<script>alert(1)</script> {{Other}} {{#if x}}' };
    expect(t.render(evil, { html: true })).toBe('<p>Dear &lt;script&gt;alert(1)&lt;/script&gt; {{Other}} {{#if x}}</p>');
    expect(t.render(evil)).toBe('<p>Dear <script>alert(1)</script> {{Other}} {{#if x}}</p>');
    // A column named like a Handlebars helper or a prototype member is just a column.
    const odd = compileTemplate('{{lookup}} {{constructor}} {{__proto__|none}}');
    expect(odd.render({ lookup: 'L', constructor: 'C' })).toBe('L C none');
  });

  it('the template’s own text is kept as written: single braces, backslashes, the HTML of the body', () => {
    const t = compileTemplate('a { b } \\{{Name}}\\ <b>{c}</b>{');
    expect(t.render({ Name: 'N' }, { html: true })).toBe('a { b } \\N\\ <b>{c}</b>{');
  });

  it('a mistake in the template is said in words, with where it is', () => {
    for (const [bad, near] of [
      ['Hello {{Name', '{{Name'],
      ['{{#if A}}open', '{{#if'],
      ['closed{{/if}}', '{{/if}}'],
      ['{{{Name}}}', '{{{Name}}}'],
    ] as const) {
      expect(() => compileTemplate(bad), bad).toThrow(TemplateError);
      try {
        compileTemplate(bad);
      } catch (e) {
        expect((e as TemplateError).near, bad).toContain(near.slice(0, 5));
      }
    }
  });
});

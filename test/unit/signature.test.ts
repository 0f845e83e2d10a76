import { describe, expect, it } from 'vitest';
import { signatureHtml, signatureText, swapSignature } from '../../shared/signature';

describe('signatures', () => {
  it('are added after a "-- " line in both parts, escaped in HTML', () => {
    expect(signatureText('Alice\nMailwright <sales>')).toBe('\n\n-- \nAlice\nMailwright <sales>');
    expect(signatureHtml('Alice\nMailwright <sales>')).toBe('<p>-- <br>Alice<br>Mailwright &lt;sales&gt;</p>');
    expect(signatureText('   ')).toBe('');
  });

  it('are swapped when the From address changes, in plain and rich bodies', () => {
    const plain = swapSignature({ mode: 'plain', html: '', text: 'Hello' }, '', 'Alice');
    expect(plain.text).toBe('Hello\n\n-- \nAlice');
    expect(swapSignature(plain, 'Alice', 'Sales team').text).toBe('Hello\n\n-- \nSales team');
    expect(swapSignature(plain, 'Alice', '').text).toBe('Hello');

    const empty = swapSignature({ mode: 'rich', html: '', text: '' }, '', 'Alice');
    expect(empty).toEqual({ mode: 'rich', html: '<p></p><p>-- <br>Alice</p>', text: '\n\n-- \nAlice' });
    const rich = swapSignature({ mode: 'rich', html: '<p>Hi</p><p>-- <br>Alice</p>', text: 'Hi\n\n-- \nAlice' }, 'Alice', 'Bob');
    expect(rich).toEqual({ mode: 'rich', html: '<p>Hi</p><p>-- <br>Bob</p>', text: 'Hi\n\n-- \nBob' });
  });

  it('leave a signature the person edited alone', () => {
    const edited = { mode: 'plain' as const, html: '', text: 'Hello\n\n-- \nAlice (on holiday)' };
    expect(swapSignature(edited, 'Alice', 'Bob')).toBe(edited);
  });
});

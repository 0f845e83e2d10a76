import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileMerge } from '../../src-main/services/merge/build';

const dir = mkdtempSync(join(tmpdir(), 'mailwright-merge-build-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const from = { name: 'Club', address: 'club@example.org' };

describe('one personal message per row', () => {
  const invoice = join(dir, 'invoice-17.pdf');
  writeFileSync(invoice, '%PDF-1.4 test');
  const merge = compileMerge({
    to: '{{Name}} <{{Email}}>',
    cc: '{{Accountant}}',
    subject: 'Invoice {{Invoice}} for {{Name|you}}',
    text: 'Dear {{Name|member}},\n{{#if Company}}For {{Company}}.\n{{/if}}Amount: {{Amount}}',
    html: '<p>Dear {{Name|member}},</p>{{#if Company}}<p>For {{Company}}.</p>{{/if}}<p>Amount: {{Amount}}</p>',
    attachmentColumn: 'Files',
    listUnsubscribe: { https: 'https://club.example.org/u' },
  });

  it('fills every part from the row, escapes values in the HTML part only, and attaches the row’s files', async () => {
    expect(merge.fields).toEqual(['Name', 'Email', 'Accountant', 'Invoice', 'Company', 'Amount']);
    const { message, warnings } = await merge.build(
      { Name: 'Ann <Boss>', Email: 'ann@example.org', Accountant: '', Invoice: 'A-17', Company: 'Smith & Co', Amount: '€ 40', Files: invoice },
      from,
    );
    expect(warnings).toEqual([{ kind: 'empty-field', column: 'Accountant' }]);
    expect(message).toMatchObject({
      from,
      to: [{ name: 'Ann <Boss>', address: 'ann@example.org' }],
      cc: [],
      subject: 'Invoice A-17 for Ann <Boss>',
      // With an unsubscribe link, every message shows it at the end too (not only in a header).
      text: 'Dear Ann <Boss>,\nFor Smith & Co.\nAmount: € 40\n\nTo stop receiving these messages, unsubscribe: https://club.example.org/u\n',
      html:
        '<p>Dear Ann &lt;Boss&gt;,</p><p>For Smith &amp; Co.</p><p>Amount: € 40</p>' +
        '<p style="font-size:small;color:#555">To stop receiving these messages, unsubscribe: <a href="https://club.example.org/u">https://club.example.org/u</a></p>',
      attachments: [{ filename: 'invoice-17.pdf', path: invoice }],
      listUnsubscribe: { https: 'https://club.example.org/u' },
    });
  });

  it('a row whose address or attachment is wrong is not built, and the preview says why', async () => {
    const missing = join(dir, 'nope.pdf');
    const r = await merge.build({ Name: 'Bob', Email: 'not-an-address', Invoice: 'B-1', Amount: '1', Files: missing }, from);
    expect(r.message).toBeNull();
    expect(r.warnings.map((w) => w.kind).sort()).toEqual(['attachment-not-found', 'bad-address', 'empty-field', 'no-recipient']);
    // A relative path is not looked up from wherever the app runs.
    const relative = await merge.build({ Name: 'Bob', Email: 'bob@example.org', Invoice: 'B-1', Amount: '1', Files: 'package.json' }, from);
    expect(relative.warnings).toEqual([{ kind: 'empty-field', column: 'Accountant' }, { kind: 'attachment-not-found', path: 'package.json' }]);
    // A name with a comma stays one name in To, not two addresses.
    const comma = await merge.build({ Name: 'Smith, Ann "Annie"', Email: 'ann@example.org', Invoice: 'C-3', Amount: '1' }, from);
    expect(comma.message?.to).toEqual([{ name: 'Smith, Ann "Annie"', address: 'ann@example.org' }]);
    // A value never turns into another row's field or a header.
    const sneaky = await merge.build({ Name: '{{Email}}', Email: 'c@example.org', Invoice: 'X\r\nBcc: evil@example.org', Amount: '1' }, from);
    expect(sneaky.message?.subject).toBe('Invoice X Bcc: evil@example.org for {{Email}}');
    expect(sneaky.message?.to).toEqual([{ name: '{{Email}}', address: 'c@example.org' }]);
  });

  it('the visible unsubscribe line names the address when there is no link, escaped in the HTML, before </body>', async () => {
    const bare = compileMerge({ to: '{{Email}}', cc: '', subject: 'Hi', text: 'Hello\n\n', html: '<html><body><p>Hello</p></body></html>', listUnsubscribe: { mailto: 'leave+a&b@club.example.org' } });
    const { message } = await bare.build({ Email: 'ann@example.org' }, from);
    expect(message?.text).toBe('Hello\n\nTo stop receiving these messages, unsubscribe: write to leave+a&b@club.example.org with the subject "unsubscribe"\n');
    expect(message?.html).toBe(
      '<html><body><p>Hello</p><p style="font-size:small;color:#555">To stop receiving these messages, unsubscribe: ' +
        '<a href="mailto:leave+a&amp;b@club.example.org?subject=unsubscribe">leave+a&amp;b@club.example.org</a></p></body></html>',
    );
    // Without unsubscribe information nothing is added.
    const plain = await compileMerge({ to: '{{Email}}', cc: '', subject: 'Hi', text: 'Hello' }).build({ Email: 'ann@example.org' }, from);
    expect(plain.message?.text).toBe('Hello');
  });
});

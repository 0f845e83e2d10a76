// The merge view's words and its template draft (src-renderer/features/merge): what a person reads
// about a row left out, a preview warning, the data as read and the plan; and which field a template
// error from main is shown next to.
import { describe, expect, it } from 'vitest';
import { appError } from '../../shared/result';
import { finishText, paceText, readAsText, rowProblemText, warningText } from '../../src-renderer/features/merge/merge-text';
import { emptyDraft, templateErrors, toTemplate } from '../../src-renderer/features/merge/template-draft';

describe('merge words', () => {
  it('says why a row is left out', () => {
    expect(rowProblemText({ kind: 'no-address' })).toBe('no address');
    expect(rowProblemText({ kind: 'bad-address', text: 'a@@b', message: 'Two @ signs.' })).toBe('not a valid address: Two @ signs.');
    expect(rowProblemText({ kind: 'look-alike', text: 'x', message: 'Mixed.' })).toMatch(/^looks like another address \(mixed scripts\)/);
    expect(rowProblemText({ kind: 'duplicate', firstRow: 4 })).toBe('same address as row 4');
    expect(rowProblemText({ kind: 'empty', column: 'Company' })).toBe('Company is empty');
    expect(rowProblemText({ kind: 'several-addresses', count: 2 })).toMatch(/^2 addresses/);
  });

  it('names the encoding and the delimiter in words', () => {
    expect(readAsText({ encoding: 'utf-8', delimiter: ',' })).toBe('Read as UTF-8, columns separated by commas.');
    expect(readAsText({ encoding: 'windows-1252', delimiter: '\t' })).toBe('Read as Windows-1252 (Western European), columns separated by tabs.');
  });

  it('says what a preview warns about, with the fallback to add', () => {
    expect(warningText({ kind: 'empty-field', column: 'Name' })).toContain('{{Name|…}}');
    expect(warningText({ kind: 'too-large', sizeBytes: 30 * 1024 * 1024, limitBytes: 25 * 1024 * 1024 })).toBe('Too large: 30.0 MB, and the server accepts at most 25.0 MB.');
  });

  it('says the pace and when it finishes: today, or spread over days', () => {
    expect(paceText({ recipientsPerDay: null, messagesPerMinute: 30 })).toBe('at most 30 a minute, no daily limit');
    const now = new Date(2026, 11, 5, 10, 0);
    expect(finishText({ days: 1, finishesAt: new Date(2026, 11, 5, 14, 20).toISOString() }, now)).toMatch(/^Finishes around 14:20 today\.$|^Finishes around 02:20 PM today\.$/);
    expect(finishText({ days: 3, finishesAt: new Date(2026, 11, 7, 9, 0).toISOString() }, now)).toMatch(/^Spread over 3 days: finishes /);
  });
});

describe('merge template draft', () => {
  it('needs a recipient and real unsubscribe addresses before it goes to main', () => {
    const draft = { ...emptyDraft('a1'), unsubscribeMailto: 'nope', unsubscribeHttps: 'http://x.example' };
    const { template, errors } = toTemplate(draft);
    expect(template).toBeNull();
    expect(Object.keys(errors).sort()).toEqual(['to', 'unsubscribeHttps', 'unsubscribeMailto']);
  });

  it('sends a plain-text body without HTML, and only the unsubscribe parts given', () => {
    const { template } = toTemplate({
      ...emptyDraft('a1'),
      to: '{{Email}}',
      body: { mode: 'plain', html: '<p>old</p>', text: 'Hi {{Name}}' },
      unsubscribeMailto: 'leave@example.org',
    });
    expect(template).toEqual({ accountId: 'a1', identityId: '', to: '{{Email}}', cc: '', subject: '', body: { mode: 'plain', html: '', text: 'Hi {{Name}}' }, unsubscribe: { mailto: 'leave@example.org' } });
  });

  it('puts a template error from main next to the part it names', () => {
    const invalid = templateErrors(appError('MERGE_TEMPLATE_INVALID', { fields: [{ path: 'subject', problem: '{{Name' }] }));
    expect(invalid?.subject).toContain('near “{{Name”');
    const unknown = templateErrors(appError('MERGE_COLUMN_UNKNOWN', { fields: [{ path: 'body', problem: 'Nmae' }, { path: 'attachmentColumn', problem: 'Files' }] }));
    expect(unknown?.body).toContain('no column “Nmae”');
    expect(unknown?.attachmentColumn).toContain('“Files”');
    // The mapping's columns are the data step's, and other errors are notices.
    expect(templateErrors(appError('MERGE_COLUMN_UNKNOWN', { fields: [{ path: 'mapping', problem: 'Email' }] }))).toBeNull();
    expect(templateErrors(appError('MERGE_NOT_FOUND'))).toBeNull();
  });
});

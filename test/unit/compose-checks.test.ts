import { describe, expect, it } from 'vitest';
import { mentionsAttachment, ownText, questionsBeforeSending } from '../../shared/compose-checks';
import { docToPlainText } from '../../shared/richtext';

describe('what the compose window asks before sending', () => {
  it('asks about an empty subject, an empty body and a mentioned attachment with nothing attached', () => {
    expect(questionsBeforeSending({ subject: '', text: 'Hello', attachments: 0 })).toEqual(['no-subject']);
    expect(questionsBeforeSending({ subject: 'Hi', text: '  \n ', attachments: 0 })).toEqual(['no-body']);
    expect(questionsBeforeSending({ subject: 'Hi', text: 'See the attached report.', attachments: 0 })).toEqual(['attachment-mentioned']);
    expect(questionsBeforeSending({ subject: 'Hi', text: 'See the attached report.', attachments: 1 })).toEqual([]);
    expect(questionsBeforeSending({ subject: '', text: '', attachments: 0 })).toEqual(['no-subject', 'no-body']);
    expect(questionsBeforeSending({ subject: 'Hi', text: 'Nothing to see.', attachments: 0 })).toEqual([]);
  });

  it('finds attached, attachment(s), attaching and enclosed as words, in any case', () => {
    for (const text of ['I have ATTACHED it', 'the attachment', 'two attachments', 'I am attaching it', 'Enclosed is the form']) expect(mentionsAttachment(text), text).toBe(true);
    for (const text of ['detached house', 'an attache case', 'closed', 'attachedness']) expect(mentionsAttachment(text), text).toBe(false);
  });

  it('counts only the person’s own words: not quoted reply text, the attribution, a forwarded message or the signature', () => {
    const reply = 'Thanks, will read it.\n\n-- \nAlice\n\nOn 3 May 2026, Bob <bob@example.org> wrote:\n> See the attached file.\n>\n> Bob';
    expect(ownText(reply)).toBe('Thanks, will read it.');
    expect(mentionsAttachment(reply)).toBe(false);
    const forward = '\n\n---------- Forwarded message ----------\nFrom: Bob\nSubject: Report\n\nThe report is attached.';
    expect(ownText(forward)).toBe('');
    expect(questionsBeforeSending({ subject: 'Fwd: Report', text: forward, attachments: 0 })).toEqual(['no-body']);
    // A signature that mentions attachments is not the person writing about one.
    expect(mentionsAttachment('Hi Bob\n\n-- \nAttachments are scanned')).toBe(false);
    // A body with only the signature is empty.
    expect(questionsBeforeSending({ subject: 'Hi', text: '\n\n-- \nAlice', attachments: 0 })).toEqual(['no-body']);
    // The person's words below a quote still count.
    expect(mentionsAttachment('Bob wrote:\n> Send it\n\nHere it is, attached.')).toBe(true);
  });

  it('a reply with no words of its own asks, also once the editor has its text (a blank line between the attribution and the quote)', () => {
    // What the rich editor emits for a fresh reply: an empty paragraph, the attribution, the quote.
    const text = docToPlainText({
      type: 'doc',
      content: [
        { type: 'paragraph' },
        { type: 'paragraph', content: [{ type: 'text', text: 'On 4 Dec 2026, 22:50 UTC, Bob <bob@example.org> wrote:' }] },
        { type: 'blockquote', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Lunch?' }] }] },
      ],
    });
    expect(text).toContain('wrote:\n\n> Lunch?');
    expect(questionsBeforeSending({ subject: 'Re: Lunch', text, attachments: 0 })).toEqual(['no-body']);
    // A line of the person's own that happens to end in "wrote:" with no quote after it stays theirs.
    expect(ownText('This is what she wrote:\n\nnothing.')).toBe('This is what she wrote:\n\nnothing.');
  });
});

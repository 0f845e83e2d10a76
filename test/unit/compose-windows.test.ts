import { describe, expect, it } from 'vitest';
import { createComposeWindows } from '../../src-main/services/compose-windows';
import type { ComposeOpening } from '../../shared/outbox';

const logger = { info: () => {}, warn: () => {}, error: () => {} };
const draft = { accountId: '6f1c1a52-1f44-4a8e-9d1d-0e6ad1b0b0a1', identityId: '', to: 'bob@example.org', cc: '', bcc: '', subject: 'Re: Hi', body: { mode: 'plain' as const, html: '', text: '> Hi' }, attachments: [] };

function setup() {
  const opened: string[] = [];
  const closed: string[] = [];
  const windows = createComposeWindows({ host: { open: (t) => opened.push(t), close: (t) => closed.push(t) }, logger });
  return { windows, opened, closed };
}

describe('compose windows: the handoff of a draft to a new window', () => {
  it('opens a window per message and gives each window its own draft, once', () => {
    const { windows, opened } = setup();
    const reply: ComposeOpening = { draft, draftId: null, checkRecipients: false };
    const blank: ComposeOpening = { draft: null, draftId: null, checkRecipients: false };
    const a = windows.open(reply);
    const b = windows.open(blank);
    expect(opened).toEqual([a, b]);
    expect(a).not.toBe(b);
    expect(windows.take(b)).toEqual(blank);
    expect(windows.take(a)).toEqual(reply);
    // Given out once: a reload (or another page naming the token) gets nothing.
    expect(windows.take(a)).toBeNull();
    expect(windows.take('00000000-0000-4000-8000-000000000000')).toBeNull();
  });

  it('closes only windows it opened, each once', () => {
    const { windows, closed } = setup();
    const a = windows.open({ draft: null, draftId: null, checkRecipients: false });
    expect(windows.close('00000000-0000-4000-8000-000000000000')).toBe(false);
    expect(windows.close(a)).toBe(true);
    expect(windows.close(a)).toBe(false);
    expect(closed).toEqual([a]);
    // A closed window's opening cannot be taken later.
    const b = windows.open({ draft, draftId: null, checkRecipients: true });
    windows.close(b);
    expect(windows.take(b)).toBeNull();
  });

  it('keeps a bounded number of openings no window took', () => {
    const { windows } = setup();
    const tokens = Array.from({ length: 25 }, () => windows.open({ draft, draftId: null, checkRecipients: false }));
    expect(windows.take(tokens[0]!)).toBeNull();
    expect(windows.take(tokens[24]!)).not.toBeNull();
  });
});

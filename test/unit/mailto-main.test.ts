import { describe, expect, it } from 'vitest';
import { EVENTS } from '../../shared/ipc';
import { createMailtoInbox, createMailtoQueue, mailtoArgs } from '../../src-main/services/mailto';
import type { Logger } from '../../src-main/services/logger';

const logger = (lines: string[]): Logger => ({
  info: (m, f) => lines.push(`info ${m} ${JSON.stringify(f ?? {})}`),
  warn: (m, f) => lines.push(`warn ${m} ${JSON.stringify(f ?? {})}`),
  error: (m, f) => lines.push(`error ${m} ${JSON.stringify(f ?? {})}`),
});

describe('mailto links in main', () => {
  it('finds the mailto: arguments of a command line (first start, second instance)', () => {
    expect(mailtoArgs(['C:\\Program Files\\Mailwright\\Mailwright.exe', '--allow-file-access-from-files', 'MAILTO:a@example.com?subject=Hi'])).toEqual([
      'MAILTO:a@example.com?subject=Hi',
    ]);
    expect(mailtoArgs(['/usr/bin/electron', '.', '--inspect'])).toEqual([]);
    expect(mailtoArgs(['x', 'https://example.com/mailto:a@example.com'])).toEqual([]);
  });

  it('holds the links that arrive before the back end exists, then passes each on as it comes', () => {
    const queue = createMailtoQueue();
    queue.push('mailto:early@example.com');
    queue.push('mailto:second@example.com');
    const got: string[] = [];
    queue.deliverTo((url) => got.push(url));
    expect(got).toEqual(['mailto:early@example.com', 'mailto:second@example.com']);
    queue.push('mailto:late@example.com');
    expect(got).toEqual(['mailto:early@example.com', 'mailto:second@example.com', 'mailto:late@example.com']);
  });

  it('tells the window (event, in the contract schema) and keeps each link until a window takes it, once', () => {
    const events: unknown[] = [];
    const lines: string[] = [];
    const inbox = createMailtoInbox({ emit: (event, payload) => events.push([event, payload]), logger: logger(lines) });
    const opened = inbox.open('mailto:bob@example.com?subject=Secret%20plans&attach=/etc/passwd');
    expect(opened).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/attach a file/) });
    inbox.open('mailto:bob@example.com?subject=Secret%20plans&body=a%0D%0Ab');
    expect(events.map((e) => (e as [string])[0])).toEqual(['compose:mailto', 'compose:mailto']);
    for (const [, payload] of events as Array<[string, unknown]>) expect(EVENTS['compose:mailto'].safeParse(payload).success).toBe(true);
    const taken = inbox.take();
    expect(taken.map((t) => t.kind)).toEqual(['refused', 'draft']);
    expect(taken[1]).toMatchObject({ draft: { to: 'bob@example.com', subject: 'Secret plans', body: 'a\nb' } });
    expect(inbox.take()).toEqual([]);
    // The log says what happened, never the link (addresses, message text).
    expect(lines.join('\n')).not.toMatch(/bob@example|Secret/);
  });
});

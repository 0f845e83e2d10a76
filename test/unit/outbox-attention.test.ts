/**
 * The Outbox tab's badge: how many messages need attention, apart from how many wait, and what
 * clears a message from the count.
 */
import { describe, expect, it } from 'vitest';
import type { DeliveryReportEntry, JobState, OutboxJobView } from '../../shared/outbox';
import { loadSeen, markSeen, outboxCounts, outboxTabName, problemKey } from '../../src-renderer/features/outbox/attention';

type Facts = Pick<OutboxJobView, 'id' | 'state' | 'refused' | 'deliveryReports'>;
let n = 0;
const job = (state: JobState, extra: Partial<Facts> = {}): Facts => ({ id: `job-${++n}`, state, refused: [], deliveryReports: [], ...extra });
const refusal = { address: 'nobody@mailwright.test', serverReply: '550 5.1.1 <nobody@mailwright.test>: Recipient address rejected' };
const report = (action: DeliveryReportEntry['action'], recipient = 'bob@mailwright.test'): DeliveryReportEntry => ({
  recipient,
  action,
  status: action === 'failed' ? '5.1.1' : '4.4.1',
  diagnostic: null,
  reportedAt: '2026-12-04T20:00:00.000Z',
  reportMessageId: `<${action}-${recipient}@report.test>`,
  matchedBy: 'message-id',
});
const none = new Set<string>();

describe('outbox counts', () => {
  it('counts not sent, may have been sent, waiting for sign-in and partly refused as needing attention, apart from those waiting', () => {
    const jobs = [
      job('failed'),
      job('uncertain'),
      job('signin'),
      job('sent', { refused: [refusal] }),
      job('queued'),
      job('sending'),
      job('retrying'),
      job('sent'),
      job('cancelled'),
    ];
    expect(outboxCounts(jobs, none)).toEqual({ attention: 4, waiting: 3 });
  });

  it('counts a sent message that bounced, but not one with only a delay or delivery notice', () => {
    expect(outboxCounts([job('sent', { deliveryReports: [report('failed')] })], none)).toEqual({ attention: 1, waiting: 0 });
    expect(outboxCounts([job('sent', { deliveryReports: [report('delayed'), report('delivered', 'carol@mailwright.test')] })], none)).toEqual({ attention: 0, waiting: 0 });
  });

  it('a partly refused or bounced message stops counting once seen; a new bounce on it counts again', () => {
    const partly = job('sent', { refused: [refusal] });
    let seen = markSeen(new Set(), [partly], undefined);
    expect(outboxCounts([partly], seen)).toEqual({ attention: 0, waiting: 0 });
    const bounced = { ...partly, deliveryReports: [report('failed')] };
    expect(outboxCounts([bounced], seen)).toEqual({ attention: 1, waiting: 0 });
    seen = markSeen(seen, [bounced], undefined);
    expect(outboxCounts([bounced], seen)).toEqual({ attention: 0, waiting: 0 });
  });

  it('a message that waits for a decision keeps counting after it was seen, until the decision changes its state', () => {
    const failed = job('failed');
    const seen = markSeen(new Set(), [failed], undefined);
    expect(problemKey(failed)).toBeNull();
    expect(outboxCounts([failed], seen)).toEqual({ attention: 1, waiting: 0 });
    // Retry now: waiting again. Cancel: nothing to count.
    expect(outboxCounts([{ ...failed, state: 'queued' }], seen)).toEqual({ attention: 0, waiting: 1 });
    expect(outboxCounts([{ ...failed, state: 'cancelled' }], seen)).toEqual({ attention: 0, waiting: 0 });
  });

  it('keeps what was seen in storage, answers the same set when nothing is new, and survives damaged storage', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    const partly = job('sent', { refused: [refusal] });
    const seen = markSeen(new Set(), [partly], storage);
    expect(loadSeen(storage)).toEqual(seen);
    expect(markSeen(seen, [partly, job('failed')], storage)).toBe(seen);
    store.set('mailwright.outbox.seenProblems', '{not json');
    expect(loadSeen(storage)).toEqual(new Set());
  });
});

describe('the tab name', () => {
  it('starts with "Outbox" and says the counts in words', () => {
    expect(outboxTabName({ attention: 0, waiting: 0 })).toBe('Outbox');
    expect(outboxTabName({ attention: 2, waiting: 3 })).toBe('Outbox (2 need attention, 3 waiting)');
    expect(outboxTabName({ attention: 1, waiting: 0 })).toBe('Outbox (1 needs attention)');
    expect(outboxTabName({ attention: 0, waiting: 1 })).toBe('Outbox (1 waiting)');
  });
});

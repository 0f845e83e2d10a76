import { describe, expect, it } from 'vitest';
import type { MergeRun } from '../../shared/merge/contract';
import { countsLine, matchesFilter, RateMeter, rateText, rowStateText, runStatus, timeLeftText } from '../../src-renderer/features/merge/merge-runs-model';

const T0 = Date.parse('2026-12-05T10:00:00Z');

function run(over: Partial<MergeRun> = {}): MergeRun {
  return {
    batchId: '6f1c1c1e-0000-4000-8000-000000000001',
    name: 'members.csv: Spring meeting',
    accountId: 'a',
    test: false,
    createdAt: new Date(T0).toISOString(),
    total: 200,
    paused: false,
    waiting: 200,
    sending: 0,
    sent: 0,
    partlyRefused: 0,
    failed: 0,
    uncertain: 0,
    signin: 0,
    cancelled: 0,
    bounced: 0,
    done: false,
    ...over,
  };
}

describe('a merge’s state in words', () => {
  it('looks like a success only when every message went to everyone', () => {
    const done = { waiting: 0, done: true };
    expect(runStatus(run({ ...done, sent: 200 }))).toEqual({ label: 'All sent', tone: 'ok' });
    // A message refused for one recipient, a bounce, a failure or a doubt: never the green look.
    for (const problem of [{ partlyRefused: 1 }, { bounced: 1 }, { failed: 1, sent: 199 }, { uncertain: 1, sent: 199 }]) {
      const status = runStatus(run({ ...done, sent: 200, ...problem }));
      expect(status.tone).toBe('problems');
      expect(status.label).toBe('Finished with problems');
    }
    expect(runStatus(run({ ...done, sent: 20, cancelled: 180 })).tone).toBe('cancelled');
    expect(runStatus(run({ ...done, sent: 20, failed: 1, cancelled: 179 })).tone).toBe('problems');
    expect(runStatus(run({ paused: true }))).toEqual({ label: 'Paused', tone: 'paused' });
    expect(runStatus(run({ waiting: 0, signin: 3, sent: 197 })).tone).toBe('attention');
  });

  it('counts what went and what did not, leaving out what is zero', () => {
    expect(countsLine(run({ sent: 120, waiting: 76, failed: 3, uncertain: 1 }))).toBe('120 of 200 sent · 3 failed · 1 may have been sent');
    expect(countsLine(run({ sent: 0 }))).toBe('0 of 200 sent');
  });
});

describe('rate and time left', () => {
  it('measures the rate from the progress heard, and forgets it over a pause', () => {
    const meter = new RateMeter();
    meter.add(run({ sent: 0 }), T0);
    expect(meter.rate(run().batchId, T0 + 1000)).toBeNull();
    meter.add(run({ sent: 10, waiting: 190 }), T0 + 2000);
    meter.add(run({ sent: 20, waiting: 180 }), T0 + 4000);
    expect(meter.rate(run().batchId, T0 + 4000)).toBe(5);
    expect(rateText(5)).toBe('5 a second');
    expect(rateText(0.5)).toBe('30 a minute');
    expect(timeLeftText(run({ sent: 20, waiting: 180 }), 5, false, T0 + 4000)).toBe('less than a minute left');
    expect(timeLeftText(run({ sent: 20, waiting: 180 }), 1, false, T0 + 4000)).toBe('about 3 min left');
    meter.add(run({ sent: 20, waiting: 180, paused: true }), T0 + 5000);
    expect(meter.rate(run().batchId, T0 + 9000)).toBeNull();
    expect(timeLeftText(run({ paused: true }), null, false, T0)).toBeNull();
  });

  it('a run that makes no progress for a whole window is stalled', () => {
    const meter = new RateMeter();
    meter.add(run({ sent: 5, waiting: 195 }), T0);
    meter.add(run({ sent: 5, waiting: 195 }), T0 + 31_000);
    expect(meter.stalled(run().batchId, T0 + 31_000)).toBe(true);
    expect(meter.rate(run().batchId, T0 + 31_000)).toBe(0);
  });

  it('follows the pace’s planned end when the daily limit spreads the merge', () => {
    const finishesAt = new Date(T0 + 26 * 3600_000).toISOString();
    const spread = run({ sent: 100, waiting: 100, finishesAt });
    // Fast bursts, but the limit holds the rest for a day: the planned end is what the person needs.
    expect(timeLeftText(spread, 10, false, T0)).toMatch(/^finishes around /);
    expect(timeLeftText(spread, 0, true, T0)).toMatch(/^waiting for tomorrow’s allowance; finishes around /);
  });
});

describe('result rows', () => {
  it('says each outcome in words, with the time a waiting row goes', () => {
    expect(rowStateText({ state: 'bounced', at: '' }, T0)).toBe('Bounced later');
    expect(rowStateText({ state: 'uncertain', at: '' }, T0)).toBe('May have been sent');
    expect(rowStateText({ state: 'waiting', at: new Date(T0 + 3600_000).toISOString() }, T0)).toMatch(/^Waiting until \d/);
    expect(rowStateText({ state: 'waiting', at: new Date(T0).toISOString() }, T0)).toBe('Waiting');
  });

  it('filters refusals with failures and keeps doubts apart', () => {
    expect(matchesFilter('refused', 'problems')).toBe(true);
    expect(matchesFilter('failed', 'problems')).toBe(true);
    expect(matchesFilter('uncertain', 'problems')).toBe(false);
    expect(matchesFilter('uncertain', 'uncertain')).toBe(true);
    expect(matchesFilter('signin', 'waiting')).toBe(true);
    expect(matchesFilter('cancelled', 'all')).toBe(true);
  });
});

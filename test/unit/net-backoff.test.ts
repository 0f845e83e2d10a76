import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../src-main/services/net/backoff';
import { retryDelayMs } from '../../src-main/services/outbox/state';
import { DEFAULT_RETRY } from '../../src-main/services/outbox/types';

describe('the one backoff', () => {
  it('doubles from the base, caps at the maximum, and spreads by the jitter', () => {
    const policy = { baseMs: 1_000, maxMs: 60_000, jitter: 0.2 };
    expect([1, 2, 3, 4, 7, 8, 100].map((n) => backoffDelayMs(n, policy, () => 0.5))).toEqual([1_000, 2_000, 4_000, 8_000, 60_000, 60_000, 60_000]);
    expect(backoffDelayMs(3, policy, () => 0)).toBe(3_200);
    expect(backoffDelayMs(3, policy, () => 0.999_999)).toBe(4_800);
    // Jitter never pushes a wait past the maximum.
    expect(backoffDelayMs(10, policy, () => 0.999_999)).toBe(60_000);
  });

  it('without jitter never consults random; minMs is a floor', () => {
    expect(backoffDelayMs(2, { baseMs: 60_000, maxMs: 300_000, jitter: 0 }, () => {
      throw new Error('random consulted');
    })).toBe(120_000);
    expect(backoffDelayMs(1, { baseMs: 0, maxMs: 10, jitter: 0.2, minMs: 1 }, () => 0)).toBe(1);
  });

  it('the outbox keeps its own numbers through it', () => {
    for (const attempt of [1, 2, 5, 9]) for (const r of [0, 0.25, 0.5, 0.99]) {
      expect(retryDelayMs(attempt, DEFAULT_RETRY, () => r)).toBe(backoffDelayMs(attempt, DEFAULT_RETRY, () => r));
    }
    expect(retryDelayMs(1, DEFAULT_RETRY, () => 0.5)).toBe(30_000);
  });
});

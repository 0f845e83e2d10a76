import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, retryDelayMs } from '../../src-main/services/outbox';

const MIN = 60_000;

describe('outbox retry backoff', () => {
  it('doubles from 30 s and stops at 30 min, without jitter when random() is 0.5', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => retryDelayMs(n, DEFAULT_RETRY, () => 0.5));
    expect(delays).toEqual([30_000, 60_000, 2 * MIN, 4 * MIN, 8 * MIN, 16 * MIN, 30 * MIN, 30 * MIN]);
  });

  it('spreads each delay by at most ±20 %, and never above the maximum', () => {
    expect(retryDelayMs(1, DEFAULT_RETRY, () => 0)).toBe(24_000);
    expect(retryDelayMs(1, DEFAULT_RETRY, () => 0.999999)).toBe(36_000);
    expect(retryDelayMs(3, DEFAULT_RETRY, () => 0)).toBe(96_000);
    expect(retryDelayMs(7, DEFAULT_RETRY, () => 0)).toBe(24 * MIN);
    expect(retryDelayMs(7, DEFAULT_RETRY, () => 0.999999)).toBe(30 * MIN);
    for (let i = 0; i < 200; i++) {
      const r = Math.random();
      const d = retryDelayMs(2, DEFAULT_RETRY, () => r);
      expect(d).toBeGreaterThanOrEqual(48_000);
      expect(d).toBeLessThanOrEqual(72_000);
    }
  });

  it('follows a custom policy', () => {
    const policy = { baseMs: 50, maxMs: 300, maxAttempts: 4, jitter: 0 };
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, policy, Math.random))).toEqual([50, 100, 200, 300, 300]);
  });

  it('defaults to 8 attempts', () => {
    expect(DEFAULT_RETRY).toEqual({ baseMs: 30_000, maxMs: 30 * MIN, maxAttempts: 8, jitter: 0.2 });
  });
});

/**
 * The one backoff formula for every retry after a network failure (the outbox, the IMAP
 * reconnection, the POP3 poll): each caller keeps its own numbers, the arithmetic lives here.
 */
export interface Backoff {
  /** The wait after the first failure. */
  baseMs: number;
  /** No wait is longer than this, jitter included. */
  maxMs: number;
  /**
   * Spread, as a fraction: 0.2 turns a wait into one between 80 % and 120 % of it, so that many
   * clients cut off together do not all come back in the same second. 0: none.
   */
  jitter: number;
  /** No wait is shorter than this (default 0). */
  minMs?: number;
}

/**
 * The wait before the next attempt after `attempt` failures in a row (attempt >= 1):
 * base * 2^(attempt-1), capped at maxMs, then ± jitter (random() in [0, 1): 0.5 means none),
 * never above maxMs nor below minMs.
 */
export function backoffDelayMs(attempt: number, policy: Backoff, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(0, attempt - 1), 30);
  const raw = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  const factor = policy.jitter > 0 ? 1 + policy.jitter * (2 * random() - 1) : 1;
  return Math.max(policy.minMs ?? 0, Math.round(Math.min(policy.maxMs, raw * factor)));
}

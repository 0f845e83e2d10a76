/**
 * What the Outbox tab's badge counts: messages that need the person's attention, apart from those
 * that simply wait their turn. Plain functions, so the rules are tested without a browser.
 *
 * Needs attention:
 * - not sent ('failed'), may have been sent ('uncertain'), waiting for a sign-in ('signin'): these
 *   wait for a decision, so they count until the person makes one (Retry, Send again, It arrived,
 *   Cancel, Edit, or signing in), whatever they have seen;
 * - sent but refused for some recipients, or sent and bounced: nothing is left to decide, so they
 *   count until the person has seen them, i.e. until the Outbox view has been shown with them in it
 *   (opening the outbox, or clicking their notification). A new bounce on a message already seen
 *   counts again.
 * Waiting: queued (undo window, scheduled), sending, or retrying by itself.
 */
import type { OutboxJobView } from '../../../shared/outbox';

/**
 * Recipients of a sent message that did not get it (refused at send time). A message refused for
 * some recipients is not simply "Sent": it is "Sent to 2 of 3", shown as a problem.
 */
export const partlyRefused = (job: Pick<OutboxJobView, 'state' | 'refused'>) => job.state === 'sent' && job.refused.length > 0;

type AttentionFacts = Pick<OutboxJobView, 'id' | 'state' | 'refused' | 'deliveryReports'>;

const WAITING = new Set<OutboxJobView['state']>(['queued', 'sending', 'retrying']);
const DECISION = new Set<OutboxJobView['state']>(['failed', 'uncertain', 'signin']);

/**
 * The key under which a sent message's problem is acknowledged once seen, or null when there is
 * nothing to acknowledge. It changes when the problem grows (one more refused or bounced recipient).
 */
export function problemKey(job: AttentionFacts): string | null {
  if (job.state !== 'sent') return null;
  const bounced = new Set(job.deliveryReports.filter((r) => r.action === 'failed').map((r) => r.recipient.toLowerCase())).size;
  if (!job.refused.length && !bounced) return null;
  return `${job.id}:${job.refused.length}:${bounced}`;
}

export interface OutboxCounts {
  attention: number;
  waiting: number;
}

/** The badge's two numbers; `seen` holds the problem keys the person has already seen. */
export function outboxCounts(jobs: readonly AttentionFacts[], seen: ReadonlySet<string>): OutboxCounts {
  let attention = 0;
  let waiting = 0;
  for (const job of jobs) {
    if (WAITING.has(job.state)) waiting++;
    else if (DECISION.has(job.state)) attention++;
    else {
      const key = problemKey(job);
      if (key && !seen.has(key)) attention++;
    }
  }
  return { attention, waiting };
}

/** "1 needs attention", "2 need attention". */
export const attentionWords = (n: number) => `${n} ${n === 1 ? 'needs' : 'need'} attention`;

/** The tab's accessible name: "Outbox" first, then the counts in words ("Outbox (2 need attention, 3 waiting)"). */
export function outboxTabName(counts: OutboxCounts): string {
  const parts = [
    counts.attention ? attentionWords(counts.attention) : '',
    counts.waiting ? `${counts.waiting} waiting` : '',
  ].filter(Boolean);
  return parts.length ? `Outbox (${parts.join(', ')})` : 'Outbox';
}

const SEEN_KEY = 'mailwright.outbox.seenProblems';
/** The window's localStorage, as far as it is used here (absent outside a browser). */
interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}
const windowStorage = () => (globalThis as { localStorage?: KeyValueStore }).localStorage;
/** Keys kept at most (oldest dropped): finished messages leave the outbox after a week anyway. */
const SEEN_LIMIT = 500;

/** The problem keys seen before, kept in the window's storage so a restart does not raise them again. */
export function loadSeen(storage: Pick<KeyValueStore, 'getItem'> | undefined = windowStorage()): Set<string> {
  try {
    const list: unknown = JSON.parse(storage?.getItem(SEEN_KEY) ?? '[]');
    return new Set(Array.isArray(list) ? list.filter((k): k is string => typeof k === 'string') : []);
  } catch {
    return new Set();
  }
}

/** Adds the problems of `jobs` to `seen`; answers the same set when nothing was new (so React skips a render). */
export function markSeen(seen: Set<string>, jobs: readonly AttentionFacts[], storage: Pick<KeyValueStore, 'setItem'> | undefined = windowStorage()): Set<string> {
  const fresh = jobs.map(problemKey).filter((k): k is string => k !== null && !seen.has(k));
  if (!fresh.length) return seen;
  const next = new Set([...seen, ...fresh].slice(-SEEN_LIMIT));
  try {
    storage?.setItem(SEEN_KEY, JSON.stringify([...next]));
  } catch {
    // Storage full or refused: the badge still clears for this session.
  }
  return next;
}

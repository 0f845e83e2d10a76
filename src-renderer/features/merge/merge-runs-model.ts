/**
 * What the list of started merges says about each one, in words: its state, its counts, its rate and
 * the time left; and each result row's outcome. Plain functions (no React), so the words are decided
 * in one place and the components only lay them out.
 */
import type { MergeResultRow, MergeRowState, MergeRun } from '../../../shared/merge/contract';

/** How a run looks: a merge with any failure, refusal, bounce or doubt never looks like a success. */
export type RunTone = 'running' | 'paused' | 'ok' | 'problems' | 'cancelled' | 'attention';

/** Messages that did not (certainly) reach everyone they were for, or need the person. */
export function problemCount(run: MergeRun): number {
  return run.failed + run.uncertain + run.partlyRefused + run.bounced + run.signin;
}

/** Messages whose sending is over, one way or the other (what the rate counts; a cancel is no sending). */
export function handled(run: Pick<MergeRun, 'sent' | 'failed' | 'uncertain'>): number {
  return run.sent + run.failed + run.uncertain;
}

export function runStatus(run: MergeRun): { label: string; tone: RunTone } {
  const problems = problemCount(run);
  if (!run.done) {
    if (run.paused) return { label: 'Paused', tone: 'paused' };
    if (run.signin > 0 && run.waiting + run.sending === 0) return { label: 'Waiting for you to sign in again', tone: 'attention' };
    return { label: 'Sending', tone: 'running' };
  }
  if (run.cancelled > 0) return { label: 'Cancelled', tone: problems ? 'problems' : 'cancelled' };
  if (problems) return { label: 'Finished with problems', tone: 'problems' };
  return { label: run.test ? 'Test sent' : 'All sent', tone: 'ok' };
}

/** "120 of 200 sent · 3 failed · 1 may have been sent": the counts that are not zero, sent always first. */
export function countsLine(run: MergeRun): string {
  const parts = [`${run.sent.toLocaleString()} of ${run.total.toLocaleString()} sent`];
  if (run.partlyRefused) parts.push(`${run.partlyRefused.toLocaleString()} not delivered to every recipient`);
  if (run.bounced) parts.push(`${run.bounced.toLocaleString()} bounced later`);
  if (run.failed) parts.push(`${run.failed.toLocaleString()} failed`);
  if (run.uncertain) parts.push(`${run.uncertain.toLocaleString()} may have been sent`);
  if (run.signin) parts.push(`${run.signin.toLocaleString()} waiting for you to sign in`);
  if (run.cancelled) parts.push(`${run.cancelled.toLocaleString()} cancelled`);
  return parts.join(' · ');
}

/** Messages still to go by themselves. */
export function remaining(run: MergeRun): number {
  return run.waiting + run.sending;
}

/** How far back the rate looks: long enough to smooth a burst, short enough to notice a pause in the pace. */
export const RATE_WINDOW_MS = 30_000;

/**
 * The rate of each run, measured in the renderer from the progress it hears: messages handled
 * (sent, failed, may have been sent) over the last RATE_WINDOW_MS. Main reports counts, not speed,
 * and the speed the person sees is what actually happened, pace and server included.
 */
export class RateMeter {
  private readonly samples = new Map<string, Array<{ at: number; handled: number }>>();

  /** Records a run's counts as heard at `now`. A paused run starts measuring afresh when it resumes. */
  add(run: MergeRun, now: number): void {
    if (run.paused || run.done) {
      this.samples.delete(run.batchId);
      return;
    }
    const list = this.samples.get(run.batchId) ?? [];
    list.push({ at: now, handled: handled(run) });
    // The oldest sample kept is the last one before the window, so the window is always covered.
    while (list.length > 2 && list[1]!.at <= now - RATE_WINDOW_MS) list.shift();
    this.samples.set(run.batchId, list);
  }

  /** Messages a second, or null while there is too little to tell (under 2 s measured). */
  rate(batchId: string, now: number): number | null {
    const list = this.samples.get(batchId);
    if (!list || list.length < 1) return null;
    const first = list[0]!;
    const last = list[list.length - 1]!;
    const span = now - first.at;
    if (span < 2000) return null;
    return Math.max(0, last.handled - first.handled) / (span / 1000);
  }

  /** Nothing handled over a whole window: the pace (or the server) is holding the run back. */
  stalled(batchId: string, now: number): boolean {
    const list = this.samples.get(batchId);
    if (!list?.length) return false;
    return now - list[0]!.at >= RATE_WINDOW_MS && list[list.length - 1]!.handled === list[0]!.handled;
  }
}

/** "4.1 a second", "12 a minute", "30 an hour". */
export function rateText(perSecond: number): string {
  const one = (n: number) => (n >= 10 ? Math.round(n).toLocaleString() : n.toLocaleString(undefined, { maximumFractionDigits: 1 }));
  if (perSecond >= 1) return `${one(perSecond)} a second`;
  if (perSecond * 60 >= 1) return `${one(perSecond * 60)} a minute`;
  if (perSecond * 3600 >= 0.05) return `${one(perSecond * 3600)} an hour`;
  return 'none lately';
}

/** A clock time for "until" and "around": "14:20" today, "Sun 6 Dec, 09:10" another day. */
export function clockTime(iso: string, now: number): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const time = date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  if (date.toDateString() === new Date(now).toDateString()) return time;
  return `${date.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' })}, ${time}`;
}

function durationText(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (ms < 60_000) return 'less than a minute left';
  if (min < 60) return `about ${min} min left`;
  const hours = Math.floor(min / 60);
  const rest = min % 60;
  return `about ${hours} h${rest ? ` ${rest} min` : ''} left`;
}

/**
 * The time left of a running merge: from the measured rate, or from when the pace lets the last
 * message go (finishesAt) when that is later, as when the account's daily limit spreads the merge.
 * Null when there is nothing to say (paused, done, too early to tell).
 */
export function timeLeftText(run: MergeRun, rate: number | null, stalled: boolean, now: number): string | null {
  if (run.done || run.paused) return null;
  const left = remaining(run);
  if (!left) return null;
  const byRate = rate ? (left / rate) * 1000 : null;
  const finishes = run.finishesAt ? new Date(run.finishesAt).getTime() : NaN;
  const byPace = Number.isNaN(finishes) ? null : Math.max(0, finishes - now);
  // The pace holds it back for a while: the planned end says more than the speed of the last burst.
  if (byPace !== null && (byRate === null || stalled || byPace > byRate * 1.5) && byPace > 60_000) {
    const around = `finishes around ${clockTime(run.finishesAt!, now)}`;
    const laterDay = new Date(finishes).toDateString() !== new Date(now).toDateString();
    return stalled && run.sending === 0 && laterDay ? `waiting for tomorrow’s allowance; ${around}` : around;
  }
  if (byRate !== null && !stalled) return durationText(byRate);
  if (byPace !== null) return byPace <= 60_000 ? 'less than a minute left' : `finishes around ${clockTime(run.finishesAt!, now)}`;
  return null;
}

/** A result row's outcome in words; "Waiting until 14:20" for a row the pace holds. */
export function rowStateText(row: Pick<MergeResultRow, 'state' | 'at'>, now: number): string {
  switch (row.state) {
    case 'waiting':
      return new Date(row.at).getTime() > now + 30_000 ? `Waiting until ${clockTime(row.at, now)}` : 'Waiting';
    case 'sending':
      return 'Sending';
    case 'sent':
      return 'Sent';
    case 'refused':
      return 'Refused';
    case 'bounced':
      return 'Bounced later';
    case 'failed':
      return 'Failed';
    case 'uncertain':
      return 'May have been sent';
    case 'signin':
      return 'Waiting for sign-in';
    case 'cancelled':
      return 'Cancelled';
  }
}

/** The results' "Show" filter: which states each choice shows. */
export const RESULT_FILTERS = [
  { id: 'all', label: 'All', states: null },
  { id: 'sent', label: 'Sent', states: ['sent'] },
  { id: 'problems', label: 'Refused or failed', states: ['refused', 'failed'] },
  { id: 'bounced', label: 'Bounced', states: ['bounced'] },
  { id: 'uncertain', label: 'May have been sent', states: ['uncertain'] },
  { id: 'waiting', label: 'Waiting', states: ['waiting', 'sending', 'signin'] },
] as const satisfies ReadonlyArray<{ id: string; label: string; states: readonly MergeRowState[] | null }>;
export type ResultFilter = (typeof RESULT_FILTERS)[number]['id'];

export function matchesFilter(state: MergeRowState, filter: ResultFilter): boolean {
  const states = RESULT_FILTERS.find((f) => f.id === filter)?.states ?? null;
  return states === null || (states as readonly MergeRowState[]).includes(state);
}

/**
 * Rows "Retry failed rows" sends again (merge:retryFailed): failed ones. Not one that may have been
 * sent (the person's call, in the Outbox), nor one the server refused for good (it would be refused again).
 */
export const RETRYABLE: ReadonlySet<MergeRowState> = new Set(['failed']);

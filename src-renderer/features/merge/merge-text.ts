/**
 * The mail merge's facts in words for people: why a row is left out, what a preview warns about,
 * how the data was read and when the merge will go. One place, so the setup's steps and the
 * confirmation say the same thing the same way.
 */
import type { MergeData, MergePlan, MergeWarning, RowProblemView } from '../../../shared/merge/contract';
import { formatBytes } from '../../ui/format';

const ENCODING: Record<MergeData['encoding'], string> = {
  'utf-8': 'UTF-8',
  'utf-8-bom': 'UTF-8 (with a byte order mark)',
  'utf-16le': 'UTF-16 (little-endian)',
  'utf-16be': 'UTF-16 (big-endian)',
  'windows-1252': 'Windows-1252 (Western European)',
};

const DELIMITER: Record<string, string> = { ',': 'commas', ';': 'semicolons', '\t': 'tabs', '|': 'vertical bars (|)' };

/** "Read as UTF-8, columns separated by commas." */
export function readAsText(data: Pick<MergeData, 'encoding' | 'delimiter'>): string {
  const delimiter = DELIMITER[data.delimiter] ?? `“${data.delimiter}”`;
  return `Read as ${ENCODING[data.encoding]}, columns separated by ${delimiter}.`;
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/** One reason a row is left out. */
export function rowProblemText(problem: RowProblemView): string {
  switch (problem.kind) {
    case 'no-address':
      return 'no address';
    case 'bad-address':
      return `not a valid address: ${problem.message}`;
    case 'look-alike':
      return `looks like another address (mixed scripts): ${problem.message}`;
    case 'several-addresses':
      return `${problem.count} addresses in one cell (one per row)`;
    case 'duplicate':
      return `same address as row ${problem.firstRow}`;
    case 'empty':
      return `${problem.column} is empty`;
  }
}

/** One warning of a row's message in the preview. */
export function warningText(warning: MergeWarning): string {
  switch (warning.kind) {
    case 'empty-field':
      return `${warning.column} is empty in this row: the message shows a gap (add a fallback: {{${warning.column}|…}}).`;
    case 'attachment-not-found':
      return `Attachment not found: ${warning.path}`;
    case 'bad-address':
      return `${warning.field === 'to' ? 'To' : 'Cc'} is not a valid address (“${warning.text}”): ${warning.message}`;
    case 'no-recipient':
      return 'No recipient: To and Cc are empty for this row.';
    case 'too-large':
      return `Too large: ${formatBytes(warning.sizeBytes)}, and the server accepts at most ${formatBytes(warning.limitBytes)}.`;
  }
}

/** "today", "tomorrow" or the weekday and date. */
function dayWords(date: Date, now: Date): string {
  const day = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const diff = Math.round((day(date) - day(now)) / 86_400_000);
  if (diff === 0) return 'today';
  if (diff === 1) return 'tomorrow';
  return date.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
}

const clock = (date: Date) => date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

/** "at most 30 a minute, no daily limit" */
export function paceText(limits: MergePlan['limits']): string {
  const minute = limits.messagesPerMinute === null ? 'no limit a minute' : `at most ${limits.messagesPerMinute.toLocaleString()} a minute`;
  const day = limits.recipientsPerDay === null ? 'no daily limit' : `at most ${plural(limits.recipientsPerDay, 'recipient')} a day`;
  return `${minute}, ${day}`;
}

/** Where the limits come from, in words (the provider's own name and page are shown beside it). */
export function limitsFromText(plan: Pick<MergePlan, 'limitsFrom' | 'provider'>): string {
  if (plan.limitsFrom === 'account') return 'the limits you set for this account';
  if (plan.limitsFrom === 'provider' && plan.provider) return `${plan.provider.name}’s published limits`;
  return 'Mailwright’s default';
}

/** "Finishes around 14:20 today" or "Spread over 3 days, finishes Tue 9 Dec 09:00". */
export function finishText(plan: Pick<MergePlan, 'days' | 'finishesAt'>, now = new Date()): string {
  const end = new Date(plan.finishesAt);
  if (Number.isNaN(end.getTime())) return '';
  const when = `${dayWords(end, now)} ${clock(end)}`;
  return plan.days > 1 ? `Spread over ${plan.days} days: finishes ${when}.` : `Finishes around ${clock(end)} ${dayWords(end, now)}.`;
}

/** The plan's warnings in words. */
export function planWarningText(warning: MergePlan['warnings'][number]): string {
  if (warning.kind === 'over-daily-limit')
    return `Row ${warning.row} has ${plural(warning.recipients, 'recipient')}, more than the ${warning.limit.toLocaleString()} a day this account may send to: it cannot go.`;
  const at = new Date(warning.at);
  return `With this merge your domain sends more than ${warning.threshold.toLocaleString()} messages to Gmail in a day (${warning.messages.toLocaleString()}, reached ${dayWords(at, new Date())} ${clock(at)}). Gmail then treats it as a bulk sender for good: every later message must be authenticated (SPF, DKIM and DMARC) and carry one-click unsubscribe. Consider spreading it over more days with a lower daily limit.`;
}

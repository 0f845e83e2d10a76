/**
 * The words of Mailwright's desktop notifications and what each opens when clicked, decided here in
 * plain Node so they can be tested without Electron. The Electron side (electron/desktop.ts) only
 * shows them and, on a click, focuses the window and hands the target to the renderer.
 */
import type { OpenTarget } from '../../shared/open-target';
import type { DeliveryReportEntry } from '../../shared/outbox';

export interface DesktopNotice {
  title: string;
  body: string;
  /** What a click opens. */
  target: OpenTarget;
}

interface JobFacts {
  id: string;
  summary: { subject: string; to: string[] };
  refused: ReadonlyArray<{ address: string }>;
}

const quoted = (job: JobFacts) => `“${job.summary.subject || '(no subject)'}”`;
const openOutbox = (job: JobFacts): OpenTarget => ({ kind: 'outbox', id: job.id });

export function failedNotice(job: JobFacts): DesktopNotice {
  return { title: 'Message not sent', body: `${quoted(job)} could not be sent. Click to see why.`, target: openOutbox(job) };
}

export function signInNotice(job: JobFacts, accountName: string | undefined): DesktopNotice {
  return {
    title: 'Sign in again to send',
    body: `${quoted(job)} waits until you sign in to ${accountName ?? 'its account'} again. Click to open it, then choose Sign in again.`,
    target: openOutbox(job),
  };
}

/** Refused for some recipients at send time: a failure for them, said as plainly as one. */
export function partlyRefusedNotice(job: JobFacts): DesktopNotice {
  const refused = new Set(job.refused.map((r) => r.address.toLowerCase()));
  const all = new Set([...job.summary.to.map((a) => a.toLowerCase()), ...refused]);
  const names = job.refused.map((r) => r.address);
  const who = names.length <= 2 ? names.join(' and ') : `${names.slice(0, 2).join(', ')} and ${names.length - 2} more`;
  return {
    title: 'Message not delivered to everyone',
    body: `${quoted(job)} was sent to ${all.size - refused.size} of ${all.size}; the server refused ${who}. Click to see why.`,
    target: openOutbox(job),
  };
}

/** A bounce linked to a sent message: the click opens that message in the outbox, where the report is shown. */
export function bounceNotice(job: JobFacts, bounced: readonly Pick<DeliveryReportEntry, 'recipient'>[]): DesktopNotice {
  const names = [...new Set(bounced.map((b) => b.recipient))];
  const who = names.length <= 2 ? names.join(' and ') : `${names.slice(0, 2).join(', ')} and ${names.length - 2} more`;
  return {
    title: 'Message bounced',
    body: `${quoted(job)} could not be delivered to ${who}. Click to see the report.`,
    target: openOutbox(job),
  };
}

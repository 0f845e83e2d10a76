/**
 * Links a parsed delivery report to the sent messages (outbox jobs) it is about, and each of its
 * recipient reports to an envelope recipient of that job. Strongest evidence first: our ENVID, then the
 * returned Message-ID, and only when the report carries neither, the recipient address. Never guesses
 * between two messages.
 */
import { domainToASCII } from 'node:url';
import type { DeliveryReport, RecipientReport } from './parse';

export interface SentMessageRef {
  jobId: string;
  /** With <>. */
  messageId: string;
  envelopeId: string | null;
  /** Envelope recipients. */
  recipients: string[];
  /** ISO. */
  sentAt: string;
}

export interface LinkedRecipient {
  jobId: string;
  /** As in SentMessageRef.recipients. */
  recipient: string;
  report: RecipientReport;
  matchedBy: 'envelope-id' | 'message-id' | 'recipient';
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** A job counts when sent within this window before the report's arrival. */
const WINDOW_MS = 7 * DAY_MS;
/** Client and server clocks differ a little: a job stamped just after the server's Arrival-Date still counts. */
const CLOCK_SLACK_MS = 10 * 60 * 1000;

export function linkReport(report: DeliveryReport, sent: readonly SentMessageRef[]): LinkedRecipient[] {
  if (report.envelopeId) {
    const byEnvid = sent.filter((s) => s.envelopeId !== null && s.envelopeId === report.envelopeId);
    if (byEnvid.length === 1) return withinJob(report, byEnvid[0]!, 'envelope-id');
  }
  if (report.originalMessageId) {
    const key = messageIdKey(report.originalMessageId);
    const byId = sent.filter((s) => messageIdKey(s.messageId) === key);
    if (byId.length === 1) return withinJob(report, byId[0]!, 'message-id');
  }
  // The report names a message, and it is none of ours (or several share the id): do not fall back.
  if (report.envelopeId || report.originalMessageId) return [];
  return byRecipient(report, sent);
}

function withinJob(report: DeliveryReport, job: SentMessageRef, matchedBy: LinkedRecipient['matchedBy']): LinkedRecipient[] {
  const out: LinkedRecipient[] = [];
  for (const r of report.recipients) {
    const recipient = envelopeRecipientFor(r, job.recipients);
    if (recipient !== null) out.push({ jobId: job.jobId, recipient, report: r, matchedBy });
  }
  return out;
}

/**
 * Only the address is known: the job must be the one message sent to it in the 7 days before the
 * report arrived (before the newest such job when the report has no date). All recipient reports must
 * point at the same job; a report is about one message.
 */
function byRecipient(report: DeliveryReport, sent: readonly SentMessageRef[]): LinkedRecipient[] {
  const arrival = report.arrivalDate ? Date.parse(report.arrivalDate) : Number.NaN;
  const out: LinkedRecipient[] = [];
  for (const r of report.recipients) {
    const candidates: Array<{ job: SentMessageRef; at: number; recipient: string }> = [];
    for (const job of sent) {
      const at = Date.parse(job.sentAt);
      if (Number.isNaN(at)) continue;
      if (!Number.isNaN(arrival) && at > arrival + CLOCK_SLACK_MS) continue;
      const recipient = envelopeRecipientFor(r, job.recipients);
      if (recipient !== null) candidates.push({ job, at, recipient });
    }
    if (candidates.length === 0) continue;
    const anchor = Number.isNaN(arrival) ? candidates.reduce((m, c) => Math.max(m, c.at), -Infinity) : arrival;
    const recent = candidates.filter((c) => c.at >= anchor - WINDOW_MS);
    if (recent.length !== 1) continue;
    const only = recent[0]!;
    out.push({ jobId: only.job.jobId, recipient: only.recipient, report: r, matchedBy: 'recipient' });
  }
  return new Set(out.map((l) => l.jobId)).size > 1 ? [] : out;
}

/**
 * The envelope recipient a recipient report is about: Original-Recipient (ORCPT) first, then
 * Final-Recipient. Exact local part first; a local part differing only in case counts when it is the
 * only such recipient (some servers lower-case the whole address in their reports).
 */
function envelopeRecipientFor(r: RecipientReport, envelope: readonly string[]): string | null {
  const wanted = [r.originalRecipient, r.recipient].filter((a): a is string => !!a).map(addressKey);
  for (const w of wanted) {
    const exact = envelope.find((e) => {
      const k = addressKey(e);
      return k.local === w.local && k.domain === w.domain;
    });
    if (exact !== undefined) return exact;
  }
  for (const w of wanted) {
    const loose = envelope.filter((e) => {
      const k = addressKey(e);
      return k.local.toLowerCase() === w.local.toLowerCase() && k.domain === w.domain;
    });
    if (loose.length === 1) return loose[0]!;
  }
  return null;
}

/** Local part as written; domain lower-cased and in punycode, so "bücher.example" equals "xn--bcher-kva.example". */
function addressKey(address: string): { local: string; domain: string } {
  const a = address.trim().replace(/^<(.*)>$/, '$1');
  const at = a.lastIndexOf('@');
  if (at < 0) return { local: a, domain: '' };
  const domain = a
    .slice(at + 1)
    .replace(/\.$/, '')
    .toLowerCase();
  return { local: a.slice(0, at), domain: domainToASCII(domain) || domain };
}

/** Message-IDs compared without <>, the part after @ case-insensitively. */
function messageIdKey(id: string): string {
  const bare = id.trim().replace(/^<(.*)>$/, '$1').trim();
  const at = bare.lastIndexOf('@');
  return at < 0 ? bare : `${bare.slice(0, at)}@${bare.slice(at + 1).toLowerCase()}`;
}

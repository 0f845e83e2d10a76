/**
 * A cheap test on headers alone: could this message be a delivery report (bounce, delay notice or
 * delivery notice)? Used to flag messages in lists and to choose which inbox messages the bounce
 * scanner downloads and parses in full. It errs towards yes; parseDeliveryReport decides.
 */
export interface CandidateHeaders {
  /** The From address (or the whole From header). */
  from: string | null;
  subject: string | null;
  /** The top-level Content-Type, with parameters if known (e.g. "multipart/report; report-type=delivery-status"). */
  contentType: string | null;
  /** Lower-cased header names to values, as far as they were fetched (x-failed-recipients, auto-submitted, return-path). */
  headers?: Readonly<Record<string, string | undefined>>;
}

const DAEMON_FROM = /(^|[<\s"])(mailer-daemon|postmaster|mail-daemon|mail delivery (system|subsystem))\b/i;
const BOUNCE_SUBJECT =
  /(undeliver(ed|able)|delivery (status notification|failure|has failed|incomplete)|returned mail|failure notice|mail delivery (failed|failure|system)|delayed mail|warning: message .* delayed|non[- ]?remis|unzustellbar|could not be delivered)/i;

export function looksLikeDeliveryReport(h: CandidateHeaders): boolean {
  const type = (h.contentType ?? '').toLowerCase();
  if (type.startsWith('multipart/report')) {
    // A read receipt (disposition-notification) is a report, but not about delivery.
    return !/report-type\s*=\s*"?disposition-notification/.test(type);
  }
  if (h.headers?.['x-failed-recipients']) return true;
  const fromDaemon = DAEMON_FROM.test(h.from ?? '');
  const nullSender = /^\s*<?\s*>?\s*$/.test(h.headers?.['return-path'] ?? 'x');
  const subject = BOUNCE_SUBJECT.test(h.subject ?? '');
  return (fromDaemon || nullSender) && subject ? true : fromDaemon && !h.subject;
}

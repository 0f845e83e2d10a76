import type { MailAddress } from '../../../shared/mail';

/** Envelope recipients not named in To or Cc: Bcc, or added by the sending software only (compared without case). */
export function envelopeOnly(message: { summary: { envelope: { rcptTo: string[] } }; rendered: { to: MailAddress[]; cc: MailAddress[] } }): string[] {
  const named = new Set([...message.rendered.to, ...message.rendered.cc].map((a) => a.address.toLowerCase()));
  return message.summary.envelope.rcptTo.filter((r) => !named.has(r.toLowerCase()));
}

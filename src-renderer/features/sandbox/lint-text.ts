/**
 * The sandbox's lint findings (shared/sandbox.ts LintFinding) in plain words: what is wrong and
 * what to do about it. One function, keyed by the finding's kind, so a new kind fails to compile
 * here until it has its words.
 */
import type { LintFinding } from '../../../shared/sandbox';
import { formatBytes } from '../../ui/format';

export interface LintText {
  /** What is wrong, in one sentence. */
  title: string;
  /** What to do about it. */
  advice: string;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function lintText(finding: LintFinding): LintText {
  switch (finding.kind) {
    case 'no-date':
      return {
        title: 'The message has no Date header.',
        advice: 'Recipients’ mail programs sort it oddly and spam filters distrust it. Mailwright adds one to what it sends; software sending through the sandbox should too.',
      };
    case 'no-message-id':
      return {
        title: 'The message has no Message-ID header.',
        advice: 'Replies cannot be threaded and some servers refuse or mark such mail. Give every message a unique Message-ID.',
      };
    case 'text-differs-from-html':
      return {
        title: `The plain-text part says something else than the HTML part (${plural(finding.textWords, 'word')} against ${plural(finding.htmlWords, 'word')}).`,
        advice: `People whose mail program shows the text part read something different${finding.sample ? `, for example: “${finding.sample}”` : ''}. Make both parts say the same.`,
      };
    case 'remote-images':
      return {
        title: `${plural(finding.count, 'image is', 'images are')} loaded from the web when the message is opened${finding.hosts.length ? ` (${finding.hosts.join(', ')})` : ''}.`,
        advice: 'Most mail programs block them until the reader allows it, so the message looks broken at first, and such images are used to track readers. Attach the images or leave them out.',
      };
    case 'from-differs-from-envelope':
      return {
        title: `The From address is at ${finding.fromDomain}, but the envelope sender (MAIL FROM) is at ${finding.envelopeDomain}.`,
        advice: 'DMARC checks may fail and the message may land in spam or be refused. Send from an address at the same domain as the account that sends it.',
      };
    case 'no-list-unsubscribe':
      return {
        title: 'This message goes to many people but has no List-Unsubscribe header.',
        advice: 'Gmail and Yahoo require a one-click unsubscribe from bulk senders and may refuse or hide the mail without it. Add an unsubscribe link to the merge.',
      };
    case 'long-lines':
      return {
        title: `${plural(finding.count, 'line is', 'lines are')} longer than 998 characters (the longest has ${finding.longest}).`,
        advice: 'Servers may break such lines or refuse the message. Encode the part (quoted-printable or base64) or wrap the lines.',
      };
    case 'over-size':
      return {
        title: `The message is ${formatBytes(finding.size)}, more than ${finding.account}’s server takes (${formatBytes(finding.limit)}).`,
        advice: 'The real send would be refused. Make the attachments smaller or share them as a link.',
      };
  }
}

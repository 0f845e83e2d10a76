/**
 * The pace of a mail merge (issue 14): when each message may go so that the account stays inside its
 * provider's limits, how many days that takes, when it will finish, and the warnings to give first.
 *
 * Limits are data (sending-limits.json): recipients per rolling 24 hours (Gmail 500, Google Workspace
 * 2,000, Microsoft 365 10,000, iCloud about 200) and messages per minute. The person may change them
 * per account; the planner only takes numbers. A merge larger than what is left in the window is
 * spread: a message waits until enough of what was sent (by this merge or before it) has left the
 * window. Gmail treats a sender domain that sends about 5,000 messages a day to Gmail addresses as a
 * bulk sender for good: the plan says so before that happens.
 *
 * Pure and shared (no Node, no DOM): the merge view shows the plan, the main process uses it to set
 * each message's "not before" time.
 */
import limitsData from './sending-limits.json' with { type: 'json' };

const DAY_MS = 24 * 3600_000;
const MINUTE_MS = 60_000;

export interface SendingLimits {
  /** Recipients (To, Cc and Bcc, each counted) per rolling 24 hours; null: no known limit. */
  recipientsPerDay: number | null;
  /** Messages per minute; null: no limit. */
  messagesPerMinute: number | null;
}

export interface KnownLimits extends SendingLimits {
  providerId: string;
  providerName: string;
  /** Where the figures come from. */
  source: string;
}

interface ProviderEntry {
  id: string;
  name: string;
  recipientsPerDay: number | null;
  messagesPerMinute: number | null;
  match: { smtpHosts: string[]; emailDomains?: string[] };
  source: string;
}

const PROVIDERS = limitsData.providers as ProviderEntry[];
export const DEFAULT_LIMITS: SendingLimits = { recipientsPerDay: limitsData.default.recipientsPerDay, messagesPerMinute: limitsData.default.messagesPerMinute };
export const GMAIL_BULK_MESSAGES_PER_DAY = limitsData.gmailBulkSender.messagesPerDay;
const GMAIL_DOMAINS = new Set(limitsData.gmailBulkSender.domains);

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).trim().toLowerCase().replace(/\.$/, '');

/**
 * The provider's published limits for an account, from its SMTP host and its address (smtp.gmail.com
 * is Gmail for a gmail.com address, Google Workspace for any other); null when the provider is not
 * one the data knows.
 */
export function knownLimits(account: { email: string; smtp: { host: string } }): KnownLimits | null {
  const host = account.smtp.host.trim().toLowerCase().replace(/\.$/, '');
  const domain = domainOf(account.email);
  const candidates = PROVIDERS.filter((p) => p.match.smtpHosts.includes(host));
  // An entry that also names address domains wins when the address is one of them; one without is the fallback.
  const found = candidates.find((p) => p.match.emailDomains?.includes(domain)) ?? candidates.find((p) => !p.match.emailDomains);
  if (!found) return null;
  return {
    providerId: found.id,
    providerName: found.name,
    recipientsPerDay: found.recipientsPerDay,
    messagesPerMinute: found.messagesPerMinute ?? DEFAULT_LIMITS.messagesPerMinute,
    source: found.source,
  };
}

export interface PaceInput {
  /** The merge's messages in the order they are to go: each one's envelope recipients. */
  messages: ReadonlyArray<{ recipients: readonly string[] }>;
  limits: SendingLimits;
  /** When the first may go (epoch ms). */
  startAt: number;
  /** What the account already sent in the last 24 hours (epoch ms and recipient count), oldest first: it counts against the window. */
  sentBefore?: ReadonlyArray<{ at: number; recipients: number; gmailMessages?: number }>;
}

export type PaceWarning =
  /** A message has more recipients than the whole daily limit: it can never go within it. */
  | { kind: 'over-daily-limit'; index: number; recipients: number; limit: number }
  /** Within some 24 hours the plan sends this many messages to Gmail addresses: at or past Gmail's bulk-sender line. */
  | { kind: 'gmail-bulk-sender'; messages: number; threshold: number; from: number };

export interface PacePlan {
  /** When each message may go (epoch ms), in input order; null for one that can never go within the limits. */
  sendAt: Array<number | null>;
  /** When the last one goes (epoch ms); startAt when there is nothing to send. */
  finishesAt: number;
  /** How many calendar spans of 24 hours from startAt the merge covers (1 when it all goes within the first day). */
  days: number;
  /** How many go within the first 24 hours. */
  firstDay: number;
  warnings: PaceWarning[];
}

/** Events still inside the rolling window, oldest first, with a running sum (a queue with a head index). */
class Window {
  private readonly events: Array<{ at: number; amount: number }> = [];
  private head = 0;
  sum = 0;
  add(at: number, amount: number): void {
    this.events.push({ at, amount });
    this.sum += amount;
  }
  /** Drops what is older than `now - span`. */
  expire(now: number, span: number): void {
    while (this.head < this.events.length && this.events[this.head]!.at <= now - span) this.sum -= this.events[this.head++]!.amount;
  }
  /** The time at which the oldest event still inside leaves the window. */
  nextExpiry(span: number): number | undefined {
    const oldest = this.events[this.head];
    return oldest ? oldest.at + span : undefined;
  }
}

/** Plans the merge: each message at the earliest time the limits allow, in order. */
export function planPace(input: PaceInput): PacePlan {
  const perDay = input.limits.recipientsPerDay;
  const gap = input.limits.messagesPerMinute ? MINUTE_MS / input.limits.messagesPerMinute : 0;
  const window = new Window();
  const gmail = new Window();
  for (const e of input.sentBefore ?? []) {
    window.add(e.at, e.recipients);
    if (e.gmailMessages) gmail.add(e.at, e.gmailMessages);
  }
  const sendAt: Array<number | null> = [];
  const warnings: PaceWarning[] = [];
  let bulkWarned = false;
  let t = input.startAt;
  let last: number | undefined;
  input.messages.forEach((message, index) => {
    const count = message.recipients.length;
    if (perDay !== null && count > perDay) {
      warnings.push({ kind: 'over-daily-limit', index, recipients: count, limit: perDay });
      sendAt.push(null);
      return;
    }
    if (last !== undefined) t = Math.max(t, last + gap);
    window.expire(t, DAY_MS);
    if (perDay !== null) {
      // Wait until enough of what was sent has left the window (bounded: each step drops at least one event).
      while (window.sum + count > perDay) {
        t = Math.max(t, window.nextExpiry(DAY_MS)!);
        window.expire(t, DAY_MS);
      }
    }
    window.add(t, count);
    const toGmail = message.recipients.some((r) => GMAIL_DOMAINS.has(domainOf(r))) ? 1 : 0;
    if (toGmail) {
      gmail.expire(t, DAY_MS);
      gmail.add(t, 1);
      if (!bulkWarned && gmail.sum >= GMAIL_BULK_MESSAGES_PER_DAY) {
        bulkWarned = true;
        warnings.push({ kind: 'gmail-bulk-sender', messages: gmail.sum, threshold: GMAIL_BULK_MESSAGES_PER_DAY, from: t });
      }
    }
    sendAt.push(t);
    last = t;
  });
  const times = sendAt.filter((x): x is number => x !== null);
  const finishesAt = times.reduce((a, b) => Math.max(a, b), input.startAt);
  return {
    sendAt,
    finishesAt,
    days: Math.floor((finishesAt - input.startAt) / DAY_MS) + 1,
    firstDay: times.filter((x) => x < input.startAt + DAY_MS).length,
    warnings,
  };
}

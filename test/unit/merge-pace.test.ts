import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, GMAIL_BULK_MESSAGES_PER_DAY, knownLimits, planPace } from '../../shared/merge/pace';

const DAY = 24 * 3600_000;
const T0 = Date.UTC(2026, 11, 7, 9, 0, 0);
const rows = (n: number, to = (i: number) => [`person${i}@example.org`]) => Array.from({ length: n }, (_, i) => ({ recipients: to(i) }));

describe('the provider’s limits, from the data file', () => {
  it('knows Gmail, Google Workspace, Microsoft 365 and iCloud by server and address; others get the default', () => {
    expect(knownLimits({ email: 'ann@gmail.com', smtp: { host: 'smtp.gmail.com' } })).toMatchObject({ providerId: 'gmail', recipientsPerDay: 500 });
    expect(knownLimits({ email: 'ann@club.example', smtp: { host: 'SMTP.GMAIL.COM.' } })).toMatchObject({ providerId: 'google-workspace', recipientsPerDay: 2000 });
    expect(knownLimits({ email: 'ann@firm.example', smtp: { host: 'smtp.office365.com' } })).toMatchObject({ providerId: 'microsoft365', recipientsPerDay: 10000, messagesPerMinute: 30 });
    expect(knownLimits({ email: 'ann@icloud.com', smtp: { host: 'smtp.mail.me.com' } })).toMatchObject({ providerId: 'icloud', recipientsPerDay: 200 });
    expect(knownLimits({ email: 'ann@example.org', smtp: { host: 'mail.example.org' } })).toBeNull();
    // Where the provider publishes no per-minute rate, Mailwright's own default applies.
    expect(knownLimits({ email: 'ann@gmail.com', smtp: { host: 'smtp.gmail.com' } })?.messagesPerMinute).toBe(DEFAULT_LIMITS.messagesPerMinute);
  });
});

describe('the pace planner', () => {
  it('within the daily limit: one after another at the per-minute rate, all on the first day', () => {
    const plan = planPace({ messages: rows(10), limits: { recipientsPerDay: 500, messagesPerMinute: 20 }, startAt: T0 });
    expect(plan.sendAt).toEqual(Array.from({ length: 10 }, (_, i) => T0 + i * 3000));
    expect(plan).toMatchObject({ days: 1, firstDay: 10, finishesAt: T0 + 27_000, warnings: [] });
  });

  it('a merge larger than the day’s allowance is spread across days, each message counted by its recipients', () => {
    // 1,200 rows of one recipient at Gmail's 500 a day: 500 today, 500 tomorrow, 200 the day after.
    const plan = planPace({ messages: rows(1200), limits: { recipientsPerDay: 500, messagesPerMinute: null }, startAt: T0 });
    expect(plan.firstDay).toBe(500);
    expect(plan.days).toBe(3);
    expect(plan.sendAt[499]).toBe(T0);
    expect(plan.sendAt[500]).toBe(T0 + DAY);
    expect(plan.sendAt[1000]).toBe(T0 + 2 * DAY);
    // Never more than 500 recipients in any 24 hours.
    const times = plan.sendAt as number[];
    for (let i = 0; i < times.length; i++) expect(times.filter((t) => t > times[i]! - DAY && t <= times[i]!).length).toBeLessThanOrEqual(500);
    // Two recipients a row count twice.
    expect(planPace({ messages: rows(300, (i) => [`a${i}@x.org`, `b${i}@x.org`]), limits: { recipientsPerDay: 500, messagesPerMinute: null }, startAt: T0 }).firstDay).toBe(250);
  });

  it('what the account sent in the last 24 hours counts: the window frees as those messages age out', () => {
    const sentBefore = [{ at: T0 - 20 * 3600_000, recipients: 450 }];
    const plan = planPace({ messages: rows(100), limits: { recipientsPerDay: 500, messagesPerMinute: null }, startAt: T0, sentBefore });
    // Fifty go at once; the rest when the 450 leave the window, four hours later (still within the first day).
    expect(plan.sendAt[49]).toBe(T0);
    expect(plan.sendAt[50]).toBe(T0 + 4 * 3600_000);
    expect(plan).toMatchObject({ days: 1, firstDay: 100, finishesAt: T0 + 4 * 3600_000 });
  });

  it('a message with more recipients than the whole daily limit cannot go, and says so; the others go', () => {
    const many = Array.from({ length: 201 }, (_, i) => `p${i}@x.org`);
    const plan = planPace({ messages: [{ recipients: ['a@x.org'] }, { recipients: many }, { recipients: ['b@x.org'] }], limits: { recipientsPerDay: 200, messagesPerMinute: null }, startAt: T0 });
    expect(plan.sendAt).toEqual([T0, null, T0]);
    expect(plan.warnings).toEqual([{ kind: 'over-daily-limit', index: 1, recipients: 201, limit: 200 }]);
  });

  it('warns before the sender crosses Gmail’s 5,000 messages a day to Gmail addresses (and not below it)', () => {
    const toGmail = (i: number) => [i % 2 ? `p${i}@gmail.com` : `p${i}@example.org`];
    const limits = { recipientsPerDay: 10_000, messagesPerMinute: null };
    const below = planPace({ messages: rows(9998, toGmail), limits, startAt: T0 });
    expect(below.warnings).toEqual([]);
    const at = planPace({ messages: rows(10_000, toGmail), limits, startAt: T0 });
    expect(at.warnings).toEqual([{ kind: 'gmail-bulk-sender', messages: GMAIL_BULK_MESSAGES_PER_DAY, threshold: 5000, from: T0 }]);
    // Gmail addresses sent earlier today count too.
    const earlier = planPace({ messages: rows(10, () => ['x@googlemail.com']), limits, startAt: T0, sentBefore: [{ at: T0 - 3600_000, recipients: 4990, gmailMessages: 4990 }] });
    expect(earlier.warnings.map((w) => w.kind)).toEqual(['gmail-bulk-sender']);
  });

  it('plans 100,000 rows without trouble', () => {
    const plan = planPace({ messages: rows(100_000), limits: { recipientsPerDay: 10_000, messagesPerMinute: 30 }, startAt: T0 });
    expect(plan.days).toBe(10);
    expect(plan.sendAt.every((t) => t !== null)).toBe(true);
  });
});

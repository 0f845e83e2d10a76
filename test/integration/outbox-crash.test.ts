/**
 * Crash test: the outbox runs in a child process that is killed with SIGKILL at random moments and
 * started again, over and over, while it enqueues and sends messages to an SMTP server here that
 * records every Message-ID it takes, and sometimes answers slowly, refuses for a while (451) or
 * drops the connection in the middle of the data (test/support/outbox-crash-harness.ts, shared with
 * `npm run crash-campaign`, which does the same at a larger scale). Then it is left to finish.
 * Every job must end 'sent' with exactly one delivery, or 'uncertain' with zero or one; none lost,
 * none delivered twice.
 */
import { describe, expect, it } from 'vitest';
import { describeCrashRun, runOutboxCrash } from '../support/outbox-crash-harness';

const MESSAGES = 60;
const KILLS = 25;
/** A failing run can be replayed with OUTBOX_CRASH_SEED. */
const seed = Number(process.env.OUTBOX_CRASH_SEED) || Date.now() % 1_000_000;

describe('the outbox survives being killed at any moment', () => {
  it(`${MESSAGES} messages, ${KILLS} SIGKILLs: none lost, none sent twice`, async () => {
    const report = await runOutboxCrash({ messages: MESSAGES, kills: KILLS, seed, lastRunMs: 25_000 });
    console.log(describeCrashRun(report, 'outbox crash test'));
    const { jobs, ns, enqueued, names, deliveriesOf, figures } = report;

    expect(report.lastRunDone, 'the last run finished every job').toBe(true);
    expect(report.lastRunExit).toBe(0);
    // None lost: every message has exactly one job, and every enqueue that answered is among them.
    expect(ns).toEqual(Array.from({ length: MESSAGES }, (_, i) => i));
    expect([...enqueued].every((n) => ns.includes(n))).toBe(true);
    // Every job finished as sent (delivered once) or uncertain (delivered at most once).
    const sent = jobs.filter((j) => j.state === 'sent');
    const uncertain = jobs.filter((j) => j.state === 'uncertain');
    expect(sent.length + uncertain.length).toBe(MESSAGES);
    for (const j of sent) expect(deliveriesOf(j), `sent job ${j.id}`).toBe(1);
    for (const j of uncertain) expect(deliveriesOf(j), `uncertain job ${j.id}`).toBeLessThanOrEqual(1);
    expect(figures.duplicated).toBe(0);
    expect(figures.unknownDeliveries).toBe(0);
    expect(figures.lost).toBe(0);
    // Nothing half-written left behind, no stray message file, and each job's message kept.
    expect(names.filter((n) => n.includes('.tmp-') || n.endsWith('.corrupt'))).toEqual([]);
    expect(names.filter((n) => n.endsWith('.eml')).sort()).toEqual(jobs.map((j) => `${j.id}.eml`).sort());
  }, 90_000);
});

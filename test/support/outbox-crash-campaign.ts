/**
 * The crash campaign run by `npm run crash-campaign` (scripts/crash-campaign.mjs), not by
 * `npm test`: the crash test's harness at a larger scale, with its figures printed. Lost or
 * duplicated messages fail it; "may have been sent" is the outbox being honest about a message
 * whose 250 it never saw, and is reported, not failed.
 */
import { expect, it } from 'vitest';
import { describeCrashRun, runOutboxCrash } from './outbox-crash-harness';

const messages = Number(process.env.CRASH_MESSAGES) || 1000;
const kills = Number(process.env.CRASH_KILLS) || 100;
const seed = Number(process.env.CRASH_SEED) || Date.now() % 1_000_000;
/** The last run sends whatever is left; on this 2-core machine that is up to a few hundred ms a message. */
const lastRunMs = (Number(process.env.CRASH_LAST_RUN_S) || Math.max(25, Math.ceil(messages * 0.3))) * 1000;

it(`crash campaign: ${kills} SIGKILLs over ${messages} messages`, async () => {
  console.log(`crash campaign: ${kills} SIGKILLs over ${messages} messages, seed ${seed} (replay with CRASH_SEED=${seed})`);
  const report = await runOutboxCrash({ messages, kills, seed, lastRunMs, killAt: 'progress', progress: (line) => console.log(line) });
  const f = report.figures;
  console.log(describeCrashRun(report, 'crash campaign'));
  console.log(`CRASH CAMPAIGN: lost ${f.lost}, duplicated ${f.duplicated}, may have been sent ${f.mayHaveBeenSent}, delivered ${f.delivered} of ${messages}`);
  expect(report.lastRunDone, 'the last run finished every job').toBe(true);
  expect(f.lost).toBe(0);
  expect(f.duplicated).toBe(0);
  expect(f.unknownDeliveries).toBe(0);
});

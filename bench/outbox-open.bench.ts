/**
 * Issue 13: opening the outbox with many finished messages. Time of `Outbox.open` plus the first
 * list reply (the IPC handler of 'outbox:list', src-main/ipc/outbox-handlers.ts, called as the
 * renderer's first request calls it), and the bytes of that reply as JSON (what goes over IPC).
 *
 *   npx vitest bench --run --project integration bench/outbox-open.bench.ts
 *   BENCH_FINISHED=5000 BENCH_RECENT=200 npx vitest bench --run --project integration bench/outbox-open.bench.ts
 *
 * The folder, made once per run in the engine's own formats, then copied afresh for every round:
 *   - BENCH_FINISHED (default 100,000) finished messages in the compact history, written with the
 *     engine's own appendHistory (history.ts) from entries made by its own historyEntryOf, in
 *     chunks of 10,000 (the way compact() moves jobs there);
 *   - BENCH_RECENT (default 1,000) messages sent recently: enqueued and "delivered" by the engine
 *     itself (a delivery stand-in that answers 250), so they are kept in whatever form the engine
 *     keeps finished jobs (live: at most the newest 100; the rest moved to the history).
 * Candidates, alternating: the outbox (open + first list reply), and for scale reading the history
 * file into memory (readFile of history.jsonl), a floor that a design which reads it all at open
 * cannot beat.
 *
 * Goals (the issue): open + first screen < 200 ms, its replies < 100 KB. The first screen is what the
 * Outbox view asks for: 'outbox:list' (live jobs; at most 100 finished ones stay live) and the first
 * page of 'outbox:history'.
 */
import { cpSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe } from 'vitest';
import { ok } from '../shared/result';
import { createOutboxHandlers } from '../src-main/ipc/outbox-handlers';
import { Outbox, type EnqueueInput } from '../src-main/services/outbox';
import { appendHistory, HISTORY_FILE, historyEntryOf } from '../src-main/services/outbox/history';
import { passwordCredential } from '../src-main/services/credentials';
import { jobRecord, scriptedDeliver, testAccount, testMessage } from '../test/support/outbox-fixtures';
import { benchOnce, envCount, goal, median, msText, removeTempDir, ROUNDS, runRounds, table, tempDir, timeRatio, times, until, type Candidate } from './support';

const FINISHED = envCount('BENCH_FINISHED', 100_000);
const RECENT = Number.isInteger(Number(process.env.BENCH_RECENT)) && Number(process.env.BENCH_RECENT) >= 0 ? Number(process.env.BENCH_RECENT) : 1_000;
const CHUNK = 10_000;
const TIME_GOAL_MS = 200;
const BYTES_GOAL = 100 * 1000;
/** What the renderer asks when the Outbox view opens: the live list, and the history's first page (OutboxView.tsx, 50 entries). */
const FIRST_PAGE_REQUEST = {} as const;
const FIRST_HISTORY_PAGE = { before: null, limit: 50 } as const;

const account = testAccount(25, 'none', 'none');
const accountOf = () => ok({ account, credentials: passwordCredential('', undefined) });

/** A realistic finished message: three recipients, a subject, a reply, sent a few days ago. */
function finishedEntry(i: number, now: number) {
  const at = new Date(now - 8 * 86_400_000 - i * 60_000).toISOString();
  const to = [`person${i}@example.com`, `team${i % 97}@example.org`, `cc${i % 13}@example.net`];
  return historyEntryOf(
    jobRecord({
      accountId: account.id,
      state: i % 50 === 0 ? 'cancelled' : 'sent',
      createdAt: at,
      updatedAt: at,
      notBefore: at,
      attempts: 1,
      envelope: { from: account.email, to },
      summary: { subject: `Quarterly figures, part ${i} of the series`, to, sizeBytes: 4_000 + (i % 9_000) },
      accepted: i % 50 === 0 ? [] : to,
      lastReply: '250 2.0.0 Ok: queued as 4F2A1B3C5D',
    }),
  );
}

/** The folder every round starts from a copy of. */
async function makeTemplate(dir: string): Promise<void> {
  const now = Date.now();
  const t0 = performance.now();
  for (let i = 0; i < FINISHED; i += CHUNK) {
    await appendHistory(dir, Array.from({ length: Math.min(CHUNK, FINISHED - i) }, (_, k) => finishedEntry(i + k, now)));
  }
  const t1 = performance.now();
  if (RECENT) {
    const { deliver } = scriptedDeliver();
    let sent = 0;
    const outbox = await Outbox.open({ dir, undoSeconds: 0, account: accountOf, deliver, onChange: (job) => job.state === 'sent' && sent++ });
    try {
      const inputs: EnqueueInput[] = Array.from({ length: RECENT }, (_, i) => ({
        accountId: account.id,
        message: testMessage({ subject: `Recent ${i}`, to: [{ name: 'Bob', address: 'bob@example.com' }, { address: 'carol@example.com' }] }),
        draft: null,
      }));
      // Sent one by one, as a person sends (not a batch: a batch's messages are not listed one by one).
      for (let i = 0; i < inputs.length; i += 50) {
        const queued = await Promise.all(inputs.slice(i, i + 50).map((input) => outbox.enqueue(input)));
        if (queued.some((r) => !r.ok)) throw new Error('outbox: a recent message was not queued');
      }
      await until('the recent messages sent', () => sent >= RECENT, 120_000 + RECENT * 100);
      // As in a running app: the older finished ones move to the history shortly after.
      await until('the older finished messages moved to the history', () => outbox.list().length <= 100, 10_000);
    } finally {
      await outbox.close();
    }
  }
  console.log(`template: ${FINISHED.toLocaleString('en')} history entries in ${msText(t1 - t0)}, ${RECENT.toLocaleString('en')} recent messages sent through the engine in ${msText(performance.now() - t1)}`);
}

async function compare(): Promise<void> {
  const template = tempDir('outbox-open-template');
  try {
    await makeTemplate(template);
    const replyBytes: number[] = [];
    const listed: number[] = [];
    /** Copies the template (not timed), times `work` on the copy, removes the copy. */
    const onCopy = (work: (dir: string) => Promise<void>) => async () => {
      const dir = tempDir('outbox-open');
      try {
        cpSync(template, dir, { recursive: true });
        const t0 = performance.now();
        await work(dir);
        return performance.now() - t0;
      } finally {
        removeTempDir(dir);
      }
    };
    const OUTBOX = 'Outbox.open + first list reply';
    const FLOOR = 'readFile history.jsonl (scale)';
    const candidates: Candidate[] = [
      {
        name: OUTBOX,
        run: onCopy(async (dir) => {
          const outbox = await Outbox.open({ dir, undoSeconds: 0, account: accountOf, deliver: scriptedDeliver().deliver });
          try {
            // Only the outbox is used by this handler; the other dependencies are never touched.
            const handlers = createOutboxHandlers({ outbox } as unknown as Parameters<typeof createOutboxHandlers>[0]);
            const reply = await handlers['outbox:list'](FIRST_PAGE_REQUEST);
            if (!reply.ok) throw new Error(`outbox:list: ${reply.error.code}`);
            const page = await handlers['outbox:history'](FIRST_HISTORY_PAGE);
            if (!page.ok) throw new Error(`outbox:history: ${page.error.code}`);
            replyBytes.push(Buffer.byteLength(JSON.stringify(reply.value)) + Buffer.byteLength(JSON.stringify(page.value)));
            listed.push(reply.value.length + page.value.entries.length);
          } finally {
            await outbox.close();
          }
        }),
      },
      { name: FLOOR, run: onCopy(async (dir) => void (await readFile(join(dir, HISTORY_FILE), 'utf8'))) },
    ];
    const result = await runRounds(candidates);
    const ms = median(result.get(OUTBOX)!);
    const bytes = median(replyBytes);
    const kb = (b: number) => `${(b / 1000).toFixed(1)} KB`;
    console.log(
      [
        '',
        `the outbox with ${FINISHED.toLocaleString('en')} finished messages in its history and ${RECENT.toLocaleString('en')} sent recently; ${ROUNDS} rounds, alternating, each on a fresh copy`,
        table(
          ['candidate', 'median', 'vs readFile (median of per-round ratios)', 'first screen JSON', 'messages in it'],
          [
            [OUTBOX, msText(ms), times(timeRatio(result, OUTBOX, FLOOR)), kb(bytes), String(median(listed))],
            [FLOOR, msText(median(result.get(FLOOR)!)), times(1), '', ''],
          ],
        ),
        goal('Outbox.open + first list reply', ms, '<', TIME_GOAL_MS, msText),
        goal('first list reply as JSON', bytes, '<', BYTES_GOAL, kb),
        '(the first screen: \'outbox:list\' (live jobs, at most 100 finished) and the first page of \'outbox:history\' (50 entries); the rest of the history is read after open, in the background)',
      ].join('\n'),
    );
  } finally {
    removeTempDir(template);
  }
}

describe('open the outbox with many finished messages', () => {
  benchOnce('Outbox.open + first list reply', compare);
});

/**
 * Issue 14: a mail merge of COUNT rows into Postfix's `smtp-sink` (answers 250 to everything) on
 * 127.0.0.1, held to the send engine's goals (issue 13: a merge's throughput is the engine's).
 *
 *   npx vitest bench --run --project integration bench/merge.bench.ts
 *   BENCH_MESSAGES=1000 BENCH_CONNECTIONS=1 npx vitest bench --run --project integration bench/merge.bench.ts
 *
 * Environment: BENCH_MESSAGES (rows, default 10,000), BENCH_ROUNDS (at least 5), BENCH_CONNECTIONS
 * (default 1,8; 1 always). Candidates, one after the other within a round, rounds alternating the
 * order (support.ts runRounds), for each N of BENCH_CONNECTIONS:
 *   - `smtp-source -d -s N -m COUNT -l SIZE`: the peer, SIZE the median size of the merge's messages.
 *   - nodemailer directly, `pool: true, maxConnections: N`, sending the same COUNT personal messages
 *     (From, To, Subject, text and HTML, the unsubscribe headers), built once before the rounds.
 *   - Mailwright's merge with `account.smtp.maxConnections = N`: the CSV's bytes -> parseTable ->
 *     checkRows -> compileMerge and build per row -> one batch through enqueueMany (support.ts, the
 *     outbox's enqueueBatch) -> every job 'sent'. A fresh outbox folder, an account with no TLS and no
 *     sign-in, no undo window, no pace (no sendAt: the outbox sends as fast as the lane goes; the pace
 *     planner only spreads sendAt times). Timed as a whole and in parts: parse + check, build, enqueue
 *     (until enqueueBatch answered), send (from then until the last job is 'sent'). Its RSS is sampled
 *     every 20 ms, and this thread's event-loop delay recorded from the first byte parsed to the last 250
 *     (the merge runs in the app's main process).
 *
 * Goals, the send engine's: the merge's rate (rows per second, from the data to the last 250) ≥ 100% /
 * 50% / 45% of smtp-source -d's at 1 / 4 / 8 connections; the same for the engine's part alone (from
 * the enqueue to the last 250, as bench/send-engine.bench.ts times the outbox); peak RSS over the RSS
 * before the run ≤ 100 MB; event-loop delay p99 ≤ 20 ms. Not part of `npm test`. Compare the ratios of
 * one run, never absolutes across runs.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import nodemailer from 'nodemailer';
import { describe } from 'vitest';
import { checkRows, parseTable } from '../shared/merge/table';
import { ok } from '../shared/result';
import { passwordCredential } from '../src-main/services/credentials';
import { compileMerge, type MergeDraft } from '../src-main/services/merge/build';
import { Outbox, type EnqueueInput, type MessageInput } from '../src-main/services/outbox';
import { testAccount } from '../test/support/outbox-fixtures';
import {
  benchOnce,
  enqueueMany,
  envCount,
  goal,
  median,
  mib,
  msText,
  pct,
  points,
  procMemory,
  rateRatio,
  removeTempDir,
  ROUNDS,
  runRounds,
  sampleRss,
  smtpSource,
  startSink,
  table,
  tempDir,
  withTimeout,
  type Candidate,
} from './support';

const COUNT = envCount('BENCH_MESSAGES', 10_000);
/**
 * 1 and 8 by default, the ends of the goals (a 10,000-row merge takes over a minute per run at today's
 * engine speed, so 4 as well would add a quarter of an hour to `npm run bench`); BENCH_CONNECTIONS=1,4,8 for all three.
 */
const CONNECTIONS = [...new Set([1, ...(process.env.BENCH_CONNECTIONS ?? '1,8').split(',').map(Number).filter((n) => Number.isInteger(n) && n >= 1)])].sort((a, b) => a - b);
const RUN_TIMEOUT_MS = 60_000 + COUNT * 50;
const RATE_GOALS = new Map([
  [1, 1.0],
  [4, 0.5],
  [8, 0.45],
]);
const RSS_GOAL = 100 * 2 ** 20;
const LOOP_GOAL_MS = 20;
const FROM = { name: 'The Club', address: 'alice@mailwright.test' };

/** The merge's data: a CSV as a spreadsheet writes it (quoted names with commas, some rows without a company). */
function csvBytes(): Uint8Array {
  const lines = ['First name,Last name,Email,Company,Code'];
  for (let i = 0; i < COUNT; i++) lines.push(`Member${i},"Doe, ${i}",bob+row${i}@mailwright.test,${i % 3 ? `Company ${i % 97}` : ''},${(i * 2654435761) % 1e9}`);
  return new TextEncoder().encode(lines.join('\r\n'));
}

/** About 5 KB per message in all (text and HTML parts), like send-engine's messages. */
const PARAGRAPH = 'Thank you for being a member this year. The meeting is on the first Monday of the month, in the hall. ';
const MERGE: MergeDraft = {
  to: '{{First name}} {{Last name}} <{{Email}}>',
  cc: '',
  subject: 'Your membership code, {{First name|friend}}',
  text: `Dear {{First name|friend}},\n{{#if Company}}on behalf of {{Company}}: {{/if}}your code is {{Code}}.\n\n${PARAGRAPH.repeat(12)}\n`,
  html: `<p>Dear {{First name|friend}},</p><p>{{#if Company}}on behalf of {{Company}}: {{/if}}your code is <b>{{Code}}</b>.</p><p>${PARAGRAPH.repeat(12)}</p>`,
  listUnsubscribe: { https: 'https://club.example/unsubscribe', mailto: 'leave@club.example' },
};

/** The merge's rows made into messages, untimed: what nodemailer sends, and the size smtp-source sends. */
async function builtMessages(): Promise<MessageInput[]> {
  const checked = checkRows(parseTable(csvBytes()), { addressColumn: 'Email', required: ['Code'] });
  const merge = compileMerge(MERGE);
  const out: MessageInput[] = [];
  for (const row of checked.good) out.push((await merge.build(row.values, FROM)).message!);
  return out;
}

async function nodemailerPool(port: number, connections: number, messages: readonly MessageInput[]): Promise<number> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, pool: true, maxConnections: connections, maxMessages: Infinity });
  const headers = { 'List-Unsubscribe': `<mailto:${MERGE.listUnsubscribe!.mailto}?subject=unsubscribe>, <${MERGE.listUnsubscribe!.https}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
  const t0 = performance.now();
  try {
    const sends = messages.map((m) => transport.sendMail({ from: m.from, to: m.to, subject: m.subject, text: m.text, ...(m.html ? { html: m.html } : {}), headers }));
    await withTimeout('nodemailer', Promise.all(sends), RUN_TIMEOUT_MS);
    return performance.now() - t0;
  } finally {
    transport.close();
  }
}

interface MergeFigures {
  parse: number[];
  build: number[];
  enqueue: number[];
  send: number[];
  /** From the enqueue to the last 250: the engine's part, as send-engine times the outbox. */
  engine: number[];
  idle: number[];
  peak: number[];
  loopP99: number[];
  /** The longest the event loop waited, ms. */
  loopMax: number[];
  sizes: number[];
}

async function mailwrightMerge(port: number, connections: number, data: Uint8Array, figures: MergeFigures): Promise<number> {
  const dir = tempDir('merge');
  const account = testAccount(port, 'none', 'none');
  account.smtp.maxConnections = connections;
  let sent = 0;
  const problems: string[] = [];
  let settle: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (settle = resolve));
  let outbox: Outbox | undefined;
  figures.idle.push(procMemory().rss);
  const rss = sampleRss('self', 20);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  try {
    outbox = await Outbox.open({
      dir,
      undoSeconds: 0,
      retry: { maxAttempts: 1 },
      account: () => ok({ account, credentials: passwordCredential('', undefined) }),
      onChange: (job) => {
        if (job.state === 'sent') sent++;
        else if (job.state === 'failed' || job.state === 'uncertain') problems.push(`${job.id}: ${job.state}`);
        if (sent === COUNT || problems.length) settle();
      },
    });
    loop.enable();
    const t0 = performance.now();
    const checked = checkRows(parseTable(data), { addressColumn: 'Email', required: ['Code'] });
    if (checked.good.length !== COUNT) throw new Error(`merge: ${checked.left.length} rows left out`);
    const t1 = performance.now();
    const merge = compileMerge(MERGE);
    const inputs: EnqueueInput[] = [];
    for (const row of checked.good) {
      const built = await merge.build(row.values, FROM);
      if (!built.message) throw new Error(`merge: row ${row.row} built no message`);
      inputs.push({ accountId: account.id, message: built.message, draft: { row: row.row } });
    }
    const t2 = performance.now();
    await enqueueMany(outbox, inputs);
    const t3 = performance.now();
    await withTimeout('merge', done, RUN_TIMEOUT_MS);
    if (problems.length) throw new Error(`merge: ${problems.length} not sent, first ${problems[0]}`);
    const t4 = performance.now();
    loop.disable();
    figures.parse.push(t1 - t0);
    figures.build.push(t2 - t1);
    figures.enqueue.push(t3 - t2);
    figures.send.push(t4 - t3);
    figures.engine.push(t4 - t2);
    figures.loopP99.push(loop.percentile(99) / 1e6);
    figures.loopMax.push(loop.max / 1e6);
    figures.sizes.push(median(outbox.list().map((j) => j.summary.sizeBytes)));
    return t4 - t0;
  } finally {
    loop.disable();
    figures.peak.push(rss.stop());
    await outbox?.close();
    removeTempDir(dir);
  }
}

const sourceName = (n: number) => `smtp-source -d -s ${n}`;
const poolName = (n: number) => `nodemailer pool, ${n} conn.`;
const mergeName = (n: number) => `Mailwright merge, ${n} conn.`;
const engineName = (n: number) => `  of which enqueue + send, ${n} conn.`;

async function compare(): Promise<void> {
  const data = csvBytes();
  const messages = await builtMessages();
  const noFigures = (): MergeFigures => ({ parse: [], build: [], enqueue: [], send: [], engine: [], idle: [], peak: [], loopP99: [], loopMax: [], sizes: [] });
  const figures = new Map(CONNECTIONS.map((n) => [n, noFigures()]));
  const sink = await startSink();
  try {
    // smtp-source sends messages the size of the merge's, measured on a first merge (not counted: it also warms up).
    const probe = noFigures();
    await mailwrightMerge(sink.port, 1, data, probe);
    const size = Math.round(probe.sizes[0]!);
    const candidates: Candidate[] = [
      ...CONNECTIONS.map((n) => ({ name: sourceName(n), warmUp: true, run: () => smtpSource(sink.port, ['-d', '-s', String(n), '-m', String(COUNT), '-l', String(size)], RUN_TIMEOUT_MS) })),
      ...CONNECTIONS.map((n) => ({ name: poolName(n), warmUp: true, run: () => nodemailerPool(sink.port, n, messages) })),
      ...CONNECTIONS.map((n) => ({ name: mergeName(n), run: () => mailwrightMerge(sink.port, n, data, figures.get(n)!) })),
    ];
    const times = await runRounds(candidates);
    // The engine's part of each merge run, as a candidate of its own for the ratios.
    for (const n of CONNECTIONS) times.set(engineName(n), figures.get(n)!.engine);
    const row = (name: string, n: number) => {
      const ms = median(times.get(name)!);
      return [name, msText(ms), (COUNT / (ms / 1000)).toFixed(0), pct(rateRatio(times, name, sourceName(1))), pct(rateRatio(times, name, sourceName(n))), pct(rateRatio(times, name, poolName(n)))];
    };
    const rows = [
      ...CONNECTIONS.map((n) => row(sourceName(n), n)),
      ...CONNECTIONS.map((n) => row(poolName(n), n)),
      ...CONNECTIONS.flatMap((n) => [row(mergeName(n), n), row(engineName(n), n)]),
    ];
    const lines = [
      '',
      `a merge of ${COUNT.toLocaleString('en')} rows (messages of ${size} bytes, median) into smtp-sink on 127.0.0.1, ${ROUNDS} rounds, alternating; median time, and the median of per-round ratios of rates (msg/s)`,
      table(['candidate', 'median', 'msg/s', `rate vs ${sourceName(1)}`, 'vs smtp-source, same N', 'vs nodemailer pool, same N'], rows),
      '',
      table(
        ['Mailwright merge', 'parse + check', 'build', 'enqueue', 'prepare (all three)', 'send', 'peak RSS over before', 'event-loop delay p99', 'longest'],
        CONNECTIONS.map((n) => {
          const f = figures.get(n)!;
          const prepare = f.parse.map((p, i) => p + f.build[i]! + f.enqueue[i]!);
          return [`${n} conn.`, msText(median(f.parse)), msText(median(f.build)), msText(median(f.enqueue)), msText(median(prepare)), msText(median(f.send)), mib(median(f.peak.map((p, i) => p - f.idle[i]!))), msText(median(f.loopP99)), msText(median(f.loopMax))];
        }),
      ),
      "(medians over rounds. enqueue: until enqueueBatch answered (every message built into its file, the batch committed whole); send: from then to the",
      " last job 'sent'. RSS is this vitest worker's: the merge runs in it. Event-loop delay: p99 of this thread's, 10 ms resolution, from the first byte",
      ' parsed to the last 250.)',
      '',
      ...CONNECTIONS.filter((n) => RATE_GOALS.has(n)).flatMap((n) => [
        goal(`merge rate, data to last 250, as a share of ${sourceName(n)}'s, ${n} conn.`, rateRatio(times, mergeName(n), sourceName(n)), '>=', RATE_GOALS.get(n)!, pct, points),
        goal(`merge's engine part (enqueue to last 250) as a share of ${sourceName(n)}'s, ${n} conn.`, rateRatio(times, engineName(n), sourceName(n)), '>=', RATE_GOALS.get(n)!, pct, points),
      ]),
      ...CONNECTIONS.map((n) => {
        const f = figures.get(n)!;
        return goal(`merge peak RSS over the RSS before its run, ${n} conn. (worst round)`, Math.max(...f.peak.map((p, i) => p - f.idle[i]!)), '<=', RSS_GOAL, mib);
      }),
      ...CONNECTIONS.map((n) => goal(`event-loop delay p99 during the merge, ${n} conn. (median of rounds)`, median(figures.get(n)!.loopP99), '<=', LOOP_GOAL_MS, msText)),
    ];
    console.log(lines.join('\n'));
  } finally {
    await sink.stop();
  }
}

describe(`a mail merge of ${COUNT.toLocaleString('en')} rows into smtp-sink`, () => {
  benchOnce('smtp-source -d vs nodemailer pool vs the merge (data to last 250)', compare);
});

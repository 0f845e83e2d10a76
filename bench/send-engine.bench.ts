/**
 * Issue 13: the send engine (the outbox) against Postfix's own load generator and nodemailer's
 * pool, all sending COUNT messages of about 5 KB into Postfix's `smtp-sink` (answers 250 to
 * everything) on 127.0.0.1.
 *
 *   npx vitest bench --run --project integration bench/send-engine.bench.ts
 *   BENCH_MESSAGES=300 BENCH_CONNECTIONS=1,4 npx vitest bench --run --project integration bench/send-engine.bench.ts
 *
 * Environment: BENCH_MESSAGES (default 10,000), BENCH_ROUNDS (at least 5), BENCH_CONNECTIONS
 * (default 1,4,8; 1 always). Candidates, one after the other within a round, rounds alternating the
 * order (A B C, C B A, ...), for each N of BENCH_CONNECTIONS:
 *   - `smtp-source -d -s N -m COUNT -l 5120`: the peer. `-d`: send the next message over the same
 *     connection; `-s N`: N sessions in parallel.
 *   - nodemailer directly, `pool: true, maxConnections: N` (the library the outbox uses).
 *   - Mailwright's outbox with `account.smtp.maxConnections = N` (the lane's connections): a fresh
 *     folder, an account with no TLS and no sign-in (security 'none', as the tests use for local
 *     servers), no undo window, COUNT messages enqueued through enqueueMany (support.ts: the one
 *     place that switches to the batch API); timed from the first enqueue until every job is 'sent'.
 *     Its RSS is sampled every 20 ms during its runs; its fsyncs are counted in this process; the
 *     event-loop delay of this thread (the engine's, as the app's main process) is recorded.
 *
 * The goals: rate ≥ 100% / 50% / 45% of smtp-source -d at 1 / 4 / 8 connections, peak RSS
 * ≤ 100 MB (judged as the peak over the RSS just before the run: the vitest worker the engine runs
 * in holds about 150 MB of its own), event-loop delay p99 ≤ 20 ms while sending. Prints absolute
 * medians, the median of per-round ratios of rates against smtp-source -d -s 1 and against
 * smtp-source -d with the same N, fsyncs per message, and each goal "met" or "missed by".
 * Not part of `npm test`. Compare the ratios of one run, never absolutes across runs.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import nodemailer from 'nodemailer';
import { describe } from 'vitest';
import { ok } from '../shared/result';
import { Outbox, type EnqueueInput } from '../src-main/services/outbox';
import { passwordCredential } from '../src-main/services/credentials';
import { testAccount, testMessage } from '../test/support/outbox-fixtures';
import {
  benchOnce,
  countFsyncs,
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
/** Connections for every candidate; 1 always (the peer of every ratio). */
const CONNECTIONS = [...new Set([1, ...(process.env.BENCH_CONNECTIONS ?? '1,4,8').split(',').map(Number).filter((n) => Number.isInteger(n) && n >= 1)])].sort((a, b) => a - b);
const SIZE = 5_120;
/** No single run may take longer than this (today's outbox manages about 100 messages/s). */
const RUN_TIMEOUT_MS = 60_000 + COUNT * 50;
/** The goals: the outbox's rate as a share of smtp-source -d -s N's, by N. */
const RATE_GOALS = new Map([
  [1, 1.0],
  [4, 0.5],
  [8, 0.45],
]);
const RSS_GOAL = 100 * 2 ** 20;
/** The issue: the main process's event loop never waits more than this (p99) while the engine sends. */
const LOOP_GOAL_MS = 20;

/** About 5 KB of plain text in lines of 78 characters, like smtp-source's -l 5120 payload. */
const BODY = ('x'.repeat(78) + '\r\n').repeat(Math.ceil(SIZE / 80)).slice(0, SIZE);

async function nodemailerPool(port: number, connections: number): Promise<number> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, pool: true, maxConnections: connections, maxMessages: Infinity });
  const t0 = performance.now();
  try {
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < COUNT; i++) {
      sends.push(transport.sendMail({ from: 'alice@mailwright.test', to: 'bob@mailwright.test', subject: `Bench ${i}`, text: BODY }));
    }
    await withTimeout('nodemailer', Promise.all(sends), RUN_TIMEOUT_MS);
    return performance.now() - t0;
  } finally {
    transport.close();
  }
}

interface OutboxFigures {
  /** Process RSS before each run, and the peak during it (bytes). */
  idle: number[];
  peak: number[];
  fsyncsPerMessage: number[];
  /** p99 of this thread's event-loop delay during each run (ms): what the app's main process would feel. */
  loopP99: number[];
}

async function mailwrightOutbox(port: number, connections: number, figures: OutboxFigures): Promise<number> {
  const fsyncs = await countFsyncs();
  const dir = tempDir('outbox');
  const account = testAccount(port, 'none', 'none');
  account.smtp.maxConnections = connections;
  const sent = new Set<string>();
  const problems: string[] = [];
  let settle: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (settle = resolve));
  let outbox: Outbox | undefined;
  figures.idle.push(procMemory().rss);
  const rss = sampleRss('self', 20);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  const fsyncsBefore = fsyncs();
  try {
    outbox = await Outbox.open({
      dir,
      undoSeconds: 0,
      retry: { maxAttempts: 1 },
      account: () => ok({ account, credentials: passwordCredential('', undefined) }),
      onChange: (job) => {
        if (job.state === 'sent') sent.add(job.id);
        else if (job.state === 'failed' || job.state === 'uncertain') problems.push(`${job.id}: ${job.state}`);
        if (sent.size === COUNT || problems.length) settle();
      },
    });
    const inputs: EnqueueInput[] = Array.from({ length: COUNT }, (_, i) => ({ accountId: account.id, message: testMessage({ subject: `Bench ${i}`, text: BODY }), draft: null }));
    const t0 = performance.now();
    loop.enable();
    await enqueueMany(outbox, inputs);
    await withTimeout('outbox', done, RUN_TIMEOUT_MS);
    if (problems.length) throw new Error(`outbox: ${problems.length} not sent, first ${problems[0]}`);
    const ms = performance.now() - t0;
    loop.disable();
    figures.fsyncsPerMessage.push((fsyncs() - fsyncsBefore) / COUNT);
    figures.loopP99.push(loop.percentile(99) / 1e6);
    return ms;
  } finally {
    loop.disable();
    figures.peak.push(rss.stop());
    await outbox?.close();
    removeTempDir(dir);
  }
}

const sourceName = (n: number) => `smtp-source -d -s ${n}`;
const poolName = (n: number) => `nodemailer pool, ${n} conn.`;
const outboxName = (n: number) => `Mailwright outbox, ${n} conn.`;

async function compare(): Promise<void> {
  const sink = await startSink();
  const figures = new Map(CONNECTIONS.map((n) => [n, { idle: [], peak: [], fsyncsPerMessage: [], loopP99: [] } as OutboxFigures]));
  let times;
  try {
    const candidates: Candidate[] = [
      ...CONNECTIONS.map((n) => ({ name: sourceName(n), warmUp: true, run: () => smtpSource(sink.port, ['-d', '-s', String(n), '-m', String(COUNT), '-l', String(SIZE)], RUN_TIMEOUT_MS) })),
      ...CONNECTIONS.map((n) => ({ name: poolName(n), warmUp: true, run: () => nodemailerPool(sink.port, n) })),
      ...CONNECTIONS.map((n) => ({ name: outboxName(n), run: () => mailwrightOutbox(sink.port, n, figures.get(n)!) })),
    ];
    times = await runRounds(candidates);
    const rows = candidates.map((c, i) => {
      const ms = median(times!.get(c.name)!);
      const n = CONNECTIONS[i % CONNECTIONS.length]!;
      return [c.name, msText(ms), (COUNT / (ms / 1000)).toFixed(0), pct(rateRatio(times!, c.name, sourceName(1))), pct(rateRatio(times!, c.name, sourceName(n)))];
    });
    const lines = [
      '',
      `${COUNT.toLocaleString('en')} messages of ${SIZE} bytes into smtp-sink on 127.0.0.1, ${ROUNDS} rounds, alternating; median time, and the median of per-round ratios of rates (msg/s)`,
      table(['candidate', 'median', 'msg/s', `rate vs ${sourceName(1)}`, 'rate vs smtp-source, same N'], rows),
      '',
      table(
        ['Mailwright outbox', 'rate vs pool, same N', 'peak RSS', 'RSS before', 'peak over before', 'fsyncs/message', 'event-loop delay p99'],
        CONNECTIONS.map((n) => {
          const f = figures.get(n)!;
          const over = median(f.peak.map((p, i) => p - f.idle[i]!));
          return [`${n} conn.`, pct(rateRatio(times!, outboxName(n), poolName(n))), mib(Math.max(...f.peak)), mib(median(f.idle)), mib(over), median(f.fsyncsPerMessage).toFixed(1), msText(median(f.loopP99))];
        }),
      ),
      '(RSS is this vitest worker\'s: the engine runs in it; "peak over before" is the median over rounds of the peak during a run minus the RSS just before it.',
      ' fsyncs are counted in this process only: an engine moved to a worker or child process would show 0 here, which is then no result.',
      ' event-loop delay: p99 of this thread\'s (monitorEventLoopDelay, 10 ms resolution) from the first enqueue to the last 250, median over rounds;',
      ' the engine runs on it as it would on the app\'s main process.)',
      '',
      ...CONNECTIONS.filter((n) => RATE_GOALS.has(n)).map((n) => goal(`outbox rate as a share of ${sourceName(n)}'s, ${n} conn.`, rateRatio(times!, outboxName(n), sourceName(n)), '>=', RATE_GOALS.get(n)!, pct, points)),
      ...CONNECTIONS.map((n) => {
        const f = figures.get(n)!;
        return goal(`outbox peak RSS over the RSS before its run, ${n} conn. (worst round)`, Math.max(...f.peak.map((p, i) => p - f.idle[i]!)), '<=', RSS_GOAL, mib);
      }),
      ...CONNECTIONS.map((n) => goal(`event-loop delay p99 while the outbox sends, ${n} conn. (median of rounds)`, median(figures.get(n)!.loopP99), '<=', LOOP_GOAL_MS, msText)),
    ];
    console.log(lines.join('\n'));
  } finally {
    await sink.stop();
  }
}

describe(`send ${COUNT.toLocaleString('en')} x 5 KB into smtp-sink`, () => {
  benchOnce('smtp-source -d vs nodemailer pool vs the outbox', compare);
});

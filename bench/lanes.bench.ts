/**
 * Issue 13, lanes: one account's server never answers; does the other account's mail wait for it?
 * The healthy account's HEALTHY messages go into Postfix's smtp-sink; the silent account's server
 * is a TCP server here on 127.0.0.1 that accepts connections and never says a word (no greeting).
 *
 *   npx vitest bench --run --project integration bench/lanes.bench.ts
 *
 * Environment: BENCH_HEALTHY (default 100), BENCH_SILENT (the silent account's messages, default 3),
 * BENCH_ROUNDS (at least 5). Candidates, alternating (alone once first, not counted: JIT, the sink):
 *   - alone: a fresh outbox, the healthy account's messages only;
 *   - beside: a fresh outbox, the silent account's messages enqueued first, then the healthy ones.
 * Each timed from the first enqueue until every healthy message is 'sent'. The SMTP timeouts are
 * short (greeting 1 s) so that a round stays bounded even for an engine that waits on the silent
 * server in the healthy account's queue (today's: one queue for all accounts; 20 s per silent
 * attempt with the default timeouts). One attempt per message, so no retries pile up.
 *
 * Goal (the issue): beside ≤ 1.2x alone, as the median of per-round ratios.
 */
import { createServer, type Socket } from 'node:net';
import { describe } from 'vitest';
import { ok } from '../shared/result';
import { Outbox, type EnqueueInput } from '../src-main/services/outbox';
import { passwordCredential } from '../src-main/services/credentials';
import { testAccount, testMessage } from '../test/support/outbox-fixtures';
import { benchOnce, enqueueMany, envCount, goal, median, msText, removeTempDir, ROUNDS, runRounds, startSink, table, tempDir, timeRatio, times, withTimeout } from './support';

const HEALTHY = envCount('BENCH_HEALTHY', 100);
const SILENT = envCount('BENCH_SILENT', 3);
const TIMEOUTS = { connectMs: 1_000, greetingMs: 1_000, socketMs: 2_000 };
/** A round: the healthy messages, plus every silent attempt one after another at worst, plus slack. */
const RUN_TIMEOUT_MS = 30_000 + HEALTHY * 100 + SILENT * (TIMEOUTS.greetingMs + TIMEOUTS.socketMs);
const GOAL = 1.2;

/** A server that accepts and stays silent; close() ends every connection it holds. */
async function startSilentServer(): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    connections: () => accepted,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function healthyRun(sinkPort: number, silentPort: number | undefined): Promise<number> {
  const dir = tempDir('lanes');
  const healthy = testAccount(sinkPort, 'none', 'none');
  const silent = testAccount(silentPort ?? 1, 'none', 'none');
  const accounts = new Map([healthy, silent].map((a) => [a.id, a]));
  const sent = new Set<string>();
  const problems: string[] = [];
  let settle: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (settle = resolve));
  let outbox: Outbox | undefined;
  try {
    outbox = await Outbox.open({
      dir,
      undoSeconds: 0,
      retry: { maxAttempts: 1 },
      smtp: { timeouts: TIMEOUTS },
      closeGraceMs: 200,
      account: (id) => ok({ account: accounts.get(id)!, credentials: passwordCredential('', undefined) }),
      onChange: (job) => {
        if (job.accountId !== healthy.id) return;
        if (job.state === 'sent') sent.add(job.id);
        else if (job.state === 'failed' || job.state === 'uncertain') problems.push(`${job.id}: ${job.state} ${job.lastError?.code ?? ''}`);
        if (sent.size === HEALTHY || problems.length) settle();
      },
    });
    const input = (accountId: string, i: number): EnqueueInput => ({ accountId, message: testMessage({ subject: `Lanes ${i}` }), draft: null });
    const t0 = performance.now();
    // The silent account's messages were there first: an engine with one queue for all reaches them first.
    if (silentPort !== undefined) await enqueueMany(outbox, Array.from({ length: SILENT }, (_, i) => input(silent.id, i)));
    await enqueueMany(outbox, Array.from({ length: HEALTHY }, (_, i) => input(healthy.id, i)));
    await withTimeout('the healthy account', done, RUN_TIMEOUT_MS);
    if (problems.length) throw new Error(`healthy account: ${problems.length} not sent, first ${problems[0]}`);
    return performance.now() - t0;
  } finally {
    await outbox?.close();
    removeTempDir(dir);
  }
}

async function compare(): Promise<void> {
  const sink = await startSink();
  const silent = await startSilentServer();
  try {
    const ALONE = `alone (${HEALTHY} msgs)`;
    const BESIDE = `beside ${SILENT} for a silent server`;
    const result = await runRounds([
      { name: ALONE, warmUp: true, run: () => healthyRun(sink.port, undefined) },
      { name: BESIDE, run: () => healthyRun(sink.port, silent.port) },
    ]);
    const ratio = timeRatio(result, BESIDE, ALONE);
    console.log(
      [
        '',
        `the healthy account's ${HEALTHY} messages into smtp-sink, alone vs beside another account's ${SILENT} messages for a server that accepts and never answers;`,
        `${ROUNDS} rounds, alternating; SMTP timeouts ${JSON.stringify(TIMEOUTS)}, one attempt per message; connections the silent server took in all: ${silent.connections()}`,
        table(
          ['healthy account', 'median', 'vs alone (median of per-round ratios)'],
          [
            [ALONE, msText(median(result.get(ALONE)!)), times(1)],
            [BESIDE, msText(median(result.get(BESIDE)!)), times(ratio)],
          ],
        ),
        goal('healthy time beside the silent account / alone', ratio, '<=', GOAL, times),
      ].join('\n'),
    );
  } finally {
    await silent.close();
    await sink.stop();
  }
}

describe('two accounts, one server silent', () => {
  benchOnce('the healthy account alone vs beside a silent one', compare);
});

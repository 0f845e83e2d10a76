/**
 * Issue 13, first benchmark, as groundwork: today's send engine (the outbox) against Postfix's own
 * load generator and nodemailer's pool, all sending COUNT messages of about 5 KB into Postfix's
 * `smtp-sink` (answers 250 to everything) on 127.0.0.1. Measures the engine as it is; changes nothing.
 *
 *   npx vitest bench --run --project integration bench/send-engine.bench.ts
 *   BENCH_MESSAGES=10000 BENCH_ROUNDS=5 npx vitest bench --run --project integration bench/send-engine.bench.ts
 *
 * Candidates, run one after the other within a round, rounds alternating the order (A B C, C B A, ...):
 *   - `smtp-source -d -s N -m COUNT -l 5120`: the peer. `-d` means "don't disconnect after sending a
 *     message; send the next message over the same connection"; `-s N` runs N sessions in parallel.
 *   - nodemailer directly, `pool: true, maxConnections: N` (the library the outbox uses).
 *   - Mailwright's outbox as it is today (src-main/services/outbox): a fresh temporary folder, an
 *     account with no TLS and no sign-in (security 'none': plaintext, as the tests use for local
 *     servers), no undo window, COUNT messages enqueued one after the other; timed from the first
 *     enqueue until every job is 'sent'. Its peak RSS is sampled every 20 ms during its runs, and
 *     fsyncs are counted by wrapping FileHandle.sync/datasync and fs.fsync/fsyncSync/fdatasync(Sync)
 *     in this process only (the outbox writes through node:fs/promises FileHandles).
 *   N = 1, 4 and 8 for smtp-source and nodemailer (env BENCH_CONNECTIONS, default 1,4,8; 1 always).
 *   The outbox has no connection setting today: it sends one message at a time, a new connection
 *   each; it is compared with N = 1.
 *
 * Prints a table: per candidate the median time, messages/s, and the median of per-round ratios of
 * rates against smtp-source -d -s 1 and against smtp-source -d with the same N. Not part of `npm test`. The machine is
 * shared and noisy: compare the ratios of one run, never absolutes across runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { bench, describe } from 'vitest';
import { ok } from '../shared/result';
import { Outbox } from '../src-main/services/outbox';
import { passwordCredential } from '../src-main/services/credentials';
import { testAccount, testMessage } from '../test/support/outbox-fixtures';

const COUNT = Math.max(1, Number(process.env.BENCH_MESSAGES ?? 2_000));
const ROUNDS = Math.max(5, Number(process.env.BENCH_ROUNDS ?? 5));
/** Connections for smtp-source (-s N) and nodemailer's pool; 1 always (the peer of every ratio). */
const CONNECTIONS = [...new Set([1, ...(process.env.BENCH_CONNECTIONS ?? '1,4,8').split(',').map(Number).filter((n) => Number.isInteger(n) && n >= 1)])];
const SIZE = 5_120;
const SMTP_SINK = '/usr/sbin/smtp-sink';
const SMTP_SOURCE = '/usr/sbin/smtp-source';
/** No single run may take longer than this (today's outbox manages about 100 messages/s). */
const RUN_TIMEOUT_MS = 60_000 + COUNT * 50;

/** About 5 KB of plain text in lines of 78 characters, like smtp-source's -l 5120 payload. */
const BODY = ('x'.repeat(78) + '\r\n').repeat(Math.ceil(SIZE / 80)).slice(0, SIZE);

// --- fsync counting, in this process only -------------------------------------------------------
let fsyncs = 0;
async function countFsyncs(): Promise<void> {
  const handle = await open(join(tmpdir(), `mailwright-bench-${process.pid}`), 'w');
  const proto = Object.getPrototypeOf(handle) as { sync: () => Promise<void>; datasync: () => Promise<void> };
  await handle.close();
  rmSync(join(tmpdir(), `mailwright-bench-${process.pid}`), { force: true });
  for (const name of ['sync', 'datasync'] as const) {
    const original = proto[name];
    proto[name] = function (this: unknown) {
      fsyncs++;
      return original.call(this);
    };
  }
  const mutable = fs as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of ['fsync', 'fsyncSync', 'fdatasync', 'fdatasyncSync']) {
    const original = mutable[name];
    if (typeof original !== 'function') continue;
    try {
      mutable[name] = (...args: unknown[]) => {
        fsyncs++;
        return original.apply(fs, args);
      };
    } catch {
      // An ESM namespace may be read-only; FileHandle is what the outbox uses.
    }
  }
}

// --- processes ---------------------------------------------------------------------------------
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function startSink(): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  // smtp-sink refuses to run as root without a user to switch to.
  const asRoot = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
  const child = spawn(SMTP_SINK, [...asRoot, `127.0.0.1:${port}`, '1000'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`smtp-sink did not start: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { port, child };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

function withTimeout<T>(what: string, work: Promise<T>, ms = RUN_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no end after ${ms} ms`)), ms)));
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

// --- candidates: each returns milliseconds -----------------------------------------------------
async function smtpSource(port: number, sessions: number): Promise<number> {
  const t0 = performance.now();
  const child = spawn(SMTP_SOURCE, ['-d', '-s', String(sessions), '-m', String(COUNT), '-l', String(SIZE), `127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    const code = await withTimeout('smtp-source', new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c))));
    if (code !== 0) throw new Error(`smtp-source exited ${code}: ${stderr.trim()}`);
    return performance.now() - t0;
  } finally {
    await stopChild(child);
  }
}

async function nodemailerPool(port: number, connections: number): Promise<number> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, pool: true, maxConnections: connections, maxMessages: Infinity });
  const t0 = performance.now();
  try {
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < COUNT; i++) {
      sends.push(transport.sendMail({ from: 'alice@mailwright.test', to: 'bob@mailwright.test', subject: `Bench ${i}`, text: BODY }));
    }
    await withTimeout('nodemailer', Promise.all(sends));
    return performance.now() - t0;
  } finally {
    transport.close();
  }
}

const outboxPeak = { rss: 0, idle: Infinity, fsyncs: [] as number[] };

async function mailwrightOutbox(port: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'mailwright-bench-outbox-'));
  const account = testAccount(port, 'none', 'none');
  const sent = new Set<string>();
  const problems: string[] = [];
  let allSent: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allSent = resolve));
  outboxPeak.idle = Math.min(outboxPeak.idle, process.memoryUsage().rss);
  const sampler = setInterval(() => (outboxPeak.rss = Math.max(outboxPeak.rss, process.memoryUsage().rss)), 20);
  const fsyncsBefore = fsyncs;
  let outbox: Outbox | undefined;
  try {
    outbox = await Outbox.open({
      dir,
      undoSeconds: 0,
      retry: { maxAttempts: 1 },
      account: () => ok({ account, credentials: passwordCredential('', undefined) }),
      onChange: (job) => {
        if (job.state === 'sent') sent.add(job.id);
        else if (job.state === 'failed' || job.state === 'uncertain') problems.push(`${job.id}: ${job.state}`);
        if (sent.size === COUNT || problems.length) allSent();
      },
    });
    const t0 = performance.now();
    for (let i = 0; i < COUNT; i++) {
      const queued = await outbox.enqueue({ accountId: account.id, message: testMessage({ subject: `Bench ${i}`, text: BODY }), draft: null });
      if (!queued.ok) throw new Error(`outbox: not queued: ${queued.error.code}`);
    }
    await withTimeout('outbox', done);
    if (problems.length) throw new Error(`outbox: ${problems.length} not sent, first ${problems[0]}`);
    const ms = performance.now() - t0;
    outboxPeak.fsyncs.push((fsyncs - fsyncsBefore) / COUNT);
    return ms;
  } finally {
    clearInterval(sampler);
    await outbox?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// --- the run -----------------------------------------------------------------------------------
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

async function compare(): Promise<void> {
  await countFsyncs();
  const candidates: Array<{ name: string; connections: number; run: (port: number) => Promise<number> }> = [];
  for (const n of CONNECTIONS) candidates.push({ name: `smtp-source -d -s ${n}`, connections: n, run: (p) => smtpSource(p, n) });
  for (const n of CONNECTIONS) candidates.push({ name: `nodemailer pool, ${n} conn.`, connections: n, run: (p) => nodemailerPool(p, n) });
  // One message at a time, a new connection each: compared with one connection.
  candidates.push({ name: 'Mailwright outbox (today)', connections: 1, run: mailwrightOutbox });
  const peer = candidates[0]!.name;

  const sink = await startSink();
  const times = new Map<string, number[]>(candidates.map((c) => [c.name, []]));
  try {
    // A short warm-up of each, not counted (JIT, first connections, the sink's first fork).
    for (const c of candidates) if (c.run !== mailwrightOutbox) await c.run(sink.port);
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? [...candidates].reverse() : candidates;
      for (const c of order) times.get(c.name)!.push(await c.run(sink.port));
      console.log(`round ${round + 1}/${ROUNDS}: ${order.map((c) => `${c.name} ${Math.round(times.get(c.name)!.at(-1)!)} ms`).join(', ')}`);
    }
  } finally {
    await stopChild(sink.child);
  }

  // Ratio of rates in the same round: peer time / candidate time, then the median over rounds.
  const ratio = (name: string, peerName: string): number => {
    const p = times.get(peerName)!;
    return median(times.get(name)!.map((ms, i) => p[i]! / ms));
  };
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
  const outbox = 'Mailwright outbox (today)';
  const lines = [
    `${COUNT.toLocaleString('en')} messages of ${SIZE} bytes into smtp-sink on 127.0.0.1, ${ROUNDS} rounds, alternating; ratios are of rates (msg/s), median of per-round ratios`,
    `${'candidate'.padEnd(28)}${'median ms'.padStart(11)}${'msg/s'.padStart(9)}${`vs ${peer}`.padStart(26)}${'vs smtp-source, same N'.padStart(24)}`,
    ...candidates.map((c) => {
      const ms = median(times.get(c.name)!);
      const n = c.connections;
      return `${c.name.padEnd(28)}${ms.toFixed(0).padStart(11)}${(COUNT / (ms / 1000)).toFixed(0).padStart(9)}${pct(ratio(c.name, peer)).padStart(26)}${pct(ratio(c.name, `smtp-source -d -s ${n}`)).padStart(24)}`;
    }),
    `${outbox}: ${pct(ratio(outbox, 'nodemailer pool, 1 conn.'))} of nodemailer pool, 1 conn.; peak RSS ${mb(outboxPeak.rss)} MB during its runs ` +
      `(process RSS before its first run ${mb(outboxPeak.idle)} MB: this vitest worker, nodemailer and the rest); fsyncs per message ${median(outboxPeak.fsyncs).toFixed(1)} (median of rounds)`,
  ];
  console.log(lines.join('\n'));
}

describe(`send ${COUNT.toLocaleString('en')} x 5 KB into smtp-sink`, () => {
  // One pass of the whole comparison: it alternates its own rounds and prints its own table.
  // tinybench calls the task more than once even when told one iteration and no warm-up: the
  // later calls reuse the first pass (tinybench's figures for this task are not to compare).
  let pass: Promise<void> | undefined;
  bench('smtp-source -d vs nodemailer pool vs the outbox', () => (pass ??= compare()), { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 });
});

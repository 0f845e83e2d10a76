/**
 * What the send benchmarks share (issue 13), in one place: Postfix's smtp-sink on a free port,
 * rounds that alternate the order of the candidates, medians and the median of per-round ratios,
 * goals printed as "met" / "missed by X", fsync counting, RSS sampling, temporary folders that are
 * always removed, candidates in child processes (their RSS their own), and the one function the
 * benches enqueue many messages through.
 *
 * The machine is shared and noisy: a bench compares candidates within one run (ratios), never
 * absolutes across runs. Every wait here is bounded; every server, child and folder started here is
 * stopped or removed by the bench that started it, and by an exit hook if a bench dies half-way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'vite';
import { bench } from 'vitest';
import type { EnqueueInput, Outbox } from '../src-main/services/outbox';

export { procMemory, resetPeakRss, sampleRss } from './memory';

export const SMTP_SINK = '/usr/sbin/smtp-sink';
export const SMTP_SOURCE = '/usr/sbin/smtp-source';
const ROOT = join(import.meta.dirname, '..');

/** Rounds: BENCH_ROUNDS, never fewer than 5. */
export const ROUNDS = Math.max(5, Number(process.env.BENCH_ROUNDS ?? 5) || 5);

/** A positive whole number from the environment, or the default. */
export function envCount(name: string, fallback: number): number {
  const n = Number(process.env[name]);
  return Number.isInteger(n) && n >= 1 ? n : fallback;
}

// --- cleanup that happens even when a bench throws or the worker exits ---------------------------
const liveDirs = new Set<string>();
const liveChildren = new Set<ChildProcess>();
let exitHook = false;
function installExitHook(): void {
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const child of liveChildren) child.kill('SIGKILL');
    for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  });
}

/** A fresh temporary folder; removed by removeTempDir, or at exit at the latest. */
export function tempDir(prefix: string): string {
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), `mailwright-bench-${prefix}-`));
  liveDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  liveDirs.delete(dir);
}

/** Runs `work` with a fresh temporary folder that is removed afterwards, whatever happens. */
export async function withTempDir<T>(prefix: string, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = tempDir(prefix);
  try {
    return await work(dir);
  } finally {
    removeTempDir(dir);
  }
}

// --- time limits ---------------------------------------------------------------------------------
export function withTimeout<T>(what: string, work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no end after ${ms} ms`)), ms)));
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until `predicate` holds, every 2 ms; rejects after `ms`. */
export async function until(what: string, predicate: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached after ${ms} ms`);
    await sleep(2);
  }
}

// --- processes -----------------------------------------------------------------------------------
export async function freePort(): Promise<number> {
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

/** Starts a child whose stderr is kept (for the error message) and which the exit hook kills. */
export function startChild(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; stdout?: 'pipe' | 'ignore' } = {}): { child: ChildProcess; stderr: () => string } {
  installExitHook();
  const child = spawn(command, args, { cwd: ROOT, env: options.env ?? process.env, stdio: ['ignore', options.stdout ?? 'ignore', 'pipe'] });
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  return { child, stderr: () => stderr.trim() };
}

/** SIGTERM, then SIGKILL after 3 s; resolves once the child is gone. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

/** Waits for a child to exit; throws with its stderr unless it exited 0. Killed after `ms`. */
export async function exitOk(what: string, run: { child: ChildProcess; stderr: () => string }, ms: number): Promise<void> {
  const { child } = run;
  try {
    const code = await withTimeout(what, child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c))), ms);
    if (code !== 0) throw new Error(`${what} exited ${code}: ${run.stderr()}`);
  } finally {
    await stopChild(child);
  }
}

export interface Sink {
  port: number;
  stop(): Promise<void>;
}

/** Postfix's smtp-sink on 127.0.0.1 and a free port: answers 250 to everything, keeps nothing. */
export async function startSink(): Promise<Sink> {
  const port = await freePort();
  // smtp-sink refuses to run as root without a user to switch to.
  const asRoot = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
  const run = startChild(SMTP_SINK, [...asRoot, `127.0.0.1:${port}`, '1000']);
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (run.child.exitCode !== null || Date.now() > deadline) {
      await stopChild(run.child);
      throw new Error(`smtp-sink did not start: ${run.stderr()}`);
    }
    await sleep(20);
  }
  return { port, stop: () => stopChild(run.child) };
}

/**
 * Postfix's load generator: `smtp-source -d -s SESSIONS -m COUNT -l SIZE` (or `-F FILE` for a
 * message prepared in a file) to 127.0.0.1:port. Answers milliseconds from spawn to exit.
 */
export async function smtpSource(port: number, args: string[], timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  await exitOk('smtp-source', startChild(SMTP_SOURCE, [...args, `127.0.0.1:${port}`]), timeoutMs);
  return performance.now() - t0;
}

// --- candidates in their own process -------------------------------------------------------------
/**
 * Bundles a TypeScript entry (and everything it imports) into one ES module in `outDir`, to run
 * with plain node: the tests' Node cannot run .ts itself. The same way the crash harness runs its
 * child (test/support/outbox-crash-harness.ts).
 */
export async function buildScript(entry: string, outDir: string): Promise<string> {
  await build({
    configFile: false,
    logLevel: 'warn',
    root: ROOT,
    build: {
      ssr: entry,
      outDir,
      emptyOutDir: true,
      minify: false,
      target: 'node20',
      rollupOptions: { output: { format: 'es', entryFileNames: 'child.mjs' } },
    },
    ssr: { noExternal: true, target: 'node' },
  });
  return join(outDir, 'child.mjs');
}

/** Runs a node script; resolves with the JSON object of its last stdout line. */
export async function runNodeChild<T>(what: string, script: string, env: Record<string, string>, timeoutMs: number): Promise<T> {
  const run = startChild(process.execPath, [script], { env: { ...process.env, ...env }, stdout: 'pipe' });
  let last = '';
  createInterface({ input: run.child.stdout! }).on('line', (line) => line.trim() && (last = line));
  await exitOk(what, run, timeoutMs);
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`${what}: no result line (stderr: ${run.stderr()})`);
  }
}

let fsyncCount = 0;
let fsyncsCounted = false;
/**
 * Counts fsyncs in THIS process (FileHandle.sync/datasync, fs.fsync/fdatasync and their Sync
 * forms), from the first call on. An engine moved to a worker thread or child process would not be
 * seen: the bench then says so (0 fsyncs is not a result).
 */
export async function countFsyncs(): Promise<() => number> {
  if (!fsyncsCounted) {
    fsyncsCounted = true;
    const probe = join(tmpdir(), `mailwright-bench-fsync-${process.pid}`);
    const handle = await open(probe, 'w');
    const proto = Object.getPrototypeOf(handle) as { sync: () => Promise<void>; datasync: () => Promise<void> };
    await handle.close();
    rmSync(probe, { force: true });
    for (const name of ['sync', 'datasync'] as const) {
      const original = proto[name];
      proto[name] = function (this: unknown) {
        fsyncCount++;
        return original.call(this);
      };
    }
    const mutable = fs as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const name of ['fsync', 'fsyncSync', 'fdatasync', 'fdatasyncSync']) {
      const original = mutable[name];
      if (typeof original !== 'function') continue;
      try {
        mutable[name] = (...args: unknown[]) => {
          fsyncCount++;
          return original.apply(fs, args);
        };
      } catch {
        // An ESM namespace may be read-only; FileHandle is what the outbox uses.
      }
    }
  }
  return () => fsyncCount;
}

// --- the one way the benches enqueue many messages -----------------------------------------------
/** Enqueues every input durably with the engine's batch API (Outbox.enqueueBatch); throws when refused. */
export async function enqueueMany(outbox: Outbox, inputs: readonly EnqueueInput[]): Promise<void> {
  // The engine's batch API: every message built, then queued in one durable step.
  const queued = await outbox.enqueueBatch(inputs);
  if (!queued.ok) throw new Error(`outbox: not queued: ${queued.error.code}`);
}

// --- rounds, medians, ratios, goals --------------------------------------------------------------
export const median = (xs: readonly number[]): number => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export interface Candidate {
  name: string;
  /** One run; answers milliseconds. */
  run(): Promise<number>;
  /** Run once before the rounds, not counted (JIT, first connections, the sink's first fork). */
  warmUp?: boolean;
}

/** Per candidate, one figure per round (milliseconds), in round order. */
export type Times = Map<string, number[]>;

/**
 * Runs every candidate once per round, rounds alternating the order (A B C, C B A, ...), so that
 * whatever drifts on the machine falls on each side alike. Prints a line per round.
 */
export async function runRounds(candidates: readonly Candidate[], rounds = ROUNDS): Promise<Times> {
  const times: Times = new Map(candidates.map((c) => [c.name, []]));
  for (const c of candidates) if (c.warmUp) await c.run();
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...candidates].reverse() : candidates;
    for (const c of order) times.get(c.name)!.push(await c.run());
    console.log(`round ${round + 1}/${rounds}: ${order.map((c) => `${c.name} ${Math.round(times.get(c.name)!.at(-1)!)} ms`).join(', ')}`);
  }
  return times;
}

/** Median over rounds of (candidate time / peer time) of the same round: "x times as long". */
export function timeRatio(times: Times, name: string, peer: string): number {
  const p = times.get(peer)!;
  return median(times.get(name)!.map((ms, i) => ms / p[i]!));
}

/** Median over rounds of (peer time / candidate time) of the same round: the candidate's rate as a share of the peer's. */
export function rateRatio(times: Times, name: string, peer: string): number {
  return 1 / timeRatio(times, name, peer);
}

export const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
export const times = (x: number) => `${x.toFixed(2)}x`;
export const msText = (ms: number) => `${ms < 10 ? ms.toFixed(2) : ms.toFixed(0)} ms`;

/**
 * One goal line: "goal: <what> <≤|≥|<> <target>: <value>: met", or "... missed by <difference>".
 * `format` prints the value and the target; `difference` the gap (default: `format`; shares say
 * percentage points).
 */
export function goal(what: string, value: number, op: '<=' | '>=' | '<', target: number, format: (x: number) => string, difference: (x: number) => string = format): string {
  const met = op === '<=' ? value <= target : op === '<' ? value < target : value >= target;
  const sign = op === '<=' ? '≤' : op === '<' ? '<' : '≥';
  const verdict = Number.isNaN(value) ? 'not measured' : met ? 'met' : `missed by ${difference(Math.abs(value - target))}`;
  return `goal: ${what} ${sign} ${format(target)}: ${format(value)}: ${verdict}`;
}

/** A difference between two shares, in percentage points. */
export const points = (x: number) => `${(x * 100).toFixed(1)} percentage points`;

/** A table: a header row and rows of cells; the first column left-aligned, the others right-aligned. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

/**
 * Registers a comparison as one vitest bench task that runs once: it alternates its own rounds and
 * prints its own table. tinybench calls the task more than once even when told one iteration and
 * no warm-up: the later calls reuse the first pass (tinybench's own figures are not to compare).
 */
export function benchOnce(name: string, compare: () => Promise<void>): void {
  let pass: Promise<void> | undefined;
  bench(name, () => (pass ??= compare()), { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 });
}

/**
 * Crash test: the outbox runs in a child process (test/support/outbox-crash-child.ts) that is
 * killed with SIGKILL at random moments and started again, over and over, while it enqueues and
 * sends messages to an SMTP server here that records every Message-ID it takes, and sometimes
 * answers slowly, refuses for a while (451) or drops the connection in the middle of the data.
 * Then it is left to finish. Every job must end 'sent' with exactly one delivery, or 'uncertain'
 * with zero or one; none lost, none delivered twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../src-main/services/outbox';
import { serveSmtp, smtpError, type TestSmtpServer } from '../support/outbox-smtp-server';

const MESSAGES = 60;
const KILLS = 25;
const CHILD = join(import.meta.dirname, '../support/outbox-crash-child.ts');
const ROOT = join(import.meta.dirname, '../..');

/** mulberry32: a seeded random, so a failing run can be replayed with OUTBOX_CRASH_SEED. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const seed = Number(process.env.OUTBOX_CRASH_SEED) || Date.now() % 1_000_000;
const random = seeded(seed);
const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dir: string;
let bundleDir: string;
let childScript: string;
let server: TestSmtpServer;
const received = new Map<string, number>(); // Message-ID -> deliveries
const children = new Set<ChildProcess>();
let inData = 0; // DATA streams open right now
let calm = false; // the last, undisturbed run: the server behaves
let awaitingReply = 0; // messages in full, 250 not yet written

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mailwright-outbox-crash-'));
  // One self-contained ES module for the child (dependencies included), run with plain node.
  bundleDir = mkdtempSync(join(tmpdir(), 'mailwright-outbox-crash-child-'));
  await build({
    configFile: false,
    logLevel: 'warn',
    root: ROOT,
    build: {
      ssr: CHILD,
      outDir: bundleDir,
      emptyOutDir: true,
      minify: false,
      target: 'node20',
      rollupOptions: { output: { format: 'es', entryFileNames: 'child.mjs' } },
    },
    ssr: { noExternal: true, target: 'node' },
  });
  childScript = join(bundleDir, 'child.mjs');
  server = await serveSmtp({
    secure: false,
    hideSTARTTLS: true,
    onDataStart(stream, session, api) {
      inData++;
      let open = true;
      const closeData = () => {
        if (open) inData--;
        open = false;
      };
      stream.once('end', closeData);
      stream.once('close', closeData);
      const roll = calm ? 1 : random();
      if (roll < 0.08) {
        stream.once('data', () => {
          closeData();
          api.drop(session); // dropped in the middle of the data
        });
      } else if (roll < 0.4) {
        stream.once('data', () => {
          stream.pause(); // slow reader: the client waits mid-data
          setTimeout(() => stream.resume(), between(20, 80));
        });
      }
    },
    onMessage(delivery) {
      // Taken the moment the data is complete: from here a real server may deliver even if the
      // client never sees the reply.
      const roll = calm ? 0.25 : random();
      if (roll < 0.05) return smtpError(451, '4.3.0 Try again later');
      received.set(delivery.messageId, (received.get(delivery.messageId) ?? 0) + 1);
      if (roll < 0.5) return undefined;
      awaitingReply++;
      return sleep(between(20, 120)).then(() => {
        awaitingReply--;
        return undefined;
      });
    },
  });
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(bundleDir, { recursive: true, force: true });
});

interface Run {
  child: ChildProcess;
  lines: string[];
  /** Each job's last state as this child reported it. */
  states: Map<string, string>;
  exited: Promise<number | null>;
  /** Resolves with true when the line is printed, false when the child exits first. */
  waitFor(line: string): Promise<boolean>;
  /** Lets a warm child open the outbox. */
  go(): void;
}

/** Starts a child; it loads, prints 'warm' and waits for go() before it touches the outbox folder. */
function spawnChild(enqueued: Set<number>): Run {
  const child = spawn(process.execPath, [childScript], {
    cwd: ROOT,
    env: { ...process.env, OUTBOX_DIR: dir, SMTP_PORT: String(server.port), COUNT: String(MESSAGES) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.add(child);
  child.stdin!.on('error', () => undefined);
  const lines: string[] = [];
  const states = new Map<string, string>();
  const waiters: Array<{ line: string; resolve: (seen: boolean) => void }> = [];
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    const [word, arg, extra] = line.split(' ');
    if (word === 'enqueued') enqueued.add(Number(arg));
    if (word === 'state') states.set(arg!, extra ?? '');
    for (const w of waiters.filter((x) => x.line === line)) w.resolve(true);
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      children.delete(child);
      if (code !== 0 && code !== null) console.error(`child exited with ${code}: ${stderr}`);
      for (const w of waiters) w.resolve(false);
      resolve(code);
    }),
  );
  return {
    child,
    lines,
    states,
    exited,
    waitFor: (line) => (lines.includes(line) ? Promise.resolve(true) : new Promise((resolve) => waiters.push({ line, resolve }))),
    go: () => child.stdin!.write('go\n'),
  };
}

describe('the outbox survives being killed at any moment', () => {
  it(`${MESSAGES} messages, ${KILLS} SIGKILLs: none lost, none sent twice`, async () => {
    const t0 = Date.now();
    const enqueued = new Set<number>();
    const phases: Record<string, number> = {};
    let kills = 0;
    let finishedEarly = false;
    let killPhaseMs = 0;

    // Loading a child (node, tsx, the modules) takes most of a start: keep the next ones loading
    // while the current one runs. A waiting child has not touched the outbox folder.
    const pool: Run[] = [];
    const next = async () => {
      while (pool.length < 2) pool.push(spawnChild(enqueued));
      const run = pool.shift()!;
      if (!(await run.waitFor('warm'))) throw new Error('a child exited while loading');
      run.go();
      return run;
    };

    try {
      while (kills < KILLS) {
        const run = await next();
        // Most kills land after the outbox opened (enqueue, connect, data, waiting for 250, writing
        // the outcome); some while it opens (recovery).
        const early = random() < 0.2;
        const ready = await run.waitFor(early ? 'opening' : 'ready');
        if (!ready) throw new Error(`the child exited before it was ${early ? 'opening' : 'ready'}`);
        await sleep(early ? between(0, 20) : between(5, 300));
        const phase = run.lines.includes('done')
          ? 'after done'
          : !run.lines.includes('ready')
            ? 'opening (recovery)'
            : inData > 0
              ? 'mid-DATA'
              : awaitingReply > 0
                ? 'waiting for 250'
                : [...run.states.values()].includes('sending')
                  ? 'sending (connect, envelope, or outcome)'
                  : enqueued.size < MESSAGES
                    ? 'enqueueing'
                    : 'between sends';
        run.child.kill('SIGKILL');
        await run.exited;
        kills++;
        phases[phase] = (phases[phase] ?? 0) + 1;
        if (phase === 'after done') {
          finishedEarly = true;
          break;
        }
      }

      // Let it finish undisturbed.
      killPhaseMs = Date.now() - t0;
      calm = true;
      const last = await next();
      const done = await Promise.race([last.waitFor('done'), sleep(25_000).then(() => false)]);
      if (!done) last.child.kill('SIGKILL');
      expect(done, 'the last run finished every job').toBe(true);
      expect(await last.exited).toBe(0);
    } finally {
      for (const run of pool) run.child.kill('SIGKILL');
      await Promise.all(pool.map((run) => run.exited));
    }

    // What is on disk, as the next start of the app would see it.
    const names = readdirSync(dir);
    const jobs = names.filter((n) => /^[0-9a-f-]{36}\.json$/.test(n)).map((n) => JSON.parse(readFileSync(join(dir, n), 'utf8')) as JobRecord);
    const ns = jobs.map((j) => (JSON.parse(readFileSync(join(dir, `${j.id}.draft.json`), 'utf8')) as { n: number }).n).sort((a, b) => a - b);
    const deliveriesOf = (j: JobRecord) => received.get(j.messageId) ?? 0;
    const sent = jobs.filter((j) => j.state === 'sent');
    const uncertain = jobs.filter((j) => j.state === 'uncertain');
    const deliveries = [...received.values()].reduce((a, b) => a + b, 0);
    const duplicates = [...received.values()].filter((c) => c > 1).length;
    const unknown = [...received.keys()].filter((id) => !jobs.some((j) => j.messageId === id));

    console.log(
      [
        `outbox crash test (seed ${seed}, ${((Date.now() - t0) / 1000).toFixed(1)} s, of which the kills ${(killPhaseMs / 1000).toFixed(1)} s):`,
        `  messages ${MESSAGES}, kills ${kills}${finishedEarly ? ' (all done before the last planned kill)' : ''}`,
        `  kills by phase: ${Object.entries(phases).map(([p, c]) => `${p} ${c}`).join(', ')}`,
        `  jobs ${jobs.length}: sent ${sent.length}, uncertain ${uncertain.length} (${uncertain.filter((j) => deliveriesOf(j) === 1).length} of them delivered), other ${jobs.length - sent.length - uncertain.length}`,
        `  deliveries ${deliveries}, duplicates ${duplicates}, deliveries of unknown messages ${unknown.length}`,
      ].join('\n'),
    );

    // None lost: every message has exactly one job, and every enqueue that answered is among them.
    expect(ns).toEqual(Array.from({ length: MESSAGES }, (_, i) => i));
    expect([...enqueued].every((n) => ns.includes(n))).toBe(true);
    // Every job finished as sent (delivered once) or uncertain (delivered at most once).
    expect(sent.length + uncertain.length).toBe(MESSAGES);
    for (const j of sent) expect(deliveriesOf(j), `sent job ${j.id}`).toBe(1);
    for (const j of uncertain) expect(deliveriesOf(j), `uncertain job ${j.id}`).toBeLessThanOrEqual(1);
    expect(duplicates).toBe(0);
    expect(unknown).toEqual([]);
    // Nothing half-written left behind, no stray message file, and each job's message kept.
    expect(names.filter((n) => n.includes('.tmp-') || n.endsWith('.corrupt'))).toEqual([]);
    expect(names.filter((n) => n.endsWith('.eml')).sort()).toEqual(jobs.map((j) => `${j.id}.eml`).sort());
  }, 90_000);
});

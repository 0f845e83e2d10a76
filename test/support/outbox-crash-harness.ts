// The outbox crash harness, shared by the crash test (test/integration/outbox-crash.test.ts, in
// `npm test`) and the crash campaign (`npm run crash-campaign`, scripts/crash-campaign.ts, not in
// `npm test`): the outbox runs in a child process (test/support/outbox-crash-child.ts) that is
// killed with SIGKILL at random moments and started again, over and over, while it enqueues and
// sends messages to an SMTP server here (smtp-server, in-process) that records every Message-ID it
// takes, and sometimes answers slowly, refuses for a while (451) or drops the connection in the
// middle of the data. Then it is left to finish, and the harness reads what is on disk the way the
// next start of the app would, and counts. The caller judges the figures.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'vite';
import type { JobRecord } from '../../src-main/services/outbox';
import { serveSmtp, smtpError } from './outbox-smtp-server';
import { JOURNAL_FILE, replay } from '../../src-main/services/outbox/journal';

const CHILD = join(import.meta.dirname, 'outbox-crash-child.ts');
const ROOT = join(import.meta.dirname, '../..');

export interface CrashRunOptions {
  messages: number;
  kills: number;
  /** Replays a run: the same seed makes the same choices (the timing of the machine still varies). */
  seed: number;
  /** How long the last, undisturbed run may take to finish every job. */
  lastRunMs: number;
  /**
   * When a run is killed once its outbox is open. 'time' (the crash test): 5-300 ms after it is
   * ready, which over many messages puts nearly every kill among the first enqueues. 'progress'
   * (the campaign): after a random number of the run's events (enqueued, state changes), then
   * 0-40 ms, so the kills spread over the whole life of every message whatever the machine's speed.
   */
  killAt?: 'time' | 'progress';
  /** Progress lines while the kills go on (the campaign prints them; the test does not). */
  progress?: (line: string) => void;
}

export interface CrashRunReport {
  options: CrashRunOptions;
  elapsedMs: number;
  killPhaseMs: number;
  /** Kills actually made (fewer than planned when every job finished first). */
  kills: number;
  finishedEarly: boolean;
  phases: Record<string, number>;
  /** Whether the last run printed 'done', and how it exited. */
  lastRunDone: boolean;
  lastRunExit: number | null;
  /** Every message number an enqueue answered for. */
  enqueued: Set<number>;
  /** The job files on disk and the message number of each (from its draft), sorted. */
  jobs: JobRecord[];
  ns: number[];
  /** Every file name in the outbox folder. */
  names: string[];
  /** Message-ID -> deliveries the server took. */
  received: Map<string, number>;
  deliveriesOf(job: JobRecord): number;
  figures: CrashFigures;
}

export interface CrashFigures {
  /** Messages with no job, or whose job says 'sent' but the server never took it, or that ended in no final state. */
  lost: number;
  /** Messages the server took more than once. */
  duplicated: number;
  /** Jobs that ended 'uncertain' (shown as "may have been sent"), and how many of them the server did take. */
  mayHaveBeenSent: number;
  mayHaveBeenSentDelivered: number;
  /** Messages the server took at least once, and all deliveries. */
  delivered: number;
  deliveries: number;
  sent: number;
  /** Jobs in any state but sent or uncertain. */
  otherState: number;
  /** Deliveries of Message-IDs no job has. */
  unknownDeliveries: number;
}

/** mulberry32: a seeded random, so a run can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Run {
  child: ChildProcess;
  lines: string[];
  /** Each job's last state as this child reported it. */
  states: Map<string, string>;
  exited: Promise<number | null>;
  /** Resolves with true when the line is printed, false when the child exits first. */
  waitFor(line: string): Promise<boolean>;
  /** Resolves with true after that many events (enqueued, state) or 'done', false when the child exits first. */
  waitForEvents(count: number): Promise<boolean>;
  /** Lets a warm child open the outbox. */
  go(): void;
}

/** Builds the child once: one self-contained ES module (dependencies included), run with plain node. */
async function buildChild(): Promise<{ script: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'mailwright-outbox-crash-child-'));
  await build({
    configFile: false,
    logLevel: 'warn',
    root: ROOT,
    build: {
      ssr: CHILD,
      outDir: dir,
      emptyOutDir: true,
      minify: false,
      target: 'node20',
      rollupOptions: { output: { format: 'es', entryFileNames: 'child.mjs' } },
    },
    ssr: { noExternal: true, target: 'node' },
  });
  return { script: join(dir, 'child.mjs'), dir };
}

/** Runs one crash campaign in a fresh folder, then removes the folder and stops every child and the server. */
export async function runOutboxCrash(options: CrashRunOptions): Promise<CrashRunReport> {
  const { messages, kills: plannedKills, seed, lastRunMs, progress, killAt = 'time' } = options;
  // A message makes about three events (enqueued, sending, sent): spread them over the kills.
  const eventsPerKill = Math.max(1, Math.ceil((3 * messages) / plannedKills));
  const random = seeded(seed);
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));

  const dir = mkdtempSync(join(tmpdir(), 'mailwright-outbox-crash-'));
  const received = new Map<string, number>();
  const children = new Set<ChildProcess>();
  let inData = 0; // DATA streams open right now
  let calm = false; // the last, undisturbed run: the server behaves
  let awaitingReply = 0; // messages in full, 250 not yet written

  const child = await buildChild();
  const server = await serveSmtp({
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

  const enqueued = new Set<number>();

  /** Starts a child; it loads, prints 'warm' and waits for go() before it touches the outbox folder. */
  const spawnChild = (): Run => {
    const proc = spawn(process.execPath, [child.script], {
      cwd: ROOT,
      env: { ...process.env, OUTBOX_DIR: dir, SMTP_PORT: String(server.port), COUNT: String(messages) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.add(proc);
    proc.stdin!.on('error', () => undefined);
    const lines: string[] = [];
    const states = new Map<string, string>();
    const waiters: Array<{ line: string; resolve: (seen: boolean) => void }> = [];
    const eventWaiters: Array<{ count: number; resolve: (seen: boolean) => void }> = [];
    let events = 0;
    let stderr = '';
    proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      lines.push(line);
      const [word, arg, extra] = line.split(' ');
      if (word === 'enqueued') enqueued.add(Number(arg));
      if (word === 'state') states.set(arg!, extra ?? '');
      if (word === 'enqueued' || word === 'state') events++;
      for (const w of waiters.filter((x) => x.line === line)) w.resolve(true);
      for (const w of eventWaiters.filter((x) => events >= x.count || word === 'done')) w.resolve(true);
    });
    const exited = new Promise<number | null>((resolve) =>
      proc.once('exit', (code) => {
        children.delete(proc);
        if (code !== 0 && code !== null) console.error(`child exited with ${code}: ${stderr}`);
        for (const w of [...waiters, ...eventWaiters]) w.resolve(false);
        resolve(code);
      }),
    );
    return {
      child: proc,
      lines,
      states,
      exited,
      waitFor: (line) => (lines.includes(line) ? Promise.resolve(true) : new Promise((resolve) => waiters.push({ line, resolve }))),
      waitForEvents: (count) =>
        events >= count || lines.includes('done') ? Promise.resolve(true) : new Promise((resolve) => eventWaiters.push({ count, resolve })),
      go: () => proc.stdin!.write('go\n'),
    };
  };

  const t0 = Date.now();
  const phases: Record<string, number> = {};
  let kills = 0;
  let finishedEarly = false;
  let killPhaseMs = 0;
  let lastRunDone = false;
  let lastRunExit: number | null = null;

  // Loading a child (node, the bundle) takes most of a start: keep the next ones loading while the
  // current one runs. A waiting child has not touched the outbox folder.
  const pool: Run[] = [];
  const next = async () => {
    while (pool.length < 2) pool.push(spawnChild());
    const run = pool.shift()!;
    if (!(await run.waitFor('warm'))) throw new Error('a child exited while loading');
    run.go();
    return run;
  };

  try {
    while (kills < plannedKills) {
      const run = await next();
      // Most kills land after the outbox opened (enqueue, connect, data, waiting for 250, writing
      // the outcome); some while it opens (recovery).
      const early = random() < 0.2;
      const ready = await run.waitFor(early ? 'opening' : 'ready');
      if (!ready) throw new Error(`the child exited before it was ${early ? 'opening' : 'ready'}`);
      if (early) await sleep(between(0, 20));
      else if (killAt === 'time') await sleep(between(5, 300));
      else {
        await run.waitForEvents(between(1, 2 * eventsPerKill));
        await sleep(between(0, 40));
      }
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
                : enqueued.size < messages
                  ? 'enqueueing'
                  : 'between sends';
      run.child.kill('SIGKILL');
      await run.exited;
      kills++;
      phases[phase] = (phases[phase] ?? 0) + 1;
      if (progress && kills % 10 === 0) progress(`  ${kills} kills, ${enqueued.size} enqueued, ${received.size} taken by the server (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
      if (phase === 'after done') {
        finishedEarly = true;
        break;
      }
    }

    // Let it finish undisturbed.
    killPhaseMs = Date.now() - t0;
    calm = true;
    const last = await next();
    lastRunDone = await Promise.race([last.waitFor('done'), sleep(lastRunMs).then(() => false)]);
    if (!lastRunDone) last.child.kill('SIGKILL');
    lastRunExit = await last.exited;
  } finally {
    for (const run of pool) run.child.kill('SIGKILL');
    await Promise.all(pool.map((run) => run.exited));
    for (const proc of children) proc.kill('SIGKILL');
    await server.close();
    rmSync(child.dir, { recursive: true, force: true });
  }

  // What is on disk, as the next start of the app would see it.
  try {
    const names = readdirSync(dir);
    const journal = replay(readFileSync(join(dir, JOURNAL_FILE)));
    const jobs = [...journal.jobs.values()];
    const ns = jobs.map((j) => (journal.drafts.get(j.id) as { n: number }).n).sort((a, b) => a - b);
    const deliveriesOf = (j: JobRecord) => received.get(j.messageId) ?? 0;
    const sent = jobs.filter((j) => j.state === 'sent');
    const uncertain = jobs.filter((j) => j.state === 'uncertain');
    const withJob = new Set(ns);
    const missing = Array.from({ length: messages }, (_, n) => n).filter((n) => !withJob.has(n)).length;
    const figures: CrashFigures = {
      lost: missing + sent.filter((j) => deliveriesOf(j) === 0).length + (jobs.length - sent.length - uncertain.length),
      duplicated: [...received.values()].filter((c) => c > 1).length,
      mayHaveBeenSent: uncertain.length,
      mayHaveBeenSentDelivered: uncertain.filter((j) => deliveriesOf(j) > 0).length,
      delivered: received.size,
      deliveries: [...received.values()].reduce((a, b) => a + b, 0),
      sent: sent.length,
      otherState: jobs.length - sent.length - uncertain.length,
      unknownDeliveries: [...received.keys()].filter((id) => !jobs.some((j) => j.messageId === id)).length,
    };
    return {
      options,
      elapsedMs: Date.now() - t0,
      killPhaseMs,
      kills,
      finishedEarly,
      phases,
      lastRunDone,
      lastRunExit,
      enqueued,
      jobs,
      ns,
      names,
      received,
      deliveriesOf,
      figures,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The figures in a few lines, for the test's output and the campaign's. */
export function describeCrashRun(report: CrashRunReport, title: string): string {
  const { options, figures: f } = report;
  return [
    `${title} (seed ${options.seed}, ${(report.elapsedMs / 1000).toFixed(1)} s, of which the kills ${(report.killPhaseMs / 1000).toFixed(1)} s):`,
    `  messages ${options.messages}, kills ${report.kills}${report.finishedEarly ? ' (all done before the last planned kill)' : ''}`,
    `  kills by phase: ${Object.entries(report.phases).map(([p, c]) => `${p} ${c}`).join(', ')}`,
    `  lost ${f.lost}, duplicated ${f.duplicated}, "may have been sent" ${f.mayHaveBeenSent} (${f.mayHaveBeenSentDelivered} of them delivered), delivered ${f.delivered}`,
    `  jobs ${report.jobs.length}: sent ${f.sent}, uncertain ${f.mayHaveBeenSent}, other ${f.otherState}; deliveries ${f.deliveries}, deliveries of unknown messages ${f.unknownDeliveries}`,
    `  the last run ${report.lastRunDone ? 'finished every job' : `did not finish within ${(options.lastRunMs / 1000).toFixed(0)} s`}`,
  ].join('\n');
}

/**
 * Issue 13: one message with a 25 MiB attachment into Postfix's smtp-sink on 127.0.0.1, three ways,
 * each in a process of its own so that its RSS is its own:
 *   - the outbox (bench/large-message-child.ts, MODE=outbox): from enqueue (no undo window; the
 *     message is built from the attachment's path) until the job is 'sent';
 *   - `smtp-source -F FILE`: Postfix's load generator sending the same message, built once before
 *     the rounds by the outbox's own writeMessageFile (message.ts) from the same attachment;
 *   - nodemailer directly with the attachment as `{ path }` (MODE=nodemailer): sendMail.
 * Time, and RSS over idle: a Node child reads its RSS once everything is loaded (idle), resets its
 * peak (VmHWM) to that, works, and reports the peak. smtp-source is sampled from here
 * (/proc/<pid>/status every 5 ms): its idle is its first sample after exec (it may have read part
 * of the file by then), its peak its VmHWM.
 *
 *   npx vitest bench --run --project integration bench/large-message.bench.ts
 *
 * Environment: BENCH_ATTACHMENT_MIB (default 25), BENCH_ROUNDS (at least 5).
 * Goals (the issue): the outbox's peak ≤ its idle + 16 MB, and its time ≤ 1.25x smtp-source's.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe } from 'vitest';
import { writeMessageFile } from '../src-main/services/outbox/message';
import { testMessage } from '../test/support/outbox-fixtures';
import {
  benchOnce,
  buildScript,
  envCount,
  exitOk,
  goal,
  median,
  mib,
  msText,
  procMemory,
  removeTempDir,
  ROUNDS,
  runNodeChild,
  runRounds,
  SMTP_SOURCE,
  startChild,
  startSink,
  table,
  tempDir,
  timeRatio,
  times,
  type Candidate,
} from './support';

const MIB = envCount('BENCH_ATTACHMENT_MIB', 25);
const RUN_TIMEOUT_MS = 60_000 + MIB * 4_000;
const RSS_GOAL = 16 * 2 ** 20;
const TIME_GOAL = 1.25;

interface Memory {
  idle: number[];
  peak: number[];
}

/** The attachment: random bytes (base64 as any binary file), written in 1 MiB pieces. */
async function writeAttachment(path: string): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < MIB; i++) if (!out.write(randomBytes(2 ** 20))) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

/**
 * The message for smtp-source -F, built by the outbox's own builder. smtp-source reads the file
 * line by line and ends every line with CRLF itself, so it gets the lines with LF endings: the same
 * bytes on the wire as the outbox sends.
 */
async function writeSourceFile(dir: string, attachment: string): Promise<string> {
  const built = join(dir, 'message.eml');
  await writeMessageFile(built, testMessage({ subject: 'A large attachment', text: 'The file is attached.\n', attachments: [{ filename: 'data.bin', path: attachment }] }), '<large@mailwright.test>', new Date());
  const lf = join(dir, 'message-lf.eml');
  let carry = '';
  await pipeline(
    createReadStream(built, 'latin1'),
    new Transform({
      transform(chunk: string, _enc, done) {
        const text = carry + chunk;
        // A CR at the very end may be followed by its LF in the next chunk.
        carry = text.endsWith('\r') ? '\r' : '';
        done(null, Buffer.from((carry ? text.slice(0, -1) : text).replace(/\r\n/g, '\n'), 'latin1'));
      },
      flush(done) {
        done(null, Buffer.from(carry, 'latin1'));
      },
      decodeStrings: false,
    }),
    createWriteStream(lf),
  );
  return lf;
}

async function smtpSourceFile(port: number, file: string, memory: Memory): Promise<number> {
  const t0 = performance.now();
  const run = startChild(SMTP_SOURCE, ['-F', file, `127.0.0.1:${port}`]);
  let idle = NaN;
  let peak = 0;
  const read = () => {
    try {
      const m = procMemory(run.child.pid!);
      // Right after the spawn it may not have exec'd yet, and once done it is a zombie without
      // memory lines: only real figures count; its idle is its first real sample.
      if (!(m.rss > 0 && Number.isFinite(m.peak))) return;
      if (Number.isNaN(idle)) idle = m.rss;
      peak = Math.max(peak, m.rss, m.peak);
    } catch {
      // It has exited.
    }
  };
  read();
  const timer = setInterval(read, 5);
  try {
    await exitOk('smtp-source -F', run, RUN_TIMEOUT_MS);
  } finally {
    clearInterval(timer);
  }
  const ms = performance.now() - t0;
  memory.idle.push(idle);
  memory.peak.push(peak);
  return ms;
}

async function nodeChild(script: string, mode: 'outbox' | 'nodemailer', port: number, attachment: string, memory: Memory): Promise<number> {
  const dir = tempDir('large-outbox');
  try {
    const r = await runNodeChild<{ ms: number; idle: number; peak: number }>(mode, script, { MODE: mode, PORT: String(port), ATTACHMENT: attachment, DIR: dir }, RUN_TIMEOUT_MS);
    memory.idle.push(r.idle);
    memory.peak.push(r.peak);
    return r.ms;
  } finally {
    removeTempDir(dir);
  }
}

async function compare(): Promise<void> {
  const work = tempDir('large');
  const sink = await startSink();
  try {
    const attachment = join(work, 'data.bin');
    await writeAttachment(attachment);
    const sourceFile = await writeSourceFile(work, attachment);
    const script = await buildScript(join(import.meta.dirname, 'large-message-child.ts'), join(work, 'child'));
    const OUTBOX = 'Mailwright outbox';
    const SOURCE = 'smtp-source -F';
    const DIRECT = 'nodemailer { path }';
    const memory = new Map<string, Memory>([OUTBOX, SOURCE, DIRECT].map((n) => [n, { idle: [], peak: [] }]));
    const candidates: Candidate[] = [
      { name: SOURCE, run: () => smtpSourceFile(sink.port, sourceFile, memory.get(SOURCE)!) },
      { name: OUTBOX, run: () => nodeChild(script, 'outbox', sink.port, attachment, memory.get(OUTBOX)!) },
      { name: DIRECT, run: () => nodeChild(script, 'nodemailer', sink.port, attachment, memory.get(DIRECT)!) },
    ];
    const result = await runRounds(candidates);
    const over = (name: string) => {
      const m = memory.get(name)!;
      return m.peak.map((p, i) => p - m.idle[i]!);
    };
    console.log(
      [
        '',
        `one message with a ${MIB} MiB attachment into smtp-sink on 127.0.0.1, each candidate in its own process; ${ROUNDS} rounds, alternating;`,
        'time: median; ratio: median over rounds of candidate / smtp-source -F of the same round; RSS: medians over rounds',
        table(
          ['candidate', 'median', 'vs smtp-source -F', 'idle RSS', 'peak RSS', 'peak over idle'],
          [SOURCE, OUTBOX, DIRECT].map((n) => [n, msText(median(result.get(n)!)), times(timeRatio(result, n, SOURCE)), mib(median(memory.get(n)!.idle)), mib(median(memory.get(n)!.peak)), mib(median(over(n)))]),
        ),
        goal('outbox peak RSS over idle (worst round)', Math.max(...over(OUTBOX)), '<=', RSS_GOAL, mib),
        goal('outbox time / smtp-source -F', timeRatio(result, OUTBOX, SOURCE), '<=', TIME_GOAL, times),
      ].join('\n'),
    );
  } finally {
    await sink.stop();
    removeTempDir(work);
  }
}

describe(`a ${MIB} MiB attachment`, () => {
  benchOnce('outbox vs smtp-source -F vs nodemailer { path }', compare);
});

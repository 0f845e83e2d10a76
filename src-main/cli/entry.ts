/**
 * The process around runCli (out/main/cli.js): the real terminal, stdin, Ctrl-C and the exit code.
 * bin/mailwright.mjs runs it with Node; the packaged app's `mailwright` script with the app's own
 * binary as Node (ELECTRON_RUN_AS_NODE).
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { runCli } from './main';
import type { CliIo } from './io';

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Type the message, then Ctrl-D on a line of its own:\n');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

/** A prompt whose answer is not echoed (readline writing into a muted stream). */
function askPassword(prompt: string): Promise<string | undefined> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    let muted = false;
    const output = new Writable({
      write(chunk: Buffer, _encoding, done) {
        if (!muted) process.stderr.write(chunk);
        done();
      },
    });
    const rl = createInterface({ input: process.stdin, output, terminal: true });
    process.stderr.write(prompt);
    muted = true;
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
    rl.on('SIGINT', () => {
      rl.close();
      process.stderr.write('\n');
      resolve(undefined);
    });
  });
}

/** Only the sandbox waits for Ctrl-C; every other command stops at Ctrl-C as usual. */
const untilInterrupted = () =>
  new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });

const io: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  env: process.env,
  readStdin,
  askPassword,
  untilInterrupted,
};

const code = await runCli(process.argv.slice(2), io);
// Let stdout drain (a pipe), then leave with the code (open handles of a finished command do not keep it).
process.stdout.write('', () => process.exit(code));

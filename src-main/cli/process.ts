/**
 * The process around runCli: the real terminal, stdin, Ctrl-C and the exit code. Two ways in:
 * out/main/cli.js (cli.ts), which bin/mailwright.mjs runs with Node; and the app's own binary with
 * --mailwright-cli first (main.ts), which the packaged app's `mailwright` script runs: the app's
 * fuses switch ELECTRON_RUN_AS_NODE off, and this switch runs only our own bundled command line.
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
const untilInterrupted = (): Promise<void> =>
  new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });

/** The switch that makes the app's binary run the command line (packaging/mailwright). */
export const CLI_SWITCH = '--mailwright-cli';

/** The command line's arguments when the app's binary was started as `mailwright`; null otherwise. */
export function commandLineArguments(argv: readonly string[]): string[] | null {
  const at = argv.indexOf(CLI_SWITCH);
  return at < 0 ? null : argv.slice(at + 1);
}

const io: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  env: process.env,
  readStdin,
  askPassword,
  untilInterrupted,
};

/** Runs one command and ends the process with its exit code. */
export async function runAsProcess(argv: readonly string[]): Promise<void> {
  const code = await runCli(argv, io);
  // Let stdout drain (a pipe), then leave with the code (open handles of a finished command do not keep it).
  process.stdout.write('', () => process.exit(code));
}

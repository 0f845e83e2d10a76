// The outbox in a child process, for the crash harness (test/support/outbox-crash-harness.ts), which
// kills it with SIGKILL at random moments and starts it again. The harness bundles this file with
// vite into one .mjs and runs that with plain node (a start then takes about 0.3 s).
//
// Environment: OUTBOX_DIR, SMTP_PORT, COUNT. Once loaded it prints `warm` and waits for a line
// `go` on stdin (so the test can load the next one while the current one runs: loading takes
// most of a start). Then it opens the outbox (recovery), enqueues whichever of messages
// 0..COUNT-1 have no job yet (the draft says which: { n }), and waits until every job is
// finished. Prints one line per event on stdout:
//   warm | opening | ready | enqueued <n> <id> | state <id> <state> | done

import { ok } from '../../shared/result';
import { Outbox, type OutboxJob } from '../../src-main/services/outbox';
import { testAccount } from './outbox-fixtures';
import { passwordCredential } from '../../src-main/services/credentials';

const dir = process.env.OUTBOX_DIR!;
const port = Number(process.env.SMTP_PORT);
const count = Number(process.env.COUNT);
const say = (line: string) => process.stdout.write(`${line}\n`);
const FINISHED = new Set<OutboxJob['state']>(['sent', 'uncertain', 'failed', 'cancelled']);

/** Deterministic text of message n, 5-60 KB, so that its data takes a moment to go out. */
const bodyOf = (n: number) => `Message ${n}\n` + `${'abcdefghij'.repeat(7)} ${n}\n`.repeat(70 + ((n * 7919) % 780));

async function go(): Promise<void> {
  say('warm');
  await new Promise<void>((resolve) => {
    let input = '';
    process.stdin.on('data', (chunk: Buffer) => {
      input += chunk.toString();
      if (input.includes('go\n')) resolve();
    });
  });
  process.stdin.pause();
}

async function main(): Promise<void> {
  await go();
  const account = testAccount(port, 'none');
  say('opening');
  let lastState = new Map<string, string>();
  const outbox = await Outbox.open({
    dir,
    account: () => ok({ account, credentials: passwordCredential(account.smtp.username, undefined) }),
    undoSeconds: 0,
    retry: { baseMs: 20, maxMs: 200, maxAttempts: 1000, jitter: 0.2 },
    smtp: { timeouts: { connectMs: 2000, greetingMs: 2000, socketMs: 3000 } },
    closeGraceMs: 1000,
    onChange: (job) => {
      if (lastState.get(job.id) === job.state) return;
      lastState.set(job.id, job.state);
      say(`state ${job.id} ${job.state}`);
    },
  });
  lastState = new Map(outbox.list().map((j) => [j.id, j.state]));
  say('ready');

  const have = new Set(outbox.list().map((j) => (j.draft as { n: number }).n));
  for (let n = 0; n < count; n++) {
    if (have.has(n)) continue;
    const r = await outbox.enqueue({
      accountId: account.id,
      message: {
        from: { name: 'Crash Test', address: 'alice@mailwright.test' },
        to: [{ address: `bob${n % 3}@mailwright.test` }],
        cc: [],
        bcc: [],
        subject: `crash ${n}`,
        text: bodyOf(n),
      },
      draft: { n },
    });
    if (!r.ok) throw new Error(`enqueue ${n}: ${r.error.code}`);
    say(`enqueued ${n} ${r.value.id}`);
  }

  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (outbox.list().every((j) => FINISHED.has(j.state))) {
        clearInterval(timer);
        resolve();
      }
    }, 20);
  });
  await outbox.close();
  say('done');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);

// The mail merge in a child process, for test/integration/merge-crash.test.ts, which kills it with
// SIGKILL at chosen moments and starts it again on the same outbox folder. The test bundles this file
// with vite into one .mjs and runs that with plain node (as the outbox crash harness does).
//
// Once loaded it prints `warm` and waits for one line on stdin: `go <JSON>` with the outbox folder,
// the CSV file, the Postfix submission port, its CA and the sender's login (given on stdin, never in
// the environment or on disk). Then it opens the outbox (recovery) and looks for its merge among the
// batches the outbox knows (listBatches): found, it only lets it go on; not found (never queued, or
// its batch enqueue never answered and was removed at open), it reads the CSV (parseTable), leaves
// out the bad rows (checkRows), builds each good row's message (compileMerge) and queues them as one
// batch (enqueueBatch). Then it waits until every batch is done. Prints one line per event on stdout:
//   warm | opening | ready | resumed <batchId> | enqueuing | queued <batchId> | state <id> <state> | done
//
// `requeue: true` in the JSON makes it queue the merge again on every start, whatever listBatches
// says: the bug the test must catch (every run sends the merge anew).

import { readFileSync } from 'node:fs';
import { checkRows, parseTable } from '../../shared/merge/table';
import { ok } from '../../shared/result';
import { passwordCredential } from '../../src-main/services/credentials';
import { compileMerge } from '../../src-main/services/merge/build';
import { Outbox, type EnqueueInput, type OutboxJob } from '../../src-main/services/outbox';
import type { StoredAccount } from '../../src-main/services/settings-store';
import { testAccount } from './outbox-fixtures';

export interface MergeCrashConfig {
  dir: string;
  csv: string;
  port: number;
  ca: string;
  user: { address: string; username: string; password: string };
  /** Part of every subject, so the test finds this run's messages in the mailbox. */
  tag: string;
  requeue?: boolean;
}

/** The merge's label: the batch the child looks for at start (the test reads it in batches.state). */
const MERGE_LABEL = 'merge-crash';
const ACCOUNT_ID = 'merge-account';

const say = (line: string) => process.stdout.write(`${line}\n`);

async function readConfig(): Promise<MergeCrashConfig> {
  say('warm');
  const line = await new Promise<string>((resolve) => {
    let input = '';
    process.stdin.on('data', (chunk: Buffer) => {
      input += chunk.toString();
      const nl = input.indexOf('\n');
      if (nl >= 0) resolve(input.slice(0, nl));
    });
  });
  process.stdin.pause();
  if (!line.startsWith('go ')) throw new Error('expected "go <config>" on stdin');
  return JSON.parse(line.slice(3)) as MergeCrashConfig;
}

/** A paragraph that makes each message about 6 KB, so its data takes a moment to go out. */
const FILLER = 'This paragraph is the same for everyone and only makes the message longer. '.repeat(80);

async function queueMerge(outbox: Outbox, config: MergeCrashConfig): Promise<string> {
  const table = parseTable(readFileSync(config.csv));
  const checked = checkRows(table, { addressColumn: 'Email', required: ['Code'] });
  const merge = compileMerge({
    to: '{{Name}} <{{Email}}>',
    cc: '',
    subject: `Merge ${config.tag} {{Email}}`,
    text: `Dear {{Name}},\nyour code is {{Code}}.\n\n${FILLER}\n`,
    html: `<p>Dear {{Name}},</p><p>your code is <b>{{Code}}</b>.</p><p>${FILLER}</p>`,
  });
  const inputs: EnqueueInput[] = [];
  for (const row of checked.good) {
    const built = await merge.build(row.values, { name: 'Alice', address: config.user.address });
    if (!built.message) throw new Error(`row ${row.row} built no message`);
    inputs.push({ accountId: ACCOUNT_ID, message: built.message, draft: { row: row.row } });
  }
  say('enqueuing');
  const queued = await outbox.enqueueBatch(inputs, { label: MERGE_LABEL });
  if (!queued.ok) throw new Error(`enqueueBatch: ${queued.error.code}`);
  say(`queued ${queued.value.batchId}`);
  return queued.value.batchId;
}

async function main(): Promise<void> {
  const config = await readConfig();
  const account: StoredAccount = { ...testAccount(config.port, 'starttls', 'password', config.user.username), id: ACCOUNT_ID, email: config.user.address };
  say('opening');
  const lastState = new Map<string, string>();
  const outbox = await Outbox.open({
    dir: config.dir,
    account: () => ok({ account, credentials: passwordCredential(config.user.username, config.user.password) }),
    smtp: { extraCertificateAuthorities: [config.ca], timeouts: { connectMs: 5000, greetingMs: 5000, socketMs: 10_000 } },
    undoSeconds: 0,
    retry: { baseMs: 50, maxMs: 500, maxAttempts: 100, jitter: 0.2 },
    closeGraceMs: 2000,
    onChange: (job: OutboxJob) => {
      if (lastState.get(job.id) === job.state) return;
      lastState.set(job.id, job.state);
      say(`state ${job.id} ${job.state}`);
    },
  });
  say('ready');

  const mine = outbox.listBatches().find((b) => b.label === MERGE_LABEL);
  if (mine && !config.requeue) say(`resumed ${mine.batchId}`);
  else await queueMerge(outbox, config);

  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (outbox.listBatches().every((b) => b.done)) {
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

// The child of test/integration/outbox-journal-crash.test.ts: opens the outbox's journal in OUTBOX_DIR
// and changes its jobs as fast as it can, in concurrent groups, until it is killed. Prints
// `ack <id> <attempts>` once a record resolved (durable), `gone <id>` once a removal resolved,
// `new <id>` once an add resolved, `removing <id>` before a removal is asked for. Each job's `attempts` only grows, so the parent can check that
// nothing acknowledged went missing and nothing went back.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JournalJobStore } from '../../src-main/services/outbox/journal';
import type { JobRecord } from '../../src-main/services/outbox/types';

const dir = process.env.OUTBOX_DIR!;
const say = (line: string): void => {
  // Synchronous on a pipe on Linux: printed means the record was acknowledged before any kill.
  process.stdout.write(`${line}\n`);
};

function job(id: string, attempts: number): JobRecord {
  const t = new Date().toISOString();
  return {
    format: 1,
    id,
    accountId: 'acc',
    state: 'retrying',
    createdAt: t,
    updatedAt: t,
    notBefore: t,
    scheduled: false,
    attempts,
    maxAttempts: 1_000_000_000,
    messageId: `<${id}@mailwright.test>`,
    envelope: { from: 'alice@mailwright.test', to: ['bob@mailwright.test'] },
    summary: { subject: 'Hello', to: ['bob@mailwright.test'], sizeBytes: 5 },
    accepted: [],
    refused: [],
  };
}

async function main(): Promise<void> {
  const store = new JournalJobStore(dir);
  const report = await store.load();
  const live = new Map(report.jobs.map((j) => [j.id, j.attempts]));
  say('open');
  const add = async () => {
    const id = randomUUID();
    writeFileSync(join(dir, `${id}.eml`), 'Subject: x\r\n\r\nx\r\n');
    await store.add(job(id, 0), { id });
    live.set(id, 0);
    say(`new ${id}`);
  };
  while (live.size < 6) await add();
  for (let round = 0; ; round++) {
    const ids = [...live.keys()];
    // A group: several records per job in the same tick (the last of each job wins).
    const waits: Array<Promise<void>> = [];
    for (let k = 0; k < 8; k++)
      for (const id of ids) {
        const attempts = live.get(id)! + 1;
        live.set(id, attempts);
        waits.push(store.update(job(id, attempts)).then(() => say(`ack ${id} ${attempts}`)));
      }
    if (round % 25 === 24) {
      // Now and then a job finishes (removed) and a new one comes.
      const gone = ids[0]!;
      live.delete(gone);
      // Said before it is asked: a removal can reach the disk and the kill come before its "gone".
      say(`removing ${gone}`);
      waits.push(store.remove([gone]).then(() => say(`gone ${gone}`)));
      waits.push(add());
    }
    await Promise.all(waits);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});

/**
 * One candidate of bench/large-message.bench.ts in a process of its own, so that its RSS is its
 * own: bundled by the bench (support.ts buildScript) and run with plain node. Everything is loaded
 * first; then the idle RSS is read, the peak (VmHWM) reset to it, the work done, and one JSON line
 * printed: { ms, idle, peak } (bytes; peak: VmHWM, or the highest RSS sampled every 5 ms).
 *
 * Environment: MODE ('outbox' | 'nodemailer'), PORT (smtp-sink), ATTACHMENT (file path), DIR (the
 * outbox folder, for MODE=outbox).
 */
import nodemailer from 'nodemailer';
import { ok } from '../shared/result';
import { Outbox } from '../src-main/services/outbox';
import { passwordCredential } from '../src-main/services/credentials';
import { testAccount, testMessage } from '../test/support/outbox-fixtures';
import { procMemory, resetPeakRss, sampleRss } from './memory';

const mode = process.env.MODE;
const port = Number(process.env.PORT);
const attachment = process.env.ATTACHMENT!;
const SUBJECT = 'A large attachment';
const TEXT = 'The file is attached.\n';

async function outbox(): Promise<void> {
  const account = testAccount(port, 'none', 'none');
  let settle: (state: string) => void = () => undefined;
  const settled = new Promise<string>((resolve) => (settle = resolve));
  const box = await Outbox.open({
    dir: process.env.DIR!,
    undoSeconds: 0,
    retry: { maxAttempts: 1 },
    account: () => ok({ account, credentials: passwordCredential('', undefined) }),
    onChange: (job) => ['sent', 'failed', 'uncertain'].includes(job.state) && settle(`${job.state} ${job.lastError?.code ?? ''}`),
  });
  try {
    await measure(async () => {
      const queued = await box.enqueue({ accountId: account.id, message: testMessage({ subject: SUBJECT, text: TEXT, attachments: [{ filename: 'data.bin', path: attachment }] }), draft: null });
      if (!queued.ok) throw new Error(`not queued: ${queued.error.code}`);
      const state = await settled;
      if (!state.startsWith('sent')) throw new Error(`outbox: ${state}`);
    });
  } finally {
    await box.close();
  }
}

async function direct(): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    await measure(async () => {
      await transport.sendMail({ from: 'Alice <alice@mailwright.test>', to: 'Bob <bob@mailwright.test>', subject: SUBJECT, text: TEXT, attachments: [{ filename: 'data.bin', path: attachment }] });
    });
  } finally {
    transport.close();
  }
}

async function measure(work: () => Promise<void>): Promise<void> {
  // Let what loading left settle, then take the idle RSS and start the peak from it.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const idle = procMemory().rss;
  const reset = resetPeakRss();
  const sampler = sampleRss('self', 5);
  const t0 = performance.now();
  await work();
  const ms = performance.now() - t0;
  const sampled = sampler.stop();
  const peak = reset ? Math.max(procMemory().peak, sampled) : sampled;
  process.stdout.write(`${JSON.stringify({ ms, idle, peak })}\n`);
}

(mode === 'outbox' ? outbox() : mode === 'nodemailer' ? direct() : Promise.reject(new Error(`MODE? ${mode}`))).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
    process.exit(1);
  },
);

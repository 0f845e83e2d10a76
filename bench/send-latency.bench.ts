/**
 * Issue 13: the latency of one message over STARTTLS + AUTH to real Postfix (submission, started by
 * test/support/mail-servers.ts with Dovecot behind it): from enqueue (no undo window) until the job
 * is 'sent' (the server's 250 to the data, recorded), against nodemailer sending the same message
 * directly (createTransport + sendMail), with the same TLS trust and settings: the transport options
 * are the app's own (transportOptions in src-main/services/smtp.ts), so neither side trusts more.
 *
 *   npx vitest bench --run --project integration bench/send-latency.bench.ts
 *
 * Environment: BENCH_PER_ROUND (messages per candidate and round, default 20), BENCH_ROUNDS.
 * Candidates, alternating (each run once first, not counted: JIT, first connections), each message
 * one after another and each on its own:
 *   - the outbox: a fresh outbox (a fresh folder, opened before the clock starts) per message;
 *   - nodemailer: a fresh transport per message (no pool: a connection per message).
 * Both twice: trusting the test CA (as a server with a certificate from a known authority), and
 * with the server's certificate pinned on the account and no extra authority (as a person who
 * accepted a self-signed certificate). A candidate's figure for a round is the median latency of
 * its messages in that round.
 *
 * Goal (the issue): outbox ≤ 1.1x nodemailer, both with and without a pin.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import nodemailer from 'nodemailer';
import { describe } from 'vitest';
import { ok } from '../shared/result';
import { Outbox } from '../src-main/services/outbox';
import { passwordCredential } from '../src-main/services/credentials';
import type { StoredAccount } from '../src-main/services/settings-store';
import { transportOptions, type SmtpServiceOptions } from '../src-main/services/smtp';
import { fingerprintOf } from '../src-main/services/tls-trust';
import { startMailServers, type MailServers, type MailUser } from '../test/support/mail-servers';
import { testAccount, testMessage } from '../test/support/outbox-fixtures';
import { benchOnce, envCount, goal, median, msText, removeTempDir, ROUNDS, runRounds, table, tempDir, timeRatio, times, withTimeout, type Candidate } from './support';

const PER_ROUND = envCount('BENCH_PER_ROUND', 20);
const GOAL = 1.1;
const SEND_TIMEOUT_MS = 20_000;
const TIMEOUTS = { connectMs: 5_000, greetingMs: 5_000, socketMs: 10_000 };
/** About 2 KB of text: an ordinary message. */
const TEXT = 'Hello Bob,\n\n' + 'the figures for the quarter are attached to the next message.\n'.repeat(32);

interface Setting {
  label: string;
  account: StoredAccount;
  smtp: SmtpServiceOptions;
}

function settings(servers: MailServers, alice: MailUser): Setting[] {
  const base: StoredAccount = { ...testAccount(servers.submission.starttlsPort, 'starttls', 'password', alice.username), email: alice.address };
  // The servers' certificate, issued by their CA next to the CA's own file (test/support/mail-servers.ts).
  const pem = readFileSync(join(dirname(servers.caFile), 'server.pem'), 'utf8');
  const pinned: StoredAccount = { ...base, smtp: { ...base.smtp, pinnedCertificate: { sha256: fingerprintOf(pem), pem, trustedAt: '2026-11-02T10:00:00.000Z' } } };
  return [
    { label: 'CA trusted', account: base, smtp: { extraCertificateAuthorities: [servers.ca], timeouts: TIMEOUTS } },
    { label: 'pinned cert.', account: pinned, smtp: { extraCertificateAuthorities: [], timeouts: TIMEOUTS } },
  ];
}

/** PER_ROUND messages through a fresh outbox each; answers the median enqueue-to-sent time. */
async function outboxRound(s: Setting, alice: MailUser, bob: MailUser): Promise<number> {
  const latencies: number[] = [];
  for (let i = 0; i < PER_ROUND; i++) {
    const dir = tempDir('latency');
    let outbox: Outbox | undefined;
    try {
      let settle: (state: string) => void = () => undefined;
      const settled = new Promise<string>((resolve) => (settle = resolve));
      outbox = await Outbox.open({
        dir,
        undoSeconds: 0,
        retry: { maxAttempts: 1 },
        smtp: s.smtp,
        account: () => ok({ account: s.account, credentials: passwordCredential(alice.username, alice.password) }),
        onChange: (job) => ['sent', 'failed', 'uncertain', 'signin'].includes(job.state) && settle(`${job.state} ${job.lastError?.code ?? ''}`),
      });
      const t0 = performance.now();
      const queued = await outbox.enqueue({ accountId: s.account.id, message: testMessage({ from: { name: 'Alice', address: alice.address }, to: [{ name: 'Bob', address: bob.address }], subject: `Latency ${i}`, text: TEXT }), draft: null });
      if (!queued.ok) throw new Error(`outbox: not queued: ${queued.error.code}`);
      const state = await withTimeout('outbox send', settled, SEND_TIMEOUT_MS);
      if (!state.startsWith('sent')) throw new Error(`outbox: ${state}`);
      latencies.push(performance.now() - t0);
    } finally {
      await outbox?.close();
      removeTempDir(dir);
    }
  }
  return median(latencies);
}

/** PER_ROUND messages through a fresh nodemailer transport each; answers the median sendMail time. */
async function nodemailerRound(s: Setting, alice: MailUser, bob: MailUser): Promise<number> {
  const latencies: number[] = [];
  for (let i = 0; i < PER_ROUND; i++) {
    const transport = nodemailer.createTransport(transportOptions(s.account, { kind: 'password', username: alice.username, password: alice.password }, s.smtp));
    try {
      const t0 = performance.now();
      const info = await withTimeout('nodemailer send', transport.sendMail({ from: { name: 'Alice', address: alice.address }, to: { name: 'Bob', address: bob.address }, subject: `Latency ${i}`, text: TEXT }), SEND_TIMEOUT_MS);
      if (!info.accepted.length) throw new Error(`nodemailer: not accepted: ${info.response}`);
      latencies.push(performance.now() - t0);
    } finally {
      transport.close();
    }
  }
  return median(latencies);
}

async function compare(): Promise<void> {
  const servers = await startMailServers();
  try {
    const [alice, bob] = [servers.users[0]!, servers.users[1]!];
    const all = settings(servers, alice);
    const outboxName = (s: Setting) => `outbox, ${s.label}`;
    const directName = (s: Setting) => `nodemailer, ${s.label}`;
    const candidates: Candidate[] = all.flatMap((s) => [
      { name: outboxName(s), warmUp: true, run: () => outboxRound(s, alice, bob) },
      { name: directName(s), warmUp: true, run: () => nodemailerRound(s, alice, bob) },
    ]);
    const result = await runRounds(candidates);
    console.log(
      [
        '',
        `one message (about 2 KB) over STARTTLS + AUTH PLAIN to Postfix submission on 127.0.0.1, ${PER_ROUND} per candidate and round, one after another;`,
        `${ROUNDS} rounds, alternating; a round's figure is the median of its messages; ratio: median over rounds of outbox / nodemailer of the same round`,
        table(
          ['candidate', 'median latency', 'vs nodemailer, same trust'],
          all.flatMap((s) => [
            [outboxName(s), msText(median(result.get(outboxName(s))!)), times(timeRatio(result, outboxName(s), directName(s)))],
            [directName(s), msText(median(result.get(directName(s))!)), times(1)],
          ]),
        ),
        ...all.map((s) => goal(`outbox enqueue-to-250 / nodemailer sendMail, ${s.label}`, timeRatio(result, outboxName(s), directName(s)), '<=', GOAL, times)),
      ].join('\n'),
    );
  } finally {
    await servers.stop();
  }
}

describe('one message over STARTTLS + AUTH to Postfix', () => {
  benchOnce('outbox enqueue-to-250 vs nodemailer sendMail', compare);
});

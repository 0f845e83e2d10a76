/**
 * The sandbox's faults on demand (src-main/services/sandbox/capture.ts), each played to a real
 * Outbox (src-main/services/outbox) that sends to the capture server over SMTP on 127.0.0.1: the
 * outbox must end in the right state for each (retrying, failed with the server's words, "may have
 * been sent" after a drop past the final dot, never a silent duplicate), and the sandbox must keep
 * exactly what a real server would have.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Security } from '../../shared/model';
import { ok } from '../../shared/result';
import type { Fault } from '../../shared/sandbox';
import { passwordCredential } from '../../src-main/services/credentials';
import { silentLogger } from '../../src-main/services/logger';
import { Outbox, type MessageInput, type OutboxJob, type RetryPolicy } from '../../src-main/services/outbox';
import { startCaptureServer, type CaptureServer } from '../../src-main/services/sandbox/capture';
import type { SmtpServiceOptions } from '../../src-main/services/smtp';
import { testAccount, testMessage, until } from '../support/outbox-fixtures';
import { createTestCa } from '../support/test-ca';

const root = mkdtempSync(join(tmpdir(), 'mailwright-sandbox-faults-'));
const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Retries come soon (the tests watch them) but not so soon that 'retrying' flies past unseen. */
const RETRY: Partial<RetryPolicy> = { baseMs: 300, maxMs: 600, maxAttempts: 50, jitter: 0 };
const TIMEOUTS = { connectMs: 3000, greetingMs: 3000, socketMs: 3000 };
const BOB = 'bob@mailwright.test';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Rig {
  sandbox: CaptureServer;
  outbox: Outbox;
  /** Plays these faults (and only these) from the next step on. */
  play(...rules: Fault[]): void;
  send(message?: Partial<MessageInput>): Promise<string>;
  job(id: string): OutboxJob;
  /** Waits until the job is in one of `states` and returns it. */
  settled(id: string, states: OutboxJob['state'][], timeoutMs?: number): Promise<OutboxJob>;
  /** The job's states in order (progress reports repeat 'sending': counted once). */
  states(id: string): OutboxJob['state'][];
}

async function rig(
  options: { security?: Security; smtp?: SmtpServiceOptions; random?: () => number; retry?: Partial<RetryPolicy>; tlsCertificate?: { key: string; cert: string } } = {},
): Promise<Rig> {
  const dir = mkdtempSync(join(root, 'case-'));
  const sandbox = await startCaptureServer({
    dir: join(dir, 'sandbox'),
    logger: silentLogger,
    ...(options.random ? { random: options.random } : {}),
    ...(options.tlsCertificate ? { tlsCertificate: { key: options.tlsCertificate.key, cert: options.tlsCertificate.cert } } : {}),
  });
  cleanup.push(() => sandbox.close());
  // The account points at the sandbox as the Sandbox account does: its host and port, its run's credentials.
  const account = testAccount(sandbox.port, options.security ?? 'none', 'password', sandbox.credentials.user);
  const changes: OutboxJob[] = [];
  const outbox = await Outbox.open({
    dir: join(dir, 'outbox'),
    account: () => ok({ account, credentials: passwordCredential(account.smtp.username, sandbox.credentials.pass) }),
    smtp: options.smtp ?? { timeouts: TIMEOUTS },
    undoSeconds: 0,
    retry: options.retry ?? RETRY,
    closeGraceMs: 500,
    onChange: (j) => changes.push(j),
  });
  cleanup.push(() => outbox.close());
  const job = (id: string) => outbox.list().find((j) => j.id === id)!;
  return {
    sandbox,
    outbox,
    play: (...rules) => sandbox.setFaults({ rules }),
    async send(message = {}) {
      const r = await outbox.enqueue({ accountId: account.id, message: testMessage(message), draft: { n: 1 } });
      if (!r.ok) throw new Error(`enqueue: ${JSON.stringify(r.error)}`);
      return r.value.id;
    },
    job,
    async settled(id, states, timeoutMs = 10_000) {
      await until(() => states.includes(job(id)?.state), timeoutMs, `job ${id} to be ${states.join('/')} (is ${job(id)?.state})`);
      return job(id);
    },
    states: (id) => changes.filter((c) => c.id === id).map((c) => c.state).filter((st, i, all) => st !== all[i - 1]),
  };
}

const reply = (stage: Extract<Fault, { kind: 'reply' }>['stage'], code: number, text: string, more: { recipients?: string; probability?: number } = {}): Fault => ({
  kind: 'reply',
  stage,
  code,
  text,
  probability: more.probability ?? 1,
  ...(more.recipients ? { recipients: more.recipients } : {}),
});

/** Envelopes of what the sandbox kept. */
const kept = (sandbox: CaptureServer) => sandbox.list().map((m) => m.envelope.rcptTo);

describe('a reply fault at each stage', () => {
  it('greeting 421: retrying, then sent once the fault is removed', async () => {
    const r = await rig();
    r.play(reply('greeting', 421, '4.3.2 Service not available, closing channel'));
    const id = await r.send();
    const job = await r.settled(id, ['retrying']);
    expect(job.lastError).toMatchObject({ detail: { responseCode: 421, serverReply: expect.stringContaining('Service not available') } });
    expect(r.sandbox.list()).toEqual([]);
    r.play();
    const sent = await r.settled(id, ['sent']);
    expect(sent.accepted).toEqual([BOB]);
    expect(kept(r.sandbox)).toEqual([[BOB]]);
  });

  it('greeting 554: failed, with the code and the server’s words', async () => {
    const r = await rig();
    r.play(reply('greeting', 554, '5.3.2 No SMTP service here'));
    const id = await r.send();
    const job = await r.settled(id, ['failed', 'sent', 'uncertain']);
    expect(job).toMatchObject({ state: 'failed', attempts: 1, lastError: { code: 'SERVER_ERROR', detail: { responseCode: 554, serverReply: expect.stringContaining('No SMTP service here') } } });
    expect(r.sandbox.list()).toEqual([]);
  });

  it('AUTH 535: failed (the password is refused); AUTH 454: retrying', async () => {
    const r = await rig();
    r.play(reply('auth', 535, '5.7.8 Authentication credentials invalid'));
    const refused = await r.send();
    expect(await r.settled(refused, ['failed', 'sent', 'uncertain'])).toMatchObject({
      state: 'failed',
      lastError: { code: 'AUTH_FAILED', detail: { responseCode: 535, serverReply: expect.stringContaining('credentials invalid') } },
    });

    r.play(reply('auth', 454, '4.7.0 Temporary authentication failure'));
    const busy = await r.send();
    expect(await r.settled(busy, ['retrying', 'failed', 'sent'])).toMatchObject({ state: 'retrying', lastError: { detail: { responseCode: 454 } } });
    r.play();
    await r.settled(busy, ['sent']);
    expect(r.sandbox.list()).toHaveLength(1);
  });

  it('MAIL 451: retrying; MAIL 550: failed', async () => {
    const r = await rig();
    r.play(reply('mail', 451, '4.3.0 Mail server temporarily rejected message'));
    const later = await r.send({ subject: 'Later' });
    expect(await r.settled(later, ['retrying', 'failed', 'sent'])).toMatchObject({ state: 'retrying', lastError: { code: 'SERVER_BUSY', detail: { responseCode: 451 } } });

    r.play(reply('mail', 550, '5.7.1 Sender address rejected'));
    const never = await r.send({ subject: 'Never' });
    expect(await r.settled(never, ['failed', 'sent', 'uncertain'])).toMatchObject({
      state: 'failed',
      lastError: { code: 'SENDER_REFUSED', detail: { responseCode: 550, serverReply: expect.stringContaining('Sender address rejected') } },
    });
    // The first one was waiting for its retry, which met the 550 too: failed with it, never kept.
    expect(r.sandbox.list()).toEqual([]);
  });

  it('RCPT 550 for one of two recipients (by pattern): sent to one, the other refused, kept once with the accepted one only', async () => {
    const r = await rig();
    r.play(reply('rcpt', 550, '5.1.1 No such user here', { recipients: 'NO-*@Mailwright.test' }));
    const id = await r.send({ to: [{ address: BOB }, { address: 'no-one@mailwright.test' }] });
    const job = await r.settled(id, ['sent', 'failed', 'uncertain']);
    expect(job).toMatchObject({ state: 'sent', accepted: [BOB], refused: [{ address: 'no-one@mailwright.test', serverReply: expect.stringContaining('No such user here') }] });
    expect(kept(r.sandbox)).toEqual([[BOB]]);
  });

  it('RCPT 550 for every recipient: failed, nothing kept', async () => {
    const r = await rig();
    r.play(reply('rcpt', 550, '5.1.1 No such user here'));
    const id = await r.send({ to: [{ address: BOB }, { address: 'carol@mailwright.test' }] });
    const job = await r.settled(id, ['sent', 'failed', 'uncertain']);
    expect(job).toMatchObject({ state: 'failed', lastError: { code: 'RECIPIENTS_REFUSED' } });
    expect(job.lastError?.detail?.refused?.map((x) => x.address)).toEqual([BOB, 'carol@mailwright.test']);
    expect(r.sandbox.list()).toEqual([]);
  });

  it('452 after the final dot: retrying and nothing kept; 554 after the final dot: failed', async () => {
    const r = await rig();
    r.play(reply('data-end', 452, '4.3.1 Insufficient system storage'));
    const later = await r.send({ subject: 'Later' });
    expect(await r.settled(later, ['retrying', 'failed', 'sent', 'uncertain'])).toMatchObject({ state: 'retrying', lastError: { detail: { responseCode: 452 } } });
    expect(r.sandbox.list()).toEqual([]);

    r.play(reply('data-end', 554, '5.6.0 Message content rejected'));
    const never = await r.send({ subject: 'Never' });
    expect(await r.settled(never, ['failed', 'sent', 'uncertain'])).toMatchObject({
      state: 'failed',
      lastError: { code: 'MESSAGE_REFUSED', detail: { responseCode: 554, serverReply: expect.stringContaining('Message content rejected') } },
    });
    expect(r.sandbox.list()).toEqual([]);
  });
});

describe('dropped connections', () => {
  it('before the greeting: retrying, then sent once the fault is removed', async () => {
    const r = await rig();
    r.play({ kind: 'drop', at: 'before-greeting', probability: 1 });
    const id = await r.send();
    const job = await r.settled(id, ['retrying', 'failed', 'sent', 'uncertain']);
    expect(job).toMatchObject({ state: 'retrying', lastError: { code: 'CONNECTION_LOST' } });
    r.play();
    await r.settled(id, ['sent']);
    expect(kept(r.sandbox)).toEqual([[BOB]]);
  });

  it('in the middle of the data: retrying, nothing kept, then sent exactly once after the fault is removed', async () => {
    const r = await rig();
    // Large enough that the sandbox drops the connection while the client is still sending it:
    // the final dot never went out, so the server cannot have taken the message.
    const file = join(root, 'large.bin');
    writeFileSync(file, randomBytes(12 * 1024 * 1024));
    r.play({ kind: 'drop', at: 'mid-data', probability: 1 });
    const id = await r.send({ subject: 'Large', attachments: [{ filename: 'large.bin', path: file }] });
    const job = await r.settled(id, ['retrying', 'uncertain', 'failed', 'sent'], 20_000);
    expect(job).toMatchObject({ state: 'retrying', lastError: { code: 'CONNECTION_LOST' } });
    expect(r.sandbox.list()).toEqual([]);
    r.play();
    const sent = await r.settled(id, ['sent', 'uncertain', 'failed'], 20_000);
    expect(sent.state).toBe('sent');
    expect(kept(r.sandbox)).toEqual([[BOB]]);
    expect(r.sandbox.list()).toHaveLength(1);
  }, 40_000);

  it('in the middle of a small message (all of it already sent): "may have been sent", nothing kept', async () => {
    const r = await rig();
    r.play({ kind: 'drop', at: 'mid-data', probability: 1 });
    const id = await r.send();
    // The client had handed over every byte and the final dot: it cannot know the server did not take it.
    const job = await r.settled(id, ['retrying', 'uncertain', 'failed', 'sent']);
    expect(job).toMatchObject({ state: 'uncertain', lastError: { code: 'CONNECTION_LOST' } });
    expect(r.sandbox.list()).toEqual([]);
  });

  it('after the final dot, before the reply: "may have been sent", kept exactly once, never sent again on its own', async () => {
    const r = await rig();
    r.play({ kind: 'drop', at: 'after-final-dot', probability: 1 });
    const id = await r.send({ subject: 'Twice?' });
    const job = await r.settled(id, ['uncertain', 'retrying', 'failed', 'sent']);
    expect(job).toMatchObject({ state: 'uncertain', attempts: 1, lastError: { code: 'CONNECTION_LOST' } });
    // It arrived: the sandbox kept it, as a real server may have.
    expect(kept(r.sandbox)).toEqual([[BOB]]);
    // The fault is gone and well past the retry delay: the outbox still waits for the person.
    r.play();
    await sleep(3 * (RETRY.baseMs ?? 0));
    expect(r.job(id).state).toBe('uncertain');
    expect(r.sandbox.list()).toHaveLength(1);
    expect(r.states(id)).toEqual(['queued', 'sending', 'uncertain']);
  });
});

describe('a slow link', () => {
  it('every reply 1.5 s late: still sent', async () => {
    const r = await rig();
    r.play({ kind: 'slow', delayMs: 1500, probability: 1 });
    const started = Date.now();
    const id = await r.send();
    const job = await r.settled(id, ['sent', 'retrying', 'failed', 'uncertain'], 30_000);
    expect(job.state).toBe('sent');
    // At least the greeting, EHLO, AUTH, MAIL and RCPT (pipelined: their replies wait together), the final reply: each held back.
    expect(Date.now() - started).toBeGreaterThanOrEqual(5 * 1500);
    expect(kept(r.sandbox)).toEqual([[BOB]]);
  }, 40_000);

  it('slower than the client waits: retrying (nothing of the message went out)', async () => {
    const r = await rig({ smtp: { timeouts: { connectMs: 500, greetingMs: 500, socketMs: 500 } } });
    r.play({ kind: 'slow', delayMs: 2000, probability: 1 });
    const id = await r.send();
    const job = await r.settled(id, ['retrying', 'failed', 'sent', 'uncertain']);
    expect(job).toMatchObject({ state: 'retrying', lastError: { code: expect.stringMatching(/^(CONNECTION_TIMEOUT|SERVER_NOT_ANSWERING)$/) } });
    expect(r.sandbox.list()).toEqual([]);
  });
});

describe('a TLS failure', () => {
  it('STARTTLS with a certificate from an authority no one trusts: failed as an untrusted certificate, nothing sent', async () => {
    // A valid certificate for 127.0.0.1 from a throwaway authority the outbox is not told about.
    const ca = await createTestCa(mkdtempSync(join(root, 'ca-')));
    const r = await rig({ security: 'starttls', tlsCertificate: await ca.issue('sandbox') });
    r.play({ kind: 'tls', probability: 1 });
    const id = await r.send();
    const job = await r.settled(id, ['failed', 'retrying', 'sent', 'uncertain']);
    expect(job).toMatchObject({ state: 'failed', attempts: 1, lastError: { code: 'TLS_UNTRUSTED_CERTIFICATE' } });
    expect(r.sandbox.list()).toEqual([]);
  });

  it('on a slow link too: still the certificate, not a timeout', async () => {
    const ca = await createTestCa(mkdtempSync(join(root, 'ca-')));
    const r = await rig({ security: 'starttls', tlsCertificate: await ca.issue('sandbox') });
    r.play({ kind: 'slow', delayMs: 300, probability: 1 }, { kind: 'tls', probability: 1 });
    const id = await r.send();
    expect(await r.settled(id, ['failed', 'retrying', 'sent', 'uncertain'])).toMatchObject({ state: 'failed', lastError: { code: 'TLS_UNTRUSTED_CERTIFICATE' } });
  });

  it('with its default certificate (smtp-server’s own): failed as a certificate problem; without the fault, no STARTTLS is offered', async () => {
    const r = await rig({ security: 'starttls' });
    r.play({ kind: 'tls', probability: 1 });
    const id = await r.send();
    const job = await r.settled(id, ['failed', 'retrying', 'sent', 'uncertain']);
    expect(job.state).toBe('failed');
    expect(['TLS_UNTRUSTED_CERTIFICATE', 'TLS_CERTIFICATE_EXPIRED']).toContain(job.lastError?.code);
    // The fault is what offers STARTTLS: without it an account that requires it is told it is not offered.
    r.play();
    const plain = await r.send();
    expect(await r.settled(plain, ['failed', 'retrying', 'sent', 'uncertain'])).toMatchObject({ state: 'failed', lastError: { code: 'STARTTLS_UNAVAILABLE' } });
    expect(r.sandbox.list()).toEqual([]);
  });
});

describe('probability', () => {
  it('0.5 with a random source that alternates: every other message meets the fault', async () => {
    let draws = 0;
    const r = await rig({ random: () => (draws++ % 2 === 0 ? 0.25 : 0.75), retry: { ...RETRY, maxAttempts: 1 } });
    r.play(reply('mail', 550, '5.7.1 Refused by chance', { probability: 0.5 }));
    const states: string[] = [];
    for (let i = 0; i < 4; i++) {
      const id = await r.send({ subject: `Try ${i}` });
      states.push((await r.settled(id, ['sent', 'failed', 'uncertain'])).state);
    }
    expect(states).toEqual(['failed', 'sent', 'failed', 'sent']);
    expect(draws).toBe(4);
    expect(r.sandbox.list()).toHaveLength(2);
  });
});


/**
 * The send engine's scheduling with delivery replaced by a script: a lane per account (one that hangs
 * never holds another), up to the account's maxConnections deliveries at once, due jobs in due order,
 * and the batch API (all or nothing, pause, resume, cancel, progress at a bounded rate).
 */
import { mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fail, ok } from '../../shared/result';
import type { StoredAccount } from '../../src-main/services/settings-store';
import { Outbox, type BatchProgress, type Deliver, type DeliveryOutcome, type DeliveryRequest, type OutboxJob, type OutboxOptions } from '../../src-main/services/outbox';
import { passwordCredential } from '../../src-main/services/credentials';
import { testAccount, testMessage, until } from '../support/outbox-fixtures';

let dir: string;
let outbox: Outbox | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailwright-lanes-'));
});
afterEach(async () => {
  await outbox?.close();
  outbox = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const delivered = (req: DeliveryRequest): DeliveryOutcome => ({ kind: 'delivered', reply: '250 ok', accepted: req.recipients, refused: [], deferred: [] });

function open(accounts: StoredAccount[], deliver: Deliver, extra: Partial<OutboxOptions> = {}) {
  return Outbox.open({
    dir,
    account: (id) => {
      const account = accounts.find((a) => a.id === id);
      return account ? ok({ account, credentials: passwordCredential('', '') }) : fail('ACCOUNT_NOT_FOUND');
    },
    undoSeconds: 0,
    retry: { baseMs: 20, maxMs: 100, maxAttempts: 3, jitter: 0 },
    closeGraceMs: 50,
    deliver,
    ...extra,
  });
}

const stateOf = (id: string) => outbox!.list().find((j) => j.id === id)?.state;
async function enqueue(accountId: string, subject = 'Hello', sendAt?: Date) {
  const r = await outbox!.enqueue({ accountId, message: testMessage({ subject }), draft: null, ...(sendAt ? { sendAt } : {}) });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
}

describe('a lane per account', () => {
  it('an account whose server never answers holds none of another account’s mail', async () => {
    const silent = testAccount(2525);
    const healthy = testAccount(2526);
    const deliver: Deliver = async (req) => {
      if (req.account.id === silent.id) {
        // Hangs until the outbox closes, like a server that accepted the connection and said nothing.
        await new Promise((resolve) => req.signal.addEventListener('abort', resolve, { once: true }));
        return { kind: 'aborted' };
      }
      await req.beforeTransmit();
      return delivered(req);
    };
    outbox = await open([silent, healthy], deliver);
    // The silent account's messages are queued first, and fill its lane.
    for (let i = 0; i < 4; i++) await enqueue(silent.id, `stuck ${i}`);
    const mine: OutboxJob[] = [];
    for (let i = 0; i < 20; i++) mine.push(await enqueue(healthy.id, `goes ${i}`));
    await until(() => mine.every((j) => stateOf(j.id) === 'sent'), 5000, 'the healthy account’s messages to be sent');
    expect(outbox.list().filter((j) => j.accountId === silent.id).map((j) => j.state)).toEqual(['sending', 'sending', 'queued', 'queued']);
  });

  it('a lane sends up to the account’s maxConnections messages at once, never more', async () => {
    const account = { ...testAccount(2527), smtp: { ...testAccount(2527).smtp, maxConnections: 3 } };
    const other = testAccount(2528);
    const active = new Map<string, number>();
    const most = new Map<string, number>();
    const deliver: Deliver = async (req) => {
      const now = (active.get(req.account.id) ?? 0) + 1;
      active.set(req.account.id, now);
      most.set(req.account.id, Math.max(most.get(req.account.id) ?? 0, now));
      await new Promise((r) => setTimeout(r, 15));
      await req.beforeTransmit();
      active.set(req.account.id, active.get(req.account.id)! - 1);
      return delivered(req);
    };
    outbox = await open([account, other], deliver);
    const jobs: OutboxJob[] = [];
    // All due at the same moment, so each lane has more work than connections.
    const at = new Date(Date.now() + 400);
    for (let i = 0; i < 12; i++) jobs.push(await enqueue(account.id, 'Hello', at), await enqueue(other.id, 'Hello', at));
    await until(() => jobs.every((j) => stateOf(j.id) === 'sent'), 5000, 'every message to be sent');
    expect(most.get(account.id)).toBe(3);
    // No setting: the default of two.
    expect(most.get(other.id)).toBe(2);
  });

  it('due jobs go in the order they are due, whatever the order they were queued in', async () => {
    const account = { ...testAccount(2529), smtp: { ...testAccount(2529).smtp, maxConnections: 1 } };
    const order: string[] = [];
    const deliver: Deliver = async (req) => {
      order.push(req.job.summary.subject);
      await req.beforeTransmit();
      return delivered(req);
    };
    outbox = await open([account], deliver);
    const t = Date.now() + 300;
    for (const [subject, at] of [['third', t + 200], ['first', t], ['fourth', t + 300], ['second', t + 100]] as const) await enqueue(account.id, subject, new Date(at));
    await until(() => order.length === 4, 5000, 'four sends');
    expect(order).toEqual(['first', 'second', 'third', 'fourth']);
  });
});

describe('a batch', () => {
  const account = { ...testAccount(2530), smtp: { ...testAccount(2530).smtp, maxConnections: 2 } };
  const inputs = (n: number) => Array.from({ length: n }, (_, i) => ({ accountId: account.id, message: testMessage({ subject: `Row ${i + 1}` }), draft: { row: i + 1 } }));

  it('is queued whole, sent on the account’s lane, and reported at a bounded rate until done', async () => {
    const reports: Array<BatchProgress & { at: number }> = [];
    const deliver: Deliver = async (req) => {
      await req.beforeTransmit();
      await new Promise((r) => setTimeout(r, 2));
      return delivered(req);
    };
    outbox = await open([account], deliver, { onBatchProgress: (p) => reports.push({ ...p, at: Date.now() }), batchProgressEveryMs: 100 });
    const r = await outbox.enqueueBatch(inputs(120), { label: 'Invitations' });
    expect(r).toMatchObject({ ok: true, value: { total: 120, waiting: 120, label: 'Invitations', done: false } });
    const batchId = r.ok ? r.value.batchId : '';
    await until(() => outbox!.batchProgress(batchId)?.done === true, 10_000, 'the batch to be done');
    expect(outbox.batchProgress(batchId)).toMatchObject({ total: 120, sent: 120, waiting: 0, failed: 0, done: true });
    expect(outbox.list().filter((j) => j.batchId === batchId)).toHaveLength(120);
    await until(() => reports.at(-1)?.done === true, 1000, 'a last report saying done');
    // Bounded: the first report at once, then no two closer than the interval (a little slack for timers).
    for (let i = 2; i < reports.length; i++) expect(reports[i]!.at - reports[i - 1]!.at).toBeGreaterThanOrEqual(90);
    expect(reports.length).toBeLessThan(120);
  });

  it('a batch with a message that cannot be built queues nothing, and says which one', async () => {
    outbox = await open([account], async (req) => delivered(req));
    const bad = inputs(5);
    bad[3] = { ...bad[3]!, message: testMessage({ subject: 'Bad\r\nBcc: evil@example.com' }) };
    const r = await outbox.enqueueBatch(bad);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.detail?.fields).toEqual([{ path: 'inputs.3', problem: expect.any(String) }]);
    expect(outbox.list()).toEqual([]);
    expect(readdirSync(dir).filter((n) => n.endsWith('.eml'))).toEqual([]);
  });

  it('pause holds its waiting messages (also across a restart), resume sends them, cancel stops the rest', async () => {
    let release: () => void = () => {};
    let gate = new Promise<void>((r) => (release = r));
    const sent: string[] = [];
    const deliver: Deliver = async (req) => {
      await gate;
      await req.beforeTransmit();
      sent.push(req.job.id);
      return delivered(req);
    };
    outbox = await open([account], deliver);
    const r = await outbox.enqueueBatch(inputs(10));
    const batchId = r.ok ? r.value.batchId : '';
    await until(() => outbox!.batchProgress(batchId)!.sending === 2, 2000, 'two in flight');
    expect(await outbox.pauseBatch(batchId)).toMatchObject({ ok: true, value: { paused: true } });
    release();
    await until(() => outbox!.batchProgress(batchId)!.sent === 2, 2000, 'the two in flight to finish');
    await new Promise((r) => setTimeout(r, 100));
    expect(outbox.batchProgress(batchId)).toMatchObject({ sent: 2, waiting: 8, sending: 0, paused: true });

    // Paused across a restart.
    await outbox.close();
    gate = Promise.resolve();
    outbox = await open([account], deliver);
    await new Promise((r) => setTimeout(r, 100));
    expect(outbox.batchProgress(batchId)).toMatchObject({ sent: 2, waiting: 8, paused: true });

    gate = new Promise<void>((r) => (release = r));
    expect(await outbox.resumeBatch(batchId)).toMatchObject({ ok: true, value: { paused: false } });
    await until(() => outbox!.batchProgress(batchId)!.sending === 2, 2000, 'two in flight again');
    const cancelled = await outbox.cancelBatch(batchId);
    expect(cancelled).toMatchObject({ ok: true, value: { cancelled: 6, sending: 2 } });
    release();
    await until(() => outbox!.batchProgress(batchId)!.done, 2000, 'the batch to be done');
    expect(outbox.batchProgress(batchId)).toMatchObject({ sent: 4, cancelled: 6, done: true });
    expect(new Set(sent).size).toBe(4);
  });

  it('a batch whose enqueue never answered (its record missing) is removed at the next open, messages and all', async () => {
    outbox = await open([account], async (req) => delivered(req));
    const kept = await enqueue(account.id, 'single, kept', new Date(Date.now() + 60_000));
    const r = await outbox.enqueueBatch(inputs(3).map((i) => ({ ...i, sendAt: new Date(Date.now() + 60_000) })));
    expect(r.ok).toBe(true);
    await outbox.close();
    // As if the process died after the jobs were written and before the batch's record was.
    unlinkSync(join(dir, 'batches.state'));
    outbox = await open([account], async (req) => delivered(req));
    expect(outbox.list().map((j) => j.id)).toEqual([kept.id]);
    expect(readdirSync(dir).filter((n) => n.endsWith('.eml'))).toEqual([`${kept.id}.eml`]);
  });
});

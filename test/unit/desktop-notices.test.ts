/**
 * Desktop notifications: a message refused for some recipients and a bounce are notified like a
 * failure, and every notification names the outbox item a click opens.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appError, fail, ok } from '../../shared/result';
import type { DeliveryReportEntry } from '../../shared/outbox';
import { Outbox, type DeliveryOutcome, type OutboxJob, type OutboxOptions } from '../../src-main/services/outbox';
import { bounceNotice, failedNotice, partlyRefusedNotice, signInNotice } from '../../src-main/services/desktop-notices';
import { passwordCredential } from '../../src-main/services/credentials';
import { scriptedDeliver, testAccount, testMessage, until } from '../support/outbox-fixtures';

const job = (over: Partial<{ subject: string; to: string[]; refused: { address: string }[] }> = {}) => ({
  id: 'job-1',
  summary: { subject: over.subject ?? 'Plans', to: over.to ?? ['bob@mailwright.test', 'nobody@mailwright.test'] },
  refused: over.refused ?? [],
});

describe('notice words and targets', () => {
  it('a failure, a sign-in wait, a partial refusal and a bounce each open their outbox item', () => {
    for (const notice of [
      failedNotice(job()),
      signInNotice(job(), 'Work'),
      partlyRefusedNotice(job({ refused: [{ address: 'nobody@mailwright.test' }] })),
      bounceNotice(job(), [{ recipient: 'bob@mailwright.test' }]),
    ])
      expect(notice.target).toEqual({ kind: 'outbox', id: 'job-1' });
  });

  it('says how many got a partly refused message, and who did not', () => {
    const notice = partlyRefusedNotice(job({ refused: [{ address: 'nobody@mailwright.test' }] }));
    expect(notice.title).toBe('Message not delivered to everyone');
    expect(notice.body).toBe('“Plans” was sent to 1 of 2; the server refused nobody@mailwright.test. Click to see why.');
    const many = partlyRefusedNotice(job({ to: ['a@x.test', 'b@x.test', 'c@x.test', 'd@x.test'], refused: ['a@x.test', 'b@x.test', 'c@x.test'].map((address) => ({ address })) }));
    expect(many.body).toContain('sent to 1 of 4; the server refused a@x.test, b@x.test and 1 more');
  });

  it('names the bounced recipients once and a missing subject', () => {
    const notice = bounceNotice(job({ subject: '' }), [{ recipient: 'bob@mailwright.test' }, { recipient: 'bob@mailwright.test' }]);
    expect(notice).toMatchObject({ title: 'Message bounced', body: '“(no subject)” could not be delivered to bob@mailwright.test. Click to see the report.' });
  });
});

describe('the outbox tells about partial refusals and bounces', () => {
  let dir: string;
  let outbox: Outbox | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mailwright-notices-'));
  });
  afterEach(async () => {
    await outbox?.close();
    outbox = undefined;
    rmSync(dir, { recursive: true, force: true });
  });
  const account = testAccount(25, 'tls', 'password', 'alice');
  const open = (extra: Partial<OutboxOptions>) =>
    Outbox.open({
      dir,
      account: (id) => (id === account.id ? ok({ account, credentials: passwordCredential(account.smtp.username, 'pw') }) : fail('ACCOUNT_NOT_FOUND')),
      undoSeconds: 0,
      retry: { baseMs: 20, maxMs: 100, maxAttempts: 3, jitter: 0 },
      ...extra,
    });
  const enqueue = async (to: string[]) => {
    const r = await outbox!.enqueue({ accountId: account.id, message: testMessage({ to: to.map((address) => ({ address })) }), draft: null });
    if (!r.ok) throw new Error(r.error.code);
    return r.value;
  };

  it('calls onPartlyRefused once when a message is sent to some recipients only, never for a full delivery', async () => {
    const partial: DeliveryOutcome = {
      kind: 'delivered',
      reply: '250 ok',
      accepted: ['bob@mailwright.test'],
      refused: [{ address: 'nobody@mailwright.test', serverReply: '550 5.1.1 <nobody@mailwright.test>: Recipient address rejected' }],
      deferred: [],
    };
    const { deliver } = scriptedDeliver([partial]);
    const partly: OutboxJob[] = [];
    const failed: OutboxJob[] = [];
    outbox = await open({ deliver, onPartlyRefused: (j) => partly.push(j), onFailed: (j) => failed.push(j) });
    const first = await enqueue(['bob@mailwright.test', 'nobody@mailwright.test']);
    const second = await enqueue(['bob@mailwright.test']);
    await until(() => outbox!.list().filter((j) => j.state === 'sent').length === 2);
    expect(partly.map((j) => j.id)).toEqual([first.id]);
    expect(partly[0]!.refused.map((r) => r.address)).toEqual(['nobody@mailwright.test']);
    expect(failed).toEqual([]);
    expect(partly.map((j) => j.id)).not.toContain(second.id);
  });

  it('calls onBounced for a new failed delivery report, once per report, not for a delay notice', async () => {
    const { deliver } = scriptedDeliver();
    const bounced: Array<[string, string[]]> = [];
    outbox = await open({ deliver, onBounced: (j, entries) => bounced.push([j.id, entries.map((e) => e.recipient)]) });
    const sent = await enqueue(['bob@mailwright.test']);
    await until(() => outbox!.list().some((j) => j.id === sent.id && j.state === 'sent'));
    const entry = (action: DeliveryReportEntry['action'], n: number): DeliveryReportEntry => ({
      recipient: 'bob@mailwright.test',
      action,
      status: action === 'failed' ? '5.1.1' : '4.4.1',
      diagnostic: null,
      reportedAt: new Date().toISOString(),
      reportMessageId: `<report-${n}@mailwright.test>`,
      matchedBy: 'message-id',
    });
    await outbox.recordDeliveryReports(sent.id, [entry('delayed', 1)]);
    expect(bounced).toEqual([]);
    await outbox.recordDeliveryReports(sent.id, [entry('failed', 2)]);
    await outbox.recordDeliveryReports(sent.id, [entry('failed', 2)]);
    expect(bounced).toEqual([[sent.id, ['bob@mailwright.test']]]);
  });

  it('a listener that throws does not stop the outbox', async () => {
    const { deliver } = scriptedDeliver([{ kind: 'not-delivered', error: appError('MESSAGE_REFUSED', { responseCode: 554 }), temporary: false, refused: [], deferred: [] }]);
    outbox = await open({
      deliver,
      onFailed: () => {
        throw new Error('boom');
      },
    });
    const a = await enqueue(['bob@mailwright.test']);
    const b = await enqueue(['bob@mailwright.test']);
    await until(() => outbox!.list().find((j) => j.id === a.id)?.state === 'failed' && outbox!.list().find((j) => j.id === b.id)?.state === 'sent');
  });
});

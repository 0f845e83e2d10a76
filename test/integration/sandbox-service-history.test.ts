/**
 * The rehearsal mark in the outbox's compact history: a rehearsal that moved to the history is still
 * one there (outbox:history's items say so), is not a message bounce linking matches a report
 * against, and is not found by the sandbox's look-up as anything but its own account's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ok } from '../../shared/result';
import { Outbox } from '../../src-main/services/outbox';
import { passwordCredential } from '../../src-main/services/credentials';
import { jobRecord, scriptedDeliver, testAccount, until, writeJobFiles } from '../support/outbox-fixtures';

let dir: string;
let outbox: Outbox | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailwright-sandbox-history-'));
});
afterEach(async () => {
  await outbox?.close();
  outbox = undefined;
  rmSync(dir, { recursive: true, force: true });
});
const DAY = 24 * 3600_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

it('keeps the rehearsal mark in the history, and bounce linking never matches a rehearsal', async () => {
  const sent = { state: 'sent' as const, attempts: 1, accepted: ['bob@mailwright.test'], createdAt: ago(9 * DAY), updatedAt: ago(9 * DAY) };
  const rehearsal = jobRecord({ ...sent, rehearsal: true });
  const real = jobRecord(sent);
  const recentRehearsal = jobRecord({ ...sent, rehearsal: true, createdAt: ago(1000), updatedAt: ago(1000) });
  for (const job of [rehearsal, real, recentRehearsal]) writeJobFiles(dir, job);
  outbox = await Outbox.open({ dir, account: () => ok({ account: testAccount(25, 'none'), credentials: passwordCredential('', undefined) }), undoSeconds: 0, deliver: scriptedDeliver().deliver });
  await until(() => outbox!.list().length === 1, 5000, 'the old jobs to move to the history');
  expect(outbox.list()[0]).toMatchObject({ id: recentRehearsal.id, rehearsal: true });

  const entries = (await outbox.historyPage()).entries;
  expect(entries.find((e) => e.id === rehearsal.id)?.rehearsal).toBe(true);
  expect(entries.find((e) => e.id === real.id)?.rehearsal).toBeUndefined();
  // Only the real message is one a delivery report can be about.
  expect((await outbox.sentMessages(real.accountId, 0)).map((r) => r.jobId)).toEqual([real.id]);
  // The sandbox still finds each by its Message-ID, live or in the history.
  const origins = await outbox.messageOrigins([rehearsal.messageId, recentRehearsal.messageId, '<unknown@example.org>']);
  expect([...origins.keys()].sort()).toEqual([rehearsal.messageId, recentRehearsal.messageId].sort());
  expect(origins.get(rehearsal.messageId)).toEqual({ accountId: rehearsal.accountId });
});

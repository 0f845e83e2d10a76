/**
 * The merge channels through the backend the app builds (router, schemas, events): an account's
 * limits set and announced, a merge loaded, tested and started, its progress pushed as merge:progress,
 * its results exported through the save dialog, and every reply in its channel's shape.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { MergeRun } from '../../shared/merge/contract';
import type { Account } from '../../shared/model';
import { startBackend, type StartedBackend } from '../support/backend';
import { until } from '../support/outbox-fixtures';
import { serveSmtp, type TestSmtpServer } from '../support/outbox-smtp-server';

let dir: string | undefined;
let started: StartedBackend | undefined;
let server: TestSmtpServer | undefined;
afterEach(async () => {
  await started?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  started = undefined;
  server = undefined;
  dir = undefined;
});

it('a merge through the router: limits announced, test and real send, progress pushed, results exported', async () => {
  dir = mkdtempSync(join(tmpdir(), 'mailwright-merge-backend-'));
  server = await serveSmtp({ authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'] });
  const exportTo = join(dir, 'results.csv');
  const b = (started = await startBackend(join(dir, 'data'), { saveFile: async () => exportTo }));
  const account = await b.value<Account>('accounts:save', {
    account: { description: 'Club', email: 'club@mailwright.test', displayName: 'The Club', smtp: { host: '127.0.0.1', port: server.port, security: 'none', auth: 'none', username: '' }, incoming: null },
  });
  const limited = await b.value('accounts:setSendingLimits', { id: account.id, limits: { recipientsPerDay: null, messagesPerMinute: 60_000 } });
  expect(limited.sendingLimits).toEqual({ recipientsPerDay: null, messagesPerMinute: 60_000 });
  const announced = b.pushed.filter((p) => p.event === 'accounts:changed').at(-1)!.payload as Account[];
  expect(announced[0]!.sendingLimits).toEqual({ recipientsPerDay: null, messagesPerMinute: 60_000 });

  const csv = 'Name;Email\r\nAnn;ann@example.org\r\nBob;bob@example.org\r\n';
  const data = await b.value('merge:load', { source: { kind: 'file', name: 'club.csv', data: Buffer.from(csv).toString('base64') } });
  expect(data).toMatchObject({ delimiter: ';', addressColumn: 'Email', rowCount: 2 });
  const mapping = { addressColumn: 'Email' };
  const template = { accountId: account.id, to: '{{Email}}', subject: 'Hello {{Name}}', body: { mode: 'plain', html: '', text: 'Hi {{Name|there}}' } };
  expect(await b.value('merge:check', { mergeId: data.mergeId, mapping })).toEqual({ good: 2, leftOut: 0, left: [] });
  expect((await b.errorOf('merge:start', { mergeId: data.mergeId, mapping, template })).code).toBe('MERGE_NOT_TESTED');
  const test = await b.value('merge:test', { mergeId: data.mergeId, mapping, template, count: 1 });
  expect(test).toMatchObject({ test: true, total: 1, name: 'Test: club.csv: Hello {{Name}}' });
  const run = await b.value('merge:start', { mergeId: data.mergeId, mapping, template });
  const progress = () => b.pushed.filter((p) => p.event === 'merge:progress').map((p) => p.payload as MergeRun);
  await until(() => progress().some((p) => p.batchId === run.batchId && p.done && p.sent === 2), 10_000, 'the merge’s last progress');
  expect(progress().find((p) => p.batchId === run.batchId)).toMatchObject({ name: 'club.csv: Hello {{Name}}', accountId: account.id, test: false });
  expect(server.deliveries.map((d) => d.to[0]).sort()).toEqual(['ann@example.org', 'bob@example.org', 'club@mailwright.test']);

  const results = await b.value('merge:results', { batchId: run.batchId });
  expect(results.map((r) => [r.row, r.recipient, r.state])).toEqual([
    [2, 'ann@example.org', 'sent'],
    [3, 'bob@example.org', 'sent'],
  ]);
  expect((await b.value('merge:list', {})).map((r) => r.batchId)).toEqual([run.batchId, test.batchId]);
  expect(await b.value('merge:export', { batchId: run.batchId })).toEqual({ saved: true });
  expect(readFileSync(exportTo, 'utf8')).toContain('2,ann@example.org,Sent,250');
  expect(await b.value('merge:close', { mergeId: data.mergeId })).toEqual({ closed: true });
  expect(b.router.offSchema).toEqual([]);
});

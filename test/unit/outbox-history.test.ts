/**
 * The compact history: finished jobs older than a week leave the outbox folder and live on as one
 * line each; bounce linking still finds them, a later delivery report is still recorded, and a torn
 * line never loses the rest. Also the measured effect with 2,000 sent jobs (printed, not asserted).
 */
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeliveryReportEntry } from '../../shared/outbox';
import { ok } from '../../shared/result';
import { Outbox, type OutboxOptions } from '../../src-main/services/outbox';
import { jobRecord, journalState, scriptedDeliver, testAccount, until, writeJobFiles, writeJournalJob } from '../support/outbox-fixtures';
import { encodeRecord, JOURNAL_FILE } from '../../src-main/services/outbox/journal';
import { passwordCredential } from '../../src-main/services/credentials';

let dir: string;
let outbox: Outbox | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailwright-outbox-history-'));
});
afterEach(async () => {
  await outbox?.close();
  outbox = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const open = (extra: Partial<OutboxOptions> = {}) =>
  Outbox.open({ dir, account: () => ok({ account: testAccount(25, 'none'), credentials: passwordCredential('', undefined) }), undoSeconds: 0, deliver: scriptedDeliver().deliver, ...extra });
const DAY = 24 * 3600_000;
/** Every entry of the history, page by page. */
async function historyCount(o: Outbox): Promise<number> {
  let count = 0;
  let before: number | null = null;
  for (let pages = 0; pages < 1000; pages++) {
    const page: { entries: unknown[]; next: number | null } = await o.historyPage({ before, limit: 200 });
    count += page.entries.length;
    if (page.next === null) break;
    before = page.next;
  }
  return count;
}
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const report = (n: number): DeliveryReportEntry => ({
  recipient: 'bob@mailwright.test',
  action: 'failed',
  status: '5.1.1',
  diagnostic: '550 5.1.1 no such user',
  reportedAt: ago(0),
  reportMessageId: `<report-${n}@mailwright.test>`,
  matchedBy: 'message-id',
});

describe('the compact history', () => {
  it('moves finished jobs older than a week out of the folder; bounce linking and reports still find them', async () => {
    const oldSent = jobRecord({ state: 'sent', attempts: 1, accepted: ['bob@mailwright.test'], dsnOffered: true, createdAt: ago(9 * DAY), updatedAt: ago(9 * DAY) });
    const oldCancelled = jobRecord({ state: 'cancelled', createdAt: ago(10 * DAY), updatedAt: ago(10 * DAY) });
    const oldFailed = jobRecord({ state: 'failed', attempts: 8, createdAt: ago(10 * DAY), updatedAt: ago(10 * DAY) });
    const recentSent = jobRecord({ state: 'sent', attempts: 1, accepted: ['bob@mailwright.test'], createdAt: ago(DAY), updatedAt: ago(DAY) });
    for (const job of [oldSent, oldCancelled, oldFailed, recentSent]) writeJobFiles(dir, job);

    outbox = await open();
    // Moved just after open (the first list never waits for it).
    await until(() => outbox!.list().length === 2, 5000, 'the old finished jobs to move to the history');
    // The failed one waits for the person; the recent one stays in full.
    expect(outbox.list().map((j) => j.id).sort()).toEqual([oldFailed.id, recentSent.id].sort());
    for (const gone of [oldSent, oldCancelled]) for (const ext of ['json', 'eml', 'draft.json']) expect(existsSync(join(dir, `${gone.id}.${ext}`))).toBe(false);
    expect([...journalState(dir).jobs.keys()].sort()).toEqual([oldFailed.id, recentSent.id].sort());
    expect(existsSync(join(dir, `${recentSent.id}.eml`))).toBe(true);
    expect((await outbox.historyPage()).entries.map((e) => [e.id, e.state])).toEqual([
      [oldSent.id, 'sent'],
      [oldCancelled.id, 'cancelled'],
    ]);
    expect((await outbox.historyPage()).entries[0]).toMatchObject({ messageId: oldSent.messageId, envelopeId: oldSent.id, recipients: ['bob@mailwright.test'], subject: 'Hello', accepted: ['bob@mailwright.test'] });

    // Bounce linking sees both sent messages, the one in the history included.
    const refs = await outbox.sentMessages('acc', Date.now() - 60 * DAY);
    expect(refs.map((r) => r.jobId).sort()).toEqual([oldSent.id, recentSent.id].sort());
    expect(refs.find((r) => r.jobId === oldSent.id)).toEqual({ jobId: oldSent.id, messageId: oldSent.messageId, envelopeId: oldSent.id, recipients: ['bob@mailwright.test'], sentAt: oldSent.updatedAt });

    // A bounce that arrives later is recorded in the history, once, and survives a restart.
    expect((await outbox.recordDeliveryReports(oldSent.id, [report(1)])).ok).toBe(true);
    expect((await outbox.recordDeliveryReports(oldSent.id, [report(1)])).ok).toBe(true);
    await outbox.close();
    outbox = await open();
    expect((await outbox.historyPage()).entries.find((e) => e.id === oldSent.id)?.deliveryReports.map((r) => r.reportMessageId)).toEqual(['<report-1@mailwright.test>']);
    expect(outbox.list().map((j) => j.id).sort()).toEqual([oldFailed.id, recentSent.id].sort());
  });

  it('a torn or damaged line is skipped; the other entries and later appends are kept', async () => {
    const a = jobRecord({ state: 'sent', createdAt: ago(9 * DAY), updatedAt: ago(9 * DAY) });
    writeJournalJob(dir, a);
    outbox = await open();
    await outbox.close();
    appendFileSync(join(dir, 'history.jsonl'), '{"v":1,"id":"torn-by-a-cra');
    const b = jobRecord({ state: 'sent', createdAt: ago(8 * DAY), updatedAt: ago(8 * DAY) });
    writeJournalJob(dir, b);
    outbox = await open();
    expect((await outbox.historyPage()).entries.map((e) => e.id)).toEqual([b.id, a.id]);
    await outbox.close();
    outbox = await open();
    expect((await outbox.historyPage()).entries.map((e) => e.id)).toEqual([b.id, a.id]);
    expect(readFileSync(join(dir, 'history.jsonl'), 'utf8')).toContain('torn-by-a-cra');
  });
});

describe('measured: 2,000 sent jobs', () => {
  it('open time and list size before and after the history', async () => {
    const body = 'x'.repeat(2000);
    const eml = `From: alice@mailwright.test\r\nTo: bob@mailwright.test\r\nSubject: Hello\r\n\r\n${body}\r\n`;
    const lines: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const job = jobRecord({ state: 'sent', attempts: 1, accepted: ['bob@mailwright.test'], createdAt: ago(30 * DAY - i * 60_000), updatedAt: ago(30 * DAY - i * 60_000) });
      writeFileSync(join(dir, `${job.id}.eml`), eml);
      lines.push(encodeRecord({ t: 'add', job, draft: { n: job.id } }));
    }
    writeFileSync(join(dir, JOURNAL_FILE), lines.join(''), { mode: 0o600 });
    const size = () => readdirSync(dir).reduce((sum, n) => sum + statSync(join(dir, n)).size, 0);
    const measure = async (extra: Partial<OutboxOptions>) => {
      const t = performance.now();
      const o = await open(extra);
      const ms = performance.now() - t;
      const figures = { openMs: Math.round(ms), listed: o.list().length, listJsonBytes: JSON.stringify(o.list()).length, files: readdirSync(dir).length, folderBytes: size(), history: await historyCount(o) };
      await o.close();
      return figures;
    };
    const before = await measure({ historyAfterMs: Number.POSITIVE_INFINITY, liveFinished: Number.POSITIVE_INFINITY });
    const moving = await measure({});
    const after = await measure({});
    console.log(`outbox with 2,000 sent jobs\n  before (every job in full): ${JSON.stringify(before)}\n  first open with the history (moves them): ${JSON.stringify(moving)}\n  after: ${JSON.stringify(after)}`);
    // A message file per job and the journal; then the journal (now empty) and the history.
    expect(before).toMatchObject({ listed: 2000, files: 2001, history: 0 });
    expect(after).toMatchObject({ listed: 0, files: 2, history: 2000 });
    expect(after.folderBytes).toBeLessThan(before.folderBytes / 5);
  }, 60_000);
});

describe('paging, the live cap and retention', () => {
  const entryLine = (id: string, finishedAt: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ v: 1, id, accountId: 'acc', state: 'sent', messageId: `<${id}@x>`, envelopeId: null, recipients: ['bob@mailwright.test'], subject: `S ${id}`, to: ['bob@mailwright.test'], sizeBytes: 10, createdAt: finishedAt, finishedAt, attempts: 1, accepted: ['bob@mailwright.test'], refused: [], deliveryReports: [], ...extra });

  it('pages through the history newest first, each entry once, a re-appended one at its newest place', async () => {
    const lines = Array.from({ length: 450 }, (_, i) => entryLine(`e${i}`, ago((500 - i) * 60_000)));
    // e7 got a delivery report later: appended again at the end.
    lines.push(entryLine('e7', ago(493 * 60_000), { deliveryReports: [report(1)] }));
    writeFileSync(join(dir, 'history.jsonl'), lines.join('\n') + '\n');
    outbox = await open();
    const seen: string[] = [];
    let before: number | null = null;
    for (let i = 0; i < 10; i++) {
      const page: Awaited<ReturnType<Outbox['historyPage']>> = await outbox.historyPage({ before, limit: 100 });
      expect(page.entries.length).toBeLessThanOrEqual(100);
      seen.push(...page.entries.map((e) => e.id));
      if (page.next === null) break;
      before = page.next;
    }
    expect(seen[0]).toBe('e7');
    expect(seen.slice(1, 4)).toEqual(['e449', 'e448', 'e447']);
    // Every entry once, except e7 whose older line also surfaces on a later page (the list keeps ids it has).
    expect(new Set(seen).size).toBe(450);
    expect(seen.filter((id) => id === 'e7')).toHaveLength(2);
    const first = await outbox.historyPage({ limit: 100 });
    expect(first.entries.find((e) => e.id === 'e7')?.deliveryReports).toHaveLength(1);
  });

  it('a batch’s thousands leave the live list for the history soon after, newest 100 kept live', async () => {
    outbox = await open({ liveFinished: 100 });
    const account = testAccount(25, 'none');
    const r = await outbox.enqueueBatch(Array.from({ length: 450 }, (_, i) => ({ accountId: account.id, message: { from: { name: '', address: 'alice@mailwright.test' }, to: [{ address: 'bob@mailwright.test' }], cc: [], bcc: [], subject: `Row ${i}`, text: 'Hi\n' }, draft: null })));
    expect(r.ok).toBe(true);
    const batchId = r.ok ? r.value.batchId : '';
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !(outbox.batchProgress(batchId)?.done && outbox.list().length <= 100)) await new Promise((res) => setTimeout(res, 50));
    expect(outbox.list().length).toBe(100);
    expect(await historyCount(outbox)).toBe(350);
    // The batch still counts every message, those in the history included.
    expect(outbox.batchProgress(batchId)).toMatchObject({ total: 450, sent: 450, done: true });
  }, 30_000);

  it('the retention setting drops older entries; a damaged line stops the pruning rather than being lost', async () => {
    writeFileSync(join(dir, 'history.jsonl'), [entryLine('old', ago(40 * DAY)), entryLine('mid', ago(20 * DAY)), entryLine('new', ago(DAY))].join('\n') + '\n');
    outbox = await open({ historyRetentionDays: () => 30 });
    // Applied once the history has been read, after open (opening never waits for all of it).
    for (let i = 0; i < 200 && readFileSync(join(dir, 'history.jsonl'), 'utf8').includes('"old"'); i++) await new Promise((r) => setTimeout(r, 10));
    expect((await outbox.historyPage()).entries.map((e) => e.id)).toEqual(['new', 'mid']);
    expect(readFileSync(join(dir, 'history.jsonl'), 'utf8')).not.toContain('"old"');
    await outbox.close();

    appendFileSync(join(dir, 'history.jsonl'), '{"v":1,"id":"damag\n');
    outbox = await open({ historyRetentionDays: () => 10 });
    await new Promise((r) => setTimeout(r, 200));
    // Not pruned: the damaged line and everything else are still there.
    expect(readFileSync(join(dir, 'history.jsonl'), 'utf8')).toContain('"mid"');
    expect(readFileSync(join(dir, 'history.jsonl'), 'utf8')).toContain('{"v":1,"id":"damag');
  });
});

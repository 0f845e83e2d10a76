/**
 * Mail merge in main (src-main/services/merge/service.ts) against a real outbox in a temporary folder
 * and an in-process SMTP server on 127.0.0.1: the data read and checked, template errors in the
 * person's terms, the preview of one row, the test-first and unsubscribe gates, the pace, per-row
 * results (sent, refused, failed, bounced) also once finished messages moved to the history, retry,
 * export, and what survives reopening.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MergeMapping, MergeRun, MergeTemplate } from '../../shared/merge/contract';
import { fail, ok, type Result } from '../../shared/result';
import type { StoredAccount } from '../../shared/model';
import { passwordCredential } from '../../src-main/services/credentials';
import { createDataNotices, type DataNotices } from '../../src-main/services/data-notices';
import { silentLogger } from '../../src-main/services/logger';
import { MERGES_FILE, openMergeService, type MergeService } from '../../src-main/services/merge/service';
import { Outbox, type BatchProgress } from '../../src-main/services/outbox';
import { testAccount, until } from '../support/outbox-fixtures';
import { serveSmtp, smtpError, type ServeOptions, type TestSmtpServer } from '../support/outbox-smtp-server';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'mailwright-merge-service-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

interface Harness {
  folder: string;
  server: TestSmtpServer;
  account: StoredAccount;
  outbox: Outbox;
  merge: MergeService;
  notices: DataNotices;
  progress: BatchProgress[];
  save: { path: string | null; asked: Array<{ name: string; title: string | undefined }> };
  /** Closes the outbox and opens it and the merge service again on the same folder (a restart). */
  reopen(): Promise<void>;
}

/** Fast limits unless a test sets its own: the pace is tested on its own. */
const FAST = { recipientsPerDay: null, messagesPerMinute: 60_000 };

async function harness(options: { smtp?: ServeOptions; account?: Partial<StoredAccount>; liveFinished?: number } = {}): Promise<Harness> {
  const folder = mkdtempSync(join(root, 'h-'));
  const server = await serveSmtp({ authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], ...options.smtp });
  cleanup.push(() => server.close());
  const account: StoredAccount = { ...testAccount(server.port, 'none', 'none'), sendingLimits: FAST, ...options.account };
  const progress: BatchProgress[] = [];
  const notices = createDataNotices({ dataDir: folder });
  const save: Harness['save'] = { path: join(folder, 'results.csv'), asked: [] };
  const open = async () => {
    const outbox = await Outbox.open({
      dir: join(folder, 'outbox'),
      undoSeconds: 0,
      retry: { baseMs: 50, maxMs: 200, maxAttempts: 1, jitter: 0 },
      closeGraceMs: 100,
      smtp: { timeouts: { connectMs: 3000, greetingMs: 3000, socketMs: 3000 } },
      account: (id) => (id === account.id ? ok({ account, credentials: passwordCredential('', undefined) }) : fail('ACCOUNT_NOT_FOUND')),
      onBatchProgress: (p) => progress.push(p),
      ...(options.liveFinished !== undefined ? { liveFinished: options.liveFinished } : {}),
    });
    const merge = await openMergeService({
      dataDir: folder,
      outbox,
      accounts: { get: (id) => (id === account.id ? account : undefined) },
      tmpDir: join(folder, 'tmp'),
      saveFile: async (name, title) => {
        save.asked.push({ name, title });
        return save.path;
      },
      notices,
      logger: silentLogger,
    });
    return { outbox, merge };
  };
  const h: Harness = { folder, server, account, notices, progress, save, ...(await open()), reopen: async () => undefined };
  h.reopen = async () => {
    await h.outbox.close();
    Object.assign(h, await open());
  };
  cleanup.push(() => h.outbox.close());
  return h;
}

const must = <T>(r: Result<T>): T => {
  if (!r.ok) throw new Error(`failed: ${JSON.stringify(r.error)}`);
  return r.value;
};
const csvSource = (text: string, name = 'members.csv') => ({ kind: 'file' as const, name, data: Buffer.from(text, 'utf8').toString('base64') });
const mapping: MergeMapping = { addressColumn: 'Email', required: [] };
const templateFor = (account: StoredAccount, over: Partial<MergeTemplate> = {}): MergeTemplate => ({
  accountId: account.id,
  identityId: '',
  to: '{{Name}} <{{Email}}>',
  cc: '',
  subject: 'Your code {{Code}}',
  body: { mode: 'rich', html: '<p>Dear {{Name}},</p><p>your code is <b>{{Code}}</b>.</p>', text: 'Dear {{Name}},\nyour code is {{Code}}.\n' },
  ...over,
});
const subjectOf = (raw: Buffer) => /^Subject: (.*)$/m.exec(raw.toString('utf8'))?.[1]?.trim();

const MEMBERS = ['Name,Email,Code', 'Ann,ann@example.org,A1', 'Bob,not-an-address,B2', '"<script>alert(1)</script>",cid@example.org,C3', 'Ann again,ANN@example.org,A4'].join('\r\n');

async function settledRun(h: Harness, batchId: string, timeoutMs = 10_000): Promise<MergeRun> {
  await until(() => h.merge.list().find((r) => r.batchId === batchId)?.done === true, timeoutMs, 'the merge to finish');
  return h.merge.list().find((r) => r.batchId === batchId)!;
}

describe('data, mapping and template', () => {
  it('reads the data, guesses the address column, and leaves out a bad address and a duplicate with the reason', async () => {
    const h = await harness();
    const data = must(await h.merge.load(csvSource(MEMBERS)));
    expect(data).toMatchObject({ source: 'members.csv', encoding: 'utf-8', delimiter: ',', columns: ['Name', 'Email', 'Code'], rowCount: 4, ragged: [], addressColumn: 'Email' });
    expect(data.sample).toHaveLength(4);
    const check = must(await h.merge.check(data.mergeId, mapping));
    expect(check.good).toBe(2);
    expect(check.leftOut).toBe(2);
    expect(check.left).toEqual([
      { row: 3, problems: [expect.objectContaining({ kind: 'bad-address' })] },
      { row: 5, problems: [{ kind: 'duplicate', firstRow: 2 }] },
    ]);
    // A column the data does not have is named.
    const unknown = await h.merge.check(data.mergeId, { addressColumn: 'Mail', required: ['Code'] });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'MERGE_COLUMN_UNKNOWN', detail: { fields: [{ path: 'mapping', problem: 'Mail' }] } } });
    // Pasted rows (tab-separated), and data that is no table.
    const pasted = must(await h.merge.load({ kind: 'paste', text: 'Email\tName\nzoe@example.org\tZoe\n' }));
    expect(pasted).toMatchObject({ source: 'Pasted rows', delimiter: '\t', rowCount: 1, addressColumn: 'Email' });
    expect(await h.merge.load({ kind: 'paste', text: 'Name,Email\n' })).toMatchObject({ ok: false, error: { code: 'MERGE_DATA_UNREADABLE' } });
    expect(await h.merge.check('8c6c2f0e-8a36-4b3c-9a55-7a3f6f1d0b11', mapping)).toMatchObject({ ok: false, error: { code: 'MERGE_NOT_FOUND' } });
    // Closed: forgotten.
    expect(h.merge.close(pasted.mergeId)).toEqual({ closed: true });
    expect(await h.merge.check(pasted.mergeId, mapping)).toMatchObject({ ok: false, error: { code: 'MERGE_NOT_FOUND' } });
  });

  it('data that is no text, too many rows, and the ninth merge opened forgets the oldest', async () => {
    const h = await harness();
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    expect(await h.merge.load({ kind: 'file', name: 'photo.csv', data: png.toString('base64') })).toMatchObject({ ok: false, error: { code: 'MERGE_DATA_UNREADABLE' } });
    const many = ['Email', ...Array.from({ length: 50_001 }, (_, i) => `m${i}@example.org`)].join('\n');
    expect(await h.merge.load({ kind: 'paste', text: many })).toMatchObject({ ok: false, error: { code: 'MERGE_TOO_MANY_ROWS' } });
    const ids: string[] = [];
    for (let i = 0; i < 9; i++) ids.push(must(await h.merge.load({ kind: 'paste', text: `Email\nm${i}@example.org\n` })).mergeId);
    expect(await h.merge.check(ids[0]!, mapping)).toMatchObject({ ok: false, error: { code: 'MERGE_NOT_FOUND' } });
    for (const id of ids.slice(1)) expect(must(await h.merge.check(id, mapping)).good).toBe(1);
  });

  it('a template mistake is named by its part and the text near it; a field that is no column is named', async () => {
    const h = await harness();
    const { mergeId } = must(await h.merge.load(csvSource(MEMBERS)));
    const broken = await h.merge.review(mergeId, mapping, templateFor(h.account, { subject: 'Hello {{Name}' }));
    expect(broken).toMatchObject({ ok: false, error: { code: 'MERGE_TEMPLATE_INVALID', detail: { fields: [{ path: 'subject', problem: expect.stringContaining('{{Name}') }] } } });
    const unclosed = await h.merge.preview(mergeId, mapping, templateFor(h.account, { body: { mode: 'plain', html: '', text: '{{#if Code}}yes' } }), 0);
    expect(unclosed).toMatchObject({ ok: false, error: { code: 'MERGE_TEMPLATE_INVALID', detail: { fields: [{ path: 'body' }] } } });
    const typo = await h.merge.plan(mergeId, mapping, templateFor(h.account, { body: { mode: 'plain', html: '', text: 'Dear {{Nmae}}' } }));
    expect(typo).toMatchObject({ ok: false, error: { code: 'MERGE_COLUMN_UNKNOWN', detail: { fields: [{ path: 'body', problem: 'Nmae' }] } } });
  });

  it('the preview of a row shows that row’s values only, escaped in the HTML; review lists the rows with warnings', async () => {
    const h = await harness();
    const { mergeId } = must(await h.merge.load(csvSource(MEMBERS)));
    const template = templateFor(h.account, { unsubscribe: { https: 'https://club.example.org/u' } });
    // Index 1 among the rows to send: file row 4 (rows 3 and 5 are left out).
    const p = must(await h.merge.preview(mergeId, mapping, template, 1));
    expect(p).toMatchObject({ index: 1, total: 2, row: 4, from: 'Alice <alice@mailwright.test>', to: ['<script>alert(1)</script> <cid@example.org>'], cc: [], subject: 'Your code C3', sendable: true, warnings: [] });
    expect(p.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(p.html).not.toContain('<script>');
    expect(p.html).toContain('unsubscribe: <a href="https://club.example.org/u">');
    expect(p.text).toContain('your code is C3.');
    expect(p.text).toContain('To stop receiving these messages, unsubscribe: https://club.example.org/u');
    expect(`${p.text}${p.html}${p.subject}${p.to.join()}`).not.toMatch(/Ann|A1|ann@/);
    expect(p.sizeBytes).toBeGreaterThan(200);
    expect(await h.merge.preview(mergeId, mapping, template, 2)).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    // A row whose Cc comes out as no address has a warning that stops it; an empty field only warns.
    const withCc = templateFor(h.account, { cc: '{{Code}}', subject: 'Hi {{Name}}' });
    const review = must(await h.merge.review(mergeId, mapping, withCc));
    expect(review).toMatchObject({ total: 2, sendable: 0, withWarnings: 2 });
    expect(review.rows.map((r) => [r.row, r.warnings.map((w) => w.kind)])).toEqual([
      [2, ['bad-address']],
      [4, ['bad-address']],
    ]);
    // A To that does not name the row's own address would send every row to the same people: stopped.
    const fixed = must(await h.merge.review(mergeId, mapping, templateFor(h.account, { to: 'board@example.org' })));
    expect(fixed).toMatchObject({ total: 2, sendable: 0, withWarnings: 2 });
    expect(fixed.rows[0]!.warnings).toEqual([{ kind: 'bad-address', field: 'to', text: 'board@example.org', message: expect.stringContaining('(ann@example.org)') }]);
    expect(must(await h.merge.review(mergeId, mapping, templateFor(h.account, { to: 'board@example.org', cc: '{{Email}}' }))).sendable).toBe(2);
    const stopped = must(await h.merge.preview(mergeId, mapping, withCc, 0));
    expect(stopped).toMatchObject({ sendable: false, subject: 'Hi Ann', to: ['Ann <ann@example.org>'] });
    expect(stopped.sizeBytes).toBeUndefined();
  });
});

describe('the main process stays responsive', () => {
  it('building thousands of rows lets the event loop turn while it works (IPC and sending are not held)', async () => {
    const h = await harness();
    const rows = ['Name,Email,Code', ...Array.from({ length: 6000 }, (_, i) => `N${i},n${i}@example.org,C${i}`)].join('\n');
    const { mergeId } = must(await h.merge.load({ kind: 'paste', text: rows }));
    must(await h.merge.check(mergeId, mapping));
    // A timer due at once fires only when the event loop turns: building every row in one go never lets it.
    let turns = 0;
    let timer: NodeJS.Timeout;
    const tick = () => {
      turns++;
      timer = setTimeout(tick, 0);
    };
    timer = setTimeout(tick, 0);
    const review = must(await h.merge.review(mergeId, mapping, templateFor(h.account)));
    clearTimeout(timer!);
    expect(review).toMatchObject({ total: 6000, sendable: 6000 });
    expect(turns).toBeGreaterThan(3);
  });
});

describe('the server’s SIZE', () => {
  it('once the server said its SIZE, a row whose message is larger is flagged too large and not sent', async () => {
    const h = await harness({ smtp: { size: 20_000 } });
    const big = join(h.folder, 'big.bin');
    writeFileSync(big, Buffer.alloc(30_000, 7));
    const small = join(h.folder, 'small.txt');
    writeFileSync(small, 'hello');
    const csv = ['Name,Email,Code,Files', `Ann,ann@example.org,A1,${small}`, `Cid,cid@example.org,C3,${big}`].join('\n');
    const { mergeId } = must(await h.merge.load(csvSource(csv)));
    const template = templateFor(h.account, { attachmentColumn: 'Files' });
    // Not known before the server took a message of this account.
    expect(must(await h.merge.review(mergeId, mapping, template))).toMatchObject({ sendable: 2, withWarnings: 0 });
    // The files the data names on this computer are said before the real send.
    expect(must(await h.merge.plan(mergeId, mapping, template)).attachments).toEqual({ files: 2, folders: [h.folder], moreFolders: 0 });
    expect(must(await h.merge.plan(mergeId, mapping, templateFor(h.account))).attachments).toEqual({ files: 0, folders: [], moreFolders: 0 });
    const test = must(await h.merge.test(mergeId, mapping, template, 1));
    await settledRun(h, test.batchId);
    const review = must(await h.merge.review(mergeId, mapping, template));
    expect(review).toMatchObject({ total: 2, sendable: 1, withWarnings: 1 });
    expect(review.rows).toEqual([{ index: 1, row: 3, warnings: [{ kind: 'too-large', sizeBytes: expect.any(Number), limitBytes: 20_000 }] }]);
    expect(review.rows[0]!.warnings[0]).toMatchObject({ sizeBytes: expect.toSatisfy((n: number) => n > 40_000) });
    const preview = must(await h.merge.preview(mergeId, mapping, template, 1));
    expect(preview).toMatchObject({ sendable: false, attachments: [{ name: 'big.bin', size: 30_000 }] });
    const run = must(await h.merge.start(mergeId, mapping, template, false));
    expect(run.total).toBe(1);
  });
});

describe('test first, then the real send', () => {
  it('the real send is refused until a test of this very template went to the person’s own address, with [Row N] subjects', async () => {
    const h = await harness();
    const { mergeId } = must(await h.merge.load(csvSource(MEMBERS)));
    const template = templateFor(h.account);
    expect(await h.merge.start(mergeId, mapping, template, false)).toMatchObject({ ok: false, error: { code: 'MERGE_NOT_TESTED' } });
    expect(must(await h.merge.plan(mergeId, mapping, template)).tested).toBe(false);

    const test = must(await h.merge.test(mergeId, mapping, template, 3));
    expect(test).toMatchObject({ test: true, total: 2, name: 'Test: members.csv: Your code {{Code}}', accountId: h.account.id });
    await settledRun(h, test.batchId);
    expect(h.server.deliveries.map((d) => d.to)).toEqual([['alice@mailwright.test'], ['alice@mailwright.test']]);
    expect(h.server.deliveries.map((d) => subjectOf(d.raw)).sort()).toEqual(['[Row 2] Your code A1', '[Row 4] Your code C3']);
    for (const d of h.server.deliveries) expect(d.raw.toString('utf8')).not.toMatch(/^Cc:/m);
    // The progress event carries the merge as the view shows it.
    await until(() => h.progress.some((p) => p.batchId === test.batchId && p.done && p.sent === 2), 3000, 'the progress report of the end');

    // Another template is not the one tested.
    expect(await h.merge.start(mergeId, mapping, { ...template, subject: 'Changed {{Code}}' }, false)).toMatchObject({ ok: false, error: { code: 'MERGE_NOT_TESTED' } });
    expect(must(await h.merge.plan(mergeId, mapping, template)).tested).toBe(true);
    const run = must(await h.merge.start(mergeId, mapping, template, false));
    expect(run).toMatchObject({ test: false, total: 2 });
    await settledRun(h, run.batchId);
    const real = h.server.deliveries.slice(2);
    expect(real.map((d) => d.to[0]).sort()).toEqual(['ann@example.org', 'cid@example.org']);
    const ann = await simpleParser(real.find((d) => d.to[0] === 'ann@example.org')!.raw);
    expect(ann.subject).toBe('Your code A1');
    expect(ann.text).toContain('Dear Ann,');
    expect(ann.text).not.toContain('C3');
    // Both merges are listed, newest first, with their records.
    expect(h.merge.list().map((r) => [r.batchId, r.test, r.sent])).toEqual([
      [run.batchId, false, 2],
      [test.batchId, true, 2],
    ]);
  });

  it('asked twice at once (a double click), the real send goes once and both answers name the same merge', async () => {
    const h = await harness();
    const { mergeId } = must(await h.merge.load(csvSource(MEMBERS)));
    const template = templateFor(h.account);
    const test = must(await h.merge.test(mergeId, mapping, template, 1));
    await settledRun(h, test.batchId);
    const [a, b] = await Promise.all([h.merge.start(mergeId, mapping, template, false), h.merge.start(mergeId, mapping, template, false)]);
    expect(must(a).batchId).toBe(must(b).batchId);
    await settledRun(h, must(a).batchId);
    expect(must(await h.merge.start(mergeId, mapping, template, false)).batchId).toBe(must(a).batchId);
    expect(h.server.deliveries.map((d) => d.to[0]).sort()).toEqual(['alice@mailwright.test', 'ann@example.org', 'cid@example.org']);
    expect(h.merge.list()).toHaveLength(2);
  });

  it('a merge over the threshold without unsubscribe asks once; with unsubscribe every message carries the headers and the line', async () => {
    const h = await harness();
    const rows = Array.from({ length: 101 }, (_, i) => `Member ${i},m${i}@example.org,C${i}`);
    const { mergeId } = must(await h.merge.load(csvSource(['Name,Email,Code', ...rows].join('\n'))));
    const bare = templateFor(h.account);
    const plan = must(await h.merge.plan(mergeId, mapping, bare));
    expect(plan).toMatchObject({ count: 101, askUnsubscribe: true, limitsFrom: 'account' });
    must(await h.merge.test(mergeId, mapping, bare, 1));
    expect(await h.merge.start(mergeId, mapping, bare, false)).toMatchObject({ ok: false, error: { code: 'MERGE_UNSUBSCRIBE_MISSING' } });
    const asked = must(await h.merge.start(mergeId, mapping, bare, true));
    expect(asked.total).toBe(101);
    must(await h.merge.cancel(asked.batchId));

    const withLink = templateFor(h.account, { subject: 'Linked {{Code}}', unsubscribe: { https: 'https://club.example.org/u', mailto: 'leave@club.example.org' } });
    expect(must(await h.merge.plan(mergeId, mapping, withLink)).askUnsubscribe).toBe(false);
    const test = must(await h.merge.test(mergeId, mapping, withLink, 1));
    await settledRun(h, test.batchId);
    // Some of the cancelled merge may have gone meanwhile: the test is found by its subject.
    const delivery = h.server.deliveries.find((d) => subjectOf(d.raw) === '[Row 2] Linked C0')!;
    const raw = delivery.raw.toString('utf8');
    expect(raw.replace(/\r\n\s+/g, ' ')).toContain('List-Unsubscribe: <mailto:leave@club.example.org?subject=unsubscribe>, <https://club.example.org/u>');
    expect(raw).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    const parsed = await simpleParser(delivery.raw);
    expect(parsed.text).toContain('To stop receiving these messages, unsubscribe: https://club.example.org/u');
    expect(parsed.html).toContain('<a href="https://club.example.org/u">');
  });
});

describe('inline images', () => {
  it('an image pasted into the body goes as a cid: part of every message, and its temporary copy is removed', async () => {
    const h = await harness();
    const { mergeId } = must(await h.merge.load(csvSource(MEMBERS)));
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
    const template = templateFor(h.account, { body: { mode: 'rich', html: `<p>Dear {{Name}}</p><img alt="logo" src="data:image/png;base64,${png}">`, text: 'Dear {{Name}}' } });
    const test = must(await h.merge.test(mergeId, mapping, template, 2));
    await settledRun(h, test.batchId);
    for (const d of h.server.deliveries) {
      const parsed = await simpleParser(d.raw);
      const image = parsed.attachments.find((a) => a.contentType === 'image/png')!;
      expect(image.content.toString('base64')).toBe(png);
      // The HTML part refers to the part (mailparser turns it back into a data: URL when it reads it).
      expect(image.cid).toMatch(/@mailwright\.test$/);
      expect(d.raw.toString('utf8')).not.toContain('data:image');
      expect(parsed.html).toContain('<img alt="logo" src="data:image/png;base64,');
    }
    expect(existsSync(join(h.folder, 'tmp')) ? readdirSync(join(h.folder, 'tmp')) : []).toEqual([]);
  });
});

describe('pace', () => {
  it('follows the account’s own limits: 2 a minute spreads 3 messages over a minute, and they wait', async () => {
    const h = await harness({ account: { sendingLimits: { recipientsPerDay: 1000, messagesPerMinute: 2 } } });
    const { mergeId } = must(await h.merge.load(csvSource('Name,Email,Code\nA,a@example.org,1\nB,b@example.org,2\nC,c@example.org,3\n')));
    const template = templateFor(h.account);
    const plan = must(await h.merge.plan(mergeId, mapping, template));
    expect(plan).toMatchObject({ count: 3, limits: { recipientsPerDay: 1000, messagesPerMinute: 2 }, limitsFrom: 'account', days: 1, firstDay: 3, sentLastDay: 0 });
    expect(Date.parse(plan.finishesAt) - Date.parse(plan.startsAt)).toBe(60_000);
    // No limits of its own, a host the data does not know: Mailwright's default.
    const plain = await harness({ account: { sendingLimits: undefined } });
    const { mergeId: other } = must(await plain.merge.load(csvSource('Name,Email,Code\nA,a@example.org,1\n')));
    expect(must(await plain.merge.plan(other, mapping, templateFor(plain.account)))).toMatchObject({ limitsFrom: 'default', provider: null });

    must(await h.merge.test(mergeId, mapping, template, 1));
    await until(() => h.server.deliveries.length === 1, 5000, 'the test');
    const run = must(await h.merge.start(mergeId, mapping, template, false));
    expect(Date.parse(run.finishesAt!) - Date.parse(run.createdAt)).toBeGreaterThanOrEqual(59_000);
    // The first goes at once, the others wait for their turn.
    await until(() => h.merge.list().find((r) => r.batchId === run.batchId)?.sent === 1, 5000, 'the first of the merge');
    const results = must(await h.merge.results(run.batchId));
    expect(results.map((r) => [r.row, r.state])).toEqual([
      [2, 'sent'],
      [3, 'waiting'],
      [4, 'waiting'],
    ]);
    const gaps = [results[1]!.at, results[2]!.at].map((at) => Date.parse(at) - Date.parse(results[0]!.at));
    expect(gaps[0]).toBeGreaterThanOrEqual(29_000);
    expect(gaps[1]).toBeGreaterThanOrEqual(59_000);
  });

  it('a paused merge stays paused across reopening the outbox, with its name', async () => {
    const h = await harness({ account: { sendingLimits: { recipientsPerDay: null, messagesPerMinute: 1 } } });
    const { mergeId } = must(await h.merge.load(csvSource('Name,Email,Code\nA,a@example.org,1\nB,b@example.org,2\nC,c@example.org,3\n')));
    const template = templateFor(h.account);
    must(await h.merge.test(mergeId, mapping, template, 1));
    const run = must(await h.merge.start(mergeId, mapping, template, false));
    // The first goes at once; the others wait a minute each.
    await until(() => h.merge.list().find((r) => r.batchId === run.batchId)?.sent === 1, 5000, 'the first of the merge');
    const paused = must(await h.merge.pause(run.batchId));
    expect(paused.paused).toBe(true);
    await h.reopen();
    const listed = h.merge.list().find((r) => r.batchId === run.batchId)!;
    expect(listed).toMatchObject({ paused: true, name: 'members.csv: Your code {{Code}}', test: false, finishesAt: run.finishesAt, accountId: h.account.id });
    expect(listed).toMatchObject({ sent: 1, waiting: 2 });
    const resumed = must(await h.merge.resume(run.batchId));
    expect(resumed.paused).toBe(false);
    must(await h.merge.cancel(run.batchId));
    expect(h.merge.list().find((r) => r.batchId === run.batchId)!.done).toBe(true);
  });
});

describe('pace after a pause', () => {
  it('a merge resumed after its rows fell due keeps its pace: the rows the pause held do not all go at once', async () => {
    // 10 a second: the pause below holds rows that fall due while it lasts.
    const h = await harness({ account: { sendingLimits: { recipientsPerDay: null, messagesPerMinute: 600 } } });
    const rows = ['Name,Email,Code', ...Array.from({ length: 6 }, (_, i) => `N${i},n${i}@example.org,C${i}`)].join('\n');
    const { mergeId } = must(await h.merge.load(csvSource(rows)));
    const template = templateFor(h.account);
    must(await h.merge.test(mergeId, mapping, template, 1));
    await until(() => h.server.deliveries.length === 1, 5000, 'the test');
    const run = must(await h.merge.start(mergeId, mapping, template, false));
    must(await h.merge.pause(run.batchId));
    // Every row is due now; meanwhile the account's limit became 1 a minute.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    h.account.sendingLimits = { recipientsPerDay: null, messagesPerMinute: 1 };
    const held = h.merge.list().find((r) => r.batchId === run.batchId)!;
    expect(held.waiting).toBeGreaterThanOrEqual(2);
    const sentAtResume = held.sent;
    must(await h.merge.resume(run.batchId));
    await until(() => h.merge.list().find((r) => r.batchId === run.batchId)!.sent === sentAtResume + 1, 5000, 'the first row after the pause');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // One went at once; the others wait a minute apart, as the new plan says.
    expect(h.merge.list().find((r) => r.batchId === run.batchId)!.sent).toBe(sentAtResume + 1);
    const waiting = must(await h.merge.results(run.batchId)).filter((r) => r.state === 'waiting');
    expect(waiting.length).toBe(held.waiting - 1);
    const times = waiting.map((r) => Date.parse(r.at)).sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(59_000);
    must(await h.merge.cancel(run.batchId));
  });
});

describe('results', () => {
  it('names each row’s outcome: sent with the reply, refused with the server’s words, failed, bounced; retries the failed; exports CSV', async () => {
    let refusedOnce = false;
    const h = await harness({
      smtp: {
        onRcptTo(address, _session, cb) {
          if (address.address === 'gone@example.org') return cb(smtpError(550, '5.1.1 <gone@example.org>: Recipient address rejected'));
          cb();
        },
        onMessage(delivery) {
          if (delivery.to.includes('flaky@example.org') && !refusedOnce) {
            refusedOnce = true;
            return smtpError(554, '5.7.1 Message rejected for policy reasons');
          }
          return undefined;
        },
      },
    });
    const csv = ['Name,Email,Code', 'Ann,ann@example.org,A1', 'Gone,gone@example.org,G2', 'Flaky,flaky@example.org,F3', '=HYPERLINK("http://x"),=1+2@example.org,-4'].join('\n');
    const { mergeId } = must(await h.merge.load(csvSource(csv)));
    const template = templateFor(h.account);
    must(await h.merge.test(mergeId, mapping, template, 1));
    const run = must(await h.merge.start(mergeId, mapping, template, false));
    const settled = await settledRun(h, run.batchId);
    expect(settled).toMatchObject({ total: 4, sent: 2, failed: 2 });
    const results = must(await h.merge.results(run.batchId));
    expect(results.map((r) => [r.row, r.recipient, r.state])).toEqual([
      [2, 'ann@example.org', 'sent'],
      [3, 'gone@example.org', 'refused'],
      [4, 'flaky@example.org', 'failed'],
      [5, '=1+2@example.org', 'sent'],
    ]);
    expect(results[0]!.reply).toMatch(/^250/);
    expect(results[1]!.reply).toContain('Recipient address rejected');
    expect(results[2]!.error).toMatchObject({ detail: { serverReply: expect.stringContaining('rejected for policy reasons') } });

    // A bounce linked later turns a sent row into 'bounced' with the diagnostic.
    must(
      await h.outbox.recordDeliveryReports(results[0]!.jobId, [
        { recipient: 'ann@example.org', action: 'failed', status: '5.2.2', diagnostic: '552 5.2.2 Mailbox full', reportedAt: new Date().toISOString(), reportMessageId: '<r1@example.org>', matchedBy: 'envelope-id' },
      ]),
    );
    expect(must(await h.merge.results(run.batchId))[0]).toMatchObject({ state: 'bounced', reply: '552 5.2.2 Mailbox full' });
    expect(h.merge.list().find((r) => r.batchId === run.batchId)!.bounced).toBe(1);

    // Export: every row, the formula guard on values a spreadsheet would run.
    expect(must(await h.merge.export(run.batchId))).toEqual({ saved: true });
    expect(h.save.asked).toEqual([{ name: 'members.csv Your code {{Code}} results.csv', title: 'Save the merge results' }]);
    const text = readFileSync(h.save.path!, 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const lines = text.slice(1).trim().split('\r\n');
    expect(lines[0]).toBe('Row,Recipient,Result,Server reply,Error');
    expect(lines[1]).toBe('2,ann@example.org,Bounced,552 5.2.2 Mailbox full,');
    expect(lines[2]).toMatch(/^3,gone@example\.org,Refused,"?550/);
    expect(lines[3]).toMatch(/^4,flaky@example\.org,Failed,.*rejected for policy reasons/);
    expect(lines[4]).toMatch(/^5,"?'=1\+2@example\.org"?,Sent,/);
    // Cancelled in the dialog: nothing written; a folder that cannot be written: said so.
    h.save.path = null;
    expect(must(await h.merge.export(run.batchId))).toEqual({ saved: false });
    h.save.path = join(h.folder, 'no-such-folder', 'r.csv');
    expect(await h.merge.export(run.batchId)).toMatchObject({ ok: false, error: { code: 'FILE_UNWRITABLE' } });

    // Retry: the failed row goes again (the refused one would only be refused again).
    expect(must(await h.merge.retryFailed(run.batchId))).toEqual({ retried: 1 });
    await until(() => h.server.deliveries.some((d) => d.to.includes('flaky@example.org')), 5000, 'the retried row');
    await settledRun(h, run.batchId);
    expect(must(await h.merge.results(run.batchId)).map((r) => r.state)).toEqual(['bounced', 'refused', 'sent', 'sent']);
  });

  it('results still name every row after finished messages moved to the history, and after a restart', async () => {
    const h = await harness({ liveFinished: 1 });
    const { mergeId } = must(await h.merge.load(csvSource('Name,Email,Code\nA,a@example.org,1\nB,b@example.org,2\nC,c@example.org,3\n')));
    const template = templateFor(h.account);
    must(await h.merge.test(mergeId, mapping, template, 1));
    const run = must(await h.merge.start(mergeId, mapping, template, false));
    await settledRun(h, run.batchId);
    await h.outbox.compact();
    const live = h.outbox.list().filter((j) => j.batchId === run.batchId);
    expect(live.length).toBeLessThan(3);
    const expected = [
      [2, 'a@example.org', 'sent'],
      [3, 'b@example.org', 'sent'],
      [4, 'c@example.org', 'sent'],
    ];
    const rows = must(await h.merge.results(run.batchId));
    expect(rows.map((r) => [r.row, r.recipient, r.state])).toEqual(expected);
    for (const r of rows) expect(r.reply).toMatch(/^250/);
    // A bounce linked to a message already in the history still reaches its row and the count.
    const moved = rows.find((r) => !live.some((j) => j.id === r.jobId))!;
    must(
      await h.outbox.recordDeliveryReports(moved.jobId, [
        { recipient: moved.recipient, action: 'failed', status: '5.1.1', diagnostic: '550 5.1.1 No such user', reportedAt: new Date().toISOString(), reportMessageId: '<b1@example.org>', matchedBy: 'message-id' },
      ]),
    );
    expect(h.merge.list().find((r) => r.batchId === run.batchId)!.bounced).toBe(1);
    const bounced = expected.map(([row, recipient, state]) => [row, recipient, row === moved.row ? 'bounced' : state]);
    expect(must(await h.merge.results(run.batchId)).map((r) => [r.row, r.recipient, r.state])).toEqual(bounced);
    await h.reopen();
    expect(must(await h.merge.results(run.batchId)).map((r) => [r.row, r.recipient, r.state])).toEqual(bounced);
    expect(must(await h.merge.results(run.batchId)).find((r) => r.row === moved.row)!.reply).toBe('550 5.1.1 No such user');
    expect(h.merge.list().find((r) => r.batchId === run.batchId)).toMatchObject({ sent: 3, bounced: 1, done: true, name: 'members.csv: Your code {{Code}}' });
  });

  it('a damaged record file is set aside and reported; the merge still shows, by its label', async () => {
    const h = await harness();
    const { mergeId } = must(await h.merge.load(csvSource(MEMBERS)));
    const test = must(await h.merge.test(mergeId, mapping, templateFor(h.account), 1));
    await settledRun(h, test.batchId);
    writeFileSync(join(h.folder, MERGES_FILE), '{"v":1,"merges":[{"batchId":');
    await h.reopen();
    expect(h.notices.list()).toEqual([expect.objectContaining({ kind: 'outbox', file: MERGES_FILE, keptAs: expect.stringContaining(`${MERGES_FILE}.damaged-`) })]);
    expect(existsSync(join(h.folder, MERGES_FILE))).toBe(false);
    expect(readdirSync(h.folder).some((f) => f.startsWith(`${MERGES_FILE}.damaged-`))).toBe(true);
    expect(h.merge.list()).toEqual([expect.objectContaining({ batchId: test.batchId, name: 'Test: members.csv: Your code {{Code}}', test: true, accountId: h.account.id, done: true })]);
  });
});

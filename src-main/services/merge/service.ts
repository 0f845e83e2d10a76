/**
 * Mail merge in main (issue 14): what the merge channels of shared/ipc.ts do. The data is read
 * (shared/merge/table.ts) and kept here by mergeId while the person sets the merge up; each request
 * carries the mapping and the template, so nothing half-edited lives here. The messages are built
 * by build.ts, paced by shared/merge/pace.ts and queued as one outbox batch, which sends, pauses,
 * resumes, survives restarts and keeps each message's outcome. What is kept here beyond the outbox is
 * a small record per started merge (its name, account, whether it was a test, when it finishes), in
 * `merges.json` in the data folder.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import Papa from 'papaparse';
import {
  MERGE_ROWS_MAX,
  MERGE_TEST_MAX,
  MERGE_UNSUBSCRIBE_ASK_OVER,
  type MergeCheck,
  type MergeData,
  type MergeMapping,
  type MergePlan,
  type MergePreview,
  type MergeResultRow,
  type MergeReview,
  type MergeRun,
  type MergeSource,
  type MergeTemplate,
  type MergeWarning,
} from '../../../shared/merge/contract';
import { DEFAULT_LIMITS, knownLimits, planPace, type PacePlan, type SendingLimits } from '../../../shared/merge/pace';
import { checkRows, parseTable, type CheckedRows, type DataTable } from '../../../shared/merge/table';
import { parseAddressList } from '../../../shared/addresses';
import { fail, ok, type AppError, type Result } from '../../../shared/result';
import type { DamageReporter } from '../data-notices';
import { isObject } from '../data-notices';
import { writeFileAtomic } from '../durable-files';
import { extractInlineImages } from '../inline-images';
import type { Logger } from '../logger';
import type { BatchProgress, EnqueueInput, HistoryEntry, MessageInput, Outbox, OutboxJob } from '../outbox';
import { measureMessage, senderOf } from '../outbox/message';
import type { StoredAccount } from '../settings-store';
import { compileMerge, type CompiledMerge } from './build';
import { compileTemplate, TemplateError } from './template';

/** Merges set up at once (each holds its data in memory): the newest are kept, the oldest forgotten. */
const OPEN_MERGES_MAX = 8;
/** Rows built at the same time (attachments are looked up on disk for each). */
const BUILD_AT_ONCE = 8;
const LISTED_MAX = 1000;
const SAMPLE_ROWS = 5;
const DAY_MS = 24 * 3600_000;
export const MERGES_FILE = 'merges.json';

/** What is kept of a started merge beside its outbox batch. */
export interface MergeRecord {
  batchId: string;
  name: string;
  accountId: string;
  test: boolean;
  /** Rehearsed in the sandbox (issue 15): every row captured there, nothing sent to a real server. */
  rehearsal?: boolean;
  createdAt: string;
  finishesAt?: string;
}

interface OpenMerge {
  id: string;
  source: string;
  table: DataTable;
  /** Hashes of the mapping and template of every test queued in this merge. */
  tested: Set<string>;
  used: number;
  checked?: { key: string; rows: CheckedRows };
  /**
   * The real send of each mapping and template, started or being started: asked again (a second
   * click, a window reloaded mid-way) it answers the same merge instead of sending everyone a second copy.
   */
  started: Map<string, Promise<Result<MergeRun>>>;
}

export interface MergeServiceOptions {
  dataDir: string;
  outbox: Outbox;
  accounts: { get(id: string): StoredAccount | undefined };
  /** Where the body's inline images are written while the messages are built. */
  tmpDir: string;
  /** The system's save dialog: the chosen path, or null when cancelled. */
  saveFile: (suggestedName: string, title?: string) => Promise<string | null>;
  notices: DamageReporter;
  logger: Logger;
  now?: () => number;
}

/** JSON with the keys of every object sorted: the same mapping and template give the same text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}
const setupKey = (mapping: MergeMapping, template: MergeTemplate) => createHash('sha256').update(canonical({ mapping, template })).digest('hex');

/** How long building may hold the event loop before it lets it turn (ms). */
const TURN_MS = 5;

/**
 * Runs `fn` over the items, `limit` at a time, results in order. Every TURN_MS all the workers wait
 * together for the event loop to turn: a row without attachments builds with no real await, and
 * 10,000 of them in one go held the main process (IPC, the outbox's sending) for 300 ms.
 */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let turnStart = performance.now();
  let turn: Promise<void> | undefined;
  const yieldTurn = () =>
    (turn ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        turn = undefined;
        turnStart = performance.now();
        resolve();
      }),
    ));
  const worker = async () => {
    while (next < items.length) {
      if (performance.now() - turnStart > TURN_MS) await yieldTurn();
      if (next >= items.length) break;
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** The column most of whose cells are one address (more than half of the filled ones), if any. */
function guessAddressColumn(table: DataTable): string | null {
  const rows = table.rows.slice(0, 200);
  let best: { column: string; score: number } | null = null;
  for (const column of table.columns) {
    const filled = rows.map((r) => (r.values[column] ?? '').trim()).filter(Boolean);
    if (!filled.length) continue;
    const good = filled.filter((cell) => {
      const list = parseAddressList(cell);
      return list.addresses.length === 1 && !list.invalid.length;
    }).length;
    const score = good / filled.length;
    if (score > 0.5 && (!best || score > best.score)) best = { column, score };
  }
  return best?.column ?? null;
}

const TEMPLATE_PARTS = ['to', 'cc', 'subject', 'body'] as const;

/** A built row: its message when it can be sent, and what the preview warns about. */
interface BuiltRow {
  index: number;
  row: number;
  values: Record<string, string>;
  message: MessageInput | null;
  warnings: MergeWarning[];
}

export type MergeService = ReturnType<typeof createMergeServiceWith>;

/** Opens the service: reads the records of started merges (a damaged file is set aside and reported). */
export async function openMergeService(options: MergeServiceOptions): Promise<MergeService> {
  const file = join(options.dataDir, MERGES_FILE);
  const records = new Map<string, MergeRecord>();
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') options.logger.error('merge: records unreadable', { code: (error as NodeJS.ErrnoException).code });
  }
  if (text !== undefined) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (!isObject(parsed) || parsed.v !== 1 || !Array.isArray(parsed.merges)) throw new Error('not a merges file');
      for (const r of parsed.merges as unknown[]) {
        if (!isObject(r) || typeof r.batchId !== 'string' || typeof r.name !== 'string' || typeof r.accountId !== 'string' || typeof r.createdAt !== 'string') continue;
        records.set(r.batchId, {
          batchId: r.batchId,
          name: r.name,
          accountId: r.accountId,
          test: r.test === true,
          ...(r.rehearsal === true ? { rehearsal: true } : {}),
          createdAt: r.createdAt,
          ...(typeof r.finishesAt === 'string' ? { finishesAt: r.finishesAt } : {}),
        });
      }
    } catch {
      // Never dropped silently: the bytes are kept aside and the person is told; the merges still
      // show (from the outbox's batches), named by their label.
      await options.notices
        .setAside(file, 'outbox', 'The list of started mail merges could not be read, so it was set aside. The merges still show, by their labels, and keep sending.')
        .catch((error: unknown) => options.logger.error('merge: damaged records not set aside', { error }));
    }
  }
  return createMergeServiceWith(options, records);
}

function createMergeServiceWith(options: MergeServiceOptions, records: Map<string, MergeRecord>) {
  const { outbox, logger } = options;
  const now = options.now ?? Date.now;
  const merges = new Map<string, OpenMerge>();
  let writes: Promise<unknown> = Promise.resolve();

  /** Adds a record durably (one write after another; the file holds them all). */
  const keep = (record: MergeRecord): Promise<void> => {
    records.set(record.batchId, record);
    const run = writes.then(() => writeFileAtomic(options.dataDir, join(options.dataDir, MERGES_FILE), JSON.stringify({ v: 1, merges: [...records.values()] })));
    writes = run.catch(() => undefined);
    return run;
  };

  const mergeOf = (mergeId: string): Result<OpenMerge> => {
    const merge = merges.get(mergeId);
    if (!merge) return fail('MERGE_NOT_FOUND');
    merge.used = now();
    return ok(merge);
  };

  const checked = (merge: OpenMerge, mapping: MergeMapping): Result<CheckedRows> => {
    const unknown = [mapping.addressColumn, ...mapping.required].filter((c) => !merge.table.columns.includes(c));
    if (unknown.length) return fail('MERGE_COLUMN_UNKNOWN', { fields: unknown.map((c) => ({ path: 'mapping', problem: c })) });
    const key = canonical(mapping);
    if (merge.checked?.key !== key) merge.checked = { key, rows: checkRows(merge.table, mapping) };
    return ok(merge.checked.rows);
  };

  /** The template checked part by part (so an error names the part) and compiled; every field must be a column. */
  const compiled = (merge: OpenMerge, template: MergeTemplate, html: string | undefined, extra: Pick<Parameters<typeof compileMerge>[0], 'inline'> = {}): Result<CompiledMerge> => {
    const sources: Record<(typeof TEMPLATE_PARTS)[number], string[]> = {
      to: [template.to],
      cc: [template.cc],
      subject: [template.subject],
      body: [template.body.text, ...(html !== undefined ? [html] : [])],
    };
    const invalid: Array<{ path: string; problem: string }> = [];
    const unknown: Array<{ path: string; problem: string }> = [];
    for (const path of TEMPLATE_PARTS)
      for (const source of sources[path]) {
        try {
          for (const field of compileTemplate(source).fields) if (!merge.table.columns.includes(field) && !unknown.some((u) => u.problem === field)) unknown.push({ path, problem: field });
        } catch (error) {
          if (!(error instanceof TemplateError)) throw error;
          if (!invalid.some((i) => i.path === path)) invalid.push({ path, problem: error.near });
        }
      }
    if (invalid.length) return fail('MERGE_TEMPLATE_INVALID', { fields: invalid });
    if (template.attachmentColumn !== undefined && !merge.table.columns.includes(template.attachmentColumn)) unknown.push({ path: 'attachmentColumn', problem: template.attachmentColumn });
    if (unknown.length) return fail('MERGE_COLUMN_UNKNOWN', { fields: unknown });
    return ok(
      compileMerge({
        to: template.to,
        cc: template.cc,
        subject: template.subject,
        text: template.body.text,
        ...(html !== undefined ? { html } : {}),
        ...(template.attachmentColumn ? { attachmentColumn: template.attachmentColumn } : {}),
        ...(template.unsubscribe ? { listUnsubscribe: template.unsubscribe } : {}),
        ...extra,
      }),
    );
  };

  /** The HTML part's template: the editor's HTML in rich mode (as the compose window sends it), none in plain. */
  const htmlOf = (template: MergeTemplate) => (template.body.mode === 'rich' && template.body.html.trim() !== '' ? template.body.html : undefined);

  interface Setup {
    merge: OpenMerge;
    rows: CheckedRows;
    account: StoredAccount;
    from: MessageInput['from'];
  }
  const setUp = (mergeId: string, mapping: MergeMapping, template: MergeTemplate): Result<Setup> => {
    const merge = mergeOf(mergeId);
    if (!merge.ok) return merge;
    const rows = checked(merge.value, mapping);
    if (!rows.ok) return rows;
    const account = options.accounts.get(template.accountId);
    if (!account) return fail('ACCOUNT_NOT_FOUND');
    const from = senderOf(account, template.identityId);
    if (!from) return fail('INVALID_REQUEST', { fields: [{ path: 'template.identityId', problem: 'not_found' }] });
    return ok({ merge: merge.value, rows: rows.value, account, from });
  };

  /**
   * A message larger than the server accepts (the SIZE it announced when it last took a message of
   * this account) would be refused: a warning that stops the row. Measured only when a rough guess
   * comes near the limit (measuring reads every attachment).
   */
  const sizeWarning = async (message: MessageInput, limit: number | undefined): Promise<MergeWarning | undefined> => {
    if (!limit) return undefined;
    let attached = 0;
    for (const a of message.attachments ?? []) attached += (await stat(a.path).catch(() => undefined))?.size ?? 0;
    // At most 4 bytes a character once encoded (UTF-8, then base64); attachments grow by a third in base64.
    const guess = 4000 + (message.text.length + (message.html?.length ?? 0)) * 4 + attached * 1.4;
    if (guess < limit * 0.8) return undefined;
    const sizeBytes = await measureMessage(message).catch(() => undefined);
    return sizeBytes !== undefined && sizeBytes > limit ? { kind: 'too-large', sizeBytes, limitBytes: limit } : undefined;
  };

  const buildRow = async (setup: Setup, merge: CompiledMerge, good: CheckedRows['good'][number], index: number): Promise<BuiltRow & { rendered: MessageInput }> => {
    const built = await merge.build(good.values, setup.from);
    const warnings: MergeWarning[] = [...built.warnings];
    // The row was checked for its address column: a To and Cc without that address would send every
    // row to the same people (a To typed as a fixed address). That stops the row.
    const own = good.recipient.address.toLowerCase();
    const sent = built.message ? [...built.message.to, ...built.message.cc] : [];
    const elsewhere = built.message !== null && !sent.some((a) => a.address.trim().toLowerCase() === own);
    if (elsewhere)
      warnings.push({
        kind: 'bad-address',
        field: 'to',
        text: sent.map((a) => a.address).join(', '),
        message: `it does not include this row’s own address (${good.recipient.address}), so the message would go to someone else`,
      });
    const tooLarge = built.message && !elsewhere ? await sizeWarning(built.message, outbox.serverSizeLimit(setup.account.id)) : undefined;
    if (tooLarge) warnings.push(tooLarge);
    return { index, row: good.row, values: good.values, message: tooLarge || elsewhere ? null : built.message, rendered: built.rendered, warnings };
  };

  const buildAll = (setup: Setup, merge: CompiledMerge) => mapLimit(setup.rows.good, BUILD_AT_ONCE, (good, i) => buildRow(setup, merge, good, i));

  /** The limits a merge of this account follows, and where they come from. */
  const limitsOf = (account: StoredAccount): { limits: SendingLimits; from: MergePlan['limitsFrom']; provider: MergePlan['provider'] } => {
    const known = knownLimits(account);
    const provider = known ? { name: known.providerName, source: known.source } : null;
    if (account.sendingLimits) return { limits: account.sendingLimits, from: 'account', provider };
    if (known) return { limits: { recipientsPerDay: known.recipientsPerDay, messagesPerMinute: known.messagesPerMinute }, from: 'provider', provider };
    return { limits: DEFAULT_LIMITS, from: 'default', provider: null };
  };

  /** What the account sent in the last 24 hours, and what it has queued, as the planner counts it (oldest first). */
  const sentBefore = async (accountId: string, at: number, except?: ReadonlySet<string>) => {
    const events: Array<{ at: number; recipients: number }> = [];
    for (const ref of await outbox.sentMessages(accountId, at - DAY_MS)) events.push({ at: Date.parse(ref.sentAt), recipients: ref.recipients.length });
    for (const job of outbox.list())
      // A rehearsal goes to the sandbox: it takes nothing from the account's limits.
      if (job.accountId === accountId && !job.rehearsal && !except?.has(job.id) && (job.state === 'queued' || job.state === 'retrying' || job.state === 'sending' || job.state === 'signin'))
        events.push({ at: Math.max(at, Date.parse(job.notBefore)), recipients: job.summary.to.length });
    return events.filter((e) => !Number.isNaN(e.at) && e.at > at - DAY_MS).sort((a, b) => a.at - b.at);
  };

  /** Which files on this computer the merge attaches: their count and folders. */
  const attachmentsOf = (sendable: readonly BuiltRow[]): MergePlan['attachments'] => {
    const files = new Set<string>();
    const folders = new Set<string>();
    for (const b of sendable)
      for (const a of b.message?.attachments ?? [])
        // An inline image (cid) is the body's own picture, written to the app's temporary folder: not a file the data named.
        if (a.path && !a.cid) {
          files.add(a.path);
          folders.add(dirname(a.path));
        }
    const listed = [...folders].sort();
    return { files: files.size, folders: listed.slice(0, 10), moreFolders: Math.max(0, listed.length - 10) };
  };

  const recipientsOf = (m: MessageInput) => [...m.to, ...m.cc, ...m.bcc].map((a) => a.address);

  const planFor = async (setup: Setup, template: MergeTemplate, mapping: MergeMapping, sendable: BuiltRow[]): Promise<{ plan: MergePlan; pace: PacePlan }> => {
    const startAt = now();
    const { limits, from, provider } = limitsOf(setup.account);
    const before = await sentBefore(setup.account.id, startAt);
    const pace = planPace({ messages: sendable.map((b) => ({ recipients: recipientsOf(b.message!) })), limits, startAt, sentBefore: before });
    const plan: MergePlan = {
      count: sendable.length,
      limits,
      limitsFrom: from,
      provider,
      startsAt: new Date(startAt).toISOString(),
      finishesAt: new Date(pace.finishesAt).toISOString(),
      days: pace.days,
      firstDay: pace.firstDay,
      sentLastDay: before.filter((e) => e.at <= startAt).reduce((n, e) => n + e.recipients, 0),
      warnings: pace.warnings.map((w) =>
        w.kind === 'over-daily-limit'
          ? { kind: 'over-daily-limit' as const, row: sendable[w.index]!.row, recipients: w.recipients, limit: w.limit }
          : { kind: 'gmail-bulk-sender' as const, messages: w.messages, threshold: w.threshold, at: new Date(w.from).toISOString() },
      ),
      askUnsubscribe: !template.unsubscribe && sendable.length > MERGE_UNSUBSCRIBE_ASK_OVER,
      tested: setup.merge.tested.has(setupKey(mapping, template)),
      attachments: attachmentsOf(sendable),
    };
    return { plan, pace };
  };

  /** The merge's messages built for sending: the body's inline images written once and shared by every message. */
  const forSending = async <T>(setup: Setup, template: MergeTemplate, use: (merge: CompiledMerge) => Promise<Result<T>>): Promise<Result<T>> => {
    const html = htmlOf(template);
    const inline = html !== undefined ? await extractInlineImages(html, options.tmpDir, setup.account.email.split('@')[1] ?? '') : null;
    try {
      const merge = compiled(setup.merge, template, inline?.html, inline?.attachments.length ? { inline: inline.attachments } : {});
      if (!merge.ok) return merge;
      return await use(merge.value);
    } finally {
      // The outbox has built each message file by now (enqueueBatch answers after): the copies can go.
      await inline?.cleanup();
    }
  };

  const nameOf = (merge: OpenMerge, template: MergeTemplate) => `${merge.source}: ${template.subject}`.slice(0, 300);

  /** The account of a batch with no record (looked up once among the outbox's jobs, then remembered). */
  const batchAccounts = new Map<string, string>();
  const accountOfBatch = (batchId: string): string => {
    let id = batchAccounts.get(batchId);
    if (id === undefined) {
      id = outbox.list().find((j) => j.batchId === batchId)?.accountId ?? '';
      if (id) batchAccounts.set(batchId, id);
    }
    return id;
  };

  /** A started merge as the view shows it: the outbox's counts with the merge's record. */
  const runOf = (p: BatchProgress, accountHint?: string): MergeRun => {
    const record = records.get(p.batchId);
    return {
      batchId: p.batchId,
      name: record?.name ?? p.label ?? 'Mail merge',
      accountId: record?.accountId ?? accountHint ?? accountOfBatch(p.batchId),
      test: record?.test ?? (p.label ?? '').startsWith('Test: '),
      ...(record?.rehearsal ? { rehearsal: true } : {}),
      createdAt: record?.createdAt ?? p.createdAt,
      ...(record?.finishesAt ? { finishesAt: record.finishesAt } : {}),
      total: p.total,
      paused: p.paused,
      waiting: p.waiting,
      sending: p.sending,
      sent: p.sent,
      partlyRefused: p.partlyRefused,
      failed: p.failed,
      uncertain: p.uncertain,
      signin: p.signin,
      cancelled: p.cancelled,
      bounced: outbox.batchBounced(p.batchId),
      done: p.done,
    };
  };

  const batchRun = async (result: Promise<Result<BatchProgress>>): Promise<Result<MergeRun>> => {
    const r = await result;
    return r.ok ? ok(runOf(r.value)) : r;
  };

  /** Queues the messages as one batch and records the merge; answers how it stands. */
  const queue = async (setup: Setup, inputs: EnqueueInput[], record: Omit<MergeRecord, 'batchId' | 'createdAt'>): Promise<Result<MergeRun>> => {
    const queued = await outbox.enqueueBatch(inputs, { label: record.name });
    if (!queued.ok) return queued;
    const full: MergeRecord = { batchId: queued.value.batchId, createdAt: queued.value.createdAt, ...record };
    // The batch is queued whatever happens to the record (a batch with no record still shows, by its label).
    await keep(full).catch((error: unknown) => logger.error('merge: record not written', { code: (error as NodeJS.ErrnoException).code }));
    logger.info('merge: queued', { batch: full.batchId, count: inputs.length, test: record.test });
    return ok(runOf(queued.value, setup.account.id));
  };

  /** Rehearsals being queued, by merge and setup: a second click waits for the first instead of queueing it twice. */
  const rehearsing = new Map<string, Promise<Result<MergeRun>>>();
  /**
   * The whole merge rehearsed in the sandbox: every row built exactly as for the real send, each job
   * marked a rehearsal (the outbox hands it to the sandbox), all due now. No test is needed and
   * nothing is asked about unsubscribing (the sandbox's lint says it); no pace (nothing reaches a
   * real server, so no limit is spent).
   */
  const rehearseAll = (setup: Setup, mapping: MergeMapping, template: MergeTemplate): Promise<Result<MergeRun>> => {
    const key = `${setup.merge.id}\n${setupKey(mapping, template)}`;
    const already = rehearsing.get(key);
    if (already) return already;
    const run = forSending(setup, template, async (merge) => {
      const sendable = (await buildAll(setup, merge)).filter((b) => b.message);
      if (!sendable.length) return fail('MERGE_NOTHING_TO_SEND');
      const inputs: EnqueueInput[] = sendable.map((b) => ({ accountId: setup.account.id, message: b.message!, draft: null, batchRow: b.row, rehearsal: true }));
      return queue(setup, inputs, { name: `Rehearsal: ${nameOf(setup.merge, template)}`, accountId: setup.account.id, test: false, rehearsal: true });
    }).finally(() => rehearsing.delete(key));
    rehearsing.set(key, run);
    return run;
  };

  const rowResult = (row: number, jobId: string, recipients: string[], base: Pick<OutboxJob, 'state' | 'refused' | 'accepted' | 'lastReply' | 'lastError' | 'deliveryReports'>, at: string, notBefore?: string): MergeResultRow => {
    const recipient = recipients.join(', ');
    const common = { row, jobId, recipient };
    const reports = (base.deliveryReports ?? []).filter((r) => r.action === 'failed');
    switch (base.state) {
      case 'queued':
      case 'retrying':
        return { ...common, state: 'waiting', at: notBefore ?? at, ...(base.lastError ? { error: base.lastError } : {}) };
      case 'sending':
      case 'uncertain':
      case 'signin':
        return { ...common, state: base.state, at, ...(base.lastError ? { error: base.lastError } : {}) };
      case 'cancelled':
        return { ...common, state: 'cancelled', at };
      case 'sent':
      case 'failed': {
        // Every recipient refused by the server: 'refused' with its reply (a failure of another kind stays 'failed').
        if (base.refused.length && !base.accepted.length) return { ...common, state: 'refused', reply: base.refused.map((r) => r.serverReply).join('\n'), at };
        if (base.state === 'failed') return { ...common, state: 'failed', at, ...(base.lastReply ? { reply: base.lastReply } : {}), ...(base.lastError ? { error: base.lastError } : {}) };
        if (reports.length) return { ...common, state: 'bounced', reply: reports.map((r) => r.diagnostic ?? `${r.recipient}: ${r.status}`).join('\n'), at: reports[0]!.reportedAt };
        return { ...common, state: 'sent', at, ...(base.lastReply ? { reply: base.lastReply } : {}) };
      }
    }
  };

  const resultsOf = async (batchId: string): Promise<Result<MergeResultRow[]>> => {
    const members = await outbox.batchMembers(batchId);
    if (!members) return fail('JOB_NOT_FOUND');
    const rows: MergeResultRow[] = [
      ...members.live.map((j) => rowResult(j.batchRow ?? 0, j.id, j.summary.to, j, j.updatedAt, j.notBefore)),
      ...members.past.map((e: HistoryEntry) => rowResult(e.batchRow ?? 0, e.id, e.to, { ...e, deliveryReports: e.deliveryReports }, e.finishedAt)),
    ];
    return ok(rows.sort((a, b) => a.row - b.row || a.jobId.localeCompare(b.jobId)));
  };

  const RESULT_WORDS: Record<MergeResultRow['state'], string> = {
    waiting: 'Waiting',
    sending: 'Sending',
    sent: 'Sent',
    refused: 'Refused',
    bounced: 'Bounced',
    failed: 'Failed',
    uncertain: 'May have been sent',
    signin: 'Waiting for sign-in',
    cancelled: 'Cancelled',
  };
  const errorText = (error: AppError | undefined) => (error ? (error.detail?.serverReply ?? error.message) : '');

  return {
    async load(source: MergeSource): Promise<Result<MergeData>> {
      const bytes = source.kind === 'file' ? Buffer.from(source.data, 'base64') : Buffer.from(source.text, 'utf8');
      let table: DataTable;
      try {
        table = parseTable(bytes);
      } catch (error) {
        logger.warn('merge: data unreadable', { error: (error as Error).name });
        return fail('MERGE_DATA_UNREADABLE');
      }
      // A header and at least one row, and text: a binary file (a picture, a spreadsheet's own format)
      // decodes to control characters, which no table a person typed has.
      const control = (text: string) => [...text].some((c) => c.charCodeAt(0) < 0x20 && c !== '\t' && c !== '\n' && c !== '\r');
      const binary = control(table.columns.join('')) || table.rows.slice(0, 200).some((r) => control(Object.values(r.values).join('')));
      if (!table.columns.length || !table.rows.length || binary) return fail('MERGE_DATA_UNREADABLE');
      if (table.rows.length > MERGE_ROWS_MAX) return fail('MERGE_TOO_MANY_ROWS');
      const id = randomUUID();
      merges.set(id, { id, source: source.kind === 'file' ? source.name : 'Pasted rows', table, tested: new Set(), started: new Map(), used: now() });
      // The newest few stay; an older one set up and left is forgotten.
      if (merges.size > OPEN_MERGES_MAX) {
        const oldest = [...merges.values()].sort((a, b) => a.used - b.used).slice(0, merges.size - OPEN_MERGES_MAX);
        for (const m of oldest) merges.delete(m.id);
      }
      return ok({
        mergeId: id,
        source: merges.get(id)!.source,
        encoding: table.encoding,
        delimiter: table.delimiter,
        columns: table.columns,
        rowCount: table.rows.length,
        ragged: table.ragged,
        sample: table.rows.slice(0, SAMPLE_ROWS).map((r) => r.values),
        addressColumn: guessAddressColumn(table),
      });
    },

    async check(mergeId: string, mapping: MergeMapping): Promise<Result<MergeCheck>> {
      const merge = mergeOf(mergeId);
      if (!merge.ok) return merge;
      const rows = checked(merge.value, mapping);
      if (!rows.ok) return rows;
      return ok({ good: rows.value.good.length, leftOut: rows.value.left.length, left: rows.value.left.slice(0, LISTED_MAX) });
    },

    async review(mergeId: string, mapping: MergeMapping, template: MergeTemplate): Promise<Result<MergeReview>> {
      const setup = setUp(mergeId, mapping, template);
      if (!setup.ok) return setup;
      const merge = compiled(setup.value.merge, template, htmlOf(template));
      if (!merge.ok) return merge;
      // Each row built and dropped at once: only the warnings are kept.
      let sendable = 0;
      const warned: MergeReview['rows'] = [];
      let withWarnings = 0;
      await mapLimit(setup.value.rows.good, BUILD_AT_ONCE, async (good, index) => {
        const built = await buildRow(setup.value, merge.value, good, index);
        if (built.message) sendable++;
        if (built.warnings.length) {
          withWarnings++;
          warned.push({ index, row: built.row, warnings: built.warnings });
        }
      });
      warned.sort((a, b) => a.index - b.index);
      return ok({ total: setup.value.rows.good.length, sendable, rows: warned.slice(0, LISTED_MAX), withWarnings });
    },

    async preview(mergeId: string, mapping: MergeMapping, template: MergeTemplate, index: number): Promise<Result<MergePreview>> {
      const setup = setUp(mergeId, mapping, template);
      if (!setup.ok) return setup;
      const good = setup.value.rows.good[index];
      if (!good) return fail('INVALID_REQUEST', { fields: [{ path: 'index', problem: 'too_big' }] });
      const merge = compiled(setup.value.merge, template, htmlOf(template));
      if (!merge.ok) return merge;
      const built = await buildRow(setup.value, merge.value, good, index);
      // A row a warning stops is still shown as the template fills it, with the warnings.
      const m = built.rendered;
      const attachments = await Promise.all((m.attachments ?? []).filter((a) => !a.cid).map(async (a) => ({ name: a.filename, size: (await stat(a.path).catch(() => undefined))?.size ?? 0 })));
      const sizeBytes = built.message ? await measureMessage(built.message).catch(() => undefined) : undefined;
      const shown = (a: { name?: string; address: string }) => (a.name ? `${a.name} <${a.address}>` : a.address);
      return ok({
        index,
        total: setup.value.rows.good.length,
        row: good.row,
        values: good.values,
        from: shown(setup.value.from),
        to: m.to.map(shown),
        cc: m.cc.map(shown),
        subject: m.subject,
        text: m.text,
        ...(m.html !== undefined ? { html: m.html } : {}),
        attachments,
        ...(sizeBytes !== undefined ? { sizeBytes } : {}),
        warnings: built.warnings,
        sendable: built.message !== null,
      });
    },

    async plan(mergeId: string, mapping: MergeMapping, template: MergeTemplate): Promise<Result<MergePlan>> {
      const setup = setUp(mergeId, mapping, template);
      if (!setup.ok) return setup;
      const merge = compiled(setup.value.merge, template, htmlOf(template));
      if (!merge.ok) return merge;
      const sendable = (await buildAll(setup.value, merge.value)).filter((b) => b.message);
      return ok((await planFor(setup.value, template, mapping, sendable)).plan);
    },

    async test(mergeId: string, mapping: MergeMapping, template: MergeTemplate, count: number): Promise<Result<MergeRun>> {
      const setup = setUp(mergeId, mapping, template);
      if (!setup.ok) return setup;
      const { from } = setup.value;
      return forSending(setup.value, template, async (merge) => {
        // The first `count` rows that can be sent, in order (rows with a stopping warning are skipped, as the real send skips them).
        const rows: BuiltRow[] = [];
        for (let i = 0; i < setup.value.rows.good.length && rows.length < Math.min(count, MERGE_TEST_MAX); i++) {
          const built = await buildRow(setup.value, merge, setup.value.rows.good[i]!, i);
          if (built.message) rows.push(built);
        }
        if (!rows.length) return fail('MERGE_NOTHING_TO_SEND');
        // To the person only: their own address, no Cc; each subject says which row it is.
        const inputs: EnqueueInput[] = rows.map((b) => ({
          accountId: setup.value.account.id,
          message: { ...b.message!, to: [{ name: from.name, address: from.address }], cc: [], bcc: [], subject: `[Row ${b.row}] ${b.message!.subject}` },
          draft: null,
          batchRow: b.row,
        }));
        const run = await queue(setup.value, inputs, { name: `Test: ${nameOf(setup.value.merge, template)}`, accountId: setup.value.account.id, test: true });
        if (run.ok) setup.value.merge.tested.add(setupKey(mapping, template));
        return run;
      });
    },

    async start(mergeId: string, mapping: MergeMapping, template: MergeTemplate, withoutUnsubscribe: boolean, rehearse = false): Promise<Result<MergeRun>> {
      const setup = setUp(mergeId, mapping, template);
      if (!setup.ok) return setup;
      if (rehearse) return rehearseAll(setup.value, mapping, template);
      const key = setupKey(mapping, template);
      if (!setup.value.merge.tested.has(key)) return fail('MERGE_NOT_TESTED');
      const already = setup.value.merge.started.get(key);
      if (already) {
        const earlier = await already;
        const progress = earlier.ok ? outbox.batchProgress(earlier.value.batchId) : undefined;
        if (progress) return ok(runOf(progress));
      }
      const starting = forSending(setup.value, template, async (merge) => {
        const sendable = (await buildAll(setup.value, merge)).filter((b) => b.message);
        const { plan, pace } = await planFor(setup.value, template, mapping, sendable);
        if (plan.askUnsubscribe && !withoutUnsubscribe) return fail('MERGE_UNSUBSCRIBE_MISSING');
        const inputs: EnqueueInput[] = [];
        const never: number[] = [];
        sendable.forEach((b, i) => {
          const at = pace.sendAt[i];
          if (at === null || at === undefined) never.push(b.row);
          else inputs.push({ accountId: setup.value.account.id, message: b.message!, draft: null, sendAt: new Date(at), batchRow: b.row });
        });
        // A row with more recipients than the whole daily limit can never go within it: not queued (the plan listed it).
        if (never.length) logger.warn('merge: rows over the daily limit not queued', { rows: never.slice(0, 50), count: never.length });
        if (!inputs.length) return fail('MERGE_NOTHING_TO_SEND');
        return queue(setup.value, inputs, { name: nameOf(setup.value.merge, template), accountId: setup.value.account.id, test: false, finishesAt: plan.finishesAt });
      });
      setup.value.merge.started.set(key, starting);
      const result = await starting;
      // Refused (not tested, no unsubscribe, nothing to send, the outbox could not write): may be asked again.
      if (!result.ok && setup.value.merge.started.get(key) === starting) setup.value.merge.started.delete(key);
      return result;
    },

    /** Every started merge, newest first. */
    list(): MergeRun[] {
      return outbox
        .listBatches()
        .map((p) => runOf(p))
        .reverse();
    },
    pause: (batchId: string) => batchRun(outbox.pauseBatch(batchId)),
    /**
     * Resumes a merge with its pace planned again from now: the rows the pause held would otherwise
     * all be due at once, past the account's per-minute and daily limits.
     */
    async resume(batchId: string): Promise<Result<MergeRun>> {
      const members = await outbox.batchMembers(batchId);
      const waiting = (members?.live ?? []).filter((j) => j.state === 'queued').sort((a, b) => a.notBefore.localeCompare(b.notBefore));
      const account = waiting[0] && options.accounts.get(waiting[0].accountId);
      if (!account) return batchRun(outbox.resumeBatch(batchId));
      const startAt = now();
      const before = await sentBefore(account.id, startAt, new Set(waiting.map((j) => j.id)));
      const pace = planPace({ messages: waiting.map((j) => ({ recipients: j.summary.to })), limits: limitsOf(account).limits, startAt, sentBefore: before });
      const times = new Map<string, Date>();
      waiting.forEach((job, i) => {
        const at = pace.sendAt[i];
        if (at !== null && at !== undefined) times.set(job.id, new Date(at));
      });
      const record = records.get(batchId);
      if (record) await keep({ ...record, finishesAt: new Date(pace.finishesAt).toISOString() }).catch((error: unknown) => logger.error('merge: record not written', { code: (error as NodeJS.ErrnoException).code }));
      return batchRun(outbox.resumeBatch(batchId, { notBefore: times }));
    },
    cancel: (batchId: string) => batchRun(outbox.cancelBatch(batchId)),
    /** For the outbox's onBatchProgress: the merge as the view shows it. */
    progress: (p: BatchProgress): MergeRun => runOf(p),
    results: resultsOf,

    async retryFailed(batchId: string): Promise<Result<{ retried: number }>> {
      const members = await outbox.batchMembers(batchId);
      if (!members) return fail('JOB_NOT_FOUND');
      let retried = 0;
      // Failed rows only: one that may have been sent is the person's call, in the Outbox; one whose
      // every recipient the server refused for good would only be refused again.
      for (const job of members.live) {
        if (job.state !== 'failed' || (job.refused.length && !job.accepted.length)) continue;
        if ((await outbox.retryNow(job.id)).ok) retried++;
      }
      return ok({ retried });
    },

    async export(batchId: string): Promise<Result<{ saved: boolean }>> {
      const results = await resultsOf(batchId);
      if (!results.ok) return results;
      const record = records.get(batchId);
      const csv = Papa.unparse(
        {
          fields: ['Row', 'Recipient', 'Result', 'Server reply', 'Error'],
          data: results.value.map((r) => [String(r.row), r.recipient, RESULT_WORDS[r.state], r.reply ?? '', errorText(r.error)]),
        },
        // A value starting with = + - @ would run as a formula in a spreadsheet: PapaParse prefixes it with a quote.
        { escapeFormulae: true, newline: '\r\n' },
      );
      const base =
        [...(record?.name ?? 'merge')]
          .map((c) => (c.charCodeAt(0) < 0x20 || '\\/:*?"<>|'.includes(c) ? ' ' : c))
          .join('')
          .replace(/\s+/g, ' ')
          .trim()
          .slice(0, 80) || 'merge';
      const path = await options.saveFile(`${base} results.csv`, 'Save the merge results');
      if (!path) return ok({ saved: false });
      try {
        // With a BOM, so spreadsheets read it as UTF-8; written whole or not at all.
        await writeFileAtomic(dirname(path), path, `\ufeff${csv}\r\n`, { mode: 0o644 });
        return ok({ saved: true });
      } catch (error) {
        logger.warn('merge: results not saved', { code: (error as NodeJS.ErrnoException).code });
        return fail('FILE_UNWRITABLE');
      }
    },

    close(mergeId: string): { closed: boolean } {
      return { closed: merges.delete(mergeId) };
    },

    /** Waits for record writes in flight (close). */
    settled: () => writes.then(() => undefined),
  };
}


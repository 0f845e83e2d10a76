/**
 * The durable outbox: every send is a persisted job with explicit states (STYLE.md 9).
 *
 *   enqueue -> queued --(undo window / "send later" time)--> sending -> sent
 *                 ^                                            |  \-> retrying --(backoff)--> sending ...
 *                 |                                            |  \-> failed   (permanent, or out of attempts)
 *                 +------ retryNow (person) -------------------+  \-> uncertain ("may have been sent": the person decides)
 *   undo / cancel -> cancelled;  markSent: uncertain -> sent
 *
 * The message is built once at enqueue into `<id>.eml` (fsynced) before its job is recorded, so
 * the same bytes (and Message-ID) go out on every attempt; it stays after the send (a Sent copy
 * is filed from it) and goes when the job is cancelled or moves to the history. Job state lives in
 * an append-only journal (journal.ts) whose writes are committed in groups: concurrent lanes'
 * records share one fdatasync. 'sending' is kept in memory only; before the message is handed to
 * the SMTP connection, the job is persisted with `transmitting: true`; after a crash, a job with
 * that marker becomes 'uncertain' (never resent on its own: no silent duplicate), one without it
 * is simply still queued.
 *
 * Scheduling: waiting jobs sit in a heap by due time (one timer for its top); a due job goes to
 * its account's lane, which sends up to the account's maxConnections messages at once on
 * connections it keeps open (sessions.ts). Nothing one lane's server does holds another lane.
 * Batches (enqueueBatch) are queued whole or not at all and can be paused, resumed, cancelled.
 * Finished jobs move to the compact history (history.ts), which the list pages through.
 *
 * Recipients answered 4xx on RCPT while others were accepted: the accepted ones get it now, the
 * deferred ones are tried again with the job's backoff (same bytes); a job out of attempts is
 * 'sent' with them listed in `refused`. Recipients answered 5xx are `refused` at once.
 */
import { createHash, randomUUID } from 'node:crypto';
import TinyQueue from 'tinyqueue';
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_SMTP_CONNECTIONS, DEFAULT_UNDO_SECONDS } from '../../../shared/model';
import type { SentMessageRef } from '../bounces';
import type { DeliveryReportEntry } from '../../../shared/outbox';
import { appError, fail, ok, type AppError, type Result } from '../../../shared/result';
import { silentLogger, type Logger } from '../logger';
import { afterWorking, withPin } from '../net/errors';
import { deliverBySmtp } from './deliver';
import { SmtpSessions } from './sessions';
import { envelopeOf, measureMessageFile, newMessageId, OutboxWriteError, validateMessage, writeMessageFile, type StoredMessage } from './message';
import { rebuildRecord } from './rebuild';
import { appendHistory, findHistoryEntry, HistoryDamagedError, historyEntryOf, pastRefOf, pruneHistory, readHistory, readHistoryPage, type HistoryEntry, type PastRef } from './history';
import { allows, applyAction, applyOutcome, isDue, isPending, isWaiting, recoverJob, remainingRecipients, resumeAfterSignIn, type Action } from './state';
import { removeQuietly, tempName, writeFileAtomic } from '../durable-files';
import { emlFile, setAside, type JobStore } from './store';
import { JournalJobStore } from './journal';
import {
  DEFAULT_RETRY,
  type BatchProgress,
  type BatchRecord,
  type Deliver,
  type DeliveryOutcome,
  type DsnOptions,
  type JobRecord,
  type MessageInput,
  type OutboxJob,
  type OutboxOptions,
  type RetryPolicy,
} from './types';

export * from './types';
export type { HistoryEntry, PastRef } from './history';
export { retryDelayMs } from './state';

/** The timer never sleeps longer than this, so a clock change cannot hold a send back for long. */
const MAX_TIMER_MS = 60_000;
const PROGRESS_EVERY_MS = 100;
const DAY_MS = 24 * 3600_000;
const HOUSEKEEPING_EVERY_MS = 6 * 3600_000;
/** Finished jobs stay in full this long (the Sent copy and the first bounces have long had their chance). */
const DEFAULT_HISTORY_AFTER_MS = 7 * DAY_MS;
/** At most this many finished jobs stay live (newest first); older ones go to the history sooner. */
const LIVE_FINISHED = 100;
const MAX_HISTORY_PAGE = 200;

/** A message up to this size is read whole before an attempt (checked and sent from memory); larger ones are streamed twice. */
const READ_WHOLE_MAX = 256 * 1024;
/** A batch holds at most this many messages (a mail merge of a few thousand fits many times over). */
const MAX_BATCH = 100_000;
/** Messages of a batch built at the same time (their files written and fsynced in parallel). */
const BUILD_AT_ONCE = 8;
/** The batches, one small file rewritten atomically when one is queued, paused or resumed. */
const BATCHES_FILE = 'batches.state';
const DEFAULT_BATCH_PROGRESS_EVERY_MS = 250;

/** A message checked and built, not yet queued. */
interface Prepared {
  job: JobRecord;
  draft: unknown;
  eml: string;
}

/** Errors of the outbox's own API; the detail names the action and state, never message content. */
const isFinished = (job: JobRecord) => job.state === 'sent' || job.state === 'cancelled';
const notFound = () => fail<OutboxJob>('JOB_NOT_FOUND');
const notAllowed = (action: Action, job: JobRecord) => fail<OutboxJob>('JOB_NOT_ALLOWED', { command: `${action} when ${job.state}` });

export interface EnqueueInput {
  accountId: string;
  message: MessageInput;
  /** "Send later": not before this time. Absent: after the undo window. */
  sendAt?: Date;
  /** Opaque JSON: what the editor needs to reopen the message (undo, edit). */
  draft: unknown;
  /** Delivery notifications to ask for, when the server offers DSN. */
  dsn?: DsnOptions;
  /** In a batch: the row of the data this message was made from (a mail merge's file row). */
  batchRow?: number;
  /** Send to the sandbox instead (OutboxJob.rehearsal). */
  rehearsal?: boolean;
}

interface Inflight {
  abort: AbortController;
  progress?: { sentBytes: number; totalBytes: number };
}

/** The lane a job goes out on: its account's, or its account's rehearsals'. */
const laneKeyOf = (job: Pick<JobRecord, 'accountId' | 'rehearsal'>) => (job.rehearsal ? `${job.accountId}\nrehearsal` : job.accountId);

interface Lane {
  accountId: string;
  /** A lane of rehearsals: they go to the sandbox, so they never wait behind the account's real sends (nor these behind them). */
  rehearsal: boolean;
  /** Due job ids, first due first (a queue: `head` is the next to take). */
  ready: string[];
  head: number;
  inReady: Set<string>;
  active: Set<string>;
}

export class Outbox {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly drafts = new Map<string, unknown>();
  /** Finished jobs moved out of the folder, by id (history.ts). */
  private readonly past = new Map<string, PastRef>();
  /**
   * The history is read after open, in the background (a long one never delays the outbox or the
   * first screen); what needs all of it awaits this.
   */
  private pastLoaded: Promise<void> = Promise.resolve();
  /** Stops that reading when the outbox closes first. */
  private readonly pastAbort = new AbortController();
  /** How many live jobs are sent or cancelled (kept by put() and forget()). */
  private finishedLive = 0;
  /** A compaction is due soon (many finished jobs piled up). */
  private compactSoon: NodeJS.Timeout | undefined;
  private readonly dir: string;
  private readonly store: JobStore;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly retry: RetryPolicy;
  private undoMs: number;
  private readonly deliver: Deliver;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  /** When the timer fires (epoch ms), so a later job does not re-arm it. */
  private timerAt = Infinity;
  /** Moves finished jobs to the history now and then while the app runs for days. */
  private housekeeping: NodeJS.Timeout | undefined;
  /**
   * Waiting jobs (queued, retrying) by the time they are due: a heap, so the scheduler never walks
   * every job. An entry is current while `dueAt` holds its time for the id; older entries of a job
   * whose time changed are skipped when they surface.
   */
  private readonly waiting = new TinyQueue<{ at: number; seq: number; id: string }>([], (a, b) => a.at - b.at || a.seq - b.seq);
  private readonly dueAt = new Map<string, number>();
  private seq = 0;
  /** A lane per account (and one for its rehearsals): its due jobs in order, and its deliveries in flight (up to the account's maxConnections). */
  private readonly lanes = new Map<string, Lane>();
  private readonly inflight = new Map<string, Inflight>();
  private readonly running = new Set<Promise<void>>();
  private batches = new Map<string, BatchRecord>();
  /** Job ids of each batch (those moved to the history included). */
  private readonly members = new Map<string, Set<string>>();
  /** Due jobs of paused batches, set aside until the batch is resumed. */
  private readonly held = new Set<string>();
  private batchWrites: Promise<unknown> = Promise.resolve();
  private readonly batchReports = new Map<string, { last: number; timer?: NodeJS.Timeout; done?: boolean }>();
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** The batches file was damaged at open (set aside): its jobs go on as ordinary messages. */
  private batchesDamaged = false;
  /** Authenticated SMTP connections kept between messages (sessions.ts). */
  private readonly sessions = new SmtpSessions();

  private constructor(private readonly options: OutboxOptions) {
    this.dir = options.dir;
    this.store = new JournalJobStore(options.dir);
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.undoMs = (options.undoSeconds ?? DEFAULT_UNDO_SECONDS) * 1000;
    this.deliver = options.deliver ?? deliverBySmtp;
    this.log = options.logger ?? silentLogger;
  }

  /** Loads the jobs, recovers from a crash, removes leftovers of interrupted writes, starts the scheduler. */
  static async open(options: OutboxOptions): Promise<Outbox> {
    const outbox = new Outbox(options);
    await outbox.load();
    // Finished jobs beyond the newest few move to the history just after open (the first list shows
    // only the newest anyway); the retention waits until the history has been read in the background.
    void outbox.serial(() => outbox.moveFinished());
    void outbox.pastLoaded.then(() => outbox.serial(() => outbox.applyRetention()));
    outbox.housekeeping = setInterval(() => void outbox.compact(), HOUSEKEEPING_EVERY_MS);
    outbox.housekeeping.unref?.();
    outbox.arm();
    return outbox;
  }

  private async load(): Promise<void> {
    const report = await this.store.load();
    this.pastLoaded = this.loadPast();
    if (report.removed.length) this.log.warn('outbox: cleaned up after an interrupted write', { removed: report.removed.length });
    if (report.corrupt.length) this.log.error('outbox: damaged job files without a message set aside', { corrupt: report.corrupt });
    if (report.damagedDrafts.length) this.log.error('outbox: damaged draft files set aside', { ids: report.damagedDrafts });
    // The jobs it may have touched come back rebuilt, "check before sending": that is what the person sees.
    if (report.corruptJournal) this.log.error('outbox: damaged journal lines; the journal was copied aside', { copy: report.corruptJournal, rebuilt: report.damagedRecords.length });
    const missing = new Set(report.missingMessage);
    const damagedDrafts = new Set(report.damagedDrafts);
    const now = this.now();
    const found: JobRecord[] = [...report.jobs];
    for (const id of report.damagedRecords) {
      // The record is lost but the message is there: rebuild a job the person sees, never sent on its own.
      try {
        found.push(await rebuildRecord(id, emlFile(this.dir, id), report.drafts.get(id) ?? null, now, this.retry.maxAttempts));
        this.log.error('outbox: damaged job record set aside; job rebuilt from its message', { id });
      } catch (error) {
        // Not even the message could be read: keep it aside too, and say so in the log.
        this.log.error('outbox: damaged job record and unreadable message set aside', { id, error });
        await setAside(this.dir, `${id}.eml`).catch(() => undefined);
      }
    }
    for (const original of found) {
      let job = recoverJob(original, now);
      if (missing.has(job.id) && (isPending(job) || job.state === 'sending')) {
        job = { ...job, state: 'failed', updatedAt: new Date(now).toISOString(), lastError: appError('INTERNAL') };
      } else if (isPending(job) && !(await this.messageIntact(job, false))) {
        job = this.damagedMessage(job, now);
      }
      if (damagedDrafts.has(job.id) && !job.draftDamaged) job = { ...job, draftDamaged: true };
      const onDisk = report.jobs.includes(original) ? original : undefined;
      if (job !== onDisk) {
        await this.store.update(job);
        this.log.info('outbox: recovered job', { id: job.id, from: onDisk?.state ?? 'damaged record', to: job.state });
      }
      if (job.state === 'cancelled' && !missing.has(job.id)) await removeQuietly(emlFile(this.dir, job.id)).catch(() => undefined);
      this.put(job);
      this.drafts.set(job.id, report.drafts.get(job.id) ?? null);
    }
    await this.readBatches();
    // Jobs of a batch whose record was never written: the batch enqueue never answered, so nothing of it
    // was promised; its jobs go (records and messages). Not when the batches file itself was damaged:
    // then its jobs stay, as ordinary messages.
    const orphans = [...this.jobs.values()].filter((j) => j.batchId && !this.batches.has(j.batchId) && !this.batchesDamaged);
    if (orphans.length) {
      await this.store.remove(orphans.map((j) => j.id));
      for (const j of orphans) {
        this.forget(j.id);
      }
      this.log.warn('outbox: removed the messages of a batch that was never fully queued', { count: orphans.length });
    }
    for (const job of this.jobs.values()) if (job.batchId) this.batchJobs(job.batchId).add(job.id);
  }

  private async loadPast(): Promise<void> {
    const past = await readHistory(this.dir, pastRefOf, this.pastAbort.signal).catch((error: unknown) => {
      this.log.error('outbox: history unreadable; kept as it is', { error });
      return { entries: new Map<string, PastRef>(), damaged: 0 };
    });
    // Entries moved there since open (compact) are newer than what was read: they stay.
    for (const [id, ref] of past.entries) if (!this.past.has(id)) this.past.set(id, ref);
    if (past.damaged) this.log.warn('outbox: damaged history lines skipped (kept in the file)', { lines: past.damaged });
    for (const ref of this.past.values()) if (ref.batchId) this.batchJobs(ref.batchId).add(ref.id);
  }

  /** Builds the message file now (fsynced), then persists the job: queued, not before sendAt or the end of the undo window. */
  async enqueue(input: EnqueueInput): Promise<Result<OutboxJob>> {
    const prepared = await this.prepare(input);
    if (!prepared.ok) return prepared;
    const committed = await this.commit([prepared.value]);
    if (!committed.ok) return committed;
    const job = prepared.value.job;
    this.log.info('outbox: queued', { id: job.id, scheduled: job.scheduled, sizeBytes: job.summary.sizeBytes });
    this.emit(job);
    this.arm();
    return ok(this.view(job));
  }

  /**
   * Many messages in one durable step (a mail merge): each is checked and built first; if any cannot
   * be, nothing is queued (the error names its index in `detail.fields`). Then every job is written
   * together, and the batch's own record last: a batch whose record is missing at the next open never
   * answered, and its jobs are removed, so a batch is queued whole or not at all. Its jobs go out on
   * their account's lane like any other; progress comes through onBatchProgress at a bounded rate.
   */
  async enqueueBatch(inputs: readonly EnqueueInput[], options: { label?: string } = {}): Promise<Result<BatchProgress>> {
    if (this.closed) return fail('CANCELLED');
    if (!inputs.length || inputs.length > MAX_BATCH) return fail('INVALID_REQUEST', { fields: [{ path: 'inputs', problem: inputs.length ? 'too_big' : 'too_small' }] });
    const batchId = randomUUID();
    const prepared: Prepared[] = [];
    let failed: Result<never> | undefined;
    // A few messages are built at once: files are written and fsynced in parallel, memory stays bounded.
    let next = 0;
    const worker = async () => {
      while (!failed && next < inputs.length) {
        const index = next++;
        const one = await this.prepare(inputs[index]!, batchId);
        if (one.ok) prepared[index] = one.value;
        else if (!failed) failed = fail(one.error.code, { ...one.error.detail, fields: [{ path: `inputs.${index}`, problem: one.error.code }] });
      }
    };
    await Promise.all(Array.from({ length: Math.min(BUILD_AT_ONCE, inputs.length) }, worker));
    if (failed) {
      await Promise.all(prepared.filter(Boolean).map((p) => removeQuietly(p.eml).catch(() => undefined)));
      return failed;
    }
    const batch: BatchRecord = { id: batchId, createdAt: new Date(this.now()).toISOString(), total: prepared.length, paused: false, ...(options.label ? { label: options.label } : {}) };
    const committed = await this.commit(prepared, batch);
    if (!committed.ok) return committed;
    this.log.info('outbox: batch queued', { batch: batchId, count: prepared.length });
    this.arm();
    this.reportBatch(batchId, true);
    return ok(this.batchProgress(batchId)!);
  }

  /** Checks one message and builds its file (fsynced, in the folder under its final name); nothing is queued yet. */
  private async prepare(input: EnqueueInput, batchId?: string): Promise<Result<Prepared>> {
    if (this.closed) return fail('CANCELLED');
    const account = this.options.account(input.accountId, { rehearsal: Boolean(input.rehearsal) });
    if (!account.ok) return account;
    const valid = await validateMessage(input.message);
    if (!valid.ok) return valid;
    if (input.sendAt && Number.isNaN(input.sendAt.getTime())) return fail('INVALID_REQUEST', { fields: [{ path: 'sendAt', problem: 'invalid_date' }] });

    const id = randomUUID();
    const nowMs = this.now();
    const messageId = newMessageId(input.message.from.address);
    const eml = emlFile(this.dir, id);
    let stored: StoredMessage;
    const tmp = tempName(eml);
    try {
      try {
        stored = await writeMessageFile(tmp, input.message, messageId, input.sendAt ?? new Date(nowMs));
      } catch (error) {
        if (error instanceof OutboxWriteError) throw error.cause;
        // Not the writing side: reading a part of the message failed (an attachment gone, unreadable, a folder).
        await removeQuietly(tmp).catch(() => undefined);
        this.log.error('outbox: could not read a part of the message', { id, error });
        return fail('ATTACHMENT_UNREADABLE');
      }
      await rename(tmp, eml);
    } catch (error) {
      // The outbox folder cannot be written (full, read-only, gone): nothing of this message is left behind.
      await removeQuietly(tmp).catch(() => undefined);
      await removeQuietly(eml).catch(() => undefined);
      this.log.error('outbox: cannot write to the outbox folder', { id, error });
      return fail('OUTBOX_UNWRITABLE');
    }

    const m = input.message;
    const created = new Date(nowMs).toISOString();
    const job: JobRecord = {
      format: 1,
      id,
      accountId: input.accountId,
      state: 'queued',
      createdAt: created,
      updatedAt: created,
      notBefore: (input.sendAt ?? new Date(nowMs + (batchId ? 0 : this.undoMs))).toISOString(),
      scheduled: Boolean(input.sendAt),
      attempts: 0,
      maxAttempts: this.retry.maxAttempts,
      messageId,
      envelope: envelopeOf(m),
      summary: { subject: m.subject, to: [...m.to, ...m.cc, ...m.bcc].map((a) => a.address.trim()), sizeBytes: stored.sizeBytes },
      emlSha256: stored.sha256,
      accepted: [],
      refused: [],
      ...(input.dsn ? { dsn: input.dsn } : {}),
      ...(batchId ? { batchId } : {}),
      ...(batchId && input.batchRow !== undefined ? { batchRow: input.batchRow } : {}),
      ...(input.rehearsal ? { rehearsal: true } : {}),
      deliveryReports: [],
    };
    return ok({ job, draft: input.draft ?? null, eml });
  }

  /**
   * Makes prepared jobs durable together (their writes join one group in the store), then the batch
   * record when there is one, and only then lets the scheduler see them. On failure nothing stays.
   */
  private async commit(prepared: readonly Prepared[], batch?: BatchRecord): Promise<Result<void>> {
    const { writes } = await this.inTurn(() => ({ writes: this.closed ? undefined : prepared.map((p) => this.store.add(p.job, p.draft)) }));
    if (!writes) {
      // Closed meanwhile: nothing was recorded; the built messages go.
      await Promise.all(prepared.map((p) => removeQuietly(p.eml).catch(() => undefined)));
      return fail('CANCELLED');
    }
    let failure: { error: unknown } | undefined;
    const rejected = (await Promise.allSettled(writes)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected) failure = { error: rejected.reason };
    else if (batch) await this.changeBatches((all) => all.set(batch.id, batch)).catch((error: unknown) => (failure = { error }));
    if (failure) {
      this.log.error('outbox: could not write the job', { count: prepared.length, error: failure.error });
      // What was written is forgotten again (records, messages), so nothing half-queued stays.
      await this.store.remove(prepared.map((p) => p.job.id)).catch(() => undefined);
      await Promise.all(prepared.map((p) => removeQuietly(p.eml).catch(() => undefined)));
      return this.closed ? fail('CANCELLED') : fail('OUTBOX_UNWRITABLE');
    }
    for (const p of prepared) {
      this.put(p.job);
      this.drafts.set(p.job.id, p.draft);
      if (batch) this.batchJobs(batch.id).add(p.job.id);
    }
    return ok(undefined);
  }

  /** The built message of a job (the exact bytes sent), while it exists: kept for sent jobs (for a Sent copy), removed when cancelled. */
  messagePath(id: string): string | undefined {
    const job = this.jobs.get(id);
    return job && job.state !== 'cancelled' ? emlFile(this.dir, id) : undefined;
  }

  /**
   * Records what a delivery report said about recipients of a sent message. The same report
   * (by its Message-ID and recipient) is recorded once, so scanning a mailbox again changes nothing.
   * Answers the job when something new was recorded, null otherwise.
   */
  recordDeliveryReports(id: string, entries: readonly DeliveryReportEntry[]): Promise<Result<OutboxJob | null>> {
    return this.serial(async (): Promise<Result<OutboxJob | null>> => {
      const job = this.jobs.get(id);
      if (!job) return this.recordInHistory(id, entries);
      const known = job.deliveryReports ?? [];
      const fresh = entries.filter((e) => !known.some((k) => k.reportMessageId === e.reportMessageId && k.recipient === e.recipient));
      if (!fresh.length) return ok(null);
      const next: JobRecord = { ...job, deliveryReports: [...known, ...fresh.map((e) => ({ ...e }))] };
      try {
        await this.store.update(next);
      } catch (error) {
        this.log.error('outbox: could not write the job', { id, error });
        return fail('OUTBOX_UNWRITABLE');
      }
      this.put(next);
      this.log.info('outbox: delivery report recorded', { id, actions: fresh.map((e) => e.action) });
      this.emit(next);
      const bounced = fresh.filter((e) => e.action === 'failed');
      if (bounced.length) {
        try {
          this.options.onBounced?.(this.view(next), bounced);
        } catch (error) {
          this.log.warn('outbox: a bounce listener threw', { error });
        }
      }
      return ok(this.view(next));
    });
  }

  /** A report about a message already in the history: the entry is appended again with it. Answers null (no live job changed). */
  private async recordInHistory(id: string, entries: readonly DeliveryReportEntry[]): Promise<Result<OutboxJob | null>> {
    await this.pastLoaded;
    const entry = this.past.has(id) ? await findHistoryEntry(this.dir, id).catch(() => undefined) : undefined;
    if (!entry) return notFound();
    const fresh = entries.filter((e) => !entry.deliveryReports.some((k) => k.reportMessageId === e.reportMessageId && k.recipient === e.recipient));
    if (!fresh.length) return ok(null);
    const next: HistoryEntry = { ...entry, deliveryReports: [...entry.deliveryReports, ...fresh.map((e) => ({ ...e }))] };
    try {
      await appendHistory(this.dir, [next]);
    } catch (error) {
      this.log.error('outbox: could not write the history', { id, error });
      return fail('OUTBOX_UNWRITABLE');
    }
    this.past.set(id, pastRefOf(next));
    this.log.info('outbox: delivery report recorded in the history', { id, actions: fresh.map((e) => e.action) });
    return ok(null);
  }

  /**
   * Sent messages of an account since `sinceMs` (epoch ms), live jobs ('sent' and 'uncertain') and
   * the history alike: what bounce linking matches a delivery report against.
   */
  async sentMessages(accountId: string, sinceMs: number): Promise<SentMessageRef[]> {
    await this.pastLoaded;
    const refs: SentMessageRef[] = [];
    for (const j of this.jobs.values()) {
      if (j.accountId !== accountId || j.rehearsal || (j.state !== 'sent' && j.state !== 'uncertain') || Date.parse(j.createdAt) < sinceMs) continue;
      refs.push({ jobId: j.id, messageId: j.messageId, envelopeId: j.dsnOffered ? j.id : null, recipients: [...j.envelope.to], sentAt: j.updatedAt });
    }
    for (const e of this.past.values()) {
      if (e.accountId !== accountId || e.rehearsal || e.state !== 'sent' || this.jobs.has(e.id) || Date.parse(e.createdAt) < sinceMs) continue;
      refs.push({ jobId: e.id, messageId: e.messageId, envelopeId: e.envelopeId, recipients: [...e.recipients], sentAt: e.finishedAt });
    }
    return refs;
  }

  /**
   * Whether a message of the account reached its server (some recipient accepted) after `sinceIso`,
   * when its settings were last saved: those very settings work. Live jobs and the history alike.
   */
  private async deliveredSince(accountId: string, sinceIso: string): Promise<boolean> {
    await this.pastLoaded;
    const saved = Date.parse(sinceIso);
    const since = Number.isNaN(saved) ? -Infinity : saved;
    // A rehearsal reached the sandbox, which proves nothing about the account's own server.
    for (const j of this.jobs.values()) if (j.accountId === accountId && !j.rehearsal && j.accepted.length > 0 && Date.parse(j.updatedAt) >= since) return true;
    for (const e of this.past.values()) if (e.accountId === accountId && !e.rehearsal && e.accepted > 0 && Date.parse(e.finishedAt) >= since) return true;
    return false;
  }

  /**
   * A page of the finished jobs moved to the compact history, newest first: read from the end of
   * the file, so the first page costs the same however long the history is. `before`: the `next`
   * of the page before (null or absent for the first page).
   */
  async historyPage(options: { before?: number | null; limit?: number } = {}): Promise<{ entries: HistoryEntry[]; next: number | null }> {
    const limit = Math.max(1, Math.min(MAX_HISTORY_PAGE, options.limit ?? MAX_HISTORY_PAGE));
    try {
      // A job being moved (or whose move a crash interrupted) can be in both for a moment: the list
      // that shows both leaves out of the history what it shows live (OutboxView's SentEarlier).
      return await readHistoryPage(this.dir, { before: options.before ?? null, limit });
    } catch (error) {
      this.log.error('outbox: history unreadable', { error });
      return { entries: [], next: null };
    }
  }

  /**
   * Moves finished jobs (sent, or cancelled) older than historyAfterMs to the history: the entry is
   * appended and fsynced first, then the job file, message and draft go. A crash in between leaves
   * the job in full and in the history; the next run moves it again (the last line wins).
   */
  compact(): Promise<number> {
    return this.serial(async () => {
      const moved = await this.moveFinished();
      await this.applyRetention();
      return moved;
    });
  }

  /**
   * Finished jobs leave the live set when older than historyAfterMs, or beyond the newest
   * LIVE_FINISHED (a mail merge's thousands go to the history at once, so opening the outbox and its
   * first screen stay small).
   */
  private async moveFinished(): Promise<number> {
    {
      const cutoff = this.now() - (this.options.historyAfterMs ?? DEFAULT_HISTORY_AFTER_MS);
      const finished = [...this.jobs.values()]
        .filter((j) => j.state === 'sent' || j.state === 'cancelled')
        .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || b.id.localeCompare(a.id));
      const old = finished.filter((j, i) => i >= (this.options.liveFinished ?? LIVE_FINISHED) || Date.parse(j.updatedAt) <= cutoff);
      if (!old.length) return 0;
      // Oldest first into the file, so a page read from its end is newest first.
      const entries = old.reverse().map(historyEntryOf);
      try {
        await appendHistory(this.dir, entries);
        for (const e of entries) this.past.set(e.id, pastRefOf(e));
        await this.store.remove(old.map((j) => j.id));
      } catch (error) {
        this.log.error('outbox: could not move finished jobs to the history', { error });
        return 0;
      }
      for (const job of old) {
        this.forget(job.id);
      }
      this.log.info('outbox: finished jobs moved to the history', { count: old.length });
      return old.length;
    }
  }

  /** Drops history entries older than the retention the person chose (none: kept for ever). */
  private async applyRetention(): Promise<void> {
    const days = this.options.historyRetentionDays?.() ?? null;
    if (days === null) return;
    await this.pastLoaded;
    if (this.closed) return;
    const cutoff = new Date(this.now() - days * DAY_MS).toISOString();
    // Nothing that old (known from what is in memory): the file is not read again.
    let older = false;
    for (const ref of this.past.values()) if (ref.finishedAt < cutoff) older = true;
    if (!older) return;
    try {
      const dropped = await pruneHistory(this.dir, cutoff);
      if (!dropped) return;
      for (const [id, ref] of this.past) if (ref.finishedAt < cutoff) this.past.delete(id);
      this.log.info('outbox: history older than the retention removed', { count: dropped, days });
    } catch (error) {
      if (error instanceof HistoryDamagedError) this.log.error('outbox: history has damaged lines; not pruned, nothing dropped', { lines: error.lines });
      else this.log.error('outbox: could not prune the history', { error });
    }
  }

  /** Many finished jobs piled up (a batch): move them to the history soon, once, not per message. */
  private compactWhenMany(): void {
    if (this.compactSoon || this.closed) return;
    if (this.finishedLive <= (this.options.liveFinished ?? LIVE_FINISHED)) return;
    this.compactSoon = setTimeout(() => {
      this.compactSoon = undefined;
      void this.serial(() => this.moveFinished());
    }, 1000);
    this.compactSoon.unref?.();
  }

  /** Every job, oldest first. */
  /** Changes the undo window for messages queued from now on (a preference the person sets). */
  setUndoSeconds(seconds: number): void {
    this.undoMs = Math.max(0, Math.min(60, seconds)) * 1000;
  }

  list(): OutboxJob[] {
    return [...this.jobs.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id)).map((j) => this.view(j));
  }

  /** Only while nothing was attempted yet (undo window, or waiting for its "send later" time): cancels it and returns it with its draft. */
  undo(id: string): Promise<Result<OutboxJob>> {
    return this.act('undo', id);
  }
  /** queued / retrying / failed / uncertain -> cancelled. Never while 'sending'. */
  cancel(id: string): Promise<Result<OutboxJob>> {
    return this.act('cancel', id);
  }
  /** retrying / failed / uncertain -> queued now. For 'uncertain' this is the person's "send it again". */
  retryNow(id: string): Promise<Result<OutboxJob>> {
    return this.act('retryNow', id);
  }
  /** uncertain -> sent: the person says it arrived. */
  markSent(id: string): Promise<Result<OutboxJob>> {
    return this.act('markSent', id);
  }

  /**
   * The account signed in again: its messages that waited for that ('signin') are due now, with no
   * attempt used up. Returns how many.
   */
  resumeSignIn(accountId: string): Promise<number> {
    return this.serial(async () => {
      let resumed = 0;
      for (const job of [...this.jobs.values()]) {
        if (job.accountId !== accountId || job.state !== 'signin') continue;
        const next = resumeAfterSignIn(job, this.now());
        try {
          await this.store.update(next);
        } catch (error) {
          this.log.error('outbox: could not write the job', { id: job.id, error });
          continue;
        }
        this.put(next);
        this.emit(next);
        resumed++;
      }
      if (resumed) this.arm();
      return resumed;
    });
  }

  /** Where a batch stands now, or undefined for an unknown id. */
  batchProgress(batchId: string): BatchProgress | undefined {
    const batch = this.batches.get(batchId);
    if (!batch) return undefined;
    const p: BatchProgress = {
      batchId,
      ...(batch.label ? { label: batch.label } : {}),
      createdAt: batch.createdAt,
      total: batch.total,
      paused: batch.paused,
      waiting: 0,
      sending: 0,
      sent: 0,
      partlyRefused: 0,
      failed: 0,
      uncertain: 0,
      signin: 0,
      cancelled: 0,
      done: false,
    };
    for (const id of this.members.get(batchId) ?? []) {
      const job = this.jobs.get(id);
      const state = job?.state ?? this.past.get(id)?.state;
      if (state === 'queued' || state === 'retrying') p.waiting++;
      else if (state === 'sending' || state === 'sent' || state === 'failed' || state === 'uncertain' || state === 'signin' || state === 'cancelled') p[state]++;
      if (state === 'sent' && (job ? job.refused.length : (this.past.get(id)?.refused ?? 0)) > 0) p.partlyRefused++;
    }
    p.done = p.waiting + p.sending + p.signin === 0;
    return p;
  }

  /**
   * Every message of a batch wherever it is now: live jobs, and the entries of those moved to the
   * history (read from the file only when some are there). Undefined for an unknown batch.
   */
  async batchMembers(batchId: string): Promise<{ live: OutboxJob[]; past: HistoryEntry[] } | undefined> {
    if (!this.batches.has(batchId)) return undefined;
    await this.pastLoaded;
    const live: OutboxJob[] = [];
    const moved = new Set<string>();
    for (const id of this.members.get(batchId) ?? []) {
      const job = this.jobs.get(id);
      if (job) live.push(this.view(job));
      else if (this.past.has(id)) moved.add(id);
    }
    if (!moved.size) return { live, past: [] };
    // Only this batch's entries are kept of the file as it streams by (the last line of an id wins).
    const read = await readHistory<HistoryEntry | null>(this.dir, (e) => (moved.has(e.id) ? e : null)).catch((error: unknown) => {
      this.log.error('outbox: history unreadable', { error });
      return { entries: new Map<string, HistoryEntry | null>(), damaged: 0 };
    });
    return { live, past: [...moved].flatMap((id) => read.entries.get(id) ?? []) };
  }

  /**
   * The jobs (live, or in the history) that sent these Message-IDs (with angle brackets): their
   * account and merge row. One pass over the jobs for many ids; how the sandbox names what it captured.
   */
  async messageOrigins(messageIds: readonly string[]): Promise<Map<string, { accountId: string; batchId?: string; batchRow?: number }>> {
    await this.pastLoaded;
    const wanted = new Set(messageIds);
    const found = new Map<string, { accountId: string; batchId?: string; batchRow?: number }>();
    const note = (r: { messageId: string; accountId: string; batchId?: string | undefined; batchRow?: number | undefined }) => {
      if (!wanted.has(r.messageId) || found.has(r.messageId)) return;
      found.set(r.messageId, { accountId: r.accountId, ...(r.batchId ? { batchId: r.batchId } : {}), ...(r.batchRow !== undefined ? { batchRow: r.batchRow } : {}) });
    };
    for (const j of this.jobs.values()) note(j);
    for (const e of this.past.values()) note(e);
    return found;
  }

  /**
   * The largest message the account's server accepts, as it said (SIZE) when it last took one of the
   * messages still in the outbox: undefined when not known, 0 when it named no limit.
   */
  serverSizeLimit(accountId: string): number | undefined {
    let newest: JobRecord | undefined;
    for (const job of this.jobs.values())
      if (job.accountId === accountId && job.sizeLimit !== undefined && (!newest || job.updatedAt > newest.updatedAt)) newest = job;
    return newest?.sizeLimit;
  }

  /** How many messages of a batch were sent and then bounced (a linked delivery report says not delivered). */
  batchBounced(batchId: string): number {
    let bounced = 0;
    for (const id of this.members.get(batchId) ?? []) {
      const job = this.jobs.get(id);
      if (job ? job.state === 'sent' && (job.deliveryReports ?? []).some((r) => r.action === 'failed') : this.past.get(id)?.bounced) bounced++;
    }
    return bounced;
  }

  /** Every batch the outbox knows, oldest first. */
  listBatches(): BatchProgress[] {
    return [...this.batches.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt)).map((b) => this.batchProgress(b.id)!);
  }

  /** Holds the batch's waiting messages (a message already going out finishes). Kept across a restart. */
  pauseBatch(batchId: string): Promise<Result<BatchProgress>> {
    return this.setPaused(batchId, true);
  }

  /**
   * Lets the batch's waiting messages go again, each when it is due. `notBefore` gives queued messages
   * new times first (a mail merge plans its pace again from now: what a long pause held would
   * otherwise all be due at once, past the account's per-minute and daily limits). The new times are
   * durable before the batch is resumed.
   */
  async resumeBatch(batchId: string, options: { notBefore?: ReadonlyMap<string, Date> } = {}): Promise<Result<BatchProgress>> {
    if (options.notBefore?.size) {
      const retimed = await this.retime(batchId, options.notBefore);
      if (!retimed.ok) return retimed;
    }
    return this.setPaused(batchId, false);
  }

  /** New due times for queued messages of a batch (others, and unknown ids, are left as they are). */
  private retime(batchId: string, times: ReadonlyMap<string, Date>): Promise<Result<void>> {
    return this.serial(async (): Promise<Result<void>> => {
      if (!this.batches.has(batchId)) return fail('JOB_NOT_FOUND');
      if (this.closed) return fail('CANCELLED');
      const updatedAt = new Date(this.now()).toISOString();
      const changed: JobRecord[] = [];
      for (const [id, at] of times) {
        const job = this.jobs.get(id);
        if (!job || job.batchId !== batchId || job.state !== 'queued' || Number.isNaN(at.getTime())) continue;
        changed.push({ ...job, notBefore: at.toISOString(), updatedAt });
      }
      try {
        await Promise.all(changed.map((job) => this.store.update(job)));
      } catch (error) {
        this.log.error('outbox: could not write the job', { batch: batchId, error });
        return fail('OUTBOX_UNWRITABLE');
      }
      for (const job of changed) this.put(job);
      return ok(undefined);
    });
  }

  /** Cancels every message of the batch that has not gone yet (queued, retrying, waiting for sign-in); the others stay as they are. */
  cancelBatch(batchId: string): Promise<Result<BatchProgress>> {
    return this.serial(async (): Promise<Result<BatchProgress>> => {
      if (!this.batches.has(batchId)) return fail('JOB_NOT_FOUND');
      if (this.closed) return fail('CANCELLED');
      const now = this.now();
      const cancelled: JobRecord[] = [];
      for (const id of this.members.get(batchId) ?? []) {
        const job = this.jobs.get(id);
        if (!job || !(isWaiting(job) || job.state === 'signin')) continue;
        cancelled.push(applyAction('cancel', job, now));
      }
      try {
        await Promise.all(cancelled.map((job) => this.store.update(job)));
      } catch (error) {
        this.log.error('outbox: could not write the job', { batch: batchId, error });
        return fail('OUTBOX_UNWRITABLE');
      }
      for (const job of cancelled) {
        this.held.delete(job.id);
        this.put(job);
        this.emit(job);
      }
      await Promise.all(cancelled.map((job) => removeQuietly(emlFile(this.dir, job.id)).catch(() => undefined)));
      this.log.info('outbox: batch cancelled', { batch: batchId, cancelled: cancelled.length });
      this.reportBatch(batchId, true);
      return ok(this.batchProgress(batchId)!);
    });
  }

  private async setPaused(batchId: string, paused: boolean): Promise<Result<BatchProgress>> {
    if (!this.batches.has(batchId)) return fail('JOB_NOT_FOUND');
    if (this.closed) return fail('CANCELLED');
    try {
      await this.changeBatches((all) => {
        const batch = all.get(batchId);
        if (batch) all.set(batchId, { ...batch, paused });
      });
    } catch (error) {
      this.log.error('outbox: could not write the batches', { batch: batchId, error });
      return fail('OUTBOX_UNWRITABLE');
    }
    if (!paused) {
      // What the pause held goes back into the schedule, due now (or at its own later time).
      for (const id of this.members.get(batchId) ?? []) {
        if (!this.held.delete(id)) continue;
        const job = this.jobs.get(id);
        if (!job) continue;
        this.dueAt.delete(id);
        this.put(job);
      }
      this.arm();
    }
    this.log.info(paused ? 'outbox: batch paused' : 'outbox: batch resumed', { batch: batchId });
    this.reportBatch(batchId, true);
    return ok(this.batchProgress(batchId)!);
  }

  /** A due job of a paused batch: set aside (not started) until the batch is resumed. */
  private isHeld(job: JobRecord): boolean {
    if (!job.batchId || !this.batches.get(job.batchId)?.paused) return false;
    this.held.add(job.id);
    return true;
  }

  private batchJobs(batchId: string): Set<string> {
    let set = this.members.get(batchId);
    if (!set) {
      set = new Set();
      this.members.set(batchId, set);
    }
    return set;
  }

  /** Changes the batches durably, one change after another; the map in memory changes once the file has. */
  private changeBatches(change: (all: Map<string, BatchRecord>) => void): Promise<void> {
    const run = this.batchWrites.then(async () => {
      const next = new Map(this.batches);
      change(next);
      await writeFileAtomic(this.dir, join(this.dir, BATCHES_FILE), JSON.stringify({ v: 1, batches: [...next.values()] }));
      this.batches = next;
    });
    this.batchWrites = run.catch(() => undefined);
    return run;
  }

  private async readBatches(): Promise<void> {
    let text: string;
    try {
      text = await readFile(join(this.dir, BATCHES_FILE), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.log.error('outbox: batches unreadable', { error });
      return;
    }
    try {
      const parsed = JSON.parse(text) as { v?: number; batches?: BatchRecord[] };
      if (parsed.v !== 1 || !Array.isArray(parsed.batches)) throw new Error('not a batches file');
      for (const b of parsed.batches) if (b && typeof b.id === 'string' && typeof b.total === 'number') this.batches.set(b.id, { ...b, paused: Boolean(b.paused) });
    } catch (error) {
      // Kept aside, never deleted; its jobs go on as ordinary messages (see load()).
      const aside = await setAside(this.dir, BATCHES_FILE).catch(() => undefined);
      this.log.error('outbox: damaged batches file set aside', { error, aside });
      this.batchesDamaged = true;
    }
  }

  /**
   * Tells onBatchProgress how the batch stands: at once when asked (queued, paused, resumed,
   * cancelled), otherwise at most every batchProgressEveryMs, the last change always reported.
   */
  private reportBatch(batchId: string, now = false): void {
    const listener = this.options.onBatchProgress;
    if (!listener || this.closed) return;
    const every = this.options.batchProgressEveryMs ?? DEFAULT_BATCH_PROGRESS_EVERY_MS;
    let state = this.batchReports.get(batchId);
    if (!state) {
      state = { last: 0 };
      this.batchReports.set(batchId, state);
    }
    const s = state;
    const send = () => {
      clearTimeout(s.timer);
      s.timer = undefined;
      s.last = Date.now();
      const progress = this.batchProgress(batchId);
      if (!progress || (progress.done && s.done && !now)) return;
      s.done = progress.done;
      try {
        listener(progress);
      } catch (error) {
        this.log.warn('outbox: a batch progress listener threw', { error });
      }
    };
    if (now) return send();
    if (s.timer) return;
    s.timer = setTimeout(send, Math.max(0, s.last + every - Date.now()));
    s.timer.unref?.();
  }

  /** Stops the scheduler; a send in flight gets closeGraceMs to finish, then is aborted (before its data: back to queued; during it: uncertain). */
  async close(): Promise<void> {
    if (this.closed) {
      await Promise.all(this.running);
      return;
    }
    this.closed = true;
    clearInterval(this.housekeeping);
    clearTimeout(this.compactSoon);
    this.pastAbort.abort();
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const report of this.batchReports.values()) clearTimeout(report.timer);
    if (this.running.size) {
      const running = Promise.all(this.running);
      // Grace, then abort; a delivery that ignores the abort is left behind after 2 s more (the
      // job file then says 'sending', and the next open decides by the transmitting marker).
      let giveUp: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<void>((resolve) => {
        giveUp = setTimeout(resolve, (this.options.closeGraceMs ?? 10_000) + 2000);
      });
      const grace = setTimeout(() => {
        for (const flight of this.inflight.values()) flight.abort.abort();
      }, this.options.closeGraceMs ?? 10_000);
      await Promise.race([running, gaveUp]);
      clearTimeout(grace);
      clearTimeout(giveUp);
    }
    this.sessions.close();
    await this.chain.catch(() => undefined);
  }

  // ---------------------------------------------------------------------------------------------

  private act(action: Action, id: string): Promise<Result<OutboxJob>> {
    return this.serial(async (): Promise<Result<OutboxJob>> => {
      const job = this.jobs.get(id);
      if (!job) return notFound();
      if (this.closed) return fail('CANCELLED');
      if (!allows(action, job)) return notAllowed(action, job);
      // A damaged message is never sent: only opening it as a draft or deleting it remain.
      if (action === 'retryNow' && job.damaged === 'message') return notAllowed(action, job);
      const next = applyAction(action, job, this.now());
      // The person checked a rebuilt job and chose: from now on it is an ordinary job.
      if (next.damaged === 'record' && (action === 'retryNow' || action === 'markSent')) {
        delete next.damaged;
        delete next.lastError;
      }
      try {
        await this.store.update(next);
      } catch (error) {
        this.log.error('outbox: could not write the job', { id, error });
        return fail('OUTBOX_UNWRITABLE');
      }
      this.put(next);
      this.log.info(`outbox: ${action}`, { id, state: next.state });
      this.emit(next);
      this.arm();
      if (next.state === 'cancelled') await removeQuietly(emlFile(this.dir, id)).catch(() => undefined);
      return ok(this.view(next));
    });
  }

  /**
   * Runs a synchronous change in its turn among the serial ones, without holding the turn while its
   * write becomes durable (return the write's promise inside an object, and await it after): so
   * concurrent deliveries' records can be made durable together.
   */
  private inTurn<T extends object>(fn: () => T): Promise<T> {
    return this.serial(() => Promise.resolve(fn()));
  }

  /** Runs state changes one after another, so a person's action and the scheduler never interleave. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.chain.then(fn, fn);
    this.chain = result.catch(() => undefined);
    return result;
  }

  private view(job: JobRecord): OutboxJob {
    const { format: _format, transmitting: _transmitting, emlSha256: _emlSha256, ...rest } = job;
    const progress = job.state === 'sending' ? this.inflight.get(job.id)?.progress : undefined;
    return {
      ...rest,
      envelope: { from: job.envelope.from, to: [...job.envelope.to] },
      summary: { ...job.summary, to: [...job.summary.to] },
      accepted: [...job.accepted],
      refused: job.refused.map((r) => ({ ...r })),
      deliveryReports: (job.deliveryReports ?? []).map((r) => ({ ...r })),
      ...(job.dsn ? { dsn: { notify: [...job.dsn.notify], ret: job.dsn.ret } } : {}),
      ...(progress ? { progress: { ...progress } } : {}),
      draft: this.drafts.get(job.id) ?? null,
    };
  }

  private emit(job: JobRecord): void {
    try {
      this.options.onChange?.(this.view(job));
    } catch (error) {
      this.log.warn('outbox: onChange listener threw', { error });
    }
  }

  /** Keeps the job, and its place in the schedule: a waiting job goes into the heap at its due time. */
  private put(job: JobRecord): void {
    const before = this.jobs.get(job.id);
    this.finishedLive += Number(isFinished(job)) - Number(before !== undefined && isFinished(before));
    this.jobs.set(job.id, job);
    if (job.batchId) this.reportBatch(job.batchId);
    if (!isWaiting(job)) {
      this.dueAt.delete(job.id);
      return;
    }
    const at = Date.parse(job.notBefore);
    const due = Number.isNaN(at) ? 0 : at;
    if (this.dueAt.get(job.id) === due) return;
    this.dueAt.set(job.id, due);
    this.waiting.push({ at: due, seq: this.seq++, id: job.id });
  }

  /** Drops a job from memory (moved to the history, or never queued after all). */
  private forget(id: string): void {
    const job = this.jobs.get(id);
    if (job && isFinished(job)) this.finishedLive--;
    this.jobs.delete(id);
    this.dueAt.delete(id);
    this.drafts.delete(id);
  }

  /** One timer, set for the earliest waiting job (the top of the heap; stale entries are dropped on the way). */
  private arm(): void {
    if (this.closed) return;
    let top = this.waiting.peek();
    while (top && this.dueAt.get(top.id) !== top.at) {
      this.waiting.pop();
      top = this.waiting.peek();
    }
    const next = top ? top.at : Infinity;
    if (this.timer && this.timerAt <= next) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    if (next === Infinity) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, next - this.now()));
    this.timerAt = this.now() + delay;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.tick();
    }, delay);
    this.timer.unref?.();
  }

  /** Moves every due job into its account's lane, then lets each lane start what it may. */
  private tick(): void {
    if (this.closed) return;
    const now = this.now();
    const touched = new Set<string>();
    for (let top = this.waiting.peek(); top && top.at <= now; top = this.waiting.peek()) {
      this.waiting.pop();
      if (this.dueAt.get(top.id) !== top.at) continue;
      this.dueAt.delete(top.id);
      const job = this.jobs.get(top.id);
      if (!job || !isDue(job, now)) continue;
      if (this.isHeld(job)) continue;
      const key = laneKeyOf(job);
      const lane = this.lane(key, job);
      if (lane.inReady.has(job.id) || lane.active.has(job.id)) continue;
      lane.ready.push(job.id);
      lane.inReady.add(job.id);
      touched.add(key);
    }
    for (const key of touched) this.dispatch(key);
    this.arm();
  }

  private lane(key: string, job: JobRecord): Lane {
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { accountId: job.accountId, rehearsal: Boolean(job.rehearsal), ready: [], head: 0, inReady: new Set(), active: new Set() };
      this.lanes.set(key, lane);
    }
    return lane;
  }

  /** How many deliveries the account's lane may have at once: its setting, or the default. */
  private connectionsOf(accountId: string, rehearsal: boolean): number {
    const found = this.options.account(accountId, { rehearsal });
    return found.ok ? (found.value.account.smtp.maxConnections ?? DEFAULT_SMTP_CONNECTIONS) : 1;
  }

  /** Starts the lane's next due jobs while it has connections free. Nothing here waits on another lane. */
  private dispatch(key: string): void {
    const lane = this.lanes.get(key);
    if (!lane || this.closed) return;
    const limit = this.connectionsOf(lane.accountId, lane.rehearsal);
    while (lane.active.size < limit && lane.head < lane.ready.length) {
      const id = lane.ready[lane.head++]!;
      lane.inReady.delete(id);
      const job = this.jobs.get(id);
      if (!job || this.isHeld(job)) continue;
      lane.active.add(id);
      // The slot frees as soon as the server has answered and the outcome is on its way to disk:
      // the next message starts while that write joins a group (its own marker may share it).
      let freed = false;
      const free = () => {
        if (freed) return;
        freed = true;
        lane.active.delete(id);
        this.dispatch(key);
      };
      const running: Promise<void> = this.run(id, free)
        .catch((error: unknown) => this.log.error('outbox: send failed unexpectedly', { id, error }))
        .finally(() => {
          this.inflight.delete(id);
          this.running.delete(running);
          free();
          this.arm();
        });
      this.running.add(running);
    }
    if (lane.head === lane.ready.length) {
      lane.ready = [];
      lane.head = 0;
    } else if (lane.head > 1024 && lane.head * 2 > lane.ready.length) {
      lane.ready = lane.ready.slice(lane.head);
      lane.head = 0;
    }
    if (!lane.active.size && !lane.ready.length) this.lanes.delete(key);
  }

  private async run(id: string, free: () => void): Promise<void> {
    const abort = new AbortController();
    const started = await this.serial(async () => {
      const job = this.jobs.get(id);
      if (!job || this.closed || !isDue(job, this.now())) return undefined;
      // 'sending' is kept in memory only: on disk the job stays queued until the transmitting marker
      // (below) is written, and a crash before it leaves a job that is simply sent again.
      const next: JobRecord = { ...job, state: 'sending', updatedAt: new Date(this.now()).toISOString() };
      delete next.transmitting;
      this.put(next);
      this.inflight.set(id, { abort });
      this.emit(next);
      return next;
    });
    if (!started) return;

    let marked = false;
    let outcome: DeliveryOutcome;
    /** When the account's settings were last saved: a delivery since then proves they work. */
    let settingsSince: string | undefined;
    let pinnedNow = false;
    let lastEmit = 0;
    try {
      const account = this.options.account(started.accountId, this.view(started));
      const intact = await this.messageIntact(started, true);
      if (!intact) {
        outcome = { kind: 'not-delivered', error: appError('OUTBOX_MESSAGE_DAMAGED'), temporary: false, refused: [], deferred: [] };
      } else if (!account.ok) {
        outcome = { kind: 'not-delivered', error: account.error, temporary: false, refused: [], deferred: [] };
      } else {
        settingsSince = account.value.account.updatedAt;
        pinnedNow = Boolean(account.value.account.smtp.pinnedCertificate);
        outcome = await this.deliver({
          job: this.view(started),
          emlPath: emlFile(this.dir, id),
          ...(intact !== true ? { content: intact } : {}),
          sizeBytes: started.summary.sizeBytes,
          recipients: remainingRecipients(started),
          account: account.value.account,
          credentials: account.value.credentials,
          smtp: this.options.smtp ?? {},
          signal: abort.signal,
          sessions: this.sessions,
          beforeTransmit: async () => {
            const written = await this.inTurn(() => {
              const job: JobRecord = { ...this.jobs.get(id)!, transmitting: true, updatedAt: new Date(this.now()).toISOString() };
              this.put(job);
              return { durable: this.store.update(job) };
            });
            await written.durable;
            marked = true;
          },
          onProgress: (sentBytes, totalBytes) => {
            const flight = this.inflight.get(id);
            if (!flight) return;
            flight.progress = { sentBytes, totalBytes };
            const t = Date.now();
            if (t - lastEmit < PROGRESS_EVERY_MS && sentBytes < totalBytes) return;
            lastEmit = t;
            this.emit(this.jobs.get(id)!);
          },
        });
      }
    } catch (error) {
      this.log.error('outbox: delivery threw', { id, error });
      outcome = marked
        ? { kind: 'uncertain', error: appError('INTERNAL') }
        : { kind: 'not-delivered', error: appError('INTERNAL'), temporary: true, refused: [], deferred: [] };
    }

    if (outcome.kind === 'not-delivered' && settingsSince !== undefined)
      outcome = { ...outcome, error: withPin(afterWorking(outcome.error, await this.deliveredSince(started.accountId, settingsSince)), pinnedNow) };

    // The new state is taken in turn with every other change; its write joins whatever else is being
    // made durable at the same moment (other lanes' markers and outcomes), and is awaited outside the turn.
    const { next, durable } = await this.inTurn(() => {
      let next = applyOutcome(this.jobs.get(id)!, outcome, this.now(), this.retry, this.random);
      // Nothing was attempted: not counted as an attempt, and never 'sent' (even when earlier attempts reached some recipients).
      if (outcome.kind === 'not-delivered' && outcome.error.code === 'OUTBOX_MESSAGE_DAMAGED') next = this.damagedMessage(this.jobs.get(id)!, this.now());
      if (outcome.kind === 'delivered' && outcome.dsnOffered !== undefined) next = { ...next, dsnOffered: outcome.dsnOffered };
      // The sandbox's SIZE is not the account's server's: a rehearsal keeps none.
      if (outcome.kind === 'delivered' && outcome.sizeLimit !== undefined && !started.rehearsal) next = { ...next, sizeLimit: outcome.sizeLimit };
      this.inflight.delete(id);
      return { next, durable: this.store.update(next) };
    });
    free();
    try {
      await durable;
    } catch (error) {
      // The record keeps 'sending' (with the marker once the message was handed over): recovery decides at the next open.
      this.log.error('outbox: could not write the job', { id, error });
    }
    // Seen (and told) once it is on disk. Nothing else changes a job while it is being sent.
    this.put(next);
    if (next.state === 'sent') this.compactWhenMany();
    {
      this.logOutcome(next, outcome);
      this.emit(next);
      const listener =
        next.state === 'failed'
          ? this.options.onFailed
          : next.state === 'signin'
            ? this.options.onWaitingForSignIn
            : next.state === 'sent' && next.refused.length
              ? this.options.onPartlyRefused
              : undefined;
      if (listener) {
        try {
          listener(this.view(next));
        } catch (error) {
          this.log.warn('outbox: a failure listener threw', { error });
        }
      }
    }
  }

  /**
   * Whether `<id>.eml` is still what was stored at enqueue: same size, same SHA-256. Jobs written
   * before the checksum was recorded have none and are accepted as they are.
   */
  private async messageIntact(job: JobRecord, keep: boolean): Promise<boolean | Buffer> {
    if (!job.emlSha256) return true;
    try {
      // A small message is read once: checked here, and sent from these very bytes (no second read).
      if (keep && job.summary.sizeBytes <= READ_WHOLE_MAX) {
        const content = await readFile(emlFile(this.dir, job.id));
        if (content.length === job.summary.sizeBytes && createHash('sha256').update(content).digest('hex') === job.emlSha256) return content;
        this.log.error('outbox: stored message damaged; not sent', { id: job.id, recordedBytes: job.summary.sizeBytes, foundBytes: content.length });
        return false;
      }
      const measured = await measureMessageFile(emlFile(this.dir, job.id));
      if (measured.sizeBytes === job.summary.sizeBytes && measured.sha256 === job.emlSha256) return true;
      this.log.error('outbox: stored message damaged; not sent', { id: job.id, recordedBytes: job.summary.sizeBytes, foundBytes: measured.sizeBytes });
    } catch (error) {
      this.log.error('outbox: stored message unreadable; not sent', { id: job.id, error });
    }
    return false;
  }

  /** A waiting job whose message is damaged: failed for good, with words; its draft is still offered. */
  private damagedMessage(job: JobRecord, now: number): JobRecord {
    const next: JobRecord = { ...job, state: 'failed', damaged: 'message', updatedAt: new Date(now).toISOString(), lastError: appError('OUTBOX_MESSAGE_DAMAGED') };
    delete next.transmitting;
    return next;
  }

  private logOutcome(job: JobRecord, outcome: DeliveryOutcome): void {
    const error: AppError | undefined = outcome.kind === 'not-delivered' || outcome.kind === 'uncertain' ? outcome.error : undefined;
    // A message that did not go (for good, or perhaps) is what someone reading the log looks for.
    const level = job.state === 'failed' || job.state === 'uncertain' ? 'warn' : 'info';
    this.log[level](`outbox: ${job.state}`, {
      id: job.id,
      attempts: job.attempts,
      ...(error ? { code: error.code, responseCode: error.detail?.responseCode } : {}),
      ...(job.state === 'retrying' ? { notBefore: job.notBefore } : {}),
    });
  }
}

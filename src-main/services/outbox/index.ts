/**
 * The durable outbox: every send is a persisted job with explicit states (STYLE.md 9).
 *
 *   enqueue -> queued --(undo window / "send later" time)--> sending -> sent
 *                 ^                                            |  \-> retrying --(backoff)--> sending ...
 *                 |                                            |  \-> failed   (permanent, or out of attempts)
 *                 +------ retryNow (person) -------------------+  \-> uncertain ("may have been sent": the person decides)
 *   undo / cancel -> cancelled;  markSent: uncertain -> sent
 *
 * The message is built once at enqueue into `<id>.eml` (fsynced) before the job file exists, so
 * the same bytes (and Message-ID) go out on every attempt; it stays after the send (a Sent copy
 * is filed from it) and goes when the job is cancelled. Before the message is handed to the
 * SMTP connection, the job is persisted with `transmitting: true`; after a crash, a job still in
 * 'sending' with that marker becomes 'uncertain' (never resent on its own: no silent duplicate),
 * one without it goes back to 'queued'. One send at a time, one timer, stopped by close().
 *
 * Recipients answered 4xx on RCPT while others were accepted: the accepted ones get it now, the
 * deferred ones are tried again with the job's backoff (same bytes); a job out of attempts is
 * 'sent' with them listed in `refused`. Recipients answered 5xx are `refused` at once.
 */
import { randomUUID } from 'node:crypto';
import { rename } from 'node:fs/promises';
import { DEFAULT_UNDO_SECONDS } from '../../../shared/model';
import type { SentMessageRef } from '../bounces';
import type { DeliveryReportEntry } from '../../../shared/outbox';
import { appError, fail, ok, type AppError, type Result } from '../../../shared/result';
import { silentLogger, type Logger } from '../logger';
import { afterWorking, withPin } from '../net/errors';
import { deliverBySmtp } from './deliver';
import { envelopeOf, measureMessageFile, newMessageId, OutboxWriteError, validateMessage, writeMessageFile, type StoredMessage } from './message';
import { rebuildRecord } from './rebuild';
import { appendHistory, historyEntryOf, readHistory, type HistoryEntry } from './history';
import { allows, applyAction, applyOutcome, isDue, isPending, isWaiting, recoverJob, remainingRecipients, resumeAfterSignIn, type Action } from './state';
import { removeQuietly, tempName } from '../durable-files';
import { emlFile, setAside, type JobStore } from './store';
import { JournalJobStore } from './journal';
import {
  DEFAULT_RETRY,
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
export type { HistoryEntry } from './history';
export { retryDelayMs } from './state';

/** The timer never sleeps longer than this, so a clock change cannot hold a send back for long. */
const MAX_TIMER_MS = 60_000;
const PROGRESS_EVERY_MS = 100;
const DAY_MS = 24 * 3600_000;
const HOUSEKEEPING_EVERY_MS = 6 * 3600_000;
/** Finished jobs stay in full this long (the Sent copy and the first bounces have long had their chance). */
const DEFAULT_HISTORY_AFTER_MS = 7 * DAY_MS;

/** Errors of the outbox's own API; the detail names the action and state, never message content. */
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
}

export class Outbox {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly drafts = new Map<string, unknown>();
  /** Finished jobs moved out of the folder, by id (history.ts). */
  private readonly past = new Map<string, HistoryEntry>();
  private readonly dir: string;
  private readonly store: JobStore;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly retry: RetryPolicy;
  private undoMs: number;
  private readonly deliver: Deliver;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  /** Moves finished jobs to the history now and then while the app runs for days. */
  private housekeeping: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private inflight: { id: string; abort: AbortController; progress?: { sentBytes: number; totalBytes: number } } | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;

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
    await outbox.compact();
    outbox.housekeeping = setInterval(() => void outbox.compact(), HOUSEKEEPING_EVERY_MS);
    outbox.housekeeping.unref?.();
    outbox.arm();
    return outbox;
  }

  private async load(): Promise<void> {
    const report = await this.store.load();
    const past = await readHistory(this.dir).catch((error: unknown) => {
      this.log.error('outbox: history unreadable; kept as it is', { error });
      return { entries: new Map<string, HistoryEntry>(), damaged: 0 };
    });
    for (const [id, entry] of past.entries) this.past.set(id, entry);
    if (past.damaged) this.log.warn('outbox: damaged history lines skipped (kept in the file)', { lines: past.damaged });
    if (report.removed.length) this.log.warn('outbox: cleaned up after an interrupted write', { removed: report.removed.length });
    if (report.corrupt.length) this.log.error('outbox: damaged job files without a message set aside', { corrupt: report.corrupt });
    if (report.damagedDrafts.length) this.log.error('outbox: damaged draft files set aside', { ids: report.damagedDrafts });
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
      } else if (isPending(job) && !(await this.messageIntact(job))) {
        job = this.damagedMessage(job, now);
      }
      if (damagedDrafts.has(job.id) && !job.draftDamaged) job = { ...job, draftDamaged: true };
      const onDisk = report.jobs.includes(original) ? original : undefined;
      if (job !== onDisk) {
        await this.store.update(job);
        this.log.info('outbox: recovered job', { id: job.id, from: onDisk?.state ?? 'damaged record', to: job.state });
      }
      if (job.state === 'cancelled' && !missing.has(job.id)) await removeQuietly(emlFile(this.dir, job.id)).catch(() => undefined);
      this.jobs.set(job.id, job);
      this.drafts.set(job.id, report.drafts.get(job.id) ?? null);
    }
  }

  /** Builds the message file now (fsynced), then persists the job: queued, not before sendAt or the end of the undo window. */
  async enqueue(input: EnqueueInput): Promise<Result<OutboxJob>> {
    if (this.closed) return fail('CANCELLED');
    const account = this.options.account(input.accountId);
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
      notBefore: (input.sendAt ?? new Date(nowMs + this.undoMs)).toISOString(),
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
      deliveryReports: [],
    };
    const written = await this.serial(async () => {
      if (this.closed) return false;
      await this.store.add(job, input.draft ?? null);
      this.jobs.set(id, job);
      this.drafts.set(id, input.draft ?? null);
      return true;
    }).catch((error: unknown) => {
      this.log.error('outbox: could not write the job', { id, error });
      return false;
    });
    if (!written) {
      await removeQuietly(eml).catch(() => undefined);
      return this.closed ? fail('CANCELLED') : fail('OUTBOX_UNWRITABLE');
    }
    this.log.info('outbox: queued', { id, scheduled: job.scheduled, sizeBytes: stored.sizeBytes });
    this.emit(job);
    this.arm();
    return ok(this.view(job));
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
      this.jobs.set(id, next);
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
    const entry = this.past.get(id);
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
    this.past.set(id, next);
    this.log.info('outbox: delivery report recorded in the history', { id, actions: fresh.map((e) => e.action) });
    return ok(null);
  }

  /**
   * Sent messages of an account since `sinceMs` (epoch ms), live jobs ('sent' and 'uncertain') and
   * the history alike: what bounce linking matches a delivery report against.
   */
  /** Sent messages as bounce linking needs them, from live jobs and the history. */
  sentMessages(accountId: string, sinceMs: number): SentMessageRef[] {
    const refs: SentMessageRef[] = [];
    for (const j of this.jobs.values()) {
      if (j.accountId !== accountId || (j.state !== 'sent' && j.state !== 'uncertain') || Date.parse(j.createdAt) < sinceMs) continue;
      refs.push({ jobId: j.id, messageId: j.messageId, envelopeId: j.dsnOffered ? j.id : null, recipients: [...j.envelope.to], sentAt: j.updatedAt });
    }
    for (const e of this.past.values()) {
      if (e.accountId !== accountId || e.state !== 'sent' || this.jobs.has(e.id) || Date.parse(e.createdAt) < sinceMs) continue;
      refs.push({ jobId: e.id, messageId: e.messageId, envelopeId: e.envelopeId, recipients: [...e.recipients], sentAt: e.finishedAt });
    }
    return refs;
  }

  /**
   * Whether a message of the account reached its server (some recipient accepted) after `sinceIso`,
   * when its settings were last saved: those very settings work. Live jobs and the history alike.
   */
  private deliveredSince(accountId: string, sinceIso: string): boolean {
    const saved = Date.parse(sinceIso);
    const since = Number.isNaN(saved) ? -Infinity : saved;
    for (const j of this.jobs.values()) if (j.accountId === accountId && j.accepted.length > 0 && Date.parse(j.updatedAt) >= since) return true;
    for (const e of this.past.values()) if (e.accountId === accountId && e.accepted.length > 0 && Date.parse(e.finishedAt) >= since) return true;
    return false;
  }

  /** Finished jobs moved to the compact history, newest first. */
  history(): HistoryEntry[] {
    return [...this.past.values()].filter((e) => !this.jobs.has(e.id)).sort((a, b) => b.finishedAt.localeCompare(a.finishedAt));
  }

  /**
   * Moves finished jobs (sent, or cancelled) older than historyAfterMs to the history: the entry is
   * appended and fsynced first, then the job file, message and draft go. A crash in between leaves
   * the job in full and in the history; the next run moves it again (the last line wins).
   */
  compact(): Promise<number> {
    return this.serial(async () => {
      const cutoff = this.now() - (this.options.historyAfterMs ?? DEFAULT_HISTORY_AFTER_MS);
      const old = [...this.jobs.values()].filter((j) => (j.state === 'sent' || j.state === 'cancelled') && Date.parse(j.updatedAt) <= cutoff);
      if (!old.length) return 0;
      const entries = old.map(historyEntryOf);
      try {
        await appendHistory(this.dir, entries);
        for (const e of entries) this.past.set(e.id, e);
        await this.store.remove(old.map((j) => j.id));
      } catch (error) {
        this.log.error('outbox: could not move finished jobs to the history', { error });
        return 0;
      }
      for (const job of old) {
        this.jobs.delete(job.id);
        this.drafts.delete(job.id);
      }
      this.log.info('outbox: finished jobs moved to the history', { count: old.length });
      return old.length;
    });
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
        this.jobs.set(job.id, next);
        this.emit(next);
        resumed++;
      }
      if (resumed) this.arm();
      return resumed;
    });
  }

  /** Stops the scheduler; a send in flight gets closeGraceMs to finish, then is aborted (before its data: back to queued; during it: uncertain). */
  async close(): Promise<void> {
    if (this.closed) {
      await this.running;
      return;
    }
    this.closed = true;
    clearInterval(this.housekeeping);
    clearTimeout(this.timer);
    this.timer = undefined;
    const running = this.running;
    if (running) {
      // Grace, then abort; a delivery that ignores the abort is left behind after 2 s more (the
      // job file then says 'sending', and the next open decides by the transmitting marker).
      let giveUp: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<void>((resolve) => {
        giveUp = setTimeout(resolve, (this.options.closeGraceMs ?? 10_000) + 2000);
      });
      const grace = setTimeout(() => this.inflight?.abort.abort(), this.options.closeGraceMs ?? 10_000);
      await Promise.race([running, gaveUp]);
      clearTimeout(grace);
      clearTimeout(giveUp);
    }
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
      this.jobs.set(id, next);
      this.log.info(`outbox: ${action}`, { id, state: next.state });
      this.emit(next);
      this.arm();
      if (next.state === 'cancelled') await removeQuietly(emlFile(this.dir, id)).catch(() => undefined);
      return ok(this.view(next));
    });
  }

  /** Runs state changes one after another, so a person's action and the scheduler never interleave. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.chain.then(fn, fn);
    this.chain = result.catch(() => undefined);
    return result;
  }

  private view(job: JobRecord): OutboxJob {
    const { format: _format, transmitting: _transmitting, emlSha256: _emlSha256, ...rest } = job;
    const progress = this.inflight?.id === job.id && job.state === 'sending' ? this.inflight.progress : undefined;
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

  /** One timer, set for the earliest job that waits. */
  private arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed || this.running) return;
    let next = Infinity;
    for (const job of this.jobs.values()) if (isWaiting(job)) next = Math.min(next, Date.parse(job.notBefore));
    if (next === Infinity) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, next - this.now()));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.tick();
    }, delay);
    this.timer.unref?.();
  }

  private tick(): void {
    if (this.closed || this.running) return;
    const now = this.now();
    const due = [...this.jobs.values()]
      .filter((j) => isDue(j, now))
      .sort((a, b) => Date.parse(a.notBefore) - Date.parse(b.notBefore) || a.createdAt.localeCompare(b.createdAt))[0];
    if (!due) return this.arm();
    this.running = this.run(due.id)
      .catch((error: unknown) => this.log.error('outbox: send failed unexpectedly', { id: due.id, error }))
      .finally(() => {
        this.running = undefined;
        this.inflight = undefined;
        this.arm();
      });
  }

  private async run(id: string): Promise<void> {
    const abort = new AbortController();
    const started = await this.serial(async () => {
      const job = this.jobs.get(id);
      if (!job || this.closed || !isDue(job, this.now())) return undefined;
      const next: JobRecord = { ...job, state: 'sending', updatedAt: new Date(this.now()).toISOString() };
      delete next.transmitting;
      try {
        await this.store.update(next);
      } catch (error) {
        // Cannot record the attempt, so do not make it; look again later rather than spin.
        this.log.error('outbox: could not write the job', { id, error });
        this.jobs.set(id, { ...job, notBefore: new Date(this.now() + this.retry.baseMs).toISOString() });
        return undefined;
      }
      this.jobs.set(id, next);
      this.inflight = { id, abort };
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
      const account = this.options.account(started.accountId);
      if (!(await this.messageIntact(started))) {
        outcome = { kind: 'not-delivered', error: appError('OUTBOX_MESSAGE_DAMAGED'), temporary: false, refused: [], deferred: [] };
      } else if (!account.ok) {
        outcome = { kind: 'not-delivered', error: account.error, temporary: false, refused: [], deferred: [] };
      } else {
        settingsSince = account.value.account.updatedAt;
        pinnedNow = Boolean(account.value.account.smtp.pinnedCertificate);
        outcome = await this.deliver({
          job: this.view(started),
          emlPath: emlFile(this.dir, id),
          sizeBytes: started.summary.sizeBytes,
          recipients: remainingRecipients(started),
          account: account.value.account,
          credentials: account.value.credentials,
          smtp: this.options.smtp ?? {},
          signal: abort.signal,
          beforeTransmit: () =>
            this.serial(async () => {
              const job: JobRecord = { ...this.jobs.get(id)!, transmitting: true, updatedAt: new Date(this.now()).toISOString() };
              await this.store.update(job);
              this.jobs.set(id, job);
              marked = true;
            }),
          onProgress: (sentBytes, totalBytes) => {
            if (this.inflight?.id !== id) return;
            this.inflight.progress = { sentBytes, totalBytes };
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
      outcome = { ...outcome, error: withPin(afterWorking(outcome.error, this.deliveredSince(started.accountId, settingsSince)), pinnedNow) };

    await this.serial(async () => {
      let next = applyOutcome(this.jobs.get(id)!, outcome, this.now(), this.retry, this.random);
      // Nothing was attempted: not counted as an attempt, and never 'sent' (even when earlier attempts reached some recipients).
      if (outcome.kind === 'not-delivered' && outcome.error.code === 'OUTBOX_MESSAGE_DAMAGED') next = this.damagedMessage(this.jobs.get(id)!, this.now());
      if (outcome.kind === 'delivered' && outcome.dsnOffered !== undefined) next = { ...next, dsnOffered: outcome.dsnOffered };
      this.inflight = undefined;
      try {
        await this.store.update(next);
      } catch (error) {
        // The file keeps 'sending' (with the marker once the message was handed over): recovery decides at the next open.
        this.log.error('outbox: could not write the job', { id, error });
      }
      this.jobs.set(id, next);
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
    });
  }

  /**
   * Whether `<id>.eml` is still what was stored at enqueue: same size, same SHA-256. Jobs written
   * before the checksum was recorded have none and are accepted as they are.
   */
  private async messageIntact(job: JobRecord): Promise<boolean> {
    if (!job.emlSha256) return true;
    try {
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

/**
 * The outbox's compact history: finished jobs (sent, or cancelled by the person) older than a
 * while leave the outbox folder (their job file, message file and draft) and live on as one line
 * each in `history.jsonl`, with what the UI and bounce linking need: ids, Message-ID, envelope id,
 * recipients, subject, times and delivery results. Append-only: a line is appended and fsynced
 * before the job's files go; a later change (a delivery report) appends the whole entry again and
 * the last line of an id wins. A torn last line (a crash mid-append) is skipped, never fatal.
 */
import { createReadStream } from 'node:fs';
import { appendFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { writeFileAtomic } from '../durable-files';
import type { DeliveryReportEntry } from '../../../shared/outbox';
import type { JobRecord, Refusal } from './types';

export const HISTORY_FILE = 'history.jsonl';

export interface HistoryEntry {
  v: 1;
  id: string;
  accountId: string;
  state: 'sent' | 'cancelled';
  /** With <>. */
  messageId: string;
  /** The ENVID the message went out with (the job id), or null when the server did not offer DSN. */
  envelopeId: string | null;
  /** Envelope recipients (Bcc included): bounce linking matches reports against them. */
  recipients: string[];
  subject: string;
  /** Every recipient as typed (To, Cc, Bcc), as the list shows them. */
  to: string[];
  sizeBytes: number;
  createdAt: string;
  /** When it was sent (or cancelled). */
  finishedAt: string;
  attempts: number;
  accepted: string[];
  refused: Refusal[];
  lastReply?: string;
  deliveryReports: DeliveryReportEntry[];
  /** The batch it was queued with, if any, and its row in the batch's data. */
  batchId?: string;
  batchRow?: number;
  /** Sent to the sandbox instead (OutboxJob.rehearsal). */
  rehearsal?: boolean;
}

export function historyEntryOf(job: JobRecord): HistoryEntry {
  return {
    v: 1,
    id: job.id,
    accountId: job.accountId,
    state: job.state === 'sent' ? 'sent' : 'cancelled',
    messageId: job.messageId,
    envelopeId: job.dsnOffered ? job.id : null,
    recipients: [...job.envelope.to],
    subject: job.summary.subject,
    to: [...job.summary.to],
    sizeBytes: job.summary.sizeBytes,
    createdAt: job.createdAt,
    finishedAt: job.updatedAt,
    attempts: job.attempts,
    accepted: [...job.accepted],
    refused: job.refused.map((r) => ({ ...r })),
    ...(job.lastReply !== undefined ? { lastReply: job.lastReply } : {}),
    deliveryReports: (job.deliveryReports ?? []).map((r) => ({ ...r })),
    ...(job.batchId ? { batchId: job.batchId } : {}),
    ...(job.batchRow !== undefined ? { batchRow: job.batchRow } : {}),
    ...(job.rehearsal ? { rehearsal: true } : {}),
  };
}

function isEntry(value: unknown): value is HistoryEntry {
  const v = value as Partial<HistoryEntry> | null;
  return (
    !!v &&
    typeof v === 'object' &&
    v.v === 1 &&
    typeof v.id === 'string' &&
    typeof v.accountId === 'string' &&
    (v.state === 'sent' || v.state === 'cancelled') &&
    typeof v.messageId === 'string' &&
    Array.isArray(v.recipients) &&
    typeof v.finishedAt === 'string' &&
    Array.isArray(v.deliveryReports)
  );
}

/**
 * What the outbox keeps in memory of each history entry: enough for bounce linking, "did this
 * account deliver since", and a batch's counts. The rest (subject, recipients as typed, replies,
 * reports) stays on disk and is read a page at a time (readHistoryPage) or by id (findHistoryEntry).
 */
export interface PastRef {
  id: string;
  accountId: string;
  state: 'sent' | 'cancelled';
  messageId: string;
  envelopeId: string | null;
  recipients: string[];
  createdAt: string;
  finishedAt: string;
  accepted: number;
  refused: number;
  batchId?: string;
  batchRow?: number;
  rehearsal?: true;
  /** A delivery report linked to it says it was not delivered to some recipient (a bounce). */
  bounced?: true;
}

export const pastRefOf = (e: HistoryEntry): PastRef => ({
  id: e.id,
  accountId: e.accountId,
  state: e.state,
  messageId: e.messageId,
  envelopeId: e.envelopeId,
  recipients: e.recipients,
  createdAt: e.createdAt,
  finishedAt: e.finishedAt,
  accepted: e.accepted.length,
  refused: e.refused.length,
  ...(e.batchId ? { batchId: e.batchId } : {}),
  ...(e.batchRow !== undefined ? { batchRow: e.batchRow } : {}),
  ...(e.rehearsal ? { rehearsal: true as const } : {}),
  ...(e.deliveryReports.some((r) => r.action === 'failed') ? { bounced: true as const } : {}),
});

function parseEntry(line: string): HistoryEntry | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    return isEntry(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads every entry, the last line of each id winning, streaming (the event loop gets a turn
 * between chunks, so a long history never stalls the app); `damaged` counts lines that did not
 * parse (kept in the file, skipped).
 */
export async function readHistory<T = HistoryEntry>(
  dir: string,
  map: (e: HistoryEntry) => T = (e) => e as unknown as T,
  signal?: AbortSignal,
): Promise<{ entries: Map<string, T>; damaged: number }> {
  const entries = new Map<string, T>();
  let damaged = 0;
  const stream = createReadStream(join(dir, HISTORY_FILE), { encoding: 'utf8', highWaterMark: 64 * 1024 });
  const opened = await new Promise<boolean>((resolve, reject) => {
    stream.once('open', () => resolve(true));
    stream.once('error', (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? resolve(false) : reject(error)));
  });
  if (!opened) return { entries, damaged };
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  for await (const line of lines) {
    if (signal?.aborted) {
      stream.destroy();
      break;
    }
    if (!line.trim()) continue;
    const entry = parseEntry(line);
    if (!entry) damaged++;
    else {
      // The last line of an id wins, and takes the newest place in the order.
      entries.delete(entry.id);
      entries.set(entry.id, map(entry));
    }
  }
  return { entries, damaged };
}

/**
 * Lines from the end of the history backwards, newest first: `before` is a byte offset from a
 * previous page (null for the end). Only what a page needs is read (64 KiB at a time), so the
 * first screen costs the same with a hundred or a hundred thousand entries.
 */
async function* linesBackwards(dir: string, before: number | null): AsyncGenerator<{ line: string; start: number }> {
  let handle;
  try {
    handle = await open(join(dir, HISTORY_FILE), 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    let end = before ?? (await handle.stat()).size;
    let carry = Buffer.alloc(0);
    const chunk = 64 * 1024;
    while (end > 0) {
      const start = Math.max(0, end - chunk);
      const buffer = Buffer.alloc(end - start);
      await handle.read(buffer, 0, buffer.length, start);
      let data = Buffer.concat([buffer, carry]);
      let cut = data.lastIndexOf(0x0a);
      // Lines wholly inside what was read, from the last one back; the part before the first newline waits for the next chunk.
      let lineEnd = data.length;
      while (cut >= 0) {
        const line = data.subarray(cut + 1, lineEnd).toString('utf8');
        if (line.trim()) yield { line, start: start + cut + 1 };
        lineEnd = cut;
        cut = cut === 0 ? -1 : data.lastIndexOf(0x0a, cut - 1);
      }
      carry = data.subarray(0, lineEnd);
      data = Buffer.alloc(0);
      end = start;
    }
    const first = carry.toString('utf8');
    if (first.trim()) yield { line: first, start: 0 };
  } finally {
    await handle.close();
  }
}

/**
 * A page of the history, newest first, each id once (its newest line). `next` is the cursor for
 * the page after, null at the start of the file. An id re-appended later (a delivery report) shows
 * at its newest place; a page may skip an id already shown on a newer page only within itself, so
 * a list that pages should keep ids it has.
 */
export async function readHistoryPage(dir: string, options: { before?: number | null; limit: number }): Promise<{ entries: HistoryEntry[]; next: number | null }> {
  const entries: HistoryEntry[] = [];
  const seen = new Set<string>();
  let next: number | null = null;
  for await (const { line, start } of linesBackwards(dir, options.before ?? null)) {
    const entry = parseEntry(line);
    if (!entry || seen.has(entry.id)) continue;
    if (entries.length === options.limit) {
      next = start + Buffer.byteLength(line) + 1;
      break;
    }
    seen.add(entry.id);
    entries.push(entry);
  }
  return { entries, next };
}

/** The newest entry of an id, read from the end back (recent ones, which reports are about, come first). */
export async function findHistoryEntry(dir: string, id: string): Promise<HistoryEntry | undefined> {
  for await (const { line } of linesBackwards(dir, null)) {
    if (!line.includes(id)) continue;
    const entry = parseEntry(line);
    if (entry?.id === id) return entry;
  }
  return undefined;
}

export class HistoryDamagedError extends Error {
  constructor(readonly lines: number) {
    super(`${lines} damaged history lines`);
  }
}

/**
 * Drops entries that finished before `cutoffIso` (the retention the person chose): the kept lines
 * (each id's newest) are written to a new file, fsynced, and put in place of the old one. Answers
 * how many entries went.
 */
export async function pruneHistory(dir: string, cutoffIso: string): Promise<number> {
  const { entries, damaged } = await readHistory(dir);
  // A damaged line is kept where it is, never dropped on the way: no pruning until it is dealt with.
  if (damaged) throw new HistoryDamagedError(damaged);
  const kept = [...entries.values()].filter((e) => e.finishedAt >= cutoffIso);
  const dropped = entries.size - kept.length;
  if (!dropped) return 0;
  // Temp file, fsync, rename, folder fsync: the durable-files way every whole-file rewrite goes.
  await writeFileAtomic(dir, join(dir, HISTORY_FILE), kept.map((e) => JSON.stringify(e) + '\n').join(''));
  return dropped;
}

/**
 * Appends entries and fsyncs. A line starts on a fresh line even after a torn one (a crash
 * mid-append), so one bad line never spoils the next.
 */
export async function appendHistory(dir: string, entries: readonly HistoryEntry[]): Promise<void> {
  if (!entries.length) return;
  const file = join(dir, HISTORY_FILE);
  await appendFile(file, '\n' + entries.map((e) => JSON.stringify(e)).join('\n') + '\n', { mode: 0o600 });
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

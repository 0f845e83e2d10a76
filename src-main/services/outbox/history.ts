/**
 * The outbox's compact history: finished jobs (sent, or cancelled by the person) older than a
 * while leave the outbox folder (their job file, message file and draft) and live on as one line
 * each in `history.jsonl`, with what the UI and bounce linking need: ids, Message-ID, envelope id,
 * recipients, subject, times and delivery results. Append-only: a line is appended and fsynced
 * before the job's files go; a later change (a delivery report) appends the whole entry again and
 * the last line of an id wins. A torn last line (a crash mid-append) is skipped, never fatal.
 */
import { appendFile, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
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
  /** The batch it was queued with, if any. */
  batchId?: string;
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

/** Every entry, the last line of each id winning; `damaged` counts lines that did not parse (kept in the file, skipped). */
export async function readHistory(dir: string): Promise<{ entries: Map<string, HistoryEntry>; damaged: number }> {
  const entries = new Map<string, HistoryEntry>();
  let damaged = 0;
  let text: string;
  try {
    text = await readFile(join(dir, HISTORY_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries, damaged };
    throw error;
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = undefined;
    }
    if (isEntry(parsed)) entries.set(parsed.id, parsed);
    else damaged++;
  }
  return { entries, damaged };
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

/**
 * Delivery reports that arrive in an inbox are parsed and linked to the sent message in the
 * outbox. The scanner looks through inbox messages that arrived since its last scan (it remembers
 * where it stopped in `<data>/mail/<account>/bounce-scan.json`), one scan per source at a time.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DeliveryReportEntry } from '../../../shared/outbox';
import { linkReport, parseDeliveryReport, type DeliveryReport, type LinkedRecipient } from '../bounces';
import { makePrivateFolder, writeFileAtomic } from '../durable-files';
import type { Logger } from '../logger';
import type { Outbox } from '../outbox';
import type { MailSource } from './types';

/** Inbox messages looked at per scan round, and rounds per trigger (the rest waits for the next). */
const SCAN_BATCH = 50;
const SCAN_ROUNDS = 20;
/** Delivery reports are looked for among messages sent in the last 60 days. */
const SENT_WINDOW_MS = 60 * 24 * 3600_000;

interface ScanState {
  uidValidity: string;
  uid: number;
}

/** The recipients of a report matched to the account's sent messages it could be about. */
export async function linkToSent(outbox: Outbox, accountId: string, report: DeliveryReport): Promise<LinkedRecipient[]> {
  // Live jobs and those already moved to the outbox's compact history alike.
  return linkReport(report, await outbox.sentMessages(accountId, Date.now() - SENT_WINDOW_MS));
}

export interface BounceScannerOptions {
  dataDir: string;
  outbox: Outbox;
  logger: Logger;
  /** The account's source now (never makes one): a scan stops when its source was replaced. */
  current: (accountId: string) => MailSource | undefined;
  closed: () => boolean;
}

export class BounceScanner {
  /** Per source, so a replaced source's scan never blocks or repeats into the new one's. */
  private readonly scans = new WeakMap<MailSource, { running?: Promise<void>; again?: boolean }>();

  constructor(private readonly options: BounceScannerOptions) {}

  /** Looks through inbox messages that arrived since the last scan for delivery reports. */
  scan(accountId: string): void {
    const source = this.options.current(accountId);
    if (!source || this.options.closed()) return;
    let state = this.scans.get(source);
    if (!state) this.scans.set(source, (state = {}));
    if (state.running) {
      state.again = true;
      return;
    }
    const scanState = state;
    scanState.running = this.scanRounds(accountId, source)
      .catch((error: unknown) => this.options.logger.warn('mail: bounce scan failed', { error }))
      .finally(() => {
        scanState.running = undefined;
        if (scanState.again && !this.options.closed()) {
          scanState.again = false;
          this.scan(accountId);
        }
      });
  }

  /** Resolves when the scan running on this source (if any) has finished. */
  async settle(source: MailSource): Promise<void> {
    await this.scans.get(source)?.running?.catch(() => undefined);
  }

  private async scanRounds(accountId: string, source: MailSource): Promise<void> {
    const file = join(this.options.dataDir, 'mail', accountId, 'bounce-scan.json');
    let state = await readState(file);
    for (let round = 0; round < SCAN_ROUNDS && !this.options.closed() && this.options.current(accountId) === source; round++) {
      const batch = await source.inboxSince(state, SCAN_BATCH, new Date(Date.now() - SENT_WINDOW_MS));
      if (!batch.ok) return;
      for (const message of batch.value.messages) await this.applyReport(accountId, message.source);
      const next = { uidValidity: batch.value.uidValidity, uid: batch.value.lastUid };
      if (!state || next.uidValidity !== state.uidValidity || next.uid !== state.uid) {
        await makePrivateFolder(dirname(file));
        await writeFileAtomic(dirname(file), file, JSON.stringify(next));
        state = next;
      }
      if (!batch.value.more) return;
    }
  }

  private async applyReport(accountId: string, raw: Buffer): Promise<void> {
    const report = await parseDeliveryReport(raw).catch(() => null);
    if (!report) return;
    const reportedAt = report.arrivalDate ?? new Date().toISOString();
    const reportMessageId = report.reportMessageId ?? `<${randomUUID()}@report.mailwright.invalid>`;
    const byJob = new Map<string, DeliveryReportEntry[]>();
    for (const linked of await linkToSent(this.options.outbox, accountId, report)) {
      const entries = byJob.get(linked.jobId) ?? [];
      entries.push({
        recipient: linked.recipient,
        action: linked.report.action,
        status: linked.report.status,
        diagnostic: linked.report.diagnostic,
        reportedAt,
        reportMessageId,
        matchedBy: linked.matchedBy,
      });
      byJob.set(linked.jobId, entries);
    }
    for (const [jobId, entries] of byJob) {
      const recorded = await this.options.outbox.recordDeliveryReports(jobId, entries);
      if (!recorded.ok) this.options.logger.warn('mail: delivery report not recorded', { code: recorded.error.code });
    }
  }
}

async function readState(file: string): Promise<ScanState | null> {
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as Partial<ScanState>;
    return typeof data.uidValidity === 'string' && typeof data.uid === 'number' ? { uidValidity: data.uidValidity, uid: data.uid } : null;
  } catch {
    return null;
  }
}

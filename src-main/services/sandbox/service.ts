/**
 * The built-in sandbox as the rest of the app uses it (issue 15): starts the capture server
 * (capture.ts) in `<dataDir>/sandbox`, lists what it kept with a summary of each (who it is from, its
 * subject, the account and merge row it was a rehearsal of, how many lint warnings), opens one with
 * its full inspection (inspect.ts), saves its source, deletes and clears, and keeps the faults in play
 * and whether the Sandbox account is hidden. Every change is told through `onChanged`.
 *
 * When the capture server cannot start (the data folder unwritable, no port), the service still
 * answers: its status says it is not running and why, and the rest of the app works as before.
 *
 * Summaries are computed once per captured message and kept in memory: a list of 10,000 captures
 * reads only the headers of the messages it has not seen yet, and inspects (for the warning count)
 * only the page it answers.
 */
import { open as openFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fail, ok, type Result } from '../../../shared/result';
import {
  SANDBOX_ACCOUNT_ID,
  SANDBOX_STORE_MAX,
  SANDBOX_MESSAGE_MAX,
  type Faults,
  type SandboxMessage,
  type SandboxStatus,
  type SandboxSummary,
} from '../../../shared/sandbox';
import type { MailAddress } from '../../../shared/mail';
import { writeFileAtomic } from '../durable-files';
import type { Logger } from '../logger';
import { startCaptureServer, type CapturedMessage, type CaptureServer } from './capture';
import { headerSummary, inspectMessage, type InspectContext } from './inspect';

/** Where a captured message came from, as the outbox knows it (by its Message-ID). */
export interface MessageOrigin {
  accountId: string;
  batchId?: string;
  batchRow?: number;
}

export interface SandboxServiceOptions {
  dataDir: string;
  logger: Logger;
  /** Whether the Sandbox account is hidden (the person's preference), and its change. */
  hidden: () => boolean;
  setHidden: (hidden: boolean) => void;
  /** The outbox's jobs with these Message-IDs (with angle brackets): their account and merge row. */
  origins: (messageIds: readonly string[]) => Promise<Map<string, MessageOrigin>>;
  /** The largest message the account's own server takes (SIZE), for the lint of its rehearsals. */
  sizeLimit: (accountId: string) => { bytes: number; account: string } | undefined;
  /** The system's save dialog: the chosen path, or null when cancelled. */
  saveFile: (suggestedName: string, title?: string) => Promise<string | null>;
  /** A message was captured, deleted or cleared, or the faults or the hidden flag changed. */
  onChanged: (status: SandboxStatus) => void;
  /** The Sandbox account as listed changed (hidden or shown; a TLS fault changes its security). */
  onAccountChanged: () => void;
  /** Tests: the store's limits. */
  maxStoreBytes?: number;
  maxMessageBytes?: number;
}

/** Where the app's own sends reach the capture server, with this run's secret. */
export interface SandboxEndpoint {
  host: '127.0.0.1';
  port: number;
  credentials: { user: string; pass: string };
  /** A TLS fault is in play: the Sandbox account asks for STARTTLS, so the handshake fails as promised. */
  tlsFault: boolean;
}

export interface SandboxService {
  status(): SandboxStatus;
  /** Undefined while the capture server is not running. */
  endpoint(): SandboxEndpoint | undefined;
  hidden(): boolean;
  list(offset: number, limit: number, batchId?: string): Promise<Result<{ total: number; messages: SandboxSummary[] }>>;
  open(id: string): Promise<Result<SandboxMessage>>;
  saveSource(id: string): Promise<Result<{ saved: boolean }>>;
  delete(id: string): Promise<Result<SandboxStatus>>;
  clear(): Promise<Result<SandboxStatus>>;
  setFaults(faults: Faults): Result<SandboxStatus>;
  setHidden(hidden: boolean): Result<SandboxStatus>;
  close(): Promise<void>;
}

/** Enough bytes to hold any sane header block; the rest of the message is not read for a summary. */
const HEADER_BYTES = 64 * 1024;
/** Most header blocks fit in this: read first. */
const FIRST_READ = 8 * 1024;
/** Captures are told (onChanged) at most this often. */
const CAPTURED_EVERY_MS = 250;
/** Header blocks read at once while summarizing many captures. */
const READ_AT_ONCE = 8;

interface Known {
  from: MailAddress | null;
  subject: string;
  messageId: string | null;
  origin: MessageOrigin | null;
  /** Counted once the message was inspected (a page listed, or opened). */
  warnings?: number;
}

export async function openSandbox(options: SandboxServiceOptions): Promise<SandboxService> {
  const { logger } = options;
  const dir = join(options.dataDir, 'sandbox');
  const maxStoreBytes = options.maxStoreBytes ?? SANDBOX_STORE_MAX;
  const known = new Map<string, Known>();
  let capture: CaptureServer | undefined;
  let problem: string | null = null;

  const status = (): SandboxStatus => ({
    running: capture !== undefined,
    problem,
    port: capture?.port ?? null,
    count: capture?.list().length ?? 0,
    storedBytes: capture?.storedBytes() ?? 0,
    maxStoreBytes,
    hidden: options.hidden(),
    faults: capture?.faults() ?? { rules: [] },
  });
  const changed = () => {
    try {
      options.onChanged(status());
    } catch (error) {
      logger.warn('sandbox: a change listener threw', { error });
    }
  };
  /**
   * Captures are told at a bounded rate (a rehearsed merge of 800 rows arrives in a few seconds): the
   * first at once, then at most one every CAPTURED_EVERY_MS, the last one always.
   */
  let lastTold = 0;
  let pending: NodeJS.Timeout | undefined;
  const captured = () => {
    const wait = lastTold + CAPTURED_EVERY_MS - Date.now();
    if (wait <= 0) {
      lastTold = Date.now();
      changed();
    } else if (!pending) {
      pending = setTimeout(() => {
        pending = undefined;
        lastTold = Date.now();
        changed();
      }, wait);
      pending.unref?.();
    }
  };

  try {
    capture = await startCaptureServer({
      dir,
      maxStoreBytes,
      maxMessageBytes: options.maxMessageBytes ?? SANDBOX_MESSAGE_MAX,
      logger,
      onCaptured: (message) => {
        logger.info('sandbox: message captured', { id: message.id, size: message.size });
        captured();
      },
    });
    logger.info('sandbox: capture server listening', { port: capture.port });
  } catch (error) {
    problem = 'SANDBOX_UNAVAILABLE';
    logger.error('sandbox: the capture server could not start', { error });
  }

  /** The message's header block (what headerSummary needs): a small read, a larger one only for a long header. */
  const readHead = async (id: string): Promise<Buffer | undefined> => {
    const handle = await openFile(join(dir, `${id}.eml`), 'r').catch(() => undefined);
    if (!handle) return undefined;
    try {
      let buffer = Buffer.alloc(FIRST_READ);
      let { bytesRead } = await handle.read(buffer, 0, FIRST_READ, 0);
      if (bytesRead === FIRST_READ && buffer.indexOf('\r\n\r\n') < 0 && buffer.indexOf('\n\n') < 0) {
        buffer = Buffer.alloc(HEADER_BYTES);
        ({ bytesRead } = await handle.read(buffer, 0, HEADER_BYTES, 0));
      }
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  };

  /** Headers and origin of every message not seen yet, read a few at a time, with one look-up in the outbox. */
  const learn = async (messages: readonly CapturedMessage[]) => {
    const fresh = messages.filter((m) => !known.has(m.id));
    if (!fresh.length) return;
    const heads = new Map<string, ReturnType<typeof headerSummary>>();
    let next = 0;
    const worker = async () => {
      while (next < fresh.length) {
        const m = fresh[next++]!;
        const head = await readHead(m.id);
        heads.set(m.id, head ? headerSummary(head) : { from: null, subject: '', messageId: null });
      }
    };
    await Promise.all(Array.from({ length: Math.min(READ_AT_ONCE, fresh.length) }, worker));
    const ids = [...new Set([...heads.values()].flatMap((h) => (h.messageId ? [h.messageId] : [])))];
    const origins = ids.length ? await options.origins(ids).catch(() => new Map<string, MessageOrigin>()) : new Map<string, MessageOrigin>();
    for (const [id, head] of heads) known.set(id, { ...head, origin: (head.messageId && origins.get(head.messageId)) || null });
  };

  const contextOf = (m: CapturedMessage, k: Known): InspectContext => {
    const accountId = k.origin?.accountId;
    const sizeLimit = accountId && accountId !== SANDBOX_ACCOUNT_ID ? options.sizeLimit(accountId) : undefined;
    return { envelope: m.envelope, bulk: Boolean(k.origin?.batchId), ...(sizeLimit ? { sizeLimit } : {}) };
  };

  const inspect = async (m: CapturedMessage, k: Known, raw?: Buffer) => {
    const bytes = raw ?? (await capture?.read(m.id));
    if (!bytes) return undefined;
    const inspection = await inspectMessage(bytes, contextOf(m, k));
    k.warnings = inspection.lint.filter((l) => l.severity === 'warning').length;
    return inspection;
  };

  const summaryOf = (m: CapturedMessage, k: Known): SandboxSummary => ({
    id: m.id,
    receivedAt: m.receivedAt,
    envelope: { mailFrom: m.envelope.mailFrom, rcptTo: [...m.envelope.rcptTo] },
    size: m.size,
    from: k.from,
    subject: k.subject,
    accountId: k.origin?.accountId ?? null,
    ...(k.origin?.batchId ? { batchId: k.origin.batchId } : {}),
    ...(k.origin?.batchRow !== undefined ? { batchRow: k.origin.batchRow } : {}),
    warnings: k.warnings ?? 0,
  });

  const find = (id: string) => capture?.list().find((m) => m.id === id);

  return {
    status,
    endpoint: () =>
      capture && { host: '127.0.0.1', port: capture.port, credentials: capture.credentials, tlsFault: capture.faults().rules.some((r) => r.kind === 'tls') },
    hidden: () => options.hidden(),

    async list(offset, limit, batchId) {
      if (!capture) return fail('SANDBOX_UNAVAILABLE');
      const all = capture.list();
      let chosen: CapturedMessage[];
      let total: number;
      if (batchId === undefined) {
        // Newest first; only the page is read.
        total = all.length;
        chosen = all.slice(Math.max(0, total - offset - limit), Math.max(0, total - offset)).reverse();
        await learn(chosen);
      } else {
        // A merge's messages in row order: every capture's headers are needed to know which are its.
        await learn(all);
        const members = all.filter((m) => known.get(m.id)?.origin?.batchId === batchId);
        members.sort((a, b) => (known.get(a.id)!.origin!.batchRow ?? 0) - (known.get(b.id)!.origin!.batchRow ?? 0));
        total = members.length;
        chosen = members.slice(offset, offset + limit);
      }
      const messages: SandboxSummary[] = [];
      for (const m of chosen) {
        const k = known.get(m.id);
        if (!k) continue;
        if (k.warnings === undefined) await inspect(m, k).catch((error: unknown) => logger.warn('sandbox: a captured message could not be inspected', { id: m.id, error }));
        messages.push(summaryOf(m, k));
      }
      return ok({ total, messages });
    },

    async open(id) {
      if (!capture) return fail('SANDBOX_UNAVAILABLE');
      const m = find(id);
      const raw = m && (await capture.read(id));
      if (!m || !raw) return fail('SANDBOX_MESSAGE_NOT_FOUND');
      await learn([m]);
      const k = known.get(id)!;
      const inspection = await inspect(m, k, raw);
      if (!inspection) return fail('SANDBOX_MESSAGE_NOT_FOUND');
      return ok({ summary: summaryOf(m, k), ...inspection });
    },

    async saveSource(id) {
      if (!capture) return fail('SANDBOX_UNAVAILABLE');
      const m = find(id);
      const raw = m && (await capture.read(id));
      if (!m || !raw) return fail('SANDBOX_MESSAGE_NOT_FOUND');
      await learn([m]);
      const subject = known.get(id)?.subject ?? '';
      const base =
        [...subject]
          .map((c) => (c.charCodeAt(0) < 0x20 || '\\/:*?"<>|'.includes(c) ? ' ' : c))
          .join('')
          .replace(/\s+/g, ' ')
          .trim()
          .slice(0, 80) || 'message';
      const path = await options.saveFile(`${base}.eml`, 'Save the message source');
      if (!path) return ok({ saved: false });
      try {
        // The bytes exactly as captured, written whole or not at all.
        await writeFileAtomic(dirname(path), path, raw, { mode: 0o644 });
        return ok({ saved: true });
      } catch (error) {
        logger.warn('sandbox: source not saved', { code: (error as NodeJS.ErrnoException).code });
        return fail('FILE_UNWRITABLE');
      }
    },

    async delete(id) {
      if (!capture) return fail('SANDBOX_UNAVAILABLE');
      if (!(await capture.remove(id))) return fail('SANDBOX_MESSAGE_NOT_FOUND');
      known.delete(id);
      changed();
      return ok(status());
    },

    async clear() {
      if (!capture) return fail('SANDBOX_UNAVAILABLE');
      await capture.clear();
      known.clear();
      changed();
      return ok(status());
    },

    setFaults(faults) {
      if (!capture) return fail('SANDBOX_UNAVAILABLE');
      const tlsBefore = capture.faults().rules.some((r) => r.kind === 'tls');
      capture.setFaults(faults);
      logger.info('sandbox: faults in play', { kinds: faults.rules.map((r) => r.kind) });
      changed();
      // The Sandbox account asks for STARTTLS while a TLS fault is in play.
      if (tlsBefore !== faults.rules.some((r) => r.kind === 'tls')) options.onAccountChanged();
      return ok(status());
    },

    setHidden(hidden) {
      if (options.hidden() !== hidden) {
        try {
          options.setHidden(hidden);
        } catch (error) {
          logger.error('sandbox: could not save whether the Sandbox account is hidden', { error });
          return fail('SETTINGS_UNWRITABLE');
        }
        options.onAccountChanged();
      }
      changed();
      return ok(status());
    },

    close: async () => {
      clearTimeout(pending);
      await capture?.close();
    },
  };
}

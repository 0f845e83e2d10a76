/**
 * The local mail store of a POP3 account: the folders INBOX and Trash, one file per message and
 * one JSON index, all under `<dataDir>/mail/<accountId>/`.
 *
 *   index.json                  uidValidity, nextUid, the messages (folder, UIDL, flags, summary)
 *                               and every UIDL ever downloaded (the set that keeps a message from
 *                               being fetched twice), each with firstSeen and a deleteOnServer mark
 *   messages/<uid>-<uidl>[,<marks>].eml
 *                               the raw bytes; <uidl> is the UIDL in base64url; <marks> as in
 *                               maildir, sorted: F flagged, R answered, S seen, T in the Trash
 *   deleted/<uidl>              empty: deleted here for good, still to be deleted on the server
 *
 * The index is a cache that can be rebuilt: everything that cannot be read again from the server
 * is also in file names. A message's flags and folder are in its name (maildir's idea, with ','
 * instead of ':' so the names are valid on Windows): a change renames the file (atomic) before the
 * index is written, and at open the names win over the index. A message deleted here for good
 * leaves a mark in deleted/ until the server no longer has it, so a rebuilt index still knows not
 * to download it again. A damaged index is set aside (kept, never deleted), reported, and rebuilt
 * from the names: nothing is lost but the order of first download within one second.
 *
 * Order of writes: a message file is written atomically (temp, fsync, rename) before the index that
 * records its UIDL. A crash in between leaves a file whose name is not in the index: open() indexes
 * it again from its name and bytes, so the message is neither lost nor downloaded again. A
 * permanent delete goes the other way (index first, then the file): a file whose UIDL the index
 * already knows under no message is the leftover of a delete and is removed, not brought back.
 */
import { randomBytes } from 'node:crypto';
import { readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { simpleParser, type HeaderValue } from 'mailparser';
import { z } from 'zod';
import type { Folder, MessagePage, MessageSummary } from '../../../shared/mail';
import { looksLikeDeliveryReport } from '../bounces/candidate';
import { setAsideFile, type DamageReporter } from '../data-notices';
import { makePrivateFolder, removeQuietly, syncDir, TMP_MARK, writeFileAtomic } from '../durable-files';
import { addressesOf } from './parse';
import type { SearchField } from './types';

export const INBOX = 'INBOX';
export const TRASH = 'Trash';
export const LOCAL_FOLDERS = [INBOX, TRASH] as const;
export type LocalFolder = (typeof LOCAL_FOLDERS)[number];

export const isLocalFolder = (path: string): path is LocalFolder => (LOCAL_FOLDERS as readonly string[]).includes(path);

const INDEX_FILE = 'index.json';
const MESSAGES_DIR = 'messages';
const DELETED_DIR = 'deleted';
const DAY_MS = 86_400_000;
const FILE_RE = /^(\d{1,15})-([A-Za-z0-9_-]+)(?:,([FRST]*))?\.eml$/;
const UIDL_NAME_RE = /^[A-Za-z0-9_-]+$/;

type Flags = { seen: boolean; flagged: boolean; answered: boolean };
const NO_FLAGS: Flags = { seen: false, flagged: false, answered: false };

const uidlName = (uidl: string) => Buffer.from(uidl, 'utf8').toString('base64url');

/**
 * The file name of a message: its local uid, its UIDL (base64url, so any UIDL is a safe name), and
 * its flags and folder as maildir-style marks (none for an unread message in the Inbox).
 */
export function messageFileName(uid: number, uidl: string, marks: { folder?: LocalFolder; flags?: Flags } = {}): string {
  const flags = marks.flags ?? NO_FLAGS;
  const letters = `${flags.flagged ? 'F' : ''}${flags.answered ? 'R' : ''}${flags.seen ? 'S' : ''}${marks.folder === TRASH ? 'T' : ''}`;
  return `${uid}-${uidlName(uidl)}${letters ? `,${letters}` : ''}.eml`;
}

function parseFileName(name: string): { uid: number; uidl: string; folder: LocalFolder; flags: Flags } | null {
  const m = FILE_RE.exec(name);
  if (!m) return null;
  const uid = Number(m[1]);
  const uidl = Buffer.from(m[2]!, 'base64url').toString('utf8');
  const letters = m[3] ?? '';
  const folder: LocalFolder = letters.includes('T') ? TRASH : INBOX;
  const flags = { seen: letters.includes('S'), flagged: letters.includes('F'), answered: letters.includes('R') };
  // Reject names that do not round-trip (not written by us).
  if (uid < 1 || uidl.length === 0 || messageFileName(uid, uidl, { folder, flags }) !== name) return null;
  return { uid, uidl, folder, flags };
}

const AddressSchema = z.object({ name: z.string(), address: z.string() });
const SummarySchema = z.object({
  from: AddressSchema.nullable(),
  to: z.array(AddressSchema),
  subject: z.string(),
  date: z.string(),
  size: z.number().int().nonnegative(),
  messageId: z.string().nullable(),
  isDeliveryReport: z.boolean(),
});
export type StoredSummary = z.infer<typeof SummarySchema>;

const StoredMessageSchema = z.object({
  uid: z.number().int().positive(),
  folder: z.enum(LOCAL_FOLDERS),
  uidl: z.string().min(1),
  /** When Mailwright downloaded it (ISO). */
  firstSeen: z.string(),
  flags: z.object({ seen: z.boolean(), flagged: z.boolean(), answered: z.boolean() }),
  summary: SummarySchema,
});
export type StoredMessage = z.infer<typeof StoredMessageSchema>;

const UidlRecordSchema = z.object({
  firstSeen: z.string(),
  /** Deleted here for good: DELE it at the next refresh. */
  deleteOnServer: z.boolean().optional(),
  /** When the server was last seen without it (DELE committed, or removed by someone else). */
  goneFromServer: z.string().optional(),
});
type UidlRecord = z.infer<typeof UidlRecordSchema>;

const IndexSchema = z.object({
  // 1: flags and folders in the index only; 2: also in the file names (which then win).
  version: z.union([z.literal(1), z.literal(2)]),
  uidValidity: z.string().min(1),
  nextUid: z.number().int().positive(),
  messages: z.array(StoredMessageSchema),
  // Pairs rather than an object: a UIDL may be any printable ASCII, "__proto__" included.
  uidls: z.array(z.tuple([z.string().min(1), UidlRecordSchema])),
});
type IndexFile = z.infer<typeof IndexSchema>;

export type FlagChange = { seen?: boolean; flagged?: boolean; answered?: boolean };

export interface OpenReport {
  /** Files found without an index entry and indexed again (a crash after download). */
  reindexed: number;
  /** Files of messages already deleted for good, removed. */
  removed: number;
  /** The index could not be read: set aside as index.json.damaged-<time>, rebuilt from the files. */
  corruptIndex: boolean;
}

export interface LocalStoreOptions {
  /** Told when the index was damaged and set aside. */
  notices?: DamageReporter;
}

export class LocalStore {
  readonly report: OpenReport;
  private readonly messages = new Map<number, StoredMessage>();
  private readonly uidls = new Map<string, UidlRecord>();
  private nextUid: number;
  private dirty = false;
  /** Mutations and index writes run one at a time, in call order. */
  private queue: Promise<unknown> = Promise.resolve();

  /** Whether the file names carry the flags and folders (false only while a version 1 index is being upgraded). */
  private readonly namesWin: boolean;

  private constructor(
    readonly dir: string,
    readonly uidValidity: string,
    index: IndexFile | null,
    report: OpenReport,
  ) {
    this.namesWin = index === null || index.version === 2;
    this.nextUid = index?.nextUid ?? 1;
    for (const m of index?.messages ?? []) this.messages.set(m.uid, m);
    for (const [uidl, record] of index?.uidls ?? []) this.uidls.set(uidl, record);
    this.report = report;
  }

  private get messagesDir(): string {
    return join(this.dir, MESSAGES_DIR);
  }

  private get deletedDir(): string {
    return join(this.dir, DELETED_DIR);
  }

  private fileOf(m: StoredMessage): string {
    return join(this.messagesDir, messageFileName(m.uid, m.uidl, m));
  }

  /** Renames a message's file to carry its flags and folder; a missing file stays missing. */
  private async renameFile(from: string, to: string): Promise<void> {
    if (from === to) return;
    await rename(from, to).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  /** Opens (or creates) the store in `dir` and reconciles files with the index. */
  static async open(dir: string, options: LocalStoreOptions = {}): Promise<LocalStore> {
    await makePrivateFolder(join(dir, MESSAGES_DIR));
    await makePrivateFolder(join(dir, DELETED_DIR));
    const report: OpenReport = { reindexed: 0, removed: 0, corruptIndex: false };
    const { index, damaged } = await readIndex(dir, options.notices);
    report.corruptIndex = damaged;
    const store = new LocalStore(dir, index?.uidValidity ?? randomBytes(8).toString('hex'), index, report);
    if (!index || index.version !== 2) store.dirty = true;
    await store.reconcile();
    await store.flushNow();
    return store;
  }

  private async reconcile(): Promise<void> {
    // Deleted for good, not yet gone from the server: known, so never downloaded again.
    for (const name of await readdir(this.deletedDir)) {
      if (!UIDL_NAME_RE.test(name)) continue;
      const uidl = Buffer.from(name, 'base64url').toString('utf8');
      if (!uidl || uidlName(uidl) !== name || this.uidls.has(uidl)) continue;
      const firstSeen = (await stat(join(this.deletedDir, name))).mtime.toISOString();
      this.uidls.set(uidl, { firstSeen, deleteOnServer: true });
      this.dirty = true;
    }
    for (const name of await readdir(this.messagesDir)) {
      const path = join(this.messagesDir, name);
      if (name.includes(TMP_MARK)) {
        await removeQuietly(path);
        continue;
      }
      const parsed = parseFileName(name);
      if (!parsed) continue;
      const known = this.messages.get(parsed.uid);
      if (known) {
        if (known.uidl !== parsed.uidl) continue;
        if (!this.namesWin) {
          // Upgrading a version 1 store: the index knows the flags; the names learn them now.
          await this.renameFile(path, this.fileOf(known));
        } else if (known.folder !== parsed.folder || !sameFlags(known.flags, parsed.flags)) {
          // A rename that happened before a crash, its index write did not: the name is the newer.
          known.folder = parsed.folder;
          known.flags = parsed.flags;
          this.dirty = true;
        }
        continue;
      }
      if (this.uidls.has(parsed.uidl)) {
        await removeQuietly(path);
        this.report.removed++;
        continue;
      }
      const raw = await readFile(path);
      const firstSeen = (await stat(path)).mtime.toISOString();
      this.messages.set(parsed.uid, {
        uid: parsed.uid,
        folder: parsed.folder,
        uidl: parsed.uidl,
        firstSeen,
        flags: parsed.flags,
        summary: await summarize(raw, firstSeen),
      });
      this.uidls.set(parsed.uidl, { firstSeen });
      this.nextUid = Math.max(this.nextUid, parsed.uid + 1);
      this.report.reindexed++;
      this.dirty = true;
    }
    if (!this.namesWin) {
      // Upgrading a version 1 store: messages deleted here but still on the server get their mark.
      const present = new Set([...this.messages.values()].map((m) => m.uidl));
      for (const [uidl, r] of this.uidls) if (!present.has(uidl) && !r.goneFromServer) await this.markDeleted(uidl);
    }
  }

  /** The mark in deleted/ that outlives the index (see the top). */
  private async markDeleted(uidl: string): Promise<void> {
    await writeFile(join(this.deletedDir, uidlName(uidl)), '', { mode: 0o600 });
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  // ---- the folders, for the reader --------------------------------------------------------

  folders(): Folder[] {
    const count = (folder: LocalFolder) => {
      let total = 0;
      let unseen = 0;
      for (const m of this.messages.values()) {
        if (m.folder !== folder) continue;
        total++;
        if (!m.flags.seen) unseen++;
      }
      return { total, unseen };
    };
    return [
      { path: INBOX, name: 'Inbox', delimiter: null, role: 'inbox', selectable: true, ...count(INBOX) },
      { path: TRASH, name: 'Trash', delimiter: null, role: 'trash', selectable: true, ...count(TRASH) },
    ];
  }

  /** Messages of a folder, newest (highest uid) first. */
  private inFolder(folder: LocalFolder): StoredMessage[] {
    return [...this.messages.values()].filter((m) => m.folder === folder).sort((a, b) => b.uid - a.uid);
  }

  list(folder: LocalFolder, offset: number, limit: number): MessagePage {
    const all = this.inFolder(folder);
    return { folder, total: all.length, offset, messages: all.slice(offset, offset + limit).map(toSummary) };
  }

  search(folder: LocalFolder, query: string, field: SearchField, limit: number): MessagePage {
    const q = query.toLowerCase();
    const has = (s: string | undefined) => (s ?? '').toLowerCase().includes(q);
    const matches = this.inFolder(folder).filter((m) => {
      const from = has(m.summary.from?.name) || has(m.summary.from?.address);
      const subject = has(m.summary.subject);
      return field === 'from' ? from : field === 'subject' ? subject : from || subject;
    });
    return { folder, total: matches.length, offset: 0, messages: matches.slice(0, limit).map(toSummary) };
  }

  /** The raw bytes, or null when the message is not in that folder (or its file is gone). */
  async source(folder: LocalFolder, uid: number): Promise<Buffer | null> {
    const m = this.messages.get(uid);
    if (!m || m.folder !== folder) return null;
    try {
      return await readFile(this.fileOf(m));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  setFlags(folder: LocalFolder, uids: readonly number[], change: FlagChange): Promise<number> {
    return this.exclusive(async () => {
      let updated = 0;
      for (const uid of new Set(uids)) {
        const m = this.messages.get(uid);
        if (!m || m.folder !== folder) continue;
        const flags = { ...m.flags };
        if (change.seen !== undefined) flags.seen = change.seen;
        if (change.flagged !== undefined) flags.flagged = change.flagged;
        if (change.answered !== undefined) flags.answered = change.answered;
        updated++;
        if (sameFlags(flags, m.flags)) continue;
        const before = this.fileOf(m);
        m.flags = flags;
        await this.renameFile(before, this.fileOf(m));
        this.dirty = true;
      }
      await this.flushNow();
      return updated;
    });
  }

  move(folder: LocalFolder, uids: readonly number[], to: LocalFolder): Promise<number> {
    return this.exclusive(async () => {
      if (folder === to) return 0;
      let moved = 0;
      for (const uid of new Set(uids)) {
        const m = this.messages.get(uid);
        if (!m || m.folder !== folder) continue;
        const before = this.fileOf(m);
        m.folder = to;
        await this.renameFile(before, this.fileOf(m));
        moved++;
        this.dirty = true;
      }
      await this.flushNow();
      return moved;
    });
  }

  /**
   * Deletes for good: the entry goes, the UIDL stays (never downloaded again) and is marked for DELE
   * at the next refresh. The index is written before the files are removed (see the top).
   */
  deleteForGood(folder: LocalFolder, uids: readonly number[]): Promise<number> {
    return this.exclusive(async () => {
      const gone: StoredMessage[] = [];
      for (const uid of new Set(uids)) {
        const m = this.messages.get(uid);
        if (!m || m.folder !== folder) continue;
        this.messages.delete(uid);
        const record = this.uidls.get(m.uidl) ?? { firstSeen: m.firstSeen };
        this.uidls.set(m.uidl, { ...record, deleteOnServer: true });
        await this.markDeleted(m.uidl);
        gone.push(m);
        this.dirty = true;
      }
      await this.flushNow();
      for (const m of gone) await removeQuietly(this.fileOf(m));
      return gone.length;
    });
  }

  /** Inbox messages with a uid above `afterUid`, oldest first, at most `max`, with their bytes. */
  async inboxSince(afterUid: number, max: number): Promise<{ lastUid: number; messages: Array<{ uid: number; source: Buffer }>; more: boolean }> {
    const newer = this.inFolder(INBOX)
      .filter((m) => m.uid > afterUid)
      .reverse();
    const taken = newer.slice(0, Math.max(0, max));
    const messages: Array<{ uid: number; source: Buffer }> = [];
    // Only what looks like a delivery report is read from disk (the summary was judged at download).
    for (const m of taken.filter((t) => t.summary.isDeliveryReport)) {
      const source = await this.source(INBOX, m.uid);
      if (source) messages.push({ uid: m.uid, source });
    }
    return { lastUid: taken.length ? taken[taken.length - 1]!.uid : afterUid, messages, more: newer.length > taken.length };
  }

  // ---- for the POP3 session -----------------------------------------------------------------

  /** Whether this UIDL was ever downloaded (whatever happened to the message since). */
  knows(uidl: string): boolean {
    return this.uidls.has(uidl);
  }

  /**
   * Stores a downloaded message: its file first (atomic, fsynced), then the entry in memory. The
   * UIDL is durable once `flush()` has written the index; until then a crash is undone by open().
   */
  add(uidl: string, raw: Buffer, now: number): Promise<StoredMessage> {
    return this.exclusive(async () => {
      if (this.uidls.has(uidl)) throw new Error('internal: UIDL already downloaded');
      const uid = this.nextUid++;
      const firstSeen = new Date(now).toISOString();
      const summary = await summarize(raw, firstSeen);
      await writeAtomicFile(join(this.messagesDir, messageFileName(uid, uidl)), raw);
      const m: StoredMessage = { uid, folder: INBOX, uidl, firstSeen, flags: { seen: false, flagged: false, answered: false }, summary };
      this.messages.set(uid, m);
      this.uidls.set(uidl, { firstSeen });
      this.dirty = true;
      return m;
    });
  }

  /**
   * Of the UIDLs the server lists, those to DELE now: marked deleteOnServer, or every downloaded one
   * when leaveDays is 0, or those first downloaded at least leaveDays days ago.
   */
  dueOnServer(onServer: Iterable<string>, leaveDays: number | null, now: number): string[] {
    const due: string[] = [];
    for (const uidl of onServer) {
      const r = this.uidls.get(uidl);
      if (!r) continue;
      const seen = Date.parse(r.firstSeen);
      const expired = leaveDays !== null && (leaveDays === 0 || (Number.isFinite(seen) && now - seen >= leaveDays * DAY_MS));
      if (r.deleteOnServer || expired) due.push(uidl);
    }
    return due;
  }

  /**
   * After a QUIT that committed: `deleted` are gone from the server, and so is every known UIDL
   * that the server no longer listed. Their deleteOnServer marks are done with.
   */
  markGoneFromServer(deleted: readonly string[], listed: ReadonlySet<string>, now: number): Promise<void> {
    return this.exclusive(async () => {
      const when = new Date(now).toISOString();
      const gone = new Set(deleted);
      for (const [uidl, r] of this.uidls) {
        if (!gone.has(uidl) && listed.has(uidl)) continue;
        if (r.goneFromServer && !r.deleteOnServer) continue;
        const { deleteOnServer: _done, ...rest } = r;
        this.uidls.set(uidl, { ...rest, goneFromServer: r.goneFromServer ?? when });
        this.dirty = true;
        gone.add(uidl);
      }
      await this.flushNow();
      // The server no longer has them: nothing left to keep from being downloaded again.
      for (const uidl of gone) await removeQuietly(join(this.deletedDir, uidlName(uidl)));
    });
  }

  /** Writes the index if anything changed (after fsyncing the messages folder, so every file it names is durable). */
  flush(): Promise<void> {
    return this.exclusive(() => this.flushNow());
  }

  private async flushNow(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    try {
      await syncDir(this.messagesDir);
      await syncDir(this.deletedDir);
      const index: IndexFile = {
        version: 2,
        uidValidity: this.uidValidity,
        nextUid: this.nextUid,
        messages: [...this.messages.values()].sort((a, b) => a.uid - b.uid),
        uidls: [...this.uidls],
      };
      await writeAtomicFile(join(this.dir, INDEX_FILE), Buffer.from(JSON.stringify(index), 'utf8'));
      await syncDir(this.dir);
    } catch (error) {
      this.dirty = true;
      throw error;
    }
  }

  /** Waits for pending writes. */
  async close(): Promise<void> {
    await this.flush().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------

const DAMAGED_INDEX_WORDS =
  'The list of mail downloaded for one of your POP3 accounts could not be read. Mailwright rebuilt it from the messages on disk: no message is lost or downloaded twice, and read, flagged and Trash are kept.';

/**
 * The index in `dir`, or null when there is none or it was damaged (truncated, empty, not JSON,
 * another shape): then it is set aside (kept, never deleted) and reported, and open() rebuilds it
 * from the file names.
 */
async function readIndex(dir: string, notices: DamageReporter | undefined): Promise<{ index: IndexFile | null; damaged: boolean }> {
  const path = join(dir, INDEX_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { index: null, damaged: false };
    throw error;
  }
  let parsed: ReturnType<typeof IndexSchema.safeParse> | null = null;
  try {
    parsed = IndexSchema.safeParse(JSON.parse(text));
  } catch {
    parsed = null;
  }
  if (parsed?.success) return { index: parsed.data, damaged: false };
  if (notices) await notices.setAside(path, 'pop3-index', DAMAGED_INDEX_WORDS);
  else await setAsideFile(path);
  return { index: null, damaged: true };
}

const sameFlags = (a: Flags, b: Flags) => a.seen === b.seen && a.flagged === b.flagged && a.answered === b.answered;

function toSummary(m: StoredMessage): MessageSummary {
  return { uid: m.uid, ...m.summary, seen: m.flags.seen, flagged: m.flags.flagged, answered: m.flags.answered };
}

/** The header block of a message (up to and including the blank line), or all of it if it has no body. */
function headerBlock(raw: Buffer): Buffer {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  const ends = [crlf === -1 ? -1 : crlf + 4, lf === -1 ? -1 : lf + 2].filter((n) => n > 0);
  return ends.length ? raw.subarray(0, Math.min(...ends)) : raw;
}

function headerText(value: HeaderValue | undefined): string | null {
  if (value === undefined) return null;
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => headerText(v) ?? '').join(', ');
  if ('value' in value && typeof value.value === 'string') {
    const params = 'params' in value ? Object.entries(value.params).map(([k, v]) => `; ${k}=${v}`).join('') : '';
    return `${value.value}${params}`;
  }
  if ('text' in value && typeof value.text === 'string') return value.text;
  return null;
}

/** The summary fields, parsed once from the headers. `fallbackDate` (ISO) when Date is missing or invalid. */
async function summarize(raw: Buffer, fallbackDate: string): Promise<StoredSummary> {
  const base: StoredSummary = { from: null, to: [], subject: '', date: fallbackDate, size: raw.length, messageId: null, isDeliveryReport: false };
  try {
    const parsed = await simpleParser(headerBlock(raw), { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
    const rawLine = (key: string): string | undefined => {
      const line = parsed.headerLines.find((h) => h.key === key)?.line;
      return line === undefined ? undefined : line.slice(line.indexOf(':') + 1).trim();
    };
    const date = parsed.date && Number.isFinite(parsed.date.getTime()) ? parsed.date.toISOString() : fallbackDate;
    const from = addressesOf(parsed.from)[0] ?? null;
    return {
      ...base,
      from,
      to: addressesOf(parsed.to),
      subject: parsed.subject ?? '',
      date,
      messageId: parsed.messageId ?? null,
      isDeliveryReport: looksLikeDeliveryReport({
        from: rawLine('from') ?? null,
        subject: parsed.subject ?? null,
        contentType: headerText(parsed.headers.get('content-type')),
        headers: {
          'x-failed-recipients': rawLine('x-failed-recipients'),
          'auto-submitted': rawLine('auto-submitted'),
          'return-path': rawLine('return-path'),
        },
      }),
    };
  } catch {
    // Headers we cannot parse still leave a message that can be opened.
    return base;
  }
}

/** Atomic and fsynced, without the folder fsync: the index write fsyncs each folder once per batch. */
const writeAtomicFile = (path: string, data: Buffer) => writeFileAtomic(dirname(path), path, data, { syncFolder: false });

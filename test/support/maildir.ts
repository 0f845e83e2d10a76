// Puts many messages into a test user's mailbox at once by writing files straight into the
// Maildir that Dovecot serves (APPEND of 10,000 messages would take far longer). Dovecot finds
// them on the next SELECT (or STATUS / LIST with status) and numbers them in file-name order.

import { randomBytes } from 'node:crypto';
import { chown, mkdir, open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MailServers, MailUser } from './mail-servers';

export interface FillOptions {
  /** IMAP path of the folder ('' or 'INBOX' = the inbox). Maildir++: "Archive" is the directory ".Archive". */
  folder?: string;
  count: number;
  /** Raw RFC 5322 message number i (0 = oldest); a small plain-text message by default. */
  make?: (i: number) => string;
  /** Marks every message \Seen. */
  seen?: boolean;
}

// Creating a file costs about 1 ms of kernel time on the CI machines: Node's thread pool
// overlaps several (one Perl process writing them all was slower).
const WRITE_BATCH = 256;

/** A small message; the Date header counts up from 2024-01-01 so that message i is older than i+1. */
export function defaultMessage(i: number): string {
  const date = new Date(Date.UTC(2024, 0, 1) + i * 60_000).toUTCString();
  return [
    'From: Filler <filler@mailwright.test>',
    'To: Test <test@mailwright.test>',
    `Subject: Message ${i}`,
    `Date: ${date}`,
    `Message-ID: <fill-${i}-${randomBytes(4).toString('hex')}@mailwright.test>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    `Body of message ${i}.`,
    '',
  ].join('\r\n');
}

/**
 * Writes `count` messages into `user`'s maildir (folder created, subscribed and owned by the
 * mail user when missing) and resolves with the directory written to. Message i gets a file name
 * that sorts after message i-1, so Dovecot gives it a higher UID.
 */
export async function fillMaildir(servers: MailServers, user: MailUser, options: FillOptions): Promise<string> {
  const folder = options.folder ?? '';
  if (folder !== '' && folder.toUpperCase() !== 'INBOX' && !/^[A-Za-z0-9 _-][A-Za-z0-9 ._-]*$/.test(folder)) {
    throw new Error(`fillMaildir: folder names are limited to ASCII letters, digits, space, "_", "-" and "." (got ${JSON.stringify(folder)})`);
  }
  const owner = servers.mailOwner;
  const root = servers.maildir(user);
  const inbox = folder === '' || folder.toUpperCase() === 'INBOX';
  const dir = inbox ? root : path.join(root, `.${folder}`);

  // <mail>/<domain>/<user>/Maildir: Dovecot and Postfix create these on first use.
  await ensureDir(path.dirname(path.dirname(root)), owner);
  await ensureDir(path.dirname(root), owner);
  for (const d of [root, path.join(root, 'cur'), path.join(root, 'new'), path.join(root, 'tmp')]) await ensureDir(d, owner);
  if (!inbox) {
    for (const d of [dir, path.join(dir, 'cur'), path.join(dir, 'new'), path.join(dir, 'tmp')]) await ensureDir(d, owner);
    const marker = path.join(dir, 'maildirfolder');
    await writeFile(marker, '', { flag: 'a' });
    await chown(marker, owner.uid, owner.gid);
    await subscribe(root, folder, owner);
  }

  const make = options.make ?? defaultMessage;
  const flags = options.seen ? 'S' : '';
  // One timestamp for the batch, then the microsecond field counts up: Dovecot orders new files
  // by time, then by that field.
  const seconds = Math.floor(Date.now() / 1000);
  const host = `mailwright-fill-${randomBytes(3).toString('hex')}`;
  for (let start = 0; start < options.count; start += WRITE_BATCH) {
    const end = Math.min(options.count, start + WRITE_BATCH);
    const batch: Promise<void>[] = [];
    for (let i = start; i < end; i++) batch.push(writeOne(dir, `${seconds}.M${i}P${process.pid}.${host}`, flags, make(i), owner));
    await Promise.all(batch);
  }
  return dir;
}

/** tmp/, owner, then rename into cur/: Dovecot never sees a half-written file. */
async function writeOne(dir: string, name: string, flags: string, message: string, owner: { uid: number; gid: number }): Promise<void> {
  const tmp = path.join(dir, 'tmp', name);
  const file = await open(tmp, 'wx', 0o600);
  try {
    await file.writeFile(message.replace(/\r?\n/g, '\r\n'));
    await file.chown(owner.uid, owner.gid); // through the handle: one path lookup fewer
  } finally {
    await file.close();
  }
  await rename(tmp, path.join(dir, 'cur', `${name}:2,${flags}`));
}

async function ensureDir(dir: string, owner: { uid: number; gid: number }): Promise<void> {
  const exists = await stat(dir).then(
    () => true,
    () => false,
  );
  if (exists) return;
  await mkdir(dir, { mode: 0o700 });
  await chown(dir, owner.uid, owner.gid);
}

async function subscribe(root: string, folder: string, owner: { uid: number; gid: number }): Promise<void> {
  const file = path.join(root, 'subscriptions');
  const current = await readFile(file, 'utf8').catch(() => '');
  if (current.split('\n').includes(folder)) return;
  await writeFile(file, `${current}${current && !current.endsWith('\n') ? '\n' : ''}${folder}\n`);
  await chown(file, owner.uid, owner.gid);
}

/**
 * Files that survive a crash or power cut whole or not at all: written to a temporary name in the
 * same folder, fsynced, renamed over the target, and the folder fsynced. Temporary files end in
 * `.tmp-<random>` so whoever owns a folder can clear leftovers at start. Used by the outbox,
 * drafts, the POP3 store, and anything saved for the person (attachments).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { chmod, mkdir, open, rename, unlink } from 'node:fs/promises';

export const TMP_MARK = '.tmp-';

export const tempName = (path: string) => `${path}${TMP_MARK}${randomBytes(6).toString('hex')}`;

/** Makes renames and new names in `dir` durable. Folders cannot be opened for fsync on Windows; NTFS journals the metadata. */
export async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function removeQuietly(path: string): Promise<void> {
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

/**
 * Write a temporary file, fsync it, rename it over `path`, fsync the folder `dir`. With
 * `syncFolder: false` the caller fsyncs the folder itself once after a batch of files.
 */
export async function writeFileAtomic(
  dir: string,
  path: string,
  data: string | Uint8Array,
  options: { mode?: number; syncFolder?: boolean } = {},
): Promise<void> {
  const tmp = tempName(path);
  const handle = await open(tmp, 'wx', options.mode ?? 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await removeQuietly(tmp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  try {
    await rename(tmp, path);
  } catch (error) {
    await removeQuietly(tmp).catch(() => undefined);
    throw error;
  }
  if (options.syncFolder !== false) await syncDir(dir);
}

/**
 * Everything Mailwright writes holds mail, addresses or secrets: files are 0600 and folders 0700,
 * whatever the umask (a usual 022 would make them readable by every user of the machine).
 * Windows has no such modes; its profile folder is already private to the user.
 */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_FOLDER_MODE = 0o700;

/**
 * Makes `path` (and any missing parents) a folder only its owner can open. A folder that already
 * exists is narrowed to 0700 too, so data folders made by earlier versions (0755) are fixed.
 */
export async function makePrivateFolder(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: PRIVATE_FOLDER_MODE });
  if (process.platform !== 'win32') await chmod(path, PRIVATE_FOLDER_MODE);
}

/** `makePrivateFolder` for the few places that must stay synchronous (conf stores, the key file). */
export function makePrivateFolderSync(path: string): void {
  mkdirSync(path, { recursive: true, mode: PRIVATE_FOLDER_MODE });
  if (process.platform !== 'win32') chmodSync(path, PRIVATE_FOLDER_MODE);
}

/** Narrows a file written by an earlier version (or a library's default 0644) to 0600; a missing file is fine. */
export function makeFilePrivateSync(path: string): void {
  if (process.platform === 'win32') return;
  try {
    chmodSync(path, PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

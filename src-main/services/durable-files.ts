/**
 * Files that survive a crash or power cut whole or not at all: written to a temporary name in the
 * same folder, fsynced, renamed over the target, and the folder fsynced. Temporary files end in
 * `.tmp-<random>` so whoever owns a folder can clear leftovers at start. Used by the outbox,
 * drafts, the POP3 store, and anything saved for the person (attachments).
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';

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

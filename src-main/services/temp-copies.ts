/**
 * Copies Mailwright makes of files for a message being written: files dropped onto compose
 * (`<data>/tmp/dropped/<upload id>/`) and the attachments of a forwarded message
 * (`<data>/tmp/forward/<uuid>/`). Each lives in a folder of its own named by a random UUID under
 * its root. A copy is needed while its compose window is open (attachment tokens point at it), for
 * an undo of its send, and by a saved draft (drafts keep attachments as paths). So:
 * - at start, only saved drafts still count: every folder no draft names goes (removeUnusedCopies);
 * - once the message that carried a copy is sent, its folder goes unless a draft names it (releaseCopies).
 * One place for both kinds, so the rule is the same for both.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The copy folders a saved draft names. The drafts folder is read as text, damaged or set-aside
 * drafts included, so an unreadable draft keeps its files rather than losing them, and this does
 * not depend on the drafts' format.
 */
async function namedByDrafts(draftsDir: string | undefined): Promise<Set<string>> {
  const named = new Set<string>();
  if (!draftsDir) return named;
  const names = await readdir(draftsDir).catch(() => [] as string[]);
  const texts = await Promise.all(names.map((n) => readFile(join(draftsDir, n), 'utf8').catch(() => '')));
  const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
  for (const text of texts) for (const m of text.matchAll(uuid)) named.add(m[0].toLowerCase());
  return named;
}

/** At start: removes every copy folder under `root` that no saved draft names. Answers how many went. */
export async function removeUnusedCopies(root: string, draftsDir: string | undefined): Promise<number> {
  const folders = await readdir(root).catch(() => [] as string[]);
  if (folders.length === 0) return 0;
  const keep = await namedByDrafts(draftsDir);
  let removed = 0;
  for (const folder of folders) {
    if (keep.has(folder.toLowerCase())) continue;
    await rm(join(root, folder), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

/**
 * The files at `paths` were used (their message is sent): the copy folders under `root` that hold
 * any of them are removed, unless a saved draft still names them. Paths elsewhere are left alone.
 */
export async function releaseCopies(root: string, paths: readonly string[], draftsDir: string | undefined): Promise<void> {
  const folders = new Set<string>();
  for (const path of paths) {
    const rel = relative(root, path);
    const [folder] = rel.split(sep);
    // Only our own folders: <root>/<uuid>/<...>/<name>.
    if (!folder || rel.startsWith('..') || rel === folder || !UUID.test(folder)) continue;
    folders.add(folder);
  }
  if (!folders.size) return;
  const keep = await namedByDrafts(draftsDir);
  for (const folder of folders) if (!keep.has(folder.toLowerCase())) await rm(join(root, folder), { recursive: true, force: true });
}

/**
 * Attachments leaving a received message: one saved where the person chooses, or all of them
 * copied into `<data>/tmp/forward/<uuid>/` so a forward can attach them like picked files.
 *
 * A forward's copies are needed while its compose window is open (its attachment tokens point at
 * them), for an undo of its send, and by a saved draft (drafts keep attachments as paths): when
 * they go is decided in one place for them and dropped files alike (../temp-copies.ts).
 */
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { MessageRef } from '../../../shared/mail';
import type { AttachmentRef } from '../../../shared/outbox';
import { fail, ok, type Result } from '../../../shared/result';
import type { AttachmentRegistry } from '../attachments';
import { makePrivateFolder, writeFileAtomic } from '../durable-files';
import type { Logger } from '../logger';
import { attachmentOf, attachmentsOf, safeFileName, type ParsedMessage } from './parse';
import type { MailSource } from './types';

/** Writes one attachment where the person chooses; saved false when they cancelled the dialog. */
export async function saveAttachment(
  deps: { sourceFor: (accountId: string) => Result<MailSource>; saveFile: (suggestedName: string) => Promise<string | null>; logger: Logger },
  ref: MessageRef & { index: number },
): Promise<Result<{ saved: boolean }>> {
  const source = deps.sourceFor(ref.accountId);
  if (!source.ok) return source;
  const raw = await source.value.source(ref.folder, ref.uid);
  if (!raw.ok) return raw;
  const attachment = await attachmentOf(raw.value, ref.index);
  if (!attachment) return fail('MESSAGE_NOT_FOUND');
  const path = await deps.saveFile(attachment.filename);
  if (!path) return ok({ saved: false });
  try {
    // Written next to the target and renamed over it: never a half-written file under that name.
    await writeFileAtomic(dirname(path), path, attachment.content, { mode: 0o644 });
    return ok({ saved: true });
  } catch (error) {
    deps.logger.warn('mail: attachment not saved', { code: (error as NodeJS.ErrnoException).code });
    return fail('FILE_UNWRITABLE');
  }
}

/** Copies a message's attachments to files of their own and registers them; their refs carry the original names. */
export async function writeForwardCopies(
  deps: { dataDir: string; attachments: AttachmentRegistry },
  raw: Buffer,
  parsed: ParsedMessage,
): Promise<AttachmentRef[]> {
  const forwarded: AttachmentRef[] = [];
  if (!parsed.attachments.length) return forwarded;
  const root = forwardRoot(deps.dataDir);
  const dir = join(root, randomUUID());
  // Other users of the machine must not read a person's mail: folders 0700 (the files are 0600,
  // writeFileAtomic's default), also a forward folder an older version made 0755.
  await makePrivateFolder(root);
  await makePrivateFolder(dir);
  // One parse for all of them (a 50 MB message takes seconds to parse).
  const contents = await attachmentsOf(raw);
  for (const info of parsed.attachments) {
    const attachment = contents[info.index];
    if (!attachment) continue;
    // A folder per attachment, so the file keeps the attachment's own name (two may share one): the
    // registry names a file by its file name, and outbox:enqueue attaches it under that name.
    const folder = join(dir, String(info.index));
    await makePrivateFolder(folder);
    const path = join(folder, safeFileName(attachment.filename, info.contentType, info.index));
    await writeFileAtomic(folder, path, attachment.content);
    const [added] = await deps.attachments.add([path]);
    if (added) forwarded.push({ ...added, name: attachment.filename });
  }
  return forwarded;
}

/** Where the copies of forwarded attachments live, one folder per forward. */
export function forwardRoot(dataDir: string): string {
  return join(dataDir, 'tmp', 'forward');
}


/**
 * Attachments leaving a received message: one saved where the person chooses, or all of them
 * copied into `<data>/tmp/forward/<uuid>/` so a forward can attach them like picked files.
 */
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { MessageRef } from '../../../shared/mail';
import type { AttachmentRef } from '../../../shared/outbox';
import { fail, ok, type Result } from '../../../shared/result';
import type { AttachmentRegistry } from '../attachments';
import { writeFileAtomic } from '../durable-files';
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
  const dir = join(deps.dataDir, 'tmp', 'forward', randomUUID());
  await mkdir(dir, { recursive: true });
  // One parse for all of them (a 50 MB message takes seconds to parse).
  const contents = await attachmentsOf(raw);
  for (const info of parsed.attachments) {
    const attachment = contents[info.index];
    if (!attachment) continue;
    const path = join(dir, `${info.index}-${safeFileName(attachment.filename, info.contentType, info.index)}`);
    await writeFileAtomic(dir, path, attachment.content);
    const [added] = await deps.attachments.add([path]);
    if (added) forwarded.push({ ...added, name: attachment.filename });
  }
  return forwarded;
}

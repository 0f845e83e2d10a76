/**
 * Drafts, saved as the person types (the compose window saves a second or two after the last
 * change), each in its own file written atomically, so a crash loses at most those seconds and
 * never leaves a half-written draft. Attachments are kept as paths and registered again when a
 * draft is opened, since attachment tokens live only as long as the app runs.
 */
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ComposeDraftSchema, type ComposeDraft } from '../../shared/outbox';
import type { AttachmentRegistry } from './attachments';
import type { DamageReporter } from './data-notices';
import { setAsideFile } from './data-notices';
import { makePrivateFolder, removeQuietly, TMP_MARK, writeFileAtomic } from './durable-files';

export interface DraftSummary {
  id: string;
  savedAt: string;
  subject: string;
  to: string;
}

const DraftFileSchema = z.object({
  format: z.literal(1),
  id: z.string(),
  savedAt: z.string(),
  /** The draft with attachment tokens replaced by paths. */
  draft: ComposeDraftSchema.omit({ attachments: true }),
  attachments: z.array(z.object({ path: z.string(), name: z.string(), size: z.number() })),
});
type DraftFile = z.infer<typeof DraftFileSchema>;

const ID = /^[0-9a-f-]{36}$/;

export interface DraftStore {
  save(id: string | undefined, draft: ComposeDraft): Promise<{ id: string; savedAt: string }>;
  list(): Promise<DraftSummary[]>;
  open(id: string): Promise<{ id: string; draft: ComposeDraft } | undefined>;
  delete(id: string): Promise<void>;
}

/** The draft in `text`, or undefined when it is not one (truncated, empty, not JSON, not our shape, another id). */
function parseDraft(text: string, id: string): DraftFile | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = DraftFileSchema.safeParse(json);
  return parsed.success && parsed.data.id === id ? parsed.data : undefined;
}

export async function openDraftStore(
  dir: string,
  attachments: AttachmentRegistry,
  options: { now?: () => Date; notices?: DamageReporter } = {},
): Promise<DraftStore> {
  const now = options.now ?? (() => new Date());
  await makePrivateFolder(dir);
  const file = (id: string) => join(dir, `${id}.json`);
  for (const name of await readdir(dir)) {
    // Temporary files of a write that a crash interrupted are never drafts.
    if (name.includes(TMP_MARK)) await removeQuietly(join(dir, name));
    // A draft that cannot be read is set aside (kept, never deleted) and the person told; the others load.
    else if (name.endsWith('.json') && !parseDraft(await readFile(join(dir, name), 'utf8'), name.slice(0, -5))) {
      const what = 'A saved draft could not be read, so it is no longer listed with your drafts; what was left of it is kept.';
      if (options.notices) await options.notices.setAside(join(dir, name), 'draft', what);
      else await setAsideFile(join(dir, name));
    }
  }
  const read = async (id: string): Promise<DraftFile | undefined> => {
    try {
      return parseDraft(await readFile(file(id), 'utf8'), id);
    } catch {
      return undefined;
    }
  };
  return {
    async save(id, draft) {
      const draftId = id && ID.test(id) ? id : randomUUID();
      const savedAt = now().toISOString();
      const { attachments: refs, ...rest } = draft;
      const previous = id ? await read(draftId) : undefined;
      const paths = refs.flatMap((ref) => {
        const picked = attachments.resolve(ref.token);
        if (picked) return [picked];
        // A token from before a restart: keep the path the draft already had for that file.
        const known = previous?.attachments.find((a) => a.name === ref.name && a.size === ref.size);
        return known ? [known] : [];
      });
      const record: DraftFile = { format: 1, id: draftId, savedAt, draft: rest, attachments: paths };
      await writeFileAtomic(dir, file(draftId), JSON.stringify(record));
      return { id: draftId, savedAt };
    },
    async list() {
      const ids = (await readdir(dir)).filter((n) => n.endsWith('.json') && !n.includes(TMP_MARK)).map((n) => n.slice(0, -5));
      const drafts = (await Promise.all(ids.map(read))).filter((d): d is DraftFile => d !== undefined);
      return drafts
        .map((d) => ({ id: d.id, savedAt: d.savedAt, subject: d.draft.subject, to: d.draft.to }))
        .sort((a, b) => b.savedAt.localeCompare(a.savedAt));
    },
    async open(id) {
      if (!ID.test(id)) return undefined;
      const record = await read(id);
      if (!record) return undefined;
      const refs = await attachments.add(record.attachments.map((a) => a.path));
      const parsed = ComposeDraftSchema.safeParse({ ...record.draft, attachments: refs });
      return parsed.success ? { id, draft: parsed.data } : undefined;
    },
    async delete(id) {
      if (ID.test(id)) await removeQuietly(file(id));
    },
  };
}

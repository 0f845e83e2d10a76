/** A file in the data folder was damaged and set aside: what the person is told (see src-main/services/data-notices.ts). */
import { z } from 'zod';

export const DATA_NOTICE_KINDS = ['settings', 'secrets', 'draft', 'pop3-index', 'remote-content', 'outbox'] as const;
export const DataNoticeKindSchema = z.enum(DATA_NOTICE_KINDS);
export type DataNoticeKind = z.infer<typeof DataNoticeKindSchema>;

export const DataNoticeSchema = z.object({
  id: z.uuid(),
  kind: DataNoticeKindSchema,
  /** The damaged file, relative to the data folder ("settings.json", "drafts/<id>.json"). */
  file: z.string(),
  /** Where its bytes were kept, relative to the data folder. */
  keptAs: z.string(),
  /** When it was found (ISO 8601). */
  when: z.string(),
  /** What happened and what Mailwright did instead, in plain words. */
  what: z.string(),
});
export type DataNotice = z.infer<typeof DataNoticeSchema>;

/**
 * What the last check of an account's servers found, kept with the account: an account saved after
 * a failed check shows what failed (the first failed stage, outgoing server first) until a check
 * passes. Its own file so that model.ts can hold it without importing verify.ts (which imports
 * discovery.ts, which imports model.ts).
 */
import { z } from 'zod';
import { AppErrorSchema } from './result';

export const AccountCheckSchema = z.object({
  at: z.string(),
  ok: z.boolean(),
  /** The first failed stage: its server ('smtp', 'imap', 'pop3'), its name (shared/verify.ts STAGE_NAMES) and why. */
  failure: z.object({ protocol: z.enum(['smtp', 'imap', 'pop3']), stage: z.string().max(20), error: AppErrorSchema }).optional(),
});
export type AccountCheck = z.infer<typeof AccountCheckSchema>;

/** What a desktop notification opens when clicked (the 'app:open' event): the outbox item in question. */
import { z } from 'zod';

export const OpenTargetSchema = z
  .object({
    kind: z.literal('outbox'),
    /** The outbox job: a failed or partly refused message, or the sent message a bounce refers to. */
    id: z.string().min(1).max(200),
  })
  .strict();
export type OpenTarget = z.infer<typeof OpenTargetSchema>;

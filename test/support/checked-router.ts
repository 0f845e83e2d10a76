/**
 * A general guard for tests: every reply a handler gives must match its channel's response schema
 * in the contract (shared/ipc.ts). The router checks requests; nothing at run time checks replies,
 * so a handler that answers off-schema (as mail:allowRemote did) is caught here instead. Wrap a
 * backend's router and look at `offSchema` (or call `assertClean`) at the end of a test.
 */
import { CHANNELS, isChannel } from '../../shared/ipc';
import type { Router } from '../../src-main/ipc/router';

export interface OffSchemaReply {
  channel: string;
  /** The schema's complaints (paths and codes only: values may be personal). */
  problems: string[];
}

export interface CheckedRouter extends Router {
  readonly offSchema: OffSchemaReply[];
}

export function checkReplies(router: Router): CheckedRouter {
  const offSchema: OffSchemaReply[] = [];
  return {
    channels: router.channels,
    offSchema,
    async handle(sender, channel, payload) {
      const result = await router.handle(sender, channel, payload);
      if (result.ok && isChannel(channel)) {
        const checked = CHANNELS[channel].response.safeParse(result.value);
        if (!checked.success) offSchema.push({ channel, problems: checked.error.issues.map((i) => `${i.path.join('.')}: ${i.code}`) });
      }
      return result;
    },
  };
}

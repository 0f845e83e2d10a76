/**
 * The one router every IPC request goes through, with no Electron import so it is tested in plain
 * Node and reused by the end-to-end bridge. Order: known channel, trusted sender, valid request;
 * only then does the handler run. Whatever happens, the caller gets a Result: a thrown error
 * becomes INTERNAL (logged here, never forwarded), and a ZodError's text never leaves main.
 */
import type { z } from 'zod';
import { CHANNELS, isChannel, type Channel, type ParsedRequestOf, type ResponseOf } from '../../shared/ipc';
import { fail, type Result } from '../../shared/result';
import type { Logger } from '../services/logger';
import { originOf } from '../services/link-policy';

/** Who sent a request, as the transport sees it (Electron's event.senderFrame, or the bridge). */
export interface IpcSender {
  /** Stable id of the web contents (Electron) or page (bridge) that sent it. */
  contentsId: number;
  /** True when the sending frame is the top-level frame of that contents, not an iframe. */
  isMainFrame: boolean;
  /** The sending frame's URL at the time of the request. */
  url: string;
}

export type Handlers = {
  [C in Channel]: (request: ParsedRequestOf<C>) => Promise<Result<ResponseOf<C>>>;
};

export interface Router {
  readonly channels: readonly Channel[];
  handle(sender: IpcSender, channel: string, payload: unknown): Promise<Result<unknown>>;
}

export function createRouter(options: {
  handlers: Handlers;
  isTrustedSender: (sender: IpcSender) => boolean;
  logger: Logger;
}): Router {
  const { handlers, isTrustedSender, logger } = options;
  return {
    channels: Object.keys(CHANNELS) as Channel[],
    async handle(sender, channel, payload) {
      if (!isChannel(channel)) {
        logger.warn('ipc: unknown channel refused', { channel: String(channel).slice(0, 64) });
        return fail('UNKNOWN_CHANNEL');
      }
      if (!isTrustedSender(sender)) {
        logger.warn('ipc: request from untrusted sender refused', { channel, url: safeOrigin(sender.url) });
        return fail('UNTRUSTED_SENDER');
      }
      const schema: z.ZodType = CHANNELS[channel].request;
      const parsed = schema.safeParse(payload);
      if (!parsed.success) {
        const fields = parsed.error.issues.map((issue) => ({
          path: issue.path.map(String).join('.'),
          problem: issue.code === 'custom' ? issue.message : issue.code,
        }));
        return fail('INVALID_REQUEST', { fields });
      }
      try {
        const handler = handlers[channel] as (request: unknown) => Promise<Result<unknown>>;
        return await handler(parsed.data);
      } catch (error) {
        logger.error('ipc: handler failed', { channel, error });
        return fail('INTERNAL');
      }
    },
  };
}

/** Only the origin of a URL goes into logs: paths and queries may carry personal data. */
function safeOrigin(url: string): string {
  return originOf(url) ?? 'invalid-url';
}

/**
 * Trust only the main frame of our own window, showing our own origin. `contentsIds` is read on
 * every request because windows come and go.
 */
export function createSenderPolicy(options: {
  appOrigin: string;
  contentsIds: () => Iterable<number>;
}): (sender: IpcSender) => boolean {
  return (sender) => {
    if (!sender.isMainFrame) return false;
    if (![...options.contentsIds()].includes(sender.contentsId)) return false;
    return originOf(sender.url) === options.appOrigin;
  };
}

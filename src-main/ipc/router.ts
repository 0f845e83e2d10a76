/**
 * The one router every IPC request goes through, with no Electron import so it is tested in plain
 * Node and reused by the end-to-end bridge. Order: known channel, trusted sender, request within
 * the size limits, valid request; only then does the handler run. Whatever happens, the caller
 * gets a Result: a thrown error becomes INTERNAL (logged here, never forwarded), and a ZodError's
 * text never leaves main.
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
        // Not String(channel): an object without a usable toString would throw here.
        logger.warn('ipc: unknown channel refused', { channel: typeof channel === 'string' ? channel.slice(0, 64) : typeof channel });
        return fail('UNKNOWN_CHANNEL');
      }
      if (!isTrustedSender(sender)) {
        logger.warn('ipc: request from untrusted sender refused', { channel, url: safeOrigin(sender.url) });
        return fail('UNTRUSTED_SENDER');
      }
      const tooBig = exceedsLimits(payload, REQUEST_LIMITS[channel] ?? DEFAULT_REQUEST_LIMITS);
      if (tooBig) {
        logger.warn('ipc: oversize request refused', { channel, limit: tooBig });
        return fail('INVALID_REQUEST', { fields: [{ path: '(request)', problem: 'too_big' }] });
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

/**
 * How big a request may be before zod sees it. zod walks every key of a strict object and builds
 * an issue naming each unknown one, so a request with a million keys held the main process for
 * seconds (and a 50 MB typed array, whose every byte is a key to it, for minutes); the walk below
 * stops at the first limit passed instead. The limits sit well above the
 * largest request the contract allows (shared/ipc.ts): `nodes` counts values, keys and array items
 * (the most is 1,000 uids of mail:setFlags, or 100 attachments and 100 references of a draft);
 * `depth` counts levels of nesting (the most is 4, e.g. draft.attachments[0].token); `chars` counts
 * the UTF-16 units of every string and key (the most is a composed message, below; a dropped file
 * comes in chunks of at most 1.4 MB of base64, one request each).
 */
export interface RequestLimits {
  nodes: number;
  depth: number;
  chars: number;
}

export const DEFAULT_REQUEST_LIMITS: RequestLimits = { nodes: 10_000, depth: 16, chars: 2_000_000 };

/** A composed message may carry 30 M of HTML and 10 M of text, plus 3 x 100 k of addresses and 100 references. */
const MESSAGE_REQUEST_LIMITS: RequestLimits = { ...DEFAULT_REQUEST_LIMITS, chars: 42_000_000 };

export const REQUEST_LIMITS: Partial<Record<Channel, RequestLimits>> = {
  'outbox:enqueue': MESSAGE_REQUEST_LIMITS,
  'drafts:save': MESSAGE_REQUEST_LIMITS,
};

/**
 * Which limit a payload passes, or null when it is within all of them. Cost: at most `nodes`
 * values visited, recursion at most `depth` deep, array and string lengths read in O(1). Reading an
 * object's keys is one native enumeration of that object (V8 has no cheaper way to count them), but
 * no JavaScript runs per key past the limit. Structured clone can deliver more than JSON: a Map or
 * Set counts its size, a typed array or ArrayBuffer its bytes, a String object its length; none of
 * them is looked into (zod does not either).
 */
export function exceedsLimits(payload: unknown, limits: RequestLimits): keyof RequestLimits | null {
  let nodes = 0;
  let chars = 0;
  const visit = (value: unknown, depth: number): keyof RequestLimits | null => {
    if (++nodes > limits.nodes) return 'nodes';
    if (typeof value === 'string') {
      chars += value.length;
      return chars > limits.chars ? 'chars' : null;
    }
    if (typeof value !== 'object' || value === null) return null;
    if (depth >= limits.depth) return 'depth';
    if (Array.isArray(value)) {
      if (value.length > limits.nodes - nodes) return 'nodes';
      for (let i = 0; i < value.length; i++) {
        const over = visit(value[i], depth + 1);
        if (over) return over;
      }
      return null;
    }
    if (value instanceof Map || value instanceof Set) {
      nodes += value.size;
      return nodes > limits.nodes ? 'nodes' : null;
    }
    if (value instanceof String) {
      chars += value.length;
      return chars > limits.chars ? 'chars' : null;
    }
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
      chars += value.byteLength;
      return chars > limits.chars ? 'chars' : null;
    }
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      chars += key.length;
      if (chars > limits.chars) return 'chars';
      const over = visit((value as Record<string, unknown>)[key], depth + 1);
      if (over) return over;
    }
    return null;
  };
  return visit(payload, 0);
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

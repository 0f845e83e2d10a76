/**
 * One generic client built from the contract. The preload builds it over ipcRenderer.invoke; the
 * end-to-end bridge builds it over a Playwright binding. Because both use this one function, the
 * API the renderer sees cannot drift between the app and the tests.
 *
 * Shape: `api.accounts.save(req)` for channel 'accounts:save' (one function per channel), and
 * `api.events.accountsChanged(listener)` for event 'accounts:changed', returning an unsubscribe.
 */
import { CHANNEL_NAMES, EVENT_NAMES, type Channel, type EventName } from './channels';
import type { EventPayloadOf, RequestOf, ResponseOf } from './ipc';
import type { Result } from './result';

type Domain<C extends string> = C extends `${infer D}:${string}` ? D : never;
type Verb<C extends string, D extends string> = C extends `${D}:${infer V}` ? V : never;
type Camel<S extends string> = S extends `${infer H}:${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;

export type MailwrightApi = {
  [D in Domain<Channel>]: {
    [V in Verb<Channel, D>]: (request: RequestOf<`${D}:${V}` & Channel>) => Promise<Result<ResponseOf<`${D}:${V}` & Channel>>>;
  };
} & {
  events: {
    [E in EventName as Camel<E>]: (listener: (payload: EventPayloadOf<E>) => void) => () => void;
  };
};

export interface Transport {
  invoke(channel: Channel, request: unknown): Promise<unknown>;
  subscribe(event: EventName, listener: (payload: unknown) => void): () => void;
}

const camel = (name: string) => name.replace(/:([a-z])/g, (_, c: string) => c.toUpperCase());

export function createApiClient(transport: Transport): MailwrightApi {
  const api: Record<string, Record<string, unknown>> = { events: {} };
  for (const channel of CHANNEL_NAMES) {
    const [domain, verb] = channel.split(':') as [string, string];
    api[domain] ??= {};
    api[domain][verb] = (request: unknown) => transport.invoke(channel, request ?? {});
  }
  for (const event of EVENT_NAMES) {
    api.events![camel(event)] = (listener: (payload: unknown) => void) => {
      if (typeof listener !== 'function') throw new TypeError('listener must be a function');
      return transport.subscribe(event, listener);
    };
  }
  return api as unknown as MailwrightApi;
}

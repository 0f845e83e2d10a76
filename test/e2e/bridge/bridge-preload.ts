/**
 * The test bridge's stand-in for src-main/preload/index.ts: the same client, built from the same
 * contract, over a Playwright binding instead of ipcRenderer. It is bundled to one script and
 * injected before the renderer's own code runs (page.addInitScript).
 */
import { API_GLOBAL } from '../../../shared/channels';
import { createApiClient } from '../../../shared/client';

type Listener = (payload: unknown) => void;
interface BridgeWindow {
  __mailwrightInvoke: (channel: string, request: unknown) => Promise<unknown>;
  __mailwrightEmit?: (event: string, payload: unknown) => void;
  [API_GLOBAL]?: unknown;
}

const w = window as unknown as BridgeWindow;
const listeners = new Map<string, Set<Listener>>();

w.__mailwrightEmit = (event, payload) => listeners.get(event)?.forEach((l) => l(payload));
w[API_GLOBAL] = Object.freeze(
  createApiClient({
    invoke: (channel, request) => w.__mailwrightInvoke(channel, request),
    subscribe: (event, listener) => {
      const set = listeners.get(event) ?? new Set<Listener>();
      set.add(listener);
      listeners.set(event, set);
      return () => set.delete(listener);
    },
  }),
);

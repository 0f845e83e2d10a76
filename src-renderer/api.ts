import type { MailwrightApi } from '../shared/client';
import { API_GLOBAL } from '../shared/channels';

declare global {
  interface Window {
    [API_GLOBAL]?: MailwrightApi;
  }
}

/** The API the preload (or, in end-to-end tests, the bridge) exposes. */
export function getApi(): MailwrightApi {
  const api = window[API_GLOBAL];
  if (!api) throw new Error('Mailwright must be started as the desktop app (no preload API found).');
  return api;
}

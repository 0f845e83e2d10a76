/**
 * The last connection status of each account: what main reported before this window loaded
 * (mail:statuses), then every change (the mail:status event), listened to from the moment the
 * renderer starts, not only while the Mail view is shown.
 */
import { useSyncExternalStore } from 'react';
import type { MailStatus } from '../../../shared/mail';
import { getApi } from '../../api';

let statuses: Readonly<Record<string, MailStatus>> = {};
const listeners = new Set<() => void>();
let started = false;

function set(list: MailStatus[]): void {
  statuses = { ...statuses, ...Object.fromEntries(list.map((s) => [s.accountId, s])) };
  for (const listener of listeners) listener();
}

function start(): void {
  if (started) return;
  started = true;
  const api = getApi();
  api.events.mailStatus((status) => set([status]));
  // What was reported before this window loaded; a change pushed meanwhile wins (it is newer).
  void api.mail.statuses({}).then((r) => r.ok && set(r.value.filter((s) => !statuses[s.accountId])));
  // A network that comes back: connect again now rather than at the next scheduled retry.
  window.addEventListener('online', () => void api.mail.wake({}));
}

// At import, so statuses pushed while another view is shown are kept. Without the desktop app's API
// (never in the app itself) App reports the problem; the view then subscribes when it mounts.
try {
  start();
} catch {
  started = false;
}

function subscribe(listener: () => void): () => void {
  start();
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useMailStatuses(): Readonly<Record<string, MailStatus>> {
  return useSyncExternalStore(subscribe, () => statuses);
}

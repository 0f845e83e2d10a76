import { useEffect, useMemo, useState } from 'react';
import { DEFAULT_UNDO_SECONDS, type Account, type AppInfo } from '../../../shared/model';
import type { ComposeOpening, OutboxJobView } from '../../../shared/outbox';
import { getApi } from '../../api';
import { ErrorBoundary } from '../../ui/ErrorBoundary';
import { ComposeWindow } from './ComposeWindow';
import { realFirst } from '../sandbox/accounts-order';

/**
 * A compose window's whole page (the renderer at #compose=<token>): one message, started from what main
 * handed over for the token (src-main/services/compose-windows.ts). Sending or Escape closes the window;
 * the main window shows the Undo banner, as the outbox's events reach every window.
 */

/** The token in the address, when this window is a compose window. */
export function composeToken(hash: string): string | null {
  const match = /^#compose=([0-9a-f-]{36})$/i.exec(hash);
  return match ? match[1]! : null;
}

/** Taken once per token (React's development double effects would otherwise take it twice and get nothing). */
const taken = new Map<string, Promise<ComposeOpening | null>>();
const take = (token: string) => {
  let opening = taken.get(token);
  if (!opening) {
    opening = getApi()
      .compose.take({ token })
      .then((r) => (r.ok ? r.value : null));
    taken.set(token, opening);
  }
  return opening;
};

export function ComposeApp(props: { token: string }) {
  const { token } = props;
  const [accounts, setAccounts] = useState<Account[] | null>(null);
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [jobs, setJobs] = useState<OutboxJobView[]>([]);
  /** undefined while asking main; null: nothing handed over (a reload), an empty message. */
  const [opening, setOpening] = useState<ComposeOpening | null | undefined>(undefined);

  useEffect(() => {
    const api = getApi();
    void api.accounts.list({}).then((r) => setAccounts(r.ok ? realFirst(r.value) : []));
    void api.app.info({}).then((r) => r.ok && setInfo(r.value));
    void api.outbox.list({}).then((r) => r.ok && setJobs(r.value));
    void take(token).then(setOpening);
    const offAccounts = api.events.accountsChanged((list) => setAccounts(realFirst(list)));
    // The menu's Send and New Message act in the window that has focus.
    const offCommands = api.events.appCommand(({ command }) => {
      if (command === 'send') document.querySelector<HTMLButtonElement>('main [data-command="send"]:not(:disabled)')?.click();
      else if (command === 'new-message') void api.compose.open({ draft: null, draftId: null, checkRecipients: false });
    });
    return () => {
      offAccounts();
      offCommands();
    };
  }, [token]);

  const knownAddresses = useMemo(() => [...new Set(jobs.filter((j) => j.state === 'sent').flatMap((j) => j.summary.to))].sort(), [jobs]);
  const close = useMemo(() => () => void getApi().compose.close({ token }), [token]);

  if (accounts === null || opening === undefined) return <p className="loading">Loading…</p>;
  return (
    <div className="shell shell--compose">
      <main tabIndex={-1}>
        <ErrorBoundary resetKey={token}>
          {accounts.length ? (
            <ComposeWindow
              accounts={accounts}
              draft={opening?.draft ?? null}
              draftId={opening?.draftId ?? null}
              checkRecipients={opening?.checkRecipients ?? false}
              knownAddresses={knownAddresses}
              undoSeconds={info?.undoSeconds ?? DEFAULT_UNDO_SECONDS}
              onQueued={close}
              onClose={close}
            />
          ) : (
            <p className="notice notice--warning" role="note">
              Add an account in the main window first: a message needs an account to be sent from.
            </p>
          )}
        </ErrorBoundary>
      </main>
    </div>
  );
}

import { useEffect, useState } from 'react';
import type { Account, AppInfo } from '../shared/model';
import { getApi } from './api';
import { AccountList } from './features/accounts/AccountList';
import { ComposeWindow } from './features/compose/ComposeWindow';
import { AccountWizard } from './features/wizard/AccountWizard';

type View = { name: 'compose' } | { name: 'accounts' } | { name: 'wizard'; account?: Account };

export function App() {
  const [accounts, setAccounts] = useState<Account[] | null>(null);
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [view, setView] = useState<View>({ name: 'compose' });

  useEffect(() => {
    const api = getApi();
    void api.accounts.list({}).then((r) => setAccounts(r.ok ? r.value : []));
    void api.app.info({}).then((r) => r.ok && setInfo(r.value));
    return api.events.accountsChanged(setAccounts);
  }, []);

  if (accounts === null) return <p className="loading">Loading…</p>;
  const showWizard = view.name === 'wizard' || accounts.length === 0;

  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand">Mailwright</span>
        {accounts.length > 0 ? (
          <nav aria-label="Main">
            <button type="button" aria-current={view.name === 'compose' ? 'page' : undefined} onClick={() => setView({ name: 'compose' })}>
              Compose
            </button>
            <button type="button" aria-current={view.name !== 'compose' ? 'page' : undefined} onClick={() => setView({ name: 'accounts' })}>
              Accounts
            </button>
          </nav>
        ) : null}
      </header>
      {info?.secretProtection.kind === 'app-key' ? (
        <p className="notice notice--warning banner" role="note">
          Your system offers no keyring, so Mailwright encrypts saved passwords with a key kept in its own data folder.
          Anyone who can read that folder could recover them.
        </p>
      ) : null}
      <main>
        {showWizard ? (
          <AccountWizard
            key={view.name === 'wizard' ? (view.account?.id ?? 'new') : 'first'}
            {...(view.name === 'wizard' && view.account ? { account: view.account } : {})}
            onSaved={() => setView(view.name === 'wizard' && view.account ? { name: 'accounts' } : { name: 'compose' })}
            {...(accounts.length > 0 ? { onCancel: () => setView({ name: 'accounts' }) } : {})}
          />
        ) : view.name === 'accounts' ? (
          <AccountList accounts={accounts} onEdit={(account) => setView({ name: 'wizard', account })} onAdd={() => setView({ name: 'wizard' })} />
        ) : (
          <ComposeWindow accounts={accounts} />
        )}
      </main>
    </div>
  );
}

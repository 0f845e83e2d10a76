import { useState } from 'react';
import type { Account } from '../../../shared/model';
import type { AppError } from '../../../shared/result';
import { getApi } from '../../api';
import { ErrorNotice } from '../../ui/ErrorNotice';

const SECURITY = { tls: 'SSL/TLS', starttls: 'STARTTLS', none: 'no encryption' } as const;

export function AccountList(props: { accounts: Account[]; onEdit: (account: Account) => void; onAdd: () => void }) {
  const [failure, setFailure] = useState<AppError | null>(null);
  async function remove(account: Account) {
    if (!window.confirm(`Remove the account “${account.description}”? Its saved password is deleted too.`)) return;
    const result = await getApi().accounts.delete({ id: account.id });
    setFailure(result.ok ? null : result.error);
  }
  return (
    <section className="card" aria-labelledby="accounts-title">
      <h1 id="accounts-title">Accounts</h1>
      <ul className="accounts">
        {props.accounts.map((a) => (
          <li key={a.id}>
            <div>
              <strong>{a.description}</strong> <span className="muted">{a.email}</span>
              <div className="muted">
                {a.smtp.host}:{a.smtp.port}, {SECURITY[a.smtp.security]}
              </div>
            </div>
            <div className="actions">
              <button type="button" onClick={() => props.onEdit(a)} aria-label={`Edit ${a.description}`}>
                Edit
              </button>
              <button type="button" onClick={() => remove(a)} aria-label={`Remove ${a.description}`}>
                Remove
              </button>
            </div>
          </li>
        ))}
      </ul>
      {failure ? <ErrorNotice error={failure} /> : null}
      <button type="button" className="primary" onClick={props.onAdd}>
        Add account
      </button>
    </section>
  );
}

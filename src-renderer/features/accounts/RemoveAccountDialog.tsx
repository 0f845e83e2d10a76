import { useState } from 'react';
import type { Account } from '../../../shared/model';
import type { OutboxJobView } from '../../../shared/outbox';
import type { AppError } from '../../../shared/result';
import { getApi } from '../../api';
import { ErrorNotice } from '../../ui/ErrorNotice';
import { useModalDialog } from '../../ui/useModalDialog';

/** Messages that would still go out on their own; removal cancels them and keeps each as a draft. */
const WAITING = new Set(['queued', 'retrying', 'signin']);
export const waitingFor = (account: Account, jobs: OutboxJobView[]) => jobs.filter((j) => j.accountId === account.id && WAITING.has(j.state)).length;

/**
 * "Remove <account>?": says before it happens what becomes of the account's waiting messages and its
 * downloaded mail. A modal dialog (focus stays in it, Escape cancels).
 */
export function RemoveAccountDialog(props: { account: Account; jobs: OutboxJobView[]; onDone: () => void; onCancel: () => void }) {
  const { account } = props;
  const ref = useModalDialog();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const waiting = waitingFor(account, props.jobs);
  async function remove() {
    setBusy(true);
    const result = await getApi().accounts.delete({ id: account.id });
    setBusy(false);
    if (result.ok) props.onDone();
    else setError(result.error);
  }
  return (
    <dialog
      ref={ref}
      className="confirm"
      aria-labelledby="remove-account-title"
      onCancel={(e) => {
        e.preventDefault();
        props.onCancel();
      }}
    >
      <h2 id="remove-account-title">Remove {account.description}?</h2>
      <ul>
        <li>
          {waiting === 0
            ? 'No messages from this account are waiting in the outbox.'
            : `${waiting === 1 ? '1 message' : `${waiting} messages`} waiting in the outbox will not be sent: ${waiting === 1 ? 'it is' : 'they are'} cancelled and kept in Drafts, to send from another account.`}
        </li>
        <li>
          {account.incoming
            ? 'The copy of its mail downloaded to this computer is deleted. Mail on the server is not touched.'
            : 'It has no downloaded mail: it only sends.'}
        </li>
        <li>Its saved password{account.oauth ? ' and browser sign-in are' : ' is'} removed from this computer.</li>
      </ul>
      {error ? <ErrorNotice error={error} /> : null}
      <div className="actions">
        <button type="button" onClick={props.onCancel} disabled={busy} autoFocus>
          Cancel
        </button>
        <button type="button" className="danger" onClick={() => void remove()} disabled={busy}>
          {busy ? 'Removing…' : 'Remove account'}
        </button>
      </div>
    </dialog>
  );
}

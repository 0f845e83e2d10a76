import { useEffect, useState } from 'react';
import type { ComposeDraft, DraftSummary } from '../../../shared/outbox';
import type { AppError } from '../../../shared/result';
import { getApi } from '../../api';
import { ErrorNotice } from '../../ui/ErrorNotice';
import { formatTime } from '../../ui/format';

/** Drafts saved as the person typed, newest first: open one to go on writing, or delete it. */
export function DraftsView(props: { onOpen: (id: string, draft: ComposeDraft) => void }) {
  const [drafts, setDrafts] = useState<DraftSummary[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const load = () => void getApi().drafts.list({}).then((r) => (r.ok ? setDrafts(r.value) : setError(r.error)));
  // Compose windows save and delete drafts while this list is on screen.
  useEffect(() => {
    load();
    return getApi().events.draftsChanged(load);
  }, []);

  async function open(id: string) {
    const result = await getApi().drafts.open({ id });
    if (result.ok) props.onOpen(result.value.id, result.value.draft);
    else setError(result.error);
  }
  async function remove(id: string) {
    const result = await getApi().drafts.delete({ id });
    if (!result.ok) setError(result.error);
    load();
  }

  return (
    <section className="card" aria-labelledby="drafts-title">
      <h1 id="drafts-title">Drafts</h1>
      {error ? <ErrorNotice error={error} /> : null}
      {drafts && !drafts.length ? <p className="muted">No drafts. What you type in a new message is saved here as you go.</p> : null}
      <ul className="jobs" aria-label="Saved drafts">
        {(drafts ?? []).map((d) => (
          <li key={d.id} className="job" aria-label={d.subject || '(no subject)'}>
            <div className="job__head">
              <strong>{d.subject || '(no subject)'}</strong>
              <span className="muted">saved {formatTime(d.savedAt)}</span>
            </div>
            <div className="muted">{d.to ? `To ${d.to}` : 'No recipients yet'}</div>
            <div className="actions actions--start">
              <button type="button" onClick={() => open(d.id)}>
                Open
              </button>
              <button type="button" onClick={() => remove(d.id)}>
                Delete
              </button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

import { memo, useEffect, useId, useMemo, useRef, useState } from 'react';
import { enhancedStatusOf } from '../../../shared/errors';
import type { MergeResultRow, MergeRun } from '../../../shared/merge/contract';
import type { AppError } from '../../../shared/result';
import { getApi } from '../../api';
import { ErrorNotice } from '../../ui/ErrorNotice';
import { Field } from '../../ui/Field';
import { enhancedStatusText, explain } from '../../../shared/error-text';
import { matchesFilter, RESULT_FILTERS, RETRYABLE, rowStateText, type ResultFilter } from './merge-runs-model';

/** Rows drawn at a time: a merge can have 50,000; a table of 200 stays quick, "Show more" draws the next. */
export const RESULTS_PAGE = 200;
/**
 * While a merge runs, its results are fetched again at most this often (progress comes far more
 * often), and less often for a long merge: every 2 s up to 2,000 rows, then 1 s more per 1,000 rows
 * (10 s for 10,000), so a big merge's results do not keep main and the window busy.
 */
export const RESULTS_REFRESH_MS = 2000;
const refreshEvery = (total: number) => Math.max(RESULTS_REFRESH_MS, Math.ceil(total / 1000) * 1000);

/** The counts a results refresh depends on: a report that changes none of them changes no row. */
const versionOf = (run: MergeRun) =>
  [run.waiting, run.sending, run.sent, run.failed, run.uncertain, run.signin, run.cancelled, run.bounced, run.partlyRefused, run.paused].join('/');

/** The server's reply, or why the row did not go, in words. */
function Details(props: { row: MergeResultRow; paused: boolean }) {
  const { row } = props;
  const reply = row.reply?.trim();
  const said = (who: string) =>
    reply ? (
      <div className="notice__reply">
        {who} said: <q>{reply}</q>
      </div>
    ) : null;
  const error = row.error ? explain(row.error) : null;
  const errorReply = row.error?.detail?.serverReply?.trim();
  switch (row.state) {
    case 'sent':
      return said('The server');
    case 'refused': {
      const reason = enhancedStatusText(enhancedStatusOf(reply ?? errorReply)) ?? error?.title;
      return (
        <>
          {reason ? <div>{reason}</div> : null}
          {said('The server') ??
            (errorReply ? (
              <div className="notice__reply">
                The server said: <q>{errorReply}</q>
              </div>
            ) : null)}
        </>
      );
    }
    case 'bounced':
      return (
        <>
          <div>{enhancedStatusText(enhancedStatusOf(reply)) ?? 'It was accepted, then a delivery report said it could not be delivered.'}</div>
          {said('The receiving server')}
        </>
      );
    case 'failed':
      return (
        <>
          {error ? (
            <div>
              {error.title} {error.advice}
            </div>
          ) : (
            <div>It was not sent.</div>
          )}
          {errorReply || reply ? (
            <div className="notice__reply">
              The server said: <q>{errorReply ?? reply}</q>
            </div>
          ) : null}
        </>
      );
    case 'uncertain':
      return (
        <div>
          The connection broke while it was being handed over, so it may have arrived. It is not sent again by itself: check with the recipient, then choose in the
          Outbox.
        </div>
      );
    case 'signin':
      return <div>The account needs you to sign in again; it goes out by itself once you have.</div>;
    case 'waiting':
      return props.paused ? <div>Held: the merge is paused.</div> : null;
    case 'sending':
      return null;
    case 'cancelled':
      return <div>Not sent: the merge was cancelled.</div>;
  }
}

/**
 * One merge's results: a row per message with its outcome and the server's reply or the reason,
 * filtered, a page at a time; "Retry failed rows" and "Export as CSV". Fetched again (at a bounded
 * rate) while the merge makes progress.
 */
// Memoised: the list around it re-renders every second (the clock of the time left); the table need not.
export const MergeResults = memo(function MergeResults(props: { run: MergeRun }) {
  const { run } = props;
  const [rows, setRows] = useState<MergeResultRow[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [filter, setFilter] = useState<ResultFilter>('all');
  const [limit, setLimit] = useState(RESULTS_PAGE);
  const [said, setSaid] = useState('');
  const [busy, setBusy] = useState<'retry' | 'export' | null>(null);
  /** After "Show more": the first of the new rows takes focus (its row number). */
  const [focusRow, setFocusRow] = useState<number | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const table = useRef<HTMLTableElement>(null);
  const lastLoad = useRef(0);
  const retryReason = useId();
  const headingId = useId();

  const load = async () => {
    lastLoad.current = Date.now();
    const r = await getApi().merge.results({ batchId: run.batchId });
    if (!r.ok) return setError(r.error);
    setError(null);
    setRows(r.value);
  };

  // Opened: focus on the heading, so the person lands at the top of what appeared.
  useEffect(() => {
    heading.current?.focus();
  }, []);

  // The first load at once; later ones when the counts change, at most every RESULTS_REFRESH_MS.
  const version = versionOf(run);
  useEffect(() => {
    const wait = Math.max(0, lastLoad.current + refreshEvery(run.total) - Date.now());
    const timer = setTimeout(() => void load(), lastLoad.current === 0 ? 0 : wait);
    return () => clearTimeout(timer);
  }, [version]);

  useEffect(() => {
    if (focusRow === null) return;
    table.current?.querySelector<HTMLElement>(`tr[data-row="${focusRow}"]`)?.focus();
  }, [focusRow]);

  const counts = useMemo(() => {
    const c = new Map<ResultFilter, number>();
    for (const f of RESULT_FILTERS) c.set(f.id, (rows ?? []).filter((r) => matchesFilter(r.state, f.id)).length);
    return c;
  }, [rows]);
  const filtered = useMemo(() => (rows ?? []).filter((r) => matchesFilter(r.state, filter)), [rows, filter]);
  const visible = filtered.slice(0, limit);
  const retryable = (rows ?? []).filter((r) => RETRYABLE.has(r.state)).length;
  const refused = counts.get('problems')! - retryable;
  const now = Date.now();

  async function retry() {
    setBusy('retry');
    setSaid('');
    const r = await getApi().merge.retryFailed({ batchId: run.batchId });
    setBusy(null);
    if (!r.ok) return setError(r.error);
    setError(null);
    const n = r.value.retried;
    setSaid(n === 0 ? 'No row could be sent again.' : n === 1 ? '1 row is being sent again.' : `${n.toLocaleString()} rows are being sent again.`);
    void load();
  }

  async function exportCsv() {
    setBusy('export');
    setSaid('');
    const r = await getApi().merge.export({ batchId: run.batchId });
    setBusy(null);
    if (!r.ok) return setError(r.error);
    setError(null);
    // Cancelled in the save dialog: nothing happened, so nothing is said.
    if (r.value.saved) setSaid('Saved.');
  }

  return (
    <section className="merge-results" aria-labelledby={headingId}>
      <h3 id={headingId} ref={heading} tabIndex={-1}>
        Results of “{run.name}”
      </h3>
      {error ? <ErrorNotice error={error} /> : null}
      <div className="merge-results__tools">
        <Field label="Show">
          {({ id }) => (
            <select
              id={id}
              value={filter}
              onChange={(e) => {
                setFilter(e.target.value as ResultFilter);
                setLimit(RESULTS_PAGE);
              }}>
              {RESULT_FILTERS.map((f) => (
                <option key={f.id} value={f.id}>
                  {f.label} ({(counts.get(f.id) ?? 0).toLocaleString()})
                </option>
              ))}
            </select>
          )}
        </Field>
        <div className="merge-results__buttons">
          {/* aria-disabled, not disabled: the buttons keep the focus while they work and after, and a
              keyboard user can still reach the one that cannot act and hear why. */}
          <button
            type="button"
            onClick={() => void (busy === null && retryable > 0 ? retry() : undefined)}
            aria-disabled={busy !== null || retryable === 0}
            aria-describedby={retryable === 0 && rows ? retryReason : undefined}>
            {busy === 'retry' ? 'Retrying…' : 'Retry failed rows'}
          </button>
          <button type="button" onClick={() => void (busy === null && rows ? exportCsv() : undefined)} aria-disabled={busy !== null || !rows}>
            {busy === 'export' ? 'Exporting…' : 'Export as CSV'}
          </button>
        </div>
      </div>
      {retryable === 0 && rows ? (
        <p className="field__hint" id={retryReason}>
          {refused > 0
            ? 'Nothing to retry: no row failed. A refused address would be refused again: correct it and send those rows in a new merge.'
            : 'Nothing to retry: no row failed.'}
        </p>
      ) : null}
      <p role="status" className="merge-results__said">
        {said}
      </p>
      {rows === null && !error ? <p className="muted">Loading the results…</p> : null}
      {rows ? (
        <div className="merge-results__scroll">
          <table ref={table} className="merge-results__table">
            <caption>
              {filtered.length === rows.length
                ? `${rows.length.toLocaleString()} rows`
                : `${filtered.length.toLocaleString()} of ${rows.length.toLocaleString()} rows`}
              {visible.length < filtered.length ? `, the first ${visible.length.toLocaleString()} shown` : ''}
            </caption>
            <colgroup>
              <col className="col-row" />
              <col className="col-recipient" />
              <col className="col-result" />
              <col />
            </colgroup>
            <thead>
              <tr>
                <th scope="col">Row</th>
                <th scope="col">Recipient</th>
                <th scope="col">Result</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {visible.map((row) => (
                <tr key={row.jobId} data-row={row.row} tabIndex={focusRow === row.row ? -1 : undefined} className={`merge-result merge-result--${row.state}`}>
                  <td className="merge-result__row">{row.row}</td>
                  <td className="merge-result__recipient">{row.recipient}</td>
                  <td className="merge-result__state">{rowStateText(row, now)}</td>
                  <td className="merge-result__details">
                    <Details row={row} paused={run.paused} />
                  </td>
                </tr>
              ))}
              {!visible.length ? (
                <tr>
                  <td colSpan={4} className="muted">
                    No rows {filter === 'all' ? 'yet' : 'of this kind'}.
                  </td>
                </tr>
              ) : null}
            </tbody>
          </table>
        </div>
      ) : null}
      {visible.length < filtered.length ? (
        <button
          type="button"
          onClick={() => {
            setFocusRow(filtered[limit]?.row ?? null);
            setLimit(limit + RESULTS_PAGE);
          }}>
          Show more ({Math.min(RESULTS_PAGE, filtered.length - visible.length).toLocaleString()} of {(filtered.length - visible.length).toLocaleString()} left)
        </button>
      ) : null}
    </section>
  );
});

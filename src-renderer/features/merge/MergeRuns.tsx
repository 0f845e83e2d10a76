import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { MergeRun } from '../../../shared/merge/contract';
import type { Account } from '../../../shared/model';
import type { AppError } from '../../../shared/result';
import { getApi } from '../../api';
import { ErrorNotice } from '../../ui/ErrorNotice';
import { MergeResults } from './MergeResults';
import { clockTime, countsLine, handled, problemCount, RateMeter, rateText, runStatus, timeLeftText } from './merge-runs-model';
import './merge-runs.css';
import { useNow } from '../../ui/useNow';
import { useModalDialog } from '../../ui/useModalDialog';

const byNewest = (a: MergeRun, b: MergeRun) => b.createdAt.localeCompare(a.createdAt);

/** The list as it stands, with one run's newer report in place of the old one (or added). */
function upsert(runs: MergeRun[], run: MergeRun): MergeRun[] {
  const rest = runs.filter((r) => r.batchId !== run.batchId);
  return [...rest, run].sort(byNewest);
}


/**
 * "Cancel <merge>?": says before it happens that what was sent stays sent. A modal dialog (focus
 * stays in it, Escape keeps the merge going).
 */
function CancelDialog(props: { run: MergeRun; onDone: (run: MergeRun) => void; onClose: () => void }) {
  const { run } = props;
  const ref = useModalDialog();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const toGo = run.waiting + run.signin;
  async function cancel() {
    setBusy(true);
    const r = await getApi().merge.cancel({ batchId: run.batchId });
    setBusy(false);
    if (r.ok) props.onDone(r.value);
    else setError(r.error);
  }
  return (
    <dialog
      ref={ref}
      className="confirm"
      // showModal() makes it modal; said outright too, for assistive technology that reads the attribute.
      aria-modal="true"
      aria-labelledby="merge-cancel-title"
      aria-describedby="merge-cancel-what"
      onCancel={(e) => {
        e.preventDefault();
        props.onClose();
      }}>
      <h2 id="merge-cancel-title">Cancel “{run.name}”?</h2>
      <ul id="merge-cancel-what">
        <li>
          {toGo === 1 ? 'The 1 message not sent yet will not be sent.' : `The ${toGo.toLocaleString()} messages not sent yet will not be sent.`}
        </li>
        <li>
          {run.sent === 0
            ? 'Nothing has been sent yet.'
            : `The ${run.sent.toLocaleString()} already sent stay sent: a message that has left cannot be taken back.`}
          {run.sending ? ` ${run.sending === 1 ? 'A message' : `${run.sending} messages`} being handed over right now will finish.` : ''}
        </li>
      </ul>
      {error ? <ErrorNotice error={error} /> : null}
      <div className="actions">
        <button type="button" onClick={props.onClose} disabled={busy} autoFocus>
          Keep sending
        </button>
        <button type="button" className="danger" onClick={() => void cancel()} disabled={busy}>
          {busy ? 'Cancelling…' : 'Cancel the rest'}
        </button>
      </div>
    </dialog>
  );
}

/** The bar: what went well, what did not, what was cancelled, out of the whole merge. */
function ProgressBar(props: { run: MergeRun; tone: string }) {
  const { run } = props;
  const problems = run.failed + run.uncertain + Math.min(run.sent, run.partlyRefused + run.bounced);
  const good = Math.max(0, run.sent - run.partlyRefused - run.bounced);
  const pct = (n: number) => `${run.total ? (n / run.total) * 100 : 0}%`;
  const ended = handled(run) + run.cancelled;
  return (
    <div
      className={`merge-bar merge-bar--${props.tone}`}
      role="progressbar"
      aria-label={`Progress of ${run.name}`}
      aria-valuemin={0}
      aria-valuemax={run.total}
      aria-valuenow={ended}
      aria-valuetext={countsLine(run)}>
      <span className="merge-bar__good" style={{ width: pct(good) }} />
      <span className="merge-bar__problem" style={{ width: pct(problems) }} />
      <span className="merge-bar__cancelled" style={{ width: pct(run.cancelled) }} />
    </div>
  );
}

function RunItem(props: {
  run: MergeRun;
  account: Account | undefined;
  now: number;
  rate: number | null;
  stalled: boolean;
  resultsOpen: boolean;
  onChanged: (run: MergeRun) => void;
  onAskCancel: () => void;
  onResults: () => void;
  /** Keeps each button to give focus back to (after the dialog, after closing the results). */
  register: (kind: 'cancel' | 'results', el: HTMLButtonElement | null) => void;
  /** Its results, when open: beneath the merge they belong to. */
  children?: ReactNode;
}) {
  const { run, now } = props;
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const status = runStatus(run);
  const left = timeLeftText(run, props.rate, props.stalled, now);
  // A rate of nothing says less than the time left (the pace is holding the merge back): not shown.
  const rate = props.rate ? rateText(props.rate) : '';
  const headingId = `merge-run-${run.batchId}`;
  async function pauseOrResume() {
    if (busy) return;
    setBusy(true);
    const api = getApi().merge;
    const r = run.paused ? await api.resume({ batchId: run.batchId }) : await api.pause({ batchId: run.batchId });
    setBusy(false);
    setError(r.ok ? null : r.error);
    if (r.ok) props.onChanged(r.value);
  }
  const problems = problemCount(run);
  return (
    <li className={`merge-run merge-run--${status.tone}`} aria-labelledby={headingId}>
      <div className="merge-run__head">
        <h3 id={headingId}>{run.name}</h3>
        {run.test ? <span className="badge merge-badge--test">Test</span> : null}
        {run.rehearsal ? <span className="badge merge-badge--test">Rehearsal: kept in the Sandbox</span> : null}
        <span className={`badge merge-badge merge-badge--${status.tone}`}>{status.label}</span>
      </div>
      <div className="muted">
        From {props.account ? `${props.account.description} <${props.account.email}>` : 'an account that was removed'} · started {clockTime(run.createdAt, now)}
      </div>
      <ProgressBar run={run} tone={status.tone} />
      <p className="merge-run__counts">{countsLine(run)}</p>
      {!run.done && !run.paused && (rate || left) ? <p className="merge-run__pace">{[rate, left ?? ''].filter(Boolean).join(' · ')}</p> : null}
      {run.paused && !run.done ? (
        <p className="notice notice--warning">Paused: nothing more is sent until you resume. A message already being handed over finishes.</p>
      ) : null}
      {run.done && problems ? <p className="merge-run__advice">Open the results to see which rows did not go and why.</p> : null}
      {error ? <ErrorNotice error={error} /> : null}
      <div className="actions actions--start">
        {!run.done ? (
          // One button that changes its words keeps the focus where the person left it.
          // Not disabled while it works: a disabled button would drop the focus.
          <button type="button" key="pause-resume" onClick={() => void pauseOrResume()} aria-disabled={busy || undefined}>
            {run.paused ? 'Resume' : 'Pause'}
          </button>
        ) : null}
        {!run.done ? (
          <button type="button" ref={(el) => props.register('cancel', el)} onClick={props.onAskCancel}>
            Cancel…
          </button>
        ) : null}
        <button type="button" ref={(el) => props.register('results', el)} aria-expanded={props.resultsOpen} onClick={props.onResults}>
          {props.resultsOpen ? 'Hide results' : 'Results'}
        </button>
      </div>
      {props.children}
    </li>
  );
}

/**
 * The merges that were started, newest first: progress, rate, time left; pause, resume, cancel; and
 * each one's results. Kept current by the merge:progress events.
 */
export function MergeRuns({ accounts }: { accounts: Account[] }) {
  const [runs, setRuns] = useState<MergeRun[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [resultsOf, setResultsOf] = useState<string | null>(null);
  const [cancelling, setCancelling] = useState<MergeRun | null>(null);
  const meter = useRef(new RateMeter());
  const buttons = useRef(new Map<string, HTMLButtonElement>());
  const now = useNow(!!runs?.some((r) => !r.done));

  useEffect(() => {
    const api = getApi();
    let alive = true;
    const heard = (run: MergeRun) => {
      meter.current.add(run, Date.now());
      setRuns((prev) => upsert(prev ?? [], run));
    };
    const off = api.events.mergeProgress(heard);
    void api.merge.list({}).then((r) => {
      if (!alive) return;
      if (!r.ok) return setError(r.error);
      setError(null);
      const at = Date.now();
      for (const run of r.value) meter.current.add(run, at);
      // A report heard while the list was on its way is as new as the list: the list wins, the others stay.
      setRuns((prev) => [...r.value, ...(prev ?? []).filter((p) => !r.value.some((v) => v.batchId === p.batchId))].sort(byNewest));
    });
    return () => {
      alive = false;
      off();
    };
  }, []);

  const changed = (run: MergeRun) => {
    meter.current.add(run, Date.now());
    setRuns((prev) => upsert(prev ?? [], run));
  };
  /**
   * Where focus goes once the list has been drawn again (the dialog gone, the buttons as they are
   * now): the button, or the results button when it is gone (a cancelled or finished merge has no Cancel).
   */
  const [focusAfter, setFocusAfter] = useState<{ batchId: string; kind: 'cancel' | 'results' } | null>(null);
  useEffect(() => {
    if (!focusAfter) return;
    (buttons.current.get(`${focusAfter.batchId}:${focusAfter.kind}`) ?? buttons.current.get(`${focusAfter.batchId}:results`))?.focus();
    setFocusAfter(null);
  }, [focusAfter]);
  const focusButton = (batchId: string, kind: 'cancel' | 'results') => setFocusAfter({ batchId, kind });

  return (
    <section className="merge-runs" aria-labelledby="merge-runs-heading">
      <h2 id="merge-runs-heading">Merges sent</h2>
      {error ? <ErrorNotice error={error} context="The list of merges could not be loaded" /> : null}
      {runs && !runs.length ? <p className="muted">No merge has been started yet.</p> : null}
      {runs?.length ? (
        <ul className="merge-runs__list" aria-labelledby="merge-runs-heading">
          {runs.map((run) => (
            <RunItem
              key={run.batchId}
              run={run}
              account={accounts.find((a) => a.id === run.accountId)}
              now={now}
              rate={meter.current.rate(run.batchId, now)}
              stalled={meter.current.stalled(run.batchId, now)}
              resultsOpen={resultsOf === run.batchId}
              onChanged={changed}
              onAskCancel={() => setCancelling(run)}
              onResults={() => setResultsOf(resultsOf === run.batchId ? null : run.batchId)}
              register={(kind, el) => {
                if (el) buttons.current.set(`${run.batchId}:${kind}`, el);
                else buttons.current.delete(`${run.batchId}:${kind}`);
              }}>
              {resultsOf === run.batchId ? <MergeResults run={run} /> : null}
            </RunItem>
          ))}
        </ul>
      ) : null}
      {cancelling ? (
        <CancelDialog
          run={runs?.find((r) => r.batchId === cancelling.batchId) ?? cancelling}
          onClose={() => {
            setCancelling(null);
            focusButton(cancelling.batchId, 'cancel');
          }}
          onDone={(run) => {
            changed(run);
            setCancelling(null);
            // The Pause and Cancel buttons are gone with what was left to send: focus goes to the results.
            focusButton(run.batchId, 'results');
          }}
        />
      ) : null}
    </section>
  );
}

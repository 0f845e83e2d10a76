import { useEffect, useRef, useState } from 'react';
import type { Account } from '../../../shared/model';
import type { DeliveryReportEntry, JobState, OutboxHistoryItem, OutboxJobView } from '../../../shared/outbox';
import { enhancedStatusOf } from '../../../shared/errors';
import type { AppError } from '../../../shared/result';
import { offersRetryNow, retryHelps } from '../../../shared/retry';
import { getApi } from '../../api';
import { ErrorNotice } from '../../ui/ErrorNotice';
import { enhancedStatusText, errorToShow } from '../../../shared/error-text';
import { formatBytes, formatTime, formatUntil } from '../../ui/format';
import { SignInHelp } from '../advisor/SignInHelp';
import { SignInAgain } from '../oauth/SignInAgain';
import { partlyRefused } from './attention';
import { useNow } from '../../ui/useNow';

const STATE_LABEL: Record<JobState, string> = {
  queued: 'Waiting to send',
  sending: 'Sending',
  retrying: 'Will retry',
  sent: 'Sent',
  failed: 'Not sent',
  cancelled: 'Cancelled',
  uncertain: 'May have been sent',
  signin: 'Waiting for you to sign in again',
};

/** What a damaged job shows instead of its state: it needs the person before anything else happens. */
const DAMAGED_LABEL = { record: 'Record damaged: check before sending', message: 'Stored copy damaged: not sent' } as const;

// Also counted by the Outbox tab's badge (attention.ts), so it lives there.
export { partlyRefused };

export function stateLabel(job: Pick<OutboxJobView, 'state' | 'damaged' | 'refused' | 'summary'>): string {
  if (job.damaged) return DAMAGED_LABEL[job.damaged];
  if (!partlyRefused(job)) return STATE_LABEL[job.state];
  const refused = new Set(job.refused.map((r) => r.address.toLowerCase()));
  const all = new Set([...job.summary.to.map((a) => a.toLowerCase()), ...refused]);
  return `Sent to ${all.size - refused.size} of ${all.size}`;
}

/** Recipients refused at send time: Mailwright's explanation of the enhanced code beside the server's own words, as for a bounce. */
function RefusedRecipients(props: { refused: ReadonlyArray<{ address: string; serverReply: string }> }) {
  if (!props.refused.length) return null;
  return (
    <div className="reports">
      Not delivered to:
      <ul aria-label="Refused recipients">
        {props.refused.map((r) => {
          const reason = enhancedStatusText(enhancedStatusOf(r.serverReply));
          return (
            <li key={r.address} className="report report--failed" aria-label={`${r.address}: refused`}>
              <strong>{r.address}</strong>
              {reason ? <div>{reason}</div> : null}
              {r.serverReply ? (
                <div className="notice__reply">
                  The server said: <q>{r.serverReply}</q>
                </div>
              ) : null}
            </li>
          );
        })}
      </ul>
    </div>
  );
}


const REPORT_LABEL: Record<DeliveryReportEntry['action'], string> = {
  failed: 'Bounced',
  delayed: 'Delayed',
  delivered: 'Delivered',
  relayed: 'Passed on',
  expanded: 'Delivered to a list',
};

/** The latest report per recipient: a bounce after a delay notice replaces it. */
export function latestReports(job: OutboxJobView): DeliveryReportEntry[] {
  const latest = new Map<string, DeliveryReportEntry>();
  for (const r of [...job.deliveryReports].sort((a, b) => a.reportedAt.localeCompare(b.reportedAt))) latest.set(r.recipient.toLowerCase(), r);
  return [...latest.values()];
}

/** What delivery reports said about each recipient, in words, with the remote server's own reply beneath. */
function DeliveryReports(props: { reports: DeliveryReportEntry[] }) {
  if (!props.reports.length) return null;
  return (
    <div className="reports">
      <h3>Delivery reports</h3>
      <ul aria-label="Delivery reports">
        {props.reports.map((r) => (
          <li key={r.recipient} className={`report report--${r.action}`} aria-label={`${r.recipient}: ${REPORT_LABEL[r.action]}`}>
            <span className={`badge badge--report-${r.action}`}>{REPORT_LABEL[r.action]}</span> <strong>{r.recipient}</strong>
            {r.action === 'failed' ? <span> — the message was not delivered to this address.</span> : null}
            {r.action === 'delayed' ? <span> — not delivered yet; the servers are still trying.</span> : null}
            {r.action !== 'delivered' && r.action !== 'relayed' && r.action !== 'expanded' ? (
              <div>{enhancedStatusText(r.status) ?? `Status ${r.status}.`}</div>
            ) : null}
            {r.diagnostic ? (
              <div className="notice__reply">
                The receiving server said: <q>{r.diagnostic}</q>
              </div>
            ) : null}
            <div className="muted">Reported {formatTime(r.reportedAt)}</div>
          </li>
        ))}
      </ul>
    </div>
  );
}

function JobRow(props: { job: OutboxJobView; account: Account | undefined; now: number; onEdit: (job: OutboxJobView) => void; onError: (e: AppError | null) => void; selected?: number | undefined }) {
  const { job, now } = props;
  // Opened from a notification: the row is marked, scrolled into view and focused (each time it is opened).
  const row = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (props.selected === undefined) return;
    row.current?.scrollIntoView({ block: 'center' });
    row.current?.focus({ preventScroll: true });
  }, [props.selected]);
  const act = async (verb: 'undo' | 'cancel' | 'retry' | 'markSent') => {
    const result = await getApi().outbox[verb]({ id: job.id });
    props.onError(result.ok ? null : result.error);
    if (result.ok && verb === 'undo') props.onEdit(result.value);
  };
  const waiting = job.state === 'queued' && new Date(job.notBefore).getTime() > now;
  const reports = latestReports(job);
  const bounced = reports.filter((r) => r.action === 'failed').length;
  const bounceLabel = bounced ? `Bounced for ${bounced} of ${job.summary.to.length} recipient${job.summary.to.length === 1 ? '' : 's'}` : null;
  const damagedRecord = job.damaged === 'record' && job.state === 'uncertain';
  const canRetry = offersRetryNow(job, props.account?.updatedAt);
  const openAsDraft = () => {
    props.onEdit(job);
    void act('cancel');
  };
  return (
    <li
      ref={row}
      tabIndex={props.selected === undefined ? undefined : -1}
      aria-current={props.selected === undefined ? undefined : 'true'}
      className={`job job--${job.state}${props.selected === undefined ? '' : ' job--selected'}`}
      aria-label={`${job.summary.subject || '(no subject)'}: ${stateLabel(job)}${bounceLabel ? `, ${bounceLabel.toLowerCase()}` : ''}`}>
      <div className="job__head">
        <strong>{job.summary.subject || '(no subject)'}</strong>
        <span className={`badge badge--${job.damaged || partlyRefused(job) ? 'failed' : job.state}`}>{stateLabel(job)}</span>
        {bounceLabel ? <span className="badge badge--failed">{bounceLabel}</span> : null}
        {job.rehearsal ? <span className="badge badge--rehearsal">Rehearsal: kept in the Sandbox</span> : null}
        {job.dsn.requested && job.dsn.offered === false ? (
          <span className="muted" title="The server does not offer delivery status notifications (DSN).">No delivery notices from this server</span>
        ) : null}
      </div>
      <div className="muted">
        To {job.summary.to.join(', ')} · {formatBytes(job.summary.sizeBytes)} · {job.attempts} attempt{job.attempts === 1 ? '' : 's'}
      </div>
      {waiting ? <div>{job.scheduled ? `Scheduled for ${formatTime(job.notBefore, now)}` : `Sending ${formatUntil(job.notBefore, now)}`}</div> : null}
      {job.state === 'retrying' ? <div>Next attempt {formatUntil(job.notBefore, now)} (attempt {job.attempts + 1} of {job.maxAttempts})</div> : null}
      {job.state === 'sending' && job.progress ? (
        <div>
          <progress max={job.progress.totalBytes} value={job.progress.sentBytes} aria-label="Sent so far" /> {formatBytes(job.progress.sentBytes)} of{' '}
          {formatBytes(job.progress.totalBytes)}
        </div>
      ) : null}
      {job.draftDamaged ? (
        <p className="notice notice--warning">The editor’s copy of this message was damaged and has been kept aside; the message itself is unharmed.</p>
      ) : null}
      {job.state === 'uncertain' && !damagedRecord ? (
        <p className="notice notice--warning">
          The connection broke while the message was being handed over, after the server had started receiving it. It may have arrived. Mailwright will not send it
          again by itself: check with a recipient, then choose.
        </p>
      ) : null}
      {job.state === 'signin' ? (
        <div className="notice notice--warning">
          <p>
            {props.account
              ? `${props.account.oauth?.name ?? 'The provider'} no longer accepts Mailwright’s sign-in for “${props.account.description}”. This message waits, without using up an attempt, and goes out by itself once you sign in again.`
              : 'The account no longer signs in. This message waits, without using up an attempt, and goes out by itself once you sign in again.'}
          </p>
          {props.account ? <SignInAgain account={props.account} /> : null}
        </div>
      ) : null}
      {job.lastError && (job.state === 'failed' || job.state === 'retrying' || job.state === 'uncertain') ? (
        <>
          <ErrorNotice error={errorToShow(job.lastError, job.refused)} />
          <SignInHelp error={job.lastError} email={props.account?.email} host={props.account?.smtp.host} />
        </>
      ) : null}
      {job.state === 'failed' && !job.damaged && !canRetry && retryHelps(job.lastError) === 'after-change' ? (
        <p className="muted">“Retry now” comes back once you have changed the account’s settings.</p>
      ) : null}
      {job.lastReply && job.state === 'sent' && !job.refused.some((r) => r.serverReply.trim() === job.lastReply!.trim()) ? (
        <div className="notice__reply">
          The server said: <q>{job.lastReply}</q>
        </div>
      ) : null}
      <RefusedRecipients refused={job.refused} />
      <DeliveryReports reports={reports} />
      <div className="actions actions--start">
        {job.state === 'queued' ? <button type="button" onClick={() => act('undo')}>{job.scheduled ? 'Edit' : 'Undo send'}</button> : null}
        {canRetry ? (
          <button type="button" onClick={() => act('retry')}>
            Retry now
          </button>
        ) : null}
        {job.state === 'uncertain' ? (
          <>
            <button type="button" onClick={() => act('retry')}>{damagedRecord ? 'Send after checking' : 'Send again'}</button>
            <button type="button" onClick={() => act('markSent')}>It arrived</button>
          </>
        ) : null}
        {job.damaged && job.draft && (job.state === 'failed' || job.state === 'uncertain') ? (
          <button type="button" onClick={openAsDraft}>
            Open as draft
          </button>
        ) : job.state === 'failed' && job.draft ? (
          <button type="button" onClick={openAsDraft}>
            Edit
          </button>
        ) : null}
        {['queued', 'retrying', 'signin', 'failed', 'uncertain'].includes(job.state) ? (
          <button type="button" onClick={() => act('cancel')}>
            {job.damaged ? 'Delete' : 'Cancel'}
          </button>
        ) : null}
      </div>
    </li>
  );
}

const HISTORY_PAGE = 50;

/**
 * Finished messages kept in the compact history, newest first, a page at a time ("Show older"):
 * what was sent, to whom, when, and what came back (refusals, bounces).
 */
function SentEarlier(props: { exclude: ReadonlySet<string> }) {
  const [items, setItems] = useState<OutboxHistoryItem[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  /** After "Show older", the first of the older entries takes focus (the button may be gone). */
  const [focusId, setFocusId] = useState<string | null>(null);
  const list = useRef<HTMLUListElement>(null);
  useEffect(() => {
    if (!focusId) return;
    list.current?.querySelector<HTMLElement>(`[data-entry="${CSS.escape(focusId)}"]`)?.focus();
  }, [focusId]);
  const load = async (before: number | null) => {
    const r = await getApi().outbox.history({ before, limit: HISTORY_PAGE });
    if (!r.ok) return setError(r.error);
    setError(null);
    // An entry changed later (a bounce) is found again further back: the newest copy is kept.
    const known = new Set(items.map((i) => i.id));
    const fresh = r.value.entries.filter((e) => !known.has(e.id));
    setItems([...items, ...fresh]);
    if (before !== null && fresh[0]) setFocusId(fresh[0].id);
    setNext(r.value.next);
    setLoaded(true);
  };
  useEffect(() => {
    void load(null);
  }, []);
  const shown = items.filter((i) => !props.exclude.has(i.id));
  if (!loaded && !error) return null;
  if (loaded && !shown.length && next === null) return null;
  return (
    <>
      <h2 id="outbox-earlier">Sent earlier</h2>
      {error ? <ErrorNotice error={error} /> : null}
      <ul className="jobs" aria-labelledby="outbox-earlier" ref={list}>
        {shown.map((item) => {
          const bounced = new Set(item.deliveryReports.filter((r) => r.action === 'failed').map((r) => r.recipient.toLowerCase()));
          const problems = item.refused.length + bounced.size;
          const label = item.state === 'cancelled' ? 'Cancelled' : problems ? `Sent, ${problems} not delivered` : 'Sent';
          return (
            <li key={item.id} data-entry={item.id} tabIndex={focusId === item.id ? -1 : undefined} className={`job job--${item.state}`} aria-label={`${item.subject || '(no subject)'}: ${label}`}>
              <div className="job__head">
                <strong>{item.subject || '(no subject)'}</strong>
                <span className={`badge ${problems ? 'badge--failed' : item.state === 'cancelled' ? 'badge--cancelled' : 'badge--sent'}`}>{label}</span>
                {item.rehearsal ? <span className="badge badge--rehearsal">Rehearsal: kept in the Sandbox</span> : null}
              </div>
              <div className="muted">
                To {item.to.join(', ')} · {formatTime(item.finishedAt)} · {formatBytes(item.sizeBytes)}
              </div>
              <RefusedRecipients refused={item.refused} />
            </li>
          );
        })}
      </ul>
      {next !== null ? (
        <button type="button" onClick={() => void load(next)}>
          Show older
        </button>
      ) : null}
    </>
  );
}

export function OutboxView(props: {
  jobs: OutboxJobView[];
  accounts?: Account[];
  onEdit: (job: OutboxJobView) => void;
  /** The item to select and bring into view (a notification was clicked); `nonce` changes on each opening. */
  select?: { id: string; nonce: number } | null;
}) {
  const [error, setError] = useState<AppError | null>(null);
  const now = useNow(props.jobs.some((j) => j.state === 'queued' || j.state === 'retrying' || j.state === 'sending'));
  const active = props.jobs.filter((j) => j.state !== 'sent' && j.state !== 'cancelled');
  const done = props.jobs.filter((j) => j.state === 'sent' || j.state === 'cancelled');
  // Waiting for a sign-in is not a failure: counted on its own, so "not sent" means what it says.
  const waitingSignIn = active.filter((j) => j.state === 'signin').length;
  const failed = active.filter((j) => j.state === 'failed').length;
  const partly = done.filter(partlyRefused).length;
  const accountOf = (job: OutboxJobView) => props.accounts?.find((a) => a.id === job.accountId);
  const counts = [
    waitingSignIn ? `${waitingSignIn} waiting for you to sign in again` : '',
    failed ? `${failed} not sent` : '',
    partly ? `${partly} not delivered to everyone` : '',
  ].filter(Boolean);
  return (
    <section className="card" aria-labelledby="outbox-title">
      <h1 id="outbox-title">Outbox</h1>
      {error ? <ErrorNotice error={error} /> : null}
      {!props.jobs.length ? <p className="muted">Nothing waiting or sent lately.</p> : null}
      {counts.length ? (
        <p className="outbox__counts" aria-label="Outbox summary">
          {counts.join(' · ')}
        </p>
      ) : null}
      {active.length ? (
        <ul className="jobs" aria-label="In progress">
          {active.map((job) => (
            <JobRow key={job.id} job={job} account={accountOf(job)} now={now} onEdit={props.onEdit} onError={setError} selected={props.select?.id === job.id ? props.select.nonce : undefined} />
          ))}
        </ul>
      ) : null}
      {done.length ? (
        <>
          <h2>Done</h2>
          <ul className="jobs" aria-label="Done">
            {done.map((job) => (
              <JobRow key={job.id} job={job} account={accountOf(job)} now={now} onEdit={props.onEdit} onError={setError} selected={props.select?.id === job.id ? props.select.nonce : undefined} />
            ))}
          </ul>
        </>
      ) : null}
      <SentEarlier exclude={new Set(props.jobs.map((j) => j.id))} />
    </section>
  );
}

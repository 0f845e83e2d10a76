import { useEffect, useId, useRef, useState } from 'react';
import { MERGE_TEST_MAX, type MergeMapping, type MergePlan, type MergeRun, type MergeTemplate } from '../../../shared/merge/contract';
import type { Account } from '../../../shared/model';
import type { AppError } from '../../../shared/result';
import { getApi } from '../../api';
import { ErrorNotice } from '../../ui/ErrorNotice';
import { Field } from '../../ui/Field';
import { finishText, limitsFromText, paceText, planWarningText, plural } from './merge-text';
import { useModalDialog } from '../../ui/useModalDialog';

/** "" (no limit) or a whole number from 1 up; undefined when the text is neither. */
function limitValue(text: string, max: number): number | null | undefined {
  const t = text.trim();
  if (!t) return null;
  const n = Number(t);
  return Number.isInteger(n) && n >= 1 && n <= max ? n : undefined;
}

const limitText = (n: number | null) => (n === null ? '' : String(n));

/**
 * Step 4: when it goes and how fast (the plan, with the account's limits, editable), the test to the
 * person's own address, and the real send, which stays off until a test of this very message went and
 * then asks once, in a dialog, with the count, the account and the pace.
 */
export function SendStep(props: {
  accounts: Account[];
  mergeId: string;
  mapping: MergeMapping;
  template: MergeTemplate;
  onTested: () => void;
  onTemplateError: (error: AppError) => boolean;
  onBack: () => void;
  onStarted: (run: MergeRun) => void;
  /** Shows the Sandbox view filtered to a rehearsed merge. */
  onOpenSandbox?: (batchId: string) => void;
}) {
  const id = useId();
  const { mergeId, mapping, template } = props;
  const account = props.accounts.find((a) => a.id === template.accountId);
  const identity = account?.identities.find((i) => i.id === template.identityId);
  const fromName = identity ? identity.name : (account?.displayName ?? '');
  const fromEmail = identity ? identity.email : (account?.email ?? '');
  const from = fromName ? `${fromName} <${fromEmail}>` : fromEmail;

  const [plan, setPlan] = useState<MergePlan | null>(null);
  const [planError, setPlanError] = useState<AppError | null>(null);
  const [planNonce, setPlanNonce] = useState(0);
  const [perDay, setPerDay] = useState('');
  const [perMinute, setPerMinute] = useState('');
  const [limitsError, setLimitsError] = useState<string | null>(null);
  const [limitsFailure, setLimitsFailure] = useState<AppError | null>(null);
  const [limitsStatus, setLimitsStatus] = useState('');
  const [savingLimits, setSavingLimits] = useState(false);
  const [testCount, setTestCount] = useState('3');
  const [testing, setTesting] = useState(false);
  const [testStatus, setTestStatus] = useState('');
  const [testError, setTestError] = useState<AppError | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [rehearsing, setRehearsing] = useState(false);
  const [rehearsal, setRehearsal] = useState<MergeRun | null>(null);
  const [rehearseError, setRehearseError] = useState<AppError | null>(null);
  /** The rehearse button, and "Open in the Sandbox" once it went: focus lands on one of them after the request (its fieldset was disabled meanwhile). */
  const rehearseButton = useRef<HTMLButtonElement>(null);
  const openSandboxButton = useRef<HTMLButtonElement>(null);
  const [rehearseAnswers, setRehearseAnswers] = useState(0);
  useEffect(() => {
    if (rehearseAnswers) (openSandboxButton.current ?? rehearseButton.current)?.focus();
  }, [rehearseAnswers]);
  const key = JSON.stringify({ mergeId, mapping, template });

  useEffect(() => {
    let current = true;
    setPlanError(null);
    void getApi()
      .merge.plan(JSON.parse(key) as { mergeId: string; mapping: MergeMapping; template: MergeTemplate })
      .then((result) => {
        if (!current) return;
        if (result.ok) {
          setPlan(result.value);
          setPerDay(limitText(result.value.limits.recipientsPerDay));
          setPerMinute(limitText(result.value.limits.messagesPerMinute));
        } else if (!props.onTemplateError(result.error)) {
          setPlan(null);
          setPlanError(result.error);
        }
      });
    return () => {
      current = false;
    };
    // The request (key) and an explicit re-plan (nonce) decide; the callbacks change with every render.
  }, [key, planNonce]);

  async function saveLimits(limits: { recipientsPerDay: number | null; messagesPerMinute: number | null } | null) {
    setLimitsFailure(null);
    setLimitsStatus('');
    setSavingLimits(true);
    const result = await getApi().accounts.setSendingLimits({ id: template.accountId, limits });
    setSavingLimits(false);
    if (!result.ok) {
      setLimitsFailure(result.error);
      return;
    }
    setLimitsStatus(limits ? 'Limits saved for this account.' : 'This account follows its provider’s limits again.');
    setPlanNonce((n) => n + 1);
  }

  function submitLimits() {
    const recipientsPerDay = limitValue(perDay, 10_000_000);
    const messagesPerMinute = limitValue(perMinute, 100_000);
    if (recipientsPerDay === undefined || messagesPerMinute === undefined) {
      setLimitsError('Use whole numbers from 1 up, or leave a field empty for no limit.');
      return;
    }
    setLimitsError(null);
    void saveLimits({ recipientsPerDay, messagesPerMinute });
  }

  const count = Number(testCount);
  const countValid = Number.isInteger(count) && count >= 1 && count <= MERGE_TEST_MAX;
  async function sendTest() {
    if (!countValid || testing) return;
    setTesting(true);
    setTestError(null);
    setTestStatus('');
    const result = await getApi().merge.test({ mergeId, mapping, template, count });
    setTesting(false);
    if (!result.ok) {
      if (!props.onTemplateError(result.error)) setTestError(result.error);
      return;
    }
    setTestStatus(`${plural(result.value.total, 'test message')} queued to ${account?.email ?? 'your address'}: each subject starts with its row. Check your inbox; they are listed under “Merges sent” below.`);
    props.onTested();
    setPlanNonce((n) => n + 1);
  }

  const canSend = Boolean(plan && plan.tested && plan.count > 0);
  const reason = !plan ? 'Waiting for the plan.' : plan.count === 0 ? 'No row can be sent.' : !plan.tested ? 'Send the test first: the real send opens once a test of this very message has gone to you.' : '';
  const sendLabel = plan ? `Send ${plural(plan.count, 'message')}` : 'Send';
  const pace = plan ? `${paceText(plan.limits)} (${limitsFromText(plan)})` : '';
  const providerLink = plan?.limitsFrom === 'provider' && plan.provider && /^https?:\/\//i.test(plan.provider.source) ? plan.provider : null;

  return (
    <section aria-labelledby={`${id}-heading`} className="merge-step">
      <h2 id={`${id}-heading`} tabIndex={-1} data-step-heading="">
        Send
      </h2>
      {planError ? <ErrorNotice error={planError} context="The send could not be planned" /> : null}
      {plan ? (
        <div className="merge-plan" role="group" aria-labelledby={`${id}-plan`}>
          <h3 id={`${id}-plan`}>When it goes</h3>
          <p>
            <strong>{plural(plan.count, 'message')}</strong> from {from}; {paceText(plan.limits)} (
            {providerLink ? <ProviderSource name={providerLink.name} source={providerLink.source} /> : limitsFromText(plan)}).
          </p>
          <p>
            {finishText(plan)}
            {plan.days > 1 ? ` ${plural(plan.firstDay, 'message')} in the first 24 hours.` : ''}
          </p>
          {plan.sentLastDay > 0 ? (
            <p className="muted">This account sent to {plural(plan.sentLastDay, 'recipient')} in the last 24 hours; they count against its daily limit.</p>
          ) : null}
          {plan.warnings.length ? (
            <div className="notice notice--warning" role="note" aria-label="Before you send">
              <ul>
                {plan.warnings.map((w, i) => (
                  <li key={i}>{planWarningText(w)}</li>
                ))}
              </ul>
            </div>
          ) : null}
        </div>
      ) : !planError ? (
        <p role="status" className="muted">
          Planning…
        </p>
      ) : null}

      <fieldset className="merge-limits" disabled={!plan || savingLimits}>
        <legend>Sending limits for this account</legend>
        <p className="field__hint">Empty means no limit. Your provider may refuse or block an account that sends more than it allows.</p>
        <div className="row">
          <Field label="Recipients a day" error={limitsError ?? undefined}>
            {({ id: inputId, describedBy, invalid }) => (
              <input id={inputId} type="number" min={1} inputMode="numeric" aria-describedby={describedBy} aria-invalid={invalid} value={perDay} onChange={(e) => setPerDay(e.target.value)} />
            )}
          </Field>
          <Field label="Messages a minute">
            {({ id: inputId }) => <input id={inputId} type="number" min={1} inputMode="numeric" value={perMinute} onChange={(e) => setPerMinute(e.target.value)} />}
          </Field>
        </div>
        <div className="actions actions--start">
          <button type="button" onClick={submitLimits}>
            Save limits for this account
          </button>
          {plan?.limitsFrom === 'account' ? (
            <button type="button" onClick={() => void saveLimits(null)}>
              Use the provider’s limits
            </button>
          ) : null}
          <span role="status" className="muted">
            {limitsStatus}
          </span>
        </div>
        {limitsFailure ? <ErrorNotice error={limitsFailure} context="The limits were not saved" /> : null}
      </fieldset>

      <fieldset className="merge-test" disabled={!plan || testing}>
        <legend>Test first</legend>
        <p className="field__hint">
          The first rows go to you ({account?.email ?? 'your own address'}) at once, each subject starting with its row, so you see exactly what the recipients will
          get.
        </p>
        <div className="row merge-test__row">
          <Field label="How many" error={countValid ? undefined : `From 1 to ${MERGE_TEST_MAX}.`}>
            {({ id: inputId, describedBy, invalid }) => (
              <input
                id={inputId}
                type="number"
                min={1}
                max={MERGE_TEST_MAX}
                inputMode="numeric"
                aria-describedby={describedBy}
                aria-invalid={invalid}
                value={testCount}
                onChange={(e) => setTestCount(e.target.value)}
              />
            )}
          </Field>
          <button type="button" disabled={!countValid} onClick={() => void sendTest()}>
            {testing ? 'Queuing…' : `Send the first ${countValid ? count : 'few'} to me`}
          </button>
        </div>
        <p role="status" aria-label="Test" className={testStatus ? 'notice notice--info' : 'visually-hidden-status'}>
          {testStatus}
        </p>
        {testError ? <ErrorNotice error={testError} context="The test was not sent" /> : null}
      </fieldset>

      <fieldset className="merge-test" disabled={!plan || rehearsing}>
        <legend>Rehearse in the sandbox</legend>
        <p className="field__hint">
          Every row is built exactly as for the real send and kept in the built-in sandbox on this computer, at once and without the test: nothing reaches a real
          server. Page through the rows in the Sandbox to see each message, its envelope and what may go wrong.
        </p>
        <div className="actions actions--start">
          <button
            type="button"
            onClick={() => {
              setRehearsing(true);
              setRehearseError(null);
              void getApi()
                .merge.start({ mergeId, mapping, template, rehearse: true })
                .then((result) => {
                  setRehearsing(false);
                  if (result.ok) setRehearsal(result.value);
                  else if (!props.onTemplateError(result.error)) setRehearseError(result.error);
                  setRehearseAnswers((n) => n + 1);
                });
            }}
            ref={rehearseButton}
          >
            {rehearsing ? 'Rehearsing…' : `Rehearse all ${plan ? plan.count.toLocaleString() : ''} in the sandbox`}
          </button>
          {rehearsal && props.onOpenSandbox ? (
            <button type="button" ref={openSandboxButton} onClick={() => props.onOpenSandbox?.(rehearsal.batchId)}>
              Open in the Sandbox
            </button>
          ) : null}
        </div>
        <p role="status" aria-label="Rehearsal" className={rehearsal ? 'notice notice--info' : 'visually-hidden-status'}>
          {rehearsal ? `Rehearsal started: ${rehearsal.total.toLocaleString()} message${rehearsal.total === 1 ? '' : 's'} go to the sandbox, none to a real server.` : ''}
        </p>
        {rehearseError ? <ErrorNotice error={rehearseError} context="The rehearsal did not start" /> : null}
      </fieldset>

      <div className="actions merge-send">
        <button type="button" onClick={props.onBack}>
          Back: preview
        </button>
        <button type="button" className="primary" disabled={!canSend} aria-describedby={reason ? `${id}-reason` : undefined} onClick={() => setConfirming(true)}>
          {sendLabel}
        </button>
      </div>
      {reason ? (
        <p id={`${id}-reason`} className="merge-send__reason">
          {reason}
        </p>
      ) : null}
      {confirming && plan ? (
        <ConfirmSend
          plan={plan}
          from={account ? `${from} (${account.description})` : from}
          pace={pace}
          onCancel={() => setConfirming(false)}
          send={async () => {
            const result = await getApi().merge.start({ mergeId, mapping, template, withoutUnsubscribe: plan.askUnsubscribe });
            if (result.ok) props.onStarted(result.value);
            return result;
          }}
        />
      ) : null}
    </section>
  );
}

/** The provider's published limits as a link to its page (opened in the browser; shown as text when that fails). */
function ProviderSource(props: { name: string; source: string }) {
  const [failed, setFailed] = useState(false);
  return (
    <>
      <button type="button" className="link" onClick={() => void getApi().app.openExternal({ url: props.source }).then((r) => setFailed(!r.ok))}>
        {props.name}’s published limits
      </button>
      {failed ? <span className="merge-plan__source"> {props.source}</span> : null}
    </>
  );
}

/**
 * The one question before the real send: the count, the account, the pace; and, for a large merge with
 * no unsubscribe address or link, that it has none (its button says so). Escape or Cancel goes back.
 */
function ConfirmSend(props: {
  plan: MergePlan;
  from: string;
  pace: string;
  onCancel: () => void;
  send: () => Promise<{ ok: true } | { ok: false; error: AppError }>;
}) {
  const { plan } = props;
  const ref = useModalDialog();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const id = useId();
  async function go() {
    if (busy) return;
    setBusy(true);
    setError(null);
    const result = await props.send();
    setBusy(false);
    if (!result.ok) setError(result.error);
  }
  const count = plural(plan.count, 'message');
  return (
    <dialog
      ref={ref}
      className="confirm merge-confirm"
      aria-modal="true"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-facts`}
      onCancel={(e) => {
        e.preventDefault();
        if (!busy) props.onCancel();
      }}
    >
      <h2 id={`${id}-title`}>Send {count}?</h2>
      <ul id={`${id}-facts`}>
        <li>
          {count} from {props.from}, one to each row.
        </li>
        <li>Pace: {props.pace}.</li>
        <li>{finishText(plan)}</li>
        {plan.attachments.files ? (
          <li>
            Attaches {plural(plan.attachments.files, 'file')} from this computer, in {plan.attachments.folders.join(', ')}
            {plan.attachments.moreFolders ? ` and ${plural(plan.attachments.moreFolders, 'other folder')}` : ''}.
          </li>
        ) : null}
        {plan.askUnsubscribe ? (
          <li className="merge-confirm__unsubscribe">
            These messages have no unsubscribe address or link. Gmail, Yahoo and Microsoft expect one-click unsubscribe on bulk mail and may refuse it or file it as spam.
          </li>
        ) : null}
      </ul>
      {error ? <ErrorNotice error={error} context="The merge was not started" /> : null}
      <div className="actions">
        <button type="button" onClick={props.onCancel} disabled={busy} autoFocus>
          Cancel
        </button>
        <button type="button" className={plan.askUnsubscribe ? 'danger' : 'primary'} onClick={() => void go()} disabled={busy}>
          {busy ? 'Starting…' : plan.askUnsubscribe ? 'Send without unsubscribe link' : `Send ${count}`}
        </button>
      </div>
    </dialog>
  );
}

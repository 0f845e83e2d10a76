import { useEffect, useRef, useState } from 'react';
import type { MergeCheck, MergeData, MergeMapping, MergeReview, MergeRun, MergeSource } from '../../../shared/merge/contract';
import type { Account } from '../../../shared/model';
import type { AppError } from '../../../shared/result';
import { getApi } from '../../api';
import { DataStep } from './DataStep';
import { MessageStep } from './MessageStep';
import { PreviewStep } from './PreviewStep';
import { SendStep } from './SendStep';
import { plural } from './merge-text';
import { emptyDraft, templateErrors, toTemplate, type TemplateDraft, type TemplateErrors } from './template-draft';
import './merge-setup.css';

export type Step = 'data' | 'message' | 'preview' | 'send';
const STEPS: Array<{ step: Step; name: string }> = [
  { step: 'data', name: 'Data' },
  { step: 'message', name: 'Message' },
  { step: 'preview', name: 'Preview' },
  { step: 'send', name: 'Send' },
];

/** A step's state as the list of steps shows it: only a step that went wholly right is marked done. */
type Mark = { text: string; tone: 'done' | 'warning' | 'problem' | 'plain' };

/**
 * Setting up one merge: its data, its message, the preview of every row, the test and the send. The
 * rows stay in main (named by mergeId); this holds the person's choices and asks main about them. A
 * merge left before it was started is closed in main (its data forgotten).
 */
export function MergeSetup(props: { accounts: Account[]; onStarted: (run: MergeRun) => void; onOpenSandbox?: (batchId: string) => void }) {
  const [step, setStep] = useState<Step>('data');
  const [data, setData] = useState<MergeData | null>(null);
  const [loading, setLoading] = useState(false);
  const [loadError, setLoadError] = useState<AppError | string | null>(null);
  const [mapping, setMapping] = useState<MergeMapping | null>(null);
  const [check, setCheck] = useState<MergeCheck | null>(null);
  const [checkError, setCheckError] = useState<AppError | null>(null);
  const [draft, setDraft] = useState<TemplateDraft>(() => emptyDraft(props.accounts[0]?.id ?? ''));
  /** To still holds the default ({{address column}}): it follows a change of the address column. */
  const toIsDefault = useRef(true);
  const [fieldErrors, setFieldErrors] = useState<TemplateErrors>({});
  const [review, setReview] = useState<MergeReview | null>(null);
  /** The template (and mapping) a test was sent for: the mark goes when the message changes after it. */
  const [testedKey, setTestedKey] = useState<string | null>(null);

  // The account sent from was removed: the first one that is left.
  const { accounts } = props;
  useEffect(() => {
    if (!accounts.some((a) => a.id === draft.accountId)) setDraft((d) => ({ ...d, accountId: accounts[0]?.id ?? '', identityId: '' }));
  }, [accounts, draft.accountId]);

  // The merge open in main, closed when it is replaced or left unstarted.
  const openMerge = useRef<string | null>(null);
  const closeOpen = () => {
    const id = openMerge.current;
    openMerge.current = null;
    if (id) void getApi().merge.close({ mergeId: id });
  };
  const left = useRef(false);
  useEffect(() => {
    left.current = false;
    return () => {
      left.current = true;
      if (openMerge.current) void getApi().merge.close({ mergeId: openMerge.current });
    };
  }, []);

  async function load(source: MergeSource) {
    setLoading(true);
    setLoadError(null);
    const result = await getApi().merge.load({ source });
    setLoading(false);
    if (!result.ok) {
      setLoadError(result.error);
      return;
    }
    // Left while the data was being read: main forgets it at once.
    if (left.current) return void getApi().merge.close({ mergeId: result.value.mergeId });
    closeOpen();
    openMerge.current = result.value.mergeId;
    const loaded = result.value;
    setData(loaded);
    setCheck(null);
    setReview(null);
    setTestedKey(null);
    const addressColumn = loaded.addressColumn ?? '';
    setMapping(addressColumn ? { addressColumn, required: [] } : null);
    if (toIsDefault.current) setDraft((d) => ({ ...d, to: addressColumn ? `{{${addressColumn}}}` : '' }));
  }

  // Every change of the mapping: which rows go, which are left out and why.
  useEffect(() => {
    if (!data || !mapping) return;
    let current = true;
    setCheckError(null);
    void getApi()
      .merge.check({ mergeId: data.mergeId, mapping })
      .then((result) => {
        if (!current) return;
        if (result.ok) setCheck(result.value);
        else {
          setCheck(null);
          setCheckError(result.error);
        }
      });
    return () => {
      current = false;
    };
  }, [data, mapping]);

  function changeMapping(next: MergeMapping) {
    if (mapping && toIsDefault.current && next.addressColumn !== mapping.addressColumn) setDraft((d) => ({ ...d, to: `{{${next.addressColumn}}}` }));
    setMapping(next);
    setReview(null);
  }

  function changeDraft(next: TemplateDraft) {
    if (next.to !== draft.to) toIsDefault.current = next.to === (mapping ? `{{${mapping.addressColumn}}}` : '');
    // An edited field's error was about what it held before.
    const changed = (Object.keys(next) as Array<keyof TemplateDraft>).filter((k) => next[k] !== draft[k]);
    if (changed.length) {
      setFieldErrors((errors) => {
        const left = { ...errors };
        for (const k of changed) delete left[k === 'accountId' || k === 'identityId' ? 'from' : k];
        return left;
      });
    }
    setDraft(next);
    // The preview's count of warnings was for the message as it was.
    if (changed.length) setReview(null);
  }

  const built = toTemplate(draft);
  const canCompose = Boolean(data && mapping && check && check.good > 0);
  const canPreview = canCompose && built.template !== null;
  // Preview and Send open once there are rows to send; with a template that is not ready they show the message's problems instead.
  const reachable: Record<Step, boolean> = { data: true, message: canCompose, preview: canCompose, send: canCompose };

  // Focus goes to the heading of the step that is shown (not on the first: the view's own heading has it).
  const root = useRef<HTMLDivElement>(null);
  const firstStep = useRef(true);
  useEffect(() => {
    if (firstStep.current) {
      firstStep.current = false;
      return;
    }
    const heading = root.current?.querySelector<HTMLElement>('[data-step-heading]');
    heading?.focus();
    heading?.scrollIntoView({ block: 'nearest' });
  }, [step]);

  /** Leaves the message step: what the renderer can check first, then main's reading of the template. */
  function go(next: Step) {
    if (!reachable[next]) return;
    if ((next === 'preview' || next === 'send') && !canPreview) {
      setFieldErrors(built.errors);
      setStep('message');
      return;
    }
    setStep(next);
  }

  /** Main found a mistake in the template: back to the message, with the words next to the field. */
  function onTemplateError(error: AppError): boolean {
    const errors = templateErrors(error);
    if (!errors) return false;
    setFieldErrors(errors);
    setStep('message');
    return true;
  }

  const marks: Record<Step, Mark | null> = {
    data: check
      ? { text: `${plural(check.good, 'row')} to send${check.leftOut ? ` · ${check.leftOut.toLocaleString()} left out` : ''}`, tone: check.good === 0 ? 'problem' : check.leftOut ? 'warning' : 'done' }
      : null,
    message: Object.keys(fieldErrors).length ? { text: 'needs attention', tone: 'problem' } : null,
    preview: review
      ? review.withWarnings
        ? { text: `${plural(review.withWarnings, 'row')} with warnings`, tone: review.sendable < review.total ? 'problem' : 'warning' }
        : { text: 'no warnings', tone: 'done' }
      : null,
    send: testedKey !== null && testedKey === JSON.stringify({ mapping, template: built.template }) ? { text: 'test sent', tone: 'plain' } : null,
  };

  return (
    <div ref={root} className="merge-setup card">
      <nav aria-label="Merge steps" className="merge-steps">
        <ol>
          {STEPS.map(({ step: s, name }, i) => (
            <li key={s}>
              <button
                type="button"
                aria-current={step === s ? 'step' : undefined}
                disabled={!reachable[s]}
                onClick={() => go(s)}
              >
                <span className="merge-steps__name">
                  {i + 1}. {name}
                </span>
                {marks[s] ? <span className={`merge-steps__mark merge-steps__mark--${marks[s].tone}`}>{marks[s].text}</span> : null}
              </button>
            </li>
          ))}
        </ol>
      </nav>
      {step === 'data' ? (
        <DataStep
          data={data}
          loading={loading}
          loadError={loadError}
          onLoadError={setLoadError}
          mapping={mapping}
          check={check}
          checkError={checkError}
          onLoad={(source) => void load(source)}
          onMapping={changeMapping}
          onNext={() => go('message')}
          canNext={reachable.message}
        />
      ) : step === 'message' && data ? (
        <MessageStep
          accounts={props.accounts}
          columns={data.columns}
          draft={draft}
          errors={{ ...fieldErrors }}
          onChange={changeDraft}
          onBack={() => go('data')}
          onNext={() => go('preview')}
        />
      ) : step === 'preview' && data && mapping && built.template ? (
        <PreviewStep
          mergeId={data.mergeId}
          mapping={mapping}
          template={built.template}
          onReview={setReview}
          onTemplateError={onTemplateError}
          onBack={() => go('message')}
          onNext={() => go('send')}
        />
      ) : step === 'send' && data && mapping && built.template ? (
        <SendStep
          accounts={props.accounts}
          mergeId={data.mergeId}
          mapping={mapping}
          template={built.template}
          onTested={() => setTestedKey(JSON.stringify({ mapping, template: built.template }))}
          onTemplateError={onTemplateError}
          onBack={() => go('preview')}
          {...(props.onOpenSandbox ? { onOpenSandbox: props.onOpenSandbox } : {})}
          onStarted={(run) => {
            // Started: main holds it as a batch now, not as an open merge to close.
            openMerge.current = null;
            props.onStarted(run);
          }}
        />
      ) : null}
    </div>
  );
}

/**
 * Faults (advanced, collapsed at first): make the sandbox answer like a real server gone wrong, to
 * watch the outbox, a merge or the wizard handle it. No <form>: Enter in a field must never add or
 * change a fault by accident; only the buttons act.
 */
import { useEffect, useRef, useState } from 'react';
import type { AppError } from '../../../shared/result';
import { DROP_POINTS, FAULT_STAGES, FaultSchema, type DropPoint, type Fault, type FaultStage, type SandboxStatus } from '../../../shared/sandbox';
import { getApi } from '../../api';
import { ErrorNotice } from '../../ui/ErrorNotice';
import { Field } from '../../ui/Field';
import { DROP_TEXT, STAGE_TEXT, faultText } from './fault-text';

export { FaultsBanner } from './FaultsBanner';

type Kind = Fault['kind'];
const KIND_TEXT: Record<Kind, string> = {
  reply: 'Answer with an error reply',
  drop: 'Drop the connection',
  slow: 'Slow link',
  tls: 'TLS failure',
};

/** The fault the fields describe, or what is wrong with them (in words). */
function buildFault(fields: { kind: Kind; stage: FaultStage; code: string; text: string; recipients: string; at: DropPoint; delay: string; probability: string }): { fault?: Fault; error?: string } {
  const percent = Number(fields.probability);
  if (fields.probability.trim() === '' || !Number.isFinite(percent) || percent < 0 || percent > 100) return { error: 'The probability must be a number from 0 to 100.' };
  const probability = percent / 100;
  let candidate: unknown;
  if (fields.kind === 'reply') {
    const code = Number(fields.code);
    if (!Number.isInteger(code) || code < 400 || code > 599) return { error: 'The reply code must be from 400 to 599 (4xx: try again later; 5xx: refused for good).' };
    candidate = {
      kind: 'reply',
      stage: fields.stage,
      code,
      text: fields.text,
      probability,
      ...(fields.stage === 'rcpt' && fields.recipients.trim() ? { recipients: fields.recipients.trim() } : {}),
    };
  } else if (fields.kind === 'drop') candidate = { kind: 'drop', at: fields.at, probability };
  else if (fields.kind === 'slow') {
    const seconds = Number(fields.delay);
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 120) return { error: 'The delay must be more than 0 and at most 120 seconds.' };
    candidate = { kind: 'slow', delayMs: Math.max(1, Math.round(seconds * 1000)), probability };
  } else candidate = { kind: 'tls', probability };
  const parsed = FaultSchema.safeParse(candidate);
  if (!parsed.success) return { error: 'The reply text must be one line of at most 200 characters, and the recipient pattern at most 200 characters.' };
  return { fault: parsed.data };
}

export function FaultsPanel(props: { status: SandboxStatus | null; onStatus: (status: SandboxStatus) => void }) {
  const [expanded, setExpanded] = useState(false);
  const [kind, setKind] = useState<Kind>('reply');
  const [stage, setStage] = useState<FaultStage>('rcpt');
  const [code, setCode] = useState('550');
  const [text, setText] = useState('5.1.1 No such user here');
  const [recipients, setRecipients] = useState('');
  const [at, setAt] = useState<DropPoint>('after-final-dot');
  const [delay, setDelay] = useState('5');
  const [probability, setProbability] = useState('100');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [failure, setFailure] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const rules = props.status?.faults.rules ?? [];

  /** Where focus goes after a change: the buttons were disabled meanwhile, and a removed fault's button is gone. */
  const addButton = useRef<HTMLButtonElement>(null);
  const [changes, setChanges] = useState(0);
  useEffect(() => {
    if (changes) addButton.current?.focus();
  }, [changes]);
  async function apply(next: Fault[]) {
    setBusy(true);
    setFailure(null);
    const result = await getApi().sandbox.setFaults({ faults: { rules: next } });
    setBusy(false);
    if (result.ok) props.onStatus(result.value);
    else setFailure(result.error);
    setChanges((n) => n + 1);
  }

  function add() {
    const built = buildFault({ kind, stage, code, text, recipients, at, delay, probability });
    setProblem(built.error);
    if (built.fault) void apply([...rules, built.fault]);
  }

  return (
    <section className="sandbox__faults" aria-labelledby="sandbox-faults-title">
      <h2 id="sandbox-faults-title">
        <button type="button" className="disclosure" aria-expanded={expanded} aria-controls="sandbox-faults-body" onClick={() => setExpanded((e) => !e)}>
          <span aria-hidden="true">{expanded ? '▾ ' : '▸ '}</span>
          Faults (advanced){rules.length ? `: ${rules.length} in play` : ''}
        </button>
      </h2>
      {expanded ? (
        <div id="sandbox-faults-body">
          <p className="muted">
            Make the sandbox answer like a real server gone wrong, to watch how the Outbox, a merge or the account check handle it. Faults last until you stop them or
            Mailwright restarts.
          </p>
          {rules.length ? (
            <>
              <ul className="sandbox__fault-list" aria-label="Faults in play">
                {rules.map((rule, i) => (
                  <li key={i}>
                    <span>{faultText(rule)}</span>
                    <button type="button" disabled={busy} aria-label={`Remove fault: ${faultText(rule)}`} onClick={() => void apply(rules.filter((_, j) => j !== i))}>
                      Remove
                    </button>
                  </li>
                ))}
              </ul>
              <button type="button" disabled={busy} onClick={() => void apply([])}>
                Stop all faults
              </button>
            </>
          ) : (
            <p>No faults in play: the sandbox behaves.</p>
          )}
          <div role="group" aria-labelledby="sandbox-add-fault" className="sandbox__fault-form">
            <h3 id="sandbox-add-fault">Add a fault</h3>
            <div className="row">
              <Field label="Fault">
                {({ id }) => (
                  <select id={id} value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
                    {(Object.keys(KIND_TEXT) as Kind[]).map((k) => (
                      <option key={k} value={k}>
                        {KIND_TEXT[k]}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label="Probability (%)" hint="100: every time.">
                {({ id, describedBy }) => <input id={id} aria-describedby={describedBy} type="number" min={0} max={100} step={1} value={probability} onChange={(e) => setProbability(e.target.value)} />}
              </Field>
            </div>
            {kind === 'reply' ? (
              <>
                <div className="row">
                  <Field label="Stage">
                    {({ id }) => (
                      <select id={id} value={stage} onChange={(e) => setStage(e.target.value as FaultStage)}>
                        {FAULT_STAGES.map((s) => (
                          <option key={s} value={s}>
                            {STAGE_TEXT[s]}
                          </option>
                        ))}
                      </select>
                    )}
                  </Field>
                  <Field label="Reply code" hint="4xx: try again later; 5xx: refused for good.">
                    {({ id, describedBy }) => <input id={id} aria-describedby={describedBy} type="number" min={400} max={599} value={code} onChange={(e) => setCode(e.target.value)} />}
                  </Field>
                </div>
                <Field label="Reply text">{({ id }) => <input id={id} type="text" maxLength={200} value={text} onChange={(e) => setText(e.target.value)} />}</Field>
                {stage === 'rcpt' ? (
                  <Field label="Recipient pattern (RCPT)" hint="Only recipients matching it, * for any characters, e.g. *@example.com. Empty: every recipient.">
                    {({ id, describedBy }) => <input id={id} aria-describedby={describedBy} type="text" maxLength={200} value={recipients} onChange={(e) => setRecipients(e.target.value)} />}
                  </Field>
                ) : null}
              </>
            ) : kind === 'drop' ? (
              <Field label="Drop point">
                {({ id }) => (
                  <select id={id} value={at} onChange={(e) => setAt(e.target.value as DropPoint)}>
                    {DROP_POINTS.map((p) => (
                      <option key={p} value={p}>
                        {DROP_TEXT[p]}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            ) : kind === 'slow' ? (
              <Field label="Delay before each reply (seconds)">
                {({ id }) => <input id={id} type="number" min={0.001} max={120} step="any" value={delay} onChange={(e) => setDelay(e.target.value)} />}
              </Field>
            ) : (
              <p className="muted">The sandbox offers STARTTLS with a certificate no one trusts, so the handshake fails as with a misconfigured server.</p>
            )}
            {problem ? (
              <p className="field__error" role="alert">
                {problem}
              </p>
            ) : null}
            <button type="button" className="primary" ref={addButton} disabled={busy} onClick={add}>
              Add fault
            </button>
          </div>
          {failure ? <ErrorNotice error={failure} /> : null}
        </div>
      ) : null}
    </section>
  );
}

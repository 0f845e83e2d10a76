import { useId, useRef, useState } from 'react';
import type { Account } from '../../../shared/model';
import { Field } from '../../ui/Field';
import { RichEditor } from '../compose/LazyRichEditor';
import type { RichEditorHandle } from '../compose/RichEditor';
import type { TemplateDraft, TemplateErrors } from './template-draft';

type TextField = 'to' | 'cc' | 'subject';
type Target = TextField | 'body';
const TARGET_NAME: Record<Target, string> = { to: 'To', cc: 'Cc', subject: 'Subject', body: 'the message' };

const person = (name: string, email: string) => (name ? `${name} <${email}>` : email);

/** Every address the person can send as: each account's own, then its other addresses (as in the compose window). */
function senders(accounts: Account[]) {
  return accounts.flatMap((a) => [
    { key: `${a.id}/`, accountId: a.id, identityId: '', label: `${person(a.displayName, a.email)} (${a.description})` },
    ...a.identities.map((i) => ({ key: `${a.id}/${i.id}`, accountId: a.id, identityId: i.id, label: `${person(i.name, i.email)} (${a.description})` })),
  ]);
}

/**
 * Step 2: the message, written as in the compose window (its editor, rich text or plain) with fields
 * from the columns: "Insert field" puts {{Column}} where the cursor was in the field last used. Enter in
 * a one-line field does nothing here (no form to submit): nothing is sent from this step.
 */
export function MessageStep(props: {
  accounts: Account[];
  columns: string[];
  draft: TemplateDraft;
  errors: TemplateErrors;
  onChange: (draft: TemplateDraft) => void;
  onBack: () => void;
  onNext: () => void;
}) {
  const { draft, errors } = props;
  const id = useId();
  const choices = senders(props.accounts);
  const [column, setColumn] = useState(props.columns[0] ?? '');
  const [target, setTarget] = useState<Target>('body');
  const inputs = useRef<Record<TextField, HTMLInputElement | null>>({ to: null, cc: null, subject: null });
  const editor = useRef<RichEditorHandle | null>(null);
  const set = (patch: Partial<TemplateDraft>) => props.onChange({ ...draft, ...patch });

  function insert() {
    if (!column) return;
    const tag = `{{${column}}}`;
    if (target === 'body') {
      editor.current?.insertText(tag);
      return;
    }
    const input = inputs.current[target];
    const value = draft[target];
    // An input keeps its selection while focus is elsewhere: the field goes where the cursor was.
    const start = input?.selectionStart ?? value.length;
    const end = input?.selectionEnd ?? value.length;
    set({ [target]: value.slice(0, start) + tag + value.slice(end) });
    requestAnimationFrame(() => {
      input?.focus();
      input?.setSelectionRange(start + tag.length, start + tag.length);
    });
  }

  const textField = (field: TextField, label: string, hint?: string) => (
    <Field label={label} error={errors[field]} hint={hint}>
      {({ id: inputId, describedBy, invalid }) => (
        <input
          id={inputId}
          ref={(el) => {
            inputs.current[field] = el;
          }}
          aria-describedby={describedBy}
          aria-invalid={invalid}
          spellCheck={field === 'subject'}
          autoCapitalize="off"
          value={draft[field]}
          onFocus={() => setTarget(field)}
          onChange={(e) => set({ [field]: e.target.value.replace(/[\r\n]+/g, ' ') })}
        />
      )}
    </Field>
  );

  return (
    <section aria-labelledby={`${id}-heading`} className="merge-step">
      <h2 id={`${id}-heading`} tabIndex={-1} data-step-heading="">
        Message
      </h2>
      <p className="muted">
        Write it once; each row gets its own copy. <code>{'{{Name}}'}</code> is the row’s Name, <code>{'{{Name|there}}'}</code> gives “there” when it is empty, and{' '}
        <code>{'{{#if Company}}…{{/if}}'}</code> shows the text only when Company is filled.
      </p>
      <Field label="From" error={errors.from}>
        {({ id: selectId, describedBy, invalid }) => (
          <select
            id={selectId}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            value={`${draft.accountId}/${draft.identityId}`}
            onChange={(e) => {
              const next = choices.find((c) => c.key === e.target.value);
              if (next) set({ accountId: next.accountId, identityId: next.identityId });
            }}
          >
            {choices.map((c) => (
              <option key={c.key} value={c.key}>
                {c.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      {textField('to', 'To', 'One message per row: usually just the address column.')}
      {textField('cc', 'Cc')}
      {textField('subject', 'Subject')}
      <div className="merge-insert" role="group" aria-label="Insert a field" aria-describedby={`${id}-insert-note`}>
        <Field label="Field to insert">
          {({ id: selectId }) => (
            <select id={selectId} value={column} onChange={(e) => setColumn(e.target.value)}>
              {props.columns.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          )}
        </Field>
        <button type="button" onClick={insert} disabled={!column}>
          Insert field
        </button>
        <p id={`${id}-insert-note`} className="field__hint merge-insert__note">
          The field goes where the cursor was in {TARGET_NAME[target]}.
        </p>
      </div>
      <div className={errors.body ? 'merge-body merge-body--invalid' : 'merge-body'} onFocus={() => setTarget('body')}>
        <RichEditor label="Message" value={draft.body} onChange={(body) => set({ body })} handleRef={editor} />
        {errors.body ? (
          <p className="field__error" role="alert">
            {errors.body}
          </p>
        ) : null}
      </div>
      <Field label="Attachment column" error={errors.attachmentColumn} hint="A column with the path of a file on this computer to attach to that row’s message (several separated by “;”).">
        {({ id: selectId, describedBy, invalid }) => (
          <select id={selectId} aria-describedby={describedBy} aria-invalid={invalid} value={draft.attachmentColumn} onChange={(e) => set({ attachmentColumn: e.target.value })}>
            <option value="">None</option>
            {props.columns.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        )}
      </Field>
      <fieldset className="merge-unsubscribe">
        <legend>Unsubscribe</legend>
        <p className="field__hint">
          Gmail, Yahoo and Microsoft require one-click unsubscribe for bulk mail: with an address or a link here, every message carries it (and a line saying how to
          unsubscribe).
        </p>
        <div className="row merge-unsubscribe__fields">
          <Field label="Unsubscribe address" error={errors.unsubscribeMailto}>
            {({ id: inputId, describedBy, invalid }) => (
              <input
                id={inputId}
                type="email"
                aria-describedby={describedBy}
                aria-invalid={invalid}
                spellCheck={false}
                autoCapitalize="off"
                placeholder="unsubscribe@example.org"
                value={draft.unsubscribeMailto}
                onChange={(e) => set({ unsubscribeMailto: e.target.value })}
              />
            )}
          </Field>
          <Field label="Unsubscribe link" error={errors.unsubscribeHttps}>
            {({ id: inputId, describedBy, invalid }) => (
              <input
                id={inputId}
                type="url"
                aria-describedby={describedBy}
                aria-invalid={invalid}
                spellCheck={false}
                autoCapitalize="off"
                placeholder="https://example.org/unsubscribe"
                value={draft.unsubscribeHttps}
                onChange={(e) => set({ unsubscribeHttps: e.target.value })}
              />
            )}
          </Field>
        </div>
      </fieldset>
      <div className="actions">
        <button type="button" onClick={props.onBack}>
          Back: data
        </button>
        <button type="button" className="primary" onClick={props.onNext}>
          Next: preview
        </button>
      </div>
    </section>
  );
}

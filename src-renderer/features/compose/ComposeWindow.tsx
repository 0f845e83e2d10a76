import { useState, type FormEvent } from 'react';
import { parseAddressList } from '../../../shared/addresses';
import type { Account, SendReceipt } from '../../../shared/model';
import type { AppError } from '../../../shared/result';
import { getApi } from '../../api';
import { ErrorNotice } from '../../ui/ErrorNotice';
import { Field } from '../../ui/Field';

type RecipientField = 'to' | 'cc' | 'bcc';
type Outcome = { kind: 'sent'; receipt: SendReceipt } | { kind: 'failed'; error: AppError } | null;

const fromLabel = (a: Account) => `${a.displayName ? `${a.displayName} <${a.email}>` : a.email} (${a.description})`;

export function ComposeWindow(props: { accounts: Account[] }) {
  const [accountId, setAccountId] = useState(props.accounts[0]?.id ?? '');
  const [recipients, setRecipients] = useState<Record<RecipientField, string>>({ to: '', cc: '', bcc: '' });
  const [subject, setSubject] = useState('');
  const [text, setText] = useState('');
  const [errors, setErrors] = useState<Partial<Record<RecipientField | 'subject', string>>>({});
  const [sending, setSending] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>(null);

  async function send(event: FormEvent) {
    event.preventDefault();
    setOutcome(null);
    const parsed = {
      to: parseAddressList(recipients.to),
      cc: parseAddressList(recipients.cc),
      bcc: parseAddressList(recipients.bcc),
    };
    const errs: typeof errors = {};
    for (const field of ['to', 'cc', 'bcc'] as const) {
      const bad = parsed[field].invalid;
      if (bad.length) errs[field] = `Not a valid address: ${bad.join(', ')}`;
    }
    if (!parsed.to.addresses.length && !parsed.cc.addresses.length && !parsed.bcc.addresses.length && !errs.to) {
      errs.to = 'Add at least one recipient.';
    }
    setErrors(errs);
    if (Object.keys(errs).length) return;
    setSending(true);
    const result = await getApi().mail.send({
      accountId,
      to: parsed.to.addresses,
      cc: parsed.cc.addresses,
      bcc: parsed.bcc.addresses,
      subject,
      text,
    });
    setSending(false);
    setOutcome(result.ok ? { kind: 'sent', receipt: result.value } : { kind: 'failed', error: result.error });
  }

  function startNew() {
    setRecipients({ to: '', cc: '', bcc: '' });
    setSubject('');
    setText('');
    setOutcome(null);
  }

  const recipientField = (field: RecipientField, label: string) => (
    <Field label={label} error={errors[field]}>
      {({ id, describedBy, invalid }) => (
        <input
          id={id}
          aria-describedby={describedBy}
          aria-invalid={invalid}
          spellCheck={false}
          autoCapitalize="off"
          placeholder={field === 'to' ? 'name@example.com, other@example.org' : undefined}
          value={recipients[field]}
          onChange={(e) => setRecipients((r) => ({ ...r, [field]: e.target.value }))}
        />
      )}
    </Field>
  );

  // Once the server has accepted the message, the form is locked: a second click must not send it twice.
  const sent = outcome?.kind === 'sent';

  return (
    <form className="card compose" aria-labelledby="compose-title" onSubmit={send} noValidate>
      <h1 id="compose-title">New message</h1>
      <fieldset disabled={sent || sending}>
        <Field label="From">
          {({ id }) => (
            <select id={id} value={accountId} onChange={(e) => setAccountId(e.target.value)}>
              {props.accounts.map((a) => (
                <option key={a.id} value={a.id}>
                  {fromLabel(a)}
                </option>
              ))}
            </select>
          )}
        </Field>
        {recipientField('to', 'To')}
        {recipientField('cc', 'Cc')}
        {recipientField('bcc', 'Bcc')}
        <Field label="Subject" error={errors.subject}>
          {({ id }) => <input id={id} value={subject} onChange={(e) => setSubject(e.target.value.replace(/[\r\n]+/g, ' '))} />}
        </Field>
        <Field label="Message">
          {({ id }) => <textarea id={id} rows={12} value={text} onChange={(e) => setText(e.target.value)} />}
        </Field>
      </fieldset>
      <div role="status" aria-live="polite">
        {outcome?.kind === 'sent' ? (
          <div className="notice notice--success">
            <p className="notice__title">Sent. The server accepted your message.</p>
            <p className="notice__reply">
              The server said: <q>{outcome.receipt.serverReply}</q>
            </p>
            {outcome.receipt.refused.length ? (
              <div>
                <p>These recipients were refused and will not get it:</p>
                <ul>
                  {outcome.receipt.refused.map((r) => (
                    <li key={r.address}>
                      {r.address}: <q>{r.serverReply}</q>
                    </li>
                  ))}
                </ul>
              </div>
            ) : null}
          </div>
        ) : null}
      </div>
      {outcome?.kind === 'failed' ? <ErrorNotice error={outcome.error} /> : null}
      <div className="actions">
        {sent ? (
          <button type="button" className="primary" onClick={startNew}>
            New message
          </button>
        ) : (
          <button type="submit" className="primary" disabled={sending || !accountId}>
            {sending ? 'Sending…' : 'Send'}
          </button>
        )}
      </div>
    </form>
  );
}

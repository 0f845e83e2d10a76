import { useState, type FormEvent } from 'react';
import type { Account } from '../../../shared/model';
import type { AppError } from '../../../shared/result';
import { getApi } from '../../api';
import { ErrorNotice } from '../../ui/ErrorNotice';
import { Field } from '../../ui/Field';
import { applyEdit, emptyForm, fieldErrors, formFromAccount, toAccountInput, type FieldErrors, type WizardEdit } from './form-state';

const SECURITY_LABEL = { tls: 'SSL/TLS', starttls: 'STARTTLS', none: 'None' } as const;
const AUTH_LABEL = { password: 'Normal password', none: 'No authentication' } as const;

export function AccountWizard(props: { account?: Account; onSaved: (account: Account) => void; onCancel?: () => void }) {
  const editing = props.account;
  const [form, setForm] = useState(() => (editing ? formFromAccount(editing) : emptyForm()));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<AppError | null>(null);
  const [saving, setSaving] = useState(false);

  const edit = (e: WizardEdit) => setForm((f) => applyEdit(f, e));

  async function submit(event: FormEvent) {
    event.preventDefault();
    setFailure(null);
    const input = toAccountInput(form);
    const needPassword = form.auth === 'password' && !form.password && !editing?.hasPassword;
    const errs: FieldErrors = input.ok ? {} : { ...input.errors };
    if (needPassword) errs.password = 'Enter the password for this account.';
    setErrors(errs);
    if (!input.ok || needPassword) return;
    setSaving(true);
    const result = await getApi().accounts.save({
      ...(editing ? { id: editing.id } : {}),
      account: input.value,
      ...(form.auth === 'password' && form.password ? { password: form.password } : {}),
    });
    setSaving(false);
    if (result.ok) {
      props.onSaved(result.value);
      return;
    }
    if (result.error.detail?.fields) setErrors(fieldErrors(result.error.detail.fields));
    setFailure(result.error);
  }

  return (
    <form className="card wizard" aria-labelledby="wizard-title" onSubmit={submit} noValidate>
      <h1 id="wizard-title">{editing ? 'Edit account' : 'Add an outgoing mail account'}</h1>
      <fieldset>
        <legend>You</legend>
        <Field label="Your name" hint="Shown to the people you write to." error={errors.displayName}>
          {({ id, describedBy, invalid }) => (
            <input id={id} aria-describedby={describedBy} aria-invalid={invalid} autoComplete="name" value={form.displayName} onChange={(e) => edit({ field: 'displayName', value: e.target.value })} />
          )}
        </Field>
        <Field label="Email address" error={errors.email}>
          {({ id, describedBy, invalid }) => (
            <input id={id} type="email" aria-describedby={describedBy} aria-invalid={invalid} autoComplete="email" value={form.email} onChange={(e) => edit({ field: 'email', value: e.target.value })} />
          )}
        </Field>
        <Field label="Description" hint="A name for this account in Mailwright, such as “Work”." error={errors.description}>
          {({ id, describedBy, invalid }) => (
            <input id={id} aria-describedby={describedBy} aria-invalid={invalid} value={form.description} onChange={(e) => edit({ field: 'description', value: e.target.value })} />
          )}
        </Field>
      </fieldset>
      <fieldset>
        <legend>Outgoing server (SMTP)</legend>
        <Field label="Server" error={errors['smtp.host']}>
          {({ id, describedBy, invalid }) => (
            <input id={id} aria-describedby={describedBy} aria-invalid={invalid} placeholder="smtp.example.com" spellCheck={false} autoCapitalize="off" value={form.host} onChange={(e) => edit({ field: 'host', value: e.target.value })} />
          )}
        </Field>
        <div className="row">
          <Field label="Connection security">
            {({ id }) => (
              <select id={id} value={form.security} onChange={(e) => edit({ field: 'security', value: e.target.value as keyof typeof SECURITY_LABEL })}>
                {Object.entries(SECURITY_LABEL).map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Port" error={errors['smtp.port']}>
            {({ id, describedBy, invalid }) => (
              <input id={id} inputMode="numeric" aria-describedby={describedBy} aria-invalid={invalid} value={form.port} onChange={(e) => edit({ field: 'port', value: e.target.value })} />
            )}
          </Field>
        </div>
        {form.security === 'none' ? (
          <p className="notice notice--warning" role="note">
            Without connection security, your messages{form.auth === 'password' ? ' and your password' : ''} travel unencrypted. Use this only with a server on your own network.
          </p>
        ) : null}
        <Field label="Authentication method">
          {({ id }) => (
            <select id={id} value={form.auth} onChange={(e) => edit({ field: 'auth', value: e.target.value as keyof typeof AUTH_LABEL })}>
              {Object.entries(AUTH_LABEL).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          )}
        </Field>
        {form.auth === 'password' ? (
          <>
            <Field label="Username" hint="Usually your full email address." error={errors['smtp.username']}>
              {({ id, describedBy, invalid }) => (
                <input id={id} aria-describedby={describedBy} aria-invalid={invalid} spellCheck={false} autoCapitalize="off" autoComplete="username" value={form.username} onChange={(e) => edit({ field: 'username', value: e.target.value })} />
              )}
            </Field>
            <Field label="Password" hint={editing?.hasPassword ? 'Leave empty to keep the saved password.' : 'Stored encrypted, never in the settings file.'} error={errors.password}>
              {({ id, describedBy, invalid }) => (
                <input id={id} type="password" aria-describedby={describedBy} aria-invalid={invalid} autoComplete="current-password" value={form.password} onChange={(e) => edit({ field: 'password', value: e.target.value })} />
              )}
            </Field>
          </>
        ) : null}
      </fieldset>
      {failure ? <ErrorNotice error={failure} /> : null}
      <div className="actions">
        {props.onCancel ? (
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        ) : null}
        <button type="submit" className="primary" disabled={saving}>
          {saving ? 'Saving…' : 'Save account'}
        </button>
      </div>
    </form>
  );
}

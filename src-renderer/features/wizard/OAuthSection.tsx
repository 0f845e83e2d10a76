import { useState } from 'react';
import type { Account } from '../../../shared/model';
import type { AppError } from '../../../shared/result';
import { ErrorNotice } from '../../ui/ErrorNotice';
import { Field } from '../../ui/Field';
import { SignInHelp } from '../advisor/SignInHelp';
import { SignInWaiting } from '../oauth/SignInWaiting';
import { oauthSettingsOf, signInBlocker, type WizardEdit, type WizardForm } from './form-state';

/**
 * The wizard's browser sign-in (OAuth2): one sign-in for both servers. Every button here is
 * type="button", so Enter in a field of the form never starts a sign-in.
 */
export function OAuthSection(props: {
  form: WizardForm;
  edit: (e: WizardEdit) => void;
  editing: Account | undefined;
  running: boolean;
  error: AppError | null;
  /** Why the check or save was refused ("Sign in with your browser first."). */
  fieldError: string | undefined;
  disabled: boolean;
  /** Offered where no client ID is configured and the provider has app passwords. */
  hasAppPasswords: boolean;
  onSignIn: () => void;
  onCancel: () => void;
}) {
  const { form, edit, editing } = props;
  const provider = form.oauthProvider;
  const blocker = signInBlocker(form);
  const [advancedOpen, setAdvancedOpen] = useState(() => Boolean(provider && !form.shippedClientId) || form.useOwnClientId);
  const keepsSavedGrant = !form.signIn && editing?.oauth && oauthSettingsOf(form) !== null;

  return (
    <fieldset disabled={props.disabled}>
      <legend>Browser sign-in (OAuth2)</legend>
      {provider ? (
        <p className="muted">
          Mailwright opens {provider.name}’s sign-in page in your web browser. Your password goes only to {provider.name}; Mailwright keeps the
          sign-in it gets back, encrypted, for both servers.
        </p>
      ) : null}
      {blocker && !props.running ? (
        <div className="notice notice--warning" role="note">
          <p>{blocker}</p>
          {provider && props.hasAppPasswords ? (
            <button
              type="button"
              onClick={() => {
                edit({ field: 'auth', value: 'password' });
                edit({ field: 'inAuth', value: 'password' });
              }}
            >
              Use an app password instead
            </button>
          ) : null}
        </div>
      ) : null}

      {form.signIn && provider ? (
        <p className="notice notice--success" role="status">
          Signed in as {form.signIn.email} with {provider.name}.
        </p>
      ) : keepsSavedGrant && editing?.signedIn ? (
        <p className="muted">Signed in with {provider?.name}. Sign in again only to use another account or client ID.</p>
      ) : keepsSavedGrant && editing && !editing.signedIn ? (
        <p className="notice notice--warning" role="status">
          Sign in again: {provider?.name} no longer accepts Mailwright’s sign-in for this account.
        </p>
      ) : null}

      {props.running ? (
        <SignInWaiting onCancel={props.onCancel} />
      ) : (
        <div className="actions actions--start">
          <button type="button" className={form.signIn ? undefined : 'primary'} onClick={props.onSignIn} disabled={Boolean(blocker)}>
            Sign in with your browser
          </button>
        </div>
      )}
      {props.fieldError && !props.running ? (
        <p className="field__error" role="alert">
          {/* With saved settings, the only way to get here is a changed client ID. */}
          {form.savedOAuth && !form.signIn ? 'Sign in with your browser again to use the changed client ID.' : props.fieldError}
        </p>
      ) : null}
      {props.error ? (
        <>
          <ErrorNotice error={props.error} />
          <SignInHelp error={props.error} providerId={form.providerId} email={form.email.trim()} host={form.host.trim()} />
        </>
      ) : null}

      <button type="button" className="link advanced-toggle" aria-expanded={advancedOpen} onClick={() => setAdvancedOpen((v) => !v)}>
        Advanced
      </button>
      {advancedOpen ? (
        <div className="advanced">
          <label className="checkbox">
            <input type="checkbox" checked={form.useOwnClientId} onChange={(e) => edit({ field: 'useOwnClientId', value: e.target.checked })} />
            Use my own client ID
          </label>
          {form.useOwnClientId ? (
            <Field label="Client ID" hint={`The application (client) ID your organisation registered for Mailwright with ${provider?.name ?? 'the provider'}.`}>
              {({ id, describedBy }) => (
                <input
                  id={id}
                  aria-describedby={describedBy}
                  spellCheck={false}
                  autoCapitalize="off"
                  autoComplete="off"
                  value={form.ownClientId}
                  onChange={(e) => edit({ field: 'ownClientId', value: e.target.value })}
                  // Enter here would submit the form's check with a sign-in that no longer fits the new ID.
                  onKeyDown={(e) => {
                    if (e.key === 'Enter') e.preventDefault();
                  }}
                />
              )}
            </Field>
          ) : null}
        </div>
      ) : null}
    </fieldset>
  );
}

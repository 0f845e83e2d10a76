import type { WizardForm } from './form-state';

const SECURITY_TEXT = { tls: 'SSL/TLS', starttls: 'STARTTLS', none: 'no encryption' } as const;

/**
 * The settings discovery found, in a few lines, with "Change" for the full form: most people only
 * need to see where their mail goes and press the button below.
 */
export function SettingsSummary(props: { form: WizardForm; onChange: () => void }) {
  const { form } = props;
  const signIn = (auth: string, username: string) => (auth === 'oauth2' ? `${username} (browser sign-in)` : auth === 'none' ? 'none' : username);
  return (
    <section className="summary" aria-labelledby="summary-title">
      <h2 id="summary-title">Settings to use</h2>
      <dl className="summary__list">
        <dt>Sending (SMTP)</dt>
        <dd>
          Server {form.host}, port {form.port}, {SECURITY_TEXT[form.security]}; user name {signIn(form.auth, form.username)}
        </dd>
        <dt>Receiving</dt>
        <dd>
          {form.incomingEnabled
            ? `${form.inProtocol.toUpperCase()} server ${form.inHost}, port ${form.inPort}, ${SECURITY_TEXT[form.inSecurity]}; user name ${signIn(form.inAuth, form.inUsername)}`
            : 'Not set up: this account only sends.'}
        </dd>
      </dl>
      <button type="button" onClick={props.onChange}>
        Change
      </button>
    </section>
  );
}

import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { DiscoveryResult, ServerProtocol } from '../../../shared/discovery';
import type { Account } from '../../../shared/model';
import type { AppError } from '../../../shared/result';
import type { CertificateInfo } from '../../../shared/verify';
import { appPasswordHelp } from '../../../shared/providers-help';
import { getApi } from '../../api';
import { Choice } from '../../ui/Choice';
import { ErrorNotice } from '../../ui/ErrorNotice';
import { Field } from '../../ui/Field';
import { AppPasswordPanel, SignInHelp } from '../advisor/SignInHelp';
import { useOAuthSignIn } from '../oauth/useOAuthSignIn';
import { useVerification } from '../verify/useVerification';
import { VerifyPanel } from '../verify/VerifyPanel';
import { DiscoveryNotice } from './DiscoveryNotice';
import { OAuthSection } from './OAuthSection';
import { SettingsSummary } from './SettingsSummary';
import {
  applyDiscovery,
  applyEdit,
  bestGuess,
  checkProblems,
  foundSettings,
  emptyForm,
  fieldErrors,
  formFromAccount,
  incomingSharesPassword,
  oauthSessionOf,
  savedPasswordsApply,
  signInRequestOf,
  toAccountInput,
  usesOAuth,
  typedPasswords,
  type FieldErrors,
  type WizardEdit,
  type WizardForm,
  type LeaveDays,
} from './form-state';

const SECURITY_LABEL = { tls: 'SSL/TLS', starttls: 'STARTTLS', none: 'None' } as const;
const AUTH_LABEL = { password: 'Normal password', oauth2: 'Sign in with your browser (OAuth2)', none: 'No authentication' } as const;
const INCOMING_AUTH_LABEL = { password: AUTH_LABEL.password, oauth2: AUTH_LABEL.oauth2 } as const;
const PROTOCOL_LABEL = { imap: 'IMAP', pop3: 'POP3' } as const;
const LEAVE_DAYS_LABEL: Record<LeaveDays, string> = {
  '0': 'No: delete them once downloaded',
  '7': 'For 7 days',
  '14': 'For 14 days',
  '30': 'For 30 days',
  '90': 'For 90 days',
  forever: 'Always',
};

type Step = 'details' | 'settings';

/** A fingerprint shortened for display: first and last four bytes. */
const shortPrint = (sha256: string) => `${sha256.slice(0, 11)}…${sha256.slice(-11)}`;

export function AccountWizard(props: { account?: Account; onSaved: (account: Account, how: { checked: boolean }) => void; onCancel?: () => void }) {
  const editing = props.account;
  const [form, setForm] = useState<WizardForm>(() => (editing ? formFromAccount(editing) : emptyForm()));
  const [step, setStep] = useState<Step>(editing ? 'settings' : 'details');
  const [allowHttp, setAllowHttp] = useState(false);
  const [discovering, setDiscovering] = useState(false);
  const [discovery, setDiscovery] = useState<DiscoveryResult | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<AppError | null>(null);
  const [saving, setSaving] = useState(false);
  const verification = useVerification();
  /** The exact request that last verified successfully; any edit after it asks for a new check. */
  const [verifiedKey, setVerifiedKey] = useState<string | null>(null);
  const oauth = useOAuthSignIn();
  /** Set when a browser sign-in succeeded: the check runs with it once the form holds it. */
  const [checkAfterSignIn, setCheckAfterSignIn] = useState(false);
  const appHelp = appPasswordHelp(form.providerId);
  /** The full form, or (after discovery found settings) their summary with "Change". */
  const [showForm, setShowForm] = useState(Boolean(editing));
  /** Counts lookups: a cancelled or replaced one answers into nothing. */
  const lookup = useRef(0);
  /** The running lookup's id in main, for "Cancel lookup". */
  const lookupRun = useRef<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const checkRef = useRef<HTMLDivElement>(null);
  /** Bumped after a failed check: focus goes to the first field marked invalid. */
  const [focusProblem, setFocusProblem] = useState(0);
  useEffect(() => {
    if (!focusProblem) return;
    const invalid = formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    (invalid ?? checkRef.current)?.focus();
  }, [focusProblem]);
  /** Field problems found: shown in the full form, and the first one gets focus. */
  const showProblems = (found: FieldErrors) => {
    setErrors(found);
    setShowForm(true);
    setFocusProblem((n) => n + 1);
  };
  const [signatureSaved, setSignatureSaved] = useState<'saved' | AppError | null>(null);

  const edit = (e: WizardEdit) => setForm((f) => applyEdit(f, e));
  /** The saved passwords count only while the form names the servers they were saved for. */
  const saved = savedPasswordsApply(form, editing);
  const serverChanged = 'The server changed, so the saved password is not sent to it: enter the password for this server.';
  /** "The server changed" no longer holds once the form is back on the saved server. */
  const passwordError = (error: string | undefined, applies: boolean) => (error === serverChanged && applies ? undefined : error);
  const passwordsMissing = (f: WizardForm): FieldErrors => {
    const errs: FieldErrors = {};
    const apply = savedPasswordsApply(f, editing);
    if (f.auth === 'password' && !f.password && !apply.smtp) errs.password = editing?.hasPassword ? serverChanged : 'Enter the password for this account.';
    if (f.incomingEnabled && f.inAuth === 'password' && !apply.incoming) {
      const inChanged = editing?.hasIncomingPassword ? serverChanged : 'Enter the password for the incoming server.';
      if (!incomingSharesPassword(f) && !f.inPassword) errs.incomingPassword = inChanged;
      else if (incomingSharesPassword(f) && !f.password) errs.password ??= inChanged;
    }
    return errs;
  };
  const requestOf = (f: WizardForm) => {
    const input = toAccountInput(f);
    if (!input.ok) return { ok: false as const, errors: input.errors };
    const missing = passwordsMissing(f);
    if (Object.keys(missing).length) return { ok: false as const, errors: missing };
    return { ok: true as const, request: { account: input.value, ...typedPasswords(f), ...oauthSessionOf(f), ...(editing ? { accountId: editing.id } : {}) } };
  };
  const currentKey = (() => {
    const r = requestOf(form);
    return r.ok ? JSON.stringify(r.request) : null;
  })();
  const verified = verifiedKey !== null && verifiedKey === currentKey;

  async function findSettings(event: FormEvent) {
    event.preventDefault();
    setFailure(null);
    const email = form.email.trim();
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
      setErrors({ email: 'Enter an email address like name@example.com.' });
      return;
    }
    setErrors({});
    setDiscovering(true);
    setShowForm(false);
    const run = ++lookup.current;
    const runId = crypto.randomUUID();
    lookupRun.current = runId;
    const result = await getApi().accounts.discover({ email, allowHttp, runId });
    // Cancelled, or replaced by another lookup: its answer is not wanted any more.
    if (run !== lookup.current) return;
    setDiscovering(false);
    if (!result.ok) {
      if (result.error.detail?.fields) setErrors(fieldErrors(result.error.detail.fields.map((f) => ({ ...f, path: f.path === 'email' ? 'email' : f.path }))));
      setFailure(result.error);
      return;
    }
    setDiscovery(result.value);
    // Fills only what the person has not set by hand (they may have gone on to the form meanwhile).
    setForm((f) => applyDiscovery(f, result.value));
    setShowForm((shown) => shown || !foundSettings(result.value));
    setStep('settings');
  }

  function cancelLookup() {
    lookup.current += 1;
    setDiscovering(false);
    // Main stops its DNS and HTTPS requests; the answer (CANCELLED) is not waited for.
    if (lookupRun.current) void getApi().accounts.cancelDiscover({ runId: lookupRun.current });
    lookupRun.current = null;
  }

  function manual() {
    setForm((f) => (f.host ? f : { ...f, ...bestGuess(f.email), touched: { ...f.touched, port: false } }));
    setShowForm(true);
    setStep('settings');
  }

  async function verify(f: WizardForm = form) {
    setFailure(null);
    const r = requestOf(f);
    if (!r.ok) {
      showProblems(r.errors);
      return;
    }
    setErrors({});
    const report = await verification.start(r.request);
    setVerifiedKey(report?.ok ? JSON.stringify(r.request) : null);
    if (report && !report.ok) showProblems(checkProblems(report, f));
  }

  /** The browser sign-in; on success the staged check runs at once with its session. */
  async function signIn() {
    const request = signInRequestOf(form);
    if (!request) return;
    setErrors((e) => ({ ...e, oauth: undefined }));
    const email = form.email.trim();
    const result = await oauth.start(request);
    // The wizard never asks to store the grant at once, so a session always comes back.
    if (!result?.session) return;
    edit({ field: 'signIn', value: { session: result.session, clientId: result.clientId, ownClientId: result.ownClientId, email } });
    setCheckAfterSignIn(true);
  }
  useEffect(() => {
    if (!checkAfterSignIn) return;
    setCheckAfterSignIn(false);
    void verify(form);
    // Runs once per sign-in, with the form that holds it (hence only this dependency).
  }, [checkAfterSignIn]);

  /** Help at a failed stage: the advisor's words, and the provider's app-password help for its refusal codes. */
  const stageAdvice = (error: AppError) => <SignInHelp error={error} providerId={form.providerId} email={form.email.trim()} host={form.host.trim()} />;

  function trust(protocol: ServerProtocol, certificate: CertificateInfo) {
    const pin = { sha256: certificate.sha256, pem: certificate.pem };
    const next = applyEdit(form, { field: protocol === 'smtp' ? 'smtpPin' : 'inPin', value: pin });
    setForm(next);
    void verify(next);
  }

  async function save() {
    setFailure(null);
    const r = requestOf(form);
    if (!r.ok) {
      showProblems(r.errors);
      return;
    }
    setSaving(true);
    const { accountId: _ignored, ...rest } = r.request as typeof r.request & { accountId?: string };
    const result = await getApi().accounts.save({ ...rest, ...(editing ? { id: editing.id } : {}) });
    setSaving(false);
    if (result.ok) {
      props.onSaved(result.value, { checked: verified });
      return;
    }
    if (result.error.detail?.fields) showProblems(fieldErrors(result.error.detail.fields));
    setFailure(result.error);
  }

  /**
   * The account's page: its signature and other From addresses are saved on their own, with the
   * servers as saved (no check needed: nothing about them changed). The stored passwords and
   * sign-in stay, as main keeps them for unchanged servers.
   */
  async function saveSignature() {
    if (!editing) return;
    setSignatureSaved(null);
    const input = toAccountInput({ ...formFromAccount(editing), signature: form.signature, identities: form.identities });
    if (!input.ok) {
      showProblems(input.errors);
      return;
    }
    const result = await getApi().accounts.save({ id: editing.id, account: input.value });
    setSignatureSaved(result.ok ? 'saved' : result.error);
  }

  const text = (field: 'displayName' | 'email' | 'description' | 'host' | 'port' | 'username' | 'inHost' | 'inPort' | 'inUsername', label: string, extra: { hint?: string; error?: string | undefined; placeholder?: string; autoComplete?: string; type?: string } = {}) => (
    <Field label={label} hint={extra.hint} error={extra.error}>
      {({ id, describedBy, invalid }) => (
        <input
          id={id}
          type={extra.type ?? 'text'}
          aria-describedby={describedBy}
          aria-invalid={invalid}
          spellCheck={false}
          autoCapitalize="off"
          placeholder={extra.placeholder}
          autoComplete={extra.autoComplete ?? 'off'}
          value={form[field]}
          onChange={(e) => edit({ field, value: e.target.value })}
        />
      )}
    </Field>
  );
  const password = (field: 'password' | 'inPassword', label: string, hint: string, error: string | undefined, required = false) => (
    <Field label={label} hint={hint} error={error}>
      {({ id, describedBy, invalid }) => (
        <input
          id={id}
          type="password"
          aria-describedby={describedBy}
          aria-invalid={invalid}
          required={required}
          autoComplete="current-password"
          value={form[field]}
          onChange={(e) => edit({ field, value: e.target.value })}
        />
      )}
    </Field>
  );
  /** The hint under a password field when editing: keep the saved one, or type it again for a changed server. */
  const passwordHint = (savedBefore: boolean | undefined, applies: boolean, fresh: string) =>
    applies ? 'Leave empty to keep the saved password.' : savedBefore ? serverChanged : fresh;
  const pinNotice = (which: 'smtpPin' | 'inPin') =>
    form[which] ? (
      <p className="notice notice--warning" role="note">
        Trusting this server’s own certificate, SHA-256 <span className="fingerprint">{shortPrint(form[which]!.sha256)}</span>.{' '}
        <button type="button" className="link" onClick={() => edit({ field: which, value: null })}>
          Stop trusting it
        </button>
      </p>
    ) : null;

  if (step === 'details') {
    return (
      <form className="card wizard" aria-labelledby="wizard-title" onSubmit={findSettings} noValidate>
        <h1 id="wizard-title">Add an outgoing mail account</h1>
        <p className="muted">Type your address and Mailwright looks up the server settings, then proves they work before saving.</p>
        {text('displayName', 'Your name', { hint: 'Shown to the people you write to.', autoComplete: 'name' })}
        {text('email', 'Email address', { error: errors.email, type: 'email', autoComplete: 'email' })}
        {password('password', 'Password', 'Stored encrypted, never in the settings file. Not needed if you sign in with your browser.', errors.password)}
        <label className="checkbox">
          <input type="checkbox" checked={allowHttp} onChange={(e) => setAllowHttp(e.target.checked)} />
          Also look for settings over unencrypted http (someone on your network could change what is found)
        </label>
        {failure ? <ErrorNotice error={failure} /> : null}
        <div className="actions">
          {props.onCancel ? (
            <button type="button" onClick={props.onCancel}>
              Cancel
            </button>
          ) : null}
          <button type="button" onClick={manual}>
            Set up manually
          </button>
          {discovering ? (
            <button type="button" onClick={cancelLookup}>
              Cancel lookup
            </button>
          ) : null}
          <button type="submit" className="primary" disabled={discovering}>
            {discovering ? 'Looking up settings…' : 'Find my settings'}
          </button>
        </div>
        {discovering ? (
          <p className="muted" role="status">
            Looking up the settings for {form.email.trim()}…
          </p>
        ) : null}
      </form>
    );
  }

  return (
    <form
      ref={formRef}
      className="card wizard"
      aria-labelledby="wizard-title"
      onSubmit={(e) => {
        e.preventDefault();
        void (verified ? save() : verify());
      }}
      noValidate
    >
      <h1 id="wizard-title">{editing ? 'Edit account' : 'Check your server settings'}</h1>
      {discovery ? <DiscoveryNotice result={discovery} /> : null}
      {discovering ? (
        <p className="notice" role="status">
          Still looking up settings: what you type here is kept.{' '}
          <button type="button" onClick={cancelLookup}>
            Cancel lookup
          </button>
        </p>
      ) : null}
      {showForm ? null : (
        <SettingsSummary
          form={form}
          onChange={() => {
            setShowForm(true);
            setFocusProblem(0);
            // The first field of the form, once it is shown.
            requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>('.wizard__full input')?.focus());
          }}
        />
      )}
      <div className="wizard__full" hidden={!showForm}>
      <fieldset disabled={verification.running || saving}>
        <legend>You</legend>
        {text('displayName', 'Your name', { hint: 'Shown to the people you write to.', autoComplete: 'name' })}
        {text('email', 'Email address', { error: errors.email, type: 'email', autoComplete: 'email' })}
        {text('description', 'Description', { hint: 'A name for this account in Mailwright, such as “Work”.', error: errors.description })}
      </fieldset>
      <fieldset disabled={verification.running || saving}>
        <legend>Outgoing server (SMTP)</legend>
        {text('host', 'Server', { error: errors['smtp.host'], placeholder: 'smtp.example.com' })}
        <div className="row">
          <Choice label="Connection security" value={form.security} options={SECURITY_LABEL} onChange={(value) => edit({ field: 'security', value })} />
          {text('port', 'Port', { error: errors['smtp.port'] })}
        </div>
        {form.security === 'none' ? (
          <p className="notice notice--warning" role="note">
            Without connection security, your messages{form.auth === 'password' ? ' and your password' : ''} travel unencrypted. Use this only with a server on your own network.
          </p>
        ) : null}
        {pinNotice('smtpPin')}
        <Choice label="Authentication method" value={form.auth} options={AUTH_LABEL} onChange={(value) => edit({ field: 'auth', value })} />
        {form.auth === 'password' ? (
          <>
            {text('username', 'Username', { hint: 'Usually your full email address.', error: errors['smtp.username'], autoComplete: 'username' })}
            {password('password', 'Password', passwordHint(editing?.hasPassword, saved.smtp, 'Stored encrypted, never in the settings file.'), passwordError(errors.password, saved.smtp), !saved.smtp)}
            {appHelp ? <AppPasswordPanel help={appHelp} /> : null}
          </>
        ) : form.auth === 'oauth2' ? (
          text('username', 'Username', { hint: 'The address you sign in with; usually your full email address.', error: errors['smtp.username'], autoComplete: 'username' })
        ) : null}
      </fieldset>
      </div>
      {/* The browser sign-in is a step of its own, shown with the summary too. */}
      {usesOAuth(form) ? (
        <OAuthSection
          form={form}
          edit={edit}
          editing={editing}
          running={oauth.running}
          error={oauth.error}
          fieldError={errors.oauth}
          disabled={verification.running || saving}
          hasAppPasswords={Boolean(appHelp)}
          onSignIn={() => void signIn()}
          onCancel={() => void oauth.cancel()}
        />
      ) : null}
      <div className="wizard__full" hidden={!showForm}>
      <fieldset disabled={verification.running || saving}>
        <legend>Incoming server</legend>
        <label className="checkbox">
          <input type="checkbox" checked={form.incomingEnabled} onChange={(e) => edit({ field: 'incomingEnabled', value: e.target.checked })} />
          Also read mail from this account (to see replies and bounces)
        </label>
        {form.incomingEnabled ? (
          <>
            <div className="row">
              <Choice label="Incoming protocol" value={form.inProtocol} options={PROTOCOL_LABEL} onChange={(value) => edit({ field: 'inProtocol', value })} />
              {text('inHost', 'Incoming server', { error: errors['incoming.host'], placeholder: 'imap.example.com' })}
            </div>
            <div className="row">
              <Choice label="Incoming connection security" value={form.inSecurity} options={SECURITY_LABEL} onChange={(value) => edit({ field: 'inSecurity', value })} />
              {text('inPort', 'Incoming port', { error: errors['incoming.port'] })}
            </div>
            {pinNotice('inPin')}
            {form.inProtocol === 'imap' ? (
              <label className="checkbox">
                <input type="checkbox" checked={form.inSaveSent} onChange={(e) => edit({ field: 'inSaveSent', value: e.target.checked })} />
                Save a copy of each sent message in the Sent folder (Gmail and Microsoft 365 do this themselves)
              </label>
            ) : (
              <Choice
                label="Keep downloaded messages on the server"
                value={form.inLeaveDays}
                options={LEAVE_DAYS_LABEL}
                onChange={(value) => edit({ field: 'inLeaveDays', value })}
              />
            )}
            {text('inUsername', 'Incoming username', { error: errors['incoming.username'] })}
            <Choice label="Incoming authentication method" value={form.inAuth} options={INCOMING_AUTH_LABEL} onChange={(value) => edit({ field: 'inAuth', value })} />
            {form.inAuth === 'password' && form.auth === 'password' ? (
              <label className="checkbox">
                <input type="checkbox" checked={form.inSamePassword} onChange={(e) => edit({ field: 'inSamePassword', value: e.target.checked })} />
                Same password as the outgoing server
              </label>
            ) : null}
            {form.inAuth === 'password' && !incomingSharesPassword(form) ? password('inPassword', 'Incoming password', passwordHint(editing?.hasIncomingPassword, saved.incoming, 'Stored encrypted.'), passwordError(errors.incomingPassword, saved.incoming), !saved.incoming) : null}
          </>
        ) : null}
      </fieldset>
      </div>

      {editing ? (
      <fieldset disabled={verification.running || saving}>
        <legend>Signature and other addresses</legend>
        <Field label="Signature" hint="Added below a “-- ” line at the end of new messages from this address.">
          {({ id, describedBy }) => <textarea id={id} rows={3} aria-describedby={describedBy} value={form.signature} onChange={(e) => edit({ field: 'signature', value: e.target.value })} />}
        </Field>
        {form.identities.map((identity, index) => (
          <div key={identity.id} className="identity" role="group" aria-label={`From address ${index + 1}`}>
            <div className="row">
              <Field label={`Name for address ${index + 1}`}>
                {({ id }) => <input id={id} value={identity.name} onChange={(e) => edit({ field: 'identity', index, value: { name: e.target.value } })} />}
              </Field>
              <Field label={`Other address ${index + 1}`} error={errors[`identities.${index}.email`]}>
                {({ id, describedBy, invalid }) => (
                  <input id={id} type="email" aria-describedby={describedBy} aria-invalid={invalid} spellCheck={false} value={identity.email} onChange={(e) => edit({ field: 'identity', index, value: { email: e.target.value } })} />
                )}
              </Field>
            </div>
            <Field label={`Signature for address ${index + 1}`}>
              {({ id }) => <textarea id={id} rows={2} value={identity.signature} onChange={(e) => edit({ field: 'identity', index, value: { signature: e.target.value } })} />}
            </Field>
            <button type="button" className="link" onClick={() => edit({ field: 'removeIdentity', index })}>
              Remove this address
            </button>
          </div>
        ))}
        <button type="button" onClick={() => edit({ field: 'addIdentity', id: crypto.randomUUID() })}>
          Add another From address
        </button>
        <p className="muted">Only addresses your provider lets this account send as: others are refused by the server.</p>
        <div className="actions actions--start">
          <button type="button" onClick={() => void saveSignature()}>
            Save signature and addresses
          </button>
          {signatureSaved === 'saved' ? <span role="status">Signature and addresses saved.</span> : null}
        </div>
        {signatureSaved && signatureSaved !== 'saved' ? <ErrorNotice error={signatureSaved} /> : null}
      </fieldset>
      ) : null}

      {verification.stages.length || verification.running ? (
        <div ref={checkRef} tabIndex={-1}>
        <VerifyPanel
          running={verification.running}
          stages={verification.stages}
          report={verification.report}
          hosts={{ smtp: form.host, [form.inProtocol]: form.inHost }}
          onTrust={trust}
          advice={stageAdvice}
        />
        </div>
      ) : null}
      {verification.error ? <ErrorNotice error={verification.error} /> : null}
      {failure ? <ErrorNotice error={failure} /> : null}
      {verification.report && !verification.report.ok && !verification.running ? (
        <p className="muted">Fix the settings and check again. You can also save them unverified, for a server you cannot reach from here.</p>
      ) : null}

      <div className="actions wizard__footer">
        {!editing ? (
          <button type="button" onClick={() => setStep('details')} disabled={verification.running}>
            Back
          </button>
        ) : null}
        {props.onCancel ? (
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        ) : null}
        {verification.report && !verification.report.ok && !verification.running ? (
          <button type="button" onClick={save} disabled={saving}>
            Save without a working check
          </button>
        ) : null}
        {verified ? (
          <button type="submit" className="primary" disabled={saving}>
            {saving ? 'Saving…' : 'Save account'}
          </button>
        ) : (
          <button type="submit" className="primary" disabled={verification.running}>
            {verification.running ? 'Checking…' : verification.report ? 'Check again' : 'Check settings'}
          </button>
        )}
      </div>
    </form>
  );
}

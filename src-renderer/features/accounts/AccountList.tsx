import { useRef, useState } from 'react';
import type { Account } from '../../../shared/model';
import type { OutboxJobView } from '../../../shared/outbox';
import { signInFacts } from '../../../shared/providers-help';
import type { AppError } from '../../../shared/result';
import { ErrorNotice } from '../../ui/ErrorNotice';
import { SignInHelp } from '../advisor/SignInHelp';
import { SignedInAgain, SignInAgain } from '../oauth/SignInAgain';
import { needsPasswordAgain, needsSignInAgain, passwordAgainText, signInAgainText, signInMethodText, waitingForSignIn } from './sign-in-text';
import { useVerification } from '../verify/useVerification';
import { VerifyPanel } from '../verify/VerifyPanel';
import { LastCheckProblem } from './LastCheckProblem';
import { RemoveAccountDialog } from './RemoveAccountDialog';
import type { SandboxStatus } from '../../../shared/sandbox';
import { getApi } from '../../api';

const SECURITY = { tls: 'SSL/TLS', starttls: 'STARTTLS', none: 'no encryption' } as const;

export function AccountList(props: {
  accounts: Account[];
  /** The sandbox's status: whether its account is hidden (then it is not in `accounts`). */
  sandbox?: SandboxStatus | null;
  jobs?: OutboxJobView[];
  onEdit: (account: Account) => void;
  onAdd: () => void;
}) {
  const [failure, setFailure] = useState<AppError | null>(null);
  const [checking, setChecking] = useState<Account | null>(null);
  /** The account just signed in again: its confirmation stays after the problem above it is gone. */
  const [signedInAgain, setSignedInAgain] = useState<string | null>(null);
  const verification = useVerification();
  function check(a: Account) {
    setChecking(a);
    void verification.start({
      accountId: a.id,
      account: { description: a.description, email: a.email, displayName: a.displayName, smtp: a.smtp, incoming: a.incoming, oauth: a.oauth },
    });
  }
  /** The account whose removal is being confirmed (the dialog says what happens first). */
  const [removing, setRemoving] = useState<Account | null>(null);
  const [removed, setRemoved] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  return (
    <section className="card" aria-labelledby="accounts-title">
      <h1 id="accounts-title" ref={heading} tabIndex={-1}>
        Accounts
      </h1>
      {removed ? (
        <p className="notice notice--success" role="status">
          {removed} was removed.
        </p>
      ) : null}
      <ul className="accounts">
        {props.accounts.map((a) =>
          a.sandbox ? (
            <SandboxAccount key={a.id} account={a} onError={setFailure} onCheck={() => check(a)} checking={verification.running} />
          ) : (
          <li key={a.id}>
            <div>
              <strong>{a.description}</strong> <span className="muted">{a.email}</span>
              <div className="muted">
                Sends via {a.smtp.host}:{a.smtp.port}, {SECURITY[a.smtp.security]}
                {a.smtp.pinnedCertificate ? ', own certificate trusted' : ''}
              </div>
              <div className="muted">
                {a.incoming ? `Reads via ${a.incoming.protocol.toUpperCase()} ${a.incoming.host}:${a.incoming.port}, ${SECURITY[a.incoming.security]}` : 'Sending only'}
              </div>
              <div>{signInMethodText(a)}</div>
              <SignInFacts account={a} />
              {needsSignInAgain(a) ? (
                <div className="notice notice--warning account__problem" role="group" aria-label={`${a.description} needs you to sign in again`}>
                  <p className="notice__title">{signInAgainText(a, waitingForSignIn(a.id, props.jobs ?? []))}</p>
                  <SignInAgain account={a} onSignedIn={(done) => setSignedInAgain(done.id)} />
                </div>
              ) : signedInAgain === a.id ? (
                <SignedInAgain account={a} />
              ) : null}
              <LastCheckProblem account={a} />
              {needsPasswordAgain(a) ? (
                <div className="notice notice--warning account__problem" role="group" aria-label={`${a.description} needs its password again`}>
                  <p className="notice__title">{passwordAgainText(a)}</p>
                </div>
              ) : null}
            </div>
            <div className="actions">
              <button type="button" onClick={() => check(a)} aria-label={`Check ${a.description} again`} disabled={verification.running}>
                Check again
              </button>
              <button type="button" onClick={() => props.onEdit(a)} aria-label={`Edit ${a.description}`}>
                Edit
              </button>
              <button
                type="button"
                onClick={() => {
                  setFailure(null);
                  setRemoving(a);
                }}
                aria-label={`Remove ${a.description}`}
              >
                Remove
              </button>
            </div>
          </li>
          ),
        )}
      </ul>
      {props.sandbox?.hidden ? <ShowSandboxAccount onError={setFailure} /> : null}
      {checking && (verification.running || verification.stages.length) ? (
        <>
          <h2>Checking “{checking.description}”</h2>
          <VerifyPanel
            running={verification.running}
            stages={verification.stages}
            report={verification.report}
            hosts={{ smtp: checking.smtp.host, ...(checking.incoming ? { [checking.incoming.protocol]: checking.incoming.host } : {}) }}
            advice={(error) => <SignInHelp error={error} email={checking.email} host={checking.smtp.host} />}
          />
          {verification.report && !verification.report.ok ? (
            <p className="muted">
              {checking.sandbox
                ? 'The sandbox answers as the faults in play tell it to: see Faults in the Sandbox view.'
                : 'To change the settings or trust a new certificate, choose Edit.'}
            </p>
          ) : null}
        </>
      ) : null}
      {verification.error ? <ErrorNotice error={verification.error} /> : null}
      {failure ? <ErrorNotice error={failure} /> : null}
      <button type="button" className="primary" onClick={props.onAdd}>
        Add account
      </button>
      {removing ? (
        <RemoveAccountDialog
          account={removing}
          jobs={props.jobs ?? []}
          onCancel={() => setRemoving(null)}
          onDone={() => {
            setRemoved(removing.description);
            setRemoving(null);
            // Its row and the button that had focus are gone: focus goes to the list's heading.
            heading.current?.focus();
          }}
        />
      ) : null}
    </section>
  );
}

/** What is known about how this account signs in, and what is known to change (the sign-in advisor). */
function SignInFacts({ account }: { account: Account }) {
  // The advisor knows the provider by its OAuth2 id ('microsoft', 'google'), else by the server's host.
  const facts = signInFacts({ smtpHost: account.smtp.host, auth: account.smtp.auth, ...(account.oauth ? { providerId: account.oauth.id } : {}) });
  return (
    <ul className="facts" aria-label={`About signing in to ${account.description}`}>
      <li className="fact fact--how">{facts.how}</li>
      {facts.changes.map((change, i) => (
        <li key={i} className="fact fact--change">
          <strong>{change.affectsThisAccount ? 'Coming change' : 'Known change'} ({change.when}): </strong>
          {change.text}
        </li>
      ))}
    </ul>
  );
}

/**
 * The built-in Sandbox account: nothing to edit or remove; it can be hidden. Its check is the wizard's
 * staged check against the sandbox, so faults chosen in the Sandbox view can be watched there too.
 */
function SandboxAccount(props: { account: Account; onError: (error: AppError) => void; onCheck: () => void; checking: boolean }) {
  const { account } = props;
  return (
    <li className="account--sandbox">
      <div>
        <strong>{account.description}</strong> <span className="muted">{account.email}</span>
        <div>Built in: what it sends stays on this computer.</div>
        <div className="muted">Its messages are kept in the Sandbox, where you see them as a recipient would. Nobody receives them.</div>
      </div>
      <div className="actions">
        <button type="button" onClick={props.onCheck} disabled={props.checking}>
          Check the Sandbox account
        </button>
        <SandboxVisibility hide onError={props.onError} />
      </div>
    </li>
  );
}

function ShowSandboxAccount(props: { onError: (error: AppError) => void }) {
  return (
    <div className="notice notice--info" role="group" aria-label="Sandbox account hidden">
      <p>The built-in Sandbox account is hidden: it is not in the From menus. Its messages are still in the Sandbox view.</p>
      <SandboxVisibility hide={false} onError={props.onError} />
    </div>
  );
}

/** "Hide the Sandbox account" or "Show the Sandbox account": one request, the button held while it runs. */
function SandboxVisibility(props: { hide: boolean; onError: (error: AppError) => void }) {
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      disabled={busy}
      onClick={() => {
        setBusy(true);
        void getApi()
          .sandbox.setHidden({ hidden: props.hide })
          .then((r) => {
            setBusy(false);
            if (!r.ok) props.onError(r.error);
          });
      }}
    >
      {props.hide ? 'Hide' : 'Show'} the Sandbox account
    </button>
  );
}

import { useEffect, useRef, useState } from 'react';
import type { Account } from '../../../shared/model';
import type { OAuthSignInResult } from '../../../shared/oauth';
import { ErrorNotice } from '../../ui/ErrorNotice';
import { SignInHelp } from '../advisor/SignInHelp';
import { providerOf } from '../wizard/form-state';
import { SignInWaiting } from './SignInWaiting';
import { useOAuthSignIn } from './useOAuthSignIn';

/**
 * "Sign in again" for a saved OAuth2 account whose grant main can no longer use: the same browser
 * sign-in, for this account, with the client ID it was saved with. Main stores the new grant at
 * once and sends the messages that waited for it.
 */
export function SignInAgain({ account, onSignedIn }: { account: Account; onSignedIn?: (account: Account) => void }) {
  const signIn = useOAuthSignIn({ keepOnUnmount: true });
  const [done, setDone] = useState<OAuthSignInResult | null>(null);
  const oauth = account.oauth;
  if (!oauth) return null;
  async function start() {
    if (!oauth) return;
    setDone(null);
    const result = await signIn.start({
      provider: providerOf(oauth),
      accountId: account.id,
      loginHint: account.email,
      ...(oauth.ownClientId ? { ownClientId: oauth.clientId } : {}),
    });
    setDone(result);
    // The account stops needing this component as soon as main says it is signed in (often before
    // this answer), so the confirmation may belong to the parent, which stays.
    if (result?.stored) onSignedIn?.(account);
  }
  return (
    <div className="sign-in-again">
      {signIn.running ? (
        <SignInWaiting onCancel={signIn.cancel} />
      ) : (
        <div className="actions actions--start">
          <button type="button" className="primary" onClick={start} aria-label={`Sign in again to ${account.description}`}>
            Sign in again
          </button>
        </div>
      )}
      {done ? (
        done.stored ? (
          <SignedInAgain account={account} />
        ) : (
          <p className="notice notice--warning" role="status">
            Signed in with {oauth.name}, but the sign-in could not be kept for this account. Try again.
          </p>
        )
      ) : null}
      {signIn.error ? (
        <>
          <ErrorNotice error={signIn.error} />
          <SignInHelp error={signIn.error} email={account.email} host={account.smtp.host} />
        </>
      ) : null}
    </div>
  );
}

/**
 * The confirmation after "Sign in again". It takes the focus: the button that had it is gone with
 * the problem it solved, and focus would otherwise fall to the page.
 */
export function SignedInAgain({ account }: { account: Account }) {
  const ref = useRef<HTMLParagraphElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <p ref={ref} tabIndex={-1} className="notice notice--success" role="status">
      Signed in again as {account.email} with {account.oauth?.name ?? 'your provider'}. Messages that were waiting go out now.
    </p>
  );
}

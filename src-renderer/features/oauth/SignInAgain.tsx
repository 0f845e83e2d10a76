import { useState } from 'react';
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
export function SignInAgain({ account }: { account: Account }) {
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
        <p className={done.stored ? 'notice notice--success' : 'notice notice--warning'} role="status">
          {done.stored
            ? `Signed in again as ${account.email} with ${oauth.name}. Messages that were waiting go out now.`
            : `Signed in with ${oauth.name}, but the sign-in could not be kept for this account. Try again.`}
        </p>
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

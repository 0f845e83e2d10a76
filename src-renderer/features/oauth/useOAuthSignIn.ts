import { useEffect, useMemo, useState } from 'react';
import { getApi } from '../../api';
import { createSignInRunner, type SignInState } from './sign-in-runner';

export type { SignInState } from './sign-in-runner';

/**
 * One browser sign-in at a time (oauth:signIn), cancellable (oauth:cancel). The answer can take up
 * to 5 minutes. By default a sign-in still open when the view goes away is cancelled: in the wizard
 * its grant would wait in main for a save that can no longer come. "Sign in again" for a saved
 * account passes keepOnUnmount, because main stores that grant for the account by itself.
 */
export function useOAuthSignIn(options: { keepOnUnmount?: boolean } = {}) {
  const keep = options.keepOnUnmount ?? false;
  const [state, setState] = useState<SignInState>({ running: false, error: null });
  const runner = useMemo(() => createSignInRunner(getApi(), setState), []);
  useEffect(() => () => runner.dispose(keep), [runner, keep]);
  return { ...state, start: runner.start, cancel: runner.cancel };
}

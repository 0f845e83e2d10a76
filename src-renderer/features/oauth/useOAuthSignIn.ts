import { useCallback, useEffect, useRef, useState } from 'react';
import type { RequestOf } from '../../../shared/ipc';
import type { OAuthSignInResult } from '../../../shared/oauth';
import { appError, type AppError } from '../../../shared/result';
import { getApi } from '../../api';

export interface SignInState {
  /** Waiting for the person to finish on the provider's page in their browser. */
  running: boolean;
  /** Why the last sign-in ended without a grant (cancelled, timed out, denied ...). */
  error: AppError | null;
}

/**
 * One browser sign-in at a time (oauth:signIn), cancellable (oauth:cancel). The answer can take up
 * to 5 minutes. By default a sign-in still open when the view goes away is cancelled: in the wizard
 * its grant would wait in main for a save that can no longer come. "Sign in again" for a saved
 * account passes keepOnUnmount, because main stores that grant for the account by itself.
 */
export function useOAuthSignIn(options: { keepOnUnmount?: boolean } = {}) {
  const keep = options.keepOnUnmount ?? false;
  const [state, setState] = useState<SignInState>({ running: false, error: null });
  const current = useRef<string | null>(null);

  useEffect(
    () => () => {
      const runId = current.current;
      current.current = null;
      if (runId && !keep) void getApi().oauth.cancel({ runId });
    },
    [keep],
  );

  const start = useCallback(async (request: Omit<RequestOf<'oauth:signIn'>, 'runId'>): Promise<OAuthSignInResult | null> => {
    const runId = crypto.randomUUID();
    current.current = runId;
    setState({ running: true, error: null });
    const result = await getApi().oauth.signIn({ ...request, runId });
    // Cancelled here (or the view went away) meanwhile: that answer is not ours any more.
    if (current.current !== runId) return null;
    current.current = null;
    setState({ running: false, error: result.ok ? null : result.error });
    return result.ok ? result.value : null;
  }, []);

  const cancel = useCallback(async () => {
    const runId = current.current;
    if (!runId) return;
    await getApi().oauth.cancel({ runId });
    // Main answers the waiting oauth:signIn with SIGN_IN_CANCELLED; the view does not wait for it,
    // so a sign-in that is slow to end cannot leave the "Waiting…" line up.
    if (current.current !== runId) return;
    current.current = null;
    setState({ running: false, error: appError('SIGN_IN_CANCELLED') });
  }, []);

  return { ...state, start, cancel };
}

/**
 * The bookkeeping of one browser sign-in at a time, apart from React so it is tested on its own:
 * which run is current, what an answer that arrives for an old run means (nothing), and that
 * Cancel ends the waiting at once even if main is slow to answer the sign-in itself.
 */
import type { MailwrightApi } from '../../../shared/client';
import type { RequestOf } from '../../../shared/ipc';
import type { OAuthSignInResult } from '../../../shared/oauth';
import { appError, type AppError } from '../../../shared/result';

export interface SignInState {
  /** Waiting for the person to finish on the provider's page in their browser. */
  running: boolean;
  /** Why the last sign-in ended without a grant (cancelled, timed out, denied ...). */
  error: AppError | null;
}

export type SignInRequest = Omit<RequestOf<'oauth:signIn'>, 'runId'>;

export function createSignInRunner(api: Pick<MailwrightApi, 'oauth'>, onChange: (state: SignInState) => void, newRunId: () => string = () => crypto.randomUUID()) {
  let current: string | null = null;
  return {
    async start(request: SignInRequest): Promise<OAuthSignInResult | null> {
      const runId = newRunId();
      current = runId;
      onChange({ running: true, error: null });
      const result = await api.oauth.signIn({ ...request, runId });
      // Cancelled, replaced or disposed meanwhile: that answer is not ours any more.
      if (current !== runId) return null;
      current = null;
      onChange({ running: false, error: result.ok ? null : result.error });
      return result.ok ? result.value : null;
    },
    async cancel(): Promise<void> {
      const runId = current;
      if (!runId) return;
      await api.oauth.cancel({ runId });
      // Main answers the waiting oauth:signIn with SIGN_IN_CANCELLED; the view does not wait for
      // it, so a sign-in that is slow to end cannot leave the "Waiting…" line up.
      if (current !== runId) return;
      current = null;
      onChange({ running: false, error: appError('SIGN_IN_CANCELLED') });
    },
    /** The view goes away: forget the run, and end it in main unless `keep` (main then finishes it alone). */
    dispose(keep: boolean): void {
      const runId = current;
      current = null;
      if (runId && !keep) void api.oauth.cancel({ runId });
    },
  };
}

/**
 * The renderer's bookkeeping of a browser sign-in: the request it sends, Cancel ending the wait at
 * once, answers for an old run ignored, and a sign-in left open by a closed view ended in main.
 * main's side of oauth:signIn is replaced by a controllable stand-in: this tests only the runner.
 */
import { describe, expect, it } from 'vitest';
import type { RequestOf } from '../../shared/ipc';
import type { OAuthSignInResult } from '../../shared/oauth';
import { appError, type Result } from '../../shared/result';
import { createSignInRunner, type SignInState } from '../../src-renderer/features/oauth/sign-in-runner';

const provider = {
  id: 'microsoft',
  name: 'Microsoft',
  issuer: 'https://login.microsoftonline.com/common/v2.0',
  authorizationEndpoint: 'https://login.microsoftonline.com/common/oauth2/v2.0/authorize',
  tokenEndpoint: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
  scopes: ['offline_access'],
};
const granted: OAuthSignInResult = { session: '0b7e3f5c-2222-4bbb-8ccc-000000000002', clientId: 'shipped', ownClientId: false, scopes: [], stored: false };

function fakeMain(o: { answerCancel?: boolean } = {}) {
  const signIns: Array<{ request: RequestOf<'oauth:signIn'>; answer: (r: Result<OAuthSignInResult>) => void }> = [];
  const cancels: string[] = [];
  const api = {
    oauth: {
      signIn: (request: RequestOf<'oauth:signIn'>) => new Promise<Result<OAuthSignInResult>>((answer) => signIns.push({ request, answer })),
      cancel: async ({ runId }: { runId: string }) => {
        cancels.push(runId);
        if (o.answerCancel) signIns.find((s) => s.request.runId === runId)?.answer({ ok: false, error: appError('SIGN_IN_CANCELLED') });
        return { ok: true as const, value: { cancelled: true } };
      },
    },
  };
  return { api, signIns, cancels };
}

let n = 0;
const ids = () => `run-${++n}`;

describe('browser sign-in runner', () => {
  it('sends the request with its own run id, waits, and answers the grant', async () => {
    const main = fakeMain();
    const states: SignInState[] = [];
    const runner = createSignInRunner(main.api, (s) => states.push(s), ids);
    const pending = runner.start({ provider, loginHint: 'alice@outlook.com' });
    expect(states.at(-1)).toEqual({ running: true, error: null });
    expect(main.signIns[0]!.request).toMatchObject({ provider, loginHint: 'alice@outlook.com', runId: expect.stringMatching(/^run-/) });
    main.signIns[0]!.answer({ ok: true, value: granted });
    expect(await pending).toEqual(granted);
    expect(states.at(-1)).toEqual({ running: false, error: null });
  });

  it('a refusal ends the wait with its code, for the words in error-text', async () => {
    const main = fakeMain();
    const states: SignInState[] = [];
    const runner = createSignInRunner(main.api, (s) => states.push(s), ids);
    const pending = runner.start({ provider });
    main.signIns[0]!.answer({ ok: false, error: appError('SIGN_IN_ADMIN_APPROVAL') });
    expect(await pending).toBeNull();
    expect(states.at(-1)).toEqual({ running: false, error: expect.objectContaining({ code: 'SIGN_IN_ADMIN_APPROVAL' }) });
  });

  it('Cancel asks main to end that run and stops waiting even before main answers', async () => {
    const main = fakeMain();
    const states: SignInState[] = [];
    const runner = createSignInRunner(main.api, (s) => states.push(s), ids);
    const pending = runner.start({ provider });
    await runner.cancel();
    expect(main.cancels).toEqual([main.signIns[0]!.request.runId]);
    expect(states.at(-1)).toEqual({ running: false, error: expect.objectContaining({ code: 'SIGN_IN_CANCELLED' }) });
    // A grant that still arrives for the cancelled run is not taken.
    main.signIns[0]!.answer({ ok: true, value: granted });
    expect(await pending).toBeNull();
    expect(states.at(-1)?.running).toBe(false);
  });

  it('when main answers the cancelled sign-in first, the person sees one "cancelled", not a hang', async () => {
    const main = fakeMain({ answerCancel: true });
    const states: SignInState[] = [];
    const runner = createSignInRunner(main.api, (s) => states.push(s), ids);
    const pending = runner.start({ provider });
    await runner.cancel();
    expect(await pending).toBeNull();
    expect(states.at(-1)).toEqual({ running: false, error: expect.objectContaining({ code: 'SIGN_IN_CANCELLED' }) });
  });

  it('a second sign-in replaces the first: the first one’s late answer changes nothing', async () => {
    const main = fakeMain();
    const states: SignInState[] = [];
    const runner = createSignInRunner(main.api, (s) => states.push(s), ids);
    const first = runner.start({ provider });
    const second = runner.start({ provider });
    main.signIns[0]!.answer({ ok: false, error: appError('SIGN_IN_REPLACED') });
    expect(await first).toBeNull();
    expect(states.at(-1)).toEqual({ running: true, error: null });
    main.signIns[1]!.answer({ ok: true, value: granted });
    expect(await second).toEqual(granted);
  });

  it('a view closed while waiting ends the sign-in in main, unless told to keep it', async () => {
    const main = fakeMain();
    const runner = createSignInRunner(main.api, () => {}, ids);
    void runner.start({ provider });
    runner.dispose(false);
    expect(main.cancels).toEqual([main.signIns[0]!.request.runId]);

    const kept = fakeMain();
    const again = createSignInRunner(kept.api, () => {}, ids);
    void again.start({ provider, accountId: '6f1c2b5e-1111-4aaa-8bbb-000000000001' });
    again.dispose(true);
    expect(kept.cancels).toEqual([]);
  });
});

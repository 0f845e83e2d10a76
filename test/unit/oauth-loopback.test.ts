/**
 * The loopback redirect listener (RFC 8252 7.3): one answer on one path with this sign-in's state,
 * nothing else; closed after the answer, on cancel and on timeout, so no port stays open.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { openLoopback, REDIRECT_PATH, SignInStopped } from '../../src-main/services/oauth/loopback';
import { challengeOf, createPkce, randomState } from '../../src-main/services/oauth/pkce';
import { issuerMatches } from '../../src-main/services/oauth/sign-in';
import { providerRefusalCode } from '../../src-main/services/oauth/token-endpoint';

const portOf = (uri: string) => Number(new URL(uri).port);
const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

describe('the loopback redirect', () => {
  it('listens on 127.0.0.1 and an ephemeral port, ignores other paths and other states, takes one answer, then closes', async () => {
    const controller = new AbortController();
    const listener = await openLoopback({ state: 'state-1', signal: controller.signal });
    expect(listener.redirectUri).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+${REDIRECT_PATH}$`));
    const base = listener.redirectUri.replace(REDIRECT_PATH, '');
    expect((await fetch(`${base}/other?code=c&state=state-1`)).status).toBe(404);
    expect((await fetch(`${base}${REDIRECT_PATH}?code=c&state=wrong`)).status).toBe(400);
    expect((await fetch(`${listener.redirectUri}?code=c`, { method: 'POST' })).status).toBe(404);
    const page = await fetch(`${listener.redirectUri}?code=the-code&state=state-1&iss=x`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('You can close this tab and go back to Mailwright.');
    const answer = await listener.answer;
    expect(answer.get('code')).toBe('the-code');
    await listener.close();
    expect(await accepts(portOf(listener.redirectUri))).toBe(false);
  });

  it('cancel and timeout end the wait with their reason and close the port', async () => {
    for (const reason of ['cancelled', 'timeout'] as const) {
      const controller = new AbortController();
      const listener = await openLoopback({ state: randomState(), signal: controller.signal });
      expect(await accepts(portOf(listener.redirectUri))).toBe(true);
      controller.abort(new SignInStopped(reason));
      await expect(listener.answer).rejects.toMatchObject({ reason });
      await listener.close();
      expect(await accepts(portOf(listener.redirectUri))).toBe(false);
    }
  });
});

describe('PKCE, state and issuer', () => {
  it('S256 of the verifier (RFC 7636 appendix B), and fresh values each time', () => {
    expect(challengeOf('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    const a = createPkce();
    const b = createPkce();
    expect(a.verifier).not.toBe(b.verifier);
    expect(a.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomState()).not.toBe(randomState());
  });

  it('iss must be the provider: exact for an URL issuer, by host for a config-v1.1 host name', () => {
    expect(issuerMatches('https://accounts.google.com', 'https://accounts.google.com')).toBe(true);
    expect(issuerMatches('https://accounts.google.com', 'https://evil.example')).toBe(false);
    expect(issuerMatches('https://accounts.google.com', 'https://accounts.google.com/')).toBe(false);
    expect(issuerMatches('login.microsoftonline.com', 'https://login.microsoftonline.com/tid/v2.0')).toBe(true);
    expect(issuerMatches('login.microsoftonline.com', 'https://login.evil.example/')).toBe(false);
  });

  it("a provider's refusals become the person's words: denied, admin approval, policy", () => {
    expect(providerRefusalCode('access_denied', 'The user has denied access', 'SIGN_IN_FAILED')).toBe('SIGN_IN_DENIED');
    expect(providerRefusalCode('invalid_client', 'AADSTS65001: The user or administrator has not consented to use the application', 'SIGN_IN_FAILED')).toBe('SIGN_IN_ADMIN_APPROVAL');
    expect(providerRefusalCode('access_denied', 'admin_policy_enforced', 'SIGN_IN_FAILED')).toBe('SIGN_IN_BLOCKED_BY_POLICY');
    expect(providerRefusalCode('invalid_grant', 'code expired', 'SIGN_IN_FAILED')).toBe('SIGN_IN_FAILED');
  });
});

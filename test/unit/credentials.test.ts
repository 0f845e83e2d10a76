import { describe, expect, it } from 'vitest';
import { fail, ok, type Result } from '../../shared/result';
import { passwordCredential, tokenCredential, withFreshCredential, type AccessTokens, type Credential } from '../../src-main/services/credentials';

/** A token service in memory: each get() after a refusal hands out the next token; refused() says yes once per refresh. */
function tokens(list: string[]) {
  let index = 0;
  let retried = false;
  const log: string[] = [];
  const service: AccessTokens = {
    async get(grant): Promise<Result<string>> {
      log.push(`get ${grant}`);
      return index < list.length ? ok(list[index]!) : fail('SIGN_IN_REQUIRED');
    },
    refused(grant, token) {
      log.push(`refused ${grant} ${token}`);
      if (list[index] === token) index++;
      if (retried) return false;
      retried = true;
      return true;
    },
  };
  return { service, log };
}

const refusedUnless = (good: string) => async (c: Credential | undefined) => (c?.kind === 'oauth2' && c.accessToken === good ? 'signed in' : 'refused');

describe('withFreshCredential: the retry-once rule', () => {
  it('an access token refused once is reported and ONE new attempt is made with a fresh token', async () => {
    const t = tokens(['old', 'new']);
    const seen: string[] = [];
    const result = await withFreshCredential(
      tokenCredential(t.service, 'acct-1', 'anna@example.test'),
      async (c) => {
        seen.push(c?.kind === 'oauth2' ? c.accessToken : '?');
        return refusedUnless('new')(c);
      },
      (outcome) => outcome === 'refused',
    );
    expect(result).toEqual(ok('signed in'));
    expect(seen).toEqual(['old', 'new']);
    expect(t.log).toEqual(['get acct-1', 'refused acct-1 old', 'get acct-1']);
  });

  it('a fresh token refused again is reported (so the next attempt refreshes) but not retried', async () => {
    const t = tokens(['a', 'b', 'c']);
    let attempts = 0;
    const result = await withFreshCredential(tokenCredential(t.service, 'g', 'u'), async (c) => (attempts++, refusedUnless('z')(c)), (o) => o === 'refused');
    expect(result).toEqual(ok('refused'));
    expect(attempts).toBe(2);
    expect(t.log).toEqual(['get g', 'refused g a', 'get g', 'refused g b']);
  });

  it('a password is never retried', async () => {
    let attempts = 0;
    const result = await withFreshCredential(passwordCredential('u', 'pw'), async () => (attempts++, 'refused'), (o) => o === 'refused');
    expect(result).toEqual(ok('refused'));
    expect(attempts).toBe(1);
  });

  it('no stored credential: one attempt without one (the protocol says PASSWORD_MISSING)', async () => {
    const seen: Array<Credential | undefined> = [];
    await withFreshCredential(passwordCredential('u', undefined), async (c) => (seen.push(c), 'refused'), () => true);
    expect(seen).toEqual([undefined]);
  });

  it("the token service's failure is the result (no attempt without a token)", async () => {
    let attempts = 0;
    const first = await withFreshCredential(tokenCredential(tokens([]).service, 'g', 'u'), async () => attempts++, () => true);
    expect(first).toMatchObject({ ok: false, error: { code: 'SIGN_IN_REQUIRED' } });
    const t = tokens(['only']);
    const second = await withFreshCredential(tokenCredential(t.service, 'g', 'u'), async () => (attempts++, 'refused'), (o) => o === 'refused');
    expect(second).toMatchObject({ ok: false, error: { code: 'SIGN_IN_REQUIRED' } });
    expect(attempts).toBe(1);
  });
});

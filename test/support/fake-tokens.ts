/**
 * A stand-in for the OAuth2 token service (AccessTokens) in tests that are about a protocol, not
 * about OAuth: it hands out the tokens of a list in order, moving on when one is reported refused,
 * and answers refused() like the real service (true once; false for a token that was itself the
 * fresh one after a refusal). The real service against a real authorization server has its own tests.
 */
import { fail, ok, type Result } from '../../shared/result';
import type { AccessTokens } from '../../src-main/services/credentials';

export function fakeTokens(list: string[]): AccessTokens & { refusedTokens: string[]; gets: number } {
  let index = 0;
  let freshAfterRefusal: string | undefined;
  const service = {
    refusedTokens: [] as string[],
    gets: 0,
    async get(): Promise<Result<string>> {
      service.gets++;
      return index < list.length ? ok(list[index]!) : fail('SIGN_IN_REQUIRED');
    },
    refused(_grant: string, token: string): boolean {
      service.refusedTokens.push(token);
      const retry = token !== freshAfterRefusal;
      if (list[index] === token) index++;
      freshAfterRefusal = list[index];
      return retry;
    },
  };
  return service;
}

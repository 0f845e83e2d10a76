/** RFC 2369 / RFC 8058 unsubscribe headers on a message the outbox builds (a merge's messages carry them). */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ok } from '../../shared/result';
import { Outbox } from '../../src-main/services/outbox';
import { passwordCredential } from '../../src-main/services/credentials';
import { scriptedDeliver, testAccount, testMessage } from '../support/outbox-fixtures';

let dir: string;
let outbox: Outbox | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailwright-unsubscribe-'));
});
afterEach(async () => {
  await outbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

const account = testAccount(25, 'none');
const open = () => Outbox.open({ dir, undoSeconds: 60, account: () => ok({ account, credentials: passwordCredential('', undefined) }), deliver: scriptedDeliver().deliver });

it('carries List-Unsubscribe (mailto and https) and the one-click header; mailto alone has no one-click', async () => {
  outbox = await open();
  const both = await outbox.enqueue({ accountId: account.id, draft: null, message: testMessage({ listUnsubscribe: { mailto: 'leave@club.example', https: 'https://club.example/u/abc123' } }) });
  expect(both.ok).toBe(true);
  const eml = readFileSync(join(dir, `${both.ok ? both.value.id : ''}.eml`), 'utf8');
  expect(eml).toMatch(/^List-Unsubscribe: <mailto:leave@club\.example\?subject=unsubscribe>,\s+<https:\/\/club\.example\/u\/abc123>\r$/m);
  expect(eml).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r$/m);

  const mailOnly = await outbox.enqueue({ accountId: account.id, draft: null, message: testMessage({ listUnsubscribe: { mailto: 'leave@club.example' } }) });
  const plain = readFileSync(join(dir, `${mailOnly.ok ? mailOnly.value.id : ''}.eml`), 'utf8');
  expect(plain).toMatch(/^List-Unsubscribe: <mailto:leave@club\.example\?subject=unsubscribe>\r$/m);
  expect(plain).not.toMatch(/^List-Unsubscribe-Post:/m);
});

it('refuses an unsubscribe target that is not an https URL or a plain address, and builds nothing', async () => {
  outbox = await open();
  for (const [listUnsubscribe, path] of [
    [{ https: 'http://club.example/u' }, 'listUnsubscribe.https'],
    [{ https: 'javascript:alert(1)' }, 'listUnsubscribe.https'],
    [{ https: 'https://club.example/u>\r\nBcc: x@evil.example' }, 'listUnsubscribe.https'],
    [{ mailto: 'a@b.example?cc=x@evil.example' }, 'listUnsubscribe.mailto'],
    [{}, 'listUnsubscribe'],
  ] as const) {
    const r = await outbox.enqueue({ accountId: account.id, draft: null, message: testMessage({ listUnsubscribe }) });
    expect(r.ok, JSON.stringify(listUnsubscribe)).toBe(false);
    expect(!r.ok && r.error.detail?.fields?.map((f) => f.path)).toEqual([path]);
  }
  expect(outbox.list()).toEqual([]);
});

/**
 * Keychain trouble is recoverable (issue 11, item 3): a saved password that can no longer be
 * decrypted (here: its ciphertext replaced on disk, which the bridge's app-key cipher refuses as
 * the OS keychain would after a reset) shows on the account as "Password needs to be entered
 * again", and typing it again works. That main turns safeStorage's own plain Error into the same
 * answer is tested in test/unit/keychain-recovery.test.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from './fixture';
import { AccountsPage } from './pages/accounts';
import { WizardPage } from './pages/wizard';

test('a saved password that can no longer be read is asked for again, and typing it again works', async ({ app }) => {
  const { page, servers } = app;
  const alice = servers.users[0]!;
  const wizard = new WizardPage(page);
  await wizard.addAccount(servers, alice, { smtp: 'SSL/TLS' });
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'New message' })).toBeVisible();

  // The "keychain" can no longer decrypt what it stored.
  const file = join(app.dataDir, 'secrets.json');
  const secrets = JSON.parse(readFileSync(file, 'utf8')) as { entries: Record<string, string> };
  for (const name of Object.keys(secrets.entries)) secrets.entries[name] = `ak1:${Buffer.alloc(48, 7).toString('base64')}`;
  writeFileSync(file, JSON.stringify(secrets));
  await page.reload();

  const accounts = new AccountsPage(page);
  await accounts.open();
  const problem = page.getByRole('group', { name: 'Work needs its password again' });
  await expect(problem).toHaveText('Password needs to be entered again: the saved password for sending could not be read. Choose Edit and type it again.');

  await page.getByRole('button', { name: 'Edit Work' }).click();
  await page.getByLabel('Password', { exact: true }).fill(alice.password);
  await wizard.check();
  expect(await wizard.checkResult()).toBe('passed');
  await wizard.save();
  await accounts.open();
  await expect(accounts.account('Work')).toBeVisible();
  await expect(problem).toHaveCount(0);
  expect(readFileSync(file, 'utf8')).not.toContain(alice.password);
});

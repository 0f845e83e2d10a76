/**
 * The short wizard (issue 12, items 6 and 7): found settings as a summary with "Change", the
 * primary button in view at 800x600, focus on the first problem after a failed check, a lookup that
 * can be cancelled and that never overwrites what was typed, "… is ready" with "Write a message",
 * the account's page for signature and other addresses, and removing an account with a waiting
 * message (what the dialog says, and what happens). Screenshots in light, dark and 800x600.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from './fixture';
import { AccountsPage } from './pages/accounts';
import { ComposePage, OutboxPage } from './pages/compose';
import { WizardPage } from './pages/wizard';
import { SCREENSHOT_DIR } from './paths';

// Each screen is checked with axe in light and dark, which takes a while on a busy machine.
test.describe.configure({ timeout: 180_000 });

/** Serious or critical accessibility problems inside `scope` (this screen's own part), by rule. */
async function axeProblems(page: Page, scope: string): Promise<string[]> {
  const result = await new AxeBuilder({ page }).include(scope).analyze();
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/**
 * Light, dark, and light at 800x600 (the viewport only: what the person sees without scrolling);
 * in light and dark, `scope` (the part this screen adds) has no serious or critical axe finding.
 */
async function shoot(page: Page, name: string, scope: string) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const size = page.viewportSize();
  await page.emulateMedia({ colorScheme: 'light' });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `wizard-${name}-light.png`), fullPage: true });
  expect(await axeProblems(page, scope)).toEqual([]);
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `wizard-${name}-dark.png`), fullPage: true });
  expect(await axeProblems(page, scope)).toEqual([]);
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 800, height: 600 });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `wizard-${name}-800x600.png`) });
  if (size) await page.setViewportSize(size);
}

/** Holds each lookup's answer in the page until released, as a slow network would. */
async function holdLookups(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { __mailwrightInvoke: (c: string, r: unknown) => Promise<unknown>; __releaseLookup?: () => void };
    const real = w.__mailwrightInvoke;
    w.__mailwrightInvoke = async (channel, request) => {
      const answer = await real(channel, request);
      if (channel === 'accounts:discover') await new Promise<void>((resolve) => (w.__releaseLookup = resolve));
      return answer;
    };
  });
}
async function releaseLookup(page: Page) {
  await expect.poll(() => page.evaluate(() => typeof (window as unknown as { __releaseLookup?: unknown }).__releaseLookup)).toBe('function');
  await page.evaluate(() => {
    const w = window as unknown as { __releaseLookup?: () => void };
    const release = w.__releaseLookup;
    delete w.__releaseLookup;
    release?.();
  });
}

test('found settings are a summary with Change; the primary button stays in view at 800x600', async ({ app }) => {
  test.skip(app.mode !== 'bridge', 'discovery is pointed at the local DNS and HTTPS servers through the bridge');
  const { page, servers } = app;
  const alice = servers.users[0]!;
  const wizard = new WizardPage(page);
  await wizard.fillDetails({ displayName: 'Alice', email: alice.address, password: alice.password });
  await wizard.findSettings();

  await expect(wizard.summary).toContainText(`Server localhost, port ${servers.submission.starttlsPort}, STARTTLS`);
  await expect(wizard.summary).toContainText(`IMAP server localhost, port ${servers.imap.tlsPort}, SSL/TLS`);
  await expect(wizard.summary).toContainText('user name');
  // The form is one click away, not in the way.
  await expect(page.getByLabel('Server', { exact: true })).toBeHidden();
  await expect(page.getByRole('button', { name: 'Check settings' })).toBeVisible();
  await shoot(page, 'summary', '.summary');

  await wizard.change();
  await expect(wizard.summary).toHaveCount(0);
  await expect(page.getByLabel('Your name')).toBeFocused();
  await expect(page.getByLabel('Server', { exact: true })).toHaveValue('localhost');
  await expect(page.getByLabel('Incoming port')).toHaveValue(String(servers.imap.tlsPort));
  // The full form is longer than a small window: the button stays in view all the same.
  await page.setViewportSize({ width: 800, height: 600 });
  await expect(page.getByRole('button', { name: 'Check settings' })).toBeInViewport();
  await page.getByLabel('Your name').scrollIntoViewIfNeeded();
  await expect(page.getByRole('button', { name: 'Check settings' })).toBeInViewport();
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'wizard-full-form-800x600.png') });

  await wizard.check();
  expect(await wizard.checkResult()).toBe('passed');
  await wizard.save();
  await expect(wizard.ready(alice.address)).toBeVisible();
});

test('after a failed check, focus is on the first problem and the field is marked invalid', async ({ app }) => {
  test.skip(app.mode !== 'bridge', 'discovery is pointed at the local DNS and HTTPS servers through the bridge');
  const { page, servers } = app;
  const alice = servers.users[0]!;
  const wizard = new WizardPage(page);
  await wizard.fillDetails({ displayName: 'Alice', email: alice.address, password: 'not the password' });
  await wizard.findSettings();
  await expect(wizard.summary).toBeVisible();
  await wizard.check();
  expect(await wizard.checkResult()).toBe('failed');
  await expect(wizard.stage('Outgoing server (SMTP)', 'Sign in')).toContainText('failed');

  // The form opened at the problem: the password, marked invalid and described by what to check.
  const password = page.getByLabel('Password', { exact: true });
  await expect(password).toBeFocused();
  await expect(password).toHaveAttribute('aria-invalid', 'true');
  await expect(password).toHaveAccessibleDescription(/Check the password: the server did not accept it/);
  await expect(page.getByLabel('Server', { exact: true })).toHaveAttribute('aria-invalid', 'false');
  await shoot(page, 'failed-check', '.wizard__full');

  // Typed again: the check passes and the mark goes.
  await password.fill(alice.password);
  await wizard.check();
  expect(await wizard.checkResult()).toBe('passed');
  await expect(password).toHaveAttribute('aria-invalid', 'false');
});

test('a lookup can be cancelled, and a lookup that answers late keeps what the person typed', async ({ app }) => {
  test.skip(app.mode !== 'bridge', 'discovery is pointed at the local DNS and HTTPS servers through the bridge');
  const { page, servers } = app;
  const alice = servers.users[0]!;
  const wizard = new WizardPage(page);
  await holdLookups(page);
  await wizard.fillDetails({ displayName: 'Alice', email: alice.address, password: alice.password });

  // Cancelled: the first screen stays as it is, and its answer, when it comes, changes nothing.
  await page.getByRole('button', { name: 'Find my settings' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Looking up the settings for ${alice.address}` })).toBeVisible();
  await wizard.cancelLookup();
  await expect(page.getByRole('button', { name: 'Cancel lookup' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Find my settings' })).toBeEnabled();
  await releaseLookup(page);
  await expect(page.getByRole('heading', { name: 'Add an outgoing mail account' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Check your server settings' })).toHaveCount(0);

  // Not waited for: the person goes on by hand; the late answer fills only what they left alone.
  await page.getByRole('button', { name: 'Find my settings' }).click();
  await wizard.setUpManually();
  await expect(page.getByRole('status').filter({ hasText: 'Still looking up settings' })).toBeVisible();
  await page.getByLabel('Server', { exact: true }).fill('mail.typed.test');
  await page.getByLabel('Port', { exact: true }).fill('2525');
  await releaseLookup(page);
  await expect(page.getByRole('status', { name: 'Settings found' })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Still looking up settings' })).toHaveCount(0);
  await expect(page.getByLabel('Server', { exact: true })).toHaveValue('mail.typed.test');
  await expect(page.getByLabel('Port', { exact: true })).toHaveValue('2525');
  await expect(page.getByLabel('Incoming server')).toHaveValue('localhost');
  await expect(page.getByLabel('Incoming port')).toHaveValue(String(servers.imap.tlsPort));
});

test('a new account is ready with Write a message; its signature is set on its own page', async ({ app }) => {
  const { page, servers } = app;
  const alice = servers.users[0]!;
  const wizard = new WizardPage(page);
  await wizard.fill({
    displayName: 'Alice Liddell',
    email: alice.address,
    description: 'Work',
    host: servers.host,
    security: 'SSL/TLS',
    port: String(servers.submission.tlsPort),
    username: alice.username,
    password: alice.password,
  });
  // The wizard no longer asks for a signature or other addresses: they are on the account's page.
  await expect(page.getByLabel('Signature', { exact: true })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Add another From address' })).toHaveCount(0);
  await wizard.check();
  expect(await wizard.checkResult()).toBe('passed');
  await wizard.save();

  const ready = wizard.ready(alice.address);
  await expect(ready).toBeVisible();
  await expect(ready.getByRole('heading', { name: `${alice.address} is ready` })).toBeFocused();
  await shoot(page, 'account-ready', '.account-ready');
  await wizard.writeMessage(alice.address);
  await expect(ready).toHaveCount(0);
  const compose = new ComposePage(page);
  await compose.attach();
  await expect(compose.form).toBeVisible();

  const accounts = new AccountsPage(page);
  await accounts.open();
  await accounts.edit('Work');
  await page.getByLabel('Signature', { exact: true }).fill('Alice\nThe Looking-Glass Co.');
  await page.getByRole('button', { name: 'Save signature and addresses' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Signature and addresses saved.' })).toBeVisible();
  await shoot(page, 'account-page', '.wizard');
  await compose.open();
  await expect(compose.editor).toContainText('The Looking-Glass Co.');
});

test('removing an account says first what happens to its waiting message and downloaded mail, then does it', async ({ app }) => {
  test.setTimeout(120_000);
  const { page, servers } = app;
  const [alice, bob] = [servers.users[0]!, servers.users[1]!];
  const wizard = new WizardPage(page);
  await wizard.addAccount(servers, alice, { smtp: 'SSL/TLS', incoming: { protocol: 'IMAP', security: 'SSL/TLS' } });
  const accounts = new AccountsPage(page);
  await accounts.open();
  await page.getByRole('button', { name: 'Add account' }).click();
  await wizard.fill({ displayName: 'Bob', email: bob.address, description: 'Home', host: servers.host, security: 'SSL/TLS', port: String(servers.submission.tlsPort), username: bob.username, password: bob.password });
  await wizard.check();
  expect(await wizard.checkResult()).toBe('passed');
  await wizard.save();

  // A message from Work waits in the outbox (sent later).
  const compose = new ComposePage(page);
  await compose.open();
  const subject = `Waits ${Date.now()}`;
  await compose.write({ to: bob.address, subject, body: 'Words worth keeping.' });
  await compose.window.getByLabel('Send later').check();
  await compose.window.getByRole('button', { name: /^Schedule for/ }).click();
  const outbox = new OutboxPage(page);
  await outbox.waitForState(subject, 'Waiting to send');

  await accounts.open();
  await accounts.askToRemove('Work');
  const dialog = accounts.removeDialog('Work');
  await expect(dialog).toContainText('1 message waiting in the outbox will not be sent: it is cancelled and kept in Drafts');
  await expect(dialog).toContainText('The copy of its mail downloaded to this computer is deleted. Mail on the server is not touched.');
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await shoot(page, 'remove-dialog', 'dialog.confirm');

  // Cancel does nothing.
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(accounts.account('Work')).toBeVisible();

  await accounts.askToRemove('Work');
  await accounts.removeDialog('Work').getByRole('button', { name: 'Remove account' }).click();
  await expect(accounts.removeDialog('Work')).toHaveCount(0);
  await expect(page.getByRole('status').filter({ hasText: 'Work was removed.' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Edit Work' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Edit Home' })).toBeVisible();
  await outbox.open();
  await outbox.waitForState(subject, 'Cancelled');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Drafts' }).click();
  await expect(page.getByText(subject)).toBeVisible();
});

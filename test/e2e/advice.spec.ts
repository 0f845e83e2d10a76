/**
 * Advice that fits the case, where the person sees it: a recipient refused at send time gets
 * Mailwright's own explanation of its enhanced code beside Postfix's words (as a bounce does), the
 * reply printed once; an account saved after a failed check says on the accounts screen what failed.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './fixture';
import { AccountsPage } from './pages/accounts';
import { ComposePage, OutboxPage } from './pages/compose';
import { WizardPage } from './pages/wizard';
import { SCREENSHOT_DIR } from './paths';

async function screenshots(page: Page, name: string) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-${scheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 800, height: 600 });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-800.png`) });
}

test('a recipient refused at send time: "5.1.1", "the mailbox does not exist", beside the server’s words, once', async ({ app }) => {
  test.skip(app.mode !== 'bridge', 'the outbox is the same in both; run once');
  const { page, servers } = app;
  const [alice, bob] = [servers.users[0]!, servers.users[1]!];
  await new WizardPage(page).addAccount(servers, alice, { smtp: 'STARTTLS' });
  const compose = new ComposePage(page);
  const subject = `Refused one ${Date.now()}`;
  const nobody = `nobody-${Date.now()}@${servers.domain}`;
  await compose.open();
  await compose.write({ to: `${bob.address}, ${nobody}`, subject, body: 'One of you will get this.' });
  await compose.send();
  const outbox = new OutboxPage(page);
  await outbox.open();
  await outbox.waitForState(subject, 'Sent to 1 of 2', 30_000);
  const refused = outbox.job(subject).getByRole('listitem', { name: `${nobody}: refused` });
  await expect(refused).toContainText('Reason 5.1.1 (permanent): the mailbox does not exist.');
  await expect(refused.locator('q')).toHaveText(/^550 5\.1\.1 .*nobody-/);
  // Postfix's words appear once in the whole entry.
  const reply = (await refused.locator('q').textContent())!;
  expect((await outbox.job(subject).innerText()).split(reply).length - 1).toBe(1);
  await screenshots(page, 'advice-outbox-refused-recipient');
});

test('an account saved after a failed check says on the accounts screen what failed', async ({ app }) => {
  test.skip(app.mode !== 'bridge', 'the accounts screen is the same in both; run once');
  const { page, servers } = app;
  const alice = servers.users[0]!;
  const wizard = new WizardPage(page);
  await wizard.fill({
    displayName: 'Alice',
    email: alice.address,
    description: 'Work',
    host: servers.host,
    security: 'SSL/TLS',
    port: String(servers.submission.tlsPort),
    username: alice.username,
    password: `${alice.password}-wrong`,
  });
  await wizard.check();
  expect(await wizard.checkResult()).toBe('failed');
  await wizard.saveUnverified();
  const accounts = new AccountsPage(page);
  await accounts.open();
  const problem = page.getByRole('group', { name: 'Work: the last check failed' });
  await expect(problem).toContainText('The last check failed at Outgoing server (SMTP), sign in');
  await expect(problem).toContainText('The server did not accept your username or password.');
  await screenshots(page, 'advice-account-last-check');
});

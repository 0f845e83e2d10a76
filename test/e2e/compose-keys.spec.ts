/**
 * Enter never sends. Last round, typing an address and pressing Enter sent a blank message. Enter in
 * To, Cc, Bcc or Subject moves on to the next field; Ctrl+Enter sends from anywhere, the message
 * editor included, without leaving a line break behind.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { waitForMessage } from '../support/imap-read';
import { expect, test } from './fixture';
import { ComposePage, OutboxPage } from './pages/compose';
import { WizardPage } from './pages/wizard';
import { SCREENSHOT_DIR } from './paths';

test('Enter moves from field to field and never sends; Ctrl+Enter sends from the editor', async ({ app }) => {
  test.skip(app.mode !== 'bridge', 'keyboard in the bridge; the Electron project would drive the same form');
  const { page, servers } = app;
  const [alice, bob] = [servers.users[0]!, servers.users[1]!];
  await new WizardPage(page).addAccount(servers, alice, { smtp: 'STARTTLS' });
  const compose = new ComposePage(page);
  const window = await compose.open();

  const to = window.getByLabel('To', { exact: true });
  await to.fill(bob.address);
  await to.press('Enter');
  await expect(window.getByLabel('Cc', { exact: true })).toBeFocused();
  await window.getByLabel('Cc', { exact: true }).press('Enter');
  await expect(window.getByLabel('Bcc', { exact: true })).toBeFocused();
  await window.getByLabel('Bcc', { exact: true }).press('Enter');
  const subject = `Keys ${Date.now()}`;
  await window.getByLabel('Subject').fill(subject);
  await window.getByLabel('Subject').press('Enter');
  await expect(compose.editor).toBeFocused();
  // Nothing was sent by any of those Enters.
  await expect(compose.undoBanner).toHaveCount(0);
  await expect(compose.form).toBeVisible();
  await expect(to).toHaveValue(bob.address);

  await window.keyboard.type('Sent with the keyboard.');
  await window.keyboard.press('Control+Enter');
  await expect(compose.undoBanner).toBeVisible();
  expect(window.isClosed()).toBe(true);
  const source = await waitForMessage(servers, bob, (s) => s.includes(`Subject: ${subject}`), 20_000);
  expect(source).toContain('Sent with the keyboard.');
  // Ctrl+Enter did not become a line break in the message.
  expect(source).not.toMatch(/Sent with the keyboard\.<br/);
  const outbox = new OutboxPage(page);
  await outbox.open();
  await outbox.waitForState(subject, 'Sent');
});

test('a message refused for one of two recipients is "Sent to 1 of 2" in the colour of a problem, not a green "Sent"', async ({ app }) => {
  test.skip(app.mode !== 'bridge', 'the outbox is the same in both; run once');
  const { page, servers } = app;
  const [alice, bob] = [servers.users[0]!, servers.users[1]!];
  await new WizardPage(page).addAccount(servers, alice, { smtp: 'STARTTLS' });
  const compose = new ComposePage(page);
  await compose.open();
  const subject = `Partly ${Date.now()}`;
  const nobody = `nobody-${Date.now()}@${servers.domain}`;
  await compose.write({ to: `${bob.address}, ${nobody}`, subject, body: 'One of you will get this.' });
  await compose.send();
  const outbox = new OutboxPage(page);
  await outbox.open();
  await outbox.waitForState(subject, 'Sent to 1 of 2', 30_000);
  const row = outbox.job(subject);
  await expect(row.locator('.job__head > .badge').first()).toHaveClass(/badge--failed/);
  await expect(row).toContainText(`Not delivered to:`);
  await expect(row).toContainText(nobody);
  await expect(outbox.summary).toContainText('1 not delivered to everyone');
  // Heard too, not only seen: the outcome is said in a polite live region.
  await expect(page.getByRole('status', { name: 'Outbox news' })).toHaveText(`“${subject}”: Sent to 1 of 2.`);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: join(SCREENSHOT_DIR, `outbox-partly-refused-${scheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 800, height: 600 });
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'outbox-partly-refused-800.png') });
  await waitForMessage(servers, bob, (s) => s.includes(`Subject: ${subject}`), 20_000);
});

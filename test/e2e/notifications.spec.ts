/**
 * Failures are seen where the person is: a message refused for some recipients is notified like a
 * failure and counted in the Outbox tab's badge (apart from those waiting), and clicking a desktop
 * notification opens the message in question in the outbox.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from './fixture';
import { ComposePage, OutboxPage } from './pages/compose';
import { WizardPage } from './pages/wizard';
import { SCREENSHOT_DIR } from './paths';

test('a failure and a partial refusal are notified, counted in the badge apart from a waiting message, and each notification opens its own outbox item', async ({ app }) => {
  test.skip(app.mode !== 'bridge', 'the bridge records notifications and clicks them; a system notification cannot be clicked from a test');
  const { page, servers } = app;
  const [alice, bob] = [servers.users[0]!, servers.users[1]!];
  await new WizardPage(page).addAccount(servers, alice, { smtp: 'STARTTLS' });
  const compose = new ComposePage(page);
  const outbox = new OutboxPage(page);
  const tab = page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: /^Outbox/ });
  const stamp = Date.now().toString(36);
  const nobody = (n: number) => `nobody-${n}-${stamp}@${servers.domain}`;

  // One message waits (scheduled for later).
  await compose.open();
  await compose.write({ to: bob.address, subject: `Later ${stamp}`, body: 'Tomorrow.' });
  await compose.window.getByLabel('Send later').check();
  await compose.window.getByRole('button', { name: /^Schedule for/ }).click();
  await expect(page.getByRole('heading', { name: 'Outbox' })).toBeVisible();
  await expect(tab).toHaveAccessibleName('Outbox (1 waiting)');
  // Away from the Outbox (what it shows counts as seen).
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Mail', exact: true }).click();

  // One refused for one of its two recipients (Postfix: 550 5.1.1 for an unknown local user), one refused outright.
  const partly = `Partly ${stamp}`;
  const failed = `Failed ${stamp}`;
  await compose.open();
  await compose.write({ to: `${bob.address}, ${nobody(1)}`, subject: partly, body: 'One of you will get this.' });
  await compose.send();
  await expect(compose.undoBanner).toBeVisible();
  await compose.open();
  await compose.write({ to: nobody(2), subject: failed, body: 'Nobody will get this.' });
  await compose.send();

  await expect.poll(() => app.notifications.map((n) => n.title).sort(), { timeout: 30_000 }).toEqual(['Message not delivered to everyone', 'Message not sent']);
  const partlyNotice = app.notifications.find((n) => n.title === 'Message not delivered to everyone')!;
  const failedNotice = app.notifications.find((n) => n.title === 'Message not sent')!;
  expect(partlyNotice.body).toBe(`“${partly}” was sent to 1 of 2; the server refused ${nobody(1)}. Click to see why.`);
  expect(failedNotice.body).toContain(`“${failed}” could not be sent`);

  // Not in the Outbox: the badge says two need attention, one waits.
  await expect(tab).toHaveAccessibleName('Outbox (2 need attention, 1 waiting)');
  await expect(tab.locator('.badge--failed')).toHaveText('2 need attention');
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const header = page.locator('.topbar');
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await header.screenshot({ path: join(SCREENSHOT_DIR, `nav-outbox-badge-${scheme}.png`) });
  }
  await page.setViewportSize({ width: 800, height: 600 });
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'nav-outbox-badge-800-dark.png') });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'nav-outbox-badge-800.png') });

  // Clicking the failure's notification opens the outbox with that message selected, in view and focused.
  app.clickNotification(failedNotice);
  await expect(page.getByRole('heading', { name: 'Outbox' })).toBeVisible();
  await expect(outbox.job(failed)).toHaveAttribute('aria-current', 'true');
  await expect(outbox.job(failed)).toBeFocused();
  await expect(outbox.job(failed)).toBeInViewport();
  await expect(outbox.job(partly)).not.toHaveAttribute('aria-current', 'true');
  // Seen in the outbox, the partly refused message no longer counts; the failed one does until the person decides.
  await expect(tab).toHaveAccessibleName('Outbox (1 needs attention, 1 waiting)');

  // The partial refusal's notification opens that message, scrolled into view in a small window.
  await compose.open();
  app.clickNotification(partlyNotice);
  await expect(outbox.job(partly)).toHaveAttribute('aria-current', 'true');
  await expect(outbox.job(partly)).toBeFocused();
  await expect(outbox.job(partly)).toBeInViewport();
  await expect(outbox.job(failed)).not.toHaveAttribute('aria-current', 'true');
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'outbox-opened-from-notification-800.png') });

  // Cancelling the failed message is the decision: nothing needs attention any more.
  await outbox.job(failed).getByRole('button', { name: 'Cancel' }).click();
  await expect(tab).toHaveAccessibleName('Outbox (1 waiting)');
});

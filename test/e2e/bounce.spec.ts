import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from './fixture';
import { ComposePage, OutboxPage } from './pages/compose';
import { WizardPage } from './pages/wizard';
import { SCREENSHOT_DIR } from './paths';

// The whole path of a bounce: a message written in the UI goes out through Postfix, which accepts
// it and then fails to deliver it to the bounce domain; Postfix's delivery status notification
// lands in the sender's inbox, Mailwright sees it over IMAP (IDLE), parses it, links it to the sent
// message and shows the refused recipient, with the reason, on that message in the outbox.
test('a bounce for a message sent from the UI shows up on that message', async ({ app }, testInfo) => {
  const { page, servers } = app;
  const [alice, bob] = servers.users as [(typeof servers.users)[0], (typeof servers.users)[0]];
  mkdirSync(SCREENSHOT_DIR, { recursive: true });

  await new WizardPage(page).addAccount(servers, alice, { smtp: 'SSL/TLS', incoming: { protocol: 'IMAP', security: 'STARTTLS' } });

  const compose = new ComposePage(page);
  await compose.open();
  const nobody = `nobody@${servers.bounceDomain}`;
  const subject = `Will bounce ${Date.now().toString(36)}`;
  await compose.write({ to: `${bob.address}, ${nobody}`, subject, body: 'One of these two addresses does not exist.' }, { plain: true });
  await compose.send();

  const outbox = new OutboxPage(page);
  await outbox.open();
  // Postfix accepted both recipients: the message is sent, with no refusal at the time.
  await outbox.waitForState(subject, 'Sent');
  await expect(outbox.job(subject)).not.toContainText('Not delivered to');

  // Then the bounce arrives and is linked to this message, for this recipient only.
  const report = outbox.report(subject, nobody);
  await expect(report).toContainText('Bounced', { timeout: 20_000 });
  await expect(report).toContainText('Reason 5.1.1 (permanent): the mailbox does not exist.');
  await expect(report).toContainText('The email account that you tried to reach does not exist');
  await expect(outbox.job(subject)).toHaveAccessibleName(new RegExp(`${subject}: Sent, bounced for 1 of 2 recipients`));
  await expect(outbox.report(subject, bob.address)).toHaveCount(0);
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${testInfo.project.name}-bounce.png`), fullPage: true });

  // The bounce was notified like a failure; clicking the notification opens the sent message it is about.
  if (app.mode === 'bridge') {
    await expect.poll(() => app.notifications.map((n) => n.title)).toContain('Message bounced');
    const bounced = app.notifications.find((n) => n.title === 'Message bounced')!;
    expect(bounced.body).toBe(`“${subject}” could not be delivered to ${nobody}. Click to see the report.`);
    await compose.open();
    app.clickNotification(bounced);
    await expect(outbox.job(subject)).toHaveAttribute('aria-current', 'true');
    await expect(outbox.job(subject)).toBeFocused();
  }

  // Reloading the app (a restart of the renderer) keeps it: the report is stored with the message.
  await page.reload();
  await outbox.open();
  await expect(outbox.report(subject, nobody)).toContainText('Bounced');
});

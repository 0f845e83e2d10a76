import { randomBytes } from 'node:crypto';
import type { AppCommand } from '../../shared/channels';
import { fillMaildir } from '../support/maildir';
import type { MailUser } from '../support/mail-servers';
import { expect, test, type LaunchedApp } from './fixture';
import { ComposePage } from './pages/compose';
import { MailboxPage } from './pages/mailbox';
import { WizardPage } from './pages/wizard';

/**
 * The application menu's commands as the window receives them: the 'app:command' push event that
 * src-main/electron/menu.ts sends when an item is chosen. (The menu itself is checked by
 * test/unit/app-menu.test.ts; choosing an item needs a real Electron.)
 */
async function choose(app: LaunchedApp, command: AppCommand) {
  await app.page.evaluate(
    (c) => (window as unknown as { __mailwrightEmit: (e: string, p: unknown) => void }).__mailwrightEmit('app:command', { command: c }),
    command,
  );
}

test('menu commands act in the window: Check Mail, Reply, Send and New Message press what the person would', async ({ app }) => {
  test.skip(app.mode === 'electron', 'the bridge pushes the event; under Electron the menu sends it');
  const { page, servers } = app;
  const [alice, bob] = servers.users as [MailUser, MailUser];
  const subject = `Menu ${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  await fillMaildir(servers, alice, {
    folder: 'INBOX',
    count: 1,
    make: () =>
      [`From: Bob <${bob.address}>`, `To: Alice <${alice.address}>`, `Subject: ${subject}`, `Date: ${new Date().toUTCString()}`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', 'Lunch?', ''].join('\r\n'),
  });
  await new WizardPage(page).addAccount(servers, alice, { smtp: 'STARTTLS', incoming: { protocol: 'IMAP', security: 'SSL/TLS' } });
  const compose = new ComposePage(page);
  await expect(compose.form).toBeVisible();

  // Reply has no message to answer in Compose: nothing happens.
  await choose(app, 'reply');
  await expect(page.getByLabel('Subject')).toHaveValue('');

  // Check Mail from Compose: the Mail view, and its check runs.
  await choose(app, 'check-mail');
  const mailbox = new MailboxPage(page);
  await expect(mailbox.view).toBeVisible();
  await expect(page.getByRole('status', { name: 'Check mail result' })).toHaveText(/new message/);

  await mailbox.openMessage(subject);
  await choose(app, 'reply');
  await expect(compose.form).toBeVisible();
  await expect(page.getByLabel('Subject')).toHaveValue(`Re: ${subject}`);

  await choose(app, 'send');
  await expect(compose.undoBanner).toContainText(`Re: ${subject}`);

  // New Message from another view: a fresh compose.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: /^Outbox/ }).click();
  await expect(compose.form).toBeHidden();
  await choose(app, 'new-message');
  await expect(compose.form).toBeVisible();
  await expect(page.getByLabel('Subject')).toHaveValue('');
});

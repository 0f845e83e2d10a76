import { randomBytes } from 'node:crypto';
import type { AppCommand } from '../../shared/channels';
import { fillMaildir } from '../support/maildir';
import type { MailUser } from '../support/mail-servers';
import type { Page } from '@playwright/test';
import { expect, test, type LaunchedApp } from './fixture';
import { ComposePage } from './pages/compose';
import { MailboxPage } from './pages/mailbox';
import { WizardPage } from './pages/wizard';

/**
 * The application menu's commands as the window receives them: the 'app:command' push event that
 * src-main/electron/menu.ts sends when an item is chosen. (The menu itself is checked by
 * test/unit/app-menu.test.ts; choosing an item needs a real Electron.)
 */
async function choose(app: LaunchedApp, command: AppCommand, focused: Page = app.page) {
  // The menu tells the focused window: the main one, or a compose window.
  await focused.evaluate(
    (c) => (window as unknown as { __mailwrightEmit: (e: string, p: unknown) => void }).__mailwrightEmit('app:command', { command: c }),
    command,
  );
}

test('menu commands act in the window: Check Mail, Reply, Send and New Message press what the person would', async ({ app }) => {
  test.skip(app.mode === 'electron', 'the bridge pushes the event; under Electron the menu sends it');
  // An account, a check of the mailbox and two compose windows: near a minute on a loaded machine.
  test.slow();
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
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Drafts' }).click();

  // Reply has no message to answer in Drafts: nothing happens (no compose window opens).
  await choose(app, 'reply');
  await page.waitForTimeout(300);
  expect(compose.openWindows()).toEqual([]);

  // Check Mail from Drafts: the Mail view, and its check runs.
  await choose(app, 'check-mail');
  const mailbox = new MailboxPage(page);
  await expect(mailbox.view).toBeVisible();
  await expect(page.getByRole('status', { name: 'Check mail result' })).toHaveText(/new message/);

  await mailbox.openMessage(subject);
  await choose(app, 'reply');
  const reply = await compose.attach();
  await expect(compose.field('Subject')).toHaveValue(`Re: ${subject}`);
  // The editor has the quote (and its own text of the body, with a blank line after "… wrote:").
  await expect(compose.editor).toContainText('Lunch?');

  // Send, chosen while the reply's window has focus, sends it (the window closes; Undo shows in the main window).
  await choose(app, 'send', reply);
  // The reply has no words of its own yet: asked once, as the Send button would.
  await compose.question.getByRole('button', { name: 'Send anyway' }).click();
  await expect(compose.undoBanner).toContainText(`Re: ${subject}`);
  await expect.poll(() => reply.isClosed()).toBe(true);

  // New Message from another view: a fresh compose window.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: /^Outbox/ }).click();
  await choose(app, 'new-message');
  await compose.attach();
  await expect(compose.field('Subject')).toHaveValue('');
});

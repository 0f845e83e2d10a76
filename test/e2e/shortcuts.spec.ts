/**
 * Shortcuts for the core actions, handled by the window itself (the bridge has no menu; in the app
 * the menu shows the same keys, test/unit/app-menu.test.ts): search, next/previous message, delete
 * (never while typing), the outbox.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fillMaildir } from '../support/maildir';
import type { MailUser } from '../support/mail-servers';
import { expect, test } from './fixture';
import { MailboxPage } from './pages/mailbox';
import { WizardPage } from './pages/wizard';
import { SCREENSHOT_DIR } from './paths';

test('Ctrl+K searches, Ctrl+] and Ctrl+[ open the next and previous message, Delete deletes it outside text fields, Ctrl+Shift+O shows the outbox', async ({ app }) => {
  test.skip(app.mode !== 'bridge', 'keys through the bridge; the Electron project would send the same keys');
  const { page, servers } = app;
  const [alice, bob] = servers.users as [MailUser, MailUser];
  const tag = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const subjects = ['One', 'Two', 'Three'].map((s) => `${s} ${tag}`);
  let n = 0;
  await fillMaildir(servers, alice, {
    folder: 'INBOX',
    count: subjects.length,
    make: () => {
      const subject = subjects[n]!;
      const date = new Date(Date.now() - (3 - n++) * 3600_000).toUTCString();
      return [`From: Bob <${bob.address}>`, `To: Alice <${alice.address}>`, `Subject: ${subject}`, `Date: ${date}`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', 'Hello', ''].join('\r\n');
    },
  });
  await fillMaildir(servers, alice, { folder: 'Trash', count: 0 });
  await new WizardPage(page).addAccount(servers, alice, { smtp: 'STARTTLS', incoming: { protocol: 'IMAP', security: 'SSL/TLS' } });
  const mailbox = new MailboxPage(page);

  // Search from another view: the Mail view, its search field focused.
  await page.keyboard.press('Control+K');
  await expect(mailbox.view).toBeVisible();
  await expect(page.getByLabel('Search', { exact: true })).toBeFocused();
  // (Other tests may have left mail in this inbox: search narrows the list to this test's messages.)
  await page.keyboard.type(tag);
  await page.keyboard.press('Enter');
  await expect(page.getByText('3 matches')).toBeVisible();
  await expect(mailbox.rows).toHaveCount(3);
  // The list's order (newest first), as shown.
  const texts = await Promise.all([0, 1, 2].map(async (i) => (await mailbox.rows.nth(i).textContent()) ?? ''));
  const shown = texts.map((text) => subjects.find((s) => text.includes(s))!);
  expect(new Set(shown).size).toBe(3);

  // Next and previous message, even with focus in the search field.
  const heading = mailbox.message.getByRole('heading', { level: 2 });
  await page.keyboard.press('Control+]');
  await expect(heading).toHaveText(shown[0]!);
  await page.keyboard.press('Control+]');
  await expect(heading).toHaveText(shown[1]!);
  await page.keyboard.press('Control+[');
  await expect(heading).toHaveText(shown[0]!);
  await page.keyboard.press('Control+]');
  await expect(heading).toHaveText(shown[1]!);

  // The Mail view with its Previous/Next message buttons.
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: join(SCREENSHOT_DIR, `mail-next-previous-${scheme}.png`) });
  }
  await page.setViewportSize({ width: 800, height: 600 });
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'mail-next-previous-800-dark.png') });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'mail-next-previous-800.png') });
  // Back to a wide window: at 800 px the Mail view shows one pane at a time (the open message, not the search field).
  await page.setViewportSize({ width: 1100, height: 860 });

  // Delete while typing in a field edits the text, and deletes no message.
  const search = page.getByLabel('Search', { exact: true });
  await search.press('Home');
  await search.press('Delete');
  await expect(search).toHaveValue(tag.slice(1));
  await expect(heading).toHaveText(shown[1]!);
  // Outside a text field, Delete deletes the open message (to the Trash).
  await mailbox.grid.focus();
  await page.keyboard.press('Delete');
  await expect(page.getByText('Moved to the Trash.')).toBeVisible();
  await expect(mailbox.row(shown[1]!)).toHaveCount(0);
  await expect(mailbox.rows).toHaveCount(2);

  await page.keyboard.press('Control+Shift+O');
  await expect(page.getByRole('heading', { name: 'Outbox' })).toBeVisible();
});

/**
 * Compose is its own window (a page of its own in the bridge): several at once, each with its draft; Escape
 * closes one and keeps its draft; a message that may not be ready (no subject, a mentioned attachment that is
 * missing) is asked about once; an address field's error follows what is typed now.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { waitForMessage } from '../support/imap-read';
import { expect, test } from './fixture';
import { ComposePage, OutboxPage } from './pages/compose';
import { WizardPage } from './pages/wizard';
import { SCREENSHOT_DIR } from './paths';

async function shoot(window: Page, name: string) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  for (const scheme of ['light', 'dark'] as const) {
    await window.emulateMedia({ colorScheme: scheme });
    await window.screenshot({ path: join(SCREENSHOT_DIR, `${name}-${scheme}.png`) });
  }
  await window.emulateMedia({ colorScheme: 'light' });
  const size = window.viewportSize();
  await window.setViewportSize({ width: 800, height: 600 });
  await window.screenshot({ path: join(SCREENSHOT_DIR, `${name}-800x600.png`) });
  if (size) await window.setViewportSize(size);
}

test('two compose windows at once, each keeping its own draft; Escape closes one and its draft is in Drafts', async ({ app }) => {
  test.skip(app.mode !== 'bridge', 'pages of the bridge; Electron opens windows the same way');
  const { page, servers } = app;
  await new WizardPage(page).addAccount(servers, servers.users[0]!, { smtp: 'STARTTLS' });
  // After the account, the main window shows Mail; there is no compose view in it.
  await expect(page.getByRole('form', { name: 'New message' })).toHaveCount(0);

  const first = new ComposePage(page);
  const one = await first.open();
  // A new message: the cursor starts in To.
  await expect(first.field('To')).toBeFocused();
  await first.write({ to: servers.users[1]!.address, subject: 'First window', body: 'Written in the first window.' });
  const second = new ComposePage(page);
  const two = await second.open();
  expect(two).not.toBe(one);
  await second.write({ to: 'carol@example.org', subject: 'Second window', body: 'Written in the second window.' });
  // The window is named after its subject.
  await expect(two).toHaveTitle('Second window');
  await expect(two.getByRole('heading', { level: 1 })).toHaveText('Second window');

  // Each window kept its own message, and each saved its own draft.
  expect(await first.values()).toEqual({ to: servers.users[1]!.address, cc: '', bcc: '', subject: 'First window', body: 'Written in the first window.' });
  expect(await second.values()).toEqual({ to: 'carol@example.org', cc: '', bcc: '', subject: 'Second window', body: 'Written in the second window.' });
  await expect(one.getByRole('status', { name: 'Draft' })).toContainText('Draft saved');
  await expect(two.getByRole('status', { name: 'Draft' })).toContainText('Draft saved');
  await shoot(two, 'compose-window');

  // Escape closes the second window at once (no wait for autosave): what was typed last is in the draft.
  await second.field('Subject').fill('Second window, last words');
  await two.keyboard.press('Escape');
  await expect.poll(() => two.isClosed()).toBe(true);
  expect(one.isClosed()).toBe(false);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Drafts' }).click();
  await expect(page.getByRole('listitem', { name: 'Second window, last words' })).toContainText('To carol@example.org');
  await expect(page.getByRole('listitem', { name: 'First window' })).toBeVisible();

  // Opened again from Drafts, it comes back in a window of its own.
  await page.getByRole('listitem', { name: 'Second window, last words' }).getByRole('button', { name: 'Open' }).click();
  const again = new ComposePage(page);
  await again.attach();
  expect(await again.values()).toEqual({ to: 'carol@example.org', cc: '', bcc: '', subject: 'Second window, last words', body: 'Written in the second window.' });
});

test('Escape with the cursor in the message closes the window and keeps the draft; in the link form it only closes the form', async ({ app }) => {
  const { page, servers } = app;
  await new WizardPage(page).addAccount(servers, servers.users[0]!, { smtp: 'STARTTLS' });
  const compose = new ComposePage(page);
  const window = await compose.open();
  const subject = `Escape from the editor ${Date.now()}`;
  await compose.field('Subject').fill(subject);
  await compose.editor.click();
  await window.keyboard.type('Typed last, in the message');

  // The link form has its own Escape: the form closes, the window stays.
  await window.getByRole('button', { name: 'Link' }).click();
  const linkAddress = window.getByLabel('Link address');
  await expect(linkAddress).toBeFocused();
  await window.keyboard.press('Escape');
  await expect(linkAddress).toHaveCount(0);
  expect(window.isClosed()).toBe(false);

  // In the message itself (where the editor marks Escape as handled), Escape still closes the window.
  await compose.editor.click();
  await compose.closeWithEscape();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Drafts' }).click();
  await page.getByRole('listitem', { name: subject }).getByRole('button', { name: 'Open' }).click();
  const again = new ComposePage(page);
  await again.attach();
  expect((await again.values()).body).toBe('Typed last, in the message');
});

test('an empty subject is asked about once, and "Send anyway" sends it', async ({ app }) => {
  const { page, servers } = app;
  const [alice, bob] = [servers.users[0]!, servers.users[1]!];
  await new WizardPage(page).addAccount(servers, alice, { smtp: 'STARTTLS' });
  const compose = new ComposePage(page);
  const window = await compose.open();
  const tag = `no-subject-${Date.now()}`;
  await compose.write({ to: bob.address, subject: '', body: `Forgot the subject ${tag}` });
  await compose.send();
  const question = compose.question;
  await expect(question.getByRole('heading', { name: 'Send without a subject?' })).toBeVisible();
  await expect(question).toHaveCount(1);
  await shoot(window, 'compose-ask-once');

  // Escape in the question goes back to the message (the window stays), and nothing was queued.
  await window.keyboard.press('Escape');
  await expect(question).toHaveCount(0);
  expect(window.isClosed()).toBe(false);
  await expect(compose.undoBanner).toHaveCount(0);

  // Asked again on the next Send (once per Send), and "Send anyway" sends it.
  await compose.send();
  await question.getByRole('button', { name: 'Send anyway' }).click();
  await expect(compose.undoBanner).toContainText('(no subject)');
  await expect.poll(() => window.isClosed()).toBe(true);
  const source = await waitForMessage(servers, bob, (s) => s.includes(tag), 20_000);
  expect(source).toContain(`Forgot the subject ${tag}`);
});

test('a message that says "attached" with nothing attached is asked about; "Go back" keeps it to attach the file', async ({ app }) => {
  test.skip(app.mode !== 'bridge', 'the file dialog is scripted through the bridge');
  const { page, servers } = app;
  const bob = servers.users[1]!;
  await new WizardPage(page).addAccount(servers, servers.users[0]!, { smtp: 'STARTTLS' });
  const compose = new ComposePage(page);
  const window = await compose.open();
  const subject = `Report ${Date.now()}`;
  await compose.write({ to: bob.address, subject, body: 'The report is attached.' });
  await compose.send();
  await expect(compose.question.getByRole('heading', { name: 'Send without an attachment?' })).toBeVisible();
  await expect(compose.question).toContainText('mentions an attachment, but no file is attached');
  await compose.question.getByRole('button', { name: 'Go back' }).click();
  await expect(compose.question).toHaveCount(0);
  await expect(compose.undoBanner).toHaveCount(0);

  // With the file attached, Send asks nothing.
  app.chooseFiles([join(import.meta.dirname, '..', '..', 'package.json')]);
  await window.getByRole('button', { name: 'Attach files…' }).click();
  await expect(window.getByRole('region', { name: 'Attachments' })).toContainText('package.json');
  await compose.send();
  await expect(compose.undoBanner).toContainText(subject);
  await expect.poll(() => window.isClosed()).toBe(true);
  await new OutboxPage(page).open();
  await new OutboxPage(page).waitForState(subject, 'Sent');
});

test("an address field's error follows what is typed now, not the last Send", async ({ app }) => {
  const { page, servers } = app;
  await new WizardPage(page).addAccount(servers, servers.users[0]!, { smtp: 'STARTTLS' });
  const compose = new ComposePage(page);
  await compose.open();
  const to = compose.field('To');
  // Before any Send, typing is not interrupted by errors.
  await to.fill('bob@');
  await expect(to).not.toHaveAttribute('aria-invalid', 'true');
  await compose.field('Subject').fill('Errors that follow the typing');
  await compose.send();
  await expect(to).toHaveAttribute('aria-invalid', 'true');
  // Fixed as the person types: the error goes without another Send.
  await to.fill(servers.users[1]!.address);
  await expect(to).not.toHaveAttribute('aria-invalid', 'true');
  await expect(to).toHaveAccessibleDescription(`Delivered to: ${servers.users[1]!.address}`);
  // And comes back as soon as what is typed is wrong again; an empty To says a recipient is needed.
  await to.fill('bob@@example.org');
  await expect(to).toHaveAttribute('aria-invalid', 'true');
  await to.fill('');
  await expect(to).toHaveAccessibleDescription('Add at least one recipient.');
  await expect(compose.undoBanner).toHaveCount(0);
});

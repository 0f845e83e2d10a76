/**
 * Accessibility on every screen, light and dark: axe-core finds no serious or critical violation;
 * every screen change moves focus to the new screen's heading and is announced; the mail view fits
 * the window down to its minimum size (720x520) and at 800x600.
 */
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { fillMaildir } from '../support/maildir';
import type { MailServers, MailUser } from '../support/mail-servers';
import { expect, test, type LaunchedApp } from './fixture';
import { ComposePage, OutboxPage } from './pages/compose';
import { MailboxPage } from './pages/mailbox';
import { MergePage } from './pages/merge';
import { WizardPage } from './pages/wizard';
import { audit } from './axe-audit';
import { SCREENSHOT_DIR } from './paths';


const nav = (page: Page, name: string | RegExp) => page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name });

function rfc822(headers: Record<string, string>, body: string): string {
  return `${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n')}\r\nMIME-Version: 1.0\r\n\r\n${body}`;
}

/**
 * A few messages in Alice's inbox: plain text, and HTML with a link (for the link dialog). Subjects
 * end with `tag`: the servers (and so the inbox) are shared by the tests of a worker.
 */
async function deliverSome(servers: MailServers, user: MailUser, tag: string, count = 3) {
  await fillMaildir(servers, user, {
    folder: 'INBOX',
    count,
    make: (i) =>
      i === count - 1
        ? rfc822(
            { From: 'Bank <notice@bank.example>', To: user.address, Subject: `A link to follow ${tag}`, Date: new Date().toUTCString(), 'Content-Type': 'text/html; charset=utf-8' },
            '<p>Please <a id="go" href="https://bank.example/login">sign in to your bank</a>.</p>',
          )
        : rfc822(
            { From: `Friend ${i} <friend${i}@example.com>`, To: user.address, Subject: `Hello number ${i} ${tag}`, Date: new Date().toUTCString(), 'Content-Type': 'text/plain; charset=utf-8' },
            `Line one of message ${i}.\r\nLine two.`,
          ),
  });
}

async function addImapAccount(app: LaunchedApp) {
  const alice = app.servers.users[0]!;
  await new WizardPage(app.page).addAccount(app.servers, alice, { smtp: 'STARTTLS', incoming: { protocol: 'IMAP', security: 'SSL/TLS' } });
}

test('the first-start wizard and a failed check have no serious accessibility problems, light and dark', async ({ app }, testInfo) => {
  test.skip(app.mode !== 'bridge', 'the same renderer in both; run once');
  test.setTimeout(150_000);
  const { page, servers } = app;
  const alice = servers.users[0]!;
  const found: string[] = [];
  const wizard = new WizardPage(page);
  await expect(page.getByRole('heading', { name: 'Add an outgoing mail account', level: 1 })).toBeVisible();
  await audit(page, 'wizard-start', found, testInfo);

  await wizard.fillDetails({ displayName: 'Alice', email: alice.address, password: 'not her password' });
  await wizard.setUpManually();
  await wizard.fillServer({ host: servers.host, security: 'STARTTLS', port: String(servers.submission.starttlsPort), username: alice.username });
  await audit(page, 'wizard-settings', found, testInfo);
  await wizard.check();
  expect(await wizard.checkResult()).toBe('failed');
  await audit(page, 'wizard-failed-check', found, testInfo);
  expect(found, found.join('\n')).toEqual([]);
});

test('every screen with an account (ready, compose and its question, outbox, drafts, accounts, mail, a message, the link dialog) passes axe, light and dark', async ({ app }, testInfo) => {
  test.skip(app.mode !== 'bridge', 'the same renderer in both; run once');
  // Eleven screens, each checked twice by axe and resized twice: minutes on a busy 2-core machine.
  test.setTimeout(600_000);
  const { page, servers } = app;
  const [alice, bob] = [servers.users[0]!, servers.users[1]!];
  const found: string[] = [];
  const tag = String(Date.now());
  await deliverSome(servers, alice, tag);
  await addImapAccount(app);

  // The account is ready: its own screen, with Write a message.
  await expect(page.getByRole('heading', { name: `${alice.address} is ready`, level: 1 })).toBeVisible();
  await audit(page, 'account-ready', found, testInfo);

  // A compose window, and the question it asks once (no subject).
  const compose = new ComposePage(page);
  const composeWindow = await compose.open();
  await audit(composeWindow, 'compose', found, testInfo);
  await compose.field('To').fill(bob.address);
  await compose.editor.click();
  await composeWindow.keyboard.type('No subject on purpose.');
  await compose.send();
  await expect(compose.question).toBeVisible();
  await audit(composeWindow, 'compose-question', found, testInfo);
  await compose.question.getByRole('button', { name: 'Go back' }).click();
  await compose.closeWithEscape();

  // An outbox with a message sent, one refused for one of two recipients, and one refused outright.
  const t = Date.now();
  const sent = `Sent ${t}`;
  const partly = `Partly ${t}`;
  const refused = `Refused ${t}`;
  const nobody = (n: number) => `nobody-${n}-${t}@${servers.domain}`;
  for (const [to, subject] of [
    [bob.address, sent],
    [`${bob.address}, ${nobody(1)}`, partly],
    [nobody(2), refused],
  ] as const) {
    await compose.open();
    await compose.write({ to, subject, body: 'Checked for accessibility.' });
    await compose.send();
    await expect(compose.undoBanner).toBeVisible();
  }
  const outbox = new OutboxPage(page);
  await outbox.open();
  await outbox.waitForState(sent, 'Sent', 30_000);
  await outbox.waitForState(partly, 'Sent to 1 of 2', 30_000);
  await expect(outbox.job(refused).locator('.job__head > .badge').first()).toHaveText(/Not sent/, { timeout: 30_000 });
  await audit(page, 'outbox', found, testInfo);

  // A draft, saved as the person types.
  const draftWindow = await compose.open();
  await draftWindow.getByLabel('Subject').fill(`Unfinished ${t}`);
  await compose.editor.click();
  await draftWindow.keyboard.type('Half a thought');
  await expect(draftWindow.getByRole('status', { name: 'Draft' })).toContainText('Draft saved');
  await compose.closeWithEscape();
  await nav(page, 'Drafts').click();
  await expect(page.getByRole('heading', { name: 'Drafts', level: 1 })).toBeVisible();
  await expect(page.getByText(`Unfinished ${t}`)).toBeVisible({ timeout: 10_000 });
  await audit(page, 'drafts', found, testInfo);

  await nav(page, 'Accounts').click();
  await expect(page.getByRole('heading', { name: 'Accounts', level: 1 })).toBeVisible();
  await audit(page, 'accounts', found, testInfo);
  await page.getByRole('button', { name: 'Edit Work' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await audit(page, 'account-edit', found, testInfo);

  const mailbox = new MailboxPage(page);
  await mailbox.open();
  await expect(mailbox.row(`Hello number 0 ${tag}`)).toBeVisible();
  await audit(page, 'mail', found, testInfo);
  await mailbox.openMessage(`Hello number 1 ${tag}`);
  await audit(page, 'mail-message', found, testInfo);
  await mailbox.openMessage(`A link to follow ${tag}`);
  await mailbox.frame.locator('#go').click();
  await expect(mailbox.linkDialog).toBeVisible();
  await audit(page, 'mail-link-dialog', found, testInfo);

  expect(found, found.join('\n')).toEqual([]);
});

test('the mail merge steps (data with a row left out, preview of a row, send) pass axe, light and dark', async ({ app }, testInfo) => {
  test.skip(app.mode !== 'bridge', 'the same renderer in both; run once');
  test.setTimeout(300_000);
  const { page, servers } = app;
  const [alice, bob] = [servers.users[0]!, servers.users[1]!];
  const found: string[] = [];
  await addImapAccount(app);
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  // Mail merge: the data with a row left out, then the preview of a row, and the send step.
  const merge = new MergePage(page);
  await merge.open();
  await merge.paste(`Name\tEmail\nBob\t${bob.address}\nAlice\t${alice.address}\nNobody\tnot-an-address\n`);
  await expect(merge.count).toHaveText('2 rows will be sent · 1 left out');
  await audit(page, 'merge-data', found, testInfo);
  await page.getByRole('button', { name: 'Next: message' }).click();
  await page.getByLabel('Subject').fill('Hello {{Name}}');
  await page.getByRole('button', { name: 'Next: preview' }).click();
  await expect(merge.position).toHaveText('Row 1 of 2 (line 2 in the file)');
  await audit(page, 'merge-preview', found, testInfo);
  await merge.goTo('Send');
  await expect(page.getByRole('button', { name: /^Send the first/ })).toBeVisible();
  await audit(page, 'merge-send', found, testInfo);

  expect(found, found.join('\n')).toEqual([]);
});

test('every screen change puts focus on the new screen heading and announces it', async ({ app }) => {
  test.skip(app.mode !== 'bridge', 'the same renderer in both; run once');
  const { page } = app;
  await addImapAccount(app);
  const announcer = page.getByRole('status', { name: 'Screen' });
  for (const [button, heading] of [
    ['Outbox', 'Outbox'],
    ['Drafts', 'Drafts'],
    ['Accounts', 'Accounts'],
    ['Mail', 'Mail'],
  ] as const) {
    await nav(page, button === 'Outbox' ? /^Outbox/ : new RegExp(`^${button}$`)).click();
    const h1 = page.getByRole('heading', { level: 1 });
    await expect(h1).toHaveCount(1);
    await expect(h1).toHaveText(heading);
    await expect(h1).toBeFocused();
    await expect(announcer).toHaveText(heading);
  }
  // The wizard (from Accounts) is a screen too.
  await nav(page, 'Accounts').click();
  await page.getByRole('button', { name: 'Edit Work' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toBeFocused();
});

test('the mail view fits a small window: one pane at a time with "Back to list" at 720x520 and 800x600, nothing cut off', async ({ app }, testInfo) => {
  test.skip(app.mode !== 'bridge', 'the same renderer in both; run once');
  const { page, servers } = app;
  const tag = String(Date.now());
  await deliverSome(servers, servers.users[0]!, tag);
  await addImapAccount(app);
  const mailbox = new MailboxPage(page);
  await mailbox.open();
  await expect(mailbox.row(`Hello number 0 ${tag}`)).toBeVisible();

  // Wide: folders, list and message side by side.
  await mailbox.openMessage(`Hello number 0 ${tag}`);
  await expect(mailbox.folders).toBeInViewport();
  await expect(mailbox.grid).toBeInViewport();
  await expect(mailbox.message).toBeInViewport();
  await expect(page.getByRole('button', { name: 'Back to list' })).toBeHidden();

  const noSideways = () => page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
  for (const size of [
    { width: 720, height: 520 },
    { width: 800, height: 600 },
  ]) {
    await page.setViewportSize(size);
    // The message stays open: shown alone, with the way back.
    await expect(mailbox.message).toBeInViewport();
    await expect(mailbox.grid).toBeHidden();
    expect(await noSideways(), `${size.width}x${size.height} message: no horizontal scrolling`).toBe(true);
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${testInfo.project.name}-a11y-mail-small-message-${size.width}x${size.height}.png`) });
    await page.getByRole('button', { name: 'Back to list' }).click();
    await expect(mailbox.grid).toBeInViewport();
    await expect(mailbox.message).toBeHidden();
    await expect(mailbox.grid).toBeFocused();
    expect(await noSideways(), `${size.width}x${size.height} list: no horizontal scrolling`).toBe(true);
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${testInfo.project.name}-a11y-mail-small-list-${size.width}x${size.height}.png`) });
    // The folders are still reachable.
    await expect(mailbox.folder('Inbox')).toBeVisible();
    await mailbox.openMessage(`Hello number 1 ${tag}`);
    await expect(mailbox.message).toBeInViewport();
  }

  // Medium: the list and the message, side by side.
  await page.setViewportSize({ width: 960, height: 700 });
  await expect(mailbox.grid).toBeInViewport();
  await expect(mailbox.message).toBeInViewport();
  await expect(page.getByRole('button', { name: 'Back to list' })).toBeHidden();
  expect(await noSideways()).toBe(true);
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${testInfo.project.name}-a11y-mail-medium-960x700.png`) });
});

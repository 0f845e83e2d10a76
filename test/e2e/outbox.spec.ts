import { mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { waitForMessage } from '../support/imap-read';
import { expect, test, type LaunchedApp } from './fixture';
import { ComposePage, OutboxPage } from './pages/compose';
import { WizardPage } from './pages/wizard';
import { SCREENSHOT_DIR } from './paths';

/** An account on the test Postfix (STARTTLS), checked and saved through the wizard. */
async function addPostfixAccount(app: LaunchedApp) {
  const alice = app.servers.users[0]!;
  const wizard = new WizardPage(app.page);
  await wizard.fill({
    displayName: 'Alice',
    email: alice.address,
    host: app.servers.host,
    security: 'STARTTLS',
    port: String(app.servers.submission.starttlsPort),
    username: alice.username,
    password: alice.password,
  });
  await wizard.check();
  expect(await wizard.checkResult()).toBe('passed');
  await wizard.save();
}

test('a formatted message with an attachment goes through the outbox and arrives part by part', async ({ app }, testInfo) => {
  test.skip(app.mode !== 'bridge', 'the file dialog is scripted through the bridge');
  const { page, servers } = app;
  const bob = servers.users[1]!;
  const dir = mkdtempSync(join(tmpdir(), 'mailwright-e2e-attach-'));
  try {
    const file = join(dir, 'Übersicht Q3.txt');
    writeFileSync(file, 'Zahlen und Fakten — ünïcödé\n'.repeat(200));
    await addPostfixAccount(app);

    const compose = new ComposePage(page);
    const w = await compose.open();
    const subject = `Formatted ${Date.now()}`;
    await w.getByLabel('To', { exact: true }).fill(`Bob Example <${bob.address}>`);
    await expect(w.getByText(`Delivered to: ${bob.address}`)).toBeVisible();
    await w.getByLabel('Subject').fill(subject);
    await compose.editor.click();
    await w.keyboard.type('Hello ');
    await w.getByRole('button', { name: 'Bold' }).click();
    await w.keyboard.type('important');
    await w.getByRole('button', { name: 'Bold' }).click();
    await w.keyboard.type(' news.');
    await w.keyboard.press('Enter');
    await w.getByRole('button', { name: 'Bulleted list' }).click();
    await w.keyboard.type('first point');
    await w.keyboard.press('Enter');
    await w.keyboard.type('second point');

    app.chooseFiles([file]);
    await w.getByRole('button', { name: 'Attach files…' }).click();
    const attachments = w.getByRole('region', { name: 'Attachments' });
    await expect(attachments).toContainText('Übersicht Q3.txt');
    await expect(attachments).toContainText('KB');
    await w.screenshot({ path: join(SCREENSHOT_DIR, `${testInfo.project.name}-compose-rich.png`), fullPage: true });
    await compose.send();

    await expect(compose.undoBanner).toBeVisible();
    const outbox = new OutboxPage(page);
    await outbox.open();
    await outbox.waitForState(subject, 'Waiting to send', 2000);
    await outbox.waitForState(subject, 'Sent');
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${testInfo.project.name}-outbox.png`), fullPage: true });

    const mail = await simpleParser(await waitForMessage(servers, bob, (s) => s.includes('Q3'), 10_000));
    expect(mail.subject).toBe(subject);
    expect(mail.html).toMatch(/Hello <strong>important<\/strong> news\./);
    expect(mail.html).toMatch(/<ul>.*first point.*second point.*<\/ul>/s);
    expect(mail.text).toContain('Hello important news.');
    expect(mail.text).toMatch(/- first point\s+- second point/);
    const attachment = mail.attachments.find((a) => a.filename === 'Übersicht Q3.txt');
    expect(attachment?.content.toString('utf8')).toBe('Zahlen und Fakten — ünïcödé\n'.repeat(200));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('undo takes a message back into the editor before it leaves; send later waits and can be edited', async ({ app }) => {
  const { page, servers } = app;
  await addPostfixAccount(app);
  // The undo window is the person's choice.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Accounts' }).click();
  await page.getByLabel('Time to undo a message after Send').selectOption({ label: '10 seconds' });
  const compose = new ComposePage(page);
  const first = await compose.open();
  await expect(first.getByText('Messages wait 10 s in the outbox')).toBeVisible();
  const draft = { to: servers.users[1]!.address, subject: `Second thoughts ${Date.now()}`, body: 'Maybe I should not send this.' };
  await compose.write(draft);
  await compose.send();
  await compose.undoBanner.getByRole('button', { name: 'Undo' }).click();
  // Taken back into a compose window of its own.
  await compose.attach();
  await expect(compose.field('To')).toHaveValue(draft.to);
  expect(await compose.values()).toEqual({ ...draft, cc: '', bcc: '' });
  const outbox = new OutboxPage(page);
  await outbox.open();
  await outbox.waitForState(draft.subject, 'Cancelled');

  const scheduled = await compose.open();
  await compose.write({ ...draft, subject: `Later ${Date.now()}` });
  const later = await scheduled.getByLabel('Subject').inputValue();
  await scheduled.getByLabel('Send later').check();
  await expect(scheduled.getByRole('note').filter({ hasText: 'must be running at that time' })).toBeVisible();
  await scheduled.getByRole('button', { name: /^Schedule for/ }).click();
  // The window closes; the main window shows the outbox, where it waits.
  await expect.poll(() => scheduled.isClosed()).toBe(true);
  await outbox.waitForState(later, 'Waiting to send');
  await expect(outbox.job(later)).toContainText('Scheduled for');
  await outbox.job(later).getByRole('button', { name: 'Edit' }).click();
  await compose.attach();
  await expect(compose.field('Subject')).toHaveValue(later);
  await outbox.open();
  await outbox.waitForState(later, 'Cancelled');
});

test('a temporary 451 is retried with a visible next attempt, then succeeds', async ({ app }) => {
  test.skip(app.mode !== 'bridge', 'the retry delay is shortened through the bridge; the app waits 30 s before its first retry');
  let rcptCalls = 0;
  const delivered: string[] = [];
  const smtp = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    disableReverseLookup: true,
    onRcptTo: (address, _s, cb) => {
      if (address.address !== 'someone@lan.test') return cb(); // the account check's own RCPT
      rcptCalls += 1;
      if (rcptCalls === 1) return cb(Object.assign(new Error('4.7.1 Greylisted, try again later'), { responseCode: 451 }));
      cb();
    },
    onData: (stream, session, cb) => {
      delivered.push(...session.envelope.rcptTo.map((r) => r.address));
      stream.on('end', () => cb());
      stream.resume();
    },
  });
  smtp.on('error', () => {});
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  try {
    const port = (smtp.server.address() as AddressInfo).port;
    const { page } = app;
    const wizard = new WizardPage(page);
    await wizard.fillDetails({ displayName: 'Grey', email: 'grey@lan.test', password: 'unused' });
    await wizard.setUpManually();
    await wizard.fillServer({ host: '127.0.0.1', security: 'None', port: String(port) });
    await page.getByLabel('Authentication method').selectOption({ label: 'No authentication' });
    await wizard.check();
    expect(await wizard.checkResult()).toBe('passed');
    await wizard.save();

    const compose = new ComposePage(page);
    await compose.open();
    const subject = `Greylisted ${Date.now()}`;
    await compose.write({ to: 'someone@lan.test', subject, body: 'Patience.' });
    await compose.send();
    const outbox = new OutboxPage(page);
    await outbox.open();
    await outbox.waitForState(subject, 'Will retry');
    await expect(outbox.job(subject)).toContainText(/Next attempt (in \d+ s|now)/);
    await expect(outbox.job(subject)).toContainText('temporarily unable');
    await expect(outbox.job(subject)).toContainText('451');
    await outbox.waitForState(subject, 'Sent');
    expect(delivered).toEqual(['someone@lan.test']);
    await expect(outbox.job(subject)).toContainText('2 attempts');
  } finally {
    await new Promise<void>((r) => smtp.close(() => r()));
  }
});

test('a draft saves itself while typing and comes back after the window is reloaded', async ({ app }) => {
  const { page, servers } = app;
  await addPostfixAccount(app);
  const compose = new ComposePage(page);
  const crashed = await compose.open();
  const draft = { to: servers.users[1]!.address, subject: `Half-written ${Date.now()}`, body: 'The first paragraph of a long letter' };
  await compose.write(draft);
  await expect(crashed.getByRole('status', { name: 'Draft' })).toContainText('Draft saved');
  await crashed.close(); // as if the window had crashed: nothing but the saved draft survives
  await page.reload();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Drafts' }).click();
  const row = page.getByRole('listitem', { name: draft.subject });
  await expect(row).toContainText(`To ${draft.to}`);
  await row.getByRole('button', { name: 'Open' }).click();
  await compose.attach();
  await expect(compose.field('Subject')).toHaveValue(draft.subject);
  expect(await compose.values()).toEqual({ ...draft, cc: '', bcc: '' });
  // Sending it removes the draft.
  await compose.send();
  await expect(compose.undoBanner).toBeVisible();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Drafts' }).click();
  await expect(page.getByText('No drafts.')).toBeVisible();
});

test('another From address with its own signature: chosen in compose, sent as that address', async ({ app }) => {
  const { page, servers } = app;
  const bob = servers.users[1]!;
  await addPostfixAccount(app);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Accounts' }).click();
  await page.getByRole('button', { name: /^Edit / }).click();
  await page.getByLabel('Signature', { exact: true }).fill('Alice');
  await page.getByRole('button', { name: 'Add another From address' }).click();
  await page.getByLabel('Name for address 1').fill('Alice (Sales)');
  await page.getByRole('textbox', { name: 'Other address 1', exact: true }).fill('sales@mailwright.test');
  await page.getByLabel('Signature for address 1').fill('The sales team\nMailwright');
  const wizard = new WizardPage(page);
  await wizard.check();
  expect(await wizard.checkResult()).toBe('passed');
  await wizard.save();

  const compose = new ComposePage(page);
  const w = await compose.open();
  await expect(compose.editor).toContainText('Alice'); // the account's own signature
  await w.getByLabel('From').selectOption({ label: 'Alice (Sales) <sales@mailwright.test> (alice@mailwright.test)' });
  await expect(compose.editor).toContainText('The sales team');
  await expect(compose.editor).not.toContainText(/^-- \s*Alice$/m);
  const subject = `From sales ${Date.now()}`;
  await w.getByLabel('To', { exact: true }).fill(bob.address);
  await w.getByLabel('Subject').fill(subject);
  await compose.send();
  // Only the signature: asked once about the empty text.
  await compose.question.getByRole('button', { name: 'Send anyway' }).click();
  const outbox = new OutboxPage(page);
  await outbox.open();
  await outbox.waitForState(subject, 'Sent');
  const mail = await simpleParser(await waitForMessage(servers, bob, (s) => s.includes('sales@mailwright.test') && s.includes('From sales'), 10_000));
  expect(mail.from?.value).toEqual([{ name: 'Alice (Sales)', address: 'sales@mailwright.test' }]);
  expect(mail.text?.trimEnd()).toMatch(/-- \nThe sales team\nMailwright$/);

  // Addresses sent to before are suggested while typing, also after a first address.
  const next = await compose.open();
  const to = next.getByLabel('To', { exact: true });
  await to.fill('carol@example.org, bo');
  await next.getByRole('list', { name: 'Suggestions for To' }).getByRole('button', { name: bob.address }).click();
  await expect(to).toHaveValue(`carol@example.org, ${bob.address}, `);
});

test('a file dropped onto the message is attached and arrives intact', async ({ app }) => {
  const { page, servers } = app;
  const bob = servers.users[1]!;
  await addPostfixAccount(app);
  const compose = new ComposePage(page);
  const w = await compose.open();
  const subject = `Dropped ${Date.now()}`;
  await compose.write({ to: bob.address, subject, body: 'See the attached file.' });
  // 1.2 MB, so it crosses several chunks on its way to main.
  const dataTransfer = await w.evaluateHandle(() => {
    const bytes = new Uint8Array(1_200_000).map((_, i) => (i * 7) % 256);
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], 'dropped-data.bin', { type: 'application/octet-stream' }));
    return transfer;
  });
  await compose.form.dispatchEvent('drop', { dataTransfer });
  const attachments = w.getByRole('region', { name: 'Attachments' });
  await expect(attachments).toContainText('dropped-data.bin');
  await expect(attachments).toContainText('1.1 MB');
  await compose.send();
  const outbox = new OutboxPage(page);
  await outbox.open();
  await outbox.waitForState(subject, 'Sent');
  const mail = await simpleParser(await waitForMessage(servers, bob, (s) => s.includes('dropped-data.bin'), 10_000));
  const content = mail.attachments.find((a) => a.filename === 'dropped-data.bin')!.content;
  expect(content.length).toBe(1_200_000);
  expect(content.every((byte, i) => byte === (i * 7) % 256)).toBe(true);
});

test('a message whose stored copy was damaged before it left is not sent; it says so and opens as a draft', async ({ app }) => {
  const { page, servers } = app;
  await addPostfixAccount(app);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Accounts' }).click();
  await page.getByLabel('Time to undo a message after Send').selectOption({ label: '10 seconds' });
  const compose = new ComposePage(page);
  await compose.open();
  const draft = { to: servers.users[1]!.address, subject: `Damaged on disk ${Date.now()}`, body: 'This copy will be spoiled before it leaves.' };
  await compose.write(draft);
  await compose.send();
  // While it waits out the undo window, its stored copy loses its end (a disk fault, a bad sync).
  const outboxDir = join(app.dataDir, 'outbox');
  const stored = () => readdirSync(outboxDir).find((n) => n.endsWith('.eml'));
  await expect(compose.undoBanner).toBeVisible();
  await expect.poll(stored, { timeout: 5000 }).toBeDefined();
  truncateSync(join(outboxDir, stored()!), 120);
  const outbox = new OutboxPage(page);
  await outbox.open();
  const row = outbox.job(draft.subject);
  await expect(row.locator('.job__head > .badge').first()).toHaveText('Stored copy damaged: not sent', { timeout: 20_000 });
  await expect(row).toContainText('The stored copy of this message is damaged; it was not sent.');
  await expect(row.getByRole('button', { name: 'Retry now' })).toHaveCount(0);
  await page.screenshot({ path: join(SCREENSHOT_DIR, `outbox-damaged-message-${app.mode}.png`), fullPage: true });
  await row.getByRole('button', { name: 'Open as draft' }).click();
  await compose.attach();
  await expect(compose.field('Subject')).toHaveValue(draft.subject);
  expect(await compose.values()).toEqual({ ...draft, cc: '', bcc: '' });
});

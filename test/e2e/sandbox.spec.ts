/**
 * The built-in sandbox (issue 15) as a person uses it: the Sandbox account from the first start,
 * a message sent from it (or a real account's message sent "to the sandbox instead") shown with its
 * envelope and lint and never reaching a real server, a fault chosen in the UI seen in the Outbox,
 * a rehearsed merge paged row by row, and the Sandbox view under axe in light and dark.
 */
import { SANDBOX_ACCOUNT_ID } from '../../shared/sandbox';
import { waitForMessage } from '../support/imap-read';
import { expect, test } from './fixture';
import { ComposePage, OutboxPage } from './pages/compose';
import { MergePage } from './pages/merge';
import { SandboxPage } from './pages/sandbox';
import { WizardPage } from './pages/wizard';
import { audit } from './axe-audit';

/** Nothing with this text reaches the user's INBOX on Dovecot within a few seconds. */
async function expectNothingArrives(app: { servers: Parameters<typeof waitForMessage>[0] }, user: Parameters<typeof waitForMessage>[1], text: string) {
  await expect(waitForMessage(app.servers, user, (s) => s.includes(text), 3000)).rejects.toThrow(/no matching message/);
}

test('first start: the Sandbox account is there beside the wizard; a test message from it arrives in the Sandbox with its envelope (Bcc too) and its check', async ({ app }) => {
  test.skip(app.mode !== 'bridge', 'the same renderer in both; run once');
  const { page, servers } = app;
  const [, bob, carol] = servers.users as [(typeof servers.users)[number], (typeof servers.users)[number], (typeof servers.users)[number]];
  const sandbox = new SandboxPage(page);

  // The wizard is still the first screen, with the main navigation and the Sandbox beside it.
  await expect(page.getByRole('heading', { name: 'Add an outgoing mail account', level: 1 })).toBeVisible();
  await expect(sandbox.tryFirst).toContainText('stay on this computer');
  await expect(sandbox.nav.getByRole('button', { name: 'Sandbox', exact: true })).toBeVisible();
  await sandbox.nav.getByRole('button', { name: 'Accounts' }).click();
  const sandboxRow = page.getByRole('listitem').filter({ hasText: 'Built in: what it sends stays on this computer.' });
  await expect(sandboxRow).toContainText('me@sandbox.invalid');
  await expect(sandboxRow.getByRole('button', { name: 'Hide the Sandbox account' })).toBeVisible();
  await expect(sandboxRow.getByRole('button', { name: /^(Edit|Remove)/ })).toHaveCount(0);
  await sandbox.nav.getByRole('button', { name: 'Mail', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Add an outgoing mail account', level: 1 })).toBeVisible();

  // Write a test message from the Sandbox account, no account added: To Bob, Bcc Carol.
  await sandbox.tryFirst.getByRole('button', { name: 'Write a test message' }).click();
  const compose = new ComposePage(page);
  await compose.attach();
  await expect(compose.window.getByLabel('From')).toHaveValue(`${SANDBOX_ACCOUNT_ID}/`);
  await expect(compose.form.getByRole('button', { name: 'Send to sandbox' })).toHaveCount(0);
  await compose.write({ to: bob.address, bcc: carol.address, subject: 'First try from the sandbox', body: 'Hello from a brand new Mailwright.' });
  await compose.sendAndClose();

  await sandbox.tryFirst.getByRole('button', { name: 'Open the Sandbox' }).click();
  await expect(sandbox.heading).toBeVisible();
  await expect(sandbox.status).toContainText(/^Listening on 127\.0\.0\.1:\d+ · 1 message · /, { timeout: 20_000 });
  const row = sandbox.row('First try from the sandbox');
  await expect(row).toContainText(bob.address);
  await expect(row).toContainText(carol.address);
  await sandbox.openMessage('First try from the sandbox');

  // The envelope beside the headers: MAIL FROM, every RCPT TO, Carol named as Bcc (she is in no header).
  await expect(sandbox.envelope).toContainText('MAIL FROMme@sandbox.invalid');
  await expect(sandbox.envelopeRecipients).toHaveText([bob.address, `${carol.address} Bcc or envelope-only`]);
  await expect(sandbox.frame.locator('body')).toContainText('Hello from a brand new Mailwright.');
  // The check of it, in words: Mailwright's own message from its own account is clean (a merge's warning is checked below).
  await expect(sandbox.lint).toContainText('No problems found.');
  await expect(sandbox.findings).toHaveCount(0);

  await sandbox.tab('Headers').click();
  await expect(sandbox.tab('Headers')).toHaveAttribute('aria-selected', 'true');
  await expect(sandbox.envelope).toBeVisible();
  const headers = sandbox.panel.getByRole('table', { name: 'Every header' });
  await expect(headers.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Subject', exact: true }) })).toContainText('First try from the sandbox');
  await expect(headers.getByRole('rowheader', { name: 'Bcc', exact: true })).toHaveCount(0);
  // Arrow keys move between the tabs.
  await sandbox.tab('Headers').press('ArrowRight');
  await expect(sandbox.tab('Source')).toBeFocused();
  await expect(sandbox.source).toContainText('Subject: First try from the sandbox');
  await expect(sandbox.panel.getByRole('button', { name: 'Save source…' })).toBeVisible();
  await sandbox.tab('Structure').click();
  await expect(sandbox.panel.getByRole('list', { name: 'MIME structure' })).toContainText('text/plain');
});

test('the Sandbox account can be hidden and shown again; a captured message is deleted, and the sandbox cleared after asking', async ({ app }) => {
  test.skip(app.mode !== 'bridge', 'the same renderer in both; run once');
  test.setTimeout(90_000);
  const { page, servers } = app;
  const bob = servers.users[1]!;
  const sandbox = new SandboxPage(page);
  const compose = new ComposePage(page);
  for (const subject of ['Keep me', 'Delete me']) {
    await sandbox.tryFirst.getByRole('button', { name: 'Write a test message' }).click();
    await compose.attach();
    await compose.write({ to: bob.address, subject, body: subject });
    await compose.sendAndClose();
  }
  await sandbox.open();
  await expect(sandbox.status).toContainText(' · 2 messages · ', { timeout: 20_000 });
  // Newest first.
  await expect(sandbox.list.getByRole('row')).toHaveCount(3);
  await expect(sandbox.list.getByRole('row').nth(1)).toContainText('Delete me');
  await sandbox.row('Delete me').getByRole('button', { name: 'Delete “Delete me”' }).click();
  await expect(sandbox.row('Delete me')).toHaveCount(0);
  await expect(sandbox.status).toContainText(' · 1 message · ');

  // Clear asks first; Escape keeps the messages.
  await page.getByRole('button', { name: 'Clear the sandbox…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Clear the sandbox?' });
  await expect(dialog.getByRole('button', { name: 'Keep them' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(sandbox.row('Keep me')).toHaveCount(1);
  await page.getByRole('button', { name: 'Clear the sandbox…' }).click();
  await dialog.getByRole('button', { name: 'Clear the sandbox', exact: true }).click();
  await expect(sandbox.status).toContainText(' · 0 messages · ');
  await expect(sandbox.list).toHaveCount(0);

  // Hidden: not in the accounts, not offered at first start; shown again from the Accounts page.
  await sandbox.nav.getByRole('button', { name: 'Accounts' }).click();
  await page.getByRole('button', { name: 'Hide the Sandbox account' }).click();
  await expect(page.getByRole('button', { name: 'Show the Sandbox account' })).toBeVisible();
  await expect(page.getByText('Built in: what it sends stays on this computer.')).toHaveCount(0);
  await sandbox.nav.getByRole('button', { name: 'Mail', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Add an outgoing mail account', level: 1 })).toBeVisible();
  await expect(sandbox.tryFirst).toHaveCount(0);
  await sandbox.nav.getByRole('button', { name: 'Accounts' }).click();
  await page.getByRole('button', { name: 'Show the Sandbox account' }).click();
  await expect(page.getByRole('button', { name: 'Hide the Sandbox account' })).toBeVisible();
  await sandbox.nav.getByRole('button', { name: 'Mail', exact: true }).click();
  await expect(sandbox.tryFirst).toBeVisible();
});

test('a real account’s message sent to the sandbox instead is captured there and never reaches its server', async ({ app }) => {
  test.skip(app.mode !== 'bridge', 'the same renderer in both; run once');
  test.setTimeout(90_000);
  const { page, servers } = app;
  const [alice, bob] = servers.users as [(typeof servers.users)[number], (typeof servers.users)[number]];
  await new WizardPage(page).addAccount(servers, alice, { smtp: 'STARTTLS' });
  const sandbox = new SandboxPage(page);
  await expect(sandbox.tryFirst).toHaveCount(0);

  const compose = new ComposePage(page);
  await compose.open();
  await expect(compose.window.getByLabel('From')).not.toHaveValue(`${SANDBOX_ACCOUNT_ID}/`);
  await compose.write({ to: bob.address, subject: 'Rehearsed, not sent', body: 'This one stays home.' });
  const window = compose.window;
  await compose.form.getByRole('button', { name: 'Send to sandbox' }).click();
  await expect.poll(() => window.isClosed(), { message: 'the compose window closes after Send to sandbox' }).toBe(true);

  const outbox = new OutboxPage(page);
  await outbox.open();
  await expect(outbox.job('Rehearsed, not sent')).toContainText('Rehearsal: kept in the Sandbox');
  await outbox.waitForState('Rehearsed, not sent', 'Sent');

  await sandbox.open();
  const row = sandbox.row('Rehearsed, not sent');
  await expect(row).toContainText('Work');
  await sandbox.openMessage('Rehearsed, not sent');
  // Built exactly as for Work: its From and envelope sender.
  await expect(sandbox.envelope).toContainText(`MAIL FROM${alice.address}`);
  await expect(sandbox.envelopeRecipients).toHaveText([bob.address]);
  await expectNothingArrives(app, bob, 'Rehearsed, not sent');
});

test('faults chosen in the UI show in the Outbox: a drop right after the final dot leaves "may have been sent"; RCPT 550 for one pattern refuses that recipient only', async ({ app }) => {
  test.skip(app.mode !== 'bridge', 'the same renderer in both; run once');
  test.setTimeout(90_000);
  const { page, servers } = app;
  const bob = servers.users[1]!;
  const sandbox = new SandboxPage(page);
  await sandbox.open();
  await sandbox.addFault({ kind: 'Drop the connection', dropPoint: 'right after the final dot, before the reply', probability: '100' });
  await expect(sandbox.faultsInPlay).toHaveText([/^Drop the connection right after the final dot, before the reply, always/]);
  await expect(sandbox.faultsBanner).toBeVisible();
  // Enter in a field applies nothing (no form).
  await page.getByLabel('Probability (%)').press('Enter');
  await expect(sandbox.faultsInPlay).toHaveCount(1);

  const compose = new ComposePage(page);
  await compose.open();
  await compose.window.getByLabel('From').selectOption(`${SANDBOX_ACCOUNT_ID}/`);
  await compose.write({ to: bob.address, subject: 'Dropped after the dot', body: 'Did it arrive?' });
  await compose.sendAndClose();

  const outbox = new OutboxPage(page);
  await outbox.open();
  await expect(page.getByRole('note', { name: 'Sandbox faults in play' })).toBeVisible();
  await outbox.waitForState('Dropped after the dot', 'May have been sent', 40_000);

  // Stopped: the banners go, the sandbox behaves again.
  await sandbox.open();
  await sandbox.openFaults();
  await page.getByRole('button', { name: 'Stop all faults' }).click();
  await expect(sandbox.faultsBanner).toHaveCount(0);
  await expect(page.getByText('No faults in play: the sandbox behaves.')).toBeVisible();

  // RCPT refused for one pattern only: the message goes to the others, and the Outbox names the one refused with the reply.
  await sandbox.addFault({ kind: 'Answer with an error reply', stage: 'RCPT TO (each recipient)', code: '550', text: '5.1.1 No such user here', recipients: '*@refused.example' });
  await expect(sandbox.faultsInPlay).toHaveText([/^Answer RCPT TO \(each recipient\) with “550 5\.1\.1 No such user here” for recipients matching \*@refused\.example, always/]);
  await compose.open();
  await compose.window.getByLabel('From').selectOption(`${SANDBOX_ACCOUNT_ID}/`);
  await compose.write({ to: `${bob.address}, nobody@refused.example`, subject: 'One refused', body: 'Half of it.' });
  await compose.sendAndClose();
  await outbox.open();
  await outbox.waitForState('One refused', 'Sent to 1 of 2', 40_000);
  await expect(outbox.job('One refused').getByRole('listitem', { name: 'nobody@refused.example: refused' })).toContainText('550 5.1.1 No such user here');
});

test('the wizard\'s staged check of the Sandbox account passes, and shows a sign-in fault chosen in the Sandbox view at its stage', async ({ app }) => {
  test.skip(app.mode !== 'bridge', 'the same renderer in both; run once');
  const { page } = app;
  const sandbox = new SandboxPage(page);
  await sandbox.nav.getByRole('button', { name: 'Accounts' }).click();
  await page.getByRole('button', { name: 'Check the Sandbox account' }).click();
  await expect(page.getByText('Everything works: Mailwright can sign in and send.')).toBeVisible({ timeout: 20_000 });

  await sandbox.nav.getByRole('button', { name: 'Sandbox', exact: true }).click();
  await sandbox.openFaults();
  await sandbox.addFault({ kind: 'Answer with an error reply', stage: 'AUTH (sign-in)', code: '535', text: '5.7.8 Bad credentials' });
  // After a fault is added, focus stays on "Add fault" (the buttons were disabled while it was applied).
  await expect(page.getByRole('button', { name: 'Add fault' })).toBeFocused();
  await sandbox.nav.getByRole('button', { name: 'Accounts' }).click();
  await page.getByRole('button', { name: 'Check the Sandbox account' }).click();
  await expect(page.getByText('The server did not accept your username or password.')).toBeVisible({ timeout: 20_000 });
  await expect(page.getByText('535 5.7.8 Bad credentials')).toBeVisible();
  await expect(page.getByText('The sandbox answers as the faults in play tell it to')).toBeVisible();
  await expect(page.getByText('choose Edit')).toHaveCount(0);
});

test('a merge rehearsed from the merge view is captured row by row and paged in the Sandbox, with its check', async ({ app }) => {
  test.skip(app.mode !== 'bridge', 'the same renderer in both; run once');
  test.setTimeout(120_000);
  const { page, servers } = app;
  const [alice, bob] = servers.users as [(typeof servers.users)[number], (typeof servers.users)[number]];
  await new WizardPage(page).addAccount(servers, alice, { smtp: 'STARTTLS' });
  const merge = new MergePage(page);
  await merge.open();
  await merge.paste(['Name\tEmail', `Bob\t${bob.address}`, 'Dina\tdina@example.org', 'Eve\teve@example.org'].join('\n'));
  await expect(merge.count).toHaveText('3 rows will be sent · 0 left out');
  await page.getByRole('button', { name: 'Next: message' }).click();
  await page.getByLabel('Subject').fill('Rehearsal for {{Name}}');
  await merge.editor.click();
  await page.keyboard.type('Dear {{Name}}.');
  await merge.goTo('Send');
  // No test needed for a rehearsal; the real send still waits for one.
  await expect(merge.sendButton).toBeDisabled();
  await page.getByRole('button', { name: 'Rehearse all 3 in the sandbox' }).click();
  await expect(page.getByRole('status', { name: 'Rehearsal' })).toContainText('3 messages go to the sandbox');
  // Focus goes where the next step is, not to the page (the section was disabled while it went).
  await expect(page.getByRole('button', { name: 'Open in the Sandbox' })).toBeFocused();
  await page.getByRole('button', { name: 'Open in the Sandbox' }).click();

  const sandbox = new SandboxPage(page);
  await expect(sandbox.heading).toBeVisible();
  const shown = page.getByRole('status', { name: 'Row shown' });
  await expect(shown).toHaveText('Row 1 of 3 (line 2 in the file)', { timeout: 20_000 });
  await expect(sandbox.message.getByRole('heading', { level: 2 })).toHaveText('Rehearsal for Bob');
  await expect(sandbox.envelopeRecipients).toHaveText([bob.address]);
  await expect(sandbox.findings.filter({ hasText: 'List-Unsubscribe' })).toHaveCount(1);
  await sandbox.rows.getByRole('button', { name: 'Next' }).click();
  await expect(shown).toHaveText('Row 2 of 3 (line 3 in the file)');
  await expect(sandbox.message.getByRole('heading', { level: 2 })).toHaveText('Rehearsal for Dina');
  await sandbox.rows.getByRole('button', { name: 'Next' }).click();
  await expect(shown).toHaveText('Row 3 of 3 (line 4 in the file)');
  await expect(sandbox.message.getByRole('heading', { level: 2 })).toHaveText('Rehearsal for Eve');
  await expect(sandbox.rows.getByRole('button', { name: 'Next' })).toBeDisabled();
  await sandbox.rows.getByRole('button', { name: 'Previous' }).click();
  await expect(shown).toHaveText('Row 2 of 3 (line 3 in the file)');
  await expectNothingArrives(app, bob, 'Rehearsal for Bob');
});

test('the Sandbox view under axe, light and dark, with a message open and the faults panel', async ({ app }, testInfo) => {
  test.skip(app.mode !== 'bridge', 'the same renderer in both; run once');
  test.setTimeout(90_000);
  const { page, servers } = app;
  const bob = servers.users[1]!;
  const found: string[] = [];
  await page.setViewportSize({ width: 1100, height: 860 });
  await audit(page, 'first-start', found, testInfo);
  const sandbox = new SandboxPage(page);
  await sandbox.tryFirst.getByRole('button', { name: 'Write a test message' }).click();
  const compose = new ComposePage(page);
  await compose.attach();
  await compose.write({ to: bob.address, bcc: 'hidden@example.org', subject: 'Under axe', body: 'Checked for accessibility.' });
  await compose.sendAndClose();
  await sandbox.open();
  await sandbox.openMessage('Under axe');
  await expect(sandbox.frame.locator('body')).toContainText('Checked for accessibility.');
  await audit(page, 'sandbox-message', found, testInfo);
  for (const tab of ['Headers', 'Source', 'Structure'] as const) {
    await sandbox.tab(tab).click();
    await audit(page, `sandbox-${tab.toLowerCase()}`, found, testInfo);
  }
  await sandbox.addFault({ kind: 'Answer with an error reply', stage: 'RCPT TO (each recipient)', code: '550', text: '5.1.1 No such user', recipients: '*@refused.example' });
  await expect(sandbox.faultsBanner).toBeVisible();
  await audit(page, 'sandbox-faults', found, testInfo);
  expect(found).toEqual([]);
});


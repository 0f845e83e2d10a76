import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { waitForMessage } from '../support/imap-read';
import { expect, test } from './fixture';
import { MergePage } from './pages/merge';
import { WizardPage } from './pages/wizard';

test('mail merge: open a CSV, see what is left out and why, write the message with fields, preview every row, test to me, confirm and start', async ({ app }) => {
  test.skip(app.mode !== 'bridge', 'the data file is chosen through the page (setInputFiles) in the bridge');
  test.setTimeout(120_000);
  const { page, servers } = app;
  const [alice, bob, carol] = servers.users as [(typeof servers.users)[number], (typeof servers.users)[number], (typeof servers.users)[number]];
  const dir = mkdtempSync(join(tmpdir(), 'mailwright-e2e-merge-'));
  try {
    // Row 4 has no valid address, row 5 repeats row 2's (in other case), Carol has no Company.
    const csv = join(dir, 'guests.csv');
    writeFileSync(
      csv,
      ['Name,Email,Company', `Bob,${bob.address},Acme`, `Carol,${carol.address},`, 'Nobody,not-an-address,Foo', `Bob again,${bob.address.toUpperCase()},Acme`, `,${alice.address},Wonderland`, ''].join(
        '\r\n',
      ),
    );
    await new WizardPage(page).addAccount(servers, alice, { smtp: 'STARTTLS' });
    const merge = new MergePage(page);
    await merge.open();

    // Step 1: the count first, then why each row is left out; the address column found by itself.
    await merge.openFile(csv);
    await expect(merge.count).toHaveText('3 rows will be sent · 2 left out');
    await expect(merge.addressColumn).toHaveValue('Email');
    await expect(merge.leftOut).toHaveText([/^Row 4: not a valid address: /, 'Row 5: same address as row 2']);
    await expect(page.getByText('Read as UTF-8, columns separated by commas.', { exact: false })).toBeVisible();
    await expect(merge.sample.getByRole('row')).toHaveCount(6);
    await expect(merge.sample.getByRole('cell', { name: 'Carol', exact: true })).toBeVisible();
    // A required column leaves out the row that has it empty, and says so; the list of steps does not show it as done.
    await merge.required.getByLabel('Company').check();
    await expect(merge.count).toHaveText('2 rows will be sent · 3 left out');
    await expect(merge.leftOut).toContainText(['Row 3: Company is empty']);
    await expect(merge.stepButton('Data')).toContainText('left out');
    await merge.required.getByLabel('Company').uncheck();
    await expect(merge.count).toHaveText('3 rows will be sent · 2 left out');

    // Step 2: To defaults to the address column; fields go in at the cursor; Enter in a field sends nothing.
    await page.getByRole('button', { name: 'Next: message' }).click();
    await expect(merge.heading('Message')).toBeFocused();
    await expect(page.getByLabel('From')).toHaveValue(/.+/);
    await expect(page.getByLabel('To', { exact: true })).toHaveValue('{{Email}}');
    const subject = page.getByLabel('Subject');
    await subject.fill('Hello  - your invitation');
    await subject.press('Home');
    for (let i = 0; i < 'Hello '.length; i++) await subject.press('ArrowRight');
    await merge.insertField('Name');
    await expect(subject).toHaveValue('Hello {{Name}} - your invitation');
    await subject.press('Enter');
    await expect(merge.heading('Message')).toBeVisible();
    await merge.editor.click();
    await page.keyboard.type('Dear {{Name|friend}}, see you at ');
    await merge.insertField('Company');
    await page.keyboard.type('.');
    await expect(merge.editor).toHaveText('Dear {{Name|friend}}, see you at {{Company}}.');
    // A template mistake comes back next to its field, in words.
    await subject.fill('Hello {{Nmae}}');
    await page.getByRole('button', { name: 'Next: preview' }).click();
    await expect(merge.heading('Message')).toBeVisible();
    await expect(page.getByText(/no column “Nmae”/)).toBeVisible();
    await subject.fill('Hello {{Name}} - your invitation');

    // Step 3: each row as its recipient gets it; the row with an empty field warns.
    await page.getByRole('button', { name: 'Next: preview' }).click();
    await expect(merge.heading('Preview')).toBeFocused();
    await expect(merge.position).toHaveText('Row 1 of 3 (line 2 in the file)');
    await expect(merge.header('To')).toContainText(bob.address);
    await expect(merge.header('Subject')).toHaveText('Hello Bob - your invitation');
    await expect(merge.body.locator('body')).toContainText('Dear Bob, see you at Acme.');
    // Carol has no Company, row 6 no Name (the subject uses it without a fallback): warnings, but both can go.
    await expect(merge.summary).toHaveText('2 rows have warnings; 0 will not be sent.');
    await expect(merge.rowWarnings).toHaveCount(0);
    await page.getByRole('button', { name: 'Next row with a warning' }).click();
    await expect(merge.position).toHaveText('Row 2 of 3 (line 3 in the file)');
    await expect(merge.header('To')).toContainText(carol.address);
    await expect(merge.rowWarnings).toContainText('Company is empty in this row');
    await page.getByLabel('Go to row').fill('3');
    await page.getByLabel('Go to row').press('Enter');
    await expect(merge.position).toHaveText('Row 3 of 3 (line 6 in the file)');
    // The fallback in the body: row 6 has no Name; the subject has none, and the row warns.
    await expect(merge.body.locator('body')).toContainText('Dear friend, see you at Wonderland.');
    await expect(merge.header('Subject')).toHaveText('Hello - your invitation');
    await expect(merge.rowWarnings).toContainText('Name is empty in this row');
    await page.getByRole('button', { name: 'Previous' }).click();
    await expect(merge.position).toHaveText('Row 2 of 3 (line 3 in the file)');

    // Step 4: the real send waits for the test, visibly, with its reason.
    await page.getByRole('button', { name: 'Next: send' }).click();
    await expect(merge.heading('Send')).toBeFocused();
    await expect(page.getByText(/^3 messages from Alice Liddell </)).toBeVisible();
    await expect(page.getByText(/^Finishes around /)).toBeVisible();
    await expect(merge.sendButton).toBeDisabled();
    await expect(page.getByText(/^Send the test first/)).toBeVisible();
    await page.getByLabel('Recipients a day').press('Enter');
    await expect(merge.confirm).toHaveCount(0);
    await expect(page.getByLabel('How many')).toHaveValue('3');
    await page.getByRole('button', { name: 'Send the first 3 to me' }).click();
    await expect(merge.testStatus).toContainText(`3 test messages queued to ${alice.address}`);
    for (const row of [2, 3, 6]) {
      const mail = await simpleParser(await waitForMessage(servers, alice, (s) => s.includes(`[Row ${row}]`), 20_000));
      expect(mail.to && !Array.isArray(mail.to) ? mail.to.value[0]?.address : '').toBe(alice.address);
    }
    await expect(merge.sendButton).toBeEnabled();
    await expect(page.getByText(/^Send the test first/)).toHaveCount(0);

    // The one question: count, account, pace; Escape goes back, confirm starts it.
    await merge.sendButton.click();
    await expect(merge.confirm).toBeVisible();
    await expect(merge.confirm).toContainText(`3 messages from Alice Liddell <${alice.address}>`);
    await expect(merge.confirm).toContainText('Pace: at most');
    await expect(merge.confirm.getByRole('button', { name: 'Cancel' })).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(merge.confirm).toHaveCount(0);
    await merge.sendButton.click();
    await merge.confirm.getByRole('button', { name: 'Send 3 messages' }).click();
    await expect(merge.confirm).toHaveCount(0);
    await expect(page.getByRole('status', { name: 'Merge started' })).toContainText('Merge started: 3 messages');
    await expect(page.getByRole('heading', { name: 'Merges sent' })).toBeFocused();
    // The setup starts over.
    await expect(merge.heading('Data')).toBeVisible();
    await expect(merge.count).toHaveCount(0);

    // Each recipient gets their own values.
    const toBob = await simpleParser(await waitForMessage(servers, bob, (s) => s.includes('Hello Bob'), 30_000));
    expect(toBob.text).toContain('Dear Bob, see you at Acme.');
    expect(toBob.subject).toBe('Hello Bob - your invitation');
    const toCarol = await simpleParser(await waitForMessage(servers, carol, (s) => s.includes('Hello Carol'), 30_000));
    expect(toCarol.text).toContain('Dear Carol, see you at .');
    expect(toCarol.text).not.toContain('Bob');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('mail merge: pasted rows (tabs, a look-alike address); a large merge without unsubscribe asks once, and a changed message needs a new test', async ({ app }) => {
  test.skip(app.mode !== 'bridge', 'the same renderer in both; run once');
  test.setTimeout(120_000);
  const { page, servers } = app;
  const alice = servers.users[0]!;
  // 101 good rows (more than MERGE_UNSUBSCRIBE_ASK_OVER) and one whose address mixes Latin and Cyrillic.
  const rows = ['Name\tEmail', ...Array.from({ length: 101 }, (_, i) => `Guest ${i + 1}\tguest${i + 1}@example.org`), 'Paypal\tbilling@p\u0430ypal.com'];
  await new WizardPage(page).addAccount(servers, alice, { smtp: 'STARTTLS' });
  const merge = new MergePage(page);
  await merge.open();
  await merge.paste(rows.join('\n'));
  await expect(merge.count).toHaveText('101 rows will be sent · 1 left out');
  await expect(page.getByText(/columns separated by tabs\.$/)).toBeVisible();
  await expect(merge.leftOut).toHaveText([/^Row 103: looks like another address \(mixed scripts\)/]);

  await page.getByRole('button', { name: 'Next: message' }).click();
  // A condition left open: the words come back next to Cc, and the step is marked as needing attention.
  await page.getByLabel('Cc').fill('{{#if Name}}boss@example.org');
  await page.getByRole('button', { name: 'Next: preview' }).click();
  await expect(page.getByText(/^This field is not written right/)).toBeVisible();
  await expect(page.getByLabel('Cc')).toHaveAttribute('aria-invalid', 'true');
  await expect(merge.stepButton('Message')).toContainText('needs attention');
  await page.getByLabel('Cc').fill('');
  await page.getByLabel('Subject').fill('News for {{Name}}');
  await merge.editor.click();
  await page.keyboard.type('Hello {{Name}}.');
  // Plain text, as the compose window offers: Insert field goes into the text where the cursor was.
  await page.getByRole('button', { name: 'Plain text' }).click();
  const text = page.getByRole('textbox', { name: 'Message', exact: true });
  await expect(text).toHaveValue('Hello {{Name}}.');
  await text.press('End');
  await text.pressSequentially(' Bye ');
  await merge.insertField('Name');
  await expect(text).toHaveValue('Hello {{Name}}. Bye {{Name}}');
  await merge.goTo('Preview');
  await expect(merge.preview.getByLabel('Message text')).toHaveText('Hello Guest 1. Bye Guest 1');
  await expect(merge.preview.locator('iframe')).toHaveCount(0);
  await merge.goTo('Send');
  // The account's own limits: saved, then the plan follows them; and back to the default.
  await expect(page.getByText(/^101 messages from Alice Liddell <.*\(Mailwright’s default\)\.$/)).toBeVisible();
  await page.getByLabel('Recipients a day').fill('');
  await page.getByLabel('Messages a minute').fill('5');
  await page.getByRole('button', { name: 'Save limits for this account' }).click();
  await expect(page.getByText('Limits saved for this account.')).toBeVisible();
  await expect(page.getByText(/at most 5 a minute, no daily limit \(the limits you set for this account\)\.$/)).toBeVisible();
  await page.getByLabel('Messages a minute').fill('0');
  await page.getByRole('button', { name: 'Save limits for this account' }).click();
  await expect(page.getByText('Use whole numbers from 1 up, or leave a field empty for no limit.')).toBeVisible();
  await page.getByRole('button', { name: 'Use the provider’s limits' }).click();
  await expect(page.getByText(/\(Mailwright’s default\)\.$/)).toBeVisible();
  await page.getByLabel('How many').fill('1');
  await page.getByRole('button', { name: 'Send the first 1 to me' }).click();
  await expect(merge.testStatus).toContainText('1 test message queued');
  await merge.sendButton.click();
  await expect(merge.confirm).toContainText('no unsubscribe address or link');
  await expect(merge.confirm.getByRole('button', { name: 'Send 101 messages' })).toHaveCount(0);
  await expect(merge.confirm.getByRole('button', { name: 'Send without unsubscribe link' })).toBeVisible();
  await merge.confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(merge.confirm).toHaveCount(0);

  // An unsubscribe link: the message changed, so the real send waits for a new test; then it no longer asks.
  await merge.goTo('Message');
  await page.getByLabel('Unsubscribe link').fill('not a link');
  await page.getByRole('button', { name: 'Next: preview' }).click();
  await expect(page.getByText('Use a web address that starts with https://.')).toBeVisible();
  await page.getByLabel('Unsubscribe link').fill('https://example.org/unsubscribe');
  await merge.goTo('Send');
  await expect(merge.sendButton).toBeDisabled();
  await expect(page.getByText(/^Send the test first/)).toBeVisible();
  await page.getByLabel('How many').fill('1');
  await page.getByRole('button', { name: 'Send the first 1 to me' }).click();
  await expect(merge.sendButton).toBeEnabled();
  await merge.sendButton.click();
  await expect(merge.confirm).not.toContainText('no unsubscribe address or link');
  await expect(merge.confirm.getByRole('button', { name: 'Send 101 messages' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(merge.confirm).toHaveCount(0);
});

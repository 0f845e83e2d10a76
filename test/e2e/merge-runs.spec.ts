/**
 * Issue 14, steps 7 and 8 in the UI: a started merge's progress, pause, resume and cancel, and its
 * results (filter, retry of the failed rows, CSV export), with real Postfix and Dovecot. The merge is
 * started through the real handlers from the page (the setup steps are tested on their own); from
 * there on, everything is done as a person does it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import AxeBuilder from '@axe-core/playwright';
import { SMTPServer } from 'smtp-server';
import type { Page } from '@playwright/test';
import type { MailwrightApi } from '../../shared/client';
import { expect, test } from './fixture';
import { MergeRunsPage } from './pages/merge-runs';
import { WizardPage } from './pages/wizard';

interface Started {
  test: { name: string };
  run: { name: string; batchId: string };
}

/**
 * Opens `csv` as pasted rows and starts it through the API the page has (window.mailwright): a test
 * of the first row to the account's own address, then the real merge. Answers both runs.
 */
async function startMerge(page: Page, csv: string, subject: string, perMinute: number, unsubscribe?: string): Promise<Started> {
  return page.evaluate(
    async ({ csv, subject, perMinute, unsubscribe }) => {
      const api = (window as unknown as { mailwright: MailwrightApi }).mailwright;
      const unwrap = <T,>(r: { ok: true; value: T } | { ok: false; error: { code: string } }): T => {
        if (!r.ok) throw new Error(`merge API: ${r.error.code}`);
        return r.value;
      };
      const account = unwrap(await api.accounts.list({}))[0]!;
      // Slow enough to watch and pause: the account's own limit, as the person would set it.
      unwrap(await api.accounts.setSendingLimits({ id: account.id, limits: { recipientsPerDay: null, messagesPerMinute: perMinute } }));
      const data = unwrap(await api.merge.load({ source: { kind: 'paste', text: csv } }));
      const mapping = { addressColumn: 'Email', required: [] };
      const template = {
        accountId: account.id,
        to: '{{Name}} <{{Email}}>',
        subject: `${subject} {{Name}}`,
        body: { mode: 'plain' as const, html: '', text: 'Dear {{Name}},\nsee you on Saturday.\n' },
        // Over 100 messages, a merge without a way to unsubscribe is not started unasked.
        ...(unsubscribe ? { unsubscribe: { mailto: unsubscribe } } : {}),
      };
      const tested = unwrap(await api.merge.test({ mergeId: data.mergeId, mapping, template, count: 1 }));
      const run = unwrap(await api.merge.start({ mergeId: data.mergeId, mapping, template }));
      return { test: { name: tested.name }, run: { name: run.name, batchId: run.batchId } };
    },
    { csv, subject, perMinute, unsubscribe },
  );
}

/** An account on an in-process smtp-server (no TLS, no sign-in), checked and saved through the wizard. */
async function addLocalAccount(page: Page, smtp: SMTPServer) {
  const wizard = new WizardPage(page);
  await wizard.fillDetails({ displayName: 'Grey', email: 'grey@lan.test', password: 'unused' });
  await wizard.setUpManually();
  await wizard.fillServer({ host: '127.0.0.1', security: 'None', port: String((smtp.server.address() as AddressInfo).port) });
  await page.getByLabel('Authentication method').selectOption({ label: 'No authentication' });
  await wizard.check();
  expect(await wizard.checkResult()).toBe('passed');
  await wizard.save();
}

async function addPostfixAccount(page: Page, servers: Parameters<WizardPage['addAccount']>[0]) {
  await new WizardPage(page).addAccount(servers, servers.users[0]!, { smtp: 'STARTTLS' });
}

test('a merge shows its progress, pauses and resumes, finishes without a success look when a row was refused, and its results filter, retry and export', async ({ app }) => {
  test.skip(app.mode !== 'bridge', 'the merge is started and the save dialog answered through the bridge');
  test.setTimeout(180_000);
  const { page, servers } = app;
  const [local, domain] = servers.users[1]!.address.split('@') as [string, string];
  const tag = Date.now().toString(36);
  const nobody = `nobody-${tag}@${servers.domain}`;
  // 20 rows, one of them to an address Postfix refuses at RCPT (5.1.1: no such user).
  const recipients = Array.from({ length: 20 }, (_, i) => (i === 6 ? nobody : `${local}+r${i}-${tag}@${domain}`));
  const csv = ['Name,Email', ...recipients.map((email, i) => `Member ${i},${email}`)].join('\n');
  await addPostfixAccount(page, servers);
  const { run, test: testRun } = await startMerge(page, csv, `Meeting ${tag}`, 60);

  const merges = new MergeRunsPage(page);
  await merges.open();
  // Newest first; the test ("send the first 1 to me") is there too, marked as such.
  await expect(merges.runs.first()).toContainText(run.name);
  await expect(merges.state(testRun.name, 'Test')).toBeVisible();
  await expect(merges.state(run.name, 'Sending')).toBeVisible();
  await expect(merges.progress(run.name)).toHaveAttribute('aria-valuemax', '20');

  // It moves: one a second (the limit set above).
  await expect.poll(() => merges.ended(run.name), { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
  await expect(merges.run(run.name)).toContainText(/\d(\.\d)? a (second|minute)/, { timeout: 10_000 });

  // Pause: the state says so, and nothing more goes (a message being handed over may finish).
  const pause = merges.button(run.name, 'Pause');
  await pause.click();
  await expect(merges.state(run.name, 'Paused')).toBeVisible();
  await expect(merges.run(run.name).getByText(/^Paused: nothing more is sent until you resume/)).toBeVisible();
  // The same button, now Resume, keeps the focus.
  await expect(merges.button(run.name, 'Resume')).toBeFocused();
  await page.waitForTimeout(1500);
  const atPause = await merges.ended(run.name);
  expect(atPause).toBeLessThan(20);
  await page.waitForTimeout(3500);
  expect(await merges.ended(run.name)).toBe(atPause);
  await expect(merges.counts(run.name)).toContainText(/ of 20 sent/);

  // Cancel asks first, says what was sent stays sent; Escape keeps the merge.
  await merges.button(run.name, 'Cancel…').click();
  const dialog = merges.cancelDialog(run.name);
  await expect(dialog).toBeVisible();
  await expect(dialog).toHaveAttribute('aria-modal', 'true');
  await expect(dialog).toContainText('stay sent');
  await expect(dialog.getByRole('button', { name: 'Keep sending' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(merges.button(run.name, 'Cancel…')).toBeFocused();

  // Resume: it goes on and finishes.
  await merges.button(run.name, 'Resume').click();
  await expect(merges.state(run.name, 'Sending')).toBeVisible();
  await expect.poll(() => merges.ended(run.name), { timeout: 10_000 }).toBeGreaterThan(atPause);
  await expect(merges.state(run.name, 'Finished with problems')).toBeVisible({ timeout: 60_000 });
  await expect(merges.counts(run.name)).toHaveText('19 of 20 sent · 1 failed');
  // Never the success look for a merge with a refused row.
  await expect(merges.state(run.name, 'All sent')).toHaveCount(0);
  await expect(merges.state(testRun.name, 'Test sent')).toBeVisible();

  // Results: every row, the refused one with Postfix's reply, explained.
  await merges.openResults(run.name);
  await expect(merges.resultRows(run.name)).toHaveCount(20);
  const refused = merges.resultRow(run.name, nobody);
  await expect(refused.getByRole('cell').nth(2)).toHaveText('Refused');
  await expect(refused).toContainText('the mailbox does not exist');
  await expect(refused.locator('q')).toHaveText(/^550 5\.1\.1 .*nobody-/);
  const sent = merges.resultRow(run.name, recipients[0]!);
  await expect(sent.getByRole('cell').nth(2)).toHaveText('Sent');
  await expect(sent.locator('q')).toHaveText(/^250 /);

  // Filter: the choice's count is the rows it shows.
  expect(await merges.show(run.name, 'Refused or failed')).toBe('Refused or failed (1)');
  await expect(merges.resultRows(run.name)).toHaveCount(1);
  await expect(merges.resultRows(run.name)).toContainText(nobody);
  expect(await merges.show(run.name, 'Sent')).toBe('Sent (19)');
  await expect(merges.resultRows(run.name)).toHaveCount(19);
  expect(await merges.show(run.name, 'May have been sent')).toBe('May have been sent (0)');
  await expect(merges.resultRows(run.name)).toHaveText([/No rows of this kind/]);
  await merges.show(run.name, 'All');

  // Export: the CSV has a line per row with its outcome and the server's reply.
  const dir = mkdtempSync(join(tmpdir(), 'mailwright-e2e-merge-export-'));
  try {
    const file = join(dir, 'results.csv');
    app.nextSavePath(file);
    await merges.results(run.name).getByRole('button', { name: 'Export as CSV' }).click();
    await expect(merges.said(run.name)).toHaveText('Saved.');
    const lines = readFileSync(file, 'utf8').replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    expect(lines).toHaveLength(21);
    expect(lines[0]!.toLowerCase()).toContain('row');
    const refusedLine = lines.find((l) => l.includes(nobody))!;
    expect(refusedLine).toMatch(/refused/i);
    expect(refusedLine).toContain('550 5.1.1');
    expect(lines.filter((l) => l.includes(tag) && /\bsent\b/i.test(l))).toHaveLength(19);
    // The save dialog cancelled: nothing saved, nothing said.
    await merges.results(run.name).getByRole('button', { name: 'Export as CSV' }).click();
    await expect(merges.said(run.name)).toHaveText('');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // A row refused for good is not retried (it would be refused again), and the button says why.
  const retry = merges.results(run.name).getByRole('button', { name: 'Retry failed rows' });
  await expect(retry).toBeDisabled();
  await expect(retry).toHaveAccessibleDescription(/^Nothing to retry: no row failed\. A refused address would be refused again/);

  // Nothing on this screen is seriously wrong for assistive technology, in either theme.
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const found = (await new AxeBuilder({ page }).include('main').analyze()).violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(found.map((v) => `${colorScheme} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join('; ')}`)).toEqual([]);
  }
});

test('cancelling a merge stops what has not gone; what was sent stays sent', async ({ app }) => {
  test.skip(app.mode !== 'bridge', 'the merge is started through the bridge');
  test.setTimeout(120_000);
  const { page, servers } = app;
  const [local, domain] = servers.users[1]!.address.split('@') as [string, string];
  const tag = Date.now().toString(36);
  const csv = ['Name,Email', ...Array.from({ length: 20 }, (_, i) => `Member ${i},${local}+c${i}-${tag}@${domain}`)].join('\n');
  await addPostfixAccount(page, servers);
  const { run } = await startMerge(page, csv, `Cancelled ${tag}`, 30);
  const merges = new MergeRunsPage(page);
  await merges.open();
  await expect.poll(() => merges.ended(run.name), { timeout: 20_000 }).toBeGreaterThanOrEqual(1);

  await merges.button(run.name, 'Cancel…').click();
  const dialog = merges.cancelDialog(run.name);
  await expect(dialog).toContainText('will not be sent');
  await dialog.getByRole('button', { name: 'Cancel the rest' }).click();
  await expect(dialog).toBeHidden();
  await expect(merges.state(run.name, 'Cancelled')).toBeVisible();
  // Nothing left to pause or cancel; focus lands on the results button.
  await expect(merges.button(run.name, 'Pause')).toHaveCount(0);
  await expect(merges.button(run.name, 'Results')).toBeFocused();
  const counts = (await merges.counts(run.name).textContent())!;
  const [, sentText, cancelledText] = /^(\d+) of 20 sent · (\d+) cancelled$/.exec(counts) ?? [];
  expect(Number(sentText) + Number(cancelledText)).toBe(20);
  expect(Number(cancelledText)).toBeGreaterThan(0);

  await merges.openResults(run.name);
  expect(await merges.show(run.name, 'All')).toBe('All (20)');
  await expect(merges.resultRows(run.name).filter({ hasText: 'Cancelled' })).toHaveCount(Number(cancelledText));
  // Nothing failed: retry says why it cannot help.
  const retry = merges.results(run.name).getByRole('button', { name: 'Retry failed rows' });
  await expect(retry).toBeDisabled();
  await expect(retry).toHaveAccessibleDescription('Nothing to retry: no row failed.');
});

test('a row that failed is sent again with "Retry failed rows", and the results follow', async ({ app }) => {
  test.skip(app.mode !== 'bridge', 'the merge is started through the bridge');
  test.setTimeout(120_000);
  // A server that takes every recipient but turns down the first copy of one message after its data
  // (554): a failure of the message, not a refused address, so sending it again can help.
  const delivered: string[] = [];
  let turnedDown = 0;
  const smtp = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    disableReverseLookup: true,
    onData: (stream, session, cb) => {
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address);
        if (to.includes('second@lan.test') && turnedDown === 0) {
          turnedDown++;
          return cb(Object.assign(new Error('5.7.1 Message content rejected, try again later by hand'), { responseCode: 554 }));
        }
        delivered.push(...to);
        cb();
      });
      stream.resume();
    },
  });
  smtp.on('error', () => {});
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  try {
    const { page } = app;
    await addLocalAccount(page, smtp);

    const csv = ['Name,Email', 'First,first@lan.test', 'Second,second@lan.test', 'Third,third@lan.test'].join('\n');
    const { run } = await startMerge(page, csv, `Retry ${Date.now().toString(36)}`, 600);
    const merges = new MergeRunsPage(page);
    await merges.open();
    await expect(merges.state(run.name, 'Finished with problems')).toBeVisible({ timeout: 30_000 });
    await expect(merges.counts(run.name)).toHaveText('2 of 3 sent · 1 failed');

    await merges.openResults(run.name);
    const second = merges.resultRow(run.name, 'second@lan.test');
    await expect(second.getByRole('cell').nth(2)).toHaveText('Failed');
    await expect(second.locator('q')).toContainText('554');
    expect(await merges.show(run.name, 'Refused or failed')).toBe('Refused or failed (1)');

    const retry = merges.results(run.name).getByRole('button', { name: 'Retry failed rows' });
    await expect(retry).toBeEnabled();
    await retry.click();
    await expect(merges.said(run.name)).toHaveText('1 row is being sent again.');
    // It goes; the merge, now sent to everyone, looks it; the filter follows.
    await expect(merges.state(run.name, 'All sent')).toBeVisible({ timeout: 30_000 });
    await expect(merges.counts(run.name)).toHaveText('3 of 3 sent');
    await expect
      .poll(async () => (await merges.results(run.name).getByLabel('Show').locator('option').allTextContents()).find((o) => o.startsWith('Sent (')), { timeout: 10_000 })
      .toBe('Sent (3)');
    await merges.show(run.name, 'Sent');
    await expect(second.getByRole('cell').nth(2)).toHaveText('Sent');
    await expect(retry).toBeDisabled();
    await expect(retry).toHaveAccessibleDescription('Nothing to retry: no row failed.');
    expect(delivered.filter((a) => a === 'second@lan.test')).toEqual(['second@lan.test']);
  } finally {
    await new Promise<void>((r) => smtp.close(() => r()));
  }
});

test('a long merge’s results come 200 rows at a time; "Show more" draws the next and takes the focus there', async ({ app }) => {
  test.skip(app.mode !== 'bridge', 'the merge is started through the bridge');
  test.setTimeout(150_000);
  const smtp = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    disableReverseLookup: true,
    onData: (stream, _session, cb) => {
      stream.on('end', () => cb());
      stream.resume();
    },
  });
  smtp.on('error', () => {});
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  try {
    const { page } = app;
    await addLocalAccount(page, smtp);
    const csv = ['Name,Email', ...Array.from({ length: 250 }, (_, i) => `Member ${i},member${i}@lan.test`)].join('\n');
    const { run } = await startMerge(page, csv, `Long ${Date.now().toString(36)}`, 100_000, 'leave@lan.test');
    const merges = new MergeRunsPage(page);
    await merges.open();
    await expect(merges.state(run.name, 'All sent')).toBeVisible({ timeout: 90_000 });
    await merges.openResults(run.name);
    const table = merges.resultsTable(run.name);
    await expect(table.getByRole('caption')).toHaveText('250 rows, the first 200 shown');
    await expect(merges.resultRows(run.name)).toHaveCount(200);
    await merges.results(run.name).getByRole('button', { name: 'Show more (50 of 50 left)' }).click();
    await expect(merges.resultRows(run.name)).toHaveCount(250);
    await expect(table.getByRole('caption')).toHaveText('250 rows');
    // The first of the new rows (file row 202: the header is row 1) has the focus; the button is gone.
    await expect(merges.resultRow(run.name, 'member200@lan.test')).toBeFocused();
    await expect(merges.results(run.name).getByRole('button', { name: /^Show more/ })).toHaveCount(0);
  } finally {
    await new Promise<void>((r) => smtp.close(() => r()));
  }
});

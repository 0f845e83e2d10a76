import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ELECTRON_MISSING, electronBinary, expect, launchApp, test } from './fixture';
import { OutboxPage } from './pages/compose';
import { WizardPage } from './pages/wizard';
import type { Page } from '@playwright/test';
import type { MailServers, MailUser } from '../support/mail-servers';

const DAY = 24 * 3600_000;

/** A history as the outbox writes it (src-main/services/outbox/history.ts): oldest first, one line per finished message. */
function seedHistory(dataDir: string, count: number) {
  const now = Date.now();
  const lines = Array.from({ length: count }, (_, i) => {
    // Newest last; the oldest twenty finished more than 40 days ago.
    const n = count - i;
    const finishedAt = new Date(now - (n <= count - 20 ? n * 3600_000 : (40 + n) * DAY)).toISOString();
    const refused = n === 3 ? [{ address: 'nobody@mailwright.test', serverReply: '550 5.1.1 <nobody@mailwright.test>: Recipient address rejected: User unknown' }] : [];
    return JSON.stringify({
      v: 1,
      id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      accountId: 'earlier-account',
      state: 'sent',
      messageId: `<earlier-${n}@mailwright.test>`,
      envelopeId: null,
      recipients: ['bob@mailwright.test', ...refused.map((r) => r.address)],
      subject: `Earlier ${n}`,
      to: ['bob@mailwright.test', ...refused.map((r) => r.address)],
      sizeBytes: 2048,
      createdAt: finishedAt,
      finishedAt,
      attempts: 1,
      accepted: ['bob@mailwright.test'],
      refused,
      lastReply: '250 2.0.0 Ok: queued',
      deliveryReports: [],
    });
  });
  mkdirSync(join(dataDir, 'outbox'), { recursive: true });
  writeFileSync(join(dataDir, 'outbox', 'history.jsonl'), lines.join('\n') + '\n');
}

test('sent messages from the history page in under the live ones, newest first, and the retention setting drops older ones', async ({ servers, browser }, testInfo) => {
  const mode = testInfo.project.name === 'electron' ? 'electron' : 'bridge';
  if (mode === 'electron') test.skip(!electronBinary(), ELECTRON_MISSING);
  const app = await launchApp({ mode, servers, ...(mode === 'bridge' ? { browser } : {}), prepareDataDir: (dir) => seedHistory(dir, 120) });
  try {
    await walk(app.page, servers);
    if (mode === 'bridge') expect(app.offSchemaReplies).toEqual([]);
  } finally {
    await app.close();
  }
});

async function walk(page: Page, servers: MailServers) {
  await new WizardPage(page).addAccount(servers, servers.users[0] as MailUser, { smtp: 'STARTTLS', incoming: { protocol: 'IMAP', security: 'SSL/TLS' } });
  const outbox = new OutboxPage(page);
  await outbox.open();
  const earlier = page.getByRole('list', { name: 'Sent earlier' });
  // One item per message (a refused recipient's own list is inside its item).
  const entries = earlier.getByRole('listitem', { name: /^Earlier \d+:/ });
  await expect(page.getByRole('heading', { name: 'Sent earlier' })).toBeVisible();
  // The first page: the newest fifty.
  await expect(entries).toHaveCount(50);
  await expect(entries.first()).toHaveAccessibleName('Earlier 1: Sent');
  // A recipient refused at send time is said, with the server's words.
  await expect(earlier.getByRole('listitem', { name: 'Earlier 3: Sent, 1 not delivered' })).toContainText('nobody@mailwright.test');
  await page.getByRole('button', { name: 'Show older' }).click();
  await expect(entries).toHaveCount(100);
  await page.getByRole('button', { name: 'Show older' }).click();
  await expect(entries).toHaveCount(120);
  await expect(page.getByRole('button', { name: 'Show older' })).toHaveCount(0);

  // Keep it 30 days: the twenty older entries go.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Accounts' }).click();
  const keep = page.getByLabel('Keep the history of sent messages for');
  await expect(keep).toHaveValue('365');
  await keep.selectOption({ label: '30 days' });
  await expect(keep).toHaveValue('30');
  await expect
    .poll(async () => {
      await outbox.open();
      for (let i = 0; i < 3 && (await page.getByRole('button', { name: 'Show older' }).count()); i++) await page.getByRole('button', { name: 'Show older' }).click();
      return entries.count();
    })
    .toBe(100);
  await expect(earlier.getByRole('listitem', { name: /^Earlier 101:/ })).toHaveCount(0);
}

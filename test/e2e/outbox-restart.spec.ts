import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withImap } from '../support/clients';
import { ELECTRON_MISSING, electronBinary, expect, launchApp, test } from './fixture';
import { ComposePage, OutboxPage } from './pages/compose';
import { WizardPage } from './pages/wizard';
import { SCREENSHOT_DIR } from './paths';

const JOURNAL = 'jobs.journal';

test('a message whose outbox record was damaged comes back after a restart as one to check, and is not sent on its own', async ({ servers, browser }, testInfo) => {
  const mode = testInfo.project.name === 'electron' ? 'electron' : 'bridge';
  if (mode === 'electron') test.skip(!electronBinary(), ELECTRON_MISSING);
  const bob = servers.users[1]!;
  const draft = { to: bob.address, subject: `Record damaged ${Date.now()}`, body: 'Sent before the crash, or not?' };
  const saved = mkdtempSync(join(tmpdir(), 'mailwright-e2e-restart-'));
  try {
    // First run: the message is stored and waits out a long undo window when the app goes away.
    const first = await launchApp({ mode, servers, undoSeconds: 30, ...(mode === 'bridge' ? { browser } : {}) });
    try {
      await new WizardPage(first.page).addAccount(servers, servers.users[0]!, { smtp: 'STARTTLS' });
      const compose = new ComposePage(first.page);
      await compose.open();
      await compose.write(draft);
      await compose.send();
      await expect(compose.undoBanner).toBeVisible();
      const outbox = join(first.dataDir, 'outbox');
      // Its message file, and its record in the outbox's journal.
      await expect.poll(() => readdirSync(outbox).filter((n) => n.endsWith('.eml')).length, { timeout: 5000 }).toBe(1);
      await expect.poll(() => readFileSync(join(outbox, JOURNAL), 'utf8').includes(draft.subject), { timeout: 5000 }).toBe(true);
      cpSync(first.dataDir, saved, { recursive: true });
    } finally {
      await first.close();
    }
    // Between the runs a byte of the job's record changes (a disk that lies, a bad sector): its checksum no longer matches.
    const journal = join(saved, 'outbox', JOURNAL);
    const text = readFileSync(journal, 'utf8');
    expect(text).toContain('"state":"queued"');
    writeFileSync(journal, text.replace('"state":"queued"', '"state":"queuee"'));

    const second = await launchApp({ mode, servers, undoSeconds: 1, prepareDataDir: (dir) => cpSync(saved, dir, { recursive: true }), ...(mode === 'bridge' ? { browser } : {}) });
    try {
      const { page } = second;
      const outbox = new OutboxPage(page);
      await outbox.open();
      const row = outbox.job(draft.subject);
      await outbox.waitForState(draft.subject, 'Record damaged: check before sending');
      await expect(row).toContainText('record was damaged; check it before sending');
      for (const name of ['Send after checking', 'It arrived', 'Open as draft', 'Delete']) await expect(row.getByRole('button', { name })).toBeVisible();
      await page.screenshot({ path: join(SCREENSHOT_DIR, `outbox-damaged-record-${second.mode}.png`), fullPage: true });

      // Long past its undo window and every retry time: still waiting for the person, and not on the server.
      await page.waitForTimeout(3000);
      await outbox.waitForState(draft.subject, 'Record damaged: check before sending');
      const found = await withImap(servers, bob, async (client) => {
        await client.mailboxOpen('INBOX');
        return (await client.search({ subject: draft.subject })) || [];
      });
      expect(found).toEqual([]);

      // The person checks it: it opens as the draft it was, Bcc and all.
      await row.getByRole('button', { name: 'Open as draft' }).click();
      const compose = new ComposePage(page);
      await compose.attach();
      await expect(compose.field('Subject')).toHaveValue(draft.subject);
      expect(await compose.values()).toEqual({ ...draft, cc: '', bcc: '' });
    } finally {
      await second.close();
    }
  } finally {
    rmSync(saved, { recursive: true, force: true });
  }
});

import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ELECTRON_MISSING, electronBinary, expect, launchApp, test } from './fixture';
import { SCREENSHOT_DIR } from './paths';

test('a damaged draft is set aside, and the person is told where it was kept until they dismiss it', async ({ servers, browser }, testInfo) => {
  const mode = testInfo.project.name === 'electron' ? 'electron' : 'bridge';
  if (mode === 'electron') test.skip(!electronBinary(), ELECTRON_MISSING);
  const id = randomUUID();
  const damaged = `{"format":1,"id":"${id}","savedAt":"2026-12-0`;
  const app = await launchApp({
    mode,
    servers,
    ...(mode === 'bridge' ? { browser } : {}),
    prepareDataDir: (dir) => {
      mkdirSync(join(dir, 'drafts'));
      writeFileSync(join(dir, 'drafts', `${id}.json`), damaged);
    },
  });
  try {
    const alert = app.page.getByRole('alert').filter({ hasText: 'A damaged file was set aside' });
    await expect(alert).toContainText(`drafts/${id}.json`);
    await expect(alert).toContainText('A saved draft could not be read');
    const keptAs = (await alert.locator('code').textContent())!;
    expect(keptAs).toMatch(new RegExp(`^drafts/${id}\\.json\\.damaged-`));
    expect(readFileSync(join(app.dataDir, keptAs), 'utf8')).toBe(damaged);
    expect(existsSync(join(app.dataDir, 'drafts', `${id}.json`))).toBe(false);
    await app.page.screenshot({ path: join(SCREENSHOT_DIR, 'damaged-draft-notice.png') });

    await alert.getByRole('button', { name: 'Dismiss' }).click();
    await expect(alert).toHaveCount(0);
    // Focus moves on to the view, not back to the top of the page.
    await expect(app.page.locator('main')).toBeFocused();
    if (mode === 'bridge') expect(app.offSchemaReplies).toEqual([]);
  } finally {
    await app.close();
  }
});

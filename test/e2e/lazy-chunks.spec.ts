/**
 * The renderer starts small (issue 12, item 10): the first screen runs only the entry script; the
 * editor (TipTap, with its style sheet) and the Mail view arrive as chunks from the app's own
 * origin when first shown, under the app's CSP, with a visible, labelled "Loading …" status while
 * they are on their way. Each chunk is held back here until the status has been seen.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page, Route } from '@playwright/test';
import { expect, test } from './fixture';
import { ComposePage } from './pages/compose';
import { MailboxPage } from './pages/mailbox';
import { WizardPage } from './pages/wizard';
import { SCREENSHOT_DIR } from './paths';

/** File names of the scripts and style sheets the page has loaded so far (Resource Timing). */
const loaded = (page: Page) =>
  page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .map((e) => new URL(e.name).pathname.split('/').pop()!)
      .filter((name) => /\.(js|css)$/.test(name)),
  );

/** Holds requests for `pattern` until release() (then the fixture's handler serves them from out/renderer). */
async function hold(page: Page, pattern: RegExp): Promise<{ requested: Promise<void>; release(): void }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let requested!: () => void;
  const seen = new Promise<void>((resolve) => (requested = resolve));
  // Registered after the fixture's routes, so it runs first; fallback() hands on to them.
  await page.context().route(pattern, async (route: Route) => {
    requested();
    await released;
    await route.fallback();
  });
  return { requested: seen, release };
}

test('the first screen runs one script; the editor and the Mail view load as chunks when first shown, behind a labelled loading state', async ({ app }, testInfo) => {
  test.skip(app.mode !== 'bridge', 'request interception is a bridge-mode check');
  const { page, servers } = app;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOT_DIR, `${testInfo.project.name}-lazy-${name}.png`) });
  await page.evaluate(() => {
    const w = window as unknown as { __violations: string[] };
    w.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });

  // A first start: the wizard, from the entry script alone.
  await expect(page.getByRole('heading', { name: 'Add an outgoing mail account' })).toBeVisible();
  const first = await loaded(page);
  expect(first.filter((name) => name.endsWith('.js'))).toEqual([expect.stringMatching(/^index-[\w-]+\.js$/)]);
  expect(first.some((name) => /RichEditor|MailView/.test(name))).toBe(false);

  // The Mail view: held back, it says it is loading your mail; then it is there.
  const mailChunk = await hold(page, /\/assets\/MailView-[\w-]+\.js$/);
  await new WizardPage(page).addAccount(servers, servers.users[0]!, { smtp: 'STARTTLS', incoming: { protocol: 'IMAP', security: 'SSL/TLS' } });
  await page.getByRole('button', { name: 'Go to the mailbox' }).click();
  await mailChunk.requested;
  const mailLoading = page.getByRole('status').filter({ hasText: 'Loading your mail…' });
  await expect(mailLoading).toBeVisible();
  await shot('mail-light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot('mail-dark');
  await page.emulateMedia({ colorScheme: 'light' });
  mailChunk.release();
  const mailbox = new MailboxPage(page);
  await expect(mailbox.view).toBeVisible();
  await expect(mailbox.folders).toBeVisible();
  await expect(mailLoading).toHaveCount(0);
  expect(await loaded(page)).toEqual(expect.arrayContaining([expect.stringMatching(/^MailView-[\w-]+\.js$/)]));

  // The editor, in a compose window of its own: held back, the window says it is loading it; then it is there, styled.
  const editorChunk = await hold(page, /\/assets\/RichEditor-[\w-]+\.js$/);
  await page.context().addInitScript(() => {
    const w = window as unknown as { __violations: string[] };
    w.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'New message' }).click();
  await editorChunk.requested;
  const compose = new ComposePage(page);
  const composeWindow = await compose.attach();
  const composeShot = (name: string) => composeWindow.screenshot({ path: join(SCREENSHOT_DIR, `${testInfo.project.name}-lazy-${name}.png`) });
  const editorLoading = composeWindow.getByRole('status').filter({ hasText: 'Loading the editor…' });
  await expect(editorLoading).toBeVisible();
  await expect(compose.editor).toHaveCount(0);
  await composeShot('editor-light');
  await composeWindow.emulateMedia({ colorScheme: 'dark' });
  await composeShot('editor-dark');
  await composeWindow.emulateMedia({ colorScheme: 'light' });
  await composeWindow.setViewportSize({ width: 800, height: 600 });
  await composeShot('editor-800x600');
  editorChunk.release();
  await expect(compose.editor).toBeVisible();
  await expect(editorLoading).toHaveCount(0);
  // RichEditor.css came with it (TipTap's own injected <style> is off under the CSP).
  await expect(compose.editor).toHaveCSS('white-space', 'break-spaces');
  await compose.editor.fill('Typed into the lazily loaded editor');
  await expect(compose.editor).toContainText('Typed into the lazily loaded editor');
  expect(await loaded(composeWindow)).toEqual(
    expect.arrayContaining([expect.stringMatching(/^RichEditor-[\w-]+\.js$/), expect.stringMatching(/^RichEditor-[\w-]+\.css$/)]),
  );
  expect(await composeWindow.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual([]);

  expect(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual([]);
  expect(app.blockedRequests).toEqual([]);
});

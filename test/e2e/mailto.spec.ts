import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BRIDGE_ORIGIN, expect, test } from './fixture';
import { ComposePage, OutboxPage } from './pages/compose';
import { WizardPage } from './pages/wizard';

/** Screenshots of the prefilled compose window, for a person to look at (light, dark, 800x600). */
const SHOTS = process.env.MAILWRIGHT_MAILTO_SHOTS ?? '/tmp/shots/mailto';

test('a mailto: link handed to the running app opens a filled compose window, and nothing is sent by itself', async ({ app }, testInfo) => {
  const { page, servers } = app;
  await new WizardPage(page).addAccount(servers, servers.users[0]!, { smtp: 'STARTTLS' });
  const compose = new ComposePage(page);
  await compose.open();
  // Something typed before the link arrives: the link opens a window of its own (the typed one stays, and is autosaved as a draft).
  await compose.field('Subject').fill('typed before the link');
  const typed = compose.window;

  const bob = servers.users[1]!.address;
  await app.openMailto(
    `mailto:${bob}?to=ann@example.org&cc=carol@example.org&bcc=dave@example.org&subject=Caf%C3%A9%20tomorrow%3F&body=Hello%20Bob%2C%0D%0A%0D%0ASee%20you%20at%20ten.&from=boss@example.org&x-custom=1`,
  );
  const window = await compose.attach();
  await expect(typed.getByLabel('Subject')).toHaveValue('typed before the link');
  await expect(compose.field('To')).toHaveValue(`${bob}, ann@example.org`);
  await expect(compose.field('Cc')).toHaveValue('carol@example.org');
  await expect(compose.field('Bcc')).toHaveValue('dave@example.org');
  await expect(compose.field('Subject')).toHaveValue('Café tomorrow?');
  await expect(compose.editor).toHaveValue('Hello Bob,\n\nSee you at ten.');
  await expect(compose.field('To')).not.toHaveAttribute('aria-invalid', 'true');

  mkdirSync(SHOTS, { recursive: true });
  await window.screenshot({ path: join(SHOTS, `${testInfo.project.name}-light.png`) });
  await window.emulateMedia({ colorScheme: 'dark' });
  await window.screenshot({ path: join(SHOTS, `${testInfo.project.name}-dark.png`) });
  await window.emulateMedia({ colorScheme: 'light' });
  await window.setViewportSize({ width: 800, height: 600 });
  await window.screenshot({ path: join(SHOTS, `${testInfo.project.name}-800x600.png`) });

  // Nothing was queued: the person sends.
  await new OutboxPage(page).open();
  await expect(page.getByRole('heading', { name: 'Outbox' })).toBeVisible();
  await expect(page.getByRole('listitem').filter({ hasText: 'Café tomorrow?' })).toHaveCount(0);
  // What was typed before the link came is kept as a draft, not lost (autosave, 1.5 s after the typing).
  await expect(typed.getByRole('status', { name: 'Draft' })).toContainText('Draft saved');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Drafts' }).click();
  await expect(page.getByText('typed before the link')).toBeVisible();
});

test('a look-alike address from a link is flagged as a typed one would be; a link asking for a file is refused in words', async ({ app }, testInfo) => {
  const { page, servers } = app;
  await new WizardPage(page).addAccount(servers, servers.users[0]!, { smtp: 'STARTTLS' });
  const compose = new ComposePage(page);

  // Cyrillic "а" in paypal: the same words as the address parser gives for the typed address, shown at once.
  await app.openMailto('mailto:support@p%D0%B0ypal.com?subject=Your%20account');
  const window = await compose.attach();
  await expect(compose.field('Subject')).toHaveValue('Your account');
  await expect(compose.field('To')).toHaveValue('support@pаypal.com');
  await expect(compose.field('To')).toHaveAttribute('aria-invalid', 'true');
  await expect(compose.field('To')).toHaveAccessibleDescription(/mix|script|look/i);
  mkdirSync(SHOTS, { recursive: true });
  await window.screenshot({ path: join(SHOTS, `${testInfo.project.name}-lookalike.png`) });

  // A link that would attach a local file: refused as a whole, the open message untouched.
  await app.openMailto('mailto:bob@example.org?subject=Invoice&attach=%2Fetc%2Fpasswd');
  await expect(compose.refusedLink).toContainText('asks to attach a file');
  await expect(compose.field('Subject')).toHaveValue('Your account');
  // Shown where the person is looking, even when the page was scrolled down.
  await expect(compose.refusedLink).toBeInViewport();
  await page.screenshot({ path: join(SHOTS, `${testInfo.project.name}-refused.png`) });
  // A header smuggled in with a line break: refused too.
  await compose.refusedLink.getByRole('button', { name: 'Dismiss' }).click();
  await expect(compose.refusedLink).toHaveCount(0);
  await app.openMailto('mailto:bob@example.org?subject=Hi%0D%0ABcc:%20spy@evil.example');
  await expect(compose.refusedLink).toContainText('line break into the subject');
  await expect(compose.field('Bcc')).toHaveValue('');
  // Refused links open no window.
  expect(compose.openWindows()).toEqual([window]);
});

test('a link that arrives before the window listens (the link that started the app) opens once the window is up, after the first account', async ({ app }) => {
  test.skip(app.mode !== 'bridge', 'the bridge can take the window away; Electron opens it itself');
  // The wizard, then the compose window the link opened: near a minute on a loaded machine.
  test.slow();
  const { page, servers } = app;
  // No renderer listening: the event goes nowhere, main keeps the link.
  await page.goto('about:blank');
  await app.openMailto('mailto:bob@example.org?subject=From%20the%20first%20start&body=Hi');
  await page.goto(`${BRIDGE_ORIGIN}/index.html`);
  // First start: no account yet, so the wizard first; then the message the link asked for.
  await new WizardPage(page).addAccount(servers, servers.users[0]!, { smtp: 'STARTTLS' });
  const compose = new ComposePage(page);
  await compose.attach();
  await expect(compose.field('Subject')).toHaveValue('From the first start');
  await expect(compose.field('To')).toHaveValue('bob@example.org');
  await expect(compose.editor).toHaveValue('Hi');
});

/**
 * OAuth2 as a person meets it, on real servers: discovery finds a provider whose settings name
 * OAuth2, the wizard starts on "Sign in with your browser (OAuth2)", the provider's page opens in
 * "the system browser" (a second, separate browser context: never inside the app), the person signs
 * in there, the tab says to go back to Mailwright, the check passes every stage with the token, the
 * account is saved, a message sent from compose arrives through Postfix, and the app reads the
 * INBOX over IMAP with a token. Then the grant is revoked: the account and the outbox say "Sign in
 * again", the message waits, and after signing in again it arrives once.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from '@playwright/test';
import { waitForMessage } from '../support/imap-read';
import { startMailServers, type MailServers } from '../support/mail-servers';
import { startOAuthServer, type OAuthServer } from '../support/oauth-server';
import { expect, launchApp, startDiscoveryEnvironment, test, type DiscoveryEnvironment, type LaunchedApp } from './fixture';
import { ComposePage, OutboxPage } from './pages/compose';
import { AccountsPage } from './pages/accounts';
import { WizardPage } from './pages/wizard';
import { SCREENSHOT_DIR } from './paths';

const OP_PASSWORD = 'op-Password-7';

test.describe('signing in with OAuth2', () => {
  test.describe.configure({ mode: 'serial', timeout: 180_000 });

  let op: OAuthServer;
  let servers: MailServers;
  let env: DiscoveryEnvironment;
  let app: LaunchedApp;

  // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixture's dependencies from this pattern
  test.beforeAll(async ({}, testInfo) => {
    test.skip(testInfo.project.name === 'electron', 'the system browser is a second Playwright page through the bridge; the Electron app opens the real system browser');
    op = await startOAuthServer({ accessTokenTtlSeconds: 30 });
    servers = await startMailServers({ oauth: op.introspection });
    for (const user of servers.users) op.addUser(user.address, OP_PASSWORD);
    env = await startDiscoveryEnvironment(servers, op);
  });
  test.afterAll(async () => {
    await app?.close();
    await env?.stop();
    await servers?.stop();
    await op?.stop();
  });

  /** The person's browser: a context of its own (no routes, no bridge), on the URL the app asked the system to open. */
  async function signInInSystemBrowser(browser: Browser, url: string, email: string): Promise<Page> {
    const context = await browser.newContext();
    const tab = await context.newPage();
    await tab.goto(url);
    await tab.getByLabel('Email').fill(email);
    await tab.getByLabel('Password').fill(OP_PASSWORD);
    await tab.getByRole('button', { name: 'Sign in' }).click();
    await expect(tab.getByText('You can close this tab and go back to Mailwright.')).toBeVisible();
    return tab;
  }
  const nextOpened = async (from: number) => {
    await expect.poll(() => app.openedExternally.length, { timeout: 15_000 }).toBeGreaterThan(from);
    return app.openedExternally[from]!;
  };

  test('discovery offers OAuth2, the person signs in in the system browser, the check passes with the token, a message arrives and the INBOX is read', async ({ browser }) => {
    const [alice, bob] = [servers.users[0]!, servers.users[1]!];
    app = await launchApp({
      servers,
      browser,
      discovery: env.options,
      oauthRegistrations: { forProvider: (id) => (id === op.provider.id ? { clientId: op.clientId } : undefined) },
    });
    const { page } = app;
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const wizard = new WizardPage(page);
    await wizard.fillDetails({ displayName: 'Alice', email: alice.address, password: '' });
    await wizard.findSettings();
    await expect(page.getByLabel('Authentication method', { exact: true })).toHaveValue('oauth2');
    await expect(wizard.signInGroup).toBeVisible();
    await expect(page.getByLabel('Password', { exact: true })).toHaveCount(0);

    const before = app.openedExternally.length;
    await wizard.signInWithBrowser();
    await expect(wizard.waitingForBrowser).toBeVisible();
    const url = new URL(await nextOpened(before));
    expect(url.origin).toBe(op.issuer);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    const tab = await signInInSystemBrowser(browser, url.toString(), alice.address);
    await wizard.waitForSignedIn({ email: alice.address, checked: true });
    await tab.context().close();

    await wizard.verification.getByRole('button', { name: 'Show details' }).click();
    const transcript = page.getByLabel('Conversation with the servers');
    await expect(transcript).toContainText(/AUTH (XOAUTH2|OAUTHBEARER) \[redacted\]/);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'oauth-wizard-signed-in.png'), fullPage: true });
    await wizard.save();

    const compose = new ComposePage(page);
    await compose.open();
    const subject = `OAuth e2e ${Date.now()}`;
    await compose.write({ to: bob.address, subject, body: 'Sent with a token.' });
    await compose.send();
    await waitForMessage(servers, bob, (s) => s.includes(`Subject: ${subject}`), 20_000);

    // Alice's INBOX over IMAP with a token (a message to herself shows up).
    const selfSubject = `OAuth self ${Date.now()}`;
    await compose.open();
    await compose.write({ to: alice.address, subject: selfSubject, body: 'To myself.' });
    await compose.send();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: /^Mail(?! merge)/ }).click();
    await expect(page.getByText(selfSubject).first()).toBeVisible({ timeout: 30_000 });
  });

  test('a revoked grant: "Sign in again" on the account and in the outbox, the message waits, and goes out once after signing in again', async ({ browser }) => {
    const [alice, bob] = [servers.users[0]!, servers.users[1]!];
    const { page } = app;
    await op.revokeGrantsOf(alice.address);
    const compose = new ComposePage(page);
    await compose.open();
    const subject = `OAuth waits ${Date.now()}`;
    await compose.write({ to: bob.address, subject, body: 'Waits for a sign-in.' });
    await compose.send();
    const outbox = new OutboxPage(page);
    await outbox.open();
    // The cached access token still works until it expires (30 s): then the refresh is refused.
    await outbox.waitForState(subject, 'Waiting for you to sign in again', 60_000);
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'oauth-outbox-sign-in-again.png'), fullPage: true });

    const accounts = new AccountsPage(page);
    await accounts.open();
    await expect(accounts.signInAgainProblem(alice.address)).toBeVisible();
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'oauth-account-sign-in-again.png'), fullPage: true });
    const before = app.openedExternally.length;
    await accounts.signInAgain(alice.address);
    const tab = await signInInSystemBrowser(browser, await nextOpened(before), alice.address);
    await tab.context().close();
    await accounts.waitForSignedInAgain();
    // Focus moves to the confirmation, not to the page, once the button it was on is gone.
    await expect(page.getByRole('status').filter({ hasText: /^Signed in again as / }).first()).toBeFocused();

    await outbox.open();
    await outbox.waitForState(subject, 'Sent', 30_000);
    await waitForMessage(servers, bob, (s) => s.includes(`Subject: ${subject}`), 20_000);
  });
});

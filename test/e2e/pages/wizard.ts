import { expect, type Locator, type Page } from '@playwright/test';
import type { MailServers, MailUser } from '../../support/mail-servers';

export interface WizardValues {
  displayName: string;
  email: string;
  password: string;
  description?: string;
  host: string;
  security: 'SSL/TLS' | 'STARTTLS' | 'None';
  port?: string;
  username?: string;
}

export interface IncomingValues {
  protocol: 'IMAP' | 'POP3';
  host: string;
  security: 'SSL/TLS' | 'STARTTLS' | 'None';
  port: string;
  username?: string;
}

/** The account wizard, as a person uses it. */
export class WizardPage {
  constructor(readonly page: Page) {}

  get verification(): Locator {
    return this.page.getByRole('region', { name: 'Verification' });
  }

  /** First screen: who you are. */
  async fillDetails(values: Pick<WizardValues, 'displayName' | 'email' | 'password'>) {
    const p = this.page;
    await expect(p.getByRole('heading', { name: 'Add an outgoing mail account' })).toBeVisible();
    await p.getByLabel('Your name').fill(values.displayName);
    await p.getByLabel('Email address').fill(values.email);
    await p.getByLabel('Password', { exact: true }).fill(values.password);
  }

  async findSettings() {
    await this.page.getByRole('button', { name: 'Find my settings' }).click();
    await expect(this.page.getByRole('heading', { name: 'Check your server settings' })).toBeVisible();
  }

  async setUpManually() {
    await this.page.getByRole('button', { name: 'Set up manually' }).click();
    await expect(this.page.getByRole('heading', { name: 'Check your server settings' })).toBeVisible();
  }

  /** Second screen: the outgoing server. */
  async fillServer(values: Pick<WizardValues, 'host' | 'security' | 'port' | 'username' | 'description'>) {
    const p = this.page;
    if (values.description) await p.getByLabel('Description').fill(values.description);
    await p.getByLabel('Server', { exact: true }).fill(values.host);
    await p.getByLabel('Connection security', { exact: true }).selectOption({ label: values.security });
    if (values.port) await p.getByLabel('Port', { exact: true }).fill(values.port);
    if (values.username) await p.getByLabel('Username', { exact: true }).fill(values.username);
  }

  async fillIncoming(values: IncomingValues) {
    const p = this.page;
    await p.getByLabel('Also read mail from this account').check();
    await p.getByLabel('Incoming protocol').selectOption({ label: values.protocol });
    await p.getByLabel('Incoming server').fill(values.host);
    await p.getByLabel('Incoming connection security').selectOption({ label: values.security });
    await p.getByLabel('Incoming port').fill(values.port);
    if (values.username) await p.getByLabel('Incoming username').fill(values.username);
  }

  /** Whole manual setup in one go (both screens). */
  async fill(values: WizardValues) {
    await this.fillDetails(values);
    await this.setUpManually();
    await this.fillServer(values);
  }

  async check() {
    await this.page.getByRole('button', { name: /^Check (settings|again)$/ }).click();
  }

  /** Waits until the check has finished, and returns whether everything passed. */
  async checkResult(): Promise<'passed' | 'failed'> {
    const done = this.page.getByRole('button', { name: /^(Save account|Check again)$/ });
    await expect(done).toBeVisible({ timeout: 20_000 });
    return (await done.textContent()) === 'Save account' ? 'passed' : 'failed';
  }

  /** The row of one stage, e.g. stage('Outgoing server (SMTP)', 'Sign in'). */
  stage(server: string, label: string): Locator {
    return this.verification.getByRole('list', { name: `${server} checks` }).getByRole('listitem').filter({ hasText: `${label}:` });
  }

  async save() {
    await this.page.getByRole('button', { name: 'Save account' }).click();
  }

  /**
   * A test user's account through the whole manual setup: the outgoing server with the chosen
   * security, optionally an incoming server; checked (every stage must pass) and saved.
   */
  async addAccount(servers: MailServers, user: MailUser, o: { smtp: 'SSL/TLS' | 'STARTTLS'; incoming?: { protocol: 'IMAP' | 'POP3'; security: 'SSL/TLS' | 'STARTTLS' } }) {
    await this.fill({
      displayName: 'Alice Liddell',
      email: user.address,
      description: 'Work',
      host: servers.host,
      security: o.smtp,
      port: String(o.smtp === 'SSL/TLS' ? servers.submission.tlsPort : servers.submission.starttlsPort),
      username: user.username,
      password: user.password,
    });
    if (o.incoming) {
      const ports = o.incoming.protocol === 'IMAP' ? servers.imap : servers.pop3;
      const port = o.incoming.security === 'SSL/TLS' ? ports.tlsPort : ports.starttlsPort;
      await this.fillIncoming({ ...o.incoming, host: servers.host, port: String(port), username: user.username });
    }
    await this.check();
    expect(await this.checkResult()).toBe('passed');
    await this.save();
  }

  /** Found settings shown as a summary (sending and receiving servers) with "Change". */
  get summary(): Locator {
    return this.page.getByRole('region', { name: 'Settings to use' });
  }

  /** "Change" under the summary: the full form, with every field by its usual label. */
  async change() {
    await this.summary.getByRole('button', { name: 'Change' }).click();
    await expect(this.page.getByLabel('Server', { exact: true })).toBeVisible();
  }

  /** "Cancel lookup", shown while discovery runs (on the first screen, and on the form after "Set up manually"). */
  async cancelLookup() {
    await this.page.getByRole('button', { name: 'Cancel lookup' }).click();
  }

  /** After saving a new account: "<address> is ready". */
  ready(address: string): Locator {
    return this.page.getByRole('region', { name: `${address} is ready` });
  }

  async writeMessage(address: string) {
    await this.ready(address).getByRole('button', { name: 'Write a message' }).click();
  }

  async saveUnverified() {
    await this.page.getByRole('button', { name: 'Save without a working check' }).click();
  }

  // --- OAuth2: browser sign-in -------------------------------------------------------------------

  /** The group holding the browser sign-in (shown while either server uses OAuth2). */
  get signInGroup(): Locator {
    return this.page.getByRole('group', { name: 'Browser sign-in (OAuth2)' });
  }

  /** Chooses "Sign in with your browser (OAuth2)" for the outgoing server; the incoming server follows. */
  async chooseOAuth() {
    await this.page.getByLabel('Authentication method', { exact: true }).selectOption({ label: 'Sign in with your browser (OAuth2)' });
    await expect(this.signInGroup).toBeVisible();
  }

  /** Chooses the incoming server's method on its own (after fillIncoming). */
  async chooseIncomingAuth(method: 'Normal password' | 'Sign in with your browser (OAuth2)') {
    await this.page.getByLabel('Incoming authentication method').selectOption({ label: method });
  }

  /** "Advanced" → "Use my own client ID" → "Client ID". */
  async useOwnClientId(clientId: string) {
    const advanced = this.page.getByRole('button', { name: 'Advanced' });
    if ((await advanced.getAttribute('aria-expanded')) !== 'true') await advanced.click();
    await this.page.getByLabel('Use my own client ID').check();
    await this.page.getByLabel('Client ID', { exact: true }).fill(clientId);
  }

  /**
   * Presses "Sign in with your browser": main opens the provider's page in the system browser (in
   * the e2e, a second Playwright page) and waits for its redirect. Returns at once; the page object
   * does not wait for the line below because a fast fake browser may finish before it is seen.
   */
  async signInWithBrowser() {
    await this.page.getByRole('button', { name: 'Sign in with your browser', exact: true }).click();
  }

  /** "Waiting for you to sign in in your browser…", shown until the sign-in ends. */
  get waitingForBrowser(): Locator {
    return this.page.getByRole('status').filter({ hasText: 'Waiting for you to sign in in your browser…' });
  }

  async cancelSignIn() {
    await this.page.getByRole('button', { name: 'Cancel sign-in' }).click();
    await expect(this.waitingForBrowser).toHaveCount(0);
  }

  /**
   * Waits for "Signed in as <email> with <provider>" (the staged check then starts by itself);
   * with `checked`, also for that check to pass.
   */
  async waitForSignedIn(o: { email?: string; provider?: string; checked?: boolean; timeout?: number } = {}) {
    const text = new RegExp(`^Signed in as ${o.email ? escape(o.email) : '.+'} with ${o.provider ? escape(o.provider) : '.+'}\\.$`);
    await expect(this.signInGroup.getByRole('status').filter({ hasText: text })).toBeVisible({ timeout: o.timeout ?? 60_000 });
    if (o.checked) expect(await this.checkResult()).toBe('passed');
  }

  /** The plain words shown before any click when no client ID is configured for the provider. */
  get noClientIdNote(): Locator {
    return this.signInGroup.getByRole('note').filter({ hasText: 'has no sign-in registration for' });
  }

  /** Switches from OAuth2 back to passwords, offered where the provider has app passwords. */
  async useAppPasswordInstead() {
    await this.page.getByRole('button', { name: 'Use an app password instead' }).click();
  }

  /** The provider's app-password help (a region named "App passwords for <provider>"). */
  appPasswordHelp(providerName: string): Locator {
    return this.page.getByRole('region', { name: `App passwords for ${providerName}` }).first();
  }

  async openAppPasswordPage(providerName: string) {
    await this.appPasswordHelp(providerName).getByRole('button', { name: `Open ${providerName}'s app password page` }).click();
  }

  /** The sign-in advisor's read-only text for the administrator (first one shown). */
  get adminMessage(): Locator {
    return this.page.getByLabel('Message for your administrator').first();
  }

  /** Presses "Copy" under the administrator's text and waits for "Copied". */
  async copyAdminMessage() {
    const advice = this.page.getByRole('region', { name: 'Sign-in advice' }).filter({ has: this.adminMessage }).first();
    await advice.getByRole('button', { name: 'Copy', exact: true }).click();
    await expect(advice.getByRole('status')).toHaveText('Copied');
  }
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { createTestCa } from '../support/test-ca';
import { expect, test } from './fixture';
import { ComposePage, OutboxPage } from './pages/compose';
import { WizardPage } from './pages/wizard';
import { SCREENSHOT_DIR } from './paths';

test('discovers the settings, shows where they came from, checks every stage live, and saves', async ({ app, discoveryEnv }, testInfo) => {
  test.skip(app.mode !== 'bridge', 'discovery is pointed at the local DNS and HTTPS servers through the bridge; the Electron app uses the system resolver');
  const { page, servers } = app;
  const alice = servers.users[0]!;
  const wizard = new WizardPage(page);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });

  await wizard.fillDetails({ displayName: 'Alice', email: alice.address, password: alice.password });
  await wizard.findSettings();

  const found = page.getByRole('status', { name: 'Settings found' });
  await expect(found).toContainText("Settings found from your provider's configuration file");
  await expect(found).toContainText(`https://autoconfig.${servers.domain}:${discoveryEnv.autoconfig.port}/mail/config-v1.1.xml`);
  await expect(page.getByLabel('Server', { exact: true })).toHaveValue('localhost');
  await expect(page.getByLabel('Port', { exact: true })).toHaveValue(String(servers.submission.starttlsPort));
  await expect(page.getByLabel('Connection security', { exact: true })).toHaveValue('starttls');
  await expect(page.getByLabel('Incoming server')).toHaveValue('localhost');
  await expect(page.getByLabel('Incoming port')).toHaveValue(String(servers.imap.tlsPort));
  await found.getByRole('button', { name: 'Show what was tried' }).click();
  await expect(found).toContainText('autoconfig: found');

  await wizard.check();
  // Stages appear as they happen, then all pass.
  await expect(wizard.stage('Outgoing server (SMTP)', 'Connect')).toBeVisible();
  expect(await wizard.checkResult()).toBe('passed');
  for (const label of ['Connect', 'Server greeting', 'EHLO and capabilities', 'Secure connection (TLS)', 'Sign in', 'Sender and recipient accepted']) {
    await expect(wizard.stage('Outgoing server (SMTP)', label)).toContainText('passed');
    await expect(wizard.stage('Outgoing server (SMTP)', label)).toContainText(/\d+ ms/);
  }
  for (const label of ['Connect', 'Secure connection (TLS)', 'Server greeting', 'Sign in', 'List folders']) {
    await expect(wizard.stage('Incoming server (IMAP)', label)).toContainText('passed');
  }
  await expect(page.getByRole('status').filter({ hasText: 'Everything works' })).toBeVisible();

  // The transcript: there, copyable, and without the password.
  await wizard.verification.getByRole('button', { name: 'Show details' }).click();
  const transcript = page.getByLabel('Conversation with the servers');
  await expect(transcript).toContainText('AUTH PLAIN [redacted]');
  await expect(transcript).toContainText('(credentials redacted)');
  await expect(transcript).toContainText(`RCPT TO:<${alice.address}>`);
  await expect(transcript).not.toContainText(alice.password);
  await expect(transcript).not.toContainText(Buffer.from(`\0${alice.username}\0${alice.password}`).toString('base64'));
  await wizard.verification.getByRole('button', { name: 'Copy details for support' }).click();
  await expect(wizard.verification.getByRole('status').filter({ hasText: /Copied|Could not copy/ })).toBeVisible();
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${testInfo.project.name}-wizard-verified.png`), fullPage: true });

  await wizard.save();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'New message' })).toBeVisible();
  await page.getByRole('button', { name: 'Accounts' }).click();
  await expect(page.getByRole('listitem').filter({ hasText: alice.address })).toContainText(`Reads via IMAP localhost:${servers.imap.tlsPort}`);
  expect(app.blockedRequests).toEqual([]);
});

test('an untrusted certificate is shown with its fingerprint, and trusting exactly it makes the check and sending work', async ({ app }, testInfo) => {
  const dir = mkdtempSync(join(tmpdir(), 'mailwright-e2e-stranger-'));
  const strangerCa = await createTestCa(dir);
  const cert = await strangerCa.issue('self-hosted');
  const received: string[] = [];
  const smtp = new SMTPServer({
    secure: true,
    key: cert.key,
    cert: cert.cert,
    logger: false,
    disableReverseLookup: true,
    onAuth: (auth, _s, cb) => cb(null, { user: auth.username }),
    onData: (stream, session, cb) => {
      received.push(...session.envelope.rcptTo.map((r) => r.address));
      stream.on('end', () => cb());
      stream.resume();
    },
  });
  smtp.on('error', () => {}); // the check hangs up on purpose after judging the certificate
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  try {
    const port = (smtp.server.address() as AddressInfo).port;
    const { page } = app;
    const wizard = new WizardPage(page);
    await wizard.fill({ displayName: 'Sam', email: 'sam@selfhosted.test', password: 'a long passphrase', host: '127.0.0.1', security: 'SSL/TLS', port: String(port), username: 'sam' });
    await wizard.check();
    expect(await wizard.checkResult()).toBe('failed');
    await expect(wizard.stage('Outgoing server (SMTP)', 'Secure connection (TLS)')).toContainText('failed');
    const card = page.getByRole('region', { name: 'Certificate of 127.0.0.1' });
    await expect(card).toContainText('no authority your computer trusts');
    const fingerprint = new X509Certificate(cert.cert).fingerprint256;
    await expect(card).toContainText(fingerprint);
    await expect(wizard.stage('Outgoing server (SMTP)', 'Sign in')).toHaveCount(0); // nothing was sent before the certificate was judged
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${testInfo.project.name}-untrusted-certificate.png`), fullPage: true });

    await card.getByRole('button', { name: 'Trust this certificate for this account' }).click();
    expect(await wizard.checkResult()).toBe('passed');
    await expect(wizard.stage('Outgoing server (SMTP)', 'Secure connection (TLS)')).toContainText('(pinned)');
    await expect(page.getByRole('note').filter({ hasText: 'Trusting this server’s own certificate' })).toContainText(fingerprint.slice(0, 11));
    await wizard.save();

    const compose = new ComposePage(page);
    await compose.open();
    await compose.write({ to: 'bob@selfhosted.test', subject: 'Through a pinned certificate', body: 'Hello' });
    await compose.send();
    const outbox = new OutboxPage(page);
    await outbox.open();
    await outbox.waitForState('Through a pinned certificate', 'Sent');
    expect(received).toEqual(['bob@selfhosted.test']);
  } finally {
    await new Promise<void>((r) => smtp.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
});

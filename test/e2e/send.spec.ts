import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser, type AddressObject } from 'mailparser';
import { everyFileUnder } from '../support/files';
import { waitForMessage } from '../support/imap-read';
import { expect, test } from './fixture';
import { ComposePage, OutboxPage } from './pages/compose';
import { WizardPage } from './pages/wizard';
import { SCREENSHOT_DIR } from './paths';

const addresses = (a: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value.map((v) => v.address));

test('add an account in the wizard, send a message, and read it back from the server', async ({ app }, testInfo) => {
  const { page, servers } = app;
  const [alice, bob, carol] = servers.users as [(typeof servers.users)[0], (typeof servers.users)[0], (typeof servers.users)[0]];
  mkdirSync(SCREENSHOT_DIR, { recursive: true });

  const wizard = new WizardPage(page);
  await wizard.fill({
    displayName: 'Alice Liddell',
    email: alice.address,
    description: 'Work',
    host: servers.host,
    security: 'STARTTLS',
    port: String(servers.submission.starttlsPort),
    username: alice.username,
    password: alice.password,
  });
  await wizard.check();
  expect(await wizard.checkResult()).toBe('passed');
  await expect(wizard.stage('Outgoing server (SMTP)', 'Sign in')).toContainText('passed');
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${testInfo.project.name}-wizard.png`), fullPage: true });
  await wizard.save();

  // After the first account, the Mail view; New message opens a compose window of its own.
  const compose = new ComposePage(page);
  await compose.open();
  const unique = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const draft = {
    to: bob.address,
    cc: alice.address,
    bcc: carol.address,
    subject: `Quarterly figures ✓ ${unique}`,
    body: `Hello Bob,\n\nref ${unique}: the figures are attached in spirit — naïve café.\n.\nA line with only a dot above.\n\nAlice`,
  };
  await compose.write(draft, { plain: true });
  await compose.window.screenshot({ path: join(SCREENSHOT_DIR, `${testInfo.project.name}-compose.png`), fullPage: true });
  const window = compose.window;
  await compose.send();
  // The text says "attached" and nothing is: asked once, and "Send anyway" sends.
  await expect(compose.question).toContainText('mentions an attachment');
  await compose.question.getByRole('button', { name: 'Send anyway' }).click();

  // Queued in the outbox with an undo window; the compose window has closed, so a second click cannot resend it.
  await expect(compose.undoBanner).toContainText(draft.subject);
  expect(window.isClosed()).toBe(true);
  const outbox = new OutboxPage(page);
  await outbox.open();
  await outbox.waitForState(draft.subject, 'Sent');
  await expect(outbox.job(draft.subject)).toContainText(/The server said: .*250/);
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${testInfo.project.name}-sent.png`), fullPage: true });

  const raw = await waitForMessage(servers, bob, (source) => source.includes(unique), 10_000);
  const mail = await simpleParser(raw);
  expect(mail.subject).toBe(draft.subject);
  expect(mail.text?.replace(/\r\n/g, '\n').trimEnd()).toBe(draft.body);
  expect(mail.from?.value).toEqual([{ name: 'Alice Liddell', address: alice.address }]);
  expect(addresses(mail.to)).toEqual([bob.address]);
  expect(addresses(mail.cc)).toEqual([alice.address]);
  expect(mail.headers.has('bcc')).toBe(false);
  expect(raw).not.toContain(carol.address);

  // The Bcc recipient got it too, without seeing themselves in the headers.
  const carolsCopy = await waitForMessage(servers, carol, (source) => source.includes(unique), 10_000);
  expect(carolsCopy).not.toMatch(/^bcc:/im);

  // No file the app wrote holds the password in clear (nor its base64 form).
  const written = everyFileUnder(app.dataDir);
  expect(written).toContain(servers.host);
  expect(written).not.toContain(alice.password);
  expect(written).not.toContain(Buffer.from(alice.password).toString('base64'));
  expect(app.blockedRequests).toEqual([]);
});

test('a wrong password shows a readable error and keeps everything typed', async ({ app }) => {
  const { page, servers } = app;
  const alice = servers.users[0]!;
  const wizard = new WizardPage(page);
  await wizard.fill({
    displayName: 'Alice',
    email: alice.address,
    host: servers.host,
    security: 'SSL/TLS',
    port: String(servers.submission.tlsPort),
    username: alice.username,
    password: `${alice.password}-wrong`,
  });
  await wizard.check();
  expect(await wizard.checkResult()).toBe('failed');
  await expect(wizard.stage('Outgoing server (SMTP)', 'Sign in')).toContainText('failed');
  await expect(page.getByRole('alert')).toContainText('The server did not accept your username or password.');
  // The person can still keep the settings (e.g. to fix the password later) and write.
  await wizard.saveUnverified();

  const compose = new ComposePage(page);
  await compose.open();
  const draft = { to: servers.users[1]!.address, cc: '', bcc: '', subject: 'Will this go?', body: 'Three paragraphs of careful writing.' };
  await compose.write(draft);
  await compose.send();

  // A wrong password is permanent: no retries, the reason in words, and the draft is kept.
  const outbox = new OutboxPage(page);
  await outbox.open();
  await outbox.waitForState(draft.subject, 'Not sent');
  const row = outbox.job(draft.subject);
  await expect(row.getByRole('alert')).toContainText('The server did not accept your username or password.');
  await expect(row.getByRole('alert')).toContainText('app password');
  await expect(row.getByRole('alert')).toContainText(/The server said: .*535/);
  // The server's own words may say "Error:"; ours never name a library or a code.
  await expect(row.getByRole('alert')).not.toContainText(/EAUTH|ESOCKET|AUTH_FAILED|nodemailer|at \w+ \(/);
  await row.getByRole('button', { name: 'Edit' }).click();
  await compose.attach();
  expect(await compose.values()).toEqual(draft);
  await expect(compose.form.getByRole('button', { name: 'Send', exact: true })).toBeEnabled();
});

test('a wrong port is explained in words that say what to fix', async ({ app }) => {
  const { page, servers } = app;
  const alice = servers.users[0]!;
  const wizard = new WizardPage(page);
  // Port 1: nothing listens there.
  await wizard.fill({ displayName: 'Alice', email: alice.address, host: servers.host, security: 'SSL/TLS', port: '1', username: alice.username, password: alice.password });
  await wizard.check();
  expect(await wizard.checkResult()).toBe('failed');
  await expect(wizard.stage('Outgoing server (SMTP)', 'Connect')).toContainText('failed');
  await expect(page.getByRole('alert')).toContainText('The server refused the connection on that port.');
  await expect(page.getByRole('alert')).toContainText('465 is usual for SSL/TLS, 587 for STARTTLS');
});

test('the renderer runs under its CSP: no inline script, no requests outside the app', async ({ app }) => {
  test.skip(app.mode !== 'bridge', 'request interception is a bridge-mode check');
  const { page } = app;
  await expect(page.getByRole('heading', { name: 'Add an outgoing mail account' })).toBeVisible();
  // What an injected inline script or fetch would do; the page's CSP must stop both.
  const outcome = await page.evaluate(async () => {
    const violations: string[] = [];
    document.addEventListener('securitypolicyviolation', (e) => violations.push(e.effectiveDirective));
    const script = document.createElement('script');
    script.textContent = 'window.__inlineRan = true';
    document.head.append(script);
    let fetched = 'fetched';
    try {
      await fetch('https://example.com/');
    } catch {
      fetched = 'blocked';
    }
    await new Promise((r) => setTimeout(r, 50));
    return { inlineRan: (window as unknown as { __inlineRan?: boolean }).__inlineRan === true, fetched, violations };
  });
  expect(outcome).toEqual({ inlineRan: false, fetched: 'blocked', violations: expect.arrayContaining(['script-src-elem', 'connect-src']) });
  expect(app.blockedRequests).toEqual([]); // the CSP stopped the fetch before it reached the network layer
});

test('invalid input is refused by main with field paths, and the handler never runs', async ({ app }) => {
  test.skip(app.mode !== 'bridge', 'calls the exposed API directly');
  type Api = { mailwright: { accounts: { save(r: unknown): Promise<unknown>; list(r: unknown): Promise<unknown> } } };
  const result = await app.page.evaluate(() =>
    (window as unknown as Api).mailwright.accounts.save({
      account: { description: 'x', email: 'nope', displayName: '', smtp: { host: 'h', port: 'x', security: 'tls', auth: 'none', username: '' } },
    }),
  );
  expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
  expect(JSON.stringify(result)).not.toContain('nope');
  // Nothing was stored: the only account is the built-in Sandbox account (never stored).
  const listed = (await app.page.evaluate(() => (window as unknown as Api).mailwright.accounts.list({}))) as { ok: boolean; value: Array<{ sandbox?: boolean }> };
  expect({ ok: listed.ok, stored: listed.value.filter((a) => !a.sandbox) }).toEqual({ ok: true, stored: [] });
});

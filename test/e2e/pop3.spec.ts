import { Pop3Client } from '../../src-main/services/pop3/client';
import { expect, test } from './fixture';
import { ComposePage, OutboxPage } from './pages/compose';
import { MailboxPage } from './pages/mailbox';
import { WizardPage } from './pages/wizard';
import { sendAs } from '../support/clients';

// A POP3 account end to end: the wizard's "keep on the server" choice, mail downloaded when the
// person checks, shown in the local Inbox, never downloaded twice, deleted from the server after
// download when that was the choice; and a bounce that arrives over POP3 shown on the sent message.
test('a POP3 account: check mail downloads once, the server copy goes as chosen, and a bounce reaches the sent message', async ({ app }) => {
  const { page, servers } = app;
  const [alice, bob] = [servers.users[0]!, servers.users[1]!];
  const tag = Date.now().toString(36);

  const wizard = new WizardPage(page);
  await wizard.fill({
    displayName: 'Alice Liddell',
    email: alice.address,
    host: servers.host,
    security: 'SSL/TLS',
    port: String(servers.submission.tlsPort),
    username: alice.username,
    password: alice.password,
  });
  await wizard.fillIncoming({ protocol: 'POP3', host: servers.host, security: 'STARTTLS', port: String(servers.pop3.starttlsPort), username: alice.username });
  await expect(page.getByLabel('Keep downloaded messages on the server')).toHaveValue('14');
  await page.getByLabel('Keep downloaded messages on the server').selectOption({ label: 'No: delete them once downloaded' });
  await wizard.check();
  expect(await wizard.checkResult()).toBe('passed');
  await wizard.save();

  // Bob writes to Alice; the message waits on the POP3 server until Mailwright checks.
  await sendAs(servers, bob, { from: `Bob <${bob.address}>`, to: alice.address, subject: `Over POP3 ${tag}`, text: `Hello over POP3.\n.\nA dot line above.` });

  const mailbox = new MailboxPage(page);
  await mailbox.open();
  await expect(mailbox.folder('Inbox')).toBeVisible();
  await expect(async () => {
    await page.getByRole('button', { name: 'Check mail' }).click();
    await expect(mailbox.row(`Over POP3 ${tag}`)).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  await mailbox.openMessage(`Over POP3 ${tag}`);
  await expect(mailbox.message).toContainText('Hello over POP3.');
  await expect(mailbox.message).toContainText('A dot line above.');

  // "Delete once downloaded": the server's mailbox is empty, and checking again brings nothing twice.
  const pop = await Pop3Client.connect({ host: servers.host, port: servers.pop3.tlsPort, security: 'tls', tls: { ca: servers.ca, servername: 'localhost' }, timeoutMs: 5000 });
  await pop.login(alice.username, alice.password);
  expect((await pop.stat()).count).toBe(0);
  await pop.quit();
  await page.getByRole('button', { name: 'Check mail' }).click();
  await expect(page.getByRole('status', { name: 'Check mail result' })).not.toHaveText(/Checking/);
  await expect(mailbox.row(`Over POP3 ${tag}`)).toHaveCount(1);

  // A message from the UI to an address that bounces: the bounce comes in over POP3 and lands on it.
  const compose = new ComposePage(page);
  await compose.open();
  const nobody = `nobody@${servers.bounceDomain}`;
  await compose.write({ to: nobody, subject: `Bounces over POP3 ${tag}`, body: 'This address does not exist.' }, { plain: true });
  await compose.send();
  const outbox = new OutboxPage(page);
  await outbox.open();
  await outbox.waitForState(`Bounces over POP3 ${tag}`, 'Sent');
  // (Other specs' bounces may come down too: what counts is that this message gets its own.)
  await expect(async () => {
    await mailbox.open();
    await page.getByRole('button', { name: 'Check mail' }).click();
    await expect(page.getByRole('status', { name: 'Check mail result' })).not.toHaveText(/Checking/);
    await outbox.open();
    await expect(outbox.report(`Bounces over POP3 ${tag}`, nobody)).toContainText('Bounced', { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await expect(outbox.report(`Bounces over POP3 ${tag}`, nobody)).toContainText('Reason 5.1.1 (permanent): the mailbox does not exist.');
});

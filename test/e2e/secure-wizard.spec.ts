import { expect, test } from './fixture';
import { WizardPage } from './pages/wizard';

const CHANGED = 'The server changed, so the saved password is not sent to it: enter the password for this server.';

test('editing an account, a changed server asks for its password again; the same server keeps the saved one', async ({ app }) => {
  const { page, servers } = app;
  const alice = servers.users[0]!;
  const wizard = new WizardPage(page);
  await wizard.addAccount(servers, alice, { smtp: 'SSL/TLS', incoming: { protocol: 'IMAP', security: 'SSL/TLS' } });
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'New message' })).toBeVisible();

  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Accounts' }).click();
  await page.getByRole('button', { name: /^Edit / }).click();
  const password = page.getByLabel('Password', { exact: true });
  const incomingPassword = page.getByLabel('Incoming password');
  await expect(password).toHaveAccessibleDescription('Leave empty to keep the saved password.');
  await expect(password).not.toHaveAttribute('required');
  await expect(incomingPassword).toHaveAccessibleDescription('Leave empty to keep the saved password.');

  // Another port and security for sending: the saved password is not offered to it.
  await page.getByLabel('Connection security', { exact: true }).selectOption({ label: 'STARTTLS' });
  await page.getByLabel('Port', { exact: true }).fill(String(servers.submission.starttlsPort));
  await expect(password).toHaveAccessibleDescription(CHANGED);
  await expect(password).toHaveAttribute('required');
  await expect(incomingPassword).toHaveAccessibleDescription('Leave empty to keep the saved password.');
  await wizard.check();
  await expect(password).toHaveAttribute('aria-invalid', 'true');
  // Said once, as the error, not again as the hint above it.
  await expect(page.getByText(CHANGED)).toHaveCount(1);
  await expect(password).toHaveAccessibleDescription(CHANGED);
  await expect(wizard.verification).toHaveCount(0); // nothing was sent to check

  // Back to the saved server: the saved password applies again.
  await page.getByLabel('Connection security', { exact: true }).selectOption({ label: 'SSL/TLS' });
  await page.getByLabel('Port', { exact: true }).fill(String(servers.submission.tlsPort));
  await expect(password).toHaveAccessibleDescription('Leave empty to keep the saved password.');

  // The incoming server moved too: its own password field asks.
  await page.getByLabel('Incoming connection security').selectOption({ label: 'STARTTLS' });
  await page.getByLabel('Incoming port').fill(String(servers.imap.starttlsPort));
  await expect(incomingPassword).toHaveAccessibleDescription(CHANGED);
  await expect(incomingPassword).toHaveAttribute('required');

  // Typed for the new server: checked there and saved.
  await incomingPassword.fill(alice.password);
  await wizard.check();
  expect(await wizard.checkResult()).toBe('passed');
  await wizard.save();
  await expect(page.getByRole('listitem').filter({ hasText: alice.address })).toContainText(`Reads via IMAP ${servers.host}:${servers.imap.starttlsPort}, STARTTLS`);
});

/**
 * The wizard's side of OAuth2 sign-in, as pure form state: choosing the method, what discovery
 * starts on, what goes to oauth:signIn, accounts:verify and accounts:save, the own client ID, and
 * the plain words when this copy of Mailwright has no client ID for the provider.
 */
import { describe, expect, it } from 'vitest';
import type { DiscoveryResult } from '../../shared/discovery';
import type { Account } from '../../shared/model';
import type { OAuthProvider } from '../../shared/oauth';
import {
  applyDiscovery,
  applyEdit,
  emptyForm,
  formFromAccount,
  oauthSessionOf,
  savedPasswordsApply,
  signInBlocker,
  signInRequestOf,
  toAccountInput,
  typedPasswords,
  type WizardForm,
} from '../../src-renderer/features/wizard/form-state';

const microsoft: OAuthProvider = {
  id: 'microsoft',
  name: 'Microsoft',
  issuer: 'https://login.microsoftonline.com/common/v2.0',
  authorizationEndpoint: 'https://login.microsoftonline.com/common/oauth2/v2.0/authorize',
  tokenEndpoint: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
  scopes: ['https://outlook.office.com/SMTP.Send', 'offline_access'],
};
const SESSION = '0b7e3f5c-2222-4bbb-8ccc-000000000002';

const discovered = (shippedClientId: string | null, smtpAuth: 'oauth2' | 'password' = shippedClientId ? 'oauth2' : 'password'): DiscoveryResult => ({
  source: 'bundled',
  sourceDetail: 'outlook',
  providerName: 'Outlook.com',
  providerId: 'outlook',
  oauth: { provider: microsoft, shippedClientId },
  smtp: [{ protocol: 'smtp', host: 'smtp-mail.outlook.com', port: 587, security: 'starttls', auth: smtpAuth, offered: ['oauth2', 'password'], username: 'alice@outlook.com' }],
  incoming: [{ protocol: 'imap', host: 'outlook.office365.com', port: 993, security: 'tls', auth: smtpAuth, offered: ['oauth2', 'password'], username: 'alice@outlook.com' }],
  attempts: [],
});

const base = (): WizardForm => applyEdit({ ...emptyForm(), displayName: 'Alice' }, { field: 'email', value: 'alice@outlook.com' });

describe('wizard: OAuth2 sign-in', () => {
  it('starts on OAuth2 for both servers when discovery offers it with a shipped client ID', () => {
    const form = applyDiscovery(base(), discovered('shipped-id'));
    expect(form).toMatchObject({ auth: 'oauth2', inAuth: 'oauth2', incomingEnabled: true, providerId: 'outlook', oauthProvider: microsoft, shippedClientId: 'shipped-id' });
    expect(signInBlocker(form)).toBeNull();
  });

  it('starts on a password where discovery chose one, keeping the offer for the menu', () => {
    const form = applyDiscovery(base(), discovered(null));
    expect(form).toMatchObject({ auth: 'password', inAuth: 'password', oauthProvider: microsoft, shippedClientId: null });
  });

  it('switching the outgoing method to OAuth2 and back takes the incoming server along', () => {
    let form = applyDiscovery(base(), discovered(null));
    form = applyEdit(form, { field: 'auth', value: 'oauth2' });
    expect(form.inAuth).toBe('oauth2');
    form = applyEdit(form, { field: 'auth', value: 'password' });
    expect(form.inAuth).toBe('password');
    // The incoming server alone can still use OAuth2.
    form = applyEdit(form, { field: 'inAuth', value: 'oauth2' });
    expect(form).toMatchObject({ auth: 'password', inAuth: 'oauth2' });
  });

  it('says plainly, before any click, that no client ID is shipped, until the person enters their own', () => {
    let form = applyEdit(applyDiscovery(base(), discovered(null)), { field: 'auth', value: 'oauth2' });
    expect(signInBlocker(form)).toBe(
      'This copy of Mailwright has no sign-in registration for Microsoft. Enter your organisation’s client ID under Advanced, or use an app password if your provider offers one.',
    );
    expect(signInRequestOf(form)).toBeNull();
    form = applyEdit(form, { field: 'useOwnClientId', value: true });
    expect(signInBlocker(form)).not.toBeNull(); // ticked, nothing typed yet
    form = applyEdit(form, { field: 'ownClientId', value: '  my-org-client  ' });
    expect(signInBlocker(form)).toBeNull();
    expect(signInRequestOf(form)).toEqual({ provider: microsoft, ownClientId: 'my-org-client', loginHint: 'alice@outlook.com' });
  });

  it('asks for the shipped client ID when "Use my own client ID" is off, whatever was typed', () => {
    let form = applyDiscovery(base(), discovered('shipped-id'));
    form = applyEdit(form, { field: 'ownClientId', value: 'typed-but-unticked' });
    expect(signInRequestOf(form)).toEqual({ provider: microsoft, loginHint: 'alice@outlook.com' });
  });

  it('without the provider’s OAuth2 details there is no sign-in, and it says what to do', () => {
    const form = applyEdit(base(), { field: 'auth', value: 'oauth2' });
    expect(signInBlocker(form)).toMatch(/Find my settings/);
    expect(signInRequestOf(form)).toBeNull();
  });

  it('before signing in, the check and the save are refused with words, not sent', () => {
    const form = applyDiscovery(base(), discovered('shipped-id'));
    const result = toAccountInput(form);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.oauth).toBe('Sign in with your browser first.');
  });

  it('after signing in: the session goes with the check and save, the account carries provider and client ID, no password', () => {
    let form = applyDiscovery({ ...base(), password: 'typed on the first page' }, discovered('shipped-id'));
    form = applyEdit(form, { field: 'signIn', value: { session: SESSION, clientId: 'shipped-id', ownClientId: false, email: 'alice@outlook.com' } });
    const result = toAccountInput(form);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.oauth).toEqual({ ...microsoft, clientId: 'shipped-id', ownClientId: false });
    expect(result.value.smtp).toMatchObject({ auth: 'oauth2', username: 'alice@outlook.com' });
    expect(result.value.incoming).toMatchObject({ auth: 'oauth2', username: 'alice@outlook.com' });
    expect(oauthSessionOf(form)).toEqual({ oauthSession: SESSION });
    expect(typedPasswords(form)).toEqual({});
  });

  it('an own client ID is saved as own, and changing it afterwards asks for a new sign-in', () => {
    let form = applyEdit(applyDiscovery(base(), discovered(null)), { field: 'auth', value: 'oauth2' });
    form = applyEdit(form, { field: 'useOwnClientId', value: true });
    form = applyEdit(form, { field: 'ownClientId', value: 'org-id' });
    form = applyEdit(form, { field: 'signIn', value: { session: SESSION, clientId: 'org-id', ownClientId: true, email: 'alice@outlook.com' } });
    const ok = toAccountInput(form);
    expect(ok.ok && ok.value.oauth).toMatchObject({ clientId: 'org-id', ownClientId: true });
    form = applyEdit(form, { field: 'ownClientId', value: 'org-id-2' });
    expect(form.signIn).toBeNull();
    expect(oauthSessionOf(form)).toEqual({});
    expect(toAccountInput(form).ok).toBe(false);
  });

  it('switching back to a password drops OAuth2 from what is sent', () => {
    let form = applyDiscovery(base(), discovered('shipped-id'));
    form = applyEdit(form, { field: 'signIn', value: { session: SESSION, clientId: 'shipped-id', ownClientId: false, email: 'alice@outlook.com' } });
    form = applyEdit(form, { field: 'auth', value: 'password' });
    form = applyEdit(form, { field: 'password', value: 'app-password' });
    const result = toAccountInput(form);
    expect(result.ok && result.value.oauth).toBeNull();
    expect(result.ok && result.value.incoming?.auth).toBe('password');
    expect(oauthSessionOf(form)).toEqual({});
    expect(typedPasswords(form)).toEqual({ password: 'app-password', incomingPassword: 'app-password' });
  });

  it('an incoming password is its own when the outgoing server signs in with OAuth2', () => {
    const form = { ...applyDiscovery(base(), discovered('shipped-id')), inAuth: 'password' as const, password: 'ignored', inPassword: 'imap-pw' };
    expect(typedPasswords(form)).toEqual({ incomingPassword: 'imap-pw' });
  });

  describe('editing a saved OAuth2 account', () => {
    const account: Account = {
      id: '6f1c2b5e-1111-4aaa-8bbb-000000000001',
      description: 'Work',
      email: 'alice@contoso.com',
      displayName: 'Alice',
      smtp: { host: 'smtp.office365.com', port: 587, security: 'starttls', auth: 'oauth2', username: 'alice@contoso.com' },
      incoming: { protocol: 'imap', auth: 'oauth2', host: 'outlook.office365.com', port: 993, security: 'tls', username: 'alice@contoso.com', saveSentCopy: false, leaveOnServerDays: 14 },
      signature: '',
      identities: [],
      oauth: { ...microsoft, clientId: 'org-id', ownClientId: true },
      hasPassword: false,
      hasIncomingPassword: false,
      signedIn: true,
      createdAt: '',
      updatedAt: '',
    };

    it('keeps the stored grant (no session sent) and its settings, and signs in again with its own client ID', () => {
      const form = formFromAccount(account);
      expect(form).toMatchObject({ auth: 'oauth2', inAuth: 'oauth2', useOwnClientId: true, ownClientId: 'org-id' });
      const result = toAccountInput(form);
      expect(result.ok && result.value.oauth).toEqual(account.oauth);
      expect(oauthSessionOf(form)).toEqual({});
      expect(savedPasswordsApply(form, account)).toEqual({ smtp: false, incoming: false });
      expect(signInRequestOf(form)).toEqual({ provider: microsoft, ownClientId: 'org-id', loginHint: 'alice@contoso.com' });
    });

    it('a changed client ID is not saved without signing in with it', () => {
      const form = applyEdit(formFromAccount(account), { field: 'useOwnClientId', value: false });
      const result = toAccountInput(form);
      expect(!result.ok && result.errors.oauth).toBe('Sign in with your browser first.');
    });
  });
});

/** The account list's words for how an account signs in, and when it must sign in again. */
import { describe, expect, it } from 'vitest';
import type { Account } from '../../shared/model';
import type { OutboxJobView } from '../../shared/outbox';
import { needsPasswordAgain, needsSignInAgain, passwordAgainText, signInAgainText, signInMethodText, waitingForSignIn } from '../../src-renderer/features/accounts/sign-in-text';

const microsoft = {
  id: 'microsoft',
  name: 'Microsoft',
  issuer: 'https://login.microsoftonline.com/common/v2.0',
  authorizationEndpoint: 'https://login.microsoftonline.com/common/oauth2/v2.0/authorize',
  tokenEndpoint: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
  scopes: ['offline_access'],
  clientId: 'shipped',
  ownClientId: false,
};
const smtp = { host: 'smtp.office365.com', port: 587, security: 'starttls', auth: 'password', username: 'a@contoso.com' } as const;
const incoming = { protocol: 'imap', auth: 'password', host: 'outlook.office365.com', port: 993, security: 'tls', username: 'a@contoso.com', saveSentCopy: false, leaveOnServerDays: 14 } as const;

describe('account sign-in words', () => {
  it('names the method, and the provider for OAuth2', () => {
    expect(signInMethodText({ smtp, incoming, oauth: null })).toBe('Signs in with: password');
    expect(signInMethodText({ smtp: { ...smtp, auth: 'oauth2' }, incoming: { ...incoming, auth: 'oauth2' }, oauth: microsoft })).toBe(
      'Signs in with: browser sign-in (OAuth2) with Microsoft',
    );
    expect(signInMethodText({ smtp: { ...smtp, auth: 'none' }, incoming: null, oauth: null })).toBe('Signs in with: no sign-in');
    expect(signInMethodText({ smtp, incoming: { ...incoming, auth: 'oauth2' }, oauth: microsoft })).toBe(
      'Signs in with: password for sending, browser sign-in (OAuth2) with Microsoft for reading',
    );
  });

  it('asks to sign in again only for an OAuth2 account without a usable grant, and says whether messages wait', () => {
    expect(needsSignInAgain({ oauth: microsoft, signedIn: false })).toBe(true);
    expect(needsSignInAgain({ oauth: microsoft, signedIn: true })).toBe(false);
    expect(needsSignInAgain({ oauth: null, signedIn: false } as Pick<Account, 'oauth' | 'signedIn'>)).toBe(false);
    expect(signInAgainText({ oauth: microsoft }, 2)).toBe('Sign in again: Microsoft no longer accepts Mailwright’s sign-in for this account. Messages for it are waiting.');
    const jobs = [
      { accountId: 'a', state: 'signin' },
      { accountId: 'a', state: 'failed' },
      { accountId: 'b', state: 'signin' },
    ] as OutboxJobView[];
    expect(waitingForSignIn('a', jobs)).toBe(1);
  });
});

describe('a password that needs to be entered again', () => {
  it('is told for the password the keychain could no longer read, and only for it', () => {
    const both = { smtp, incoming, hasPassword: false, hasIncomingPassword: false };
    expect(needsPasswordAgain({ ...both, hasPassword: true, hasIncomingPassword: true })).toBe(false);
    expect(needsPasswordAgain(both)).toBe(true);
    expect(passwordAgainText(both)).toBe('Password needs to be entered again: the saved passwords could not be read. Choose Edit and type it again.');
    expect(passwordAgainText({ ...both, hasIncomingPassword: true })).toMatch(/saved password for sending could not be read/);
    expect(passwordAgainText({ ...both, hasPassword: true })).toMatch(/saved password for reading mail could not be read/);
    // Accounts that sign in without a password have none to enter.
    expect(needsPasswordAgain({ smtp: { ...smtp, auth: 'oauth2' }, incoming: { ...incoming, auth: 'oauth2' }, hasPassword: false, hasIncomingPassword: false })).toBe(false);
    expect(needsPasswordAgain({ smtp: { ...smtp, auth: 'none' }, incoming: null, hasPassword: false, hasIncomingPassword: false })).toBe(false);
  });
});

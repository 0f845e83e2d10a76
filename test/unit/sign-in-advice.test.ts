/**
 * The sign-in advisor (shared/providers-help.ts): each refusal of issue 10, from the server's real
 * reply through the one judgement of replies (net/errors.ts) to the advice a person reads, and the
 * app-password help per provider.
 */
import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../shared/errors';
import {
  adviseSignIn,
  APP_PASSWORD_HELP,
  APP_PASSWORD_PROVIDER_IDS,
  appPasswordHelp,
  appPasswordHelpForRefusal,
  signInFacts,
  type SignInAdvice,
} from '../../shared/providers-help';
import { BUNDLED_PROVIDER_FILES } from '../../src-main/services/discovery/providers';
import { enhancedStatusOf, smtpReplyCode } from '../../src-main/services/net/errors';

/** What a refusal reply becomes: the code the one judgement gives, and the advice for it. */
function adviceForReply(reply: string, extra: { providerId?: string; email?: string; host?: string } = {}): SignInAdvice | undefined {
  const code = smtpReplyCode(Number(reply.slice(0, 3)), 'AUTH LOGIN', enhancedStatusOf(reply), reply);
  return adviseSignIn({ code, serverReply: reply, ...extra });
}

/** Things every piece of advice must be: words for people, nothing left to fill in. */
function expectPlain(advice: SignInAdvice | undefined): asserts advice is SignInAdvice {
  expect(advice).toBeDefined();
  for (const text of [advice!.title, advice!.explanation, advice!.whatToDo, advice!.adminText ?? '']) {
    expect(text).not.toMatch(/undefined|null|\$\{|\bE[A-Z]{3,}\b|_[A-Z]+_/);
  }
}

describe('the advisor, per refusal', () => {
  it('535 5.7.139 for a Microsoft 365 mailbox: an administrator must switch on Authenticated SMTP for that mailbox', () => {
    const advice = adviceForReply('535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information.', {
      providerId: 'microsoft365',
      email: 'alice@contoso.com',
    });
    expectPlain(advice);
    expect(advice.title).toMatch(/switched off for your mailbox/);
    expect(advice.adminText).toContain('enable Authenticated SMTP for the mailbox alice@contoso.com');
    expect(advice.adminText).toContain('Microsoft 365 admin center → Users → Active users → (the user) → Mail → Manage email apps → Authenticated SMTP');
    expect(advice.adminText).toContain('Set-CASMailbox -Identity alice@contoso.com -SmtpClientAuthenticationDisabled $false');
    expect(advice.adminText).toMatch(/^Hello, .*Thank you!$/s);
  });

  it('535 5.7.139 at Outlook.com: no administrator, switch to the browser sign-in (app passwords do not help)', () => {
    const advice = adviceForReply('535 5.7.139 Authentication unsuccessful, basic authentication is disabled. [BM1P287CA0015.INDP287.PROD.OUTLOOK.COM]', { host: 'smtp-mail.outlook.com' });
    expectPlain(advice);
    expect(advice.title).toMatch(/Outlook\.com no longer accepts passwords/);
    expect(advice.explanation).toMatch(/September 2024/);
    expect(advice.explanation).toMatch(/App passwords do not help/);
    expect(advice.whatToDo).toContain('Sign in with your browser (OAuth2)');
    expect(advice.adminText).toBeUndefined();
  });

  it('550 5.7.30 Basic authentication is not supported for Client Submission: only OAuth2 helps', () => {
    const advice = adviceForReply('550 5.7.30 Basic authentication is not supported for Client Submission.', { providerId: 'microsoft365' });
    expectPlain(advice);
    expect(advice.title).toMatch(/no longer accepts passwords for sending/);
    expect(advice.whatToDo).toContain('Sign in with your browser (OAuth2)');
    expect(advice.adminText).toBeUndefined();
  });

  it.each([
    '535 5.7.3 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.',
    '535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.',
  ])('%s: the organisation switched SMTP off; the administrator can allow the one mailbox', (reply) => {
    const advice = adviceForReply(reply, { email: 'bob@contoso.com', host: 'smtp.office365.com' });
    expectPlain(advice);
    expect(advice.title).toMatch(/organisation has switched off sending/);
    expect(advice.adminText).toContain('enable Authenticated SMTP just for the mailbox bob@contoso.com');
    expect(advice.adminText).toContain('Turn off SMTP AUTH protocol for your organization');
    expect(advice.adminText).toContain('overrides');
  });

  it('security defaults: the browser sign-in first, the administrator only if sending still fails', () => {
    const advice = adviceForReply("535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy. Contact your administrator.", { email: 'carol@contoso.com' });
    expectPlain(advice);
    expect(advice.whatToDo).toContain('Sign in with your browser (OAuth2)');
    expect(advice.adminText).toContain('Authenticated SMTP must be on for the mailbox carol@contoso.com');
  });

  it('"Need admin approval" (AADSTS65001) at Microsoft: tenant-wide admin consent for the exact client ID and permissions', () => {
    const advice = adviseSignIn({ code: 'SIGN_IN_ADMIN_APPROVAL', providerId: 'microsoft', email: 'dan@contoso.com', clientId: '11111111-2222-3333-4444-555555555555' });
    expectPlain(advice);
    expect(advice.explanation).toContain('Need admin approval');
    expect(advice.adminText).toContain('grant tenant-wide admin consent to the app "Mailwright" with client ID 11111111-2222-3333-4444-555555555555');
    expect(advice.adminText).toContain('SMTP.Send, IMAP.AccessAsUser.All, POP.AccessAsUser.All and offline_access');
    expect(advice.adminText).toContain('https://login.microsoftonline.com/organizations/adminconsent?client_id=11111111-2222-3333-4444-555555555555');
  });

  it('an app blocked by Google Workspace policy (admin_policy_enforced): allow it in API controls', () => {
    const advice = adviseSignIn({ code: 'SIGN_IN_BLOCKED_BY_POLICY', providerId: 'gmail', email: 'erin@school.example', clientId: '123-abc.apps.googleusercontent.com' });
    expectPlain(advice);
    expect(advice.explanation).toMatch(/Google Workspace administrator has blocked this app/);
    expect(advice.adminText).toContain('allow the app "Mailwright" with client ID 123-abc.apps.googleusercontent.com in Google Admin console → Security → Access and data control → API controls');
    expect(advice.adminText).toContain('https://mail.google.com/');
  });

  it('a Microsoft Conditional Access block names the sign-in logs, not Google', () => {
    const advice = adviseSignIn({ code: 'SIGN_IN_BLOCKED_BY_POLICY', providerId: 'microsoft' });
    expectPlain(advice);
    expect(advice.adminText).toContain('Sign-in logs');
    expect(advice.adminText).not.toContain('Google');
  });

  it('without an address or client ID the admin text still reads as a complete message', () => {
    const advice = adviseSignIn({ code: 'SIGN_IN_ADMIN_APPROVAL', providerId: 'microsoft' });
    expectPlain(advice);
    expect(advice.adminText).toContain('consent to the app "Mailwright"?');
    expect(advice.adminText).not.toContain('client_id=');
  });

  it('Gmail 534 5.7.9 leads straight to Google\'s app-password help, and mentions the browser sign-in', () => {
    const advice = adviceForGmail();
    expectPlain(advice);
    expect(advice.appPassword?.pageUrl).toBe('https://myaccount.google.com/apppasswords');
    expect(advice.whatToDo).toContain('2-Step Verification');
    expect(advice.whatToDo).toContain('Sign in with your browser (OAuth2)');
  });

  it.each(['icloud', 'yahoo', 'aol', 'fastmail'] as const)('a refused password at %s leads to its app-password help', (providerId) => {
    const advice = adviceForReply('535 5.7.8 Error: authentication failed', { providerId });
    expectPlain(advice);
    expect(advice.appPassword).toBe(APP_PASSWORD_HELP[providerId]);
    expect(advice.whatToDo).toContain(APP_PASSWORD_HELP[providerId].pageLabel);
  });

  it('no client ID for the provider: said plainly, with the app-password route where the provider has one', () => {
    const gmail = adviseSignIn({ code: 'OAUTH_CLIENT_MISSING', providerId: 'gmail' });
    expectPlain(gmail);
    expect(gmail.title).toBe('This copy of Mailwright has no client ID for Google');
    expect(gmail.appPassword).toBe(APP_PASSWORD_HELP.gmail);
    expect(gmail.whatToDo).toContain('Use my own client ID');
    const outlook = adviseSignIn({ code: 'OAUTH_CLIENT_MISSING', providerId: 'outlook' });
    expectPlain(outlook);
    expect(outlook.title).toContain('Microsoft');
    expect(outlook.appPassword).toBeUndefined();
    expect(outlook.whatToDo).toContain('Use my own client ID');
  });

  it('gives no advice where it has none: a wrong password elsewhere, or another failure', () => {
    expect(adviceForReply('535 5.7.8 Error: authentication failed', { providerId: 'gmx' })).toBeUndefined();
    expect(adviseSignIn({ code: 'CONNECTION_REFUSED' })).toBeUndefined();
  });
});

function adviceForGmail() {
  return adviceForReply('534-5.7.9 Application-specific password required. Learn more at https://support.google.com/mail/?p=InvalidSecondFactor', { providerId: 'gmail' });
}

describe('app-password help per provider', () => {
  it('covers Gmail, iCloud, Yahoo, AOL and Fastmail, keyed by bundled provider ids, with an https page each', () => {
    for (const id of APP_PASSWORD_PROVIDER_IDS) {
      expect(Object.keys(BUNDLED_PROVIDER_FILES)).toContain(id);
      const help = APP_PASSWORD_HELP[id];
      expect(help.providerId).toBe(id);
      expect(new URL(help.pageUrl).protocol).toBe('https:');
      expect(help.steps.length).toBeGreaterThan(0);
      expect(help.whatItIs.length).toBeGreaterThan(40);
      expect(help.refusals).toContain('APP_PASSWORD_REQUIRED');
    }
    expect(APP_PASSWORD_HELP.gmail.needsFirst).toContain('2-Step Verification');
    expect(APP_PASSWORD_HELP.icloud.needsFirst).toContain('two-factor authentication');
    expect(APP_PASSWORD_HELP.icloud.term).toBe('app-specific password');
  });

  it('finds help by provider id (also the OAuth2 id "google"), and only for the refusals that lead to it', () => {
    expect(appPasswordHelp('google')).toBe(APP_PASSWORD_HELP.gmail);
    expect(appPasswordHelp('outlook')).toBeUndefined();
    expect(appPasswordHelp(undefined)).toBeUndefined();
    expect(appPasswordHelpForRefusal('APP_PASSWORD_REQUIRED', 'yahoo')).toBe(APP_PASSWORD_HELP.yahoo);
    expect(appPasswordHelpForRefusal('CONNECTION_TIMEOUT' as ErrorCode, 'yahoo')).toBeUndefined();
  });
});

describe('sign-in facts', () => {
  it('Microsoft 365 with a password: the December 2026 default (MC786329) concerns it', () => {
    const facts = signInFacts({ smtpHost: 'smtp.office365.com', auth: 'password' });
    expect(facts.how).toMatch(/password/);
    expect(facts.changes).toEqual([expect.objectContaining({ when: 'end of December 2026', affectsThisAccount: true, reference: 'Microsoft 365 message center MC786329' })]);
  });

  it('Microsoft 365 with OAuth2: the same change, and the account is ready for it', () => {
    const facts = signInFacts({ smtpHost: 'smtp.office365.com', auth: 'oauth2', providerId: 'microsoft365' });
    expect(facts.how).toMatch(/Microsoft's page in your browser \(OAuth2\)/);
    expect(facts.changes[0]).toMatchObject({ affectsThisAccount: false });
  });

  it('Outlook.com with a password: refused since September 2024', () => {
    const facts = signInFacts({ smtpHost: 'smtp-mail.outlook.com', auth: 'password', providerId: 'outlook' });
    expect(facts.changes).toEqual([expect.objectContaining({ when: 'since September 2024', affectsThisAccount: true })]);
  });

  it('a provider with nothing announced has no changes', () => {
    expect(signInFacts({ smtpHost: 'mail.example.org', auth: 'password' }).changes).toEqual([]);
    expect(signInFacts({ smtpHost: 'relay.example.org', auth: 'none' }).how).toMatch(/without signing in/);
  });
});

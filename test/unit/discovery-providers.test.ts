import { describe, expect, it } from 'vitest';
import { DiscoveryResultSchema, ServerCandidateSchema } from '../../shared/discovery';
import { parseAddress } from '../../src-main/services/discovery/address';
import { discover } from '../../src-main/services/discovery';
import { providerForMxHost, registeredDomain } from '../../src-main/services/discovery/mx';
import {
  BUNDLED_PROVIDER_FILES,
  bundledConfig,
  bundledProviderForDomain,
  bundledProviders,
  type BundledProviderId,
} from '../../src-main/services/discovery/providers';

describe('bundled provider files', () => {
  it('all parse, and every server is a valid candidate with at least one SMTP server', () => {
    const who = parseAddress('someone@example.com')!;
    expect(Object.keys(BUNDLED_PROVIDER_FILES).length).toBeGreaterThanOrEqual(15);
    for (const id of Object.keys(BUNDLED_PROVIDER_FILES) as BundledProviderId[]) {
      const config = bundledConfig(id, who);
      expect(config.ignored, id).toEqual([]);
      expect(config.smtp.length, id).toBeGreaterThan(0);
      for (const c of [...config.smtp, ...config.incoming]) {
        expect(ServerCandidateSchema.parse(c)).toEqual(c);
        // Nothing we ship sends a password in clear text.
        expect(c.security, `${id} ${c.host}:${c.port}`).not.toBe('none');
      }
    }
    expect(bundledProviders().map((p) => p.id).sort()).toEqual(Object.keys(BUNDLED_PROVIDER_FILES).sort());
  });

  it.each<[string, BundledProviderId, { host: string; port: number; security: string; auth: string; offered?: string[] }]>([
    ['gmail.com', 'gmail', { host: 'smtp.gmail.com', port: 465, security: 'tls', auth: 'password', offered: ['oauth2', 'password'] }],
    ['googlemail.com', 'gmail', { host: 'smtp.gmail.com', port: 465, security: 'tls', auth: 'password', offered: ['oauth2', 'password'] }],
    ['outlook.com', 'outlook', { host: 'smtp-mail.outlook.com', port: 587, security: 'starttls', auth: 'oauth2' }],
    ['hotmail.com', 'outlook', { host: 'smtp-mail.outlook.com', port: 587, security: 'starttls', auth: 'oauth2' }],
    ['live.com', 'outlook', { host: 'smtp-mail.outlook.com', port: 587, security: 'starttls', auth: 'oauth2' }],
    ['office365.com', 'microsoft365', { host: 'smtp.office365.com', port: 587, security: 'starttls', auth: 'password', offered: ['oauth2', 'password'] }],
    ['yahoo.com', 'yahoo', { host: 'smtp.mail.yahoo.com', port: 465, security: 'tls', auth: 'password', offered: ['oauth2', 'password'] }],
    ['icloud.com', 'icloud', { host: 'smtp.mail.me.com', port: 587, security: 'starttls', auth: 'password' }],
    ['me.com', 'icloud', { host: 'smtp.mail.me.com', port: 587, security: 'starttls', auth: 'password' }],
    ['mac.com', 'icloud', { host: 'smtp.mail.me.com', port: 587, security: 'starttls', auth: 'password' }],
    ['fastmail.com', 'fastmail', { host: 'smtp.fastmail.com', port: 465, security: 'tls', auth: 'password', offered: ['password', 'oauth2'] }],
    ['zoho.com', 'zoho', { host: 'smtp.zoho.com', port: 465, security: 'tls', auth: 'password' }],
    ['gmx.net', 'gmx', { host: 'mail.gmx.net', port: 465, security: 'tls', auth: 'password' }],
    ['gmx.de', 'gmx', { host: 'mail.gmx.net', port: 465, security: 'tls', auth: 'password' }],
    ['gmx.com', 'gmx-com', { host: 'mail.gmx.com', port: 465, security: 'tls', auth: 'password' }],
    ['mail.com', 'mailcom', { host: 'smtp.mail.com', port: 465, security: 'tls', auth: 'password' }],
    ['aol.com', 'aol', { host: 'smtp.aol.com', port: 465, security: 'tls', auth: 'password', offered: ['oauth2', 'password'] }],
    ['proton.me', 'proton-bridge', { host: '127.0.0.1', port: 1025, security: 'starttls', auth: 'password' }],
    ['protonmail.com', 'proton-bridge', { host: '127.0.0.1', port: 1025, security: 'starttls', auth: 'password' }],
  ])('%s → %s', async (domain, id, firstSmtp) => {
    expect(bundledProviderForDomain(domain)?.id).toBe(id);
    const result = await discover(`someone@${domain.toUpperCase()}`);
    expect(DiscoveryResultSchema.parse(result)).toEqual(result);
    expect(result.source).toBe('bundled');
    expect(result.smtp[0]).toEqual({ protocol: 'smtp', username: 'someone@' + domain.toUpperCase(), ...firstSmtp });
    expect(result.attempts.map((a) => [a.source, a.outcome])).toEqual([
      ['bundled', 'found'],
      ['autoconfig', 'skipped'],
      ['well-known', 'skipped'],
      ['ispdb', 'skipped'],
      ['srv', 'skipped'],
      ['mx', 'skipped'],
      ['guess', 'skipped'],
    ]);
  });

  it('gives iCloud IMAP the name part and SMTP the full address, as Apple documents', () => {
    const config = bundledConfig('icloud', parseAddress('j.appleseed@icloud.com')!);
    expect(config.incoming[0]).toMatchObject({ host: 'imap.mail.me.com', username: 'j.appleseed' });
    expect(config.smtp[0]).toMatchObject({ host: 'smtp.mail.me.com', username: 'j.appleseed@icloud.com' });
  });

  it('points Proton addresses at the local Bridge on its default ports', () => {
    const config = bundledConfig('proton-bridge', parseAddress('me@proton.me')!);
    expect(config.incoming).toEqual([
      { protocol: 'imap', host: '127.0.0.1', port: 1143, security: 'starttls', auth: 'password', username: 'me@proton.me' },
    ]);
  });

  it('knows nothing of other domains, and does not match on suffixes', () => {
    expect(bundledProviderForDomain('example.com')).toBeUndefined();
    expect(bundledProviderForDomain('notgmail.com')).toBeUndefined();
    expect(bundledProviderForDomain('mail.gmail.com')).toBeUndefined();
  });

  it('answers an invalid address without touching the network', async () => {
    const result = await discover('not an address');
    expect(result.source).toBeNull();
    expect(result.attempts).toHaveLength(7);
    expect(result.attempts.every((a) => a.outcome === 'skipped' && /not an email address/.test(a.detail))).toBe(true);
  });
});

describe('MX → provider', () => {
  it.each<[string, BundledProviderId | undefined, string?]>([
    ['aspmx.l.google.com', 'gmail', 'Google Workspace'],
    ['ALT1.ASPMX.L.GOOGLE.COM.', 'gmail', 'Google Workspace'],
    ['smtp.google.com', 'gmail', 'Google Workspace'],
    ['aspmx2.googlemail.com', 'gmail', 'Google Workspace'],
    ['contoso-com.mail.protection.outlook.com', 'microsoft365'],
    ['outlook-com.olc.protection.outlook.com', 'outlook'],
    ['mta5.am0.yahoodns.net', 'yahoo'],
    ['mx-aol.mail.gm0.yahoodns.net', 'aol'],
    ['mx01.mail.icloud.com', 'icloud'],
    ['in1-smtp.messagingengine.com', 'fastmail'],
    ['mx.zoho.com', 'zoho-business'],
    ['mx2.zoho.eu', 'zoho-business-eu'],
    ['mail.protonmail.ch', 'proton-bridge'],
    ['mx00.gmx.net', 'gmx'],
    ['mx00.mail.com', 'mailcom'],
    ['evilgoogle.com', undefined],
    ['google.com.evil.example', undefined],
    ['mx.example.org', undefined],
  ])('%s → %s', (host, id, name) => {
    const match = providerForMxHost(host);
    expect(match?.id).toBe(id);
    if (name) expect(match?.name).toBe(name);
  });

  it.each([
    ['mx1.mailbox.org', 'mailbox.org'],
    ['mx.example.co.uk', 'example.co.uk'],
    ['mail.example.com.au', 'example.com.au'],
    ['example.org', 'example.org'],
    ['a.b.c.example.de.', 'example.de'],
  ])('registered domain of %s is %s', (host, domain) => {
    expect(registeredDomain(host)).toBe(domain);
  });
});

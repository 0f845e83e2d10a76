/**
 * OAuth2 as provider data: config-v1.1 `<oAuth2>` parsing, the bundled Microsoft and Google
 * entries, discovery's choice between OAuth2 and a password, and the client registrations.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DiscoveryResultSchema } from '../../shared/discovery';
import { OAuthProviderSchema } from '../../shared/oauth';
import { parseAddress } from '../../src-main/services/discovery/address';
import { offeredAuthentication, oauthProviderId, parseClientConfig, type ClientConfig } from '../../src-main/services/discovery/config-xml';
import { discover } from '../../src-main/services/discovery';
import { bundledConfig, bundledOAuthForHost, bundledProvider } from '../../src-main/services/discovery/providers';
import type { Logger } from '../../src-main/services/logger';
import { defaultRegistrationsFile, loadRegistrations, OAUTH_CLIENTS_FILE } from '../../src-main/services/oauth/registrations';

const who = parseAddress('alice@example.org')!;

const doc = (oauth: string, where: 'inside' | 'beside' = 'inside') => `<?xml version="1.0"?>
<clientConfig version="1.1">
  <emailProvider id="example.org">
    <domain>example.org</domain>
    <displayName>Example Mail</displayName>
    <outgoingServer type="smtp">
      <hostname>smtp.example.org</hostname><port>465</port><socketType>SSL</socketType>
      <authentication>OAuth2</authentication><authentication>password-cleartext</authentication>
    </outgoingServer>
    ${where === 'inside' ? oauth : ''}
  </emailProvider>
  ${where === 'beside' ? oauth : ''}
</clientConfig>`;

const oauth2 = (o: { issuer?: string; scope?: string; auth?: string; token?: string }) => `<oAuth2>
  <issuer>${o.issuer ?? 'auth.example.org'}</issuer>
  <scope>${o.scope ?? 'openid  mail offline_access'}</scope>
  <authURL>${o.auth ?? 'https://auth.example.org/authorize'}</authURL>
  <tokenURL>${o.token ?? 'https://auth.example.org/token'}</tokenURL>
</oAuth2>`;

function parsed(xml: string): ClientConfig {
  const result = parseClientConfig(xml, who);
  if (!result.ok) throw new Error(result.detail);
  return result.config;
}

describe('config-v1.1 <oAuth2>', () => {
  it('reads issuer, endpoints and space-separated scopes; the issuer is the id of a provider known only from its file', () => {
    const config = parsed(doc(oauth2({})));
    expect(config.oauth).toEqual({
      id: 'auth.example.org',
      name: 'Example Mail',
      issuer: 'auth.example.org',
      authorizationEndpoint: 'https://auth.example.org/authorize',
      tokenEndpoint: 'https://auth.example.org/token',
      scopes: ['openid', 'mail', 'offline_access'],
    });
    expect(OAuthProviderSchema.parse(config.oauth)).toEqual(config.oauth);
    expect(config.ignored).toEqual([]);
  });

  it('also finds the element beside <emailProvider>, as some published files place it', () => {
    expect(parsed(doc(oauth2({}), 'beside')).oauth?.issuer).toBe('auth.example.org');
  });

  it('names Microsoft and Google by their issuer host, written as a host or as an URL', () => {
    expect(oauthProviderId('login.microsoftonline.com')).toBe('microsoft');
    expect(oauthProviderId('https://accounts.google.com')).toBe('google');
    expect(oauthProviderId('accounts.google.com')).toBe('google');
    expect(oauthProviderId('https://login.example.net/')).toBe('https://login.example.net/');
    expect(parsed(doc(oauth2({ issuer: 'login.microsoftonline.com' }))).oauth).toMatchObject({ id: 'microsoft', name: 'Microsoft' });
  });

  it.each([
    ['an http authorization endpoint off the loopback address', { auth: 'http://auth.example.org/authorize' }, /authURL .* not an https address/],
    ['a javascript: token endpoint', { token: 'javascript:alert(1)' }, /tokenURL .* not an https address/],
    ['no scope', { scope: '  ' }, /no usable scope/],
    ['a scope with a quote in it', { scope: 'mail "evil"' }, /no usable scope/],
    ['no issuer', { issuer: '' }, /no issuer/],
  ])('leaves out an element with %s, and says why; the servers still count', (_, o, why) => {
    const config = parsed(doc(oauth2(o)));
    expect(config.oauth).toBeUndefined();
    expect(config.ignored.join('\n')).toMatch(why);
    expect(config.smtp).toHaveLength(1);
  });

  it('accepts http endpoints on the loopback address (an authorization server on this machine)', () => {
    const config = parsed(doc(oauth2({ issuer: 'http://127.0.0.1:4000', auth: 'http://127.0.0.1:4000/auth', token: 'http://localhost:4000/token' })));
    expect(config.oauth).toMatchObject({ id: 'http://127.0.0.1:4000', tokenEndpoint: 'http://localhost:4000/token' });
  });

  it('lists every method offered, in the order named, and fills `offered` only where there is a choice', () => {
    expect(offeredAuthentication(['OAuth2', 'password-cleartext', 'password-encrypted'])).toEqual(['oauth2', 'password']);
    expect(offeredAuthentication(['GSSAPI', 'OAuth2'])).toEqual(['oauth2']);
    expect(offeredAuthentication([])).toEqual(['password']);
    const config = parsed(doc(''));
    expect(config.smtp[0]).toMatchObject({ auth: 'password', offered: ['oauth2', 'password'] });
  });
});

describe('the bundled OAuth2 providers', () => {
  it.each([
    ['outlook', 'microsoft'],
    ['microsoft365', 'microsoft'],
    ['gmail', 'google'],
  ] as const)('%s names OAuth2 on every server and carries the %s provider', (file, id) => {
    const config = bundledConfig(file, who);
    expect(config.ignored).toEqual([]);
    expect(config.oauth?.id).toBe(id);
    expect(bundledProvider(file).oauth).toEqual(config.oauth);
    for (const c of [...config.smtp, ...config.incoming]) expect(c.auth === 'oauth2' || c.offered?.includes('oauth2'), `${file} ${c.host}`).toBe(true);
  });

  it('Microsoft: the common tenant v2.0 endpoints and the SMTP, IMAP, POP scopes plus offline_access', () => {
    expect(bundledConfig('microsoft365', who).oauth).toEqual({
      id: 'microsoft',
      name: 'Microsoft',
      issuer: 'login.microsoftonline.com',
      authorizationEndpoint: 'https://login.microsoftonline.com/common/oauth2/v2.0/authorize',
      tokenEndpoint: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
      scopes: [
        'https://outlook.office.com/SMTP.Send',
        'https://outlook.office.com/IMAP.AccessAsUser.All',
        'https://outlook.office.com/POP.AccessAsUser.All',
        'offline_access',
      ],
    });
    expect(bundledConfig('outlook', who).oauth).toEqual(bundledConfig('microsoft365', who).oauth);
  });

  it('Google: the v2 authorization endpoint, oauth2.googleapis.com token endpoint and the Gmail scope', () => {
    expect(bundledConfig('gmail', who).oauth).toEqual({
      id: 'google',
      name: 'Google',
      issuer: 'https://accounts.google.com',
      authorizationEndpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
      tokenEndpoint: 'https://oauth2.googleapis.com/token',
      scopes: ['https://mail.google.com/'],
    });
  });

  it('finds a provider by its server host (settings found elsewhere that name OAuth2 for these servers)', () => {
    expect(bundledOAuthForHost('smtp.office365.com')?.id).toBe('microsoft');
    expect(bundledOAuthForHost('IMAP.gmail.com.')?.id).toBe('google');
    expect(bundledOAuthForHost('smtp.mail.yahoo.com')).toBeUndefined();
  });
});

describe('discovery chooses OAuth2 only with a client ID', () => {
  const registrations = loadRegistrations({ entries: { microsoft: { clientId: 'ms-client' }, google: { clientId: 'g-client', clientSecret: 'g-secret' } } });

  it('Microsoft 365: a password without a client ID (as before), OAuth2 with one; the offer says which', async () => {
    const before = await discover('bob@office365.com');
    expect(before.providerId).toBe('microsoft365');
    expect(before.smtp[0]).toMatchObject({ host: 'smtp.office365.com', auth: 'password', offered: ['oauth2', 'password'] });
    expect(before.oauth).toMatchObject({ provider: { id: 'microsoft' }, shippedClientId: null });

    const after = await discover('bob@office365.com', { registrations });
    expect(DiscoveryResultSchema.parse(after)).toEqual(after);
    expect([...after.smtp, ...after.incoming].map((c) => c.auth)).toEqual(['oauth2', 'oauth2', 'oauth2']);
    expect(after.oauth).toMatchObject({ provider: { id: 'microsoft' }, shippedClientId: 'ms-client' });
  });

  it('Gmail: OAuth2 with Google’s client; the client secret never reaches the result', async () => {
    const r = await discover('carol@gmail.com', { registrations });
    expect(r.providerId).toBe('gmail');
    expect(r.smtp.every((c) => c.auth === 'oauth2')).toBe(true);
    expect(r.oauth?.shippedClientId).toBe('g-client');
    expect(JSON.stringify(r)).not.toContain('g-secret');
  });

  it('Outlook.com offers only OAuth2: it stays OAuth2 without a client ID, and the offer says none is shipped', async () => {
    const r = await discover('dave@hotmail.com');
    expect(r.smtp[0]?.auth).toBe('oauth2');
    expect(r.oauth?.shippedClientId).toBeNull();
  });

  it('a provider without OAuth2 data (Yahoo lists OAuth2 but ships no <oAuth2>) keeps its password and gets no offer', async () => {
    const r = await discover('erin@yahoo.com', { registrations });
    expect(r.providerId).toBe('yahoo');
    expect(r.smtp[0]?.auth).toBe('password');
    expect(r.oauth).toBeUndefined();
  });
});

describe('client registrations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailwright-registrations-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const warnings: Array<[string, Record<string, unknown> | undefined]> = [];
  const logger: Logger = { info: () => {}, warn: (m, f) => warnings.push([m, f]), error: () => {} };
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('reads the shipped file: an ID per provider, Google’s client secret beside its ID', () => {
    const r = loadRegistrations({ file: file('ok.json', JSON.stringify({ microsoft: { clientId: 'm-id' }, google: { clientId: 'g-id', clientSecret: 'g-s' } })) });
    expect(r.forProvider('microsoft')).toEqual({ clientId: 'm-id' });
    expect(r.forProvider('google')).toEqual({ clientId: 'g-id', clientSecret: 'g-s' });
    expect(r.forProvider('yahoo')).toBeUndefined();
  });

  it.each([
    ['not JSON', '{"microsoft": {"clientId": "m-id"'],
    ['the wrong shape', JSON.stringify({ microsoft: { clientId: '' } })],
    ['an unknown field', JSON.stringify({ google: { clientId: 'g', secret: 'typo' } })],
    ['an array', '[]'],
  ])('a damaged file (%s) is logged without its content and treated as empty, never a crash', (_, content) => {
    warnings.length = 0;
    const r = loadRegistrations({ file: file('bad.json', content), logger });
    expect(r.providerIds()).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]![0]).toMatch(/damaged/);
    expect(JSON.stringify(warnings)).not.toContain('typo');
  });

  it('a missing file (a development run) is no entries and no warning', () => {
    warnings.length = 0;
    expect(loadRegistrations({ file: join(dir, 'absent.json'), logger }).providerIds()).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('environment variables win over the file, and entries given directly win over both', () => {
    const path = file('base.json', JSON.stringify({ microsoft: { clientId: 'from-file' }, google: { clientId: 'g-file' } }));
    const env = { MAILWRIGHT_MICROSOFT_CLIENT_ID: ' from-env ', MAILWRIGHT_GOOGLE_CLIENT_ID: '', MAILWRIGHT_GOOGLE_CLIENT_SECRET: 'unused' };
    const r = loadRegistrations({ file: path, env, entries: { 'http://127.0.0.1:4000': { clientId: 'mailwright-test' } } });
    expect(r.forProvider('microsoft')).toEqual({ clientId: 'from-env' });
    expect(r.forProvider('google')).toEqual({ clientId: 'g-file' });
    expect(r.forProvider('http://127.0.0.1:4000')).toEqual({ clientId: 'mailwright-test' });
  });

  it('the shipped file lives in the resources folder', () => {
    expect(defaultRegistrationsFile('/opt/Mailwright/resources')).toBe(join('/opt/Mailwright/resources', OAUTH_CLIENTS_FILE));
  });
});

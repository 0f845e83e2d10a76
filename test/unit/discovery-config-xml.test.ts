import { describe, expect, it } from 'vitest';
import { ServerCandidateSchema } from '../../shared/discovery';
import { parseAddress } from '../../src-main/services/discovery/address';
import { fillPlaceholders, mapAuthentication, parseClientConfig, type ClientConfig } from '../../src-main/services/discovery/config-xml';

const who = parseAddress('Alice.Smith@Example.ORG')!;

function parsed(xml: string): ClientConfig {
  const result = parseClientConfig(xml, who);
  if (!result.ok) throw new Error(`expected a config, got: ${result.detail}`);
  return result.config;
}

const doc = (servers: string, extra = '') => `<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="example.org">
    <domain>example.org</domain>
    <domain>Example.NET</domain>
    <displayName>Example &amp; Co Mail</displayName>
    <displayShortName>Example</displayShortName>
    ${servers}
  </emailProvider>
  ${extra}
</clientConfig>`;

const server = (tag: 'incomingServer' | 'outgoingServer', type: string, host: string, port: string, socket: string, user: string, ...auth: string[]) =>
  `<${tag} type="${type}">
      <hostname>${host}</hostname>
      <port>${port}</port>
      <socketType>${socket}</socketType>
      ${auth.map((a) => `<authentication>${a}</authentication>`).join('')}
      <username>${user}</username>
    </${tag}>`;

describe('parseAddress', () => {
  it('splits at the last @ and keeps the typed forms for placeholders', () => {
    expect(parseAddress('  "a@b"@Example.COM ')).toEqual({
      address: '"a@b"@Example.COM',
      localPart: '"a@b"',
      domain: 'example.com',
      asciiDomain: 'example.com',
    });
  });

  it('turns an IDN into its ASCII form for DNS', () => {
    expect(parseAddress('jörg@bücher.example')?.asciiDomain).toBe('xn--bcher-kva.example');
  });

  it.each(['', 'alice', 'alice@', '@example.com', 'alice@localhost', 'alice@[192.0.2.1]', 'a b@example.com', 'alice@exa_mple.com'])(
    'refuses %j',
    (input) => expect(parseAddress(input)).toBeUndefined(),
  );
});

describe('config-v1.1 parsing', () => {
  it('reads several servers of each kind, fills the placeholders and maps socketType', () => {
    const config = parsed(
      doc(
        [
          server('incomingServer', 'pop3', 'pop.%EMAILDOMAIN%', '995', 'SSL', '%EMAILLOCALPART%', 'password-cleartext'),
          server('incomingServer', 'imap', 'imap.example.org', '143', 'STARTTLS', '%EMAILADDRESS%', 'password-encrypted'),
          server('incomingServer', 'imap', 'imap.example.org', '993', 'SSL', '%EMAILADDRESS%', 'password-cleartext'),
          server('outgoingServer', 'smtp', 'smtp.example.org', '25', 'plain', 'smtp-%EMAILLOCALPART%', 'password-cleartext'),
          server('outgoingServer', 'smtp', 'SMTP.Example.org.', '465', 'SSL', '%EMAILADDRESS%', 'OAuth2', 'password-cleartext'),
          server('outgoingServer', 'smtp', 'smtp.example.org', '587', 'STARTTLS', '%EMAILADDRESS%', 'OAuth2'),
        ].join('\n'),
      ),
    );
    expect(config.providerId).toBe('example.org');
    expect(config.providerName).toBe('Example & Co Mail');
    expect(config.domains).toEqual(['example.org', 'example.net']);
    // Document order, except that the clear-text server goes last.
    expect(config.smtp).toEqual([
      { protocol: 'smtp', host: 'smtp.example.org', port: 465, security: 'tls', auth: 'password', offered: ['oauth2', 'password'], username: 'Alice.Smith@Example.ORG' },
      { protocol: 'smtp', host: 'smtp.example.org', port: 587, security: 'starttls', auth: 'oauth2', username: 'Alice.Smith@Example.ORG' },
      { protocol: 'smtp', host: 'smtp.example.org', port: 25, security: 'none', auth: 'password', username: 'smtp-Alice.Smith' },
    ]);
    // IMAP before POP3, document order within.
    expect(config.incoming).toEqual([
      { protocol: 'imap', host: 'imap.example.org', port: 143, security: 'starttls', auth: 'password', username: 'Alice.Smith@Example.ORG' },
      { protocol: 'imap', host: 'imap.example.org', port: 993, security: 'tls', auth: 'password', username: 'Alice.Smith@Example.ORG' },
      { protocol: 'pop3', host: 'pop.example.org', port: 995, security: 'tls', auth: 'password', username: 'Alice.Smith' },
    ]);
    for (const c of [...config.smtp, ...config.incoming]) expect(ServerCandidateSchema.parse(c)).toEqual(c);
  });

  it('leaves out servers it cannot use, and says why', () => {
    const config = parsed(
      doc(
        [
          server('outgoingServer', 'smtp', 'smtp.example.org', '99999', 'SSL', '%EMAILADDRESS%'),
          server('outgoingServer', 'smtp', 'smtp example org', '465', 'SSL', '%EMAILADDRESS%'),
          server('outgoingServer', 'smtp', 'smtp.example.org', '465', 'QUANTUM', '%EMAILADDRESS%'),
          server('outgoingServer', 'smtp', 'smtp.example.org', '465', 'SSL', '%EMAILADDRESS%', 'GSSAPI'),
          server('incomingServer', 'exchange', 'ews.example.org', '443', 'SSL', '%EMAILADDRESS%'),
          server('outgoingServer', 'smtp', 'relay.example.org', '', 'STARTTLS', '', 'client-IP-address'),
        ].join('\n'),
      ),
    );
    expect(config.smtp).toEqual([{ protocol: 'smtp', host: 'relay.example.org', port: 587, security: 'starttls', auth: 'none', username: '' }]);
    expect(config.incoming).toEqual([]);
    expect(config.ignored.join('\n')).toMatch(/bad port '99999'/);
    expect(config.ignored.join('\n')).toMatch(/not a host name/);
    expect(config.ignored.join('\n')).toMatch(/unknown socketType 'quantum'/);
    expect(config.ignored.join('\n')).toMatch(/authentication methods Mailwright does not support/);
    expect(config.ignored.join('\n')).toMatch(/incoming server of type 'exchange'/);
  });

  it('maps authentication: any password method wins, OAuth2 only when alone', () => {
    expect(mapAuthentication(['OAuth2', 'password-cleartext'])).toBe('password');
    expect(mapAuthentication(['password-encrypted'])).toBe('password');
    expect(mapAuthentication(['OAuth2'])).toBe('oauth2');
    expect(mapAuthentication(['none'])).toBe('none');
    expect(mapAuthentication([])).toBe('password');
    expect(mapAuthentication(['GSSAPI'])).toBeUndefined();
  });

  it('fills every occurrence of each placeholder', () => {
    expect(fillPlaceholders('%EMAILLOCALPART%+%EMAILLOCALPART%@%EMAILDOMAIN% (%EMAILADDRESS%)', who)).toBe(
      'Alice.Smith+Alice.Smith@example.org (Alice.Smith@Example.ORG)',
    );
  });

  it('reports malformed XML as a clear failure', () => {
    const result = parseClientConfig('<clientConfig><emailProvider id="x"><domain>x</emailProvider>', who);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.detail).toMatch(/^not well-formed XML: .*line \d+/);
    expect(parseClientConfig('<html><body>Not here</body></html>', who)).toEqual({ ok: false, detail: 'not a config-v1.1 document (no <clientConfig>)' });
    expect(parseClientConfig('', who).ok).toBe(false);
  });

  it('refuses entity expansion (a "billion laughs" document) before parsing', () => {
    const bomb = `<?xml version="1.0"?>
<!DOCTYPE clientConfig [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
${doc(server('outgoingServer', 'smtp', 'smtp.example.org', '465', 'SSL', '&lol9;'))}`;
    const started = Date.now();
    const result = parseClientConfig(bomb, who);
    expect(result).toEqual({ ok: false, detail: expect.stringMatching(/^refused: the document declares a DTD/) });
    expect(Date.now() - started).toBeLessThan(100);
  });

  it('refuses external entities', () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${doc(
      server('outgoingServer', 'smtp', 'smtp.example.org', '465', 'SSL', '&xxe;'),
    )}`;
    expect(parseClientConfig(xxe, who)).toMatchObject({ ok: false, detail: expect.stringMatching(/DTD or entities/) });
  });

  it('refuses documents over the size limit', () => {
    const huge = doc(server('outgoingServer', 'smtp', 'smtp.example.org', '465', 'SSL', '%EMAILADDRESS%'), `<!-- ${'x'.repeat(1024 * 1024)} -->`);
    expect(parseClientConfig(huge, who)).toMatchObject({ ok: false, detail: expect.stringMatching(/larger than/) });
  });

  it('decodes the predefined entities and character references', () => {
    const config = parsed(doc(server('outgoingServer', 'smtp', 'smtp.example.org', '465', 'SSL', 'a&amp;b&#64;c')));
    expect(config.smtp[0]?.username).toBe('a&b@c');
    // One pass: an escaped ampersand does not start a second reference.
    expect(parsed(doc(server('outgoingServer', 'smtp', 'smtp.example.org', '465', 'SSL', 'a&amp;#64;b'))).smtp[0]?.username).toBe('a&#64;b');
  });
});

/**
 * Discovery against real servers on 127.0.0.1: dnsmasq answers every DNS question (A, SRV, MX),
 * a node:https server with a certificate from a throwaway CA plays every autoconfig, well-known
 * and ISPDB host (by Host header), a plain http server plays the http variants, and smtp-server
 * instances (plus two tiny IMAP/POP3 stand-ins) are what guessing finds. Nothing leaves the machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscoveryResultSchema, type DiscoveryResult } from '../../shared/discovery';
import { discover, type DiscoveryOptions } from '../../src-main/services/discovery';
import { loadRegistrations } from '../../src-main/services/oauth/registrations';
import { startDnsServer, type DnsServer } from '../support/dns-server';
import { createTestCa, type IssuedCert, type TestCa } from '../support/test-ca';

const CONFIG_PATH = '/mail/config-v1.1.xml';
const WELL_KNOWN_PATH = '/.well-known/autoconfig/mail/config-v1.1.xml';

/** A config-v1.1 document with one SMTP server (SSL on 465) and one IMAP server. */
const configXml = (name: string, smtpHost: string, username = '%EMAILADDRESS%') => `<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="${name}">
    <domain>${name}</domain>
    <displayName>${name} Mail</displayName>
    <incomingServer type="imap">
      <hostname>imap.${name}</hostname><port>993</port><socketType>SSL</socketType>
      <authentication>password-cleartext</authentication><username>${username}</username>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>${smtpHost}</hostname><port>465</port><socketType>SSL</socketType>
      <authentication>password-cleartext</authentication><username>${username}</username>
    </outgoingServer>
  </emailProvider>
</clientConfig>`;

/** A provider known only from its config file, whose <oAuth2> names an authorization server on the loopback address. */
const OAUTH_ISSUER = 'http://127.0.0.1:9999/oidc';
const OAUTH_DOC = `<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="oauth.test">
    <domain>oauth.test</domain>
    <displayName>OAuth Test Mail</displayName>
    <incomingServer type="imap">
      <hostname>imap.oauth.test</hostname><port>993</port><socketType>SSL</socketType>
      <authentication>OAuth2</authentication><authentication>password-cleartext</authentication><username>%EMAILADDRESS%</username>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.oauth.test</hostname><port>465</port><socketType>SSL</socketType>
      <authentication>OAuth2</authentication><authentication>password-cleartext</authentication><username>%EMAILADDRESS%</username>
    </outgoingServer>
    <oAuth2>
      <issuer>${OAUTH_ISSUER}</issuer>
      <scope>openid offline_access mail</scope>
      <authURL>${OAUTH_ISSUER}/auth</authURL>
      <tokenURL>${OAUTH_ISSUER}/token</tokenURL>
    </oAuth2>
  </emailProvider>
</clientConfig>`;

/** A domain hosted at Microsoft 365: OAuth2 and a password on Microsoft's servers, with or without an <oAuth2> element. */
const microsoftDoc = (name: string, smtpHost: string, oauth2 = '') =>
  configXml(name, smtpHost)
    .replaceAll(`imap.${name}`, 'outlook.office365.com')
    .replaceAll('<authentication>password-cleartext</authentication>', '<authentication>OAuth2</authentication><authentication>password-cleartext</authentication>')
    .replace('</emailProvider>', `${oauth2}</emailProvider>`);
const SPOOFED_OAUTH2 = `<oAuth2><issuer>login.microsoftonline.com</issuer><scope>https://outlook.office.com/SMTP.Send offline_access</scope>
  <authURL>https://login.microsoftonline.com/common/oauth2/v2.0/authorize</authURL><tokenURL>https://tokens.stranger.test/token</tokenURL></oAuth2>`;

type Route = { status?: number; body?: string; headers?: Record<string, string>; delayMs?: number; stream?: number };

let dir: string;
let ca: TestCa;
let dns: DnsServer;
let httpsServer: https.Server;
let untrustedServer: https.Server;
let httpServer: http.Server;
let httpsPort: number;
let untrustedPort: number;
let httpPort: number;
let closedPort: number;
let mailCert: IssuedCert;
const ports = { smtpTls: 0, smtpStarttls: 0, smtpNoStarttls: 0, silent: 0, imapStarttls: 0, pop3Tls: 0 };
const smtpServers: SMTPServer[] = [];
const rawServers: net.Server[] = [];
const openSockets = new Set<net.Socket>();
/** "host/path?query" of every request each web server received. */
const httpsRequests: string[] = [];
const httpRequests: string[] = [];

const httpsRoutes = (): Record<string, Route> => ({
  [`autoconfig.ac.test${CONFIG_PATH}`]: { body: configXml('ac.test', 'smtp.ac.test') },
  [`wk.test${WELL_KNOWN_PATH}`]: { body: configXml('wk.test', 'smtp.wk.test') },
  'ispdb.test/v1.1/isp.test': { body: configXml('isp.test', 'smtp.isp.test') },
  'ispdb.test/v1.1/hoster.test': { body: configXml('hoster.test', 'smtp.hoster.test', '%EMAILLOCALPART%') },
  [`autoconfig.gmail.com${CONFIG_PATH}`]: { body: configXml('gmail.com', 'smtp.evil.test') },
  [`autoconfig.order.test${CONFIG_PATH}`]: { body: configXml('order.test', 'smtp.order.test') },
  [`autoconfig.slow.test${CONFIG_PATH}`]: { body: configXml('slow.test', 'smtp.slow.test'), delayMs: 800 },
  [`autoconfig.fast.test${CONFIG_PATH}`]: { body: configXml('fast.test', 'smtp.fast.test') },
  [`autoconfig.oauth.test${CONFIG_PATH}`]: { body: OAUTH_DOC },
  // A domain hosted at Microsoft 365 whose file names OAuth2 but carries no <oAuth2> element.
  [`autoconfig.m365.test${CONFIG_PATH}`]: { body: microsoftDoc('m365.test', 'smtp.office365.com') },
  // Names Microsoft's issuer with a token endpoint of its own: Microsoft's real endpoints are used.
  [`autoconfig.spoof.test${CONFIG_PATH}`]: { body: microsoftDoc('spoof.test', 'smtp.office365.com', SPOOFED_OAUTH2) },
  // Names Microsoft's issuer for a server that is not Microsoft's: no OAuth2 at all (the token would go there).
  [`autoconfig.stranger.test${CONFIG_PATH}`]: { body: microsoftDoc('stranger.test', 'smtp.stranger.test', SPOOFED_OAUTH2) },
  [`autoconfig.redir.test${CONFIG_PATH}`]: { status: 302, headers: { location: `http://autoconfig.plain.test:${httpPort}${CONFIG_PATH}` } },
  [`redir.test${WELL_KNOWN_PATH}`]: { status: 301, headers: { location: `https://autoconfig.ac.test:${httpsPort}${CONFIG_PATH}` } },
  [`autoconfig.loop.test${CONFIG_PATH}`]: { status: 302, headers: { location: CONFIG_PATH } },
  [`autoconfig.bad.test${CONFIG_PATH}`]: { body: '<clientConfig><emailProvider id="bad.test"><domain>bad.test</clientConfig>' },
  [`autoconfig.big.test${CONFIG_PATH}`]: { stream: 2 * 1024 * 1024 },
});
const httpRoutes = (): Record<string, Route> => ({
  [`autoconfig.plain.test${CONFIG_PATH}`]: { body: configXml('plain.test', 'smtp.plain.test') },
});

function webHandler(routes: () => Record<string, Route>, log: string[]) {
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const url = new URL(req.url ?? '/', 'http://x');
    log.push(`${host}${url.pathname}${url.search}`);
    const route = routes()[`${host}${url.pathname}`];
    const reply = () => {
      if (!route) return res.writeHead(404).end('not here');
      if (route.stream) {
        res.writeHead(200, { 'content-type': 'application/xml' });
        const chunk = Buffer.alloc(64 * 1024, 'x');
        let sent = 0;
        const more = () => {
          while (sent < route.stream! && !res.destroyed) {
            sent += chunk.length;
            if (!res.write(chunk)) return res.once('drain', more);
          }
          res.end();
        };
        return more();
      }
      res.writeHead(route.status ?? 200, { 'content-type': 'application/xml', ...route.headers }).end(route.body ?? '');
    };
    if (route?.delayMs) setTimeout(reply, route.delayMs);
    else reply();
  };
}

function track<T extends net.Server>(server: T): T {
  server.on('connection', (s: net.Socket) => {
    openSockets.add(s);
    s.on('close', () => openSockets.delete(s));
  });
  return server;
}

const listen = (server: net.Server) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

async function smtp(options: SMTPServerOptions): Promise<number> {
  const server = new SMTPServer({ logger: false, disableReverseLookup: true, authOptional: true, ...options });
  server.on('error', () => {});
  smtpServers.push(server);
  return listen(server.server);
}

/** An IMAP stand-in on a plain port that offers STARTTLS, upgrades, and says goodbye to LOGOUT. */
function imapStarttlsServer(cert: IssuedCert): net.Server {
  return net.createServer((socket) => {
    socket.on('error', () => {});
    socket.write('* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] stand-in ready\r\n');
    let buffer = '';
    const onData = (data: Buffer) => {
      buffer += data.toString('latin1');
      const m = /^(\S+) STARTTLS\r\n/i.exec(buffer);
      if (!m) return;
      socket.off('data', onData);
      socket.write(`${m[1]} OK begin TLS now\r\n`);
      const secure = new tls.TLSSocket(socket, { isServer: true, key: cert.key, cert: cert.cert });
      secure.on('error', () => {});
      secure.on('data', (d: Buffer) => {
        const logout = /^(\S+) LOGOUT/i.exec(d.toString('latin1'));
        if (logout) secure.end(`* BYE\r\n${logout[1]} OK LOGOUT done\r\n`);
      });
    };
    socket.on('data', onData);
  });
}

/** A POP3 stand-in with implicit TLS. */
function pop3TlsServer(cert: IssuedCert): tls.Server {
  return tls.createServer({ key: cert.key, cert: cert.cert }, (socket) => {
    socket.on('error', () => {});
    socket.write('+OK stand-in ready\r\n');
    socket.on('data', (d: Buffer) => {
      if (/^QUIT/i.test(d.toString('latin1'))) socket.end('+OK bye\r\n');
    });
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mailwright-discovery-'));
  ca = await createTestCa(join(dir, 'ca'));
  const otherCa = await createTestCa(join(dir, 'other-ca'));
  const webHosts = [
    'autoconfig.ac.test',
    'wk.test',
    'autoconfig.wk.test',
    'ispdb.test',
    'autoconfig.gmail.com',
    'autoconfig.order.test',
    'autoconfig.slow.test',
    'autoconfig.fast.test',
    'autoconfig.plain.test',
    'autoconfig.redir.test',
    'redir.test',
    'autoconfig.loop.test',
    'autoconfig.bad.test',
    'autoconfig.big.test',
    'autoconfig.oauth.test',
    'autoconfig.m365.test',
    'autoconfig.spoof.test',
    'autoconfig.stranger.test',
  ];
  const [web, untrusted, mail] = await Promise.all([
    ca.issue('web', { hosts: webHosts }),
    otherCa.issue('untrusted', { hosts: ['autoconfig.untrusted.test'] }),
    ca.issue('mail', { hosts: ['smtp.guess.test', 'imap.guess.test', 'pop.guess.test', 'smtp.nostls.test'] }),
  ]);
  mailCert = mail;

  httpsServer = track(https.createServer({ key: web.key, cert: web.cert }, webHandler(httpsRoutes, httpsRequests)));
  untrustedServer = track(
    https.createServer({ key: untrusted.key, cert: untrusted.cert }, webHandler(() => ({ [`autoconfig.untrusted.test${CONFIG_PATH}`]: { body: configXml('untrusted.test', 'smtp.untrusted.test') } }), [])),
  );
  httpServer = track(http.createServer(webHandler(httpRoutes, httpRequests)));
  [httpsPort, untrustedPort, httpPort] = await Promise.all([listen(httpsServer), listen(untrustedServer), listen(httpServer)]);

  ports.smtpTls = await smtp({ secure: true, key: mail.key, cert: mail.cert });
  ports.smtpStarttls = await smtp({ secure: false, key: mail.key, cert: mail.cert });
  ports.smtpNoStarttls = await smtp({ secure: false, disabledCommands: ['STARTTLS'] });
  const silent = track(net.createServer(() => {})); // accepts, never greets
  const imap = track(imapStarttlsServer(mail));
  const pop3 = track(pop3TlsServer(mail));
  rawServers.push(silent, imap, pop3);
  [ports.silent, ports.imapStarttls, ports.pop3Tls] = await Promise.all([listen(silent), listen(imap), listen(pop3)]);
  const closed = net.createServer();
  closedPort = await listen(closed);
  await new Promise<void>((r) => closed.close(() => r()));

  dns = await startDnsServer([
    // Names under .test without a record: NXDOMAIN (not REFUSED).
    'local=/test/',
    'host-record=autoconfig.ac.test,127.0.0.1',
    'host-record=wk.test,127.0.0.1',
    'host-record=autoconfig.wk.test,127.0.0.1',
    'host-record=ispdb.test,127.0.0.1',
    // SRV: the lower priority wins; _submission says "not offered".
    'srv-host=_submissions._tcp.srv.test,smtp2.srv.test,465,10,1',
    'srv-host=_submissions._tcp.srv.test,smtp.srv.test,465,0,1',
    'srv-host=_submission._tcp.srv.test',
    'srv-host=_imaps._tcp.srv.test,imap.srv.test,993,0,1',
    'mx-host=mxg.test,alt1.aspmx.l.google.com,20',
    'mx-host=mxg.test,aspmx.l.google.com,10',
    'mx-host=mxi.test,mx1.hoster.test,10',
    'host-record=smtp.guess.test,127.0.0.1',
    'host-record=mail.guess.test,127.0.0.1',
    'host-record=imap.guess.test,127.0.0.1',
    'host-record=pop.guess.test,127.0.0.1',
    'host-record=smtp.nostls.test,127.0.0.1',
    // Several sources answer: autoconfig must win.
    'host-record=autoconfig.order.test,127.0.0.1',
    'srv-host=_submissions._tcp.order.test,smtp.srv-said.test,465,0,1',
    'mx-host=order.test,aspmx.l.google.com,10',
    'host-record=autoconfig.slow.test,127.0.0.1',
    'srv-host=_submissions._tcp.slow.test,smtp.srv-said.test,465,0,1',
    'host-record=autoconfig.fast.test,127.0.0.1',
    'host-record=smtp.fast.test,127.0.0.1',
    // Must never be asked: gmail.com is bundled.
    'host-record=autoconfig.gmail.com,127.0.0.1',
    'srv-host=_submissions._tcp.gmail.com,smtp.evil.test,465,0,1',
    'host-record=autoconfig.plain.test,127.0.0.1',
    'host-record=autoconfig.redir.test,127.0.0.1',
    'host-record=redir.test,127.0.0.1',
    'host-record=autoconfig.loop.test,127.0.0.1',
    'host-record=autoconfig.untrusted.test,127.0.0.1',
    'host-record=autoconfig.bad.test,127.0.0.1',
    'host-record=autoconfig.big.test,127.0.0.1',
    'host-record=autoconfig.oauth.test,127.0.0.1',
    'host-record=autoconfig.m365.test,127.0.0.1',
    'host-record=autoconfig.spoof.test,127.0.0.1',
    'host-record=autoconfig.stranger.test,127.0.0.1',
  ]);
});

afterAll(async () => {
  await dns?.stop();
  for (const s of openSockets) s.destroy();
  await Promise.all([
    ...[httpsServer, untrustedServer, httpServer, ...rawServers].filter(Boolean).map((s) => new Promise<void>((r) => s.close(() => r()))),
    ...smtpServers.map((s) => new Promise<void>((r) => s.close(() => r()))),
  ]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Every test: local DNS, local ISPDB, our CA, and guesses that meet closed ports unless told otherwise. */
function options(extra: Partial<DiscoveryOptions> = {}): DiscoveryOptions {
  return {
    dnsServers: dns.servers,
    httpsPort,
    httpPort,
    ispdbBaseUrl: `https://ispdb.test:${httpsPort}/v1.1/`,
    extraCertificateAuthorities: [ca.cert],
    guessPorts: { tls: closedPort, starttls: closedPort, plain: closedPort },
    incomingGuessPorts: { imaps: closedPort, imap: closedPort, pop3s: closedPort, pop3: closedPort },
    timeouts: { httpMs: 2_000, dnsMs: 1_000, probeMs: 1_500 },
    ...extra,
  };
}

async function run(email: string, extra: Partial<DiscoveryOptions> = {}): Promise<DiscoveryResult> {
  const result = await discover(email, options(extra));
  expect(DiscoveryResultSchema.parse(result)).toEqual(result);
  return result;
}

const outcomes = (r: DiscoveryResult) => r.attempts.map((a) => `${a.source}:${a.outcome}`);
const attemptOf = (r: DiscoveryResult, source: string) => r.attempts.find((a) => a.source === source)!;

describe('each source on its own', () => {
  it('autoconfig: https://autoconfig.<domain>/mail/config-v1.1.xml?emailaddress=…', async () => {
    const r = await run('alice@ac.test');
    expect(r.source).toBe('autoconfig');
    expect(r.providerName).toBe('ac.test Mail');
    expect(r.sourceDetail).toBe(`https://autoconfig.ac.test:${httpsPort}${CONFIG_PATH}?emailaddress=alice%40ac.test`);
    expect(r.smtp).toEqual([{ protocol: 'smtp', host: 'smtp.ac.test', port: 465, security: 'tls', auth: 'password', username: 'alice@ac.test' }]);
    expect(r.incoming).toEqual([{ protocol: 'imap', host: 'imap.ac.test', port: 993, security: 'tls', auth: 'password', username: 'alice@ac.test' }]);
    expect(outcomes(r).slice(0, 2)).toEqual(['bundled:not-found', 'autoconfig:found']);
    expect(r.attempts.map((a) => a.source)).toEqual(['bundled', 'autoconfig', 'well-known', 'ispdb', 'srv', 'mx', 'guess']);
    expect(httpsRequests).toContain(`autoconfig.ac.test${CONFIG_PATH}?emailaddress=alice%40ac.test`);
  });

  it('autoconfig with <oAuth2>: OAuth2 only with a client ID for that issuer, a password (as before) without', async () => {
    const provider = {
      id: OAUTH_ISSUER,
      name: 'OAuth Test Mail',
      issuer: OAUTH_ISSUER,
      authorizationEndpoint: `${OAUTH_ISSUER}/auth`,
      tokenEndpoint: `${OAUTH_ISSUER}/token`,
      scopes: ['openid', 'offline_access', 'mail'],
    };
    const withClient = await run('kim@oauth.test', { registrations: loadRegistrations({ entries: { [OAUTH_ISSUER]: { clientId: 'mailwright-test' } } }) });
    expect(withClient.source).toBe('autoconfig');
    expect(withClient.oauth).toEqual({ provider, shippedClientId: 'mailwright-test' });
    expect(withClient.providerId).toBeUndefined();
    expect(withClient.smtp).toEqual([
      { protocol: 'smtp', host: 'smtp.oauth.test', port: 465, security: 'tls', auth: 'oauth2', offered: ['oauth2', 'password'], username: 'kim@oauth.test' },
    ]);
    expect(withClient.incoming[0]?.auth).toBe('oauth2');

    const without = await run('kim@oauth.test');
    expect(without.oauth).toEqual({ provider, shippedClientId: null });
    expect(without.smtp[0]?.auth).toBe('password');
    expect(without.incoming[0]?.auth).toBe('password');
    // A client for another provider changes nothing.
    const other = await run('kim@oauth.test', { registrations: loadRegistrations({ entries: { microsoft: { clientId: 'x' } } }) });
    expect(other.smtp[0]?.auth).toBe('password');
  });

  it('autoconfig naming OAuth2 for Microsoft 365 servers without <oAuth2>: the bundled Microsoft provider, found by host', async () => {
    const r = await run('lou@m365.test', { registrations: loadRegistrations({ entries: { microsoft: { clientId: 'ms-client' } } }) });
    expect(r.source).toBe('autoconfig');
    expect(r.smtp[0]).toMatchObject({ host: 'smtp.office365.com', auth: 'oauth2', offered: ['oauth2', 'password'] });
    expect(r.oauth).toMatchObject({ provider: { id: 'microsoft', issuer: 'login.microsoftonline.com' }, shippedClientId: 'ms-client' });
  });

  it('a document naming Microsoft gets Microsoft\'s own endpoints, and no OAuth2 at all for a server that is not Microsoft\'s', async () => {
    const registrations = loadRegistrations({ entries: { microsoft: { clientId: 'ms-client' } } });
    const spoof = await run('max@spoof.test', { registrations });
    expect(spoof.oauth?.provider.tokenEndpoint).toBe('https://login.microsoftonline.com/common/oauth2/v2.0/token');
    expect(spoof.oauth?.provider.scopes).toContain('https://outlook.office.com/IMAP.AccessAsUser.All');
    expect(spoof.smtp[0]?.auth).toBe('oauth2');

    const stranger = await run('max@stranger.test', { registrations });
    expect(stranger.source).toBe('autoconfig');
    expect(stranger.oauth).toBeUndefined();
    expect([...stranger.smtp, ...stranger.incoming].map((c) => c.auth)).toEqual(['password', 'password']);
  });

  it('well-known: https://<domain>/.well-known/autoconfig/mail/config-v1.1.xml', async () => {
    const r = await run('bob@wk.test');
    expect(r.source).toBe('well-known');
    expect(r.sourceDetail).toBe(`https://wk.test:${httpsPort}${WELL_KNOWN_PATH}`);
    expect(r.smtp[0]).toMatchObject({ host: 'smtp.wk.test', username: 'bob@wk.test' });
    expect(outcomes(r).slice(0, 3)).toEqual(['bundled:not-found', 'autoconfig:not-found', 'well-known:found']);
    expect(attemptOf(r, 'autoconfig').detail).toMatch(/HTTP 404$/);
  });

  it('ISPDB: `${ispdbBaseUrl}${domain}`', async () => {
    const r = await run('carol@isp.test');
    expect(r.source).toBe('ispdb');
    expect(r.sourceDetail).toBe(`https://ispdb.test:${httpsPort}/v1.1/isp.test`);
    expect(r.smtp[0]).toMatchObject({ host: 'smtp.isp.test', port: 465, security: 'tls' });
    expect(outcomes(r).slice(0, 4)).toEqual(['bundled:not-found', 'autoconfig:not-found', 'well-known:not-found', 'ispdb:found']);
    expect(attemptOf(r, 'autoconfig').detail).toMatch(/autoconfig\.isp\.test: no such name$/);
  });

  it('SRV: priority order, "." means not offered, full address as username', async () => {
    const r = await run('dave@srv.test');
    expect(r.source).toBe('srv');
    expect(r.smtp).toEqual([
      { protocol: 'smtp', host: 'smtp.srv.test', port: 465, security: 'tls', auth: 'password', username: 'dave@srv.test' },
      { protocol: 'smtp', host: 'smtp2.srv.test', port: 465, security: 'tls', auth: 'password', username: 'dave@srv.test' },
    ]);
    expect(r.incoming).toEqual([{ protocol: 'imap', host: 'imap.srv.test', port: 993, security: 'tls', auth: 'password', username: 'dave@srv.test' }]);
    expect(r.sourceDetail).toBe('_submissions._tcp.srv.test → smtp.srv.test:465');
    expect(attemptOf(r, 'srv').detail).toContain('_submission._tcp.srv.test: service not offered (target ".")');
    expect(attemptOf(r, 'srv').detail).toContain('_pop3s._tcp.srv.test: no such name');
  });

  it('MX at Google → the bundled Gmail settings, with the person’s own address', async () => {
    const r = await run('erin@mxg.test');
    expect(r.source).toBe('mx');
    expect(r.providerName).toBe('Google Workspace');
    expect(r.sourceDetail).toBe('MX aspmx.l.google.com → Google Workspace');
    expect(r.providerId).toBe('gmail');
    expect(r.oauth).toMatchObject({ provider: { id: 'google' }, shippedClientId: null });
    expect(r.smtp[0]).toEqual({ protocol: 'smtp', host: 'smtp.gmail.com', port: 465, security: 'tls', auth: 'password', offered: ['oauth2', 'password'], username: 'erin@mxg.test' });
    expect(outcomes(r).slice(0, 7)).toEqual([
      'bundled:not-found',
      'autoconfig:not-found',
      'well-known:not-found',
      'ispdb:not-found',
      'srv:not-found',
      'mx:found',
      expect.stringMatching(/^guess:/),
    ]);
  });

  it('MX of an unknown host → the ISPDB entry of its registered domain', async () => {
    const r = await run('frank@mxi.test');
    expect(r.source).toBe('mx');
    expect(r.sourceDetail).toBe(`MX mx1.hoster.test → https://ispdb.test:${httpsPort}/v1.1/hoster.test`);
    // The file says %EMAILLOCALPART%, but a hosted domain's mailbox is the person's full address.
    expect(r.smtp[0]).toMatchObject({ host: 'smtp.hoster.test', username: 'frank@mxi.test' });
  });

  it('guess: implicit TLS, then STARTTLS; certificates checked per host; incoming too', async () => {
    const r = await run('gina@guess.test', {
      guessPorts: { tls: ports.smtpTls, starttls: ports.smtpStarttls, plain: ports.smtpNoStarttls },
      incomingGuessPorts: { imaps: closedPort, imap: ports.imapStarttls, pop3s: ports.pop3Tls, pop3: closedPort },
    });
    expect(r.source).toBe('guess');
    expect(r.smtp).toEqual([
      { protocol: 'smtp', host: 'smtp.guess.test', port: ports.smtpTls, security: 'tls', auth: 'password', username: 'gina@guess.test' },
      { protocol: 'smtp', host: 'smtp.guess.test', port: ports.smtpStarttls, security: 'starttls', auth: 'password', username: 'gina@guess.test' },
    ]);
    expect(r.incoming).toEqual([
      { protocol: 'imap', host: 'imap.guess.test', port: ports.imapStarttls, security: 'starttls', auth: 'password', username: 'gina@guess.test' },
      { protocol: 'pop3', host: 'pop.guess.test', port: ports.pop3Tls, security: 'tls', auth: 'password', username: 'gina@guess.test' },
    ]);
    expect(r.sourceDetail).toBe(`probed smtp.guess.test:${ports.smtpTls} (TLS)`);
    const detail = attemptOf(r, 'guess').detail;
    expect(detail).toContain(`mail.guess.test:${ports.smtpTls}: certificate is not valid for mail.guess.test`);
    expect(detail).toContain(`smtp.guess.test:${ports.smtpNoStarttls}: no STARTTLS offered`);
    // guess.test exists (names below it do) but has no address.
    expect(detail).toContain('; guess.test: no records;');
  });

  it('guess: a server without STARTTLS is never accepted', async () => {
    const r = await run('hal@nostls.test', { guessPorts: { tls: closedPort, starttls: closedPort, plain: ports.smtpNoStarttls } });
    expect(r.source).toBeNull();
    expect(r.smtp).toEqual([]);
    expect(attemptOf(r, 'guess')).toMatchObject({ outcome: 'failed', detail: expect.stringContaining(`smtp.nostls.test:${ports.smtpNoStarttls}: no STARTTLS offered`) });
  });
});

describe('order and safety', () => {
  it('autoconfig beats SRV and MX when all answer', async () => {
    const r = await run('ivy@order.test');
    expect(r.source).toBe('autoconfig');
    expect(r.smtp[0]?.host).toBe('smtp.order.test');
    expect(r.attempts.map((a) => a.source)).toEqual(['bundled', 'autoconfig', 'well-known', 'ispdb', 'srv', 'mx', 'guess']);
  });

  it('waits for a slower better source (autoconfig at 0.8 s) rather than take SRV', async () => {
    const started = Date.now();
    const r = await run('jo@slow.test');
    expect(Date.now() - started).toBeGreaterThanOrEqual(750);
    expect(r.source).toBe('autoconfig');
    expect(r.smtp[0]?.host).toBe('smtp.slow.test');
  });

  it('does not wait for a slower worse source (a server that never greets)', async () => {
    const started = Date.now();
    const r = await run('kim@fast.test', { guessPorts: { tls: ports.silent, starttls: closedPort, plain: closedPort }, timeouts: { httpMs: 2_000, dnsMs: 1_000, probeMs: 5_000 } });
    expect(r.source).toBe('autoconfig');
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(attemptOf(r, 'guess')).toMatchObject({ outcome: 'skipped', detail: expect.stringMatching(/stopped, autoconfig answered first$/) });
  });

  it('bundled beats everything for gmail.com, and nothing is asked on the network', async () => {
    const before = httpsRequests.length;
    const r = await run('lee@gmail.com');
    expect(r.source).toBe('bundled');
    expect(r.smtp[0]?.host).toBe('smtp.gmail.com');
    expect(outcomes(r)).toEqual(['bundled:found', 'autoconfig:skipped', 'well-known:skipped', 'ispdb:skipped', 'srv:skipped', 'mx:skipped', 'guess:skipped']);
    expect(httpsRequests.slice(before)).toEqual([]);
  });

  it('plain http only when the person allowed it', async () => {
    const refused = await run('max@plain.test');
    expect(refused.source).toBeNull();
    expect(httpRequests).toEqual([]);
    expect(refused.attempts.some((a) => a.detail.startsWith('http://'))).toBe(false);

    const allowed = await run('max@plain.test', { allowHttp: true });
    expect(allowed.source).toBe('autoconfig');
    expect(allowed.sourceDetail).toBe(`http://autoconfig.plain.test:${httpPort}${CONFIG_PATH}?emailaddress=max%40plain.test`);
    expect(outcomes(allowed).slice(0, 4)).toEqual(['bundled:not-found', 'autoconfig:not-found', 'well-known:not-found', 'autoconfig:found']);
    expect(allowed.attempts[3]!.detail).toMatch(/^http:\/\/autoconfig\.plain\.test/);
    expect(httpRequests).toEqual([`autoconfig.plain.test${CONFIG_PATH}?emailaddress=max%40plain.test`]);
  });

  it('follows a redirect to https, refuses one to http', async () => {
    const r = await run('ned@redir.test');
    expect(attemptOf(r, 'autoconfig')).toMatchObject({ outcome: 'failed', detail: expect.stringMatching(/refused a redirect to http:/) });
    expect(r.source).toBe('well-known');
    expect(r.sourceDetail).toBe(`https://autoconfig.ac.test:${httpsPort}${CONFIG_PATH}`);
    expect(attemptOf(r, 'well-known').detail).toContain(`(via https://autoconfig.ac.test:${httpsPort}${CONFIG_PATH})`);
  });

  it('stops after 3 redirects', async () => {
    const r = await run('olga@loop.test');
    expect(attemptOf(r, 'autoconfig')).toMatchObject({ outcome: 'failed', detail: expect.stringMatching(/more than 3 redirects$/) });
  });

  it('an untrusted certificate fails the source; the document is not used', async () => {
    const r = await run('pat@untrusted.test', { httpsPort: untrustedPort });
    expect(r.source).toBeNull();
    expect(attemptOf(r, 'autoconfig')).toMatchObject({ outcome: 'failed', detail: expect.stringMatching(/certificate not issued by a trusted authority/) });
  });

  it('malformed XML is "not found" with the parser’s words; an oversized document fails', async () => {
    const bad = await run('quinn@bad.test');
    expect(attemptOf(bad, 'autoconfig')).toMatchObject({ outcome: 'not-found', detail: expect.stringMatching(/not well-formed XML/) });
    const big = await run('rae@big.test');
    expect(attemptOf(big, 'autoconfig')).toMatchObject({ outcome: 'failed', detail: expect.stringMatching(/document larger than 1048576 bytes$/) });
  });

  it('nothing found: source null, every attempt listed in order', async () => {
    const r = await run('sam@nothing.test');
    expect(r).toMatchObject({ source: null, smtp: [], incoming: [] });
    expect(outcomes(r)).toEqual([
      'bundled:not-found',
      'autoconfig:not-found',
      'well-known:not-found',
      'ispdb:not-found',
      'srv:not-found',
      'mx:not-found',
      'guess:not-found',
    ]);
    expect(r.attempts.map((a) => a.detail)).toEqual([
      'nothing.test: no bundled settings',
      `https://autoconfig.nothing.test:${httpsPort}${CONFIG_PATH}?emailaddress=sam%40nothing.test: autoconfig.nothing.test: no such name`,
      `https://nothing.test:${httpsPort}${WELL_KNOWN_PATH}: nothing.test: no such name`,
      `https://ispdb.test:${httpsPort}/v1.1/nothing.test: HTTP 404`,
      expect.stringMatching(/^_submissions\._tcp\.nothing\.test: no such name; _submission\._tcp\.nothing\.test: no such name; /),
      'MX nothing.test: no such name',
      'smtp.nothing.test: no such name; mail.nothing.test: no such name; nothing.test: no such name',
    ]);
  });

  it('a DNS server that does not answer: every network source fails, within the time limits', async () => {
    const started = Date.now();
    const r = await run('tom@ac.test', { dnsServers: [`127.0.0.1:${closedPort}`] });
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(r.source).toBeNull();
    expect(outcomes(r).slice(1)).toEqual(['autoconfig:failed', 'well-known:failed', 'ispdb:failed', 'srv:failed', 'mx:failed', 'guess:failed']);
  });

  it('honours an abort signal', async () => {
    const started = Date.now();
    await expect(discover('uma@slow.test', options({ signal: AbortSignal.timeout(150) }))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(700);
    const aborted = new AbortController();
    aborted.abort();
    await expect(discover('uma@slow.test', options({ signal: aborted.signal }))).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('the probes leave no connection open', async () => {
    // smtp-server keeps a count of its clients; after discovery every probe has said QUIT.
    await run('vic@guess.test', {
      guessPorts: { tls: ports.smtpTls, starttls: ports.smtpStarttls, plain: ports.smtpNoStarttls },
    });
    await new Promise((r) => setTimeout(r, 100));
    const counts = smtpServers.map((s) => (s as unknown as { connections: Set<unknown> }).connections.size);
    expect(counts).toEqual([0, 0, 0]);
    expect(mailCert.cert).toContain('BEGIN CERTIFICATE');
  });
});

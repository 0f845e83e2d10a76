/**
 * A real HTTPS server on 127.0.0.1 that answers Thunderbird-format autoconfig requests, with a
 * certificate from a test CA, for discovery tests that point DNS (test/support/dns-server.ts) at it.
 */
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface ServerEntry {
  type: 'smtp' | 'imap' | 'pop3';
  hostname: string;
  port: number;
  socketType: 'SSL' | 'STARTTLS' | 'plain';
  /** The <authentication> values; default password-cleartext. */
  authentication?: string[];
}

/** A provider's OAuth2 block as Thunderbird's ISPDB writes it (beside <emailProvider>). */
export interface OAuth2Entry {
  issuer: string;
  scope: string;
  authURL: string;
  tokenURL: string;
}

/** A config-v1.1 document for `domain`. */
export function configXml(domain: string, displayName: string, servers: ServerEntry[], oauth2?: OAuth2Entry): string {
  const server = (s: ServerEntry) => {
    const tag = s.type === 'smtp' ? 'outgoingServer' : 'incomingServer';
    const methods = s.authentication ?? ['password-cleartext'];
    return `    <${tag} type="${s.type}">
      <hostname>${s.hostname}</hostname>
      <port>${s.port}</port>
      <socketType>${s.socketType}</socketType>
${methods.map((m) => `      <authentication>${m}</authentication>`).join('\n')}
      <username>%EMAILADDRESS%</username>
    </${tag}>`;
  };
  const oauth = oauth2
    ? `
    <oAuth2>
      <issuer>${oauth2.issuer}</issuer>
      <scope>${oauth2.scope}</scope>
      <authURL>${oauth2.authURL}</authURL>
      <tokenURL>${oauth2.tokenURL}</tokenURL>
    </oAuth2>`
    : '';
  return `<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="${domain}">
    <domain>${domain}</domain>
    <displayName>${displayName}</displayName>
${servers.map(server).join('\n')}
  </emailProvider>${oauth}
</clientConfig>
`;
}

export interface AutoconfigServer {
  port: number;
  /** Requests seen, as "host path". */
  requests: string[];
  stop(): Promise<void>;
}

/** Serves `documents[host + pathname]` (e.g. "autoconfig.example.test/mail/config-v1.1.xml"); 404 otherwise. */
export async function startAutoconfigServer(tls: { key: string; cert: string }, documents: Record<string, string>): Promise<AutoconfigServer> {
  const requests: string[] = [];
  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const path = new URL(req.url ?? '/', 'https://x').pathname;
    requests.push(`${host} ${path}`);
    const body = documents[`${host}${path}`];
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Reads a Thunderbird "config-v1.1" document (the format of autoconfig servers, the ISPDB and our
 * bundled provider files) into server candidates for one address.
 *
 * The documents come from the network, so parsing is defensive: a size limit, no DTD at all (which
 * also rules out entity expansion bombs and external entities: the format never needs a DTD), a
 * well-formedness check first, and every host name and port validated before it is used.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { HostSchema, PortSchema, type Security } from '../../../shared/model';
import type { ServerCandidate, ServerProtocol } from '../../../shared/discovery';
import { OAuthEndpointSchema, OAuthScopeSchema, type OAuthProvider } from '../../../shared/oauth';
import type { AddressParts } from './address';

/** Larger than any real config file (the biggest ISPDB files are a few tens of kB). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

export interface ClientConfig {
  providerId?: string;
  /** displayName, else displayShortName, else the id. */
  providerName?: string;
  /** The `<domain>` entries, lower-cased. */
  domains: string[];
  /** Outgoing servers in the document's order, any unencrypted one moved last. */
  smtp: ServerCandidate[];
  /** IMAP before POP3; within each the document's order, any unencrypted one moved last. */
  incoming: ServerCandidate[];
  /** Servers that were left out, and why ("pop3 server 'x': unknown socketType 'foo'"). */
  ignored: string[];
  /** The document's `<oAuth2>` element (issuer, endpoints, scopes), when it has a usable one. */
  oauth?: OAuthProvider;
}

export type ParseOutcome = { ok: true; config: ClientConfig } | { ok: false; detail: string };

const SOCKET_TYPES: Record<string, Security> = { ssl: 'tls', starttls: 'starttls', plain: 'none' };

/** Used when a document leaves out <port>: the registered port for the protocol and security. */
const DEFAULT_PORTS: Record<ServerProtocol, Record<Security, number>> = {
  smtp: { tls: 465, starttls: 587, none: 25 },
  imap: { tls: 993, starttls: 143, none: 143 },
  pop3: { tls: 995, starttls: 110, none: 110 },
};

const PASSWORD_AUTH = new Set(['password-cleartext', 'password-encrypted', 'plain', 'secure', 'ntlm']);
const NO_AUTH = new Set(['none', 'client-ip-address', 'smtp-after-pop']);

/**
 * The method chosen from the document's <authentication> values when no OAuth2 client ID is
 * available: a password method wins when one is listed (Gmail lists OAuth2 and password-cleartext:
 * app passwords work); OAuth2 only when nothing else is offered. Methods we cannot use at all
 * (GSSAPI, TLS client certificates) give undefined, and the server is left out. No
 * <authentication> at all: the format's default, a password. Discovery (index.ts) picks OAuth2
 * instead where a client ID is available.
 */
export function mapAuthentication(values: string[]): ServerCandidate['auth'] | undefined {
  return defaultAuthentication(offeredAuthentication(values));
}

type AuthMethod = ServerCandidate['auth'];

/**
 * Every method of ours the document's <authentication> values name, in the order first named
 * (Gmail: ['oauth2', 'password']). Discovery chooses among them (discovery/index.ts): OAuth2 only
 * where a client ID is available for the provider. No <authentication> at all: a password, the
 * format's default. Empty when only methods we cannot use are listed.
 */
export function offeredAuthentication(values: string[]): AuthMethod[] {
  const lower = values.map((v) => v.trim().toLowerCase()).filter(Boolean);
  if (lower.length === 0) return ['password'];
  const out: AuthMethod[] = [];
  for (const v of lower) {
    const m: AuthMethod | undefined = PASSWORD_AUTH.has(v) ? 'password' : v === 'oauth2' ? 'oauth2' : NO_AUTH.has(v) ? 'none' : undefined;
    if (m && !out.includes(m)) out.push(m);
  }
  return out;
}

/** The method chosen when no OAuth2 client ID is available: a password where listed (see mapAuthentication). */
export function defaultAuthentication(offered: readonly AuthMethod[]): AuthMethod | undefined {
  if (offered.includes('password')) return 'password';
  if (offered.includes('oauth2')) return 'oauth2';
  if (offered.includes('none')) return 'none';
  return undefined;
}

/** Issuers of the providers Mailwright ships an entry for, by host: their OAuth2 provider id and name. */
const KNOWN_ISSUERS: Record<string, { id: string; name: string }> = {
  'login.microsoftonline.com': { id: 'microsoft', name: 'Microsoft' },
  'accounts.google.com': { id: 'google', name: 'Google' },
};

/** The host of an issuer, whether written as an URL (OpenID Connect) or as a bare host name (config-v1.1). */
export function issuerHost(issuer: string): string {
  const url = URL.parse(issuer);
  const host = url && (url.protocol === 'https:' || url.protocol === 'http:') ? url.hostname : issuer;
  return host.toLowerCase().replace(/\.$/, '');
}

/** The provider id for an issuer: 'microsoft' or 'google' for the bundled ones, else the issuer as written. */
export function oauthProviderId(issuer: string): string {
  return KNOWN_ISSUERS[issuerHost(issuer)]?.id ?? issuer;
}

/**
 * Reads a config-v1.1 `<oAuth2>` element: `<issuer>`, `<scope>` (space separated), `<authURL>`,
 * `<tokenURL>`. Everything is checked (endpoints https, or http on loopback only; each scope a
 * valid scope token); anything wrong leaves the whole element out, with the reason in `ignored`.
 */
function readOAuth2(raw: unknown, fallbackName: string | undefined, ignored: string[]): OAuthProvider | undefined {
  const node = asNode(raw);
  if (!node) return undefined;
  const issuer = firstText(node, 'issuer');
  const scopes = firstText(node, 'scope').split(/\s+/).filter(Boolean);
  const authorizationEndpoint = firstText(node, 'authURL');
  const tokenEndpoint = firstText(node, 'tokenURL');
  const problems: string[] = [];
  if (!issuer || issuer.length > 500) problems.push('no issuer');
  if (!OAuthEndpointSchema.safeParse(authorizationEndpoint).success) problems.push(`authURL '${authorizationEndpoint.slice(0, 100)}' is not an https address`);
  if (!OAuthEndpointSchema.safeParse(tokenEndpoint).success) problems.push(`tokenURL '${tokenEndpoint.slice(0, 100)}' is not an https address`);
  if (scopes.length === 0 || scopes.length > 20 || !scopes.every((s) => OAuthScopeSchema.safeParse(s).success)) problems.push('no usable scope');
  if (problems.length) {
    ignored.push(`oAuth2: ${problems.join(', ')}`);
    return undefined;
  }
  const known = KNOWN_ISSUERS[issuerHost(issuer)];
  return {
    id: known?.id ?? issuer,
    name: (known?.name ?? fallbackName ?? issuerHost(issuer)).slice(0, 200),
    issuer,
    authorizationEndpoint,
    tokenEndpoint,
    scopes,
  };
}

/** Replaces the placeholders the format defines; the values come from the person's own address. */
export function fillPlaceholders(template: string, who: AddressParts): string {
  return template
    .replaceAll('%EMAILADDRESS%', who.address)
    .replaceAll('%EMAILLOCALPART%', who.localPart)
    .replaceAll('%EMAILDOMAIN%', who.domain);
}

type XmlNode = Record<string, unknown>;

const asArray = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
const asNode = (v: unknown): XmlNode | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as XmlNode) : undefined);

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * Decodes the five predefined entities and character references in one pass (so "&amp;#64;"
 * stays "&#64;"). The parser leaves entities alone; anything else (&foo;) stays as written.
 */
export function decodeXmlText(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);/gi, (whole, ref: string) => {
    if (ref[0] !== '#') return PREDEFINED[ref.toLowerCase()] ?? whole;
    const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : whole;
  });
}

/** The text of an element, whether it came through as a plain string or as { '#text', '@_attr' }. */
function text(v: unknown): string {
  if (typeof v === 'string') return decodeXmlText(v).trim();
  if (typeof v === 'number') return String(v);
  const node = asNode(v);
  return node && typeof node['#text'] === 'string' ? decodeXmlText(node['#text']).trim() : '';
}

const attr = (v: unknown, name: string): string => {
  const value = asNode(v)?.[`@_${name}`];
  return typeof value === 'string' ? decodeXmlText(value).trim() : '';
};

function firstText(node: XmlNode, name: string): string {
  return text(asArray(node[name])[0]);
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // Keep every value a string: "0993" stays as written, and we validate it ourselves.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // Entities are decoded by decodeXmlText: only the predefined ones and character references
  // exist, because a document with a DTD never gets this far.
  processEntities: false,
  htmlEntities: false,
});

function readServer(
  raw: unknown,
  protocol: ServerProtocol,
  who: AddressParts,
  ignored: string[],
): ServerCandidate | undefined {
  const node = asNode(raw);
  if (!node) return undefined;
  const rawHost = firstText(node, 'hostname');
  const label = `${protocol} server '${rawHost || '?'}'`;
  const host = fillPlaceholders(rawHost, who).toLowerCase().replace(/\.$/, '');
  if (!HostSchema.safeParse(host).success) {
    ignored.push(`${label}: not a host name`);
    return undefined;
  }
  const socketType = firstText(node, 'socketType').toLowerCase();
  const security = SOCKET_TYPES[socketType];
  if (!security) {
    ignored.push(`${label}: unknown socketType '${socketType}'`);
    return undefined;
  }
  const portText = firstText(node, 'port');
  const port = portText === '' ? DEFAULT_PORTS[protocol][security] : /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!PortSchema.safeParse(port).success) {
    ignored.push(`${label}: bad port '${portText}'`);
    return undefined;
  }
  const offered = offeredAuthentication(asArray(node['authentication']).map(text));
  const auth = defaultAuthentication(offered);
  if (!auth) {
    ignored.push(`${label}: only authentication methods Mailwright does not support`);
    return undefined;
  }
  const usernameTemplate = firstText(node, 'username');
  const username = auth === 'none' ? '' : fillPlaceholders(usernameTemplate || '%EMAILADDRESS%', who);
  // `offered` only when there is a choice: absent means "only `auth`" (shared/discovery.ts).
  return { protocol, host, port, security, auth, ...(offered.length > 1 ? { offered } : {}), username };
}

/** Stable: keeps the document's order except that unencrypted servers go last (and IMAP before POP3). */
function ordered(list: ServerCandidate[]): ServerCandidate[] {
  const rank = (c: ServerCandidate) => (c.protocol === 'pop3' ? 2 : 0) + (c.security === 'none' ? 1 : 0);
  const seen = new Set<string>();
  return list
    .map((c, i) => ({ c, i }))
    .sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i)
    .map(({ c }) => c)
    .filter((c) => {
      const key = `${c.protocol}|${c.host}|${c.port}|${c.security}|${c.auth}|${c.username}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

export function parseClientConfig(xml: string, who: AddressParts): ParseOutcome {
  if (Buffer.byteLength(xml, 'utf8') > MAX_CONFIG_BYTES) {
    return { ok: false, detail: `document larger than ${MAX_CONFIG_BYTES / 1024} KiB` };
  }
  // config-v1.1 has no DTD. Refusing any declaration is simpler and safer than limiting expansion.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) {
    return { ok: false, detail: 'refused: the document declares a DTD or entities, which config-v1.1 never needs' };
  }
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    return { ok: false, detail: `not well-formed XML: ${valid.err.msg} (line ${valid.err.line})` };
  }
  let doc: XmlNode;
  try {
    doc = parser.parse(xml) as XmlNode;
  } catch (err) {
    return { ok: false, detail: `not readable as XML: ${(err as Error).message}` };
  }
  const root = asNode(doc['clientConfig']);
  if (!root) return { ok: false, detail: 'not a config-v1.1 document (no <clientConfig>)' };
  const provider = asNode(asArray(root['emailProvider'])[0]);
  if (!provider) return { ok: false, detail: 'no <emailProvider> in the document' };

  const ignored: string[] = [];
  const smtp: ServerCandidate[] = [];
  const incoming: ServerCandidate[] = [];
  for (const raw of asArray(provider['outgoingServer'])) {
    const type = attr(raw, 'type').toLowerCase();
    if (type !== 'smtp') {
      ignored.push(`outgoing server of type '${type}'`);
      continue;
    }
    const c = readServer(raw, 'smtp', who, ignored);
    if (c) smtp.push(c);
  }
  for (const raw of asArray(provider['incomingServer'])) {
    const type = attr(raw, 'type').toLowerCase();
    if (type !== 'imap' && type !== 'pop3') {
      ignored.push(`incoming server of type '${type}'`);
      continue;
    }
    const c = readServer(raw, type, who, ignored);
    if (c) incoming.push(c);
  }
  const id = attr(provider, 'id') || undefined;
  const providerName = firstText(provider, 'displayName') || firstText(provider, 'displayShortName') || id;
  // Inside <emailProvider> as the format describes it; some published files put it beside, under <clientConfig>.
  const oauth = readOAuth2(asArray(provider['oAuth2'])[0] ?? asArray(root['oAuth2'])[0], providerName, ignored);
  return {
    ok: true,
    config: {
      providerId: id,
      providerName,
      domains: asArray(provider['domain']).map(text).map((d) => d.toLowerCase()).filter(Boolean),
      smtp: ordered(smtp),
      incoming: ordered(incoming),
      ignored,
      ...(oauth ? { oauth } : {}),
    },
  };
}

/**
 * Account-settings discovery: from an email address to the servers to use, and where they came
 * from. Plain Node (no Electron), no logging, no password involved.
 *
 * Sources, best first: settings bundled with Mailwright; the domain's own autoconfig file (on
 * autoconfig.<domain>, then under /.well-known on the domain; plain http only if the person agreed);
 * Thunderbird's ISPDB; RFC 6186 SRV records; the MX records of a known provider; and last, probing
 * the usual host names. The first source that yields an SMTP server wins.
 *
 * Timing: the bundled files answer at once and, when they know the domain, nothing goes on the
 * network. Otherwise all network sources start together, each with its own deadline, and the
 * results are taken in order of preference: a source is waited for (until its deadline) only while
 * no better source has answered, and once one has, the worse ones still running are stopped.
 */
import { setMaxListeners } from 'node:events';
import type { DiscoveryAttempt, DiscoveryResult, DiscoverySource, ServerCandidate } from '../../../shared/discovery';
import type { OAuthProvider } from '../../../shared/oauth';
import type { OAuthRegistrations } from '../oauth/registrations';
import { parseAddress, type AddressParts } from './address';
import { parseClientConfig } from './config-xml';
import { createResolver, describeDnsError, dnsQuery, isNoRecords, type DnsContext } from './dns';
import {
  DEFAULT_INCOMING_GUESS_PORTS,
  DEFAULT_SMTP_GUESS_PORTS,
  guessServers,
  type IncomingGuessPorts,
  type SmtpGuessPorts,
} from './guess';
import { fetchText, type HttpContext } from './http-fetch';
import { providerForMxHost, registeredDomain } from './mx';
import {
  bundledConfig,
  bundledOAuthForHost,
  bundledOAuthProvider,
  bundledProvider,
  bundledProviderForDomain,
  isBundledOAuthHost,
  type BundledProviderId,
} from './providers';
import { orderSrvRecords, srvCandidates, SRV_SERVICES } from './srv';

export interface DiscoveryOptions {
  /** DNS servers to ask, e.g. ['127.0.0.1:15353'] in tests; default: the system's (dns.promises.Resolver without setServers). */
  dnsServers?: string[];
  /** Port of the https autoconfig and well-known URLs (default 443). Tests pass their server's port. */
  httpsPort?: number;
  /** Port of the plain-http variants, used only with allowHttp (default 80). */
  httpPort?: number;
  /** Where the ISPDB lives; `${ispdbBaseUrl}${domain}` is fetched. Default 'https://autoconfig.thunderbird.net/v1.1/'. */
  ispdbBaseUrl?: string;
  /** Plain http autoconfig only if the person agreed (default false). */
  allowHttp?: boolean;
  /** PEMs trusted in addition to the system roots (tests pass their CA). */
  extraCertificateAuthorities?: string[];
  /** Ports probed when guessing; default { tls: 465, starttls: 587, plain: 25 }; the 'plain' port is probed with STARTTLS required. */
  guessPorts?: SmtpGuessPorts;
  /** Ports probed when guessing incoming servers; default { imaps: 993, imap: 143, pop3s: 995, pop3: 110 }. */
  incomingGuessPorts?: IncomingGuessPorts;
  timeouts?: { httpMs?: number; dnsMs?: number; probeMs?: number };
  signal?: AbortSignal;
  /**
   * The OAuth2 client IDs Mailwright has (src-main/services/oauth/registrations.ts). A server whose
   * settings name OAuth2 gets auth 'oauth2' only when there is one for its provider; otherwise a
   * password where the settings list one. Absent: no client IDs.
   */
  registrations?: Pick<OAuthRegistrations, 'forProvider'>;
}

export const DEFAULT_ISPDB_BASE_URL = 'https://autoconfig.thunderbird.net/v1.1/';
export const DEFAULT_TIMEOUTS = { httpMs: 5_000, dnsMs: 3_000, probeMs: 4_000 } as const;
/** Config documents are a few kB; anything past this is not one. */
export const MAX_DOCUMENT_BYTES = 1024 * 1024;
/** Extra time a source gets past the sum of its own timeouts before it is cut off regardless. */
const SLACK_MS = 500;

interface Found {
  smtp: ServerCandidate[];
  incoming: ServerCandidate[];
  sourceDetail: string;
  providerName?: string;
  /** The bundled provider file the settings came from. */
  providerId?: BundledProviderId;
  /** The `<oAuth2>` element of the settings' document. */
  oauth?: OAuthProvider;
}

interface SlotOutcome {
  attempt: DiscoveryAttempt;
  found?: Found;
}

/** One network source (or one URL of the autoconfig sources). */
interface Slot {
  source: DiscoverySource;
  /** What is asked, for the attempt's detail: a URL, a DNS name, "smtp.<domain> …". */
  target: string;
  budgetMs: number;
  run(signal: AbortSignal): Promise<SlotOutcome>;
}

interface Settings {
  who: AddressParts;
  dnsServers?: string[];
  timeouts: { httpMs: number; dnsMs: number; probeMs: number };
  extraCas?: string[];
}

const attempt = (source: DiscoverySource, outcome: DiscoveryAttempt['outcome'], detail: string): DiscoveryAttempt => ({
  source,
  outcome,
  detail,
});

const portSuffix = (protocol: 'https' | 'http', port: number) =>
  (protocol === 'https' && port === 443) || (protocol === 'http' && port === 80) ? '' : `:${port}`;

function describeFound(f: Found): string {
  const name = f.providerName ? `${f.providerName}: ` : '';
  return `${name}${f.smtp.length} outgoing, ${f.incoming.length} incoming`;
}

/** Resolves with p, or rejects with the signal's reason as soon as it aborts. */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

// ---------------------------------------------------------------------------------------------
// Sources

function configUrlSlot(source: 'autoconfig' | 'well-known' | 'ispdb', url: string, s: Settings): Slot {
  return {
    source,
    target: url,
    budgetMs: s.timeouts.httpMs + SLACK_MS,
    async run(signal) {
      const ctx: HttpContext = {
        dns: { servers: s.dnsServers, timeoutMs: s.timeouts.dnsMs },
        timeoutMs: s.timeouts.httpMs,
        maxBytes: MAX_DOCUMENT_BYTES,
        extraCertificateAuthorities: s.extraCas,
        signal,
      };
      const fetched = await fetchText(url, ctx);
      if (!fetched.ok) return { attempt: attempt(source, fetched.notFound ? 'not-found' : 'failed', `${url}: ${fetched.detail}`) };
      const redirected = fetched.url !== url ? ` (via ${fetched.url})` : '';
      const parsed = parseClientConfig(fetched.body, s.who);
      if (!parsed.ok) return { attempt: attempt(source, 'not-found', `${url}${redirected}: ${parsed.detail}`) };
      const { smtp, incoming, providerName, ignored, oauth } = parsed.config;
      if (smtp.length === 0) {
        const why = ignored.length ? ` (left out: ${ignored.join('; ')})` : '';
        return { attempt: attempt(source, 'not-found', `${url}${redirected}: no usable SMTP server in the document${why}`) };
      }
      const found: Found = { smtp, incoming, providerName, sourceDetail: fetched.url, ...(oauth ? { oauth } : {}) };
      return { attempt: attempt(source, 'found', `${url}${redirected}: ${describeFound(found)}`), found };
    },
  };
}

function srvSlot(s: Settings): Slot {
  const domain = s.who.asciiDomain;
  return {
    source: 'srv',
    target: `SRV ${SRV_SERVICES.map((x) => x.label).join(', ')} under ${domain}`,
    budgetMs: s.timeouts.dnsMs + SLACK_MS,
    async run(signal) {
      const dns: DnsContext = { servers: s.dnsServers, timeoutMs: s.timeouts.dnsMs, signal };
      const answers = await Promise.all(
        SRV_SERVICES.map(async (service) => {
          const name = `${service.label}.${domain}`;
          try {
            const selection = orderSrvRecords(await dnsQuery(dns, (r) => r.resolveSrv(name)));
            if (selection.kind === 'servers') {
              const candidates = srvCandidates(service, selection.records, s.who.address);
              return { service, name, candidates, line: `${name}: ${candidates.map((c) => `${c.host}:${c.port}`).join(', ')}` };
            }
            const words = selection.kind === 'not-offered' ? 'service not offered (target ".")' : 'no usable records';
            return { service, name, candidates: [], line: `${name}: ${words}` };
          } catch (err) {
            return { service, name, candidates: [], line: `${name}: ${describeDnsError(err)}`, error: !isNoRecords(err) };
          }
        }),
      );
      const smtp = answers.filter((a) => a.service.protocol === 'smtp').flatMap((a) => a.candidates);
      const incoming = answers.filter((a) => a.service.protocol !== 'smtp').flatMap((a) => a.candidates);
      const detail = answers.map((a) => a.line).join('; ');
      if (smtp.length === 0) {
        return { attempt: attempt('srv', answers.some((a) => 'error' in a && a.error) ? 'failed' : 'not-found', detail) };
      }
      const first = answers.find((a) => a.service.protocol === 'smtp' && a.candidates.length)!;
      const found: Found = { smtp, incoming, sourceDetail: `${first.name} → ${first.candidates[0]!.host}:${first.candidates[0]!.port}` };
      return { attempt: attempt('srv', 'found', detail), found };
    },
  };
}

/** MX-derived settings are for the person's own mailbox: the username is their address. */
function withOwnAddress(list: ServerCandidate[], address: string): ServerCandidate[] {
  return list.map((c) => (c.auth === 'none' ? c : { ...c, username: address }));
}

function mxSlot(s: Settings, ispdbBaseUrl: string): Slot {
  const domain = s.who.asciiDomain;
  const fromBundled = (id: BundledProviderId, name: string | undefined, mxHost: string, how: string): SlotOutcome => {
    const config = bundledConfig(id, s.who);
    const providerName = name ?? bundledProvider(id).name;
    const found: Found = {
      smtp: withOwnAddress(config.smtp, s.who.address),
      incoming: withOwnAddress(config.incoming, s.who.address),
      providerName,
      sourceDetail: `MX ${mxHost} → ${providerName}`,
      providerId: id,
      ...(config.oauth ? { oauth: config.oauth } : {}),
    };
    return { attempt: attempt('mx', 'found', `MX ${domain}: ${mxHost} → ${providerName} (${how})`), found };
  };
  return {
    source: 'mx',
    target: `MX ${domain}`,
    budgetMs: s.timeouts.dnsMs + s.timeouts.httpMs + SLACK_MS,
    async run(signal) {
      let records;
      try {
        records = await dnsQuery({ servers: s.dnsServers, timeoutMs: s.timeouts.dnsMs, signal }, (r) => r.resolveMx(domain));
      } catch (err) {
        return { attempt: attempt('mx', isNoRecords(err) ? 'not-found' : 'failed', `MX ${domain}: ${describeDnsError(err)}`) };
      }
      const hosts = records
        .slice()
        .sort((a, b) => a.priority - b.priority)
        .map((r) => r.exchange.toLowerCase().replace(/\.$/, ''))
        .filter((h) => h !== '');
      // RFC 7505 "null MX" (a single "." record): the domain receives no mail at all.
      if (hosts.length === 0) return { attempt: attempt('mx', 'not-found', `MX ${domain}: the domain accepts no mail (null MX)`) };
      for (const host of hosts) {
        const match = providerForMxHost(host);
        if (match) return fromBundled(match.id, match.name, host, 'known provider');
      }
      // Not a provider we know by its MX: perhaps its registered domain is one we ship or the ISPDB knows.
      const best = hosts[0]!;
      const mxDomain = registeredDomain(best);
      if (mxDomain === domain) return { attempt: attempt('mx', 'not-found', `MX ${domain}: ${hosts.join(', ')} (the domain itself, no provider)`) };
      const bundled = bundledProviderForDomain(mxDomain);
      if (bundled) return fromBundled(bundled.id, undefined, best, `bundled settings for ${mxDomain}`);
      const url = `${ispdbBaseUrl}${mxDomain}`;
      const fetched = await fetchText(url, {
        dns: { servers: s.dnsServers, timeoutMs: s.timeouts.dnsMs },
        timeoutMs: s.timeouts.httpMs,
        maxBytes: MAX_DOCUMENT_BYTES,
        extraCertificateAuthorities: s.extraCas,
        signal,
      });
      const parsed = fetched.ok ? parseClientConfig(fetched.body, s.who) : undefined;
      if (parsed?.ok && parsed.config.smtp.length) {
        const found: Found = {
          smtp: withOwnAddress(parsed.config.smtp, s.who.address),
          incoming: withOwnAddress(parsed.config.incoming, s.who.address),
          providerName: parsed.config.providerName,
          sourceDetail: `MX ${best} → ${url}`,
          ...(parsed.config.oauth ? { oauth: parsed.config.oauth } : {}),
        };
        return { attempt: attempt('mx', 'found', `MX ${domain}: ${best} → ${url}: ${describeFound(found)}`), found };
      }
      const why = !fetched.ok ? fetched.detail : parsed && !parsed.ok ? parsed.detail : 'no usable SMTP server';
      return { attempt: attempt('mx', 'not-found', `MX ${domain}: ${hosts.join(', ')}: no known provider (${url}: ${why})`) };
    },
  };
}

function guessSlot(s: Settings, smtpPorts: SmtpGuessPorts, incomingPorts: IncomingGuessPorts): Slot {
  const d = s.who.asciiDomain;
  return {
    source: 'guess',
    target: `smtp.${d}, mail.${d}, ${d} on ports ${smtpPorts.tls}, ${smtpPorts.starttls}, ${smtpPorts.plain}`,
    budgetMs: s.timeouts.dnsMs + s.timeouts.probeMs + SLACK_MS,
    async run(signal) {
      const report = await guessServers(s.who, {
        dns: { servers: s.dnsServers, timeoutMs: s.timeouts.dnsMs, signal },
        probeMs: s.timeouts.probeMs,
        extraCertificateAuthorities: s.extraCas,
        smtpPorts,
        incomingPorts,
        signal,
      });
      if (report.smtp.length === 0) return { attempt: attempt('guess', report.anyAnswered ? 'failed' : 'not-found', report.detail) };
      const best = report.smtp[0]!;
      const found: Found = {
        smtp: report.smtp,
        incoming: report.incoming,
        sourceDetail: `probed ${best.host}:${best.port} (${best.security === 'tls' ? 'TLS' : 'STARTTLS'})`,
      };
      return { attempt: attempt('guess', 'found', report.detail), found };
    },
  };
}

/** Runs one source under its own deadline. Never rejects: every ending becomes an attempt. */
async function runSlot(slot: Slot, stop: AbortSignal): Promise<SlotOutcome> {
  const deadline = AbortSignal.timeout(slot.budgetMs);
  const signal = AbortSignal.any([stop, deadline]);
  // Every DNS query and probe of the source listens on this signal: guessing alone has a few dozen.
  setMaxListeners(100, signal);
  try {
    return await raceAbort(slot.run(signal), signal);
  } catch (err) {
    if (stop.aborted) return { attempt: attempt(slot.source, 'skipped', `${slot.target}: stopped`) };
    if (deadline.aborted) return { attempt: attempt(slot.source, 'failed', `${slot.target}: no answer within ${slot.budgetMs / 1000} s`) };
    return { attempt: attempt(slot.source, 'failed', `${slot.target}: ${(err as Error)?.message ?? String(err)}`) };
  }
}

// ---------------------------------------------------------------------------------------------
// Authentication: the one place where the method for each server is chosen.

const offersOAuth = (c: ServerCandidate) => c.auth === 'oauth2' || (c.offered?.includes('oauth2') ?? false);

/**
 * The OAuth2 part of a result. The provider comes from the settings' own <oAuth2> element, else
 * from the bundled provider that runs one of the servers (by host name). A server whose settings
 * name OAuth2 signs in with it when Mailwright has a client ID for the provider; otherwise it keeps
 * the method config-xml chose (a password where listed, exactly as without OAuth2).
 *
 * Microsoft and Google are trusted only as we ship them, as Thunderbird ties its built-in providers
 * to their host names: a document that names their issuer gets our endpoints, never its own (a
 * token endpoint elsewhere would receive a real code and its PKCE verifier), and no offer at all
 * unless every server it would sign in to is one of theirs (else a real access token would be sent
 * to a stranger's server). A provider known only from its own document keeps its endpoints: its
 * tokens are its own, and only a client ID registered for that issuer is ever used with it.
 */
function withAuthentication(
  found: Found,
  registrations: DiscoveryOptions['registrations'],
): Pick<DiscoveryResult, 'smtp' | 'incoming' | 'oauth' | 'providerId'> {
  const all = [...found.smtp, ...found.incoming];
  const unchanged = { smtp: found.smtp, incoming: found.incoming, ...(found.providerId ? { providerId: found.providerId } : {}) };
  const oauthServers = all.filter(offersOAuth);
  if (oauthServers.length === 0) return unchanged;
  const named = found.oauth ?? oauthServers.map((c) => bundledOAuthForHost(c.host)).find((p) => p !== undefined);
  if (!named) return unchanged;
  const bundled = bundledOAuthProvider(named.id);
  if (bundled && !oauthServers.every((c) => isBundledOAuthHost(bundled.id, c.host))) return unchanged;
  const provider = bundled ?? named;
  const client = registrations?.forProvider(provider.id);
  const choose = (list: ServerCandidate[]) => list.map((c) => (client && offersOAuth(c) ? { ...c, auth: 'oauth2' as const } : c));
  return {
    ...unchanged,
    smtp: choose(found.smtp),
    incoming: choose(found.incoming),
    oauth: { provider, shippedClientId: client?.clientId ?? null },
  };
}

// ---------------------------------------------------------------------------------------------

function notAnAddress(email: string): DiscoveryResult {
  const shown = JSON.stringify(email.length > 80 ? `${email.slice(0, 77)}...` : email);
  return {
    source: null,
    sourceDetail: `${shown} is not an email address`,
    smtp: [],
    incoming: [],
    attempts: (['bundled', 'autoconfig', 'well-known', 'ispdb', 'srv', 'mx', 'guess'] as const).map((source) =>
      attempt(source, 'skipped', `not asked: ${shown} is not an email address`),
    ),
  };
}

/**
 * Finds the settings for an address. Rejects only when `signal` aborts (with its reason) or when
 * an option is malformed (e.g. a DNS server entry setServers refuses); every other problem is an
 * attempt in the result.
 */
export async function discover(email: string, options: DiscoveryOptions = {}): Promise<DiscoveryResult> {
  options.signal?.throwIfAborted();
  const who = parseAddress(email);
  if (!who) return notAnAddress(email);
  const s: Settings = {
    who,
    dnsServers: options.dnsServers,
    timeouts: { ...DEFAULT_TIMEOUTS, ...options.timeouts },
    extraCas: options.extraCertificateAuthorities,
  };
  createResolver({ servers: s.dnsServers, timeoutMs: s.timeouts.dnsMs }); // throws now on a malformed server entry
  const d = who.asciiDomain;
  const httpsPort = portSuffix('https', options.httpsPort ?? 443);
  const httpPort = portSuffix('http', options.httpPort ?? 80);
  const query = `?emailaddress=${encodeURIComponent(who.address)}`;
  const ispdbBaseUrl = options.ispdbBaseUrl ?? DEFAULT_ISPDB_BASE_URL;

  // Order of preference. The plain-http variants (only when the person agreed) come right after the
  // https ones and before the ISPDB, as in Thunderbird: the domain's own file is more specific than
  // a third party's database. They keep the source names 'autoconfig' / 'well-known'; their URLs
  // (in the attempt's detail and in sourceDetail) start with http://.
  const slots: Slot[] = [
    configUrlSlot('autoconfig', `https://autoconfig.${d}${httpsPort}/mail/config-v1.1.xml${query}`, s),
    configUrlSlot('well-known', `https://${d}${httpsPort}/.well-known/autoconfig/mail/config-v1.1.xml`, s),
    ...(options.allowHttp
      ? [
          configUrlSlot('autoconfig', `http://autoconfig.${d}${httpPort}/mail/config-v1.1.xml${query}`, s),
          configUrlSlot('well-known', `http://${d}${httpPort}/.well-known/autoconfig/mail/config-v1.1.xml`, s),
        ]
      : []),
    configUrlSlot('ispdb', `${ispdbBaseUrl}${d}`, s),
    srvSlot(s),
    mxSlot(s, ispdbBaseUrl),
    guessSlot(s, options.guessPorts ?? DEFAULT_SMTP_GUESS_PORTS, options.incomingGuessPorts ?? DEFAULT_INCOMING_GUESS_PORTS),
  ];

  // 1. Bundled: no network at all when we know the domain.
  const provider = bundledProviderForDomain(d);
  if (provider) {
    const config = bundledConfig(provider.id, who);
    const found: Found = {
      smtp: config.smtp,
      incoming: config.incoming,
      sourceDetail: `settings shipped with Mailwright for ${provider.name}`,
      providerId: provider.id,
      ...(config.oauth ? { oauth: config.oauth } : {}),
    };
    return {
      source: 'bundled',
      sourceDetail: found.sourceDetail,
      providerName: provider.name,
      ...withAuthentication(found, options.registrations),
      attempts: [
        attempt('bundled', 'found', `${d}: ${provider.name} (${provider.id}.xml)`),
        ...slots.map((slot) => attempt(slot.source, 'skipped', `${slot.target}: not asked, the bundled settings apply`)),
      ],
    };
  }
  const attempts: DiscoveryAttempt[] = [attempt('bundled', 'not-found', `${d}: no bundled settings`)];

  // 2. Everything else at once; results taken in order of preference.
  const stoppers = slots.map(() => new AbortController());
  const userSignal = options.signal;
  const onUserAbort = () => stoppers.forEach((c) => c.abort(userSignal?.reason));
  userSignal?.addEventListener('abort', onUserAbort, { once: true });
  const settled: Array<SlotOutcome | undefined> = [];
  const running = slots.map((slot, i) => runSlot(slot, stoppers[i]!.signal).then((outcome) => (settled[i] = outcome)));

  try {
    for (let i = 0; i < slots.length; i++) {
      const outcome = await raceAbort(running[i]!, userSignal);
      attempts.push(outcome.attempt);
      if (!outcome.found) continue;
      // The worse sources: keep what already came back (it was asked), stop the rest.
      for (let j = i + 1; j < slots.length; j++) {
        const done = settled[j];
        attempts.push(done ? done.attempt : attempt(slots[j]!.source, 'skipped', `${slots[j]!.target}: stopped, ${slots[i]!.source} answered first`));
      }
      const found = outcome.found;
      return {
        source: slots[i]!.source,
        sourceDetail: found.sourceDetail,
        ...(found.providerName ? { providerName: found.providerName } : {}),
        ...withAuthentication(found, options.registrations),
        attempts,
      };
    }
    return { source: null, sourceDetail: `no settings found for ${d}`, smtp: [], incoming: [], attempts };
  } finally {
    userSignal?.removeEventListener('abort', onUserAbort);
    stoppers.forEach((c) => c.abort());
  }
}

export type { DiscoveryResult, DiscoveryAttempt, ServerCandidate } from '../../../shared/discovery';
export type { SmtpGuessPorts, IncomingGuessPorts } from './guess';

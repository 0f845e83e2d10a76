/**
 * The last resort: try the usual host names on the usual ports, all at once, and keep the servers
 * that answer like mail servers over a verified TLS session. A server that offers only clear text
 * is never guessed: a wrong guess must not lead someone to send a password unencrypted.
 */
import type { AddressParts } from './address';
import type { ServerCandidate } from '../../../shared/discovery';
import { describeDnsError, isNoRecords, resolveHost, type DnsContext, type ResolvedAddress } from './dns';
import { probeServer, type ProbeOutcome, type ProbeTarget } from './probe';

export interface SmtpGuessPorts {
  /** Implicit TLS (RFC 8314), 465. */
  tls: number;
  /** Submission with STARTTLS (RFC 6409), 587. */
  starttls: number;
  /** The MTA port, 25: only used with STARTTLS. */
  plain: number;
}

export interface IncomingGuessPorts {
  imaps: number;
  imap: number;
  pop3s: number;
  pop3: number;
}

export const DEFAULT_SMTP_GUESS_PORTS: SmtpGuessPorts = { tls: 465, starttls: 587, plain: 25 };
export const DEFAULT_INCOMING_GUESS_PORTS: IncomingGuessPorts = { imaps: 993, imap: 143, pop3s: 995, pop3: 110 };

/**
 * The SMTP probes in order of preference: by port first (implicit TLS, then STARTTLS on the
 * submission port, then STARTTLS on port 25), then by host (smtp., mail., the domain itself).
 */
export function smtpGuessPlan(domain: string, ports: SmtpGuessPorts): ProbeTarget[] {
  const hosts = [`smtp.${domain}`, `mail.${domain}`, domain];
  const byPort: Array<[number, ProbeTarget['security']]> = [
    [ports.tls, 'tls'],
    [ports.starttls, 'starttls'],
    [ports.plain, 'starttls'],
  ];
  return byPort.flatMap(([port, security]) => hosts.map((host) => ({ protocol: 'smtp' as const, host, port, security })));
}

/** IMAP before POP3, implicit TLS before STARTTLS, then by host. */
export function incomingGuessPlan(domain: string, ports: IncomingGuessPorts): ProbeTarget[] {
  const imapHosts = [`imap.${domain}`, `mail.${domain}`];
  const popHosts = [`pop.${domain}`, `pop3.${domain}`, `mail.${domain}`];
  const plan = (protocol: 'imap' | 'pop3', hosts: string[], entries: Array<[number, ProbeTarget['security']]>) =>
    entries.flatMap(([port, security]) => hosts.map((host) => ({ protocol, host, port, security })));
  return [
    ...plan('imap', imapHosts, [
      [ports.imaps, 'tls'],
      [ports.imap, 'starttls'],
    ]),
    ...plan('pop3', popHosts, [
      [ports.pop3s, 'tls'],
      [ports.pop3, 'starttls'],
    ]),
  ];
}

export interface GuessContext {
  dns: DnsContext;
  probeMs: number;
  extraCertificateAuthorities?: readonly string[];
  smtpPorts: SmtpGuessPorts;
  incomingPorts: IncomingGuessPorts;
  signal: AbortSignal;
}

export interface GuessReport {
  smtp: ServerCandidate[];
  incoming: ServerCandidate[];
  /** One line per SMTP host (or host:port), then the incoming servers that answered. */
  detail: string;
  /** Some SMTP server answered (even if unusably): "failed" rather than "not found". */
  anyAnswered: boolean;
}

type HostLookup = { ok: true; addresses: ResolvedAddress[] } | { ok: false; noSuchHost: boolean; detail: string };

export async function guessServers(who: AddressParts, ctx: GuessContext): Promise<GuessReport> {
  const smtpPlan = smtpGuessPlan(who.asciiDomain, ctx.smtpPorts);
  const incomingPlan = incomingGuessPlan(who.asciiDomain, ctx.incomingPorts);

  // Each host is resolved once, however many ports are probed on it.
  const lookups = new Map<string, Promise<HostLookup>>();
  const lookup = (host: string) => {
    let p = lookups.get(host);
    if (!p) {
      p = resolveHost(ctx.dns, host).then(
        (addresses): HostLookup => ({ ok: true, addresses }),
        (err): HostLookup => ({ ok: false, noSuchHost: isNoRecords(err), detail: describeDnsError(err) }),
      );
      lookups.set(host, p);
    }
    return p;
  };
  const run = async (target: ProbeTarget): Promise<{ target: ProbeTarget; host: HostLookup; outcome?: ProbeOutcome }> => {
    const host = await lookup(target.host);
    if (!host.ok) return { target, host };
    const outcome = await probeServer(target, {
      addresses: host.addresses,
      timeoutMs: ctx.probeMs,
      extraCertificateAuthorities: ctx.extraCertificateAuthorities,
      signal: ctx.signal,
    });
    return { target, host, outcome };
  };

  const [smtpResults, incomingResults] = await Promise.all([Promise.all(smtpPlan.map(run)), Promise.all(incomingPlan.map(run))]);

  const toCandidate = (t: ProbeTarget): ServerCandidate => ({
    protocol: t.protocol,
    host: t.host,
    port: t.port,
    security: t.security,
    auth: 'password',
    username: who.address,
  });

  const lines: string[] = [];
  const reportedHosts = new Set<string>();
  let anyAnswered = false;
  for (const { target, host, outcome } of smtpResults) {
    if (!host.ok) {
      if (!reportedHosts.has(target.host)) lines.push(`${target.host}: ${host.detail}`);
      reportedHosts.add(target.host);
      if (!host.noSuchHost) anyAnswered = true;
      continue;
    }
    if (outcome && (outcome.ok || !outcome.noConnection)) anyAnswered = true;
    lines.push(`${target.host}:${target.port}: ${outcome?.ok ? `ok (${outcome.detail})` : (outcome?.detail ?? '?')}`);
  }
  const incomingOk = incomingResults.filter((r) => r.outcome?.ok);
  if (incomingOk.length) {
    lines.push(`incoming: ${incomingOk.map((r) => `${r.target.host}:${r.target.port} ok (${r.outcome!.ok ? r.outcome!.detail : ''})`).join(', ')}`);
  }
  return {
    smtp: smtpResults.filter((r) => r.outcome?.ok).map((r) => toCandidate(r.target)),
    incoming: incomingOk.map((r) => toCandidate(r.target)),
    detail: lines.join('; '),
    anyAnswered,
  };
}

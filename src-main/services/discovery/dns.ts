/**
 * DNS through one configurable resolver, for every name discovery touches (SRV, MX and the
 * addresses of the hosts it connects to), so that tests can point all of it at a local server
 * and nothing silently falls back to the system's getaddrinfo.
 */
import { promises as dnsPromises } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';

export interface DnsContext {
  /** 'host:port' or 'host' entries for Resolver.setServers; undefined: the system's servers. */
  servers?: string[];
  timeoutMs: number;
  signal: AbortSignal;
}

/** Codes that mean "the name or the record does not exist", as opposed to "could not ask". */
const NO_RECORDS = new Set(['ENOTFOUND', 'ENODATA', 'ENONAME']);

export function isNoRecords(err: unknown): boolean {
  return NO_RECORDS.has((err as { code?: string })?.code ?? '');
}

export function describeDnsError(err: unknown): string {
  const code = (err as { code?: string })?.code ?? '';
  switch (code) {
    case 'ENOTFOUND':
    case 'ENONAME':
      return 'no such name';
    case 'ENODATA':
      return 'no records';
    case 'ETIMEOUT':
      return 'DNS timed out';
    case 'ECONNREFUSED':
      return 'DNS server refused the connection';
    case 'EREFUSED':
      return 'DNS server refused the query';
    case 'ESERVFAIL':
      return 'DNS server failure';
    case 'ECANCELLED':
    case 'ABORT_ERR':
      return 'cancelled';
    default:
      return `DNS error ${code || (err as Error)?.message || String(err)}`;
  }
}

/** Throws at once (TypeError) if a server entry is malformed, so a bad option is not a silent miss. */
export function createResolver(ctx: Pick<DnsContext, 'servers' | 'timeoutMs'>): dnsPromises.Resolver {
  // Two tries of half the budget each: one lost UDP packet does not lose the answer.
  const resolver = new dnsPromises.Resolver({ timeout: Math.max(100, Math.floor(ctx.timeoutMs / 2)), tries: 2 });
  if (ctx.servers) resolver.setServers(ctx.servers);
  return resolver;
}

class DnsError extends Error {
  constructor(public readonly code: string, message: string) {
    super(message);
  }
}

/**
 * Runs one query on a resolver of its own, so that cancelling it (abort or our own deadline,
 * whichever comes first) cancels nothing else.
 */
export async function dnsQuery<T>(ctx: DnsContext, query: (r: dnsPromises.Resolver) => Promise<T>): Promise<T> {
  ctx.signal.throwIfAborted();
  const resolver = createResolver(ctx);
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => resolver.cancel();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await Promise.race([
      query(resolver),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          resolver.cancel();
          reject(new DnsError('ETIMEOUT', 'DNS timed out'));
        }, ctx.timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onAbort);
  }
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/**
 * A and AAAA records of a host, asked in parallel. Throws the A error when neither gives an
 * address (so "no such name" stays recognisable with isNoRecords).
 */
export async function resolveHost(ctx: DnsContext, host: string): Promise<ResolvedAddress[]> {
  const family = isIP(host);
  if (family === 4 || family === 6) return [{ address: host, family }];
  const [v4, v6] = await Promise.allSettled([
    dnsQuery(ctx, (r) => r.resolve4(host)),
    dnsQuery(ctx, (r) => r.resolve6(host)),
  ]);
  const out: ResolvedAddress[] = [
    ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 as const })) : []),
    ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 as const })) : []),
  ];
  if (out.length > 0) return out;
  // Prefer the error that says something is wrong with asking over "no AAAA record".
  const errors = [v4, v6].map((r) => (r.status === 'rejected' ? r.reason : undefined));
  throw errors.find((e) => e && !isNoRecords(e)) ?? errors.find(Boolean) ?? new DnsError('ENODATA', 'no addresses');
}

/**
 * A `lookup` for net/tls/http that hands out addresses we already resolved, so the connection
 * keeps the host name for SNI, certificate checks and the Host header but never asks the system.
 */
export function fixedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return ((_hostname: string, options: { all?: boolean; family?: number }, callback: (...args: unknown[]) => void) => {
    const wanted = options?.family === 4 || options?.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
    const list = wanted.length ? wanted : addresses;
    if (options?.all) callback(null, list.map((a) => ({ address: a.address, family: a.family })));
    else callback(null, list[0]!.address, list[0]!.family);
  }) as unknown as LookupFunction;
}

/**
 * RFC 6186 (with RFC 8314's implicit-TLS names) service records: the domain says where its mail
 * services are. Username: the full address (RFC 6186 section 4 leaves it open; the full address is
 * what nearly every provider that publishes these records expects).
 */
import { HostSchema, type Security } from '../../../shared/model';
import type { ServerCandidate, ServerProtocol } from '../../../shared/discovery';

export interface SrvService {
  /** e.g. "_submissions._tcp" */
  label: string;
  protocol: ServerProtocol;
  security: Exclude<Security, 'none'>;
}

/** In order of preference: implicit TLS (RFC 8314) before STARTTLS, IMAP before POP3. */
export const SRV_SERVICES: readonly SrvService[] = [
  { label: '_submissions._tcp', protocol: 'smtp', security: 'tls' },
  { label: '_submission._tcp', protocol: 'smtp', security: 'starttls' },
  { label: '_imaps._tcp', protocol: 'imap', security: 'tls' },
  { label: '_imap._tcp', protocol: 'imap', security: 'starttls' },
  { label: '_pop3s._tcp', protocol: 'pop3', security: 'tls' },
  { label: '_pop3._tcp', protocol: 'pop3', security: 'starttls' },
];

export interface SrvAnswer {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

export type SrvSelection =
  | { kind: 'servers'; records: SrvAnswer[] }
  /** A single record with target "." (RFC 2782): the service is decidedly not offered. */
  | { kind: 'not-offered' }
  | { kind: 'none' };

/**
 * Orders the records of one service: lowest priority first, then (within a priority) highest weight
 * first. RFC 2782 asks for a weighted random pick within a priority, which spreads load across
 * connections; a settings wizard makes one choice that is saved, so we take the most likely pick
 * and keep the result the same from one run to the next. Records with target "." or port 0 are
 * dropped; if that is all there was, the service is not offered.
 */
export function orderSrvRecords(records: readonly SrvAnswer[]): SrvSelection {
  if (records.length === 0) return { kind: 'none' };
  const usable = records
    .map((r, i) => ({ r: { ...r, name: r.name.replace(/\.$/, '').toLowerCase() }, i }))
    .filter(({ r }) => r.name !== '' && r.port > 0 && HostSchema.safeParse(r.name).success)
    .sort((a, b) => a.r.priority - b.r.priority || b.r.weight - a.r.weight || a.i - b.i)
    .map(({ r }) => r);
  if (usable.length === 0) {
    return records.some((r) => r.name === '' || r.name === '.') ? { kind: 'not-offered' } : { kind: 'none' };
  }
  return { kind: 'servers', records: usable };
}

export function srvCandidates(service: SrvService, records: readonly SrvAnswer[], address: string): ServerCandidate[] {
  return records.map((r) => ({
    protocol: service.protocol,
    host: r.name,
    port: r.port,
    security: service.security,
    auth: 'password' as const,
    username: address,
  }));
}

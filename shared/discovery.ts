/** What the discovery service finds for an email address, and where each result came from. */
import { z } from 'zod';
import { HostSchema, PortSchema, SecuritySchema } from './model';

export const DISCOVERY_SOURCES = ['bundled', 'autoconfig', 'well-known', 'ispdb', 'srv', 'mx', 'guess'] as const;
export const DiscoverySourceSchema = z.enum(DISCOVERY_SOURCES);
export type DiscoverySource = z.infer<typeof DiscoverySourceSchema>;

export const ServerProtocolSchema = z.enum(['smtp', 'imap', 'pop3']);
export type ServerProtocol = z.infer<typeof ServerProtocolSchema>;

/** One server setting found by discovery, with its username already filled in from the address. */
export const ServerCandidateSchema = z.object({
  protocol: ServerProtocolSchema,
  host: HostSchema,
  port: PortSchema,
  security: SecuritySchema,
  /** 'password' for normal password (cleartext / plain / login, over TLS); 'oauth2' where only OAuth is offered. */
  auth: z.enum(['password', 'oauth2', 'none']),
  username: z.string(),
});
export type ServerCandidate = z.infer<typeof ServerCandidateSchema>;

export const DiscoveryAttemptSchema = z.object({
  source: DiscoverySourceSchema,
  outcome: z.enum(['found', 'not-found', 'failed', 'skipped']),
  /** What was asked, in words a person can check: a URL, a DNS name, "smtp.example.com:465". */
  detail: z.string(),
});
export type DiscoveryAttempt = z.infer<typeof DiscoveryAttemptSchema>;

export const DiscoveryResultSchema = z.object({
  /** The source the settings came from, or null when nothing was found (the form keeps its guesses). */
  source: DiscoverySourceSchema.nullable(),
  /** Where exactly: provider name, URL, DNS record, or the probed host and port. */
  sourceDetail: z.string(),
  providerName: z.string().optional(),
  /** Outgoing servers, best first. */
  smtp: z.array(ServerCandidateSchema),
  /** Incoming servers (IMAP before POP3, encrypted before not), best first. */
  incoming: z.array(ServerCandidateSchema),
  /** Every source that was tried, in order of preference. */
  attempts: z.array(DiscoveryAttemptSchema),
});
export type DiscoveryResult = z.infer<typeof DiscoveryResultSchema>;

/** What the discovery service finds for an email address, and where each result came from. */
import { z } from 'zod';
import { HostSchema, PortSchema, SecuritySchema } from './model';
import { OAuthOfferSchema } from './oauth';

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
  /**
   * The method discovery chose: 'oauth2' when the provider names OAuth2 and Mailwright can use it (a
   * client ID is shipped), else 'password' (cleartext / plain / login, over TLS) where offered.
   */
  auth: z.enum(['password', 'oauth2', 'none']),
  /** Every method the provider lists for this server, e.g. Gmail: ['oauth2', 'password']; absent: only `auth`. */
  offered: z.array(z.enum(['password', 'oauth2', 'none'])).optional(),
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
  /** The bundled provider file the settings came from ('gmail', 'outlook', ...), for provider-specific help (app passwords). */
  providerId: z.string().optional(),
  /** The provider's OAuth2 details, when its settings name OAuth2. */
  oauth: OAuthOfferSchema.optional(),
  /** Outgoing servers, best first. */
  smtp: z.array(ServerCandidateSchema),
  /** Incoming servers (IMAP before POP3, encrypted before not), best first. */
  incoming: z.array(ServerCandidateSchema),
  /** Every source that was tried, in order of preference. */
  attempts: z.array(DiscoveryAttemptSchema),
});
export type DiscoveryResult = z.infer<typeof DiscoveryResultSchema>;

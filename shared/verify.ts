/** Verification of an account's servers before saving: stages, certificate details, transcript. */
import { z } from 'zod';
import type { AccountCheck } from './account-check';
import { AppErrorSchema } from './result';
import { ServerProtocolSchema, type ServerProtocol } from './discovery';

export const STAGE_NAMES = ['connect', 'tls', 'greeting', 'ehlo', 'auth', 'envelope', 'login', 'list', 'stat', 'close'] as const;
export const StageNameSchema = z.enum(STAGE_NAMES);
export type StageName = z.infer<typeof StageNameSchema>;

export const StageSchema = z.object({
  protocol: ServerProtocolSchema,
  name: StageNameSchema,
  status: z.enum(['running', 'passed', 'failed', 'skipped']),
  /** Time the stage took, in milliseconds. */
  ms: z.number().nonnegative().optional(),
  /** What the stage found, in a few words: "ESMTP Postfix", "TLSv1.3", "PLAIN", "3 folders". */
  summary: z.string().optional(),
  error: AppErrorSchema.optional(),
});
export type Stage = z.infer<typeof StageSchema>;

export const CertificateInfoSchema = z.object({
  subject: z.string(),
  issuer: z.string(),
  validFrom: z.string(),
  validTo: z.string(),
  sha256: z.string(),
  altNames: z.array(z.string()),
  /** The certificate itself, so the person can pin exactly this one. */
  pem: z.string(),
  /** TLS version and cipher negotiated, e.g. "TLSv1.3". */
  protocol: z.string(),
  cipher: z.string(),
  trusted: z.boolean(),
  /** Trusted because the person pinned it, not because an authority vouches for it. */
  pinned: z.boolean(),
  /**
   * The server showed a certificate other than the one pinned for it (and no authority vouches for
   * this one): the pinned certificate's fingerprint and when it was trusted.
   */
  pinChanged: z.object({ sha256: z.string(), trustedAt: z.string().optional() }).optional(),
  /** Why it is not trusted. Only TLS_UNTRUSTED_CERTIFICATE can be resolved by pinning. */
  problem: z.enum(['TLS_UNTRUSTED_CERTIFICATE', 'TLS_CERTIFICATE_EXPIRED', 'TLS_HOSTNAME_MISMATCH']).optional(),
});
export type CertificateInfo = z.infer<typeof CertificateInfoSchema>;

export const TranscriptLineSchema = z.object({
  protocol: ServerProtocolSchema,
  /** client: what we sent; server: what it answered; info: what we noted (TLS, timing). */
  dir: z.enum(['client', 'server', 'info']),
  text: z.string(),
  /** Credentials were removed from this line. */
  redacted: z.boolean().optional(),
  /** Milliseconds since the verification started. */
  t: z.number(),
});
export type TranscriptLine = z.infer<typeof TranscriptLineSchema>;

export const VerifyReportSchema = z.object({
  ok: z.boolean(),
  stages: z.array(StageSchema),
  transcript: z.array(TranscriptLineSchema),
  certificates: z.object({
    smtp: CertificateInfoSchema.optional(),
    imap: CertificateInfoSchema.optional(),
    pop3: CertificateInfoSchema.optional(),
  }),
});
export type VerifyReport = z.infer<typeof VerifyReportSchema>;

/**
 * Stages as a report shows them: the outgoing server (SMTP) first, then the incoming one, each in
 * the order it ran. The probes run side by side, so the incoming server often answers first.
 */
export function inReportOrder<T extends { protocol: ServerProtocol }>(items: readonly T[]): T[] {
  const rank = (p: ServerProtocol) => (p === 'smtp' ? 0 : 1);
  return [...items].sort((a, b) => rank(a.protocol) - rank(b.protocol));
}

/** How people see each server and stage, in the wizard and in `mailwright check`. */
export const PROTOCOL_LABEL: Record<ServerProtocol, string> = { smtp: 'Outgoing server (SMTP)', imap: 'Incoming server (IMAP)', pop3: 'Incoming server (POP3)' };

export const STAGE_LABEL: Record<ServerProtocol, Partial<Record<StageName, string>>> = {
  smtp: {
    connect: 'Connect',
    tls: 'Secure connection (TLS)',
    greeting: 'Server greeting',
    ehlo: 'EHLO and capabilities',
    auth: 'Sign in',
    envelope: 'Sender and recipient accepted',
    close: 'RSET and QUIT (no message sent)',
  },
  imap: { connect: 'Connect', tls: 'Secure connection (TLS)', greeting: 'Server greeting', login: 'Sign in', list: 'List folders', close: 'Log out' },
  pop3: { connect: 'Connect and greeting', tls: 'Secure connection (TLS)', login: 'Sign in', stat: 'Mailbox status', close: 'Log out' },
};

export const VerifyProgressSchema = z.object({ runId: z.string(), stage: StageSchema });
export type VerifyProgress = z.infer<typeof VerifyProgressSchema>;

export function checkOf(report: Pick<VerifyReport, 'ok' | 'stages'>, at: string): AccountCheck {
  const failed = inReportOrder(report.stages).find((s) => s.status === 'failed');
  if (report.ok || !failed) return { at, ok: report.ok };
  return { at, ok: false, failure: { protocol: failed.protocol, stage: failed.name, ...(failed.error ? { error: failed.error } : { error: { code: 'INTERNAL', message: '' } }) } };
}

/** The settings a check proves: the address and each server's identity (not its name, signature or pins' dates). */
export function checkedSettingsKey(account: {
  email: string;
  smtp: { host: string; port: number; security: string; auth: string; username: string };
  incoming: { protocol: string; host: string; port: number; security: string; auth: string; username: string } | null;
}): string {
  const server = (s: { host: string; port: number; security: string; auth: string; username: string }) => [s.host.trim().toLowerCase(), s.port, s.security, s.auth, s.username.trim()];
  return JSON.stringify([account.email.trim().toLowerCase(), server(account.smtp), account.incoming ? [account.incoming.protocol, ...server(account.incoming)] : null]);
}

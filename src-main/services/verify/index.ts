/**
 * Proves an account's settings before they are saved: the outgoing server (always) and the
 * incoming one (when set), in parallel, each stage reported as it happens. A password or an OAuth2
 * access token alike (credentials.ts); a token refused once is replaced by a fresh one once.
 */
import type { IncomingSettings, SmtpSettings } from '../../../shared/model';
import type { Stage, VerifyReport } from '../../../shared/verify';
import { probeImap } from './imap-probe';
import { probePop3 } from './pop3-probe';
import { VerificationRun } from './run';
import type { CredentialSource } from '../credentials';
import { probeSmtp, type ProbeTimeouts } from './smtp-probe';

export interface VerifyOptions {
  extraCertificateAuthorities?: readonly string[];
  timeouts?: Partial<ProbeTimeouts>;
}

export interface AccountToVerify {
  email: string;
  smtp: SmtpSettings;
  /** What the outgoing server is signed in with (unused when its auth is 'none'). */
  smtpCredentials: CredentialSource;
  incoming: IncomingSettings | null;
  /** What the incoming server is signed in with; none stored: an empty password, for the server to refuse. */
  incomingCredentials: CredentialSource;
}

export async function verifyAccount(account: AccountToVerify, options: VerifyOptions = {}, onStage?: (stage: Stage) => void): Promise<VerifyReport> {
  const run = new VerificationRun(onStage);
  const timeouts: ProbeTimeouts = { connectMs: options.timeouts?.connectMs ?? 10_000, replyMs: options.timeouts?.replyMs ?? 15_000 };
  const extra = options.extraCertificateAuthorities;
  const probes: Array<Promise<boolean>> = [
    probeSmtp(run, account.smtp, account.email, account.smtpCredentials, { extraCertificateAuthorities: extra, pinnedCertificate: account.smtp.pinnedCertificate }, timeouts),
  ];
  const incoming = account.incoming;
  if (incoming) {
    const trust = { extraCertificateAuthorities: extra, pinnedCertificate: incoming.pinnedCertificate };
    const probe = incoming.protocol === 'imap' ? probeImap : probePop3;
    probes.push(probe(run, incoming, account.incomingCredentials, trust, timeouts));
  }
  await Promise.all(probes);
  return run.report();
}

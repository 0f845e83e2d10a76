/**
 * `mailwright check`: the account wizard's staged check (services/verify, the very same code),
 * printed stage by stage with the app's words, the certificate details and, on request, the
 * redacted transcript. The exit code names the first failed stage (exit-codes.ts).
 */
import type { SmtpSettings } from '../../shared/model';
import { inReportOrder, PROTOCOL_LABEL, STAGE_LABEL, type CertificateInfo, type Stage, type VerifyReport } from '../../shared/verify';
import { passwordCredential, type CredentialSource } from '../services/credentials';
import { findAccount } from '../services/cli-spool';
import { verifyAccount, type AccountToVerify } from '../services/verify';
import type { CheckCommand } from './args';
import { dataFolder, keptByKeychain, openAppData } from './data';
import { EXIT, exitForStage, type ExitCode } from './exit-codes';
import { CliFailure, errorLines, errorWords, readCaFiles, type CliIo } from './io';

const MARK = { running: '…', passed: '✓', failed: '✗', skipped: '–' } as const;
const SHORT = { smtp: 'SMTP', imap: 'IMAP', pop3: 'POP3' } as const;

/** "Outgoing server (SMTP)" inside a sentence. */
const inSentence = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

const labelOf = (stage: Pick<Stage, 'protocol' | 'name'>) => STAGE_LABEL[stage.protocol][stage.name] ?? stage.name;

function stageLines(stage: Stage): string[] {
  const head = `${SHORT[stage.protocol]}  ${MARK[stage.status]} ${labelOf(stage)}: ${stage.status}${stage.summary ? ` (${stage.summary})` : ''}${stage.ms !== undefined ? `  ${stage.ms} ms` : ''}`;
  return [head, ...(stage.status === 'failed' && stage.error ? errorLines(stage.error, stage.protocol, '        ') : [])];
}

function certificateLines(protocol: keyof typeof SHORT, info: CertificateInfo): string[] {
  return [
    `Certificate of the ${inSentence(PROTOCOL_LABEL[protocol])}:`,
    `  Subject:      ${info.subject}`,
    `  Issued by:    ${info.issuer}`,
    `  Valid:        ${info.validFrom} to ${info.validTo}`,
    `  Names:        ${info.altNames.join(', ') || '(none)'}`,
    `  SHA-256:      ${info.sha256}`,
    `  Connection:   ${info.protocol}, ${info.cipher}`,
    `  Trusted:      ${info.trusted ? (info.pinned ? 'yes (you pinned it)' : 'yes') : `no${info.problem ? ` (${info.problem})` : ''}`}`,
  ];
}

const DIR = { client: 'C:', server: 'S:', info: '* ' } as const;

async function passwordFor(user: string, io: CliIo): Promise<string> {
  const fromEnv = io.env.MAILWRIGHT_PASSWORD;
  if (fromEnv !== undefined) return fromEnv;
  const typed = await io.askPassword(`Password for ${user}: `);
  if (typed === undefined) throw new CliFailure(EXIT.USAGE, `A password is needed for ${user}: set MAILWRIGHT_PASSWORD, or run this in a terminal to type it. It is never taken as an argument.`);
  return typed;
}

/** What to check, and with what: a server named on the command line, or a saved account. */
async function target(cmd: CheckCommand, io: CliIo): Promise<{ account: AccountToVerify; name: string }> {
  if (cmd.server) {
    const { host, port, security, user, from } = cmd.server;
    if (!from) throw new CliFailure(EXIT.USAGE, 'Give --from ADDRESS (the address tried as sender and recipient), or a --user that is an address.');
    const smtp: SmtpSettings = { host, port, security, auth: user ? 'password' : 'none', username: user ?? '' };
    const credentials: CredentialSource = passwordCredential(user ?? '', user ? await passwordFor(user, io) : undefined);
    return { account: { email: from, smtp, smtpCredentials: credentials, incoming: null, incomingCredentials: passwordCredential('', undefined) }, name: `${host}:${port}` };
  }
  const data = openAppData(dataFolder(cmd.dataDir, io.env));
  const found = findAccount(data.accounts.list(), cmd.account ?? '');
  if (!found.ok) throw accountNotFound(cmd.account ?? '', found.error.detail?.fields?.map((f) => f.problem));
  const account = found.value;
  if (keptByKeychain(data.secretFile, account.id))
    throw new CliFailure(
      EXIT.SECRET_UNAVAILABLE,
      `The password of "${account.description}" is kept by your system's keychain, which only the Mailwright app can open. Check the account in the app (Accounts, then Check), or start Mailwright and use "mailwright send", which hands the message to it.`,
    );
  return {
    account: {
      email: account.email,
      smtp: account.smtp,
      smtpCredentials: data.credentials.smtp(account.id),
      incoming: account.incoming,
      incomingCredentials: data.credentials.incoming(account.id),
    },
    name: `${account.description} <${account.email}>`,
  };
}

export function accountNotFound(name: string, candidates: string[] | undefined): CliFailure {
  return new CliFailure(
    EXIT.ACCOUNT_NOT_FOUND,
    candidates?.length
      ? `More than one account is called "${name}": ${candidates.join('; ')}. Use its email address or description.`
      : `No account of Mailwright is called "${name}". Use the account's description or email address, as the app's Accounts list shows them.`,
  );
}

export interface CheckResult {
  exit: ExitCode;
  report: VerifyReport;
}

export async function runCheck(cmd: CheckCommand, io: CliIo): Promise<number> {
  const extra = await readCaFiles(cmd.caFiles);
  const { account, name } = await target(cmd, io);
  if (!cmd.json) io.out(`Checking ${name}\n`);
  const report = await verifyAccount(account, { extraCertificateAuthorities: extra }, (stage) => {
    if (!cmd.json && stage.status !== 'running') io.out(`${stageLines(stage).join('\n')}\n`);
  });
  const failed = inReportOrder(report.stages).find((s) => s.status === 'failed');
  const exit: ExitCode = report.ok ? EXIT.OK : failed ? exitForStage(failed.name) : EXIT.INTERNAL;
  if (cmd.json) {
    io.out(
      `${JSON.stringify({
        command: 'check',
        ok: report.ok,
        exitCode: exit,
        target: name,
        failed: failed ? { protocol: failed.protocol, stage: failed.name, label: labelOf(failed), ...(failed.error ? { code: failed.error.code, ...errorWords(failed.error, failed.protocol) } : {}) } : null,
        stages: inReportOrder(report.stages).map((s) => ({ protocol: s.protocol, stage: s.name, label: labelOf(s), status: s.status, ms: s.ms ?? null, summary: s.summary ?? null, ...(s.error ? { code: s.error.code, ...errorWords(s.error, s.protocol) } : {}) })),
        certificates: report.certificates,
        transcript: report.transcript,
      })}\n`,
    );
    return exit;
  }
  const lines: string[] = [''];
  for (const [protocol, info] of Object.entries(report.certificates) as Array<[keyof typeof SHORT, CertificateInfo | undefined]>) if (info) lines.push(...certificateLines(protocol, info), '');
  if (cmd.transcript) {
    lines.push('Transcript (passwords and tokens removed):');
    for (const line of report.transcript) lines.push(`  ${SHORT[line.protocol]} ${String(line.t).padStart(5)} ms ${DIR[line.dir]} ${line.text}${line.redacted ? '  [redacted]' : ''}`);
    lines.push('');
  }
  lines.push(report.ok ? 'Check passed.' : failed ? `Check failed at "${labelOf(failed)}" of the ${inSentence(PROTOCOL_LABEL[failed.protocol])} (exit code ${exit}).` : `Check failed (exit code ${exit}).`);
  io.out(`${lines.join('\n')}\n`);
  return exit;
}

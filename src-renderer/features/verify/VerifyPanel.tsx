import { Fragment, useState, type ReactNode } from 'react';
import type { ServerProtocol } from '../../../shared/discovery';
import type { AppError } from '../../../shared/result';
import { inReportOrder, PROTOCOL_LABEL, STAGE_LABEL, type CertificateInfo, type Stage, type VerifyReport } from '../../../shared/verify';
import { copyText } from '../../ui/clipboard';
import { ErrorNotice } from '../../ui/ErrorNotice';
import { certificateChangedText } from '../../../shared/error-text';

// The stages' names live in shared/verify.ts: the command line (`mailwright check`) prints the same ones.
export { PROTOCOL_LABEL, STAGE_LABEL };

const MARK = { running: '…', passed: '✓', failed: '✗', skipped: '–' } as const;
const STATUS_WORD = { running: 'in progress', passed: 'passed', failed: 'failed', skipped: 'skipped' } as const;

function StageRow({ stage }: { stage: Stage }) {
  const label = STAGE_LABEL[stage.protocol][stage.name] ?? stage.name;
  return (
    <li className={`stage stage--${stage.status}`}>
      <span className="stage__mark" aria-hidden="true">
        {MARK[stage.status]}
      </span>
      <span className="stage__label">
        {label}: <span className="visually-hidden-status">{STATUS_WORD[stage.status]}</span>
      </span>
      {stage.summary ? <span className="stage__summary">{stage.summary}</span> : null}
      {stage.ms !== undefined ? <span className="stage__time">{stage.ms} ms</span> : null}
    </li>
  );
}

function transcriptText(report: VerifyReport): string {
  const prefix = { client: 'C:', server: 'S:', info: '--' } as const;
  return report.transcript
    .map((l) => `${String(l.t).padStart(6)} ms ${l.protocol.toUpperCase().padEnd(4)} ${prefix[l.dir]} ${l.text}${l.redacted ? '   (credentials redacted)' : ''}`)
    .join('\n');
}

export function CertificateCard(props: { protocol: ServerProtocol; host: string; certificate: CertificateInfo; onTrust?: () => void }) {
  const c = props.certificate;
  return (
    <section className="certificate" aria-label={`Certificate of ${props.host}`}>
      <p className="notice__title">
        {c.pinChanged
          ? certificateChangedText(props.host, c.pinChanged.trustedAt)
          : c.problem === 'TLS_UNTRUSTED_CERTIFICATE'
          ? `${props.host} presented a certificate that no authority your computer trusts has signed.`
          : c.problem === 'TLS_CERTIFICATE_EXPIRED'
            ? `${props.host} presented an expired certificate. It cannot be trusted.`
            : c.problem === 'TLS_HOSTNAME_MISMATCH'
              ? `${props.host} presented a certificate for another name. It cannot be trusted.`
              : `Certificate of ${props.host}`}
      </p>
      <dl>
        <dt>Issued to</dt>
        <dd>{c.subject || '(no name)'}</dd>
        <dt>Names</dt>
        <dd>{c.altNames.join(', ') || '(none)'}</dd>
        <dt>Issued by</dt>
        <dd>{c.issuer || '(no name)'}</dd>
        <dt>Valid</dt>
        <dd>
          {c.validFrom.slice(0, 10)} to {c.validTo.slice(0, 10)}
        </dd>
        {c.pinChanged ? (
          <>
            <dt>Fingerprint you trusted (SHA-256)</dt>
            <dd className="fingerprint">{c.pinChanged.sha256}</dd>
          </>
        ) : null}
        <dt>{c.pinChanged ? 'Fingerprint it shows now (SHA-256)' : 'SHA-256 fingerprint'}</dt>
        <dd className="fingerprint">{c.sha256}</dd>
        <dt>Connection</dt>
        <dd>
          {c.protocol} {c.cipher}
        </dd>
      </dl>
      {c.problem === 'TLS_UNTRUSTED_CERTIFICATE' && props.onTrust ? (
        <>
          <p>
            {c.pinChanged
              ? 'Trust the new one only if your provider or administrator told you the certificate changed and its fingerprint matches the one they gave you. Mailwright will then trust exactly the new certificate for this account instead.'
              : 'Trust it only if you expected this server to use its own certificate and the fingerprint above matches the one your provider or administrator gave you. Mailwright will then trust exactly this certificate for this account, and warn you again if it ever changes.'}
          </p>
          <button type="button" onClick={props.onTrust}>
            {c.pinChanged ? 'Trust the new certificate for this account' : 'Trust this certificate for this account'}
          </button>
        </>
      ) : null}
    </section>
  );
}

export function VerifyPanel(props: {
  running: boolean;
  stages: Stage[];
  report: VerifyReport | null;
  hosts: Partial<Record<ServerProtocol, string>>;
  onTrust?: (protocol: ServerProtocol, certificate: CertificateInfo) => void;
  /** More help right at a failed stage (the sign-in advisor, a provider's app-password help). */
  advice?: (error: AppError, protocol: ServerProtocol) => ReactNode;
}) {
  const [showDetails, setShowDetails] = useState(false);
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  // The outgoing server first, then the incoming one, whichever answered first: sending is what the check is for.
  const protocols = [...new Set(inReportOrder(props.stages).map((s) => s.protocol))];
  const failures = inReportOrder(props.stages.filter((s) => s.status === 'failed'));
  const report = props.report;

  return (
    <section className="verify" aria-label="Verification" aria-busy={props.running}>
      {protocols.map((protocol) => (
        <div key={protocol}>
          <h3>{PROTOCOL_LABEL[protocol]}</h3>
          <ol className="stages" aria-label={`${PROTOCOL_LABEL[protocol]} checks`}>
            {props.stages
              .filter((s) => s.protocol === protocol)
              .map((stage, i) => (
                <StageRow key={`${stage.name}-${i}`} stage={stage} />
              ))}
          </ol>
        </div>
      ))}
      {report ? (
        <div role="status">
          {report.ok ? (
            <p className="notice notice--success">Everything works: Mailwright can sign in and send{report.stages.some((s) => s.protocol !== 'smtp') ? ', and read your mail' : ''}.</p>
          ) : null}
        </div>
      ) : null}
      {report && !report.ok
        ? failures.map((stage) => {
            const certificate = report.certificates[stage.protocol];
            return stage.name === 'tls' && certificate && !certificate.trusted ? (
              <div key={`${stage.protocol}-cert`} className="notice notice--error" role="alert">
                <CertificateCard
                  protocol={stage.protocol}
                  host={props.hosts[stage.protocol] ?? ''}
                  certificate={certificate}
                  {...(props.onTrust ? { onTrust: () => props.onTrust!(stage.protocol, certificate) } : {})}
                />
              </div>
            ) : stage.error ? (
              <Fragment key={`${stage.protocol}-${stage.name}`}>
                <ErrorNotice error={stage.error} context={PROTOCOL_LABEL[stage.protocol]} protocol={stage.protocol} />
                {props.advice?.(stage.error, stage.protocol)}
              </Fragment>
            ) : null;
          })
        : null}
      {report && report.transcript.length ? (
        <div className="transcript">
          <div className="actions actions--start">
            <button type="button" aria-expanded={showDetails} onClick={() => setShowDetails((v) => !v)}>
              {showDetails ? 'Hide details' : 'Show details'}
            </button>
            <button type="button" onClick={async () => setCopied((await copyText(transcriptText(report))) ? 'yes' : 'no')}>
              Copy details for support
            </button>
            <span role="status">{copied === 'yes' ? 'Copied. Passwords are not included.' : copied === 'no' ? 'Could not copy; select the text below instead.' : ''}</span>
          </div>
          {showDetails ? (
            <pre className="transcript__text" aria-label="Conversation with the servers" tabIndex={0}>
              {transcriptText(report)}
            </pre>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

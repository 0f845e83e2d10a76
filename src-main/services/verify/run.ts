/** Book-keeping of one verification run: stages as they happen, the transcript, certificates. */
import type { ServerProtocol } from '../../../shared/discovery';
import { appError, type AppError } from '../../../shared/result';
import type { CertificateInfo, Stage, StageName, TranscriptLine, VerifyReport } from '../../../shared/verify';
import { redactText } from '../logger';
import { ProbeError, type LineSink } from './line-socket';

export interface StageHandle {
  pass(summary?: string): void;
  fail(error: AppError, summary?: string): void;
  skip(summary: string): void;
}

export class VerificationRun {
  private readonly started = Date.now();
  private readonly stages: Stage[] = [];
  private readonly transcript: TranscriptLine[] = [];
  private readonly certificates: VerifyReport['certificates'] = {};

  constructor(private readonly onStage: (stage: Stage) => void = () => {}) {}

  stage(protocol: ServerProtocol, name: StageName): StageHandle {
    const begun = Date.now();
    const index = this.stages.push({ protocol, name, status: 'running' }) - 1;
    this.onStage(this.stages[index]!);
    const settle = (patch: Partial<Stage>) => {
      const done: Stage = { ...this.stages[index]!, ...patch, ms: Date.now() - begun };
      this.stages[index] = done;
      this.onStage(done);
    };
    return {
      pass: (summary) => settle({ status: 'passed', ...(summary ? { summary } : {}) }),
      fail: (error, summary) => settle({ status: 'failed', error, ...(summary ? { summary } : {}) }),
      skip: (summary) => settle({ status: 'skipped', summary }),
    };
  }

  /** The transcript sink for one protocol. Lines pass through redactText as a second guard. */
  sink(protocol: ServerProtocol): LineSink {
    return (dir, text, redacted) => {
      const clean = redactText(text);
      this.transcript.push({ protocol, dir, text: clean, ...(redacted || clean !== text ? { redacted: true } : {}), t: Date.now() - this.started });
    };
  }

  certificate(protocol: ServerProtocol, info: CertificateInfo): void {
    this.certificates[protocol] = info;
  }

  report(): VerifyReport {
    const ok = this.stages.length > 0 && this.stages.every((s) => s.status === 'passed' || s.status === 'skipped');
    return { ok, stages: [...this.stages], transcript: [...this.transcript], certificates: { ...this.certificates } };
  }
}

/** Socket-level failures of a probe in our codes. */
export function socketError(error: unknown): AppError {
  if (error instanceof ProbeError) {
    if (error.kind === 'timeout') return appError('CONNECTION_TIMEOUT');
    if (error.kind === 'closed') return appError('CONNECTION_LOST');
    switch (error.errno) {
      case 'ECONNREFUSED':
        return appError('CONNECTION_REFUSED');
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return appError('HOST_NOT_FOUND');
      case 'ETIMEDOUT':
      case 'EHOSTUNREACH':
      case 'ENETUNREACH':
        return appError('CONNECTION_TIMEOUT');
      case 'ECONNRESET':
      case 'EPIPE':
        return appError('CONNECTION_LOST');
      default:
        if (/ssl|tls|wrong version|handshake|EPROTO/i.test(`${error.errno ?? ''} ${error.message}`)) return appError('TLS_HANDSHAKE_FAILED');
        return appError('CONNECTION_LOST');
    }
  }
  return appError('INTERNAL');
}

/** Plain words for a certificate's problem, as an error. */
export function certificateError(info: CertificateInfo): AppError {
  return appError(info.problem ?? 'TLS_UNTRUSTED_CERTIFICATE');
}

export function certificateSummary(info: CertificateInfo): string {
  return `${info.protocol}, ${info.subject || 'unnamed certificate'}${info.pinned ? ' (pinned)' : ''}`;
}

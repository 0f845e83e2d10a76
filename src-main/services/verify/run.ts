/** Book-keeping of one verification run: stages as they happen, the transcript, certificates. */
import type { ServerProtocol } from '../../../shared/discovery';
import type { TLSSocket } from 'node:tls';
import { appError, type AppError, type ErrorDetail } from '../../../shared/result';
import type { Stage, StageName, TranscriptLine, VerifyReport } from '../../../shared/verify';
import { redactText } from '../logger';
import { inspectionTlsOptions, judgeCertificate, type TrustSettings } from '../tls-trust';
import { conversationFailureCode } from '../net/errors';
import { LineSocket, type TranscriptSink } from '../net/socket';

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
  sink(protocol: ServerProtocol): TranscriptSink {
    return (dir, text, redacted) => {
      const clean = redactText(text);
      this.transcript.push({ protocol, dir, text: clean, ...(redacted || clean !== text ? { redacted: true } : {}), t: Date.now() - this.started });
    };
  }

  /**
   * The connect stage: a TCP connection, or an implicit-TLS one whose certificate is judged next
   * (judgeTls). Null when it failed; the stage says why.
   */
  async connect(protocol: ServerProtocol, server: { host: string; port: number; security: string }, trust: TrustSettings, timeoutMs: number): Promise<LineSocket | null> {
    const { host, port } = server;
    const stage = this.stage(protocol, 'connect');
    try {
      const conn = await LineSocket.open({ host, port, timeoutMs, sink: this.sink(protocol), ...(server.security === 'tls' ? { tls: inspectionTlsOptions(host, trust) } : {}) });
      stage.pass(`${host}:${port}`);
      return conn;
    } catch (error) {
      stage.fail(socketError(error), `${host}:${port}`);
      return null;
    }
  }

  /** The TLS stage: judges the certificate of `socket` and records it. False: stop, send nothing more. */
  judgeTls(protocol: ServerProtocol, socket: TLSSocket, host: string, trust: TrustSettings): boolean {
    const stage = this.stage(protocol, 'tls');
    const info = judgeCertificate(socket, host, trust);
    this.certificates[protocol] = info;
    this.sink(protocol)('info', `TLS ${info.protocol} ${info.cipher}; certificate ${info.subject} issued by ${info.issuer}, SHA-256 ${info.sha256}`);
    const summary = `${info.protocol}, ${info.subject || 'unnamed certificate'}${info.pinned ? ' (pinned)' : ''}`;
    if (info.trusted) stage.pass(summary);
    else stage.fail(appError(info.pinChanged ? 'TLS_CERTIFICATE_CHANGED' : (info.problem ?? 'TLS_UNTRUSTED_CERTIFICATE')), summary);
    return info.trusted;
  }

  /** STARTTLS once the server has agreed to it: upgrade the connection in place, then judge it. On false the connection is closed. */
  async upgradeAndJudge(protocol: ServerProtocol, conn: LineSocket, host: string, trust: TrustSettings, timeoutMs: number): Promise<boolean> {
    let socket: TLSSocket;
    try {
      socket = await conn.upgrade(inspectionTlsOptions(host, trust), timeoutMs);
    } catch (error) {
      this.stage(protocol, 'tls').fail(socketError(error));
      conn.close();
      return false;
    }
    if (this.judgeTls(protocol, socket, host, trust)) return true;
    conn.close();
    return false;
  }

  /** The TLS stage when STARTTLS is not offered or refused: never go on in clear text. */
  starttlsRefused(protocol: ServerProtocol, detail?: ErrorDetail): void {
    this.stage(protocol, 'tls').fail(appError('STARTTLS_UNAVAILABLE', { command: 'STARTTLS', ...detail }), detail ? 'refused' : 'not offered');
  }

  report(): VerifyReport {
    const ok = this.stages.length > 0 && this.stages.every((s) => s.status === 'passed' || s.status === 'skipped');
    return { ok, stages: [...this.stages], transcript: [...this.transcript], certificates: { ...this.certificates } };
  }
}

/** A failure of a probe's conversation in our code: the one judgement of net/errors.ts. */
export function socketError(error: unknown): AppError {
  return appError(conversationFailureCode(error));
}

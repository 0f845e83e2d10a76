/** POP3 verification: connect (and STLS), TLS certificate judged, USER/PASS or AUTH XOAUTH2 / OAUTHBEARER, STAT, QUIT. */
import type { TLSSocket } from 'node:tls';
import type { IncomingSettings } from '../../../shared/model';
import { appError, type AppError } from '../../../shared/result';
import { Pop3Client, Pop3Error } from '../pop3/client';
import { pop3Failure } from '../pop3/failure';
import { withFreshCredential, type CredentialSource } from '../credentials';
import { inspectionTlsOptions, type TrustSettings } from '../tls-trust';
import type { VerificationRun } from './run';
import type { ProbeTimeouts } from './smtp-probe';

function pop3Error(error: unknown): AppError {
  return error instanceof Pop3Error ? pop3Failure(error) : appError('INTERNAL');
}

export async function probePop3(run: VerificationRun, settings: IncomingSettings, credentials: CredentialSource, trust: TrustSettings, timeouts: ProbeTimeouts): Promise<boolean> {
  const { host, port, security } = settings;
  const sink = run.sink('pop3');
  const connect = run.stage('pop3', 'connect');
  let client: Pop3Client;
  // The certificate is judged as soon as the handshake is done, before the greeting or CAPA.
  let judged: boolean | undefined;
  let connected = false;
  const connectPassed = () => {
    if (!connected) connect.pass(`${host}:${port}`);
    connected = true;
  };
  const checkTls = (socket: TLSSocket): boolean => {
    connectPassed();
    judged = run.judgeTls('pop3', socket, host, trust);
    return judged;
  };
  try {
    client = await Pop3Client.connect({
      host,
      port,
      security,
      ...(security === 'none' ? {} : { tls: inspectionTlsOptions(host, trust), checkTls }),
      timeoutMs: Math.max(timeouts.connectMs, timeouts.replyMs),
      onLine: ({ dir, text, redacted }) => sink(dir, text, redacted),
    });
  } catch (error) {
    if (judged === false) return false; // the TLS stage says why; nothing was sent
    const failure = pop3Error(error);
    if (judged === true) {
      // STLS went through and the certificate passed; what failed came after.
      run.stage('pop3', 'close').fail(failure);
      return false;
    }
    if (failure.code === 'STARTTLS_UNAVAILABLE') {
      connectPassed();
      run.stage('pop3', 'tls').fail(failure, 'not offered');
    } else connect.fail(failure, `${host}:${port}`);
    return false;
  }
  connectPassed();
  try {
    if (security === 'none' || !client.tlsSocket) run.stage('pop3', 'tls').skip('no connection security chosen');
    const login = run.stage('pop3', 'login');
    const signedIn = await withFreshCredential(
      credentials,
      (credential) =>
        client.signIn(credential ?? { kind: 'password', username: settings.username, password: '' }).then(
          (how) => ({ ok: true as const, how }),
          (error: unknown) => ({ ok: false as const, error }),
        ),
      (outcome) => !outcome.ok && outcome.error instanceof Pop3Error && outcome.error.kind === 'auth',
    );
    const outcome = signedIn.ok ? signedIn.value : null;
    if (!outcome?.ok) {
      const failure = outcome ? pop3Error(outcome.error) : !signedIn.ok ? signedIn.error : appError('INTERNAL');
      login.fail(failure.code === 'SERVER_ERROR' ? { ...failure, code: 'AUTH_FAILED' } : failure);
      await client.quit().catch(() => {});
      return false;
    }
    login.pass(outcome.how === 'USER/PASS' ? settings.username : `${settings.username}, ${outcome.how}`);
    const stat = run.stage('pop3', 'stat');
    const { count, size } = await client.stat();
    stat.pass(`${count} message${count === 1 ? '' : 's'}, ${size} bytes`);
    const close = run.stage('pop3', 'close');
    await client.quit();
    close.pass('QUIT');
    return true;
  } catch (error) {
    run.stage('pop3', 'close').fail(pop3Error(error));
    client.close();
    return false;
  }
}

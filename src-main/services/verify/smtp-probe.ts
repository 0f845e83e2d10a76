/**
 * SMTP verification, stage by stage: connect and 220 greeting, EHLO, TLS (implicit or STARTTLS,
 * certificate judged before anything else is sent), AUTH with the chosen method (PLAIN or LOGIN for
 * a password, XOAUTH2 or OAUTHBEARER for an access token, once more with a fresh token after a 535
 * to a token: credentials.ts), MAIL FROM and
 * RCPT TO the account's own address, then RSET and QUIT, never DATA.
 *
 * Written on node:net/tls rather than nodemailer: nodemailer's SMTPConnection cannot stop after
 * RCPT without DATA, does not report per-stage timings, and cannot show an untrusted certificate
 * to the person before deciding; sending itself stays on nodemailer (services/smtp.ts).
 */
import type { TLSSocket } from 'node:tls';
import type { SmtpSettings } from '../../../shared/model';
import { appError } from '../../../shared/result';
import { enhancedStatusOf, smtpReplyCode } from '../net/errors';
import { readSmtpReply, smtpHello, type SmtpReply as Reply } from '../net/smtp';
import type { LineSocket } from '../net/socket';
import type { TrustSettings } from '../tls-trust';
import { withFreshCredential, type Credential, type CredentialSource } from '../credentials';
import { chooseOAuthMechanism, describeFailureChallenge, failureAnswer, oauthResponse, plainResponse } from '../net/sasl';
import { socketError, type VerificationRun } from './run';

export interface ProbeTimeouts {
  connectMs: number;
  replyMs: number;
}

const readReply = (conn: LineSocket, timeoutMs: number): Promise<Reply> => readSmtpReply(conn, timeoutMs);

function replyError(reply: Reply, step: string) {
  const last = reply.raw[reply.raw.length - 1] ?? '';
  const enhanced = enhancedStatusOf(last);
  return appError(smtpReplyCode(reply.code, step, enhanced, reply.raw.join('\n')), {
    serverReply: reply.raw.join(' ').trim(),
    responseCode: reply.code,
    ...(enhanced ? { enhancedStatus: enhanced } : {}),
    command: step,
  });
}

export async function probeSmtp(
  run: VerificationRun,
  settings: SmtpSettings,
  address: string,
  credentials: CredentialSource,
  trust: TrustSettings,
  timeouts: ProbeTimeouts,
): Promise<boolean> {
  const { host, security } = settings;
  const conn = await run.connect('smtp', settings, trust, timeouts.connectMs);
  if (!conn) return false;

  const quit = async () => {
    try {
      conn.write('QUIT');
      await readReply(conn, Math.min(timeouts.replyMs, 2000));
    } catch {
      // the server may close first; verification has already decided
    } finally {
      conn.close();
    }
  };
  try {
    if (security === 'tls' && !run.judgeTls('smtp', conn.raw as TLSSocket, host, trust)) {
      conn.close(); // not even QUIT: nothing more is said on a connection we do not trust
      return false;
    }

    const greeting = run.stage('smtp', 'greeting');
    let banner: Reply;
    try {
      banner = await readReply(conn, timeouts.replyMs);
    } catch (error) {
      greeting.fail(socketError(error));
      conn.close();
      return false;
    }
    if (banner.code !== 220) {
      greeting.fail(replyError(banner, 'CONN'));
      await quit();
      return false;
    }
    greeting.pass(banner.lines[0]!.trim());

    const ehloStage = run.stage('smtp', 'ehlo');
    const hello = await smtpHello(conn, {
      starttls: security === 'starttls',
      replyMs: timeouts.replyMs,
      upgrade: () => run.upgradeAndJudge('smtp', conn, host, trust, timeouts.connectMs),
      onEhlo: (_reply, capabilities) => ehloStage.pass(capabilities.join(', ') || 'no extensions'),
    });
    if (!hello.ok) {
      switch (hello.failure) {
        case 'ehlo-refused':
          (hello.afterTls ? run.stage('smtp', 'ehlo') : ehloStage).fail(replyError(hello.reply, 'EHLO'));
          break;
        case 'starttls-not-offered':
          run.starttlsRefused('smtp');
          break;
        case 'starttls-refused':
          run.starttlsRefused('smtp', { serverReply: hello.reply.raw.join('\n'), responseCode: hello.reply.code });
          break;
        case 'upgrade-failed':
          return false; // the TLS stage says why; the connection is closed
      }
      await quit();
      return false;
    }
    const caps = hello.capabilities;
    if (security === 'none') run.stage('smtp', 'tls').skip('no connection security chosen');

    const auth = run.stage('smtp', 'auth');
    if (settings.auth === 'none') {
      auth.skip('no authentication chosen');
    } else {
      const mechanisms = caps
        .filter((c) => c.startsWith('AUTH ') || c.startsWith('AUTH='))
        .flatMap((c) => c.slice(5).split(/\s+/))
        .filter(Boolean);
      const signedIn = await withFreshCredential(
        credentials,
        (credential) => smtpAuth(conn, run, settings, credential, mechanisms, timeouts.replyMs),
        (outcome) => outcome.kind === 'reply' && outcome.reply.code === 535,
      );
      if (!signedIn.ok) {
        auth.fail(signedIn.error);
        await quit();
        return false;
      }
      const outcome = signedIn.value;
      if (outcome.kind === 'unavailable') {
        auth.fail(appError('AUTH_UNAVAILABLE'), mechanisms.length ? `offered: ${mechanisms.join(' ')}` : 'no AUTH offered');
        await quit();
        return false;
      }
      if (outcome.reply.code !== 235) {
        auth.fail(replyError(outcome.reply, `AUTH ${outcome.mechanism}`));
        await quit();
        return false;
      }
      auth.pass(outcome.mechanism);
    }

    const envelope = run.stage('smtp', 'envelope');
    conn.write(`MAIL FROM:<${address}>`);
    const mail = await readReply(conn, timeouts.replyMs);
    if (mail.code !== 250) {
      envelope.fail(replyError(mail, 'MAIL FROM'));
      await quit();
      return false;
    }
    conn.write(`RCPT TO:<${address}>`);
    const rcpt = await readReply(conn, timeouts.replyMs);
    if (rcpt.code !== 250 && rcpt.code !== 251) {
      envelope.fail(replyError(rcpt, 'RCPT TO'));
      await quit();
      return false;
    }
    envelope.pass(`${address} may send to ${address}`);

    const close = run.stage('smtp', 'close');
    conn.write('RSET');
    await readReply(conn, timeouts.replyMs);
    await quit();
    close.pass('RSET, QUIT: nothing was sent');
    return true;
  } catch (error) {
    // A timeout or a dropped connection in the middle: fail whatever stage is running.
    run.stage('smtp', 'close').fail(socketError(error));
    conn.close();
    return false;
  }
}

type AuthOutcome = { kind: 'unavailable' } | { kind: 'reply'; reply: Reply; mechanism: string };

/**
 * One AUTH exchange with `credential` (none stored: an empty password, for the server to refuse).
 * A password: PLAIN, else LOGIN. An access token: XOAUTH2 (what sending uses), else OAUTHBEARER;
 * a refused token comes back as a 334 error challenge, shown decoded in the transcript and
 * answered so that the server sends its final reply (535). Secrets show as "[redacted]".
 */
async function smtpAuth(
  conn: LineSocket,
  run: VerificationRun,
  server: { host: string; port: number; username: string },
  credential: Credential | undefined,
  mechanisms: string[],
  replyMs: number,
): Promise<AuthOutcome> {
  if (credential?.kind === 'oauth2') {
    const mechanism = chooseOAuthMechanism(mechanisms, 'XOAUTH2');
    if (!mechanism) return { kind: 'unavailable' };
    const { host, port } = server;
    conn.write(`AUTH ${mechanism} ${oauthResponse(mechanism, credential.username, credential.accessToken, { host, port })}`, `AUTH ${mechanism} [redacted]`);
    let reply = await readReply(conn, replyMs);
    if (reply.code === 334) {
      run.sink('smtp')('info', `error challenge: ${describeFailureChallenge(reply.lines[0] ?? '')}`);
      const answer = failureAnswer(mechanism);
      conn.write(answer, answer === '' ? '(empty response)' : undefined);
      reply = await readReply(conn, replyMs);
    }
    return { kind: 'reply', reply, mechanism };
  }
  const secret = credential?.password ?? '';
  const user = credential?.username ?? server.username;
  if (mechanisms.includes('PLAIN')) {
    conn.write(`AUTH PLAIN ${plainResponse(user, secret)}`, 'AUTH PLAIN [redacted]');
    return { kind: 'reply', reply: await readReply(conn, replyMs), mechanism: 'PLAIN' };
  }
  if (!mechanisms.includes('LOGIN')) return { kind: 'unavailable' };
  conn.write('AUTH LOGIN');
  let reply = await readReply(conn, replyMs);
  if (reply.code === 334) {
    conn.write(Buffer.from(user, 'utf8').toString('base64'), '[redacted]');
    reply = await readReply(conn, replyMs);
  }
  if (reply.code === 334) {
    conn.write(Buffer.from(secret, 'utf8').toString('base64'), '[redacted]');
    reply = await readReply(conn, replyMs);
  }
  return { kind: 'reply', reply, mechanism: 'LOGIN' };
}

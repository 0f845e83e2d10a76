/**
 * SMTP verification, stage by stage: connect and 220 greeting, EHLO, TLS (implicit or STARTTLS,
 * certificate judged before anything else is sent), AUTH with the chosen method, MAIL FROM and
 * RCPT TO the account's own address, then RSET and QUIT, never DATA.
 *
 * Written on node:net/tls rather than nodemailer: nodemailer's SMTPConnection cannot stop after
 * RCPT without DATA, does not report per-stage timings, and cannot show an untrusted certificate
 * to the person before deciding; sending itself stays on nodemailer (services/smtp.ts).
 */
import type { TLSSocket } from 'node:tls';
import type { SmtpSettings } from '../../../shared/model';
import { appError } from '../../../shared/result';
import { classifyReply, enhancedStatusOf } from '../smtp-errors';
import type { TrustSettings } from '../tls-trust';
import type { LineSocket } from './line-socket';
import { socketError, type VerificationRun } from './run';

export interface ProbeTimeouts {
  connectMs: number;
  replyMs: number;
}

interface Reply {
  code: number;
  lines: string[];
  text: string;
}

async function readReply(conn: LineSocket, timeoutMs: number): Promise<Reply> {
  const lines: string[] = [];
  for (;;) {
    const line = await conn.readLine(timeoutMs);
    lines.push(line);
    if (!/^\d{3}-/.test(line)) break;
    if (lines.length > 200) break;
  }
  const code = Number(lines[lines.length - 1]!.slice(0, 3)) || 0;
  return { code, lines, text: lines.join('\n') };
}

function replyError(reply: Reply, step: string) {
  const last = reply.lines[reply.lines.length - 1] ?? '';
  const enhanced = enhancedStatusOf(last);
  return appError(classifyReply(reply.code, step, enhanced, reply.text), {
    serverReply: reply.lines.join(' ').trim(),
    responseCode: reply.code,
    ...(enhanced ? { enhancedStatus: enhanced } : {}),
    command: step,
  });
}

const capabilitiesOf = (reply: Reply) => reply.lines.slice(1).map((l) => l.slice(4).trim().toUpperCase());

export async function probeSmtp(
  run: VerificationRun,
  settings: SmtpSettings,
  address: string,
  password: string | undefined,
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
    let hello: Reply;
    try {
      hello = await readReply(conn, timeouts.replyMs);
    } catch (error) {
      greeting.fail(socketError(error));
      conn.close();
      return false;
    }
    if (hello.code !== 220) {
      greeting.fail(replyError(hello, 'CONN'));
      await quit();
      return false;
    }
    greeting.pass(hello.lines[0]!.slice(4).trim());

    const ehloStage = run.stage('smtp', 'ehlo');
    conn.write('EHLO [127.0.0.1]');
    let ehlo = await readReply(conn, timeouts.replyMs);
    if (ehlo.code !== 250) {
      ehloStage.fail(replyError(ehlo, 'EHLO'));
      await quit();
      return false;
    }
    let caps = capabilitiesOf(ehlo);
    ehloStage.pass(caps.join(', ') || 'no extensions');

    if (security === 'starttls') {
      if (!caps.includes('STARTTLS')) {
        run.starttlsRefused('smtp');
        await quit();
        return false;
      }
      conn.write('STARTTLS');
      const ready = await readReply(conn, timeouts.replyMs);
      if (ready.code !== 220) {
        run.starttlsRefused('smtp', { serverReply: ready.text, responseCode: ready.code });
        await quit();
        return false;
      }
      if (!(await run.upgradeAndJudge('smtp', conn, host, trust, timeouts.connectMs))) return false;
      conn.write('EHLO [127.0.0.1]');
      ehlo = await readReply(conn, timeouts.replyMs);
      if (ehlo.code !== 250) {
        run.stage('smtp', 'ehlo').fail(replyError(ehlo, 'EHLO'));
        await quit();
        return false;
      }
      caps = capabilitiesOf(ehlo);
    } else if (security === 'none') {
      run.stage('smtp', 'tls').skip('no connection security chosen');
    }

    const auth = run.stage('smtp', 'auth');
    if (settings.auth === 'none') {
      auth.skip('no authentication chosen');
    } else {
      const mechanisms = caps
        .filter((c) => c.startsWith('AUTH ') || c.startsWith('AUTH='))
        .flatMap((c) => c.slice(5).split(/\s+/))
        .filter(Boolean);
      const secret = password ?? '';
      let reply: Reply;
      if (mechanisms.includes('PLAIN')) {
        const blob = Buffer.from(`\0${settings.username}\0${secret}`, 'utf8').toString('base64');
        conn.write(`AUTH PLAIN ${blob}`, 'AUTH PLAIN [redacted]');
        reply = await readReply(conn, timeouts.replyMs);
      } else if (mechanisms.includes('LOGIN')) {
        conn.write('AUTH LOGIN');
        reply = await readReply(conn, timeouts.replyMs);
        if (reply.code === 334) {
          conn.write(Buffer.from(settings.username, 'utf8').toString('base64'), '[redacted]');
          reply = await readReply(conn, timeouts.replyMs);
        }
        if (reply.code === 334) {
          conn.write(Buffer.from(secret, 'utf8').toString('base64'), '[redacted]');
          reply = await readReply(conn, timeouts.replyMs);
        }
      } else {
        auth.fail(appError('AUTH_UNAVAILABLE'), mechanisms.length ? `offered: ${mechanisms.join(' ')}` : 'no AUTH offered');
        await quit();
        return false;
      }
      if (reply.code !== 235) {
        auth.fail(replyError(reply, mechanisms.includes('PLAIN') ? 'AUTH PLAIN' : 'AUTH LOGIN'));
        await quit();
        return false;
      }
      auth.pass(mechanisms.includes('PLAIN') ? 'PLAIN' : 'LOGIN');
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

/**
 * IMAP verification: connect and greeting, TLS (implicit or STARTTLS, certificate judged first),
 * LOGIN, LIST, LOGOUT. A handful of tagged commands on the probe socket, so that the transcript
 * shows exactly what was said and the certificate is judged before the password is sent; reading
 * mail (issue 5) uses imapflow.
 */
import type { TLSSocket } from 'node:tls';
import type { IncomingSettings } from '../../../shared/model';
import { appError, type AppError } from '../../../shared/result';
import type { TrustSettings } from '../tls-trust';
import { imapResponseCode } from '../net/errors';
import type { LineSocket } from '../net/socket';
import { socketError, type VerificationRun } from './run';
import type { ProbeTimeouts } from './smtp-probe';

interface Tagged {
  status: 'OK' | 'NO' | 'BAD' | string;
  line: string;
  untagged: string[];
}

/** An IMAP string argument: quoted when it can be, a literal otherwise (RFC 3501 section 4.3). */
function imapString(value: string): { inline: string } | { literal: Buffer } {
  if (/^[\x20-\x7e]*$/.test(value) && value.length < 1000) return { inline: `"${value.replace(/(["\\])/g, '\\$1')}"` };
  return { literal: Buffer.from(value, 'utf8') };
}

/** A tagged NO/BAD in our code: its response code judged as for every IMAP failure (net/errors.ts), else `fallback`. */
function responseCodeError(line: string, fallback: AppError['code']): AppError {
  const code = line.match(/\[([A-Z-]+)/)?.[1];
  return appError(imapResponseCode(code) ?? fallback, { serverReply: line, ...(code ? { command: code } : {}) });
}

/**
 * LOGIN with each argument quoted, or as a literal (sent after the server's "+") when it is not
 * plain ASCII. The transcript shows the username and "[redacted]" for the password.
 */
async function loginCommand(conn: LineSocket, id: string, username: string, password: string, timeoutMs: number): Promise<Tagged> {
  let line = `${id} LOGIN`;
  let shown = line;
  for (const [i, value] of [username, password].entries()) {
    const arg = imapString(value);
    const secret = i === 1;
    if ('inline' in arg) {
      line += ` ${arg.inline}`;
      shown += secret ? ' [redacted]' : ` ${arg.inline}`;
      continue;
    }
    conn.write(`${line} {${arg.literal.length}}`, `${shown} {${arg.literal.length}}`);
    const go = await conn.readLine(timeoutMs);
    if (!go.startsWith('+')) return { status: go.slice(id.length + 1).split(' ')[0]!.toUpperCase(), line: go, untagged: [] };
    conn.writeRaw(arg.literal);
    line = '';
    shown = secret ? '[redacted literal]' : `[literal ${arg.literal.length} bytes]`;
  }
  conn.write(line, shown);
  const untagged: string[] = [];
  for (;;) {
    const reply = await conn.readLine(timeoutMs);
    if (reply.startsWith(`${id} `)) return { status: reply.slice(id.length + 1).split(' ')[0]!.toUpperCase(), line: reply, untagged };
    untagged.push(reply);
  }
}

export async function probeImap(run: VerificationRun, settings: IncomingSettings, password: string, trust: TrustSettings, timeouts: ProbeTimeouts): Promise<boolean> {
  const { host, security } = settings;
  const conn = await run.connect('imap', settings, trust, timeouts.connectMs);
  if (!conn) return false;
  let tag = 0;
  const command = async (text: string, shown?: string): Promise<Tagged> => {
    const id = `m${++tag}`;
    conn.write(`${id} ${text}`, shown === undefined ? undefined : `${id} ${shown}`);
    const untagged: string[] = [];
    for (;;) {
      const line = await conn.readLine(timeouts.replyMs);
      if (line.startsWith(`${id} `)) return { status: line.slice(id.length + 1).split(' ')[0]!.toUpperCase(), line, untagged };
      untagged.push(line);
      if (untagged.length > 100_000) throw new Error('too many untagged responses');
    }
  };
  const logout = async () => {
    try {
      await command('LOGOUT');
    } catch {
      // the server may close first
    } finally {
      conn.close();
    }
  };
  try {
    if (security === 'tls' && !run.judgeTls('imap', conn.raw as TLSSocket, host, trust)) {
      conn.close();
      return false;
    }
    const greetingStage = run.stage('imap', 'greeting');
    const greeting = await conn.readLine(timeouts.replyMs);
    if (!/^\* (OK|PREAUTH)\b/i.test(greeting)) {
      greetingStage.fail(appError(/^\* BYE/i.test(greeting) ? 'SERVER_BUSY' : 'PROTOCOL_ERROR', { serverReply: greeting }));
      conn.close();
      return false;
    }
    greetingStage.pass(greeting.replace(/^\* (OK|PREAUTH)\s*/i, '').slice(0, 80));
    let capability = await command('CAPABILITY');
    let caps = capability.untagged.find((l) => /^\* CAPABILITY /i.test(l))?.toUpperCase().split(' ').slice(2) ?? [];
    if (security === 'starttls') {
      if (!caps.includes('STARTTLS')) {
        run.starttlsRefused('imap');
        await logout();
        return false;
      }
      const ready = await command('STARTTLS');
      if (ready.status !== 'OK') {
        run.starttlsRefused('imap', { serverReply: ready.line });
        await logout();
        return false;
      }
      if (!(await run.upgradeAndJudge('imap', conn, host, trust, timeouts.connectMs))) return false;
      capability = await command('CAPABILITY');
      caps = capability.untagged.find((l) => /^\* CAPABILITY /i.test(l))?.toUpperCase().split(' ').slice(2) ?? [];
    } else if (security === 'none') {
      run.stage('imap', 'tls').skip('no connection security chosen');
    }

    const login = run.stage('imap', 'login');
    if (caps.includes('LOGINDISABLED')) {
      login.fail(appError('ENCRYPTION_REQUIRED', { command: 'LOGIN' }), 'LOGINDISABLED');
      await logout();
      return false;
    }
    const result = await loginCommand(conn, `m${++tag}`, settings.username, password, timeouts.replyMs);
    if (result.status !== 'OK') {
      login.fail(responseCodeError(result.line, result.status === 'BAD' ? 'PROTOCOL_ERROR' : 'AUTH_FAILED'));
      await logout();
      return false;
    }
    login.pass(settings.username);

    const list = run.stage('imap', 'list');
    const folders = await command('LIST "" "*"');
    if (folders.status !== 'OK') {
      list.fail(responseCodeError(folders.line, 'SERVER_ERROR'));
      await logout();
      return false;
    }
    const count = folders.untagged.filter((l) => /^\* LIST /i.test(l)).length;
    list.pass(`${count} folder${count === 1 ? '' : 's'}`);

    const close = run.stage('imap', 'close');
    await logout();
    close.pass('LOGOUT');
    return true;
  } catch (error) {
    run.stage('imap', 'close').fail(socketError(error));
    conn.close();
    return false;
  }
}

/**
 * IMAP verification: connect and greeting, TLS (implicit or STARTTLS, certificate judged first),
 * LOGIN (a password) or AUTHENTICATE XOAUTH2 / OAUTHBEARER (an access token), LIST, LOGOUT. A handful of tagged commands on the probe socket, so that the transcript
 * shows exactly what was said and the certificate is judged before the password is sent; reading
 * mail (issue 5) uses imapflow.
 */
import type { TLSSocket } from 'node:tls';
import type { IncomingSettings } from '../../../shared/model';
import { appError, type AppError } from '../../../shared/result';
import type { TrustSettings } from '../tls-trust';
import { imapResponseCode } from '../net/errors';
import type { LineSocket, TranscriptSink } from '../net/socket';
import { withFreshCredential, type Credential, type CredentialSource } from '../credentials';
import { chooseOAuthMechanism, describeFailureChallenge, failureAnswer, oauthResponse } from '../net/sasl';
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

/**
 * AUTHENTICATE XOAUTH2 / OAUTHBEARER (RFC 3501 section 6.2.2; OAUTHBEARER first, as imapflow
 * does), with the initial response on the command line when the server offers SASL-IR (RFC 4959),
 * else after its "+". A refused token comes back as an error challenge ("+ <base64 JSON>"), shown
 * decoded in the transcript and answered so that the server sends its tagged NO. Null when the
 * server offers neither mechanism.
 */
async function authenticateCommand(
  conn: LineSocket,
  sink: TranscriptSink,
  id: string,
  credential: Extract<Credential, { kind: 'oauth2' }>,
  caps: string[],
  server: { host: string; port: number },
  timeoutMs: number,
): Promise<(Tagged & { mechanism: string }) | null> {
  const mechanism = chooseOAuthMechanism(
    caps.filter((c) => c.startsWith('AUTH=')).map((c) => c.slice(5)),
    'OAUTHBEARER',
  );
  if (!mechanism) return null;
  const response = oauthResponse(mechanism, credential.username, credential.accessToken, server);
  if (caps.includes('SASL-IR')) conn.write(`${id} AUTHENTICATE ${mechanism} ${response}`, `${id} AUTHENTICATE ${mechanism} [redacted]`);
  else conn.write(`${id} AUTHENTICATE ${mechanism}`);
  let sentResponse = caps.includes('SASL-IR');
  let answered = false;
  const untagged: string[] = [];
  for (let lines = 0; lines < 1000; lines++) {
    const reply = await conn.readLine(timeoutMs);
    if (reply.startsWith(`${id} `)) return { status: reply.slice(id.length + 1).split(' ')[0]!.toUpperCase(), line: reply, untagged, mechanism };
    if (!reply.startsWith('+')) {
      untagged.push(reply);
      continue;
    }
    if (!sentResponse) {
      conn.write(response, '[redacted]');
      sentResponse = true;
    } else if (!answered) {
      sink('info', `error challenge: ${describeFailureChallenge(reply.slice(1))}`);
      const answer = failureAnswer(mechanism);
      conn.write(answer, answer === '' ? '(empty response)' : undefined);
      answered = true;
    } else {
      conn.write('*'); // a third challenge: cancel the exchange (RFC 3501), the server answers BAD
    }
  }
  throw new Error('too many lines in an AUTHENTICATE exchange');
}

export async function probeImap(run: VerificationRun, settings: IncomingSettings, credentials: CredentialSource, trust: TrustSettings, timeouts: ProbeTimeouts): Promise<boolean> {
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
    const signedIn = await withFreshCredential(
      credentials,
      async (credential): Promise<(Tagged & { mechanism?: string }) | 'login-disabled' | 'unavailable'> => {
        if (credential?.kind === 'oauth2') return (await authenticateCommand(conn, run.sink('imap'), `m${++tag}`, credential, caps, settings, timeouts.replyMs)) ?? 'unavailable';
        if (caps.includes('LOGINDISABLED')) return 'login-disabled';
        return loginCommand(conn, `m${++tag}`, credential?.username ?? settings.username, credential?.password ?? '', timeouts.replyMs);
      },
      (outcome) => typeof outcome === 'object' && outcome.status === 'NO' && /\[AUTHENTICATIONFAILED\]/i.test(outcome.line),
    );
    if (!signedIn.ok || typeof signedIn.value === 'string') {
      if (!signedIn.ok) login.fail(signedIn.error);
      else if (signedIn.value === 'login-disabled') login.fail(appError('ENCRYPTION_REQUIRED', { command: 'LOGIN' }), 'LOGINDISABLED');
      else login.fail(appError('AUTH_UNAVAILABLE', { command: 'AUTHENTICATE' }), `offered: ${caps.filter((c) => c.startsWith('AUTH=')).join(' ') || 'no AUTH='}`);
      await logout();
      return false;
    }
    const result = signedIn.value;
    if (result.status !== 'OK') {
      login.fail(responseCodeError(result.line, result.status === 'BAD' ? 'PROTOCOL_ERROR' : 'AUTH_FAILED'));
      await logout();
      return false;
    }
    login.pass(result.mechanism ? `${settings.username}, ${result.mechanism}` : settings.username);

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

// The account check's IMAP and POP3 stages with an OAuth2 access token, against scripted servers on
// 127.0.0.1 (the real Dovecot with tokens has its own tests): AUTHENTICATE with SASL-IR or after the
// "+" continuation, the error challenge answered so the server sends its NO / -ERR, one fresh token
// after a refusal, and the token never in the transcript.
import { afterEach, describe, expect, it } from 'vitest';
import type { IncomingSettings } from '../../shared/model';
import { tokenCredential } from '../../src-main/services/credentials';
import { probeImap } from '../../src-main/services/verify/imap-probe';
import { probePop3 } from '../../src-main/services/verify/pop3-probe';
import { VerificationRun } from '../../src-main/services/verify/run';
import { fakeTokens } from '../support/fake-tokens';
import { fakeServer, type FakeServer, type FakeSession } from './pop3-fake-server';

const servers: FakeServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
const timeouts = { connectMs: 2000, replyMs: 2000 };
const CHALLENGE = Buffer.from('{"status":"invalid_token"}').toString('base64');

/** The token inside an XOAUTH2 or OAUTHBEARER initial response. */
const tokenIn = (response: string) =>
  Buffer.from(response, 'base64')
    .toString('utf8')
    .split('\x01')
    .find((field) => field.startsWith('auth=Bearer '))
    ?.slice('auth=Bearer '.length);

const settings = (protocol: 'imap' | 'pop3', port: number): IncomingSettings => ({
  protocol,
  auth: 'oauth2',
  host: '127.0.0.1',
  port,
  security: 'none',
  username: 'alice@mailwright.test',
  saveSentCopy: false,
  leaveOnServerDays: null,
});

/** A small IMAP server: CAPABILITY, AUTHENTICATE (accepting only `accepted`), LIST, LOGOUT. */
async function imapServer(caps: string, accepted: string) {
  const seen: string[] = [];
  const server = await fakeServer(async (s: FakeSession) => {
    s.write('* OK ready\r\n');
    for (;;) {
      const line = await s.nextLine();
      const [tag, command, mechanism, initial] = line.split(' ');
      if (command === 'CAPABILITY') s.write(`* CAPABILITY IMAP4rev1 ${caps}\r\n${tag} OK done\r\n`);
      else if (command === 'AUTHENTICATE') {
        let response = initial;
        if (response === undefined) {
          s.write('+ \r\n');
          response = await s.nextLine();
        }
        const token = tokenIn(response) ?? '';
        seen.push(`${mechanism} ${token}`);
        if (token === accepted) s.write(`${tag} OK Logged in\r\n`);
        else {
          s.write(`+ ${CHALLENGE}\r\n`);
          seen.push(`answer "${await s.nextLine()}"`);
          s.write(`${tag} NO [AUTHENTICATIONFAILED] Authentication failed.\r\n`);
        }
      } else if (command === 'LIST') s.write(`* LIST (\\HasNoChildren) "/" INBOX\r\n${tag} OK done\r\n`);
      else if (command === 'LOGOUT') {
        s.write(`* BYE\r\n${tag} OK bye\r\n`);
        s.socket.end();
        return;
      } else s.write(`${tag} BAD what\r\n`);
    }
  });
  servers.push(server);
  return { port: server.port, seen };
}

describe('IMAP check with an access token', () => {
  it('AUTHENTICATE OAUTHBEARER with the initial response (SASL-IR); the transcript names the mechanism, not the token', async () => {
    const server = await imapServer('AUTH=PLAIN AUTH=XOAUTH2 AUTH=OAUTHBEARER SASL-IR', 'tok-good');
    const run = new VerificationRun();
    expect(await probeImap(run, settings('imap', server.port), tokenCredential(fakeTokens(['tok-good']), 'g', 'alice@mailwright.test'), {}, timeouts)).toBe(true);
    const report = run.report();
    expect(report.stages.find((s) => s.name === 'login')).toMatchObject({ status: 'passed', summary: 'alice@mailwright.test, OAUTHBEARER' });
    expect(server.seen).toEqual(['OAUTHBEARER tok-good']);
    expect(report.transcript.map((l) => l.text)).toContain('m2 AUTHENTICATE OAUTHBEARER [redacted]');
    expect(JSON.stringify(report)).not.toContain('tok-good');
  });

  it('without SASL-IR the response follows the "+"; a refused token gets the empty answer, the NO, and one fresh token', async () => {
    const server = await imapServer('AUTH=XOAUTH2', 'tok-fresh');
    const tokens = fakeTokens(['tok-stale', 'tok-fresh']);
    const run = new VerificationRun();
    expect(await probeImap(run, settings('imap', server.port), tokenCredential(tokens, 'g', 'alice@mailwright.test'), {}, timeouts)).toBe(true);
    expect(server.seen).toEqual(['XOAUTH2 tok-stale', 'answer ""', 'XOAUTH2 tok-fresh']);
    expect(tokens.refusedTokens).toEqual(['tok-stale']);
    const lines = run.report().transcript.map((l) => `${l.dir} ${l.text}`);
    expect(lines).toEqual(expect.arrayContaining(['client m2 AUTHENTICATE XOAUTH2', 'client [redacted]', 'info error challenge: {"status":"invalid_token"}', 'client (empty response)']));
    expect(JSON.stringify(run.report())).not.toMatch(/tok-stale|tok-fresh/);
  });

  it('a fresh token refused too: the login stage fails with AUTH_FAILED after exactly two attempts', async () => {
    const server = await imapServer('AUTH=OAUTHBEARER SASL-IR', 'never');
    const tokens = fakeTokens(['t1', 't2', 't3']);
    const run = new VerificationRun();
    expect(await probeImap(run, settings('imap', server.port), tokenCredential(tokens, 'g', 'alice@mailwright.test'), {}, timeouts)).toBe(false);
    expect(run.report().stages.find((s) => s.name === 'login')).toMatchObject({ status: 'failed', error: { code: 'AUTH_FAILED' } });
    expect(server.seen).toEqual(['OAUTHBEARER t1', 'answer "AQ=="', 'OAUTHBEARER t2', 'answer "AQ=="']);
    expect(tokens.refusedTokens).toEqual(['t1', 't2']);
  });

  it('a server offering neither mechanism: AUTH_UNAVAILABLE and no token sent', async () => {
    const server = await imapServer('AUTH=PLAIN', 'x');
    const run = new VerificationRun();
    expect(await probeImap(run, settings('imap', server.port), tokenCredential(fakeTokens(['x']), 'g', 'alice@mailwright.test'), {}, timeouts)).toBe(false);
    expect(run.report().stages.find((s) => s.name === 'login')).toMatchObject({ status: 'failed', error: { code: 'AUTH_UNAVAILABLE' } });
    expect(server.seen).toEqual([]);
  });
});

describe('POP3 check with an access token', () => {
  it('AUTH XOAUTH2; a refused token is answered, reported, and one fresh token signs in', async () => {
    const seen: string[] = [];
    const server = await fakeServer(async (s) => {
      s.write('+OK ready\r\n');
      for (;;) {
        const line = await s.nextLine();
        if (line === 'CAPA') s.write('+OK\r\nUSER\r\nSASL PLAIN XOAUTH2\r\n.\r\n');
        else if (line.startsWith('AUTH XOAUTH2 ')) {
          const token = tokenIn(line.slice(13));
          seen.push(`${token}`);
          if (token === 'tok-fresh') s.write('+OK Logged in.\r\n');
          else {
            s.write(`+ ${CHALLENGE}\r\n`);
            seen.push(`answer "${await s.nextLine()}"`);
            s.write('-ERR [AUTH] Authentication failed.\r\n');
          }
        } else if (line === 'STAT') s.write('+OK 0 0\r\n');
        else if (line === 'QUIT') s.write('+OK bye\r\n');
        else s.write('-ERR what\r\n');
      }
    });
    servers.push(server);
    const tokens = fakeTokens(['tok-stale', 'tok-fresh']);
    const run = new VerificationRun();
    expect(await probePop3(run, settings('pop3', server.port), tokenCredential(tokens, 'g', 'alice@mailwright.test'), {}, timeouts)).toBe(true);
    expect(seen).toEqual(['tok-stale', 'answer ""', 'tok-fresh']);
    expect(tokens.refusedTokens).toEqual(['tok-stale']);
    const report = run.report();
    expect(report.stages.find((s) => s.name === 'login')).toMatchObject({ status: 'passed', summary: 'alice@mailwright.test, XOAUTH2' });
    expect(report.transcript.map((l) => `${l.dir} ${l.text}`)).toEqual(expect.arrayContaining(['client AUTH XOAUTH2 [redacted]', 'info error challenge: {"status":"invalid_token"}']));
    expect(JSON.stringify(report)).not.toMatch(/tok-stale|tok-fresh/);
  });
});

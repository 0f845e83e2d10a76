// openImap with an OAuth2 access token, through imapflow, against a scripted IMAP server on
// 127.0.0.1: imapflow's AUTHENTICATE carries the token; AUTHENTICATIONFAILED drops the token and ONE
// new connection is made with a fresh one; a password is never retried. (Real Dovecot with tokens
// has its own tests.)
import { afterEach, describe, expect, it } from 'vitest';
import { passwordCredential, tokenCredential } from '../../src-main/services/credentials';
import { closeImap, openImap } from '../../src-main/services/mail/imap-connection';
import type { StoredAccount } from '../../src-main/services/settings-store';
import { fakeTokens } from '../support/fake-tokens';
import { fakeServer, type FakeServer } from './pop3-fake-server';

const servers: FakeServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

const tokenIn = (response: string) =>
  Buffer.from(response, 'base64')
    .toString('utf8')
    .split('\x01')
    .find((field) => field.startsWith('auth=Bearer '))
    ?.slice('auth=Bearer '.length);

/** Accepts AUTHENTICATE with `accepted` and LOGIN with the password "right"; OK to anything else. */
async function imapServer(accepted: string) {
  const seen: string[] = [];
  const server = await fakeServer(async (s) => {
    s.write('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=OAUTHBEARER AUTH=XOAUTH2 SASL-IR] ready\r\n');
    for (;;) {
      const line = await s.nextLine();
      const [tag, command, mechanism, initial] = line.split(' ');
      const upper = (command ?? '').toUpperCase();
      if (upper === 'CAPABILITY') s.write(`* CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=OAUTHBEARER AUTH=XOAUTH2 SASL-IR\r\n${tag} OK done\r\n`);
      else if (upper === 'AUTHENTICATE') {
        const token = tokenIn(initial ?? '') ?? '';
        seen.push(`${mechanism} ${token}`);
        if (token === accepted) s.write(`${tag} OK Logged in\r\n`);
        else {
          s.write(`+ ${Buffer.from('{"status":"invalid_token"}').toString('base64')}\r\n`);
          await s.nextLine();
          s.write(`${tag} NO [AUTHENTICATIONFAILED] Authentication failed.\r\n`);
        }
      } else if (upper === 'LOGIN') {
        seen.push(`LOGIN ${line.split(' ').slice(2).join(' ')}`);
        s.write(line.endsWith('"right"') || line.endsWith(' right') ? `${tag} OK Logged in\r\n` : `${tag} NO [AUTHENTICATIONFAILED] Authentication failed.\r\n`);
      } else if (upper === 'LOGOUT') {
        s.write(`* BYE\r\n${tag} OK bye\r\n`);
        s.socket.end();
        return;
      } else s.write(`${tag} OK done\r\n`);
    }
  });
  servers.push(server);
  return { port: server.port, seen };
}

const account = (port: number): StoredAccount => ({
  id: 'acct-1',
  description: '',
  email: 'alice@mailwright.test',
  displayName: '',
  smtp: { host: '127.0.0.1', port: 1, security: 'none', auth: 'oauth2', username: 'alice@mailwright.test' },
  incoming: { protocol: 'imap', auth: 'oauth2', host: '127.0.0.1', port, security: 'none', username: 'alice@mailwright.test', saveSentCopy: false, leaveOnServerDays: null },
  signature: '',
  identities: [],
  oauth: null,
  createdAt: '',
  updatedAt: '',
});
const options = { timeoutMs: 3000, socketTimeoutMs: 3000 };

describe('openImap with an access token', () => {
  it('signs in with the token, and after AUTHENTICATIONFAILED makes ONE new connection with a fresh token', async () => {
    const server = await imapServer('tok-fresh');
    const tokens = fakeTokens(['tok-stale', 'tok-fresh']);
    const opened = await openImap({ account: account(server.port), ...tokenCredential(tokens, 'acct-1', 'alice@mailwright.test'), extraCertificateAuthorities: [] }, options);
    expect(opened.ok, JSON.stringify(opened)).toBe(true);
    if (opened.ok) await closeImap(opened.value);
    expect(server.seen).toEqual(['OAUTHBEARER tok-stale', 'OAUTHBEARER tok-fresh']);
    expect(tokens.refusedTokens).toEqual(['tok-stale']);
  });

  it('a fresh token refused too is AUTH_FAILED after exactly two connections', async () => {
    const server = await imapServer('never');
    const tokens = fakeTokens(['t1', 't2', 't3']);
    const opened = await openImap({ account: account(server.port), ...tokenCredential(tokens, 'acct-1', 'alice@mailwright.test'), extraCertificateAuthorities: [] }, options);
    expect(opened).toMatchObject({ ok: false, error: { code: 'AUTH_FAILED' } });
    expect(server.seen).toEqual(['OAUTHBEARER t1', 'OAUTHBEARER t2']);
  });

  it('a refused password is not retried', async () => {
    const server = await imapServer('x');
    const opened = await openImap({ account: account(server.port), ...passwordCredential('alice', 'wrong'), extraCertificateAuthorities: [] }, options);
    expect(opened).toMatchObject({ ok: false, error: { code: 'AUTH_FAILED' } });
    // imapflow signs in with AUTHENTICATE PLAIN here: one attempt, no token.
    expect(server.seen).toEqual(['PLAIN ']);
  });
});

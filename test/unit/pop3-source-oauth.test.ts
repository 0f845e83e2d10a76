// The POP3 mail source with an OAuth2 access token, against a scripted POP3 server on 127.0.0.1:
// AUTH XOAUTH2, and after -ERR [AUTH] to a token ONE new session with a fresh token.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tokenCredential } from '../../src-main/services/credentials';
import { createPop3Source } from '../../src-main/services/mail/pop3-source';
import type { StoredAccount } from '../../src-main/services/settings-store';
import { fakeTokens } from '../support/fake-tokens';
import { fakeServer, type FakeServer } from './pop3-fake-server';

const servers: FakeServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const tokenIn = (response: string) =>
  Buffer.from(response, 'base64')
    .toString('utf8')
    .split('\x01')
    .find((field) => field.startsWith('auth=Bearer '))
    ?.slice('auth=Bearer '.length);

async function pop3Server(accepted: string) {
  const seen: string[] = [];
  const server = await fakeServer(async (s) => {
    s.write('+OK ready\r\n');
    for (;;) {
      const line = await s.nextLine();
      if (line === 'CAPA') s.write('+OK\r\nUSER\r\nUIDL\r\nSASL PLAIN XOAUTH2 OAUTHBEARER\r\n.\r\n');
      else if (line.startsWith('AUTH XOAUTH2 ')) {
        const token = tokenIn(line.slice(13)) ?? '';
        seen.push(token);
        if (token === accepted) s.write('+OK Logged in.\r\n');
        else {
          s.write(`+ ${Buffer.from('{"status":"401"}').toString('base64')}\r\n`);
          await s.nextLine();
          s.write('-ERR [AUTH] Authentication failed.\r\n');
        }
      } else if (line === 'UIDL') s.write('+OK\r\n.\r\n');
      else if (line === 'QUIT') {
        s.write('+OK bye\r\n');
        s.socket.end();
        return;
      } else s.write('-ERR what\r\n');
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
  incoming: { protocol: 'pop3', auth: 'oauth2', host: '127.0.0.1', port, security: 'none', username: 'alice@mailwright.test', saveSentCopy: false, leaveOnServerDays: null },
  signature: '',
  identities: [],
  oauth: null,
  createdAt: '',
  updatedAt: '',
});

async function refreshWith(port: number, tokens: ReturnType<typeof fakeTokens>) {
  const dir = mkdtempSync(join(tmpdir(), 'mailwright-pop3-oauth-'));
  dirs.push(dir);
  const source = createPop3Source(
    {
      account: account(port),
      ...tokenCredential(tokens, 'acct-1', 'alice@mailwright.test'),
      extraCertificateAuthorities: [],
      onChange: () => undefined,
      onStatus: () => undefined,
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    },
    { dir, pollMs: 0, timeoutMs: 3000 },
  );
  try {
    return await source.refresh();
  } finally {
    await source.close();
  }
}

describe('POP3 source with an access token', () => {
  it('a refused token is dropped and ONE new session with a fresh token gets the mail', async () => {
    const server = await pop3Server('tok-fresh');
    const tokens = fakeTokens(['tok-stale', 'tok-fresh']);
    expect(await refreshWith(server.port, tokens)).toEqual({ ok: true, value: { newMessages: 0 } });
    expect(server.seen).toEqual(['tok-stale', 'tok-fresh']);
    expect(tokens.refusedTokens).toEqual(['tok-stale']);
  });

  it('a fresh token refused too: AUTH_FAILED after exactly two sessions', async () => {
    const server = await pop3Server('never');
    const tokens = fakeTokens(['t1', 't2', 't3']);
    expect(await refreshWith(server.port, tokens)).toMatchObject({ ok: false, error: { code: 'AUTH_FAILED' } });
    expect(server.seen).toEqual(['t1', 't2']);
  });

  it('no grant: SIGN_IN_REQUIRED, no connection', async () => {
    const server = await pop3Server('x');
    expect(await refreshWith(server.port, fakeTokens([]))).toMatchObject({ ok: false, error: { code: 'SIGN_IN_REQUIRED' } });
    expect(server.seen).toEqual([]);
  });
});

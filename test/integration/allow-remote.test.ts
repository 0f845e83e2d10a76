/**
 * mail:allowRemote answers with the message view its own contract promises (MessageViewSchema):
 * every reply, for both scopes, on IMAP and POP3 accounts, for a message with and without a
 * sender, runs through the channel's response schema. The router is wrapped by checkReplies, the
 * general guard, so any other channel used here that answers off-schema fails too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS, type Channel } from '../../shared/ipc';
import type { MessagePage } from '../../shared/mail';
import type { Account } from '../../shared/model';
import { startBackend, type StartedBackend } from '../support/backend';
import { withImap } from '../support/clients';
import { startMailServers, type MailServers } from '../support/mail-servers';

let servers: MailServers;
let app: StartedBackend;
let dir: string;

beforeAll(async () => {
  servers = await startMailServers();
  dir = mkdtempSync(join(tmpdir(), 'mailwright-allow-remote-'));
  app = await startBackend(dir, { ca: servers.ca, mail: { pop3PollMs: 0 } });
}, 90_000);
afterAll(async () => {
  await app?.close();
  await servers?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const value = <T,>(channel: Channel, request: unknown): Promise<T> => app.value<T>(channel, request);

const html = (subject: string, from: string | null) =>
  `${from ? `From: ${from}\r\n` : ''}To: someone@mailwright.test\r\nSubject: ${subject}\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hi <img src="https://tracker.example/pixel.png" alt=""></p>\r\n`;

async function account(protocol: 'imap' | 'pop3', userIndex: number): Promise<Account> {
  const user = servers.users[userIndex]!;
  return value<Account>('accounts:save', {
    account: {
      description: protocol,
      email: user.address,
      displayName: '',
      smtp: { host: servers.host, port: servers.submission.tlsPort, security: 'tls', auth: 'password', username: user.username },
      incoming: { protocol, host: servers.host, port: servers[protocol].tlsPort, security: 'tls', username: user.username },
    },
    password: user.password,
    incomingPassword: user.password,
  });
}

describe('mail:allowRemote', () => {
  it.each(['imap', 'pop3'] as const)('every reply matches its own schema (%s)', async (protocol) => {
    const userIndex = protocol === 'imap' ? 0 : 1;
    const stamp = `${protocol} ${Date.now()}`;
    await withImap(servers, servers.users[userIndex]!, async (client) => {
      await client.append('INBOX', html(`remote one ${stamp}`, 'Bob <bob@mailwright.test>'));
      await client.append('INBOX', html(`remote two ${stamp}`, 'Carol <carol@mailwright.test>'));
      await client.append('INBOX', html(`remote anonymous ${stamp}`, null));
    });
    const acct = await account(protocol, userIndex);
    if (protocol === 'pop3') expect(await value<{ newMessages: number }>('mail:refresh', { accountId: acct.id })).toMatchObject({ newMessages: expect.any(Number) });
    const page = await value<MessagePage>('mail:search', { accountId: acct.id, folder: 'INBOX', query: stamp, field: 'subject' });
    expect(page.messages).toHaveLength(3);
    const uid = (word: string) => page.messages.find((m) => m.subject.includes(word))!.uid;
    const cases = [
      { uid: uid('one'), scope: 'message' },
      { uid: uid('two'), scope: 'sender' },
      { uid: uid('anonymous'), scope: 'sender' },
    ] as const;
    for (const c of cases) {
      const reply = await value<unknown>('mail:allowRemote', { accountId: acct.id, folder: 'INBOX', uid: c.uid, scope: c.scope });
      const parsed = CHANNELS['mail:allowRemote'].response.parse(reply);
      expect(parsed.ref).toEqual({ accountId: acct.id, folder: 'INBOX', uid: c.uid });
      expect(parsed.remoteContent.allowed).toBe(true);
    }
    expect(app.router.offSchema).toEqual([]);
  }, 60_000);
});

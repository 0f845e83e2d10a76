/**
 * The send path end to end below the UI: the same router and handlers the app registers, against
 * real Postfix (submission, STARTTLS and implicit TLS, SASL through Dovecot) delivering into
 * Dovecot, and each message read back over IMAP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type AddressObject } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account, SendReceipt } from '../../shared/model';
import type { Result } from '../../shared/result';
import { createBackend, type Backend } from '../../src-main/backend';
import { createSenderPolicy, type IpcSender } from '../../src-main/ipc/router';
import { silentLogger } from '../../src-main/services/logger';
import { createAppKeyCipher, openSecretFileInFolder } from '../../src-main/services/secrets';
import { openSettingsInFolder } from '../../src-main/services/settings-store';
import { everyFileUnder } from '../support/files';
import { waitForMessage } from '../support/imap-read';
import { startMailServers, type MailServers } from '../support/mail-servers';

const ORIGIN = 'app://mailwright';
const sender: IpcSender = { contentsId: 1, isMainFrame: true, url: `${ORIGIN}/index.html` };

let servers: MailServers;
const dirs: string[] = [];

beforeAll(async () => {
  servers = await startMailServers();
}, 90_000);
afterAll(async () => {
  await servers?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function backend(options: { trustTestCa?: boolean } = {}): { backend: Backend; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mailwright-int-'));
  dirs.push(dir);
  return {
    dir,
    backend: createBackend({
      settings: openSettingsInFolder(dir, '0.2.0'),
      secretFile: openSecretFileInFolder(dir),
      cipher: createAppKeyCipher(dir),
      logger: silentLogger,
      app: { version: '0.2.0', platform: process.platform },
      smtp: { extraCertificateAuthorities: options.trustTestCa === false ? [] : [servers.ca], timeouts: { connectMs: 5000, greetingMs: 5000, socketMs: 10000 } },
      isTrustedSender: createSenderPolicy({ appOrigin: ORIGIN, contentsIds: () => [1] }),
      emit: () => {},
    }),
  };
}

async function addAccount(b: Backend, security: 'tls' | 'starttls', password: string): Promise<Account> {
  const alice = servers.users[0]!;
  const port = security === 'tls' ? servers.submission.tlsPort : servers.submission.starttlsPort;
  const result = (await b.router.handle(sender, 'accounts:save', {
    account: {
      description: `Alice ${security}`,
      email: alice.address,
      displayName: 'Alice Liddell',
      smtp: { host: servers.host, port, security, auth: 'password', username: alice.username },
    },
    password,
  })) as Result<Account>;
  if (!result.ok) throw new Error(`account not saved: ${result.error.code}`);
  return result.value;
}

const send = (b: Backend, message: Record<string, unknown>) => b.router.handle(sender, 'mail:send', message) as Promise<Result<SendReceipt>>;
const addressesOf = (a: AddressObject | AddressObject[] | undefined) => (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value.map((v) => v.address));

describe.each(['starttls', 'tls'] as const)('sending through Postfix with %s', (security) => {
  it('delivers the message exactly as sent, with Bcc only in the envelope', async () => {
    const [alice, bob, carol] = [servers.users[0]!, servers.users[1]!, servers.users[2]!];
    const { backend: b, dir } = backend();
    const account = await addAccount(b, security, alice.password);
    const tag = `${security}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const subject = `Grüße ${tag}`;
    const text = `Ref ${tag}\n.\nA dot-only line above, and ünïcödé.\n`;
    const result = await send(b, { accountId: account.id, to: [bob.address], cc: [alice.address], bcc: [carol.address], subject, text });
    expect(result.ok, JSON.stringify(result)).toBe(true);
    if (!result.ok) return;
    expect(result.value.serverReply).toMatch(/^250 /);
    expect(result.value.accepted.sort()).toEqual([alice.address, bob.address, carol.address].sort());
    expect(result.value.refused).toEqual([]);

    const raw = await waitForMessage(servers, bob, (s) => s.includes(tag), 10_000);
    const mail = await simpleParser(raw);
    expect(mail.subject).toBe(subject);
    expect(mail.text?.replace(/\r\n/g, '\n')).toBe(text);
    expect(mail.from?.value).toEqual([{ name: 'Alice Liddell', address: alice.address }]);
    expect(addressesOf(mail.to)).toEqual([bob.address]);
    expect(addressesOf(mail.cc)).toEqual([alice.address]);
    expect(mail.messageId).toBe(result.value.messageId);
    expect(mail.headers.has('bcc')).toBe(false);
    expect(raw).not.toContain(carol.address);
    await waitForMessage(servers, carol, (s) => s.includes(tag), 10_000);

    const files = everyFileUnder(dir);
    expect(files).not.toContain(alice.password);
    expect(files).not.toContain(Buffer.from(alice.password).toString('base64'));
  });

  it('explains a wrong password as an authentication failure with the server reply', async () => {
    const { backend: b } = backend();
    const account = await addAccount(b, security, `${servers.users[0]!.password}x`);
    const result = await send(b, { accountId: account.id, to: [servers.users[1]!.address], cc: [], bcc: [], subject: 'x', text: 'x' });
    expect(result).toMatchObject({ ok: false, error: { code: 'AUTH_FAILED', detail: { responseCode: 535, command: expect.stringMatching(/^AUTH /) } } });
    expect(JSON.stringify(result)).not.toContain(servers.users[0]!.password);
  });

  it('refuses a server certificate from an authority the app does not trust', async () => {
    const { backend: b } = backend({ trustTestCa: false });
    const account = await addAccount(b, security, servers.users[0]!.password);
    const result = await send(b, { accountId: account.id, to: [servers.users[1]!.address], cc: [], bcc: [], subject: 'x', text: 'x' });
    expect(result).toMatchObject({ ok: false, error: { code: 'TLS_UNTRUSTED_CERTIFICATE' } });
  });
});

describe('sending errors that are not about the server', () => {
  it('reports an unknown account and a refused connection in our codes', async () => {
    const { backend: b } = backend();
    const unknown = await send(b, { accountId: crypto.randomUUID(), to: ['bob@example.com'], cc: [], bcc: [], subject: 'x', text: 'x' });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'ACCOUNT_NOT_FOUND' } });

    const saved = (await b.router.handle(sender, 'accounts:save', {
      account: { description: 'Closed', email: 'a@example.com', displayName: '', smtp: { host: '127.0.0.1', port: 1, security: 'tls', auth: 'none', username: '' } },
    })) as Result<Account>;
    if (!saved.ok) throw new Error(saved.error.code);
    const refused = await send(b, { accountId: saved.value.id, to: ['bob@example.com'], cc: [], bcc: [], subject: 'x', text: 'x' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'CONNECTION_REFUSED' } });
  });
});

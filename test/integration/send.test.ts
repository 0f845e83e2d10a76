/**
 * The send path end to end below the UI: the same router and handlers the app registers, against
 * real Postfix (submission, STARTTLS and implicit TLS, SASL through Dovecot) delivering into
 * Dovecot, and each message read back over IMAP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { simpleParser, type AddressObject } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../shared/model';
import type { OutboxJobView } from '../../shared/outbox';
import type { Result } from '../../shared/result';
import { startBackend, type StartedBackend } from '../support/backend';
import { everyFileUnder } from '../support/files';
import { waitForMessage } from '../support/imap-read';
import { startMailServers, type MailServers } from '../support/mail-servers';

let servers: MailServers;
const dirs: string[] = [];

beforeAll(async () => {
  servers = await startMailServers();
}, 90_000);
afterAll(async () => {
  await servers?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const backends: StartedBackend[] = [];
afterAll(async () => {
  for (const b of backends) await b.close();
});

/** Jobs as the renderer would see them through 'outbox:changed'. */
const events: OutboxJobView[] = [];

async function backend(options: { trustTestCa?: boolean } = {}): Promise<{ backend: StartedBackend; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'mailwright-int-'));
  dirs.push(dir);
  const b = await startBackend(dir, {
    undoSeconds: 0,
    outbox: { retry: { baseMs: 200, maxMs: 400, maxAttempts: 2 } },
    smtp: { extraCertificateAuthorities: options.trustTestCa === false ? [] : [servers.ca], timeouts: { connectMs: 5000, greetingMs: 5000, socketMs: 10000 } },
    emit: (event, payload) => {
      if (event === 'outbox:changed') events.push(payload as OutboxJobView);
    },
  });
  backends.push(b);
  return { dir, backend: b };
}

async function addAccount(b: StartedBackend, security: 'tls' | 'starttls', password: string): Promise<Account> {
  const alice = servers.users[0]!;
  const port = security === 'tls' ? servers.submission.tlsPort : servers.submission.starttlsPort;
  const result = (await b.call('accounts:save', {
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

/** Sends through the outbox, as the compose window does, and waits until the job settles. */
async function send(b: StartedBackend, m: { accountId: string; to: string[]; cc: string[]; bcc: string[]; subject: string; text: string }): Promise<OutboxJobView> {
  const draft = { accountId: m.accountId, to: m.to.join(', '), cc: m.cc.join(', '), bcc: m.bcc.join(', '), subject: m.subject, body: { mode: 'plain', html: '', text: m.text }, attachments: [] };
  const queued = (await b.call('outbox:enqueue', { draft })) as Result<OutboxJobView>;
  if (!queued.ok) throw new Error(`not queued: ${JSON.stringify(queued.error)}`);
  for (let i = 0; i < 200; i++) {
    const latest = [...events].reverse().find((j) => j.id === queued.value.id);
    if (latest && ['sent', 'failed', 'uncertain'].includes(latest.state)) return latest;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the job did not settle within 10 s');
}
const addressesOf = (a: AddressObject | AddressObject[] | undefined) => (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value.map((v) => v.address));

describe.each(['starttls', 'tls'] as const)('sending through Postfix with %s', (security) => {
  it('delivers the message exactly as sent, with Bcc only in the envelope', async () => {
    const [alice, bob, carol] = [servers.users[0]!, servers.users[1]!, servers.users[2]!];
    const { backend: b, dir } = await backend();
    const account = await addAccount(b, security, alice.password);
    const tag = `${security}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const subject = `Grüße ${tag}`;
    const text = `Ref ${tag}\n.\nA dot-only line above, and ünïcödé.\n`;
    const job = await send(b, { accountId: account.id, to: [bob.address], cc: [alice.address], bcc: [carol.address], subject, text });
    expect(job.state, JSON.stringify(job)).toBe('sent');
    expect(job.lastReply).toMatch(/^250 /);
    expect(job.refused).toEqual([]);

    const raw = await waitForMessage(servers, bob, (s) => s.includes(tag), 10_000);
    const mail = await simpleParser(raw);
    expect(mail.subject).toBe(subject);
    expect(mail.text?.replace(/\r\n/g, '\n')).toBe(text);
    expect(mail.from?.value).toEqual([{ name: 'Alice Liddell', address: alice.address }]);
    expect(addressesOf(mail.to)).toEqual([bob.address]);
    expect(addressesOf(mail.cc)).toEqual([alice.address]);
    expect(mail.messageId).toBe(job.messageId);
    expect(mail.headers.has('bcc')).toBe(false);
    expect(raw).not.toContain(carol.address);
    await waitForMessage(servers, carol, (s) => s.includes(tag), 10_000);

    const files = everyFileUnder(dir);
    expect(files).not.toContain(alice.password);
    expect(files).not.toContain(Buffer.from(alice.password).toString('base64'));
  });

  it('explains a wrong password as an authentication failure with the server reply, and does not retry', async () => {
    const { backend: b } = await backend();
    const account = await addAccount(b, security, `${servers.users[0]!.password}x`);
    const job = await send(b, { accountId: account.id, to: [servers.users[1]!.address], cc: [], bcc: [], subject: 'x', text: 'x' });
    expect(job).toMatchObject({ state: 'failed', attempts: 1, lastError: { code: 'AUTH_FAILED', detail: { responseCode: 535, command: expect.stringMatching(/^AUTH /) } } });
    expect(JSON.stringify(job)).not.toContain(servers.users[0]!.password);
  });

  it('refuses a server certificate from an authority the app does not trust', async () => {
    const { backend: b } = await backend({ trustTestCa: false });
    const account = await addAccount(b, security, servers.users[0]!.password);
    const job = await send(b, { accountId: account.id, to: [servers.users[1]!.address], cc: [], bcc: [], subject: 'x', text: 'x' });
    expect(job).toMatchObject({ state: 'failed', lastError: { code: 'TLS_UNTRUSTED_CERTIFICATE' } });
  });
});

describe('the Sent copy after sending', () => {
  it('files the sent message once in the IMAP Sent folder of an account that reads over IMAP', async () => {
    const [alice, bob] = [servers.users[0]!, servers.users[1]!];
    const { backend: b } = await backend();
    const saved = (await b.call('accounts:save', {
      account: {
        description: 'Alice with IMAP',
        email: alice.address,
        displayName: 'Alice',
        smtp: { host: servers.host, port: servers.submission.tlsPort, security: 'tls', auth: 'password', username: alice.username },
        incoming: { protocol: 'imap', host: servers.host, port: servers.imap.tlsPort, security: 'tls', username: alice.username, saveSentCopy: true, leaveOnServerDays: 14 },
      },
      password: alice.password,
      incomingPassword: alice.password,
    })) as Result<Account>;
    if (!saved.ok) throw new Error(saved.error.code);
    const tag = `sent-copy-${Date.now()}`;
    const job = await send(b, { accountId: saved.value.id, to: [bob.address], cc: [], bcc: [], subject: tag, text: `Ref ${tag}` });
    expect(job.state).toBe('sent');
    const client = new ImapFlow({ host: servers.host, port: servers.imap.tlsPort, secure: true, auth: { user: alice.username, pass: alice.password }, tls: { ca: [servers.ca] }, logger: false });
    await client.connect();
    try {
      let count = 0;
      for (let i = 0; i < 50 && count === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        if (!(await client.list()).some((f) => f.path === 'Sent')) continue;
        const lock = await client.getMailboxLock('Sent');
        try {
          count = ((await client.search({ header: { 'message-id': job.messageId } }, { uid: true })) || []).length;
        } finally {
          lock.release();
        }
      }
      expect(count).toBe(1);
    } finally {
      await client.logout();
    }
  });
});

describe('sending errors that are not about the server', () => {
  it('reports an unknown account and a refused connection in our codes', async () => {
    const { backend: b } = await backend();
    const unknown = await b.call('outbox:enqueue', {
      draft: { accountId: crypto.randomUUID(), to: 'bob@example.com', cc: '', bcc: '', subject: 'x', body: { mode: 'plain', html: '', text: 'x' }, attachments: [] },
    });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'ACCOUNT_NOT_FOUND' } });

    const saved = (await b.call('accounts:save', {
      account: { description: 'Closed', email: 'a@example.com', displayName: '', smtp: { host: '127.0.0.1', port: 1, security: 'tls', auth: 'none', username: '' } },
    })) as Result<Account>;
    if (!saved.ok) throw new Error(saved.error.code);
    const refused = await send(b, { accountId: saved.value.id, to: ['bob@example.com'], cc: [], bcc: [], subject: 'x', text: 'x' });
    // Temporary: retried (twice here), then given up with the reason.
    expect(refused).toMatchObject({ state: 'failed', attempts: 2, lastError: { code: 'CONNECTION_REFUSED' } });
  });
});

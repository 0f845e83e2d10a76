/**
 * A stored password goes only to the server it was stored for, on real servers: Postfix and
 * Dovecot hold the real account; an in-process SMTP server and a small POP3 listener play "the
 * other host" and record every sign-in they are offered. Verifying another server with the
 * account's id, saving a changed server without a new password, and a settings file edited to
 * point elsewhere must never bring the stored password there.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Folder } from '../../shared/mail';
import type { Account, AccountInput } from '../../shared/model';
import type { OutboxJobView as OutboxJob } from '../../shared/outbox';
import type { AppError, Result } from '../../shared/result';
import type { VerifyReport } from '../../shared/verify';
import { startBackend, type StartedBackend } from '../support/backend';
import { everyFileUnder } from '../support/files';
import { waitForMessage } from '../support/imap-read';
import { startMailServers, type MailServers } from '../support/mail-servers';
import { until } from '../support/outbox-fixtures';

let servers: MailServers;
const folders: string[] = [];
const backends: StartedBackend[] = [];

/** "The other host": accepts any AUTH over plain text and records it. */
const offered: Array<{ username: string; password: string }> = [];
let recorder: SMTPServer;
let recorderPort: number;
/** A POP3 listener without TLS that records every line it is sent (USER, PASS ...). */
const pop3Lines: string[] = [];
let pop3: Server;
let pop3Port: number;

beforeAll(async () => {
  servers = await startMailServers();
  recorder = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth: (auth, _session, callback) => {
      offered.push({ username: auth.username ?? '', password: auth.password ?? '' });
      callback(null, { user: auth.username });
    },
    onData: (stream, _session, callback) => {
      stream.resume();
      stream.on('end', () => callback());
    },
  });
  await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
  recorderPort = (recorder.server.address() as AddressInfo).port;
  pop3 = createServer((socket) => {
    socket.write('+OK fake POP3\r\n');
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      for (let end = buffer.indexOf('\r\n'); end >= 0; end = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        pop3Lines.push(line);
        const verb = line.split(' ')[0]!.toUpperCase();
        if (verb === 'CAPA') socket.write('+OK\r\nUSER\r\n.\r\n');
        else if (verb === 'USER') socket.write('+OK\r\n');
        else if (verb === 'QUIT') socket.end('+OK\r\n');
        else socket.write('-ERR no\r\n');
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => pop3.listen(0, '127.0.0.1', resolve));
  pop3Port = (pop3.address() as AddressInfo).port;
}, 90_000);

afterAll(async () => {
  for (const backend of backends) await backend.close();
  await new Promise<void>((resolve) => recorder?.close(() => resolve()));
  await new Promise<void>((resolve) => pop3?.close(() => resolve()));
  await servers?.stop();
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

interface Harness extends StartedBackend {
  dir: string;
  jobs: Map<string, OutboxJob>;
}

async function open(dir = mkdtempSync(join(tmpdir(), 'mailwright-secure-'))): Promise<Harness> {
  if (!folders.includes(dir)) folders.push(dir);
  const jobs = new Map<string, OutboxJob>();
  const started = await startBackend(dir, {
    ca: servers.ca,
    undoSeconds: 0,
    mail: { pop3PollMs: 0 },
    verify: { extraCertificateAuthorities: [servers.ca], timeouts: { connectMs: 3000, replyMs: 3000 } },
    outbox: { retry: { baseMs: 50, maxMs: 200, maxAttempts: 1, jitter: 0 } },
    emit: (event, payload) => {
      if (event === 'outbox:changed') jobs.set((payload as OutboxJob).id, payload as OutboxJob);
    },
  });
  backends.push(started);
  return {
    ...started,
    dir,
    jobs,
    close: async () => {
      backends.splice(backends.indexOf(started), 1);
      await started.close();
    },
  };
}

const alice = () => servers.users[0]!;
/** Alice at the real Postfix (implicit TLS) and Dovecot, unless told otherwise. */
function input(overrides: { smtp?: Partial<AccountInput['smtp']>; incoming?: Partial<NonNullable<AccountInput['incoming']>> | null } = {}): AccountInput {
  return {
    description: 'Alice',
    email: alice().address,
    displayName: 'Alice',
    smtp: { host: servers.host, port: servers.submission.tlsPort, security: 'tls', auth: 'password', username: alice().username, ...overrides.smtp },
    incoming:
      overrides.incoming === null
        ? null
        : { protocol: 'imap', auth: 'password', host: servers.host, port: servers.imap.tlsPort, security: 'tls', username: alice().username, saveSentCopy: false, leaveOnServerDays: 14, ...overrides.incoming },
    signature: '',
    identities: [], oauth: null,
  };
}
const errorOf = <T,>(r: Result<T>): AppError | undefined => (r.ok ? undefined : r.error);
const neverOffered = () => {
  expect(offered.map((o) => o.password)).not.toContain(alice().password);
  expect(pop3Lines.join('\n')).not.toContain(alice().password);
};
const storedFiles = (dir: string) => ({ settings: readFileSync(join(dir, 'settings.json'), 'utf8'), secrets: readFileSync(join(dir, 'secrets.json'), 'utf8') });

describe('a stored password goes only where it was saved for', () => {
  it('verify with an account id uses the stored password for its own server, and never sends it to another host, port or security', async () => {
    const h = await open();
    const account = await h.value<Account>('accounts:save', { account: input(), password: alice().password, incomingPassword: alice().password });

    // Its own servers: the stored passwords sign in, as before.
    const own = await h.value<VerifyReport>('accounts:verify', { runId: 'own', account: input(), accountId: account.id });
    expect(own.ok).toBe(true);

    // Another host and port, without TLS: SMTP to the recorder, POP3 to the recording listener.
    const elsewhere = input({ smtp: { port: recorderPort, security: 'none' }, incoming: { protocol: 'pop3', port: pop3Port, security: 'none' } });
    const moved = await h.call<VerifyReport>('accounts:verify', { runId: 'moved', account: elsewhere, accountId: account.id });
    expect(errorOf(moved)).toMatchObject({ code: 'PASSWORD_MISSING', detail: { fields: [{ path: 'password' }, { path: 'incomingPassword' }] } });

    // The same host and port as stored but without TLS: refused too (Postfix's implicit-TLS port spoken in clear).
    const clear = await h.call<VerifyReport>('accounts:verify', { runId: 'clear', account: input({ smtp: { security: 'none' }, incoming: null }), accountId: account.id });
    expect(errorOf(clear)).toMatchObject({ code: 'PASSWORD_MISSING' });

    // A password typed for the other server is the person's choice, and is what that server gets.
    const typed = await h.value<VerifyReport>('accounts:verify', { runId: 'typed', account: elsewhere, accountId: account.id, password: 'typed-for-the-recorder', incomingPassword: 'typed-for-pop3' });
    expect(typed.ok).toBe(false);
    expect(offered).toContainEqual({ username: alice().username, password: 'typed-for-the-recorder' });
    expect(pop3Lines).toContain('PASS typed-for-pop3');
    neverOffered();
  }, 60_000);

  it('a save that changes the server asks for the password again and changes nothing; typed for the new server, sending works there', async () => {
    const h = await open();
    const account = await h.value<Account>('accounts:save', { account: input(), password: alice().password, incomingPassword: alice().password });
    const before = storedFiles(h.dir);

    // Another host, port or security, with no password typed: PASSWORD_MISSING naming the field, nothing written.
    const changes: Array<[AccountInput, string[]]> = [
      [input({ smtp: { port: recorderPort, security: 'none' } }), ['password']],
      [input({ smtp: { host: 'localhost' } }), ['password']],
      [input({ smtp: { port: servers.submission.starttlsPort, security: 'starttls' } }), ['password']],
      [input({ smtp: { username: alice().username.toUpperCase() } }), ['password']],
      [input({ incoming: { port: servers.imap.starttlsPort, security: 'starttls' } }), ['incomingPassword']],
      [input({ incoming: { protocol: 'pop3', port: servers.pop3.tlsPort } }), ['incomingPassword']],
    ];
    for (const [changed, fields] of changes) {
      const r = await h.call<Account>('accounts:save', { id: account.id, account: changed });
      expect(errorOf(r)).toMatchObject({ code: 'PASSWORD_MISSING', detail: { fields: fields.map((path) => ({ path, problem: 'required' })) } });
      expect(storedFiles(h.dir)).toEqual(before);
    }

    // Sending still goes to the server the password was stored for, and nowhere else.
    const sent = await send(h, account, 'still at the old server');
    expect(sent.state).toBe('sent');
    await waitForMessage(servers, servers.users[1]!, (source) => source.includes('still at the old server'), 10_000);
    neverOffered();

    // Typed for the new server (Postfix with STARTTLS, Dovecot IMAP with STARTTLS): saved, and it works there.
    const moved = input({ smtp: { port: servers.submission.starttlsPort, security: 'starttls' }, incoming: { port: servers.imap.starttlsPort, security: 'starttls' } });
    const saved = await h.value<Account>('accounts:save', { id: account.id, account: moved, password: alice().password, incomingPassword: alice().password });
    expect(saved).toMatchObject({ hasPassword: true, hasIncomingPassword: true });
    expect((await send(h, saved, 'at the new server')).state).toBe('sent');
    await waitForMessage(servers, servers.users[1]!, (source) => source.includes('at the new server'), 10_000);
    expect((await h.value<Folder[]>('mail:folders', { accountId: account.id }))[0]).toMatchObject({ path: 'INBOX' });
    // Editing something else keeps the password (same server).
    expect(await h.value<Account>('accounts:save', { id: account.id, account: { ...moved, description: 'Alice at work' } })).toMatchObject({ hasPassword: true, hasIncomingPassword: true });
    expect(everyFileUnder(h.dir)).not.toContain(alice().password);
  }, 90_000);

  it('a settings file edited to name another server does not take the stored password there', async () => {
    const h = await open();
    const account = await h.value<Account>('accounts:save', { account: input({ incoming: null }), password: alice().password });
    await h.close();

    // Someone (or a sync tool) points the account at the recorder, in clear, behind the app's back.
    const file = join(h.dir, 'settings.json');
    const settings = JSON.parse(readFileSync(file, 'utf8')) as { accounts: Array<{ smtp: Record<string, unknown> }> };
    settings.accounts[0]!.smtp = { ...settings.accounts[0]!.smtp, port: recorderPort, security: 'none' };
    writeFileSync(file, JSON.stringify(settings));

    const again = await open(h.dir);
    const listed = await again.value<Account[]>('accounts:list', {});
    expect(listed[0]).toMatchObject({ id: account.id, hasPassword: false });
    const job = await send(again, account, 'not to the recorder');
    expect(job).toMatchObject({ state: 'failed', lastError: { code: 'PASSWORD_MISSING' } });
    neverOffered();
  }, 60_000);
});

async function send(h: Harness, account: Account, subject: string): Promise<OutboxJob> {
  const queued = await h.value<OutboxJob>('outbox:enqueue', {
    draft: { accountId: account.id, identityId: '', to: servers.users[1]!.address, cc: '', bcc: '', subject, body: { mode: 'plain', html: '', text: subject }, attachments: [] },
  });
  await until(() => ['sent', 'failed', 'uncertain'].includes(h.jobs.get(queued.id)?.state ?? ''), 20_000, `"${subject}" to settle`);
  return h.jobs.get(queued.id)!;
}

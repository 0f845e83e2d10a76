/**
 * The mail service through the router, as the renderer uses it: which accounts read mail, the
 * connection status (pushed, and asked for by a window that opens later), a fixed password taking
 * effect at once, a changed incoming server replacing the old connection, and POP3's local
 * changes announced to the views.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Folder, MailChanged, MailStatus, MessagePage, MessageView } from '../../shared/mail';
import type { Account } from '../../shared/model';
import type { Channel } from '../../shared/ipc';
import type { AppError } from '../../shared/result';
import { openRemoteContentPolicy } from '../../src-main/services/mail/remote-content';
import { startBackend, type StartedBackend } from '../support/backend';
import { waitForMessage } from '../support/imap-read';
import { startMailServers, type MailServers } from '../support/mail-servers';
import { until } from '../support/outbox-fixtures';
import { sendAs, withImap } from '../support/clients';

let servers: MailServers;
let app: StartedBackend;
let dir: string;
const statuses: MailStatus[] = [];
const changes: MailChanged[] = [];

beforeAll(async () => {
  servers = await startMailServers();
  dir = mkdtempSync(join(tmpdir(), 'mailwright-mail-service-'));
  app = await startBackend(dir, {
    ca: servers.ca,
    mail: { pop3PollMs: 0 },
    emit: (event, payload) => {
      if (event === 'mail:status') statuses.push(payload as MailStatus);
      if (event === 'mail:changed') changes.push(payload as MailChanged);
    },
  });
}, 90_000);
afterAll(async () => {
  await app?.close();
  await servers?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const value = <T,>(channel: Channel, request: unknown): Promise<T> => app.value<T>(channel, request);
const errorOf = (channel: Channel, request: unknown): Promise<AppError> => app.errorOf(channel, request);
const latest = (accountId: string) => [...statuses].reverse().find((s) => s.accountId === accountId);

function accountInput(incoming: { protocol: 'imap' | 'pop3'; security: 'tls' | 'starttls' } | null) {
  const alice = servers.users[0]!;
  return {
    description: 'Alice',
    email: alice.address,
    displayName: 'Alice',
    smtp: { host: servers.host, port: servers.submission.tlsPort, security: 'tls', auth: 'password', username: alice.username },
    incoming: incoming
      ? { protocol: incoming.protocol, host: servers.host, port: servers[incoming.protocol][incoming.security === 'tls' ? 'tlsPort' : 'starttlsPort'], security: incoming.security, username: alice.username }
      : null,
  };
}

describe('the mail service', () => {
  it('an account that only sends has no mail to read, and says so', async () => {
    const account = await value<Account>('accounts:save', { account: accountInput(null), password: servers.users[0]!.password });
    expect((await errorOf('mail:folders', { accountId: account.id })).code).toBe('NO_INCOMING_SERVER');
    expect((await value<MailStatus[]>('mail:statuses', {})).some((s) => s.accountId === account.id)).toBe(false);
  });

  it('a wrong incoming password shows as an error; the right one, saved, connects at once', async () => {
    const alice = servers.users[0]!;
    const account = await value<Account>('accounts:save', {
      account: accountInput({ protocol: 'imap', security: 'tls' }),
      password: alice.password,
      incomingPassword: 'not-the-password',
    });
    await until(() => latest(account.id)?.state === 'error', 15_000, 'the failed sign-in');
    expect(latest(account.id)?.error?.code).toBe('AUTH_FAILED');
    // A window that opens now learns the state without waiting for the next change.
    expect(await value<MailStatus[]>('mail:statuses', {})).toContainEqual(expect.objectContaining({ accountId: account.id, state: 'error' }));

    const before = statuses.length;
    await value('accounts:save', { id: account.id, account: accountInput({ protocol: 'imap', security: 'tls' }), incomingPassword: alice.password });
    // Well before the slow retry after an authentication failure (a minute).
    await until(() => statuses.slice(before).some((s) => s.accountId === account.id && s.state === 'online'), 10_000, 'online after the fix');
    const folders = await value<Folder[]>('mail:folders', { accountId: account.id });
    expect(folders[0]).toMatchObject({ path: 'INBOX', role: 'inbox' });

    // A message without a Date header opens with no date, not the first of January 1970.
    const subject = `undated ${Date.now()}`;
    await withImap(servers, alice, (client) => client.append('INBOX', `From: bob@mailwright.test\r\nSubject: ${subject}\r\n\r\nNo date.\r\n`));
    const found = await value<MessagePage>('mail:search', { accountId: account.id, folder: 'INBOX', query: subject, field: 'subject' });
    const view = await value<MessageView>('mail:open', { accountId: account.id, folder: 'INBOX', uid: found.messages[0]!.uid });
    expect(view).toMatchObject({ subject, date: '', text: 'No date.\n' });
  });

  it('a changed incoming server replaces the old connection: IMAP folders become the POP3 local ones', async () => {
    const alice = servers.users[0]!;
    const account = await value<Account>('accounts:save', { account: accountInput({ protocol: 'imap', security: 'starttls' }), password: alice.password, incomingPassword: alice.password });
    const imapFolders = await value<Folder[]>('mail:folders', { accountId: account.id });
    expect(imapFolders.map((f) => f.path)).toContain('INBOX');

    // Another server: its password is asked for again (a stored one goes only where it was saved for).
    await value('accounts:save', { id: account.id, account: accountInput({ protocol: 'pop3', security: 'tls' }), incomingPassword: alice.password });
    const pop3Folders = await value<Folder[]>('mail:folders', { accountId: account.id });
    expect(pop3Folders.map((f) => [f.path, f.role])).toEqual([
      ['INBOX', 'inbox'],
      ['Trash', 'trash'],
    ]);

    // POP3 folders are local: a change made here is announced here.
    const subject = `local ${Date.now()}`;
    await sendAs(servers, alice, { to: alice.address, subject, text: 'x' });
    await waitForMessage(servers, alice, (s) => s.includes(subject));
    expect((await value<{ newMessages: number }>('mail:refresh', { accountId: account.id })).newMessages).toBeGreaterThanOrEqual(1);
    const page = await value<{ messages: Array<{ uid: number; subject: string }> }>('mail:search', { accountId: account.id, folder: 'INBOX', query: subject, field: 'subject' });
    expect(page.messages).toHaveLength(1);
    const from = changes.length;
    await value('mail:setFlags', { accountId: account.id, folder: 'INBOX', uids: [page.messages[0]!.uid], flagged: true });
    await value('mail:delete', { accountId: account.id, folder: 'INBOX', uids: [page.messages[0]!.uid] });
    // (Other accounts on the same mailbox report their own changes meanwhile.)
    expect(changes.slice(from).filter((c) => c.accountId === account.id)).toEqual([
      { accountId: account.id, folder: 'INBOX', reason: 'flags' },
      { accountId: account.id, folder: 'INBOX', reason: 'removed' },
      { accountId: account.id, folder: 'Trash', reason: 'new' },
    ]);
  });
});

describe('remote content choices', () => {
  it('a choice that could not be written does not stop the next one from being written', async () => {
    const file = join(dir, 'remote-content-test', 'remote-content.json');
    // A folder where the file belongs: the write fails as a full disk would.
    mkdirSync(file, { recursive: true });
    writeFileSync(join(file, 'x'), '');
    const policy = await openRemoteContentPolicy(file);
    await expect(policy.allowSender('a@example.com')).rejects.toThrow();
    rmSync(file, { recursive: true });
    await policy.allowSender('b@example.com');
    expect(JSON.parse(readFileSync(file, 'utf8')).senders).toEqual(['a@example.com', 'b@example.com']);
  });
});

/**
 * Everything the app writes is private to the person: with the umask a user usually has (022,
 * which would make new files 0644 and folders 0755), a session of what a person does (accounts
 * with passwords, a draft, a dropped file, messages sent with it and their Sent copies, mail read
 * over IMAP and POP3, remote content allowed for a sender, a message forwarded with its attachment)
 * leaves only 0600 files and 0700 folders in the whole data folder.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessagePage } from '../../shared/mail';
import type { Account } from '../../shared/model';
import type { AttachmentRef, ComposeDraft, OutboxJobView } from '../../shared/outbox';
import { startBackend, type StartedBackend } from '../support/backend';
import { startMailServers, type MailServers } from '../support/mail-servers';
import { until } from '../support/outbox-fixtures';

let servers: MailServers;
let dir: string;
let app: StartedBackend | undefined;
let umask: number;

beforeAll(async () => {
  servers = await startMailServers();
  umask = process.umask(0o022);
  dir = mkdtempSync(join(tmpdir(), 'mailwright-file-modes-'));
}, 90_000);
afterAll(async () => {
  await app?.close();
  process.umask(umask);
  await servers?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Asks `probe` every 100 ms until it gives something; fails after 15 s. */
async function poll<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every file and folder under `root` (the root itself included), with its permission bits. */
function walk(root: string): Array<{ path: string; kind: 'file' | 'folder'; mode: number }> {
  const out: Array<{ path: string; kind: 'file' | 'folder'; mode: number }> = [{ path: '.', kind: 'folder', mode: statSync(root).mode & 0o777 }];
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    out.push({ path: relative(root, path), kind: entry.isDirectory() ? 'folder' : 'file', mode: statSync(path).mode & 0o777 });
  }
  return out;
}

describe('file and folder modes', () => {
  it.skipIf(process.platform === 'win32')('a whole session leaves only 0600 files and 0700 folders in the data folder', async () => {
    const jobs = new Map<string, OutboxJobView>();
    app = await startBackend(dir, {
      ca: servers.ca,
      mail: { pop3PollMs: 0 },
      emit: (event, payload) => {
        if (event === 'outbox:changed') jobs.set((payload as OutboxJobView).id, payload as OutboxJobView);
      },
    });
    const { value } = app;
    const [alice, bob] = servers.users as [(typeof servers.users)[0], (typeof servers.users)[0]];
    await value('preferences:set', { undoSeconds: 0 });

    // Accounts with passwords: Alice over IMAP (with a Sent copy), and Alice again over POP3.
    const smtp = { host: servers.host, port: servers.submission.tlsPort, security: 'tls', auth: 'password', username: alice.username };
    const imapAccount = await value<Account>('accounts:save', {
      account: { description: 'IMAP', email: alice.address, displayName: 'Alice', smtp, incoming: { protocol: 'imap', host: servers.host, port: servers.imap.tlsPort, security: 'tls', username: alice.username, saveSentCopy: true } },
      password: alice.password,
      incomingPassword: alice.password,
    });
    const pop3Account = await value<Account>('accounts:save', {
      account: { description: 'POP3', email: alice.address, displayName: 'Alice', smtp, incoming: { protocol: 'pop3', host: servers.host, port: servers.pop3.tlsPort, security: 'tls', username: alice.username, leaveOnServerDays: null } },
      password: alice.password,
      incomingPassword: alice.password,
    });

    // A dropped file, a draft that attaches it, and the message sent to Bob and to Alice herself.
    const content = Buffer.from('the dropped file\n');
    const { upload } = await value<{ upload: string }>('attachments:dropBegin', { name: 'notes.txt', size: content.length });
    await value('attachments:dropChunk', { upload, data: content.toString('base64') });
    const attachment = await value<AttachmentRef>('attachments:dropEnd', { upload });
    const subject = `modes ${Date.now()}`;
    const draft: ComposeDraft = { accountId: imapAccount.id, identityId: '', to: `${bob.address}, ${alice.address}`, cc: '', bcc: '', subject, body: { mode: 'plain', html: '', text: 'See the file.' }, attachments: [attachment] };
    await value('drafts:save', { draft });
    const queued = await value<OutboxJobView>('outbox:enqueue', { draft });
    await until(() => jobs.get(queued.id)?.state === 'sent', 20_000, 'the message to be sent');

    // Read it over IMAP (and let the Sent copy be filed), allow remote content for its sender, forward it with its attachment.
    const found = await poll(async () => (await value<MessagePage>('mail:search', { accountId: imapAccount.id, folder: 'INBOX', query: subject, field: 'subject' })).messages[0], 'the message in the IMAP inbox');
    const ref = { accountId: imapAccount.id, folder: 'INBOX', uid: found.uid };
    await value('mail:open', ref);
    await value('mail:allowRemote', { ...ref, scope: 'sender' }).catch(() => undefined); // modes matter here, not this reply's shape
    const forward = await value<ComposeDraft>('mail:compose', { ...ref, mode: 'forward' });
    expect(forward.attachments).toHaveLength(1);
    await poll(async () => (await value<MessagePage>('mail:search', { accountId: imapAccount.id, folder: 'Sent', query: subject, field: 'subject' }).catch(() => undefined))?.messages[0], 'the Sent copy');

    // Download it over POP3 into the local store.
    await value('mail:refresh', { accountId: pop3Account.id });
    await value<MessagePage>('mail:list', { accountId: pop3Account.id, folder: 'INBOX', offset: 0, limit: 50 });

    await app.close();
    app = undefined;

    const entries = walk(dir);
    // What the session must have written, so the check below is about something.
    const paths = entries.map((e) => e.path);
    for (const expected of ['settings.json', 'secrets.json', 'secret.key', 'drafts', 'outbox', join('outbox', 'jobs.journal'), 'mail', join('tmp', 'dropped'), join('tmp', 'forward')]) expect(paths).toContain(expected);
    expect(paths.some((p) => p.startsWith(join('mail', pop3Account.id)))).toBe(true);

    const wrong = entries.filter((e) => e.mode !== (e.kind === 'file' ? 0o600 : 0o700));
    expect(wrong.map((e) => `${e.kind} ${e.path} ${e.mode.toString(8)}`)).toEqual([]);
  }, 120_000);
});


/**
 * The damaged-state suite: each persisted file, truncated, empty, not JSON, or JSON of the wrong
 * shape, found at the next start. The app is used first through its router (two accounts, one
 * reading POP3 from real Dovecot with mail read, flagged, in the Trash and deleted for good; two
 * drafts; a sender allowed remote content; a chosen undo time), closed, one file damaged, and the
 * backend started again on the same folder, as the app does. Then: nothing else is lost, the damaged
 * file is kept aside with its bytes, and the person is told (a notice, and its push event).
 *
 * A row per file: to add one (the outbox's files, say), name the file, its notice kind, how it is
 * damaged in its own shape, and what "nothing else lost" means when it is the one damaged.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Folder, MessagePage, MessageView } from '../../shared/mail';
import type { Account } from '../../shared/model';
import type { DataNotice, DataNoticeKind } from '../../shared/notices';
import type { DraftSummary } from '../../shared/outbox';
import type { Channel } from '../../shared/ipc';
import { startBackend, trustedSender as sender, type StartedBackend } from '../support/backend';
import { withImap } from '../support/clients';
import { startMailServers, type MailServers, type MailUser } from '../support/mail-servers';

let servers: MailServers;
let work: string;
beforeAll(async () => {
  servers = await startMailServers();
  work = mkdtempSync(join(tmpdir(), 'mailwright-damaged-'));
}, 90_000);
afterAll(async () => {
  await servers?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

// ---- the app, started (and started again) on one data folder ----------------------------------

interface Running extends StartedBackend {
  /** The notices pushed to the window ('app:noticeAdded'). */
  events: DataNotice[];
}

async function start(dataDir: string): Promise<Running> {
  const events: DataNotice[] = [];
  const app = await startBackend(dataDir, {
    ca: servers.ca,
    mail: { pop3PollMs: 0 },
    emit: (event, payload) => {
      if (event === 'app:noticeAdded') events.push(payload as DataNotice);
    },
  });
  return { ...app, events };
}

const call = <T,>(app: Running, channel: Channel, request: unknown): Promise<T> => app.value<T>(channel, request);

// ---- what the person had before the damage -----------------------------------------------------

interface Before {
  dataDir: string;
  senderOnly: Account;
  pop3: Account;
  drafts: string[];
}

const SUBJECTS = ['read me', 'flag me', 'trash me', 'delete me'] as const;

async function freshMailbox(user: MailUser): Promise<void> {
  await withImap(servers, user, async (client) => {
    await client.mailboxOpen('INBOX');
    await client.messageDelete('1:*').catch(() => undefined);
    for (const subject of SUBJECTS) {
      await client.append(
        'INBOX',
        `From: Dana <dana@mailwright.test>\r\nTo: ${user.address}\r\nSubject: ${subject}\r\nDate: Tue, 04 Mar 2025 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n<p>${subject} <img src="https://tracker.example/p.png"></p>\r\n`,
      );
    }
  });
}

const byId = (page: MessagePage, subject: string) => page.messages.find((m) => m.subject === subject)!.uid;

async function populate(): Promise<Before> {
  const dataDir = mkdtempSync(join(work, 'data-'));
  const user = servers.users[2]!;
  await freshMailbox(user);
  const app = await start(dataDir);
  const smtp = { host: servers.host, port: servers.submission.tlsPort, security: 'tls', auth: 'password', username: user.username };
  const senderOnly = await call<Account>(app, 'accounts:save', {
    account: { description: 'Sender only', email: user.address, displayName: '', smtp, incoming: null },
    password: user.password,
  });
  const pop3 = await call<Account>(app, 'accounts:save', {
    account: {
      description: 'POP3',
      email: user.address,
      displayName: '',
      smtp,
      incoming: { protocol: 'pop3', host: servers.host, port: servers.pop3.tlsPort, security: 'tls', username: user.username, leaveOnServerDays: null },
    },
    password: user.password,
    incomingPassword: user.password,
  });
  expect(await call(app, 'mail:refresh', { accountId: pop3.id })).toEqual({ newMessages: 4 });
  const inbox = await call<MessagePage>(app, 'mail:list', { accountId: pop3.id, folder: 'INBOX', offset: 0, limit: 50 });
  const ref = (subject: string) => ({ accountId: pop3.id, folder: 'INBOX', uid: byId(inbox, subject) });
  await call(app, 'mail:open', ref('read me'));
  await call(app, 'mail:setFlags', { accountId: pop3.id, folder: 'INBOX', uids: [ref('flag me').uid], flagged: true });
  await call(app, 'mail:delete', { accountId: pop3.id, folder: 'INBOX', uids: [ref('trash me').uid, ref('delete me').uid] });
  const trash = await call<MessagePage>(app, 'mail:list', { accountId: pop3.id, folder: 'Trash', offset: 0, limit: 50 });
  await call(app, 'mail:delete', { accountId: pop3.id, folder: 'Trash', uids: [byId(trash, 'delete me')] });
  await call(app, 'mail:allowRemote', { ...ref('read me'), scope: 'sender' });
  const drafts: string[] = [];
  for (const subject of ['first draft', 'second draft']) {
    const draft = { accountId: senderOnly.id, to: 'bob@example.com', cc: '', bcc: '', subject, body: { mode: 'plain', html: '', text: subject }, attachments: [] };
    drafts.push((await call<{ id: string }>(app, 'drafts:save', { draft })).id);
  }
  await call(app, 'preferences:set', { undoSeconds: 20 });
  expect(app.router.offSchema).toEqual([]);
  await app.backend.close();
  return { dataDir, senderOnly, pop3, drafts };
}

// ---- the damage, and what must survive it ------------------------------------------------------

const DAMAGES = ['truncated', 'empty', 'invalid JSON', 'wrong schema'] as const;
type Damage = (typeof DAMAGES)[number];

function damaged(original: string, damage: Damage, wrongShape: (json: unknown) => unknown): string {
  switch (damage) {
    case 'truncated':
      return original.slice(0, Math.floor(original.length / 2));
    case 'empty':
      return '';
    case 'invalid JSON':
      return '{"accounts": [ this is not JSON';
    case 'wrong schema':
      return JSON.stringify(wrongShape(JSON.parse(original)));
  }
}

/** What must still be there after the restart, unless the row says otherwise. */
interface Expected {
  accounts: Array<'senderOnly' | 'pop3'>;
  drafts: number;
  /** The POP3 mail with its flags and folders, and nothing downloaded again. */
  pop3Mail: boolean;
  remoteAllowed: boolean;
  undoSeconds: number;
  /** The saved passwords (without them the mail is still there, but checking for more asks for one). */
  passwords: boolean;
}
const ALL: Expected = { accounts: ['senderOnly', 'pop3'], drafts: 2, pop3Mail: true, remoteAllowed: true, undoSeconds: 20, passwords: true };

interface Row {
  file: string;
  kind: DataNoticeKind;
  /** The damaged file's name relative to the data folder. */
  path: (before: Before) => string;
  /** The file as it parses, made the wrong shape. */
  wrongShape: (json: unknown, before: Before) => unknown;
  expected: (damage: Damage) => Expected;
}

const ROWS: Row[] = [
  {
    file: 'settings.json',
    kind: 'settings',
    path: () => 'settings.json',
    // One account with a port that is not a number: that account is left out, the other stays.
    wrongShape: (json, before) => {
      const settings = json as { accounts: Array<{ id: string; smtp: { port: unknown } }> };
      for (const a of settings.accounts) if (a.id === before.senderOnly.id) a.smtp.port = 'twenty-five';
      return settings;
    },
    // A file that does not parse keeps no account (it is kept aside whole); the mail on disk and the drafts stay.
    expected: (damage) =>
      damage === 'wrong schema' ? { ...ALL, accounts: ['pop3'] } : { ...ALL, accounts: [], pop3Mail: false, remoteAllowed: false, undoSeconds: 5 },
  },
  {
    file: 'secrets.json',
    kind: 'secrets',
    path: () => 'secrets.json',
    wrongShape: () => ({ entries: 'none' }),
    // The accounts stay; their passwords are asked for again.
    expected: () => ({ ...ALL, passwords: false }),
  },
  {
    file: 'a draft',
    kind: 'draft',
    path: (before) => `drafts/${before.drafts[0]}.json`,
    wrongShape: (json) => ({ ...(json as object), draft: { subject: 42 } }),
    expected: () => ({ ...ALL, drafts: 1 }),
  },
  {
    file: 'the POP3 index',
    kind: 'pop3-index',
    path: (before) => `mail/${before.pop3.id}/index.json`,
    wrongShape: (json) => ({ ...(json as object), messages: 'gone' }),
    expected: () => ALL,
  },
  {
    file: 'the remote-content choices',
    kind: 'remote-content',
    path: () => 'mail/remote-content.json',
    wrongShape: () => ({ senders: 'everyone' }),
    expected: () => ({ ...ALL, remoteAllowed: false }),
  },
];

describe.each(ROWS)('a damaged $file', (row) => {
  it.each(DAMAGES)('%s: set aside, the person told, nothing else lost', async (damage) => {
    const before = await populate();
    const path = join(before.dataDir, row.path(before));
    const bytes = damaged(readFileSync(path, 'utf8'), damage, (json) => row.wrongShape(json, before));
    writeFileSync(path, bytes);

    const app = await start(before.dataDir);
    try {
      const expected = row.expected(damage);

      // Told: one notice about this file, pushed and listed, naming where its bytes were kept. A
      // store's file is checked when the store opens, just after start: wait (bounded) for the push.
      for (let i = 0; i < 100 && app.events.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      const notices = await call<DataNotice[]>(app, 'app:notices', {});
      expect(notices).toHaveLength(1);
      const [notice] = notices;
      expect(notice).toMatchObject({ kind: row.kind, file: row.path(before) });
      expect(notice!.what.length).toBeGreaterThan(20);
      expect(app.events.map((e) => e.id)).toEqual([notice!.id]);
      const kept = join(before.dataDir, notice!.keptAs);
      expect(notice!.keptAs).not.toBe(notice!.file);
      expect(readFileSync(kept, 'utf8')).toBe(bytes);

      // Nothing else lost.
      // The built-in Sandbox account (never stored) is left out: these are the stored ones.
      const accounts = (await call<Account[]>(app, 'accounts:list', {})).filter((a) => !a.sandbox);
      expect(accounts.map((a) => a.id).sort()).toEqual(expected.accounts.map((k) => before[k].id).sort());
      for (const a of accounts) {
        expect(a.hasPassword).toBe(expected.passwords);
        if (a.incoming) expect(a.hasIncomingPassword).toBe(expected.passwords);
      }
      expect(await call<DraftSummary[]>(app, 'drafts:list', {})).toHaveLength(expected.drafts);
      expect((await call<{ undoSeconds: number }>(app, 'app:info', {})).undoSeconds).toBe(expected.undoSeconds);
      if (expected.pop3Mail) {
        const accountId = before.pop3.id;
        const inbox = await call<MessagePage>(app, 'mail:list', { accountId, folder: 'INBOX', offset: 0, limit: 50 });
        const trash = await call<MessagePage>(app, 'mail:list', { accountId, folder: 'Trash', offset: 0, limit: 50 });
        const state = (page: MessagePage) => page.messages.map((m) => ({ subject: m.subject, seen: m.seen, flagged: m.flagged })).sort((a, b) => a.subject.localeCompare(b.subject));
        expect(state(inbox)).toEqual([
          { subject: 'flag me', seen: false, flagged: true },
          { subject: 'read me', seen: true, flagged: false },
        ]);
        expect(state(trash)).toEqual([{ subject: 'trash me', seen: false, flagged: false }]);
        expect((await call<Folder[]>(app, 'mail:folders', { accountId })).map((f) => [f.path, f.total])).toEqual([
          ['INBOX', 2],
          ['Trash', 1],
        ]);
        // Downloaded once: the message deleted for good is not fetched again, nor any other.
        if (expected.passwords) expect(await call(app, 'mail:refresh', { accountId })).toEqual({ newMessages: 0 });
        else expect(await app.router.handle(sender, 'mail:refresh', { accountId })).toMatchObject({ ok: false, error: { code: 'PASSWORD_MISSING' } });
        const view = await call<MessageView>(app, 'mail:open', { accountId, folder: 'INBOX', uid: byId(inbox, 'read me') });
        expect(view.remoteContent.allowed).toBe(expected.remoteAllowed);
      }
      expect(existsSync(path) ? readFileSync(path, 'utf8') : null).not.toBe(bytes);
      expect(app.router.offSchema).toEqual([]);
    } finally {
      await app.backend.close();
    }
  }, 60_000);
});

describe('a damaged key file (the passwords cannot be read without it)', () => {
  it.each(['truncated', 'empty'] as const)('%s: set aside, the person told, accounts kept; a password typed again works', async (damage) => {
    const before = await populate();
    const keyFile = join(before.dataDir, 'secret.key');
    const original = readFileSync(keyFile, 'utf8');
    const bytes = damage === 'empty' ? '' : original.slice(0, 10);
    writeFileSync(keyFile, bytes);

    const app = await start(before.dataDir);
    try {
      for (let i = 0; i < 100 && app.events.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      const notices = await call<DataNotice[]>(app, 'app:notices', {});
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatchObject({ kind: 'secrets', file: 'secret.key' });
      expect(notices[0]!.what).toMatch(/type each password again/);
      expect(readFileSync(join(before.dataDir, notices[0]!.keptAs), 'utf8')).toBe(bytes);

      // Nothing else lost: both accounts and the drafts are there; the passwords are asked for.
      // The built-in Sandbox account (never stored) is left out: these are the stored ones.
      const accounts = (await call<Account[]>(app, 'accounts:list', {})).filter((a) => !a.sandbox);
      expect(accounts.map((a) => a.id).sort()).toEqual([before.senderOnly.id, before.pop3.id].sort());
      expect(accounts.every((a) => !a.hasPassword)).toBe(true);
      expect(await call<DraftSummary[]>(app, 'drafts:list', {})).toHaveLength(2);

      // Typed again: stored under a fresh key, and the POP3 mailbox opens with it.
      const user = servers.users[2]!;
      const { id, createdAt: _c, updatedAt: _u, hasPassword: _h, hasIncomingPassword: _hi, ...account } = accounts.find((a) => a.id === before.pop3.id)!;
      await call<Account>(app, 'accounts:save', { id, account, password: user.password, incomingPassword: user.password });
      expect(await call(app, 'mail:refresh', { accountId: id })).toEqual({ newMessages: 0 });
    } finally {
      await app.backend.close();
    }
  }, 60_000);
});

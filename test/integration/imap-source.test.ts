/**
 * The IMAP mail source against real Dovecot (mail delivered by real Postfix): folders and roles,
 * paging a 1,200-message folder, IDLE, flags, move, delete, search, raw source, refresh and
 * inboxSince, and coming back by itself after the connection is cut (a TCP proxy on 127.0.0.1
 * that the test can cut and make refuse connections).
 */
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ImapFlow } from 'imapflow';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MailChanged, MailStatus } from '../../shared/mail';
import { ok, type Result } from '../../shared/result';
import { silentLogger } from '../../src-main/services/logger';
import { createImapSource, toFolders, uidSet, type ImapSourceOptions } from '../../src-main/services/mail/imap-source';
import type { MailSource } from '../../src-main/services/mail/types';
import type { StoredAccount } from '../../src-main/services/settings-store';
import { fillMaildir } from '../support/maildir';
import { startMailServers, type MailServers, type MailUser } from '../support/mail-servers';
import { connectImap, sendAs } from '../support/clients';
import { storedPassword } from '../../src-main/services/credentials';

type Security = 'starttls' | 'tls';

let servers: MailServers;
let alice: MailUser;
let bob: MailUser;
let carol: MailUser;
const tag = `imap-${Date.now().toString(36)}`;
const open: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  servers = await startMailServers();
  [alice, bob, carol] = servers.users as [MailUser, MailUser, MailUser];
  // 1,200 messages for the paging tests, written straight into alice's maildir.
  await fillMaildir(servers, alice, { folder: 'Big', count: 1200 });
}, 90_000);

// Dovecot allows 10 connections per user and address: close what each test opened.
afterEach(async () => {
  for (const o of open.splice(0)) await o.close().catch(() => undefined);
});

afterAll(async () => {
  await servers?.stop();
});

// --- helpers -------------------------------------------------------------------------------

/** Polls `condition` every 20 ms until it holds; fails the test after `timeoutMs`. */
async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function account(user: MailUser, security: Security, port?: number): StoredAccount {
  return {
    id: randomUUID(),
    description: user.address,
    email: user.address,
    displayName: '',
    smtp: { host: servers.host, port: servers.submission.tlsPort, security: 'tls', auth: 'password', username: user.username },
    incoming: {
      protocol: 'imap',
      auth: 'password',
      host: servers.host,
      port: port ?? (security === 'tls' ? servers.imap.tlsPort : servers.imap.starttlsPort),
      security,
      username: user.username,
      saveSentCopy: true,
      leaveOnServerDays: null,
    },
    signature: '',
    identities: [], oauth: null,
    createdAt: '',
    updatedAt: '',
  };
}

interface Harness {
  source: MailSource;
  statuses: MailStatus[];
  changes: MailChanged[];
  state(): MailStatus['state'] | undefined;
}

function start(user: MailUser, o: { security?: Security; port?: number; password?: () => Result<string | undefined> } & ImapSourceOptions = {}): Harness {
  const statuses: MailStatus[] = [];
  const changes: MailChanged[] = [];
  const source = createImapSource(
    {
      account: account(user, o.security ?? 'tls', o.port),
      ...storedPassword(user.username, o.password ?? (() => ok(user.password))),
      extraCertificateAuthorities: [servers.ca],
      onChange: (c) => changes.push(c),
      onStatus: (s) => statuses.push(s),
      logger: silentLogger,
    },
    { timeoutMs: 5_000, ...(o.idle === undefined ? {} : { idle: o.idle }), ...(o.maxBackoffMs === undefined ? {} : { maxBackoffMs: o.maxBackoffMs }) },
  );
  open.push(source);
  return { source, statuses, changes, state: () => statuses.at(-1)?.state };
}

async function online(h: Harness): Promise<void> {
  await until(() => h.state() === 'online', 'status online');
}

function value<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}`);
  return r.value;
}

async function rawClient(user: MailUser): Promise<ImapFlow> {
  const client = await connectImap(servers, user);
  open.push({ close: () => client.logout().catch(() => client.close()) });
  return client;
}

async function ensureFolders(user: MailUser, paths: string[]): Promise<void> {
  const client = await rawClient(user);
  const existing = new Set((await client.list()).map((f) => f.path));
  for (const p of paths) if (!existing.has(p)) await client.mailboxCreate(p);
  await client.logout();
}

async function send(from: MailUser, to: MailUser, subject: string): Promise<void> {
  await sendAs(servers, from, { to: to.address, subject, text: `${subject}\n` });
}

async function uidsOf(source: MailSource, folder: string, subject: string): Promise<number[]> {
  return value(await source.search(folder, subject, 'subject', 100)).messages.map((m) => m.uid);
}

async function waitForSubject(source: MailSource, folder: string, subject: string): Promise<number> {
  let uids: number[] = [];
  await until(async () => (uids = await uidsOf(source, folder, subject)).length > 0, `"${subject}" in ${folder}`);
  return uids[0]!;
}

/** A TCP relay between the source and Dovecot that the test can cut, or make refuse connections. */
class CuttableProxy {
  accepted = 0;
  refusing = false;
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<CuttableProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new CuttableProxy(server, (server.address() as net.AddressInfo).port);
    server.on('connection', (client) => {
      proxy.accepted++;
      if (proxy.refusing) return void client.destroy();
      const upstream = net.connect(targetPort, '127.0.0.1');
      const pair: [net.Socket, net.Socket] = [client, upstream];
      proxy.pairs.add(pair);
      const end = (): void => {
        client.destroy();
        upstream.destroy();
        proxy.pairs.delete(pair);
      };
      for (const s of pair) s.on('error', end).on('close', end);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    open.push(proxy);
    return proxy;
  }

  get live(): number {
    return this.pairs.size;
  }

  cut(): void {
    for (const [a, b] of [...this.pairs]) {
      a.destroy();
      b.destroy();
    }
    this.pairs.clear();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

// --- pure parts ----------------------------------------------------------------------------

describe('folder roles and UID sets', () => {
  const entry = (path: string, flags: string[] = [], parentPath = '') => ({
    path,
    name: path.split('.').at(-1)!,
    delimiter: '.',
    flags: new Set(flags),
    parentPath,
  });

  it('prefers the server’s special-use flags over names, gives each role once, and sorts', () => {
    const folders = toFolders([
      entry('Sent'),
      entry('Gesendet', ['\\Sent']),
      entry('Papierkorb', ['\\Trash']),
      entry('Trash'),
      entry('Work'),
      entry('Work.Drafts', [], 'Work'),
      entry('Alle', ['\\All', '\\Noselect']),
      entry('INBOX'),
      entry('Drafts'),
    ]);
    expect(folders.map((f) => [f.path, f.role])).toEqual([
      ['INBOX', 'inbox'],
      ['Gesendet', 'sent'],
      ['Drafts', 'drafts'],
      ['Papierkorb', 'trash'],
      ['Alle', 'all'],
      ['Sent', null],
      ['Trash', null],
      ['Work', null],
      ['Work.Drafts', null],
    ]);
    expect(folders.find((f) => f.path === 'Alle')).toMatchObject({ selectable: false, total: null, unseen: null });
  });

  it('compresses UID selections into ranges', () => {
    expect(uidSet([10, 3, 5, 6, 7, 3])).toBe('3,5:7,10');
    expect(uidSet([42])).toBe('42');
  });
});

// --- against Dovecot -----------------------------------------------------------------------

describe.each<Security>(['starttls', 'tls'])('over %s', (security) => {
  it('lists folders with counts and roles by name (this Dovecot sends no special-use flags), INBOX first', async () => {
    await ensureFolders(alice, ['Sent Items', 'Trash', 'Archive', 'Drafts', 'Spam', 'Projects', 'Projects.Sent']);
    const raw = await rawClient(alice);
    const serverList = await raw.list();
    // What this server says: no SPECIAL-USE, no \Trash etc. on the folders, so the roles below come from names.
    expect(raw.capabilities.has('SPECIAL-USE')).toBe(false);
    expect(serverList.find((f) => f.path === 'Trash')?.flags.has('\\Trash')).toBe(false);
    const projectsBefore = (await raw.status('Projects', { messages: true })) || { messages: -1 };
    if (projectsBefore.messages === 0) {
      await raw.append('Projects', `Subject: p1 ${tag}\r\n\r\nx\r\n`, ['\\Seen']);
      await raw.append('Projects', `Subject: p2 ${tag}\r\n\r\ny\r\n`);
    }
    await raw.logout();

    const h = start(alice, { security });
    const folders = value(await h.source.folders());
    const mine = folders.filter((f) => ['INBOX', 'Sent Items', 'Trash', 'Archive', 'Drafts', 'Spam', 'Projects', 'Projects.Sent', 'Big'].includes(f.path));
    expect(mine.map((f) => [f.path, f.role])).toEqual([
      ['INBOX', 'inbox'],
      ['Sent Items', 'sent'],
      ['Drafts', 'drafts'],
      ['Trash', 'trash'],
      ['Spam', 'junk'],
      ['Archive', 'archive'],
      ['Big', null],
      ['Projects', null],
      ['Projects.Sent', null],
    ]);
    expect(folders[0]!.path).toBe('INBOX');
    expect(folders.find((f) => f.path === 'Projects')).toMatchObject({ name: 'Projects', delimiter: '.', selectable: true, total: 2, unseen: 1 });
    expect(folders.find((f) => f.path === 'Projects.Sent')).toMatchObject({ name: 'Sent', total: 0, unseen: 0 });
    expect(folders.find((f) => f.path === 'Big')).toMatchObject({ total: 1200, unseen: 1200 });
    await h.source.close();
  });

  it('pages a 1,200-message folder newest first', async () => {
    const h = start(alice, { security, idle: false });
    const first = value(await h.source.list('Big', 0, 100));
    expect(first.total).toBe(1200);
    expect(first.offset).toBe(0);
    expect(first.messages.map((m) => m.subject)).toEqual(Array.from({ length: 100 }, (_, i) => `Message ${1199 - i}`));
    const uids = first.messages.map((m) => m.uid);
    expect(uids).toEqual([...uids].sort((a, b) => b - a));
    expect(first.messages[0]).toMatchObject({
      from: { name: 'Filler', address: 'filler@mailwright.test' },
      to: [{ name: 'Test', address: 'test@mailwright.test' }],
      date: new Date(Date.UTC(2024, 0, 1) + 1199 * 60_000).toISOString(),
      seen: false,
      flagged: false,
      answered: false,
      isDeliveryReport: false,
    });
    expect(first.messages[0]!.messageId).toMatch(/^<fill-1199-[0-9a-f]+@mailwright\.test>$/);
    expect(first.messages[0]!.size).toBeGreaterThan(100);

    const last = value(await h.source.list('Big', 1100, 100));
    expect(last.total).toBe(1200);
    expect(last.messages.map((m) => m.subject)).toEqual(Array.from({ length: 100 }, (_, i) => `Message ${99 - i}`));
    expect(Math.min(...uids)).toBeGreaterThan(Math.max(...last.messages.map((m) => m.uid)));

    expect(value(await h.source.list('Big', 1150, 100)).messages.map((m) => m.subject)).toEqual(Array.from({ length: 50 }, (_, i) => `Message ${49 - i}`));
    expect(value(await h.source.list('Big', 1200, 100))).toEqual({ folder: 'Big', total: 1200, offset: 1200, messages: [] });
    await h.source.close();
  });
});

describe('one account over time', () => {
  it('hears new mail through IDLE and then lists it', async () => {
    const h = start(bob);
    await online(h);
    const before = value(await h.source.list('INBOX', 0, 20)); // INBOX stays open on the command connection
    const subject = `idle ${tag}`;
    await send(alice, bob, subject);
    await until(() => h.changes.some((c) => c.folder === 'INBOX' && c.reason === 'new'), 'onChange new');
    const page = value(await h.source.list('INBOX', 0, 20));
    expect(page.total).toBe(before.total + 1);
    const msg = page.messages.find((m) => m.subject === subject);
    expect(msg).toMatchObject({ from: { address: alice.address }, to: [{ address: bob.address }], seen: false, isDeliveryReport: false });
    expect(page.messages[0]!.uid).toBe(msg!.uid); // the newest
  });

  it('flags: seen/flagged/answered set and cleared, and seen from another client', async () => {
    const h = start(bob);
    await online(h);
    const subject = `flags ${tag}`;
    await send(alice, bob, subject);
    const uid = await waitForSubject(h.source, 'INBOX', subject);
    const flagsOf = async () => value(await h.source.search('INBOX', subject, 'subject', 5)).messages[0]!;

    expect(value(await h.source.setFlags('INBOX', [uid], { seen: true, flagged: true, answered: true }))).toEqual({ updated: 1 });
    expect(await flagsOf()).toMatchObject({ seen: true, flagged: true, answered: true });
    const raw = await rawClient(bob);
    await raw.mailboxOpen('INBOX');
    const serverFlags = async () => {
      const m = await raw.fetchOne(String(uid), { flags: true }, { uid: true });
      return m ? [...(m.flags ?? [])].sort() : [];
    };
    expect(await serverFlags()).toEqual(['\\Answered', '\\Flagged', '\\Seen']);

    expect(value(await h.source.setFlags('INBOX', [uid], { seen: false, flagged: false }))).toEqual({ updated: 1 });
    expect(await flagsOf()).toMatchObject({ seen: false, flagged: false, answered: true });
    expect(await serverFlags()).toEqual(['\\Answered']);

    // Another client marks it read: the watcher reports it, and the list shows it.
    h.changes.length = 0;
    await raw.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
    // Dovecot usually tells an IDLE session at once, but falls back to its 30 s check when its
    // index log was rotated under the watch: hence the long bound.
    await until(() => h.changes.some((c) => c.folder === 'INBOX' && c.reason === 'flags'), 'onChange flags', 40_000);
    expect(await flagsOf()).toMatchObject({ seen: true });

    const gone = await h.source.setFlags('INBOX', [999_999], { seen: true });
    expect(gone.ok ? 'ok' : gone.error.code).toBe('MESSAGE_NOT_FOUND');
  }, 60_000);

  it('returns the raw source without marking it read; missing message and folder have codes', async () => {
    const h = start(bob, { security: 'starttls' });
    const subject = `source ${tag}`;
    await send(alice, bob, subject);
    const uid = await waitForSubject(h.source, 'INBOX', subject);
    const raw = value(await h.source.source('INBOX', uid));
    expect(raw.toString('utf8')).toContain(`Subject: ${subject}`);
    expect(raw.toString('utf8')).toMatch(/\r\n\r\n/);
    expect(value(await h.source.search('INBOX', subject, 'subject', 5)).messages[0]!.seen).toBe(false);

    const missing = await h.source.source('INBOX', 999_999);
    expect(missing.ok ? 'ok' : missing.error.code).toBe('MESSAGE_NOT_FOUND');
    const noFolder = await h.source.list(`Nope ${tag}`, 0, 10);
    expect(noFolder.ok ? 'ok' : noFolder.error.code).toBe('FOLDER_NOT_FOUND');
    const noSource = await h.source.source(`Nope ${tag}`, 1);
    expect(noSource.ok ? 'ok' : noSource.error.code).toBe('FOLDER_NOT_FOUND');
  });

  it('moves a message to another folder', async () => {
    await ensureFolders(bob, ['Archive']);
    const h = start(bob);
    const subject = `move ${tag}`;
    await send(alice, bob, subject);
    const uid = await waitForSubject(h.source, 'INBOX', subject);
    expect(value(await h.source.move('INBOX', [uid], 'Archive'))).toEqual({ moved: 1 });
    expect(await uidsOf(h.source, 'INBOX', subject)).toEqual([]);
    expect(await uidsOf(h.source, 'Archive', subject)).toHaveLength(1);

    const [archived] = await uidsOf(h.source, 'Archive', subject);
    const noTarget = await h.source.move('Archive', [archived!], `Nope ${tag}`);
    expect(noTarget.ok ? 'ok' : noTarget.error.code).toBe('FOLDER_NOT_FOUND');
    expect(await uidsOf(h.source, 'Archive', subject)).toHaveLength(1);
  });

  it('deletes to the Trash, and from the Trash for good', async () => {
    await ensureFolders(bob, ['Trash']);
    const h = start(bob);
    const subject = `delete ${tag}`;
    await send(alice, bob, subject);
    const uid = await waitForSubject(h.source, 'INBOX', subject);
    expect(value(await h.source.delete('INBOX', [uid]))).toEqual({ deleted: 1, permanently: false });
    expect(await uidsOf(h.source, 'INBOX', subject)).toEqual([]);
    const inTrash = await uidsOf(h.source, 'Trash', subject);
    expect(inTrash).toHaveLength(1);

    expect(value(await h.source.delete('Trash', inTrash))).toEqual({ deleted: 1, permanently: true });
    expect(await uidsOf(h.source, 'Trash', subject)).toEqual([]);
    // Expunged, not just flagged \Deleted: another client finds nothing either.
    const raw = await rawClient(bob);
    await raw.mailboxOpen('Trash');
    expect(await raw.search({ subject }, { uid: true })).toEqual([]);
    expect(await raw.search({ uid: String(inTrash[0]) }, { uid: true })).toEqual([]);
  });

  it('deletes for good when the account has no Trash', async () => {
    const h = start(carol);
    const subject = `no trash ${tag}`;
    await send(alice, carol, subject);
    const uid = await waitForSubject(h.source, 'INBOX', subject);
    expect(value(await h.source.folders()).some((f) => f.role === 'trash')).toBe(false);
    expect(value(await h.source.delete('INBOX', [uid]))).toEqual({ deleted: 1, permanently: true });
    expect(await uidsOf(h.source, 'INBOX', subject)).toEqual([]);
  });

  it('searches by sender and by subject on the server', async () => {
    const from = (who: string, subject: string) => (i: number) =>
      `From: ${who}\r\nTo: bob@mailwright.test\r\nSubject: ${subject}\r\nDate: ${new Date(Date.UTC(2024, 1, 1, 0, i)).toUTCString()}\r\n\r\nhi\r\n`;
    const specs: Array<[string, string]> = [
      ['Alice Example <alice@example.org>', 'Quarterly numbers'],
      ['Carol <carol@example.net>', 'Lunch on Friday'],
      ['Alice Example <alice@example.org>', 'Lunch plans'],
      ['Dave <dave@example.com>', 'Hello from Dave'],
      ['Carol <carol@example.net>', 'Re: Quarterly numbers'],
      ['=?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.org>', `=?UTF-8?B?${Buffer.from('Grüße aus Köln').toString('base64')}?=`],
    ];
    await fillMaildir(servers, bob, { folder: 'SearchBox', count: specs.length, make: (i) => from(...specs[i]!)(i) });
    const h = start(bob, { idle: false });
    const all = value(await h.source.list('SearchBox', 0, 10)).messages;
    const uidOf = (subject: string) => all.find((m) => m.subject === subject)!.uid;

    const bySender = value(await h.source.search('SearchBox', 'alice@example.org', 'from', 10));
    expect(bySender.total).toBe(2);
    expect(bySender.messages.map((m) => m.subject)).toEqual(['Lunch plans', 'Quarterly numbers']);

    const bySubject = value(await h.source.search('SearchBox', 'lunch', 'subject', 10));
    expect(bySubject.messages.map((m) => m.uid)).toEqual([uidOf('Lunch plans'), uidOf('Lunch on Friday')]);

    const either = value(await h.source.search('SearchBox', 'carol', 'either', 10));
    expect(either.messages.map((m) => m.subject)).toEqual(['Re: Quarterly numbers', 'Lunch on Friday']);

    // The newest `limit` of the matches; total counts them all.
    const limited = value(await h.source.search('SearchBox', 'quarterly', 'subject', 1));
    expect(limited).toMatchObject({ total: 2, offset: 0 });
    expect(limited.messages.map((m) => m.subject)).toEqual(['Re: Quarterly numbers']);
    expect(value(await h.source.search('SearchBox', 'nobody-here', 'either', 10))).toEqual({ folder: 'SearchBox', total: 0, offset: 0, messages: [] });

    // Encoded words come back decoded, and a search for non-ASCII text finds them.
    expect(all[0]).toMatchObject({ from: { name: 'Jürgen Müller', address: 'juergen@example.org' }, subject: 'Grüße aus Köln' });
    expect(value(await h.source.search('SearchBox', 'Köln', 'subject', 10)).messages.map((m) => m.uid)).toEqual([all[0]!.uid]);
  });

  it('flags delivery reports in the list', async () => {
    await send(bob, { ...bob, address: `nosuchuser@${servers.bounceDomain}` }, `bounce ${tag}`);
    const h = start(bob, { idle: false });
    let report: { isDeliveryReport: boolean; subject: string } | undefined;
    await until(async () => {
      report = value(await h.source.list('INBOX', 0, 20)).messages.find((m) => m.from?.address.toUpperCase().startsWith('MAILER-DAEMON'));
      return report !== undefined;
    }, 'the bounce in INBOX');
    expect(report!.isDeliveryReport).toBe(true);
    const ordinary = value(await h.source.list('INBOX', 0, 20)).messages.filter((m) => m.subject.endsWith(tag) && !m.subject.startsWith('Undelivered'));
    expect(ordinary.length).toBeGreaterThan(0);
    expect(ordinary.every((m) => !m.isDeliveryReport)).toBe(true);
  });

  it('counts new INBOX mail on refresh() and hands inboxSince() the new delivery reports, oldest first, ordinary mail skipped', async () => {
    const h = start(carol, { idle: false });
    value(await h.source.list('INBOX', 0, 10));
    expect(value(await h.source.refresh())).toEqual({ newMessages: 0 });
    await fillMaildir(servers, carol, { count: 2, make: (i) => `Subject: refresh ${i} ${tag}\r\n\r\nx\r\n` });
    expect(value(await h.source.refresh())).toEqual({ newMessages: 2 });
    expect(value(await h.source.refresh())).toEqual({ newMessages: 0 });

    const everything = value(await h.source.inboxSince(null, 1000));
    expect(everything.more).toBe(false);
    const before = { uidValidity: everything.uidValidity, uid: everything.lastUid };
    // Even numbers are bounces (by their headers), odd ones ordinary mail that is never downloaded.
    const make = (i: number) =>
      i % 2 === 0
        ? `From: Mail Delivery System <MAILER-DAEMON@mailwright.test>\r\nSubject: since ${i} ${tag}\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b--\r\n`
        : `From: bob@mailwright.test\r\nSubject: since ${i} ${tag}\r\n\r\nbody ${i}\r\n`;
    await fillMaildir(servers, carol, { count: 5, make });
    const subjects = (r: { messages: Array<{ source: Buffer }> }) => r.messages.map((m) => /^Subject: (.*)$/m.exec(m.source.toString('utf8'))?.[1]?.trim());

    const first = value(await h.source.inboxSince(before, 3));
    expect(first.more).toBe(true);
    expect(subjects(first)).toEqual([0, 2].map((i) => `since ${i} ${tag}`));
    expect(first.messages.every((m) => m.uid > before.uid)).toBe(true);
    // The third message looked at (a bounce) is the last one looked at.
    expect(first.lastUid).toBe(first.messages[1]!.uid);

    const second = value(await h.source.inboxSince({ uidValidity: first.uidValidity, uid: first.lastUid }, 3));
    expect(second.more).toBe(false);
    expect(subjects(second)).toEqual([`since 4 ${tag}`]);
    expect(second.lastUid).toBe(second.messages[0]!.uid);

    // Nothing new: "n:*" still returns the highest UID, which must not come back.
    const none = value(await h.source.inboxSince({ uidValidity: second.uidValidity, uid: second.lastUid }, 3));
    expect(none).toEqual({ uidValidity: second.uidValidity, lastUid: second.lastUid, messages: [], more: false });

    // Another UIDVALIDITY: everything again, from the oldest; with a start date, what arrived since.
    const reset = value(await h.source.inboxSince({ uidValidity: '1', uid: second.lastUid }, 1000));
    expect(reset.messages.length).toBe(everything.messages.length + 3);
    expect(reset.messages.map((m) => m.uid)).toEqual([...reset.messages.map((m) => m.uid)].sort((a, b) => a - b));
    // (SEARCH SINCE, or YOUNGER where the server has WITHIN, as Dovecot does: recent mail is all there.)
    const recent = value(await h.source.inboxSince(null, 1000, new Date(Date.now() - 60 * 86_400_000)));
    expect(recent.messages.map((m) => m.uid)).toEqual(reset.messages.map((m) => m.uid));
    // A fresh start with nothing since startAt still counts the inbox as looked at: the next
    // call (no date limit then) must not go through all of it.
    await sleep(2_000);
    const nothing = value(await h.source.inboxSince(null, 1000, new Date(Date.now() - 1_000)));
    expect(nothing.messages).toEqual([]);
    expect(nothing.lastUid).toBeGreaterThanOrEqual(reset.lastUid);
    const after = value(await h.source.inboxSince({ uidValidity: nothing.uidValidity, uid: nothing.lastUid }, 1000));
    expect(after.messages).toEqual([]);
  });
});

describe('coming back by itself', () => {
  it('goes offline when the connection is cut, comes back online, and shows mail sent meanwhile', async () => {
    const proxy = await CuttableProxy.start(servers.imap.tlsPort);
    const h = start(bob, { port: proxy.port, maxBackoffMs: 400 });
    await online(h);
    value(await h.source.list('INBOX', 0, 1)); // the command connection is open too
    expect(proxy.live).toBe(2);

    proxy.refusing = true;
    proxy.cut();
    await until(() => h.state() === 'offline', 'status offline');
    const offline = h.statuses.at(-1)!;
    expect(offline.error?.code).toBe('CONNECTION_LOST');
    expect(offline.retryAt).not.toBeNull();

    // An operation while down tries once and fails with a code, it does not hang.
    const whileDown = await h.source.list('INBOX', 0, 10);
    expect(whileDown.ok ? 'ok' : whileDown.error.code).toMatch(/^CONNECTION_/);

    const subject = `meanwhile ${tag}`;
    await send(alice, bob, subject);
    h.changes.length = 0;
    const triesBefore = proxy.accepted;
    proxy.refusing = false;
    await until(() => h.state() === 'online', 'status online again');
    expect(proxy.accepted).toBeGreaterThan(triesBefore);
    await until(() => h.changes.some((c) => c.folder === 'INBOX' && c.reason === 'sync'), 'onChange sync');
    expect(value(await h.source.list('INBOX', 0, 50)).messages.some((m) => m.subject === subject)).toBe(true);
  });

  it('wake() drops the connections and reconnects at once', async () => {
    const proxy = await CuttableProxy.start(servers.imap.starttlsPort);
    const h = start(bob, { security: 'starttls', port: proxy.port });
    await online(h);
    const acceptedBefore = proxy.accepted;
    const statusesBefore = h.statuses.length;
    h.changes.length = 0;
    h.source.wake();
    await until(() => proxy.accepted > acceptedBefore && h.state() === 'online', 'a new connection after wake');
    await until(() => h.changes.some((c) => c.reason === 'sync'), 'onChange sync after wake');
    const after = h.statuses.slice(statusesBefore).map((s) => s.state);
    expect(after).toEqual(['connecting', 'online']);
    await until(() => proxy.live === 1, 'the old connection closed');
    // And it still works.
    expect(value(await h.source.list('INBOX', 0, 1)).total).toBeGreaterThan(0);
  });

  it('reports a wrong password as AUTH_FAILED and retries only slowly', async () => {
    const h = start(carol, { password: () => ok('not the password') });
    await until(() => h.state() === 'error', 'status error');
    const status = h.statuses.at(-1)!;
    expect(status.error?.code).toBe('AUTH_FAILED');
    expect(Date.parse(status.retryAt!) - Date.now()).toBeGreaterThan(40_000); // default maxBackoffMs 60 s (±20 %)
    const listed = await h.source.list('INBOX', 0, 10);
    expect(listed.ok ? 'ok' : listed.error.code).toBe('AUTH_FAILED');
    expect(h.statuses.filter((s) => s.state === 'connecting')).toHaveLength(1);
  });

  it('fails fast with a code when nothing listens, and when no password is stored', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const h = start(bob, { port: closedPort, idle: false });
    const r = await h.source.folders();
    expect(r.ok ? 'ok' : r.error.code).toBe('CONNECTION_REFUSED');
    await until(() => h.state() === 'offline', 'status offline');

    const p = start(bob, { password: () => ok(undefined) });
    const r2 = await p.source.folders();
    expect(r2.ok ? 'ok' : r2.error.code).toBe('PASSWORD_MISSING');
    await until(() => p.state() === 'error', 'status error');
  });

  it('close() logs out of both connections and stops', async () => {
    const proxy = await CuttableProxy.start(servers.imap.tlsPort);
    const h = start(bob, { port: proxy.port });
    await online(h);
    value(await h.source.folders());
    expect(proxy.live).toBe(2);
    await h.source.close();
    await until(() => proxy.live === 0, 'both connections closed');
    const after = await h.source.list('INBOX', 0, 1);
    expect(after.ok ? 'ok' : after.error.code).toBe('CANCELLED');
    const n = h.statuses.length;
    proxy.cut();
    await sleep(50);
    expect(h.statuses.length).toBe(n); // no status after close
  });
});

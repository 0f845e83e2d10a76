/**
 * The POP3 mail source against real Dovecot (STARTTLS and implicit TLS, trusting the fixture's CA):
 * messages are put into a mailbox by IMAP APPEND (Dovecot's RETR returns exactly those bytes), then
 * downloaded into a local store in a temporary folder and checked there, on disk and on the server
 * (through a separate POP3 session). Servers that misbehave in ways Dovecot does not ([IN-USE], no
 * UIDL, no STLS) are scripted in-process with the unit tests' fake server.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MailChanged, MailStatus, MessageSummary } from '../../shared/mail';
import type { Security } from '../../shared/model';
import type { Logger } from '../../src-main/services/logger';
import { messageFileName } from '../../src-main/services/mail/local-store';
import { createPop3Source } from '../../src-main/services/mail/pop3-source';
import type { MailSource } from '../../src-main/services/mail/types';
import { Pop3Client } from '../../src-main/services/pop3/client';
import type { StoredAccount } from '../../src-main/services/settings-store';
import { startMailServers, type MailServers, type MailUser } from '../support/mail-servers';
import { fakeServer, stuffed, type FakeServer } from '../unit/pop3-fake-server';
import { withImap } from '../support/clients';
import { passwordCredential } from '../../src-main/services/credentials';

const DAY = 86_400_000;
let servers: MailServers;
let work: string;
const open: MailSource[] = [];
const fakes: FakeServer[] = [];

beforeAll(async () => {
  servers = await startMailServers();
  work = mkdtempSync(join(tmpdir(), 'mailwright-pop3-source-'));
}, 90_000);
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  for (const f of fakes.splice(0)) await f.close();
});
afterAll(async () => {
  await servers?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const user = (i: number): MailUser => servers.users[i]!;

function account(u: { username: string }, options: { security?: Security; port?: number; leaveOnServerDays?: number | null } = {}): StoredAccount {
  const security = options.security ?? 'tls';
  return {
    id: crypto.randomUUID(),
    description: 'test',
    email: u.username,
    displayName: 'Test',
    smtp: { host: servers.host, port: servers.submission.tlsPort, security: 'tls', auth: 'password', username: u.username },
    incoming: {
      protocol: 'pop3',
      auth: 'password',
      host: servers.host,
      port: options.port ?? (security === 'tls' ? servers.pop3.tlsPort : servers.pop3.starttlsPort),
      security,
      username: u.username,
      saveSentCopy: false,
      leaveOnServerDays: options.leaveOnServerDays === undefined ? null : options.leaveOnServerDays,
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
  logs: string[];
}

function harness(
  dir: string,
  acc: StoredAccount,
  password: string,
  options: { now?: () => number; pollMs?: number; maxPerRefresh?: number; extraCas?: string[]; after?: Promise<unknown> } = {},
): Harness {
  const statuses: MailStatus[] = [];
  const changes: MailChanged[] = [];
  const logs: string[] = [];
  const record = (m: string, f?: Record<string, unknown>) => logs.push(`${m} ${JSON.stringify(f ?? {})}`);
  const logger: Logger = { info: record, warn: record, error: record };
  const source = createPop3Source(
    {
      account: acc,
      ...passwordCredential(acc.incoming?.username ?? '', password),
      extraCertificateAuthorities: options.extraCas ?? [servers.ca],
      onChange: (c) => changes.push(c),
      onStatus: (s) => statuses.push(s),
      logger,
      ...(options.now ? { now: options.now } : {}),
    },
    { dir, pollMs: options.pollMs ?? 0, timeoutMs: 5000, ...(options.maxPerRefresh ? { maxPerRefresh: options.maxPerRefresh } : {}), ...(options.after ? { after: options.after } : {}) },
  );
  open.push(source);
  return { source, statuses, changes, logs };
}

const newDir = (): string => mkdtempSync(join(work, 'store-'));
const messageFiles = (dir: string): string[] => readdirSync(join(dir, 'messages')).sort();

let counter = 0;
function message(subject: string, options: { from?: string; to?: string; body?: string; headers?: string[] } = {}): Buffer {
  counter++;
  const head = [
    `From: ${options.from ?? 'Alice Example <alice@mailwright.test>'}`,
    `To: ${options.to ?? 'Bob <bob@mailwright.test>'}`,
    `Subject: ${subject}`,
    'Date: Tue, 04 Mar 2025 10:00:00 +0000',
    `Message-ID: <m${counter}.${Date.now()}@mailwright.test>`,
    'MIME-Version: 1.0',
    ...(options.headers ?? ['Content-Type: text/plain; charset=utf-8']),
  ];
  return Buffer.from(`${head.join('\r\n')}\r\n\r\n${options.body ?? `Body of ${subject}\r\n`}`, 'utf8');
}

/** IMAP APPEND to the user's INBOX, in order. */
async function append(u: MailUser, ...raws: Buffer[]): Promise<void> {
  await withImap(servers, u, async (client) => {
    for (const raw of raws) await client.append('INBOX', raw);
  });
}

/** A separate POP3 session: what the server holds now, by UIDL. Deletes everything first when asked. */
async function onServer(u: MailUser, options: { empty?: boolean } = {}): Promise<Map<string, Buffer>> {
  const client = await Pop3Client.connect({ host: servers.host, port: servers.pop3.tlsPort, security: 'tls', tls: { ca: servers.ca }, timeoutMs: 5000 });
  try {
    await client.login(u.username, u.password);
    const out = new Map<string, Buffer>();
    const listing = await client.uidl();
    expect((await client.stat()).count).toBe(listing.length);
    for (const { id, uid } of listing) {
      if (options.empty) await client.dele(id);
      else out.set(uid, await client.retr(id));
    }
    await client.quit();
    return out;
  } finally {
    client.close();
  }
}
const emptyMailbox = async (u: MailUser): Promise<void> => {
  await onServer(u, { empty: true });
  expect((await onServer(u)).size).toBe(0);
};

function value<T>(result: { ok: true; value: T } | { ok: false; error: { code: string } }): T {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code}`);
  return result.value;
}

async function inbox(source: MailSource, folder = 'INBOX'): Promise<MessageSummary[]> {
  return value(await source.list(folder, 0, 1000)).messages;
}

describe.each(['starttls', 'tls'] as const)('POP3 source over %s against Dovecot', (security) => {
  it('downloads each message once, byte-exact, and never again: not on the next refresh, not after a restart', async () => {
    const bob = user(1);
    await emptyMailbox(bob);
    const lunch = message('Lunch on Friday', { from: 'Carla Díaz <carla@mailwright.test>' });
    // Lines starting with "." travel dot-stuffed: the stored file must have them back as they were.
    const dots = message('Dots', { body: ['.', '..', '.leading dot', '..two', 'a . inside', '', '.', 'end', ''].join('\r\n') });
    const utf8 = message('=?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=', { body: 'Grüße ✓\r\n.Punkt\r\n', headers: ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit'] });
    await append(bob, lunch, dots, utf8);
    const server = await onServer(bob);
    expect([...server.values()]).toEqual([lunch, dots, utf8]); // Dovecot's RETR returns what was appended

    const dir = newDir();
    const a = harness(dir, account(bob, { security }), bob.password);
    expect(await a.source.refresh()).toEqual({ ok: true, value: { newMessages: 3 } });
    expect(a.statuses.map((s) => s.state)).toEqual(['connecting', 'online']);
    expect(a.statuses[1]).toMatchObject({ state: 'online', error: null, retryAt: null });
    expect(a.changes).toEqual([{ accountId: expect.any(String), folder: 'INBOX', reason: 'new' }]);

    const list = await inbox(a.source);
    expect(list.map((m) => m.uid)).toEqual([3, 2, 1]); // newest first
    expect(list.map((m) => m.subject)).toEqual(['Grüße aus Köln', 'Dots', 'Lunch on Friday']);
    expect(list[2]).toMatchObject({
      from: { name: 'Carla Díaz', address: 'carla@mailwright.test' },
      to: [{ name: 'Bob', address: 'bob@mailwright.test' }],
      date: '2025-03-04T10:00:00.000Z',
      size: lunch.length,
      messageId: expect.stringMatching(/^<m\d+\.\d+@mailwright\.test>$/),
      seen: false,
      flagged: false,
      answered: false,
      isDeliveryReport: false,
    });
    for (const [uid, raw] of [[1, lunch], [2, dots], [3, utf8]] as const) {
      expect(value(await a.source.source('INBOX', uid)).equals(raw)).toBe(true);
    }
    expect(messageFiles(dir)).toHaveLength(3);
    expect(value(await a.source.folders())).toEqual([
      { path: 'INBOX', name: 'Inbox', delimiter: null, role: 'inbox', selectable: true, total: 3, unseen: 3 },
      { path: 'Trash', name: 'Trash', delimiter: null, role: 'trash', selectable: true, total: 0, unseen: 0 },
    ]);

    expect(await a.source.refresh()).toEqual({ ok: true, value: { newMessages: 0 } });
    expect(a.changes).toHaveLength(1); // nothing new, no change event
    await a.source.close();

    // A new instance on the same folder (an app restart) knows every UIDL.
    const b = harness(dir, account(bob, { security }), bob.password);
    expect(await b.source.refresh()).toEqual({ ok: true, value: { newMessages: 0 } });
    expect((await inbox(b.source)).map((m) => m.uid)).toEqual([3, 2, 1]);

    const later = message('One more');
    await append(bob, later);
    expect(await b.source.refresh()).toEqual({ ok: true, value: { newMessages: 1 } });
    const after = await inbox(b.source);
    expect(after.map((m) => m.uid)).toEqual([4, 3, 2, 1]);
    expect(value(await b.source.source('INBOX', 4)).equals(later)).toBe(true);
    expect(messageFiles(dir)).toHaveLength(4);
    expect((await onServer(bob)).size).toBe(4); // leaveOnServerDays null: kept for ever
  });
});

describe('POP3 source: refresh runs', () => {
  it('concurrent refresh calls share one run', async () => {
    const carol = user(2);
    await emptyMailbox(carol);
    await append(carol, message('c1'), message('c2'));
    const h = harness(newDir(), account(carol), carol.password);
    const [first, second] = await Promise.all([h.source.refresh(), h.source.refresh()]);
    expect(first).toEqual({ ok: true, value: { newMessages: 2 } });
    expect(second).toEqual(first);
    expect(h.statuses.filter((s) => s.state === 'connecting')).toHaveLength(1);
    expect(await inbox(h.source)).toHaveLength(2);
  });

  it('downloads at most maxPerRefresh messages per run; the next run continues', async () => {
    const carol = user(2);
    await emptyMailbox(carol);
    await append(carol, message('p1'), message('p2'), message('p3'));
    const h = harness(newDir(), account(carol), carol.password, { maxPerRefresh: 2 });
    expect(value(await h.source.refresh()).newMessages).toBe(2);
    expect((await inbox(h.source)).map((m) => m.subject)).toEqual(['p2', 'p1']); // oldest first
    expect(value(await h.source.refresh()).newMessages).toBe(1);
    expect(value(await h.source.refresh()).newMessages).toBe(0);
    expect((await inbox(h.source)).map((m) => m.subject)).toEqual(['p3', 'p2', 'p1']);
  });

  it('wake() starts a refresh at once; close() waits for the run in flight, later refreshes are refused', async () => {
    const carol = user(2);
    await emptyMailbox(carol);
    await append(carol, message('w1'));
    const h = harness(newDir(), account(carol), carol.password);
    h.source.wake();
    expect(h.statuses.map((s) => s.state)).toEqual(['connecting']);
    expect(value(await h.source.refresh()).newMessages).toBe(1); // joined the run wake() started
    expect(h.statuses.map((s) => s.state)).toEqual(['connecting', 'online']);

    await append(carol, message('w2'));
    let settled = false;
    const inFlight = h.source.refresh().finally(() => (settled = true));
    const reported = h.statuses.length;
    await h.source.close();
    expect(settled).toBe(true);
    expect((await inFlight).ok).toBe(true);
    expect(await h.source.refresh()).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    // The run that finished after close() reports no status: the account may have a new source by then.
    expect(h.statuses.length).toBe(reported);
  });

  it('a source replacing one that is still downloading opens the store after it: nothing downloaded twice', async () => {
    const carol = user(2);
    await emptyMailbox(carol);
    await append(carol, ...Array.from({ length: 30 }, (_, i) => message(`r${i}`)));
    const dir = newDir();
    const old = harness(dir, account(carol), carol.password);
    const oldRun = old.source.refresh();
    // Replaced in the middle of its download.
    const downloaded = (): number => {
      try {
        return messageFiles(dir).length;
      } catch {
        return 0; // the store has not made its folder yet
      }
    };
    while (downloaded() < 5) await sleep(2);
    const replacement = harness(dir, account(carol), carol.password, { after: old.source.close() });
    const [first, second] = await Promise.all([oldRun, replacement.source.refresh()]);
    expect(value(first).newMessages + value(second).newMessages).toBe(30);
    const subjects = (await inbox(replacement.source)).map((m) => m.subject);
    expect(subjects).toHaveLength(30);
    expect(new Set(subjects).size).toBe(30);
    expect(messageFiles(dir)).toHaveLength(30);
  });

  it('polls on its own: a first check at start, then every pollMs', async () => {
    const carol = user(2);
    await emptyMailbox(carol);
    await append(carol, message('t1'));
    const h = harness(newDir(), account(carol), carol.password, { pollMs: 200 });
    const until = async (done: () => boolean) => {
      for (let i = 0; i < 200 && !done(); i++) await sleep(50);
      expect(done()).toBe(true);
    };
    await until(() => h.changes.length === 1);
    await append(carol, message('t2'));
    await until(() => h.changes.length === 2);
    expect((await inbox(h.source)).map((m) => m.subject)).toEqual(['t2', 't1']);
  });
});

describe('POP3 source: leaving messages on the server', () => {
  it('leaveOnServerDays 0: the server mailbox is empty after a refresh, the messages are here', async () => {
    const bob = user(1);
    await emptyMailbox(bob);
    const one = message('gone one');
    await append(bob, one, message('gone two'));
    const h = harness(newDir(), account(bob, { security: 'starttls', leaveOnServerDays: 0 }), bob.password);
    expect(value(await h.source.refresh()).newMessages).toBe(2);
    expect((await onServer(bob)).size).toBe(0);
    expect((await inbox(h.source)).map((m) => m.subject)).toEqual(['gone two', 'gone one']);
    expect(value(await h.source.source('INBOX', 1)).equals(one)).toBe(true);
    expect(value(await h.source.refresh()).newMessages).toBe(0);
  });

  it('leaveOnServerDays 3: kept on day 2, deleted on day 4 (counted per message), never downloaded again', async () => {
    const bob = user(1);
    await emptyMailbox(bob);
    const t0 = Date.parse('2030-01-01T08:00:00Z');
    let clock = t0;
    const h = harness(newDir(), account(bob, { leaveOnServerDays: 3 }), bob.password, { now: () => clock });
    await append(bob, message('day0 a'), message('day0 b'));
    expect(value(await h.source.refresh()).newMessages).toBe(2);

    clock = t0 + 2 * DAY;
    const c = message('day2 c');
    await append(bob, c);
    expect(value(await h.source.refresh()).newMessages).toBe(1);
    expect((await onServer(bob)).size).toBe(3);

    clock = t0 + 4 * DAY;
    expect(value(await h.source.refresh()).newMessages).toBe(0);
    const left = await onServer(bob);
    expect([...left.values()]).toEqual([c]); // c was first downloaded on day 2: due on day 5

    clock = t0 + 5 * DAY;
    expect(value(await h.source.refresh()).newMessages).toBe(0);
    expect((await onServer(bob)).size).toBe(0);
    expect((await inbox(h.source)).map((m) => m.subject)).toEqual(['day2 c', 'day0 b', 'day0 a']);
  });
});

describe('POP3 source: local folders', () => {
  it('delete moves to Trash; deleting in Trash removes the file and DELEs the message at the next refresh', async () => {
    const bob = user(1);
    await emptyMailbox(bob);
    const keep = message('keep me');
    await append(bob, message('throw me away'), keep);
    const dir = newDir();
    const h = harness(dir, account(bob), bob.password);
    expect(value(await h.source.refresh()).newMessages).toBe(2);

    expect(await h.source.delete('INBOX', [1])).toEqual({ ok: true, value: { deleted: 1, permanently: false } });
    expect((await inbox(h.source)).map((m) => m.uid)).toEqual([2]);
    expect((await inbox(h.source, 'Trash')).map((m) => m.subject)).toEqual(['throw me away']);
    expect((await h.source.source('INBOX', 1)).ok).toBe(false);
    expect(value(await h.source.source('Trash', 1)).length).toBeGreaterThan(0);
    expect((await onServer(bob)).size).toBe(2);

    expect(await h.source.delete('Trash', [1])).toEqual({ ok: true, value: { deleted: 1, permanently: true } });
    expect(await inbox(h.source, 'Trash')).toEqual([]);
    expect(await h.source.source('Trash', 1)).toMatchObject({ ok: false, error: { code: 'MESSAGE_NOT_FOUND' } });
    expect(messageFiles(dir)).toHaveLength(1);
    expect((await onServer(bob)).size).toBe(2); // DELE waits for the next session

    expect(value(await h.source.refresh()).newMessages).toBe(0);
    expect([...(await onServer(bob)).values()]).toEqual([keep]);
    await h.source.close();

    const again = harness(dir, account(bob), bob.password);
    expect(value(await again.source.refresh()).newMessages).toBe(0);
    expect((await inbox(again.source)).map((m) => m.subject)).toEqual(['keep me']);
  });

  it('flags and moves are local and survive a restart; unknown folders are refused', async () => {
    const carol = user(2);
    await emptyMailbox(carol);
    await append(carol, message('f1'), message('f2'));
    const dir = newDir();
    const h = harness(dir, account(carol), carol.password);
    await h.source.refresh();
    expect(await h.source.setFlags('INBOX', [1], { seen: true, flagged: true })).toEqual({ ok: true, value: { updated: 1 } });
    expect(await h.source.setFlags('Trash', [2], { seen: true })).toEqual({ ok: true, value: { updated: 0 } });
    expect(await h.source.move('INBOX', [2], 'Trash')).toEqual({ ok: true, value: { moved: 1 } });
    expect(await h.source.move('INBOX', [1], 'Archive')).toMatchObject({ ok: false, error: { code: 'FOLDER_NOT_FOUND' } });
    await h.source.close();

    const again = harness(dir, account(carol), carol.password);
    expect(await inbox(again.source)).toEqual([expect.objectContaining({ uid: 1, seen: true, flagged: true, answered: false })]);
    expect(await inbox(again.source, 'Trash')).toEqual([expect.objectContaining({ uid: 2, seen: false })]);
    expect(value(await again.source.folders()).map((f) => [f.path, f.total, f.unseen])).toEqual([
      ['INBOX', 1, 0],
      ['Trash', 1, 1],
    ]);
    expect(await again.source.move('Trash', [2], 'INBOX')).toEqual({ ok: true, value: { moved: 1 } });
    expect((await inbox(again.source)).map((m) => m.uid)).toEqual([2, 1]);
  });

  it('search and inboxSince work over the local index', async () => {
    const carol = user(2);
    await emptyMailbox(carol);
    const raws = [
      message('Invoice March', { from: 'Billing Team <billing@shop.test>' }),
      message('Lunch?', { from: 'Dana <dana@mailwright.test>' }),
      message('Re: invoice', { from: 'Erik <erik@mailwright.test>' }),
      message('Undelivered Mail Returned to Sender', { from: 'Mail Delivery System <MAILER-DAEMON@mailwright.test>' }),
    ];
    await append(carol, ...raws);
    const h = harness(newDir(), account(carol), carol.password);
    await h.source.refresh();

    const subjects = async (query: string, field: 'from' | 'subject' | 'either') => value(await h.source.search('INBOX', query, field, 50)).messages.map((m) => m.subject);
    expect(await subjects('INVOICE', 'subject')).toEqual(['Re: invoice', 'Invoice March']);
    expect(await subjects('invoice', 'from')).toEqual([]);
    expect(await subjects('billing team', 'from')).toEqual(['Invoice March']); // display name
    expect(await subjects('DANA@', 'from')).toEqual(['Lunch?']); // address
    expect(await subjects('erik', 'either')).toEqual(['Re: invoice']);
    expect(value(await h.source.search('INBOX', 'i', 'either', 1))).toMatchObject({ total: 4, messages: [{ uid: 4 }] });

    // Ordinary mail is looked at (lastUid moves on) but only the delivery report comes with its bytes.
    const first = value(await h.source.inboxSince(null, 2));
    expect(first.uidValidity).toMatch(/^\S+$/);
    expect(first).toMatchObject({ messages: [], lastUid: 2, more: true });
    const next = value(await h.source.inboxSince({ uidValidity: first.uidValidity, uid: first.lastUid }, 10));
    expect(next.messages.map((m) => m.uid)).toEqual([4]);
    expect(next.messages[0]!.source.equals(raws[3]!)).toBe(true);
    expect(next).toMatchObject({ uidValidity: first.uidValidity, lastUid: 4, more: false });
    const none = value(await h.source.inboxSince({ uidValidity: first.uidValidity, uid: 4 }, 10));
    expect(none).toMatchObject({ messages: [], lastUid: 4, more: false });
    const otherStore = value(await h.source.inboxSince({ uidValidity: 'something-else', uid: 4 }, 10));
    expect(otherStore.messages.map((m) => m.uid)).toEqual([4]);
  });
});

describe('POP3 source: crash recovery', () => {
  it('a message file without an index entry is indexed at open, not downloaded again; a deleted one stays deleted', async () => {
    const bob = user(1);
    await emptyMailbox(bob);
    const a = message('before the crash');
    await append(bob, a);
    const dir = newDir();
    const h = harness(dir, account(bob), bob.password);
    expect(value(await h.source.refresh()).newMessages).toBe(1);
    await h.source.delete('INBOX', [1]);
    await h.source.delete('Trash', [1]);
    await h.source.close();

    // What a crash leaves behind: the file of a download whose index write never happened, the file
    // of a permanent delete whose unlink never happened, and a half-written temporary file.
    const b = message('downloaded, then the crash');
    await append(bob, b);
    const server = await onServer(bob);
    const uidlOf = (raw: Buffer) => [...server].find(([, bytes]) => bytes.equals(raw))![0];
    writeFileSync(join(dir, 'messages', messageFileName(2, uidlOf(b))), b);
    writeFileSync(join(dir, 'messages', messageFileName(1, uidlOf(a))), a);
    writeFileSync(join(dir, 'messages', `${messageFileName(3, 'x')}.tmp-0123456789ab`), 'half');

    const again = harness(dir, account(bob), bob.password);
    expect((await inbox(again.source)).map((m) => [m.uid, m.subject])).toEqual([[2, 'downloaded, then the crash']]);
    expect(value(await again.source.source('INBOX', 2)).equals(b)).toBe(true);
    expect(messageFiles(dir)).toEqual([messageFileName(2, uidlOf(b))]);
    expect(again.logs.join('\n')).toContain('"reindexed":1');

    expect(value(await again.source.refresh()).newMessages).toBe(0);
    expect([...(await onServer(bob)).values()]).toEqual([b]); // a's DELE was still owed, and done

    await append(bob, message('after the crash'));
    expect(value(await again.source.refresh()).newMessages).toBe(1);
    expect((await inbox(again.source)).map((m) => m.uid)).toEqual([3, 2]); // uids are never reused
  });
});

/**
 * A scripted POP3 mailbox (UIDL, RETR, DELE committed on QUIT) whose QUIT can be made to fail: the
 * connection drops instead of "+OK", as when the network dies at the very end of a session.
 */
async function flakyQuitServer(mailbox: Array<{ uidl: string; raw: Buffer }>, dropQuitInSession: (n: number) => boolean): Promise<FakeServer> {
  let sessions = 0;
  const server = await fakeServer(async (s) => {
    const n = ++sessions;
    const marked = new Set<number>();
    s.write('+OK ready\r\n');
    for (;;) {
      const line = await s.nextLine();
      const [verb = '', arg = ''] = line.split(' ');
      const entry = mailbox[Number(arg) - 1];
      if (verb === 'CAPA') s.write('+OK\r\nUSER\r\nUIDL\r\n.\r\n');
      else if (verb === 'USER' || verb === 'PASS') s.write('+OK\r\n');
      else if (verb === 'UIDL') s.write(`+OK\r\n${mailbox.map((m, i) => `${i + 1} ${m.uidl}\r\n`).join('')}.\r\n`);
      else if (verb === 'RETR' && entry) s.write(Buffer.concat([Buffer.from('+OK\r\n'), stuffed(entry.raw)]));
      else if (verb === 'DELE' && entry) {
        marked.add(Number(arg));
        s.write('+OK marked\r\n');
      } else if (verb === 'QUIT') {
        if (dropQuitInSession(n)) return void s.socket.destroy();
        for (const id of [...marked].sort((a, b) => b - a)) mailbox.splice(id - 1, 1);
        s.write('+OK bye\r\n');
        return void s.socket.end();
      } else s.write('-ERR no\r\n');
    }
  });
  fakes.push(server);
  return server;
}

describe('POP3 source: deletions commit only with QUIT', () => {
  it('when QUIT fails, the DELE is asked for again next time; the downloads stay and are not repeated', async () => {
    const mailbox = [
      { uidl: 'u-one', raw: message('one', { body: '.dot\r\n' }) },
      { uidl: 'u-two', raw: message('two') },
    ];
    const server = await flakyQuitServer(mailbox, (n) => n === 1 || n === 3);
    const dir = newDir();
    const h = harness(dir, account({ username: 'bob' }, { security: 'none', port: server.port }), 'pw');

    // Session 1: both downloaded, then QUIT dies. The messages are kept and announced.
    expect(await h.source.refresh()).toMatchObject({ ok: false, error: { code: 'CONNECTION_LOST' } });
    expect((await inbox(h.source)).map((m) => m.subject)).toEqual(['two', 'one']);
    expect(value(await h.source.source('INBOX', 1)).equals(mailbox[0]!.raw)).toBe(true);
    expect(h.changes).toHaveLength(1);

    // Session 2: nothing downloaded again.
    expect(value(await h.source.refresh()).newMessages).toBe(0);
    await h.source.delete('INBOX', [1]);
    await h.source.delete('Trash', [1]);

    // Session 3: DELE sent, QUIT dies: the server kept the message, so the DELE is still owed.
    expect((await h.source.refresh()).ok).toBe(false);
    expect(mailbox.map((m) => m.uidl)).toEqual(['u-one', 'u-two']);
    // Session 4: DELE again, QUIT commits it.
    expect(value(await h.source.refresh()).newMessages).toBe(0);
    expect(mailbox.map((m) => m.uidl)).toEqual(['u-two']);
    const dele = server.sessions.map((s) => s.received.filter((l) => /^(RETR|DELE)/.test(l)));
    expect(dele).toEqual([['RETR 1', 'RETR 2'], [], ['DELE 1'], ['DELE 1']]);
    // Session 5: nothing is owed any more.
    expect(value(await h.source.refresh()).newMessages).toBe(0);
    expect(server.sessions[4]!.received.filter((l) => /^(RETR|DELE)/.test(l))).toEqual([]);
  });
});

describe('POP3 source: failures', () => {
  it('a wrong password: AUTH_FAILED, status error with a retry that backs off, the password nowhere', async () => {
    const bob = user(1);
    const clock = Date.parse('2030-06-01T12:00:00Z');
    const wrong = 'not-the-password-4711';
    const dir = newDir();
    const h = harness(dir, account(bob), wrong, { now: () => clock, pollMs: 10 * 60_000 });
    const first = await h.source.refresh();
    expect(first).toMatchObject({ ok: false, error: { code: 'AUTH_FAILED' } });
    expect(h.statuses.map((s) => s.state)).toEqual(['connecting', 'error']);
    expect(h.statuses[1]).toEqual({
      accountId: expect.any(String),
      state: 'error',
      retryAt: new Date(clock + 60_000).toISOString(),
      error: { code: 'AUTH_FAILED', message: expect.any(String) },
    });
    await h.source.refresh();
    expect(h.statuses.at(-1)!.retryAt).toBe(new Date(clock + 120_000).toISOString());
    expect(messageFiles(dir)).toEqual([]);
    expect(JSON.stringify([first, h.statuses]) + h.logs.join('\n')).not.toContain(wrong);
  });

  it('a certificate no trusted authority signed: TLS_UNTRUSTED_CERTIFICATE', async () => {
    const bob = user(1);
    const h = harness(newDir(), account(bob, { security: 'starttls' }), bob.password, { extraCas: [] });
    expect(await h.source.refresh()).toMatchObject({ ok: false, error: { code: 'TLS_UNTRUSTED_CERTIFICATE' } });
  });

  it('nothing listening: CONNECTION_REFUSED', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const h = harness(newDir(), account(user(1), { port }), 'x');
    expect(await h.source.refresh()).toMatchObject({ ok: false, error: { code: 'CONNECTION_REFUSED' } });
  });

  // Dovecot does not lock POP3 mailboxes by default (pop3_lock_session = no: a second session logs
  // in fine), so [IN-USE] comes from a scripted server.
  it('[IN-USE] at PASS: MAILBOX_IN_USE', async () => {
    const server = await fakeServer(async (s) => {
      s.write('+OK ready\r\n');
      for (;;) {
        const line = await s.nextLine();
        if (line === 'CAPA') s.write('+OK\r\nUSER\r\nUIDL\r\n.\r\n');
        else if (line.startsWith('USER ')) s.write('+OK\r\n');
        else if (line.startsWith('PASS ')) s.write('-ERR [IN-USE] Mailbox is locked by another POP3 session\r\n');
        else if (line === 'QUIT') return void s.write('+OK bye\r\n');
        else s.write('-ERR not now\r\n');
      }
    });
    fakes.push(server);
    const h = harness(newDir(), account({ username: 'bob' }, { security: 'none', port: server.port }), 'pw');
    const result = await h.source.refresh();
    expect(result).toMatchObject({ ok: false, error: { code: 'MAILBOX_IN_USE', detail: { command: 'PASS' } } });
    expect(h.statuses.at(-1)).toMatchObject({ state: 'error', error: { code: 'MAILBOX_IN_USE' } });
    expect(server.received()).not.toContain('UIDL');
  });

  it('a server without UIDL: PROTOCOL_ERROR naming UIDL, nothing downloaded', async () => {
    const server = await fakeServer(async (s) => {
      s.write('+OK ready\r\n');
      for (;;) {
        const line = await s.nextLine();
        if (line === 'CAPA') s.write('+OK\r\nUSER\r\n.\r\n');
        else if (line === 'QUIT') return void s.write('+OK bye\r\n');
        else if (line === 'UIDL') s.write('-ERR unknown command\r\n');
        else if (/^(USER|PASS|STAT|LIST|RETR|TOP)\b/.test(line)) s.write(line.startsWith('RETR') ? '+OK\r\nSubject: x\r\n\r\nx\r\n.\r\n' : '+OK 1 10\r\n');
        else s.write('-ERR unknown command\r\n');
      }
    });
    fakes.push(server);
    const dir = newDir();
    const h = harness(dir, account({ username: 'bob' }, { security: 'none', port: server.port }), 'pw');
    expect(await h.source.refresh()).toMatchObject({ ok: false, error: { code: 'PROTOCOL_ERROR', detail: { command: 'UIDL' } } });
    await server.sessions[0]!.closed;
    expect(server.received().filter((l) => !l.startsWith('PASS'))).toEqual(['CAPA', 'USER bob', 'UIDL', 'QUIT']);
    expect(messageFiles(dir)).toEqual([]);
  });

  it("security 'starttls' against a server without STLS: STARTTLS_UNAVAILABLE, no USER or PASS sent", async () => {
    const server = await fakeServer(async (s) => {
      s.write('+OK ready\r\n');
      for (;;) {
        const line = await s.nextLine();
        s.write(line === 'CAPA' ? '+OK\r\nUSER\r\nUIDL\r\n.\r\n' : '+OK\r\n');
      }
    });
    fakes.push(server);
    const h = harness(newDir(), account({ username: 'bob' }, { security: 'starttls', port: server.port }), 'pw');
    expect(await h.source.refresh()).toMatchObject({ ok: false, error: { code: 'STARTTLS_UNAVAILABLE' } });
    expect(server.received().some((l) => /^(USER|PASS)\b/.test(l))).toBe(false);
  });
});

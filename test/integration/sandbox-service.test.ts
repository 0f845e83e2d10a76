/**
 * The sandbox through the backend the app builds (router, schemas, events), with real servers: the
 * Sandbox account is there at first start, fixed, hideable (and the choice survives a restart); what
 * it sends is captured byte for byte with its envelope; a rehearsal of a real account (on real
 * Postfix) lands in the sandbox, never on Postfix, without that account's password being read; a
 * 50-row merge rehearsed is captured whole, each row paged with its own values; a client without the
 * run's secret is refused and nothing is kept; open, delete and clear.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Socket } from 'node:net';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MergeRun } from '../../shared/merge/contract';
import type { Account } from '../../shared/model';
import type { OutboxJobView } from '../../shared/outbox';
import { SANDBOX_ACCOUNT_ID, SANDBOX_ADDRESS, type SandboxStatus, type SandboxSummary } from '../../shared/sandbox';
import { createAppKeyCipher, type SecretCipher } from '../../src-main/services/secrets';
import { silentLogger } from '../../src-main/services/logger';
import { openSandbox, type MessageOrigin } from '../../src-main/services/sandbox/service';
import { startBackend, type StartedBackend } from '../support/backend';
import { startMailServers, type MailServers } from '../support/mail-servers';
import { until } from '../support/outbox-fixtures';
import { withImap } from '../support/clients';

let servers: MailServers;
const dirs: string[] = [];
const backends: StartedBackend[] = [];
beforeAll(async () => {
  servers = await startMailServers();
}, 90_000);
afterAll(async () => {
  for (const b of backends) await b.close().catch(() => undefined);
  await servers?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The app-key cipher, counting every decryption: a password read from the vault is one. */
function countingCipher(dir: string) {
  const inner = createAppKeyCipher(dir);
  const counter = { decrypts: 0 };
  const cipher: SecretCipher = {
    scheme: inner.scheme,
    protection: inner.protection,
    encrypt: (plain) => inner.encrypt(plain),
    decrypt: (tagged) => {
      counter.decrypts++;
      return inner.decrypt(tagged);
    },
  };
  return { cipher, counter };
}

async function open(dir: string, over: Parameters<typeof startBackend>[1] = {}) {
  const b = await startBackend(dir, { undoSeconds: 0, ca: servers.ca, outbox: { retry: { baseMs: 200, maxMs: 400, maxAttempts: 2 } }, ...over });
  backends.push(b);
  return b;
}
const newDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailwright-sandbox-service-'));
  dirs.push(dir);
  return dir;
};

const jobsOf = (b: StartedBackend) => b.pushed.filter((p) => p.event === 'outbox:changed').map((p) => p.payload as OutboxJobView);
async function settled(b: StartedBackend, id: string): Promise<OutboxJobView> {
  await until(() => jobsOf(b).some((j) => j.id === id && ['sent', 'failed', 'uncertain'].includes(j.state)), 15_000, `job ${id} settled`);
  return jobsOf(b).filter((j) => j.id === id).at(-1)!;
}
const draftOf = (accountId: string, m: { to: string; cc?: string; bcc?: string; subject: string; text: string }) => ({
  accountId,
  to: m.to,
  cc: m.cc ?? '',
  bcc: m.bcc ?? '',
  subject: m.subject,
  body: { mode: 'plain', html: '', text: m.text },
  attachments: [],
});
/** A message file as SMTP carries it: every line ends in CRLF. */
const onTheWire = (eml: Buffer) => eml.toString('utf8').replace(/\r?\n/g, '\r\n');
/** How many messages with this Message-ID are in the user's IMAP Sent folder (Dovecot). */
const countInSent = (user: MailServers['users'][number], messageId: string) =>
  withImap(servers, user, async (client) => {
    const sent = (await client.list()).find((f) => f.specialUse === '\\Sent' || /^sent$/i.test(f.name));
    if (!sent) return 0;
    const lock = await client.getMailboxLock(sent.path);
    try {
      const found = await client.search({ header: { 'message-id': messageId } }, { uid: true });
      return found ? found.length : 0;
    } finally {
      lock.release();
    }
  });
/** Postfix's log lines for connections to its submission service. */
const postfixConnections = async () => (await servers.log()).split('\n').filter((l) => /smtpd\[\d+\]: connect from/.test(l)).length;

describe('the sandbox through the backend', () => {
  it('refuses a client without the run’s secret and keeps nothing', async () => {
    const dir = newDir();
    const b = await open(dir);
    const status = await b.value<SandboxStatus>('sandbox:status', {});
    expect(status).toMatchObject({ running: true, problem: null, count: 0, hidden: false, faults: { rules: [] } });
    const client = (auth?: { user: string; pass: string }) =>
      nodemailer.createTransport({ host: '127.0.0.1', port: status.port!, secure: false, ignoreTLS: true, connectionTimeout: 5000, ...(auth ? { auth } : {}) });
    const raw = 'From: x@example.org\r\nTo: y@example.org\r\nSubject: intruder\r\n\r\nHi\r\n';
    await expect(client().sendMail({ envelope: { from: 'x@example.org', to: ['y@example.org'] }, raw })).rejects.toMatchObject({ responseCode: 530 });
    await expect(client({ user: 'mailwright', pass: 'a guess' }).sendMail({ envelope: { from: 'x@example.org', to: ['y@example.org'] }, raw })).rejects.toMatchObject({ responseCode: 535 });
    expect(await b.value('sandbox:list', { offset: 0, limit: 50 })).toEqual({ total: 0, messages: [] });
    expect(readdirSync(join(dir, 'sandbox'))).toEqual([]);
    expect(b.router.offSchema).toEqual([]);
  });

  it('has the Sandbox account from the first start: fixed, hidden and shown again (kept across a restart)', async () => {
    const dir = newDir();
    const b = await open(dir);
    const listed = await b.value<Account[]>('accounts:list', {});
    expect(listed).toHaveLength(1);
    const status = await b.value<SandboxStatus>('sandbox:status', {});
    expect(listed[0]).toMatchObject({ id: SANDBOX_ACCOUNT_ID, sandbox: true, email: SANDBOX_ADDRESS, description: 'Sandbox', incoming: null, hasPassword: true, signedIn: false });
    expect(listed[0]!.smtp).toMatchObject({ host: '127.0.0.1', port: status.port, security: 'none', auth: 'password' });
    // No provider's limits pace what never leaves this computer.
    expect(listed[0]!.sendingLimits).toEqual({ recipientsPerDay: null, messagesPerMinute: null });

    // Its secret goes only to the capture server itself: checking it against another port asks for a password instead.
    const own = listed[0]!;
    const asInput = (port: number) => ({ description: own.description, email: own.email, displayName: own.displayName, smtp: { ...own.smtp, port }, incoming: null });
    expect((await b.errorOf('accounts:verify', { runId: 'elsewhere', accountId: SANDBOX_ACCOUNT_ID, account: asInput(status.port! + 1) })).code).toBe('PASSWORD_MISSING');
    const checked = await b.value('accounts:verify', { runId: 'own', accountId: SANDBOX_ACCOUNT_ID, account: asInput(status.port!) });
    expect(checked.ok).toBe(true);
    expect(checked.stages.find((st) => st.name === 'auth')?.status).toBe('passed');

    // Neither saved, nor removed, nor given limits.
    const input = { description: 'Mine now', email: 'me@example.org', displayName: 'Me', smtp: { host: '127.0.0.1', port: 2525, security: 'none', auth: 'none', username: '' }, incoming: null };
    expect((await b.errorOf('accounts:save', { id: SANDBOX_ACCOUNT_ID, account: input })).code).toBe('SANDBOX_ACCOUNT_FIXED');
    expect((await b.errorOf('accounts:delete', { id: SANDBOX_ACCOUNT_ID })).code).toBe('SANDBOX_ACCOUNT_FIXED');
    expect((await b.errorOf('accounts:setSendingLimits', { id: SANDBOX_ACCOUNT_ID, limits: null })).code).toBe('SANDBOX_ACCOUNT_FIXED');
    expect((await b.value<Account[]>('accounts:list', {})).map((a) => a.id)).toEqual([SANDBOX_ACCOUNT_ID]);

    // A real account comes first; the Sandbox account stays last.
    const real = await b.value<Account>('accounts:save', { account: input });
    expect((await b.value<Account[]>('accounts:list', {})).map((a) => a.id)).toEqual([real.id, SANDBOX_ACCOUNT_ID]);

    // A TLS fault makes the account ask for STARTTLS (so the handshake fails as the fault promises); the list is told.
    await b.value('sandbox:setFaults', { faults: { rules: [{ kind: 'tls', probability: 1 }] } });
    expect((await b.value<Account[]>('accounts:list', {})).find((a) => a.sandbox)?.smtp.security).toBe('starttls');
    expect((b.pushed.filter((p) => p.event === 'accounts:changed').at(-1)!.payload as Account[]).find((a) => a.sandbox)?.smtp.security).toBe('starttls');
    expect((await b.value<SandboxStatus>('sandbox:status', {})).faults.rules).toHaveLength(1);

    const hidden = await b.value<SandboxStatus>('sandbox:setHidden', { hidden: true });
    expect(hidden.hidden).toBe(true);
    expect((await b.value<Account[]>('accounts:list', {})).map((a) => a.id)).toEqual([real.id]);
    const announced = b.pushed.filter((p) => p.event === 'accounts:changed').at(-1)!.payload as Account[];
    expect(announced.map((a) => a.id)).toEqual([real.id]);
    expect(b.pushed.filter((p) => p.event === 'sandbox:changed').at(-1)!.payload).toMatchObject({ hidden: true });
    await b.close();

    const again = await open(dir);
    // Faults are kept in memory only: a restart brings a sandbox that works.
    expect(await again.value<SandboxStatus>('sandbox:status', {})).toMatchObject({ hidden: true, faults: { rules: [] } });
    expect((await again.value<Account[]>('accounts:list', {})).map((a) => a.id)).toEqual([real.id]);
    await again.value('sandbox:setHidden', { hidden: false });
    expect((await again.value<Account[]>('accounts:list', {})).map((a) => a.id)).toEqual([real.id, SANDBOX_ACCOUNT_ID]);
    expect((await again.value<Account[]>('accounts:list', {})).find((a) => a.sandbox)?.smtp.security).toBe('none');
    expect(again.router.offSchema).toEqual([]);
  });

  it('captures what the Sandbox account sends byte for byte, with its envelope (Bcc only there); opens, saves, deletes and clears', async () => {
    const dir = newDir();
    let saveTo: string | null = join(dir, 'saved.eml');
    const b = await open(dir, { saveFile: async () => saveTo });
    const queued = await b.value<OutboxJobView>('outbox:enqueue', {
      draft: draftOf(SANDBOX_ACCOUNT_ID, { to: 'Bob <bob@example.org>', cc: 'carol@example.org', bcc: 'dave@example.org', subject: 'First message', text: 'Hello sandbox.\n.\nA dot line.' }),
    });
    const job = await settled(b, queued.id);
    expect(job.state, JSON.stringify(job)).toBe('sent');

    const page = await b.value<{ total: number; messages: SandboxSummary[] }>('sandbox:list', { offset: 0, limit: 50 });
    expect(page.total).toBe(1);
    const [captured] = page.messages;
    expect(captured).toMatchObject({
      accountId: SANDBOX_ACCOUNT_ID,
      subject: 'First message',
      from: { name: 'Sandbox', address: SANDBOX_ADDRESS },
      envelope: { mailFrom: SANDBOX_ADDRESS, rcptTo: ['bob@example.org', 'carol@example.org', 'dave@example.org'] },
    });
    const kept = readFileSync(join(dir, 'sandbox', `${captured!.id}.eml`));
    // The bytes the outbox built, as they go on the wire: SMTP carries lines ending in CRLF (the
    // outbox's file keeps the body's line breaks as typed; nodemailer ends each with CRLF when sending).
    expect(kept.toString('utf8')).toBe(onTheWire(readFileSync(join(dir, 'outbox', `${job.id}.eml`))));
    expect(kept.toString('utf8')).not.toContain('dave@example.org');

    const opened = await b.value('sandbox:open', { id: captured!.id });
    expect(opened.summary).toEqual(captured);
    expect(opened.rendered.subject).toBe('First message');
    expect(opened.rendered.bcc).toEqual([]);
    expect(opened.headers.find((h) => h.name.toLowerCase() === 'message-id')?.value).toBe(job.messageId);
    expect(opened.source).toBe(kept.toString('utf8'));
    // A single message built by the outbox: nothing for the lint to warn about.
    expect(opened.lint.filter((l) => l.severity === 'warning')).toEqual([]);
    expect(captured!.warnings).toBe(0);

    // Saved whole where the person chose (the dialog's answer), or nothing when cancelled.
    expect(await b.value('sandbox:saveSource', { id: captured!.id })).toEqual({ saved: true });
    expect(readFileSync(join(dir, 'saved.eml')).equals(kept)).toBe(true);
    saveTo = null;
    expect(await b.value('sandbox:saveSource', { id: captured!.id })).toEqual({ saved: false });

    // A second message, then one deleted and all cleared.
    const second = await b.value<OutboxJobView>('outbox:enqueue', { draft: draftOf(SANDBOX_ACCOUNT_ID, { to: 'bob@example.org', subject: 'Second', text: 'Two' }) });
    await settled(b, second.id);
    // Each capture is told (at a bounded rate: the last one always).
    const told = () => b.pushed.filter((p) => p.event === 'sandbox:changed').map((p) => p.payload as SandboxStatus);
    await until(() => told().at(-1)?.count === 2, 5_000, 'the second capture told');
    const both = await b.value<{ total: number; messages: SandboxSummary[] }>('sandbox:list', { offset: 0, limit: 50 });
    expect(both.messages.map((m) => m.subject)).toEqual(['Second', 'First message']);
    const afterDelete = await b.value<SandboxStatus>('sandbox:delete', { id: captured!.id });
    expect(afterDelete.count).toBe(1);
    expect((await b.errorOf('sandbox:open', { id: captured!.id })).code).toBe('SANDBOX_MESSAGE_NOT_FOUND');
    expect(readdirSync(join(dir, 'sandbox')).filter((n) => n.startsWith(captured!.id))).toEqual([]);
    expect((await b.value<SandboxStatus>('sandbox:clear', {})).count).toBe(0);
    expect(readdirSync(join(dir, 'sandbox'))).toEqual([]);
    expect(told().slice(-2).map((t) => t.count)).toEqual([1, 0]);
    expect(b.router.offSchema).toEqual([]);
  });

  it('rehearses a real account’s message in the sandbox: built as for its server, never sent there, its password never read', async () => {
    const dir = newDir();
    const { cipher, counter } = countingCipher(dir);
    const b = await open(dir, { cipher });
    const [alice] = servers.users;
    const account = await b.value<Account>('accounts:save', {
      account: { description: 'Alice', email: alice!.address, displayName: 'Alice Liddell', smtp: { host: servers.host, port: servers.submission.starttlsPort, security: 'starttls', auth: 'password', username: alice!.username }, incoming: null },
      password: alice!.password,
    });
    const connectionsBefore = await postfixConnections();
    const decryptsBefore = counter.decrypts;
    const queued = await b.value<OutboxJobView>('outbox:enqueue', {
      draft: draftOf(account.id, { to: servers.users[1]!.address, bcc: servers.users[2]!.address, subject: 'Rehearsed', text: 'Only a rehearsal.' }),
      rehearse: true,
    });
    expect(queued.rehearsal).toBe(true);
    const job = await settled(b, queued.id);
    expect(job).toMatchObject({ state: 'sent', rehearsal: true });
    expect(counter.decrypts).toBe(decryptsBefore);

    const page = await b.value<{ total: number; messages: SandboxSummary[] }>('sandbox:list', { offset: 0, limit: 10 });
    expect(page.messages).toHaveLength(1);
    expect(page.messages[0]).toMatchObject({
      accountId: account.id,
      subject: 'Rehearsed',
      from: { name: 'Alice Liddell', address: alice!.address },
      envelope: { mailFrom: alice!.address, rcptTo: [servers.users[1]!.address, servers.users[2]!.address] },
    });
    expect(readFileSync(join(dir, 'sandbox', `${page.messages[0]!.id}.eml`), 'utf8')).toBe(onTheWire(readFileSync(join(dir, 'outbox', `${job.id}.eml`))));
    // Postfix saw no connection at all.
    await new Promise((r) => setTimeout(r, 300));
    expect(await postfixConnections()).toBe(connectionsBefore);
    expect(b.router.offSchema).toEqual([]);

    // The mark is kept with the job across a restart, and the sandbox still names the account.
    await b.close();
    const again = await open(dir);
    expect((await again.value<OutboxJobView[]>('outbox:list', {})).find((j) => j.id === job.id)).toMatchObject({ rehearsal: true, state: 'sent' });
    expect((await again.value<{ messages: SandboxSummary[] }>('sandbox:list', { offset: 0, limit: 10 })).messages[0]).toMatchObject({ accountId: account.id, subject: 'Rehearsed' });
  }, 30_000);

  it('rehearses a 50-row merge in full: every row captured with its own values, paged by batch in row order', async () => {
    const dir = newDir();
    const b = await open(dir);
    const [alice] = servers.users;
    const account = await b.value<Account>('accounts:save', {
      account: { description: 'Alice', email: alice!.address, displayName: 'Alice Liddell', smtp: { host: servers.host, port: servers.submission.starttlsPort, security: 'starttls', auth: 'password', username: alice!.username }, incoming: null },
      password: alice!.password,
    });
    const connectionsBefore = await postfixConnections();
    const rows = Array.from({ length: 50 }, (_, i) => `Person ${i + 1};person${i + 1}@example.org`);
    const csv = ['Name;Email', ...rows].join('\r\n') + '\r\n';
    const data = await b.value('merge:load', { source: { kind: 'file', name: 'people.csv', data: Buffer.from(csv).toString('base64') } });
    const mapping = { addressColumn: 'Email' };
    const template = { accountId: account.id, to: '{{Email}}', subject: 'Hello {{Name}}', body: { mode: 'plain', html: '', text: 'Dear {{Name}}, this is row {{Email}}.' } };
    // No test first and no unsubscribe answer: a rehearsal needs neither.
    const run = await b.value<MergeRun>('merge:start', { mergeId: data.mergeId, mapping, template, rehearse: true });
    expect(run).toMatchObject({ rehearsal: true, total: 50, test: false });
    const progress = () => b.pushed.filter((p) => p.event === 'merge:progress').map((p) => p.payload as MergeRun);
    await until(() => progress().some((p) => p.batchId === run.batchId && p.done && p.sent === 50), 30_000, 'the rehearsal sent in full');
    expect((await b.value<MergeRun[]>('merge:list', {})).find((r) => r.batchId === run.batchId)).toMatchObject({ rehearsal: true });
    // The real send's pace does not count the rehearsal: 50 of 60 a day still fit in one day.
    await b.value('accounts:setSendingLimits', { id: account.id, limits: { recipientsPerDay: 60, messagesPerMinute: null } });
    const plan = await b.value('merge:plan', { mergeId: data.mergeId, mapping, template });
    expect(plan).toMatchObject({ sentLastDay: 0, firstDay: 50 });
    expect(Date.parse(plan.finishesAt) - Date.parse(plan.startsAt)).toBeLessThan(3_600_000);

    const seen: SandboxSummary[] = [];
    for (let offset = 0; offset < 60; offset += 20) {
      const page = await b.value<{ total: number; messages: SandboxSummary[] }>('sandbox:list', { offset, limit: 20, batchId: run.batchId });
      expect(page.total).toBe(50);
      seen.push(...page.messages);
    }
    expect(seen.map((m) => m.batchRow)).toEqual(Array.from({ length: 50 }, (_, i) => i + 2));
    seen.forEach((m, i) => {
      expect(m).toMatchObject({ accountId: account.id, batchId: run.batchId, subject: `Hello Person ${i + 1}`, envelope: { mailFrom: alice!.address, rcptTo: [`person${i + 1}@example.org`] } });
    });
    const row7 = await b.value('sandbox:open', { id: seen[6]!.id });
    expect(row7.rendered.text).toContain('Dear Person 7, this is row person7@example.org.');
    // One of a merge without List-Unsubscribe: the lint says so, and the list counts it as a warning.
    expect(row7.lint).toContainEqual({ severity: 'warning', finding: { kind: 'no-list-unsubscribe' } });
    expect(seen.every((m) => m.warnings >= 1)).toBe(true);
    // Another batch id finds nothing; the whole list has the 50.
    expect((await b.value('sandbox:list', { offset: 0, limit: 10, batchId: '00000000-0000-4000-8000-000000000000' })).total).toBe(0);
    expect((await b.value('sandbox:list', { offset: 0, limit: 10 })).total).toBe(50);
    expect(await postfixConnections()).toBe(connectionsBefore);
    expect(b.router.offSchema).toEqual([]);

    // Still a rehearsal after a restart (merges.json keeps it), and its rows still page by batch.
    await b.close();
    const again = await open(dir);
    expect((await again.value<MergeRun[]>('merge:list', {})).find((r) => r.batchId === run.batchId)).toMatchObject({ rehearsal: true, total: 50 });
    expect((await again.value('sandbox:list', { offset: 0, limit: 5, batchId: run.batchId })).messages.map((m) => m.batchRow)).toEqual([2, 3, 4, 5, 6]);
  }, 60_000);

  it('says it is not running when the capture server cannot start, and the rest of the app works', async () => {
    const dir = newDir();
    // The sandbox's folder cannot be made: a file is in its place.
    writeFileSync(join(dir, 'sandbox'), 'not a folder');
    const b = await open(dir);
    expect(await b.value<SandboxStatus>('sandbox:status', {})).toMatchObject({ running: false, problem: 'SANDBOX_UNAVAILABLE', port: null, count: 0 });
    expect((await b.errorOf('sandbox:list', { offset: 0, limit: 10 })).code).toBe('SANDBOX_UNAVAILABLE');
    // The account is still listed; a message from it, or a rehearsal, is refused in words instead of going anywhere.
    expect((await b.value<Account[]>('accounts:list', {})).map((a) => a.id)).toEqual([SANDBOX_ACCOUNT_ID]);
    const nowhere = draftOf(SANDBOX_ACCOUNT_ID, { to: 'bob@example.org', subject: 'Nowhere', text: 'x' });
    expect((await b.errorOf('outbox:enqueue', { draft: nowhere })).code).toBe('SANDBOX_UNAVAILABLE');
    const real = await b.value<Account>('accounts:save', {
      account: { description: 'Other', email: 'o@example.org', displayName: '', smtp: { host: '127.0.0.1', port: 2525, security: 'none', auth: 'none', username: '' }, incoming: null },
    });
    expect((await b.value<Account[]>('accounts:list', {})).map((a) => a.id)).toEqual([real.id, SANDBOX_ACCOUNT_ID]);
    expect((await b.errorOf('outbox:enqueue', { draft: { ...nowhere, accountId: real.id }, rehearse: true })).code).toBe('SANDBOX_UNAVAILABLE');
    expect(await b.value('outbox:list', {})).toEqual([]);
    expect(b.router.offSchema).toEqual([]);
  });

  it('lists 10,000 captured messages fast: a page reads only its own messages, a merge’s page once every header', async () => {
    const dir = newDir();
    const store = join(dir, 'sandbox');
    mkdirSync(store, { mode: 0o700 });
    const origins = new Map<string, MessageOrigin>();
    const batchId = randomUUID();
    const start = Date.parse('2026-12-05T00:00:00Z');
    for (let i = 0; i < 10_000; i++) {
      const id = randomUUID();
      const messageId = `<m${i}@example.org>`;
      const eml = Buffer.from(`From: Sender ${i} <s${i}@example.org>\r\nTo: r${i}@example.org\r\nSubject: Message ${i}\r\nMessage-ID: ${messageId}\r\n\r\nBody ${i}\r\n`);
      writeFileSync(join(store, `${id}.eml`), eml);
      const envelope = { mailFrom: `s${i}@example.org`, rcptTo: [`r${i}@example.org`] };
      writeFileSync(join(store, `${id}.json`), JSON.stringify({ id, receivedAt: new Date(start + i * 1000).toISOString(), envelope, size: eml.length, sha256: 'x' }));
      // Every tenth is a row of one merge, its rows in reverse order of arrival.
      if (i % 10 === 0) origins.set(messageId, { accountId: 'a', batchId, batchRow: 2000 - i / 10 });
    }
    let lookups = 0;
    const sandbox = await openSandbox({
      dataDir: dir,
      logger: silentLogger,
      hidden: () => false,
      setHidden: () => undefined,
      origins: async (ids) => {
        lookups++;
        return new Map(ids.flatMap((id) => (origins.has(id) ? [[id, origins.get(id)!] as const] : [])));
      },
      sizeLimit: () => undefined,
      saveFile: async () => null,
      onChanged: () => undefined,
      onAccountChanged: () => undefined,
    });
    try {
      let t = performance.now();
      const first = await sandbox.list(0, 50);
      const firstMs = performance.now() - t;
      expect(first.ok && first.value.total).toBe(10_000);
      expect(first.ok && first.value.messages.map((m) => m.subject).slice(0, 2)).toEqual(['Message 9999', 'Message 9998']);
      expect(firstMs).toBeLessThan(1_000);

      t = performance.now();
      const rows = await sandbox.list(0, 100, batchId);
      const batchMs = performance.now() - t;
      expect(rows.ok && rows.value.total).toBe(1_000);
      expect(rows.ok && rows.value.messages.map((m) => m.batchRow).slice(0, 3)).toEqual([1001, 1002, 1003]);
      // Generous: the machine running the tests may be busy; on a quiet one this takes about a second.
      expect(batchMs).toBeLessThan(10_000);

      // Everything is known now: the next pages cost no reading and no look-up.
      const before = lookups;
      t = performance.now();
      const later = await sandbox.list(900, 100, batchId);
      expect(performance.now() - t).toBeLessThan(1_000);
      expect(later.ok && later.value.messages.at(-1)?.batchRow).toBe(2000);
      expect(lookups).toBe(before);
    } finally {
      await sandbox.close();
    }
  }, 120_000);

  it('lints a rehearsal against the SIZE of the rehearsed account’s own server, and a merge’s message as bulk', async () => {
    const dir = newDir();
    const store = join(dir, 'sandbox');
    mkdirSync(store, { mode: 0o700 });
    const put = (n: number, messageId: string) => {
      const id = randomUUID();
      const eml = Buffer.from(`From: Alice <alice@example.org>\r\nTo: bob@example.org\r\nSubject: S${n}\r\nDate: Sat, 05 Dec 2026 04:00:00 +0000\r\nMessage-ID: ${messageId}\r\n\r\nHello\r\n`);
      writeFileSync(join(store, `${id}.eml`), eml);
      writeFileSync(join(store, `${id}.json`), JSON.stringify({ id, receivedAt: new Date(Date.UTC(2026, 11, 5, 4, n)).toISOString(), envelope: { mailFrom: 'alice@example.org', rcptTo: ['bob@example.org'] }, size: eml.length, sha256: 'x' }));
      return id;
    };
    const rehearsal = put(1, '<r@example.org>');
    const row = put(2, '<row@example.org>');
    const own = put(3, '<own@example.org>');
    const sandbox = await openSandbox({
      dataDir: dir,
      logger: silentLogger,
      hidden: () => false,
      setHidden: () => undefined,
      origins: async () =>
        new Map<string, MessageOrigin>([
          ['<r@example.org>', { accountId: 'alice' }],
          ['<row@example.org>', { accountId: 'alice', batchId: randomUUID(), batchRow: 2 }],
          ['<own@example.org>', { accountId: SANDBOX_ACCOUNT_ID }],
        ]),
      sizeLimit: (accountId) => (accountId === 'alice' ? { bytes: 100, account: 'Alice' } : { bytes: 1, account: 'not asked for the sandbox' }),
      saveFile: async () => null,
      onChanged: () => undefined,
      onAccountChanged: () => undefined,
    });
    try {
      const kinds = async (id: string) => {
        const opened = await sandbox.open(id);
        if (!opened.ok) throw new Error(opened.error.code);
        return opened.value.lint.filter((l) => l.severity === 'warning').map((l) => l.finding.kind);
      };
      expect(await kinds(rehearsal)).toEqual(['over-size']);
      expect((await kinds(row)).sort()).toEqual(['no-list-unsubscribe', 'over-size']);
      expect(await kinds(own)).toEqual([]);
      const page = await sandbox.list(0, 10);
      expect(page.ok && page.value.messages.map((m) => [m.subject, m.warnings])).toEqual([
        ['S3', 0],
        ['S2', 2],
        ['S1', 1],
      ]);
    } finally {
      await sandbox.close();
    }
  });

  it('files no Sent copy for a rehearsal of an IMAP account that files one for its real sends', async () => {
    const dir = newDir();
    const b = await open(dir);
    const [alice, bob] = servers.users;
    const account = await b.value<Account>('accounts:save', {
      account: {
        description: 'Alice IMAP',
        email: alice!.address,
        displayName: 'Alice',
        smtp: { host: servers.host, port: servers.submission.starttlsPort, security: 'starttls', auth: 'password', username: alice!.username },
        incoming: { protocol: 'imap', auth: 'password', host: servers.host, port: servers.imap.starttlsPort, security: 'starttls', username: alice!.username, saveSentCopy: true, leaveOnServerDays: 14 },
      },
      password: alice!.password,
      incomingPassword: alice!.password,
    });
    const real = await b.value<OutboxJobView>('outbox:enqueue', { draft: draftOf(account.id, { to: bob!.address, subject: 'For real', text: 'Sent for real.' }) });
    expect(await settled(b, real.id)).toMatchObject({ state: 'sent' });
    // The check below sees a Sent copy when there is one.
    for (let i = 0; i < 100 && (await countInSent(alice!, real.messageId)) === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await countInSent(alice!, real.messageId)).toBe(1);

    const rehearsed = await b.value<OutboxJobView>('outbox:enqueue', { draft: draftOf(account.id, { to: bob!.address, subject: 'Rehearsed', text: 'Only a rehearsal.' }), rehearse: true });
    expect(await settled(b, rehearsed.id)).toMatchObject({ state: 'sent', rehearsal: true });
    expect((await b.value<{ total: number }>('sandbox:list', { offset: 0, limit: 1 })).total).toBe(1);
    // Longer than the real copy took to be filed.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await countInSent(alice!, rehearsed.messageId)).toBe(0);
  }, 60_000);

  it('a rehearsal does not wait behind the account’s own server when that server hangs', async () => {
    // A server that takes the connection and never says a word: the real send waits for its greeting.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const dir = newDir();
      const b = await open(dir, { smtp: { extraCertificateAuthorities: [servers.ca], timeouts: { greetingMs: 30_000 } } });
      const port = (silent.address() as { port: number }).port;
      const account = await b.value<Account>('accounts:save', {
        account: { description: 'Hangs', email: 'me@example.org', displayName: '', smtp: { host: '127.0.0.1', port, security: 'none', auth: 'none', username: '', maxConnections: 1 }, incoming: null },
      });
      const real = await b.value<OutboxJobView>('outbox:enqueue', { draft: draftOf(account.id, { to: 'bob@example.org', subject: 'Stuck', text: 'x' }) });
      await until(() => jobsOf(b).some((j) => j.id === real.id && j.state === 'sending') && sockets.length === 1, 5_000, 'the real send waiting for a greeting');
      const rehearsed = await b.value<OutboxJobView>('outbox:enqueue', { draft: draftOf(account.id, { to: 'bob@example.org', subject: 'Not stuck', text: 'y' }), rehearse: true });
      await until(() => jobsOf(b).some((j) => j.id === rehearsed.id && j.state === 'sent'), 5_000, 'the rehearsal captured while the real send waits');
      expect(jobsOf(b).filter((j) => j.id === real.id).at(-1)?.state).toBe('sending');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 30_000);
});

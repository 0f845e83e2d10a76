/**
 * Issue 14 groundwork, end to end below the UI: a 200-row CSV, checked, each row made into its own
 * message from the templates, queued as one batch, sent through real Postfix (STARTTLS + AUTH) into
 * Dovecot, and read back over IMAP: every recipient got exactly their own values and nothing of
 * another row, once, with the RFC 8058 headers.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkRows, parseTable } from '../../shared/merge/table';
import { ok } from '../../shared/result';
import { passwordCredential } from '../../src-main/services/credentials';
import { compileMerge } from '../../src-main/services/merge/build';
import { Outbox, type EnqueueInput } from '../../src-main/services/outbox';
import type { StoredAccount } from '../../src-main/services/settings-store';
import { startMailServers, type MailServers } from '../support/mail-servers';
import { testAccount, until } from '../support/outbox-fixtures';

let servers: MailServers;
let dir: string;
beforeAll(async () => {
  servers = await startMailServers();
  dir = mkdtempSync(join(tmpdir(), 'mailwright-merge-'));
}, 90_000);
afterAll(async () => {
  await servers?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('a merge of 200 rows arrives as 200 personal messages, each with its own values only, once', async () => {
  const [alice, bob] = [servers.users[0]!, servers.users[1]!];
  const [local, domain] = bob.address.split('@') as [string, string];
  const tag = randomBytes(4).toString('hex');
  const codes = Array.from({ length: 200 }, () => randomBytes(6).toString('hex'));
  const csv = ['Name,Email,Code', ...codes.map((code, i) => `"Member, No. ${i}",${local}+row${i}@${domain},${code}`)].join('\r\n');
  const table = parseTable(new TextEncoder().encode(csv));
  const checked = checkRows(table, { addressColumn: 'Email', required: ['Code'] });
  expect(checked.left).toEqual([]);
  expect(checked.good).toHaveLength(200);

  const merge = compileMerge({
    to: '{{Name}} <{{Email}}>',
    cc: '',
    subject: `Your code ${tag} {{Email}}`,
    text: 'Dear {{Name}},\nyour code is {{Code}}.\n',
    html: '<p>Dear {{Name}},</p><p>your code is <b>{{Code}}</b>.</p>',
    listUnsubscribe: { https: 'https://club.example/u', mailto: `leave@${domain}` },
  });
  const inputs: EnqueueInput[] = [];
  for (const row of checked.good) {
    const built = await merge.build(row.values, { name: 'Alice', address: alice.address });
    expect(built.warnings).toEqual([]);
    inputs.push({ accountId: 'merge-account', message: built.message!, draft: null });
  }

  const account: StoredAccount = { ...testAccount(servers.submission.starttlsPort, 'starttls', 'password', alice.username), id: 'merge-account', email: alice.address };
  const outbox = await Outbox.open({
    dir,
    account: () => ok({ account, credentials: passwordCredential(alice.username, alice.password) }),
    smtp: { extraCertificateAuthorities: [servers.ca], timeouts: { connectMs: 10_000, greetingMs: 10_000, socketMs: 20_000 } },
    undoSeconds: 0,
  });
  try {
    const queued = await outbox.enqueueBatch(inputs, { label: 'codes' });
    expect(queued.ok).toBe(true);
    const batchId = queued.ok ? queued.value.batchId : '';
    await until(() => outbox.batchProgress(batchId)?.done === true, 60_000, 'the merge to be sent');
    expect(outbox.batchProgress(batchId)).toMatchObject({ total: 200, sent: 200, failed: 0, uncertain: 0 });
  } finally {
    await outbox.close();
  }

  // Read bob's INBOX: every row's message, once, with its own code and nothing of another row.
  const client = new ImapFlow({ host: servers.host, port: servers.imap.starttlsPort, secure: false, doSTARTTLS: true, tls: { ca: servers.ca, servername: 'localhost' }, auth: { user: bob.username, pass: bob.password }, logger: false });
  client.on('error', () => undefined);
  const byRow = new Map<number, string[]>();
  const deadline = Date.now() + 30_000;
  await client.connect();
  try {
    for (;;) {
      byRow.clear();
      const lock = await client.getMailboxLock('INBOX');
      try {
        for await (const msg of client.fetch('1:*', { source: true })) {
          const source = msg.source!.toString('utf8');
          if (!source.includes(`Your code ${tag}`)) continue;
          const parsed = await simpleParser(msg.source!);
          const to = parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0]!.address! : '';
          const row = Number(/\+row(\d+)@/.exec(to)?.[1]);
          expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0]!.name : '').toBe(`Member, No. ${row}`);
          expect(parsed.subject).toBe(`Your code ${tag} ${local}+row${row}@${domain}`);
          expect(parsed.text).toContain(`your code is ${codes[row]}.`);
          expect(parsed.html).toContain(`<b>${codes[row]}</b>`);
          // Nothing of another row.
          for (const [i, other] of codes.entries()) if (i !== row) expect(source.includes(other), `row ${row} carries row ${i}'s code`).toBe(false);
          expect(source).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r$/m);
          expect(parsed.headerLines.find((h) => h.key === 'list-unsubscribe')?.line).toMatch(/<https:\/\/club\.example\/u>/);
          byRow.set(row, [...(byRow.get(row) ?? []), parsed.messageId ?? '']);
        }
      } finally {
        lock.release();
      }
      if (byRow.size === 200 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await client.logout().catch(() => undefined);
  }
  expect(byRow.size).toBe(200);
  expect([...byRow.values()].every((ids) => ids.length === 1)).toBe(true);
}, 120_000);

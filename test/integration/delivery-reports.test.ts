/**
 * Delivery notifications and bounces below the UI, through the same router the app registers:
 * DSN parameters asked of a server that offers DSN (and left out where it does not); a message
 * sent through real Postfix to an address that Postfix accepts and then bounces; the bounce read
 * over IMAP and over POP3 from Dovecot, parsed, and recorded on the sent message for that recipient.
 * Also: reading, replying (threading headers read back from the server) and saving an attachment.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessagePage, MessageView } from '../../shared/mail';
import type { Account } from '../../shared/model';
import type { ComposeDraft, OutboxJobView } from '../../shared/outbox';
import type { Backend } from '../../src-main/backend';
import { startBackend, type StartedBackend } from '../support/backend';
import { waitForMessage } from '../support/imap-read';
import { startMailServers, type MailServers } from '../support/mail-servers';
import { serveSmtp } from '../support/outbox-smtp-server';
import { until } from '../support/outbox-fixtures';
import { sendAs } from '../support/clients';

let servers: MailServers;
const dirs: string[] = [];
const backends: Backend[] = [];

beforeAll(async () => {
  servers = await startMailServers();
}, 90_000);
afterAll(async () => {
  for (const b of backends) await b.close();
  await servers?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Harness {
  backend: Backend;
  dir: string;
  jobs: Map<string, OutboxJobView>;
  /** A request that must succeed: its value (see StartedBackend.value). */
  call: StartedBackend['value'];
  savePath: { next: string | null };
}

/** A backend on a new data folder, or on `dir` again (a restart). */
async function harness(existing?: string): Promise<Harness> {
  const dir = existing ?? mkdtempSync(join(tmpdir(), 'mailwright-reports-'));
  if (!existing) dirs.push(dir);
  const jobs = new Map<string, OutboxJobView>();
  const savePath: { next: string | null } = { next: null };
  const { backend, value: call } = await startBackend(dir, {
    ca: servers.ca,
    undoSeconds: 0,
    // Like the dialog: one answer, then "cancelled" until the test chooses again.
    saveFile: async () => {
      const chosen = savePath.next;
      savePath.next = null;
      return chosen;
    },
    outbox: { retry: { baseMs: 200, maxMs: 400, maxAttempts: 2 } },
    mail: { pop3PollMs: 0 },
    emit: (event, payload) => {
      if (event === 'outbox:changed') jobs.set((payload as OutboxJobView).id, payload as OutboxJobView);
    },
  });
  backends.push(backend);
  return { backend, dir, jobs, call, savePath };
}

type Incoming = { protocol: 'imap' | 'pop3'; security: 'tls' | 'starttls' } | null;

async function addAccount(h: Harness, smtp: { port: number; security: 'tls' | 'starttls' | 'none'; auth: 'password' | 'none' }, incoming: Incoming): Promise<Account> {
  const alice = servers.users[0]!;
  return h.call<Account>('accounts:save', {
    account: {
      description: 'Alice',
      email: alice.address,
      displayName: 'Alice Liddell',
      smtp: { host: servers.host, port: smtp.port, security: smtp.security, auth: smtp.auth, username: smtp.auth === 'password' ? alice.username : '' },
      incoming: incoming
        ? {
            protocol: incoming.protocol,
            host: servers.host,
            port: servers[incoming.protocol][incoming.security === 'tls' ? 'tlsPort' : 'starttlsPort'],
            security: incoming.security,
            username: alice.username,
            leaveOnServerDays: null,
          }
        : null,
    },
    password: alice.password,
    ...(incoming ? { incomingPassword: alice.password } : {}),
  });
}

function draftFor(account: Account, to: string, subject: string, extra: Partial<ComposeDraft> = {}): ComposeDraft {
  return { accountId: account.id, identityId: '', to, cc: '', bcc: '', subject, body: { mode: 'plain', html: '', text: `Text of ${subject}` }, attachments: [], ...extra };
}

async function sendAndSettle(h: Harness, draft: ComposeDraft): Promise<OutboxJobView> {
  const queued = await h.call<OutboxJobView>('outbox:enqueue', { draft });
  await until(() => ['sent', 'failed', 'uncertain'].includes(h.jobs.get(queued.id)?.state ?? ''), 20_000, 'the job to settle');
  return h.jobs.get(queued.id)!;
}

describe('asking for delivery notifications (RFC 3461)', () => {
  it('a server that offers DSN gets RET, ENVID (the job id) and the NOTIFY the person chose', async () => {
    const smtp = await serveSmtp({ hideDSN: false, authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'] });
    try {
      const h = await harness();
      const account = await addAccount(h, { port: smtp.port, security: 'none', auth: 'none' }, null);
      const asked = await sendAndSettle(h, draftFor(account, 'bob@example.net', 'notices please', { dsn: { notify: ['success', 'failure', 'delay'], ret: 'headers' } }));
      const plain = await sendAndSettle(h, draftFor(account, 'bob@example.net', 'no notices asked'));
      expect(asked.state).toBe('sent');
      expect(asked.dsn).toEqual({ requested: true, offered: true });
      expect(plain.dsn).toEqual({ requested: false, offered: true });
      const mail = smtp.lines.filter((l) => l.startsWith('MAIL FROM'));
      const rcpt = smtp.lines.filter((l) => l.startsWith('RCPT TO'));
      expect(mail[0]).toContain(`ENVID=${asked.id}`);
      expect(mail[0]).toContain('RET=HDRS');
      expect(rcpt[0]).toContain('NOTIFY=SUCCESS,FAILURE,DELAY');
      // Not asked: the ENVID still goes (so a bounce names its message), NOTIFY is the server's default.
      expect(mail[1]).toContain(`ENVID=${plain.id}`);
      expect(rcpt[1]).not.toContain('NOTIFY=');
    } finally {
      await smtp.close();
    }
  });

  it('a server without DSN gets none of it, and the message says the server offers no notices', async () => {
    const smtp = await serveSmtp({ authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'] });
    try {
      const h = await harness();
      const account = await addAccount(h, { port: smtp.port, security: 'none', auth: 'none' }, null);
      const job = await sendAndSettle(h, draftFor(account, 'bob@example.net', 'no dsn here', { dsn: { notify: ['failure'], ret: 'full' } }));
      expect(job.state).toBe('sent');
      expect(job.dsn).toEqual({ requested: true, offered: false });
      expect(smtp.lines.join('\n')).not.toMatch(/ENVID=|RET=|NOTIFY=/);
    } finally {
      await smtp.close();
    }
  });
});

describe.each([
  { protocol: 'imap', security: 'starttls' },
  { protocol: 'pop3', security: 'tls' },
] as const)('a bounce from Postfix, read over $protocol ($security)', (incoming) => {
  it('is linked to the sent message and marks only the refused recipient', async () => {
    const h = await harness();
    const bob = servers.users[1]!;
    const account = await addAccount(h, { port: servers.submission.tlsPort, security: 'tls', auth: 'password' }, incoming);
    const nobody = `nobody-${incoming.protocol}@${servers.bounceDomain}`;
    const job = await sendAndSettle(h, draftFor(account, `${bob.address}, ${nobody}`, `bounce over ${incoming.protocol}`));
    expect(job.state).toBe('sent');
    if (incoming.protocol === 'pop3') {
      // POP3 has no push: check until the bounce has arrived and been downloaded.
      for (let i = 0; i < 100 && !h.jobs.get(job.id)?.deliveryReports.length; i++) {
        await h.call('mail:refresh', { accountId: account.id });
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await until(() => (h.jobs.get(job.id)?.deliveryReports.length ?? 0) > 0, 20_000, 'the bounce to be recorded');
    const reports = h.jobs.get(job.id)!.deliveryReports;
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ recipient: nobody, action: 'failed', status: '5.1.1', matchedBy: 'envelope-id' });
    expect(reports[0]!.diagnostic).toContain('The email account that you tried to reach does not exist');

    // The report itself, opened in the inbox, says which sent message it is about.
    const page = await h.call<MessagePage>('mail:list', { accountId: account.id, folder: 'INBOX', offset: 0, limit: 50 });
    const bounce = page.messages.find((m) => m.isDeliveryReport && m.subject === 'Undelivered Mail Returned to Sender');
    expect(bounce).toBeDefined();
    const view = await h.call<MessageView>('mail:open', { accountId: account.id, folder: 'INBOX', uid: bounce!.uid });
    expect(view.deliveryReport).toMatchObject({ linkedJobId: job.id, recipients: [{ recipient: nobody, action: 'failed', status: '5.1.1' }] });

    // Scanning the same inbox again from the start (a restart that lost its scan state) records nothing twice.
    await h.backend.close();
    backends.splice(backends.indexOf(h.backend), 1);
    const scanState = join(h.dir, 'mail', account.id, 'bounce-scan.json');
    expect(existsSync(scanState)).toBe(true);
    rmSync(scanState);
    const again = await harness(h.dir);
    await until(() => existsSync(scanState), 20_000, 'the inbox to be scanned again');
    const listed = await again.call<OutboxJobView[]>('outbox:list', {});
    expect(listed.find((j) => j.id === job.id)?.deliveryReports).toHaveLength(1);
  });
});

describe('reading and answering over IMAP', () => {
  it('a reply carries In-Reply-To and References, and an attachment saves byte for byte', async () => {
    const h = await harness();
    const [alice, bob] = [servers.users[0]!, servers.users[1]!];
    const account = await addAccount(h, { port: servers.submission.starttlsPort, security: 'starttls', auth: 'password' }, { protocol: 'imap', security: 'tls' });
    const tag = Math.random().toString(36).slice(2);
    // A message to Alice from Bob, with an attachment, straight into her inbox through Postfix.
    const pdf = Buffer.from(`%PDF-1.4 ${tag} \u0000\u00ff binary`, 'latin1');
    await sendAs(servers, bob, {
      from: `Bob <${bob.address}>`,
      to: alice.address,
      subject: `Question ${tag}`,
      text: 'Can you check the figures?',
      messageId: `<q-${tag}@mailwright.test>`,
      references: [`<root-${tag}@mailwright.test>`],
      attachments: [{ filename: 'figures.pdf', content: pdf, contentType: 'application/pdf' }],
    });
    let found: MessagePage['messages'][number] | undefined;
    for (let i = 0; i < 100 && !found; i++) {
      const page = await h.call<MessagePage>('mail:search', { accountId: account.id, folder: 'INBOX', query: tag, field: 'subject' });
      found = page.messages[0];
      if (!found) await new Promise((r) => setTimeout(r, 100));
    }
    expect(found?.subject).toBe(`Question ${tag}`);
    expect(found?.seen).toBe(false);

    const view = await h.call<MessageView>('mail:open', { accountId: account.id, folder: 'INBOX', uid: found!.uid });
    expect(view.attachments).toEqual([{ index: 0, filename: 'figures.pdf', contentType: 'application/pdf', size: pdf.length }]);
    const after = await h.call<MessagePage>('mail:search', { accountId: account.id, folder: 'INBOX', query: tag, field: 'subject' });
    expect(after.messages[0]?.seen).toBe(true);

    const target = join(h.dir, 'saved-figures.pdf');
    h.savePath.next = target;
    expect(await h.call('mail:saveAttachment', { accountId: account.id, folder: 'INBOX', uid: found!.uid, index: 0 })).toEqual({ saved: true });
    expect(readFileSync(target).equals(pdf)).toBe(true);
    expect(await h.call('mail:saveAttachment', { accountId: account.id, folder: 'INBOX', uid: found!.uid, index: 0 })).toEqual({ saved: false });

    const reply = await h.call<ComposeDraft>('mail:compose', { accountId: account.id, folder: 'INBOX', uid: found!.uid, mode: 'reply' });
    expect(reply).toMatchObject({ to: `Bob <${bob.address}>`, subject: `Re: Question ${tag}`, inReplyTo: `<q-${tag}@mailwright.test>` });
    const sent = await sendAndSettle(h, reply);
    expect(sent.state).toBe('sent');
    const raw = await waitForMessage(servers, bob, (s) => s.includes(`Re: Question ${tag}`), 10_000);
    const parsed = await simpleParser(raw);
    expect(parsed.inReplyTo).toBe(`<q-${tag}@mailwright.test>`);
    expect(parsed.references).toEqual([`<root-${tag}@mailwright.test>`, `<q-${tag}@mailwright.test>`]);
    expect(parsed.text).toContain('> Can you check the figures?');

    // Forward brings the attachment along as a file of the new message.
    const forward = await h.call<ComposeDraft>('mail:compose', { accountId: account.id, folder: 'INBOX', uid: found!.uid, mode: 'forward' });
    expect(forward.attachments.map((a) => [a.name, a.size])).toEqual([['figures.pdf', pdf.length]]);
    // ... and sends it under its own name, byte for byte (the copy on disk once was '0-figures.pdf').
    const forwarded = await sendAndSettle(h, { ...forward, to: bob.address });
    expect(forwarded.state).toBe('sent');
    const received = await simpleParser(await waitForMessage(servers, bob, (s) => s.includes(`Fwd: Question ${tag}`), 10_000));
    expect(received.attachments.map((a) => [a.filename, a.content.equals(pdf)])).toEqual([['figures.pdf', true]]);
  });
});

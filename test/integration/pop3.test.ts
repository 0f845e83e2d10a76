/**
 * The POP3 client against real Dovecot (STARTTLS and implicit TLS, verified against the fixture's
 * CA): two messages are submitted to bob through Postfix, then read back over POP3 and compared
 * byte for byte with what IMAP returns for the same message.
 */
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pop3Client, Pop3Error, type Pop3ConnectOptions, type Pop3Security, type Pop3TranscriptLine } from '../../src-main/services/pop3/client';
import { waitForMessage } from '../support/imap-read';
import { startMailServers, type MailServers, type MailUser } from '../support/mail-servers';

let servers: MailServers;
let bob: MailUser;
const tag = `pop3-${Date.now()}-${Math.random().toString(36).slice(2)}`;

/** What we submit (raw, CRLF) and what IMAP then shows for it (with Postfix's added headers). */
interface TestMessage {
  body: string;
  sent: Buffer;
  imap: Buffer;
}
const mail: Record<'dots' | 'utf8', TestMessage> = {
  dots: { body: '', sent: Buffer.alloc(0), imap: Buffer.alloc(0) },
  utf8: { body: '', sent: Buffer.alloc(0), imap: Buffer.alloc(0) },
};

function rawMessage(from: string, to: string, subject: string, headers: string[], body: string): Buffer {
  const head = [`From: Alice <${from}>`, `To: Bob <${to}>`, `Subject: ${subject}`, `Date: ${new Date().toUTCString()}`, `Message-ID: <${subject.replace(/\s+/g, '-')}@mailwright.test>`, 'MIME-Version: 1.0', ...headers];
  return Buffer.from(`${head.join('\r\n')}\r\n\r\n${body}`, 'utf8');
}

beforeAll(async () => {
  servers = await startMailServers();
  const alice = servers.users[0]!;
  bob = servers.users[1]!;
  mail.dots.body = ['.', '..', '.leading dot', '..two leading dots', 'a line with . in it', '', '.', 'end', ''].join('\r\n');
  mail.utf8.body = ['Grüße aus Köln: ünïcödé ✓ 日本語 — €', '.Punkt am Zeilenanfang, ß', 'last line', ''].join('\r\n');
  mail.dots.sent = rawMessage(alice.address, bob.address, `dots ${tag}`, ['Content-Type: text/plain; charset=us-ascii'], mail.dots.body);
  mail.utf8.sent = rawMessage(alice.address, bob.address, `utf8 ${tag}`, ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit'], mail.utf8.body);

  const transport = nodemailer.createTransport({
    host: servers.host,
    port: servers.submission.starttlsPort,
    secure: false,
    requireTLS: true,
    tls: { ca: servers.ca },
    auth: { user: alice.username, pass: alice.password },
  });
  try {
    for (const m of [mail.dots, mail.utf8]) await transport.sendMail({ envelope: { from: alice.address, to: [bob.address] }, raw: m.sent });
  } finally {
    transport.close();
  }
  mail.dots.imap = Buffer.from(await waitForMessage(servers, bob, (s) => s.includes(`Subject: dots ${tag}`), 10_000), 'utf8');
  mail.utf8.imap = Buffer.from(await waitForMessage(servers, bob, (s) => s.includes(`Subject: utf8 ${tag}`), 10_000), 'utf8');
}, 90_000);

afterAll(async () => {
  await servers?.stop();
});

const portFor = (security: Pop3Security): number => (security === 'tls' ? servers.pop3.tlsPort : servers.pop3.starttlsPort);

async function open(security: Pop3Security, extra: Partial<Pop3ConnectOptions> = {}): Promise<{ client: Pop3Client; transcript: Pop3TranscriptLine[] }> {
  const transcript: Pop3TranscriptLine[] = [];
  const client = await Pop3Client.connect({
    host: servers.host,
    port: portFor(security),
    security,
    tls: { ca: servers.ca },
    timeoutMs: 5000,
    onLine: (l) => transcript.push(l),
    ...extra,
  });
  return { client, transcript };
}

async function pop3Error(p: Promise<unknown>): Promise<Pop3Error> {
  const err = await p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  if (!(err instanceof Pop3Error)) throw err;
  return err;
}

/** Opens a session as bob and returns UIDL, with the message ids of our two messages. */
async function session(security: Pop3Security) {
  const { client, transcript } = await open(security);
  await client.login(bob.username, bob.password);
  const uidl = await client.uidl();
  const ids: Record<'dots' | 'utf8', number> = { dots: 0, utf8: 0 };
  for (const { id } of uidl) {
    const head = (await client.top(id, 0)).toString('utf8');
    if (head.includes(`Subject: dots ${tag}`)) ids.dots = id;
    if (head.includes(`Subject: utf8 ${tag}`)) ids.utf8 = id;
  }
  return { client, transcript, uidl, ids };
}

describe.each(['starttls', 'tls'] as const)('POP3 with %s against Dovecot', (security) => {
  it('reads both messages byte-identical to IMAP: STAT, LIST, UIDL, TOP, RETR', async () => {
    const { client, transcript, uidl, ids } = await session(security);
    try {
      const t = client.tlsSocket;
      expect(t).not.toBeNull();
      expect(t!.authorized).toBe(true);
      expect(t!.getProtocol()).toMatch(/^TLSv1\.[23]$/);
      expect(client.greeting).toMatch(/^\+OK Mailwright test \S+ ready\.$/);
      expect(client.capabilities).toEqual(expect.arrayContaining(['TOP', 'UIDL', 'USER']));
      expect(client.capabilities).not.toContain('STLS'); // after TLS, STLS is no longer offered

      const stat = await client.stat();
      const list = await client.list();
      expect(stat.count).toBe(2);
      expect(list.map((e) => e.id)).toEqual([1, 2]);
      expect(uidl.map((e) => e.id)).toEqual([1, 2]);
      expect(new Set(uidl.map((e) => e.uid)).size).toBe(2);
      expect(list.reduce((n, e) => n + e.size, 0)).toBe(stat.size);

      for (const name of ['dots', 'utf8'] as const) {
        const id = ids[name];
        expect(id, name).toBeGreaterThan(0);
        const body = await client.retr(id);
        expect(body.equals(mail[name].imap), `${name}: POP3 RETR differs from IMAP`).toBe(true);
        expect(body.subarray(body.length - Buffer.byteLength(mail[name].body)).toString('utf8')).toBe(mail[name].body);
        expect(list.find((e) => e.id === id)!.size).toBe(body.length);

        const split = body.indexOf('\r\n\r\n') + 4;
        expect((await client.top(id, 0)).equals(body.subarray(0, split))).toBe(true);
        const twoLines = mail[name].body.split('\r\n').slice(0, 2).join('\r\n') + '\r\n';
        expect((await client.top(id, 2)).equals(Buffer.concat([body.subarray(0, split), Buffer.from(twoLines, 'utf8')]))).toBe(true);
      }
      await client.noop();
      await client.quit();
      await client.quit();
    } finally {
      client.close();
    }

    expect(transcript.filter((l) => l.redacted)).toEqual([{ dir: 'client', text: 'PASS [redacted]', redacted: true }]);
    expect(JSON.stringify(transcript)).not.toContain(bob.password);
    if (security === 'starttls') {
      expect(transcript.slice(0, 6).map((l) => l.text.replace(/^\[.*\]$/, '[body]'))).toEqual([
        client.greeting,
        'CAPA',
        expect.stringMatching(/^\+OK/),
        '[body]',
        'STLS',
        expect.stringMatching(/^\+OK/),
      ]);
    }
  });

  it('refuses a wrong password with kind auth and the server line', async () => {
    const { client, transcript } = await open(security);
    try {
      const err = await pop3Error(client.login(bob.username, `${bob.password}x`));
      expect(err.kind).toBe('auth');
      expect(err.command).toBe('PASS');
      expect(err.response).toMatch(/^-ERR \[AUTH\] /);
      expect(err.message).toContain(err.response);
      expect(JSON.stringify(transcript)).not.toContain(bob.password);
      // The session stays usable: now the right password.
      await client.login(bob.username, bob.password);
      expect((await client.stat()).count).toBeGreaterThanOrEqual(1);
      await client.quit();
    } finally {
      client.close();
    }
  });

  it('rejects the certificate without the CA (kind tls) before any USER is sent', async () => {
    const transcript: Pop3TranscriptLine[] = [];
    const err = await pop3Error(
      Pop3Client.connect({ host: servers.host, port: portFor(security), security, timeoutMs: 5000, onLine: (l) => transcript.push(l) }),
    );
    expect(err.kind).toBe('tls');
    expect(err.message).toMatch(/certificate/i);
    expect(transcript.some((l) => /^(USER|PASS)/.test(l.text))).toBe(false);
    if (security === 'tls') expect(transcript).toEqual([]);
    else expect(transcript.filter((l) => l.dir === 'client').map((l) => l.text)).toEqual(['CAPA', 'STLS']);
  });

  it('rejects a certificate for another name (kind tls)', async () => {
    const err = await pop3Error(open(security, { tls: { ca: servers.ca, servername: 'pop.example.com' } }));
    expect(err.kind).toBe('tls');
    expect(err.message).toMatch(/pop\.example\.com|altnames/i);
  });
});

describe('POP3 mailbox changes against Dovecot', () => {
  it('keeps UIDs stable across sessions; RSET undoes DELE; DELE + QUIT removes the message', async () => {
    const first = await session('starttls');
    await first.client.quit();
    const second = await session('tls');
    expect(second.uidl).toEqual(first.uidl);

    // DELE then RSET: nothing removed.
    await second.client.dele(second.ids.dots);
    expect((await pop3Error(second.client.retr(second.ids.dots))).kind).toBe('err'); // marked deleted
    await second.client.rset();
    await second.client.quit();
    const third = await session('starttls');
    expect(third.uidl).toEqual(first.uidl);

    // DELE then QUIT: gone, and the other message keeps its UID.
    const removedUid = third.uidl.find((e) => e.id === third.ids.dots)!.uid;
    const keptUid = third.uidl.find((e) => e.id === third.ids.utf8)!.uid;
    await third.client.dele(third.ids.dots);
    await third.client.quit();
    const fourth = await session('tls');
    try {
      expect((await fourth.client.stat()).count).toBe(1);
      expect(fourth.uidl.map((e) => e.uid)).toEqual([keptUid]);
      expect(fourth.uidl.map((e) => e.uid)).not.toContain(removedUid);
      expect((await fourth.client.retr(1)).equals(mail.utf8.imap)).toBe(true);
      await fourth.client.quit();
    } finally {
      for (const s of [first, second, third, fourth]) s.client.close();
    }
  });
});

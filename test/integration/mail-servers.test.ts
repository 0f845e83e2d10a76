import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import nodemailer from 'nodemailer';
import { ImapFlow } from 'imapflow';
import { startMailServers, type MailServers, type MailUser } from '../support/mail-servers';
import { waitForMessage } from '../support/imap-read';

let servers: MailServers;
let alice: MailUser;
let bob: MailUser;

beforeAll(async () => {
  servers = await startMailServers();
  const find = (name: string): MailUser => {
    const user = servers.users.find((u) => u.address === `${name}@${servers.domain}`);
    if (!user) throw new Error(`fixture has no ${name}`);
    return user;
  };
  alice = find('alice');
  bob = find('bob');
}, 60_000);

afterAll(async () => {
  await servers?.stop();
}, 30_000);

/** Reads CRLF-terminated lines from a socket that may be swapped for its TLS upgrade. */
class LineReader {
  private buffer = '';
  private waiters: Array<(line: string) => void> = [];
  private failure: Error | undefined;
  constructor(private socket: net.Socket) {
    this.attach(socket);
  }
  attach(socket: net.Socket): void {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let nl: number;
      while ((nl = this.buffer.indexOf('\r\n')) >= 0 && this.waiters.length > 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 2);
        this.waiters.shift()?.(line);
      }
    });
    socket.on('error', (err) => (this.failure = err));
  }
  detach(): void {
    this.socket.removeAllListeners('data');
    this.socket.pause();
  }
  line(timeoutMs = 5000): Promise<string> {
    const nl = this.buffer.indexOf('\r\n');
    if (nl >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 2);
      return Promise.resolve(line);
    }
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no line from server')), timeoutMs);
      this.waiters.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  }
  async command(cmd: string): Promise<string> {
    this.socket.write(`${cmd}\r\n`);
    return this.line();
  }
  /** Reads a multi-line response up to the terminating ".". */
  async multiline(): Promise<string[]> {
    const lines: string[] = [];
    for (let line = await this.line(); line !== '.'; line = await this.line()) lines.push(line);
    return lines;
  }
}

function transport(port: number, secure: boolean, user: MailUser, pass = user.password, trustCa = true) {
  return nodemailer.createTransport({
    host: servers.host,
    port,
    secure,
    requireTLS: !secure,
    auth: { user: user.username, pass },
    tls: { ...(trustCa ? { ca: servers.ca } : {}), servername: 'localhost' },
    connectionTimeout: 5000,
    greetingTimeout: 5000,
    socketTimeout: 5000,
  });
}

describe('mail server fixture (Dovecot + Postfix)', () => {
  it.each([
    ['STARTTLS', () => servers.submission.starttlsPort, false],
    ['implicit TLS', () => servers.submission.tlsPort, true],
  ] as const)('delivers mail sent through submission (%s) into the recipient’s IMAP inbox', async (_name, port, secure) => {
    const marker = randomUUID();
    const mailer = transport(port(), secure, alice);
    try {
      const info = await mailer.sendMail({
        from: alice.address,
        to: bob.address,
        subject: `fixture test ${marker}`,
        text: `Hello Bob, ${marker}`,
      });
      expect(info.accepted).toEqual([bob.address]);
    } finally {
      mailer.close();
    }
    const source = await waitForMessage(servers, bob, (s) => s.includes(marker));
    expect(source).toMatch(new RegExp(`^Subject: fixture test ${marker}`, 'm'));
    expect(source).toContain('by mail.mailwright.test (Postfix)');
  });

  it('rejects a wrong password with 535 / EAUTH', async () => {
    const mailer = transport(servers.submission.starttlsPort, false, alice, `${alice.password}-wrong`);
    try {
      await expect(mailer.verify()).rejects.toMatchObject({ code: 'EAUTH', responseCode: 535 });
    } finally {
      mailer.close();
    }
  });

  it('refuses to send without authentication', async () => {
    const mailer = nodemailer.createTransport({
      host: servers.host,
      port: servers.submission.starttlsPort,
      requireTLS: true,
      tls: { ca: servers.ca, servername: 'localhost' },
    });
    try {
      await expect(
        mailer.sendMail({ from: alice.address, to: bob.address, subject: 'no auth', text: 'x' }),
      ).rejects.toMatchObject({ responseCode: 554 });
    } finally {
      mailer.close();
    }
  });

  it('logs in to IMAP over implicit TLS', async () => {
    const client = new ImapFlow({
      host: servers.host,
      port: servers.imap.tlsPort,
      secure: true,
      tls: { ca: servers.ca, servername: 'localhost' },
      auth: { user: bob.username, pass: bob.password },
      logger: false,
    });
    try {
      await client.connect();
      expect(client.authenticated).toBeTruthy();
      const mailbox = await client.mailboxOpen('INBOX');
      expect(mailbox.path).toBe('INBOX');
      await client.logout();
    } finally {
      client.close();
    }
  });

  it('speaks POP3 with STLS on the plain port', async () => {
    const plain = net.connect({ host: servers.host, port: servers.pop3.starttlsPort });
    const reader = new LineReader(plain);
    let socket: net.Socket = plain;
    try {
      expect(await reader.line()).toMatch(/^\+OK/);
      expect(await reader.command('CAPA')).toMatch(/^\+OK/);
      expect(await reader.multiline()).toContain('STLS');
      expect(await reader.command('STLS')).toMatch(/^\+OK/);
      reader.detach();
      const secure = tls.connect({ socket: plain, ca: servers.ca, servername: 'localhost' });
      socket = secure;
      await new Promise<void>((resolve, reject) => {
        secure.once('secureConnect', resolve);
        secure.once('error', reject);
      });
      reader.attach(secure);
      expect(await reader.command(`USER ${bob.username}`)).toMatch(/^\+OK/);
      expect(await reader.command(`PASS ${bob.password}`)).toMatch(/^\+OK/);
      expect(await reader.command('STAT')).toMatch(/^\+OK \d+ \d+$/);
      expect(await reader.command('QUIT')).toMatch(/^\+OK/);
    } finally {
      socket.destroy();
      plain.destroy();
    }
  });

  it('is refused by a client that does not trust the test CA', async () => {
    const error = await new Promise<Error & { code?: string }>((resolve, reject) => {
      const socket = tls.connect({ host: servers.host, port: servers.imap.tlsPort, servername: 'localhost' });
      socket.once('secureConnect', () => {
        socket.destroy();
        reject(new Error('TLS handshake succeeded without the CA'));
      });
      socket.once('error', resolve);
    });
    expect(error.code).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/);

    const mailer = transport(servers.submission.tlsPort, true, alice, alice.password, false);
    try {
      await expect(mailer.verify()).rejects.toMatchObject({ message: expect.stringMatching(/certificate/i) });
    } finally {
      mailer.close();
    }
  });

  it('refuses mail for other domains: nothing leaves the machine', async () => {
    const mailer = transport(servers.submission.starttlsPort, false, alice);
    try {
      // default_transport = error: smtpd already rejects the recipient at RCPT TO.
      await expect(
        mailer.sendMail({ from: alice.address, to: 'someone@example.com', subject: 'x', text: 'x' }),
      ).rejects.toMatchObject({ code: 'EENVELOPE', responseCode: 550 });
    } finally {
      mailer.close();
    }
  });
});

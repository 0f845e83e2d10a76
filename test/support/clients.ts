// Clients of the test mail servers as a test user: an IMAP connection (implicit TLS, the fixture's
// CA trusted) and sending through Postfix submission. One place for what tests and benchmarks used
// to spell out each time. (imap-read.ts keeps its own client: it runs against a deadline.)

import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import type { MailServers, MailUser } from './mail-servers';

/** A logged-in IMAP client; the caller logs out (or uses withImap). No automatic IDLE. */
export async function connectImap(servers: MailServers, user: MailUser): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: servers.host,
    port: servers.imap.tlsPort,
    secure: true,
    tls: { ca: servers.ca, servername: 'localhost' },
    auth: { user: user.username, pass: user.password },
    logger: false,
    disableAutoIdle: true,
  });
  // Failures surface through the awaited calls; an unheard 'error' event would end the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    client.close(); // FACTS: after a failed connect imapflow can keep Node alive otherwise
    throw error;
  }
  return client;
}

/** Runs `fn` with a logged-in client and always logs out. */
export async function withImap<T>(servers: MailServers, user: MailUser, fn: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = await connectImap(servers, user);
  try {
    return await fn(client);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/** Sends one message as `user` through Postfix submission (implicit TLS, SASL), as another mail program would. */
export async function sendAs(servers: MailServers, user: MailUser, message: Mail.Options): Promise<void> {
  const transport = nodemailer.createTransport({
    host: servers.host,
    port: servers.submission.tlsPort,
    secure: true,
    tls: { ca: servers.ca },
    auth: { user: user.username, pass: user.password },
  });
  try {
    await transport.sendMail({ from: user.address, ...message });
  } finally {
    transport.close();
  }
}

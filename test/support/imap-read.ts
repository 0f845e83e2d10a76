// Reads a test user's INBOX over IMAP (STARTTLS, verified against the fixture's CA).

import { ImapFlow } from 'imapflow';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MailServers, MailUser } from './mail-servers';

const POLL_MS = 25;

/**
 * Polls `user`'s INBOX until a message whose raw RFC 822 source satisfies `predicate` shows up
 * and returns that source. Rejects after `timeoutMs`. The IMAP client is always closed.
 */
export async function waitForMessage(
  servers: MailServers,
  user: MailUser,
  predicate: (source: string) => boolean,
  timeoutMs = 5000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const left = (): number => Math.max(1, deadline - Date.now());
  const client = new ImapFlow({
    host: servers.host,
    port: servers.imap.starttlsPort,
    secure: false,
    doSTARTTLS: true,
    tls: { ca: servers.ca, servername: 'localhost' },
    auth: { user: user.username, pass: user.password },
    logger: false,
    connectionTimeout: left(),
    greetingTimeout: left(),
    socketTimeout: Math.max(left(), 10_000),
  });
  client.on('error', () => undefined); // surfaced through the awaited calls instead

  const timedOut = (): Error => new Error(`waitForMessage: no matching message for ${user.address} within ${timeoutMs} ms`);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(timedOut());
      client.close();
    }, timeoutMs);
  });
  timeout.catch(() => undefined);

  const search = async (): Promise<string> => {
    await client.connect();
    await client.mailboxOpen('INBOX', { readOnly: true });
    let lastUid = 0;
    for (;;) {
      const mailbox = client.mailbox;
      if (mailbox && mailbox.exists > 0) {
        for await (const msg of client.fetch(`${lastUid + 1}:*`, { uid: true, source: true }, { uid: true })) {
          if (msg.uid <= lastUid) continue; // `n:*` always includes the last message
          lastUid = Math.max(lastUid, msg.uid);
          const source = msg.source?.toString('utf8') ?? '';
          if (predicate(source)) return source;
        }
      }
      if (Date.now() >= deadline) throw timedOut();
      await sleep(POLL_MS);
      await client.noop(); // lets the server report new messages (EXISTS)
    }
  };

  try {
    return await Promise.race([search(), timeout]);
  } finally {
    clearTimeout(timer);
    if (client.usable) await client.logout().catch(() => undefined);
    client.close();
  }
}

/**
 * Which server a stored password was saved for. A stored password is only ever given to the same
 * protocol, host, port, connection security and username: a change of any of them (a typo fixed,
 * a server moved, "None" chosen for security) asks the person for the password again, so a stored
 * password never travels to a server, or over a connection, it was not typed for. Main binds each
 * stored secret to this key; the wizard uses it to show that a changed server needs the password.
 */
import type { IncomingSettings, SmtpSettings } from './model';

export interface ServerIdentity {
  protocol: 'smtp' | IncomingSettings['protocol'];
  host: string;
  port: number | string;
  security: string;
  username: string;
}

/** One string per server: host names compare without case (DNS does), usernames exactly (servers may not). */
export const serverKey = (server: ServerIdentity): string =>
  JSON.stringify([server.protocol, server.host.trim().toLowerCase(), Number(server.port), server.security, server.username.trim()]);

export const smtpServerKey = (smtp: Pick<SmtpSettings, 'host' | 'port' | 'security' | 'username'>): string =>
  serverKey({ protocol: 'smtp', host: smtp.host, port: smtp.port, security: smtp.security, username: smtp.username });

export const incomingServerKey = (incoming: Pick<IncomingSettings, 'protocol' | 'host' | 'port' | 'security' | 'username'>): string =>
  serverKey({ protocol: incoming.protocol, host: incoming.host, port: incoming.port, security: incoming.security, username: incoming.username });

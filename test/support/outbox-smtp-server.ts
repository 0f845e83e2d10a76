// An in-process smtp-server on 127.0.0.1 (port 0) for the outbox tests, recording each message it
// takes (envelope, Message-ID, bytes) and every command it saw, with a hook to misbehave on cue.

import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';

export interface Delivery {
  messageId: string;
  from: string;
  to: string[];
  raw: Buffer;
  mailArgs: Record<string, unknown>;
}

export interface TestSmtpServer {
  port: number;
  deliveries: Delivery[];
  /** Commands seen, in order: 'MAIL', 'RCPT', 'DATA' (when the data arrived in full), 'DATA-START'. */
  commands: string[];
  /** Connections accepted. */
  connections: number;
  /** Command lines as the client sent them (AUTH payloads redacted by smtp-server), e.g. 'RCPT TO:<a@xn--...>'. */
  lines: string[];
  /** Destroys the socket of the session (a dropped connection). */
  drop(session: SMTPServerSession): void;
  close(): Promise<void>;
}

export const smtpError = (responseCode: number, message: string) => Object.assign(new Error(message), { responseCode });

export function messageIdOf(raw: Buffer | string): string {
  const head = raw.toString('latin1').split(/\r?\n\r?\n/, 1)[0] ?? '';
  return /^Message-ID:\s*(<[^>\r\n]+>)/im.exec(head)?.[1] ?? '';
}

export interface ServeOptions extends Omit<SMTPServerOptions, 'onData'> {
  /**
   * Decides what happens to a message once its data is in: undefined to take it (recorded, then
   * 250), or an error to refuse it. Called after the whole data arrived.
   */
  onMessage?: (delivery: Delivery, session: SMTPServerSession, server: TestSmtpServer) => Error | undefined | Promise<Error | undefined>;
  /** Called with the data stream as it starts; may drop the connection. */
  onDataStart?: (stream: Readable, session: SMTPServerSession, server: TestSmtpServer) => void;
}

export async function serveSmtp(options: ServeOptions = {}): Promise<TestSmtpServer> {
  const { onMessage, onDataStart, ...rest } = options;
  const api: TestSmtpServer = {
    port: 0,
    deliveries: [],
    commands: [],
    connections: 0,
    lines: [],
    drop(session) {
      const connections = (server as unknown as { connections: Set<{ id: string; _socket: { destroy(): void } }> }).connections;
      for (const c of connections) if (c.id === session.id) c._socket.destroy();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const noop = () => undefined;
  const logger = {
    trace: noop,
    info: noop,
    warn: noop,
    error: noop,
    fatal: noop,
    debug: (entry: { tnx?: string }, _message: string, line?: unknown) => {
      if (entry?.tnx === 'command' && typeof line === 'string') api.lines.push(line);
    },
  };
  const server: SMTPServer = new SMTPServer({
    logger: logger as unknown as SMTPServerOptions['logger'],
    disableReverseLookup: true,
    authOptional: true,
    closeTimeout: 200,
    ...rest,
    onConnect(session, cb) {
      api.connections++;
      if (rest.onConnect) return rest.onConnect(session, cb);
      cb();
    },
    onMailFrom(address, session, cb) {
      api.commands.push('MAIL');
      if (rest.onMailFrom) return rest.onMailFrom(address, session, cb);
      cb();
    },
    onRcptTo(address, session, cb) {
      api.commands.push('RCPT');
      if (rest.onRcptTo) return rest.onRcptTo(address, session, cb);
      cb();
    },
    onData(stream, session, cb) {
      api.commands.push('DATA-START');
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', () => undefined);
      stream.on('end', () => {
        api.commands.push('DATA');
        const raw = Buffer.concat(chunks);
        const delivery: Delivery = {
          messageId: messageIdOf(raw),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          mailArgs: (session.envelope.mailFrom ? (session.envelope.mailFrom.args as Record<string, unknown>) : {}) ?? {},
        };
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) return cb(smtpError(552, 'Message exceeds fixed size limit'));
        Promise.resolve(onMessage?.(delivery, session, api)).then(
          (error) => {
            if (!error) api.deliveries.push(delivery);
            cb(error ?? null);
          },
          (error: Error) => cb(error),
        );
      });
      onDataStart?.(stream, session, api);
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.port = (server.server.address() as AddressInfo).port;
  return api;
}

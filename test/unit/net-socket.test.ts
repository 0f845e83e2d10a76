/**
 * The one line socket (src-main/services/net/socket.ts) keeps the protections each of the three
 * copies had: refused data before the STARTTLS handshake, a bound on line length, redaction of
 * secret lines in the transcript, abort signals and deadlines. Fake servers on 127.0.0.1.
 */
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { probeServer } from '../../src-main/services/discovery/probe';
import { smtpHello } from '../../src-main/services/net/smtp';
import { LineSocket, NetError } from '../../src-main/services/net/socket';

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

/** A server that runs `script` for each connection, with the lines the client sent. */
async function serve(script: (socket: net.Socket, received: string[]) => void): Promise<{ port: number; received: string[]; bytes: () => string }> {
  const received: string[] = [];
  let raw = '';
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    let pending = '';
    socket.on('data', (d) => {
      pending += d.toString('latin1');
      raw += d.toString('latin1');
      let at: number;
      while ((at = pending.indexOf('\r\n')) >= 0) {
        received.push(pending.slice(0, at));
        pending = pending.slice(at + 2);
        socket.emit('line', received[received.length - 1]);
      }
    });
    script(socket, received);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, received, bytes: () => raw };
}

/** An SMTP server that offers STARTTLS and then sends a second, injected reply with its 220. */
const injectingSmtp = () =>
  serve((socket) => {
    socket.write('220 fake ESMTP\r\n');
    socket.on('line', (line: string) => {
      if (line.startsWith('EHLO')) socket.write('250-fake\r\n250 STARTTLS\r\n');
      else if (line === 'STARTTLS') socket.write('220 go ahead\r\n250 injected before the handshake\r\n');
    });
  });

describe('net/socket.ts', () => {
  it('refuses data sent after the STARTTLS reply and before the handshake (CVE-2011-0411)', async () => {
    const { port, bytes } = await injectingSmtp();
    const conn = await LineSocket.open({ host: '127.0.0.1', port, timeoutMs: 2000 });
    await conn.readLine(2000);
    const upgrade = () => conn.upgrade({}, 2000).then(() => true);
    await expect(smtpHello(conn, { starttls: true, replyMs: 2000, upgrade })).rejects.toMatchObject({ kind: 'protocol' });
    await new Promise((r) => setTimeout(r, 50));
    expect(bytes()).toBe('EHLO [127.0.0.1]\r\nSTARTTLS\r\n'); // no TLS ClientHello, nothing more
  });

  it('discovery says so in its own words and code', async () => {
    const { port } = await injectingSmtp();
    const outcome = await probeServer(
      { protocol: 'smtp', host: '127.0.0.1', port, security: 'starttls' },
      { addresses: [{ address: '127.0.0.1', family: 4 }], timeoutMs: 2000, signal: new AbortController().signal },
    );
    expect(outcome).toMatchObject({ ok: false, code: 'PROTOCOL_ERROR', noConnection: false });
  });

  it('ends the connection on a line longer than the limit', async () => {
    const { port } = await serve((socket) => socket.write('x'.repeat(100_000)));
    const conn = await LineSocket.open({ host: '127.0.0.1', port, timeoutMs: 2000, maxLineBytes: 8192 });
    const err = await conn.readLine(2000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetError);
    expect(err).toMatchObject({ kind: 'protocol' });
  });

  it('records a secret line as what the caller shows, marked redacted', async () => {
    const { port, received } = await serve(() => {});
    const transcript: Array<[string, string, boolean | undefined]> = [];
    const conn = await LineSocket.open({ host: '127.0.0.1', port, timeoutMs: 2000, sink: (dir, text, redacted) => transcript.push([dir, text, redacted]) });
    conn.write('AUTH PLAIN AGFsaWNlAHNlY3JldA==', 'AUTH PLAIN [redacted]');
    await expect.poll(() => received.length).toBe(1);
    expect(transcript).toEqual([['client', 'AUTH PLAIN [redacted]', true]]);
    expect(received).toEqual(['AUTH PLAIN AGFsaWNlAHNlY3JldA==']);
    conn.close();
  });

  it('an abort ends a pending read at once; a silent server ends it at the deadline', async () => {
    const { port } = await serve(() => {});
    const controller = new AbortController();
    const conn = await LineSocket.open({ host: '127.0.0.1', port, timeoutMs: 2000, signal: controller.signal });
    const pending = conn.readLine(10_000).catch((e: unknown) => e);
    controller.abort(new Error('the person pressed Stop'));
    expect(await pending).toMatchObject({ kind: 'aborted' });

    const other = await LineSocket.open({ host: '127.0.0.1', port, timeoutMs: 2000 });
    const started = Date.now();
    expect(await other.readLine(200).catch((e: unknown) => e)).toMatchObject({ kind: 'timeout', code: 'ETIMEDOUT' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('lines the server sent before closing can still be read', async () => {
    const { port } = await serve((socket) => socket.end('221 bye\r\n'));
    const conn = await LineSocket.open({ host: '127.0.0.1', port, timeoutMs: 2000 });
    await expect.poll(() => conn.closedBy !== null).toBe(true);
    expect(await conn.readLine(500)).toBe('221 bye');
    await expect(conn.readLine(500)).rejects.toMatchObject({ kind: 'closed' });
  });
});

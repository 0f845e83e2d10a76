// In-process fake POP3 servers on 127.0.0.1 for the POP3 client's unit tests: a scripted
// `fakeServer(handler)` for edge cases, and `miniPop3(...)`, a tiny but real POP3 server over a
// mailbox of Buffers (dot-stuffing on the way out) whose replies can be sent byte by byte.

import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FakeSession {
  socket: net.Socket;
  /** Every line received from the client, without CRLF. */
  received: string[];
  /** The next line from the client; rejects when the client closes first or after timeoutMs. */
  nextLine(timeoutMs?: number): Promise<string>;
  write(data: string | Buffer): void;
  /** Writes one byte at a time, each in its own TCP segment (Nagle off, a pause between). */
  writeBytewise(data: string | Buffer): Promise<void>;
  /** Resolves when the client's side of the connection is gone. */
  closed: Promise<void>;
}

export interface FakeServer {
  port: number;
  sessions: FakeSession[];
  /** Lines received over all sessions. */
  received(): string[];
  close(): Promise<void>;
}

export async function fakeServer(handler: (session: FakeSession) => Promise<void> | void): Promise<FakeServer> {
  const sessions: FakeSession[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    const received: string[] = [];
    const queued: string[] = [];
    let waiting: { resolve: (line: string) => void; reject: (err: Error) => void } | null = null;
    let ended = false;
    let pending = '';
    let markClosed: () => void = () => undefined;
    const closed = new Promise<void>((resolve) => (markClosed = resolve));
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      let at: number;
      while ((at = pending.indexOf('\r\n')) !== -1) {
        const line = pending.slice(0, at);
        pending = pending.slice(at + 2);
        received.push(line);
        if (waiting) {
          const w = waiting;
          waiting = null;
          w.resolve(line);
        } else {
          queued.push(line);
        }
      }
    });
    socket.on('close', () => {
      ended = true;
      sockets.delete(socket);
      markClosed();
      if (waiting) waiting.reject(new Error('client closed the connection'));
      waiting = null;
    });
    const session: FakeSession = {
      socket,
      received,
      closed,
      nextLine(timeoutMs = 5000) {
        const line = queued.shift();
        if (line !== undefined) return Promise.resolve(line);
        if (ended) return Promise.reject(new Error('client closed the connection'));
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            waiting = null;
            reject(new Error('no line from the client'));
          }, timeoutMs);
          waiting = {
            resolve: (l) => {
              clearTimeout(timer);
              resolve(l);
            },
            reject: (e) => {
              clearTimeout(timer);
              reject(e);
            },
          };
        });
      },
      write(data) {
        if (!socket.destroyed) socket.write(data);
      },
      async writeBytewise(data) {
        const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
        for (let i = 0; i < bytes.length; i++) {
          if (socket.destroyed) return;
          socket.write(bytes.subarray(i, i + 1));
          await sleep(1);
        }
      },
    };
    sessions.push(session);
    Promise.resolve()
      .then(() => handler(session))
      .catch(() => undefined) // the client hung up: the script just stops
      .finally(() => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    sessions,
    received: () => sessions.flatMap((s) => s.received),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** RFC 1939 byte-stuffing of a message for a multi-line reply, with the terminating ".". */
export function stuffed(message: Buffer): Buffer {
  const text = message.toString('latin1');
  const lines = text.endsWith('\r\n') ? text.slice(0, -2).split('\r\n') : text.split('\r\n');
  return Buffer.from(lines.map((l) => (l.startsWith('.') ? `.${l}` : l)).join('\r\n') + '\r\n.\r\n', 'latin1');
}

export interface MiniOptions {
  user?: string;
  pass?: string;
  capa?: string[] | null;
  /** 'bytewise': every reply is sent one byte per TCP segment. */
  mode?: 'whole' | 'bytewise';
  greeting?: string;
}

/** A tiny POP3 server (AUTHORIZATION, TRANSACTION, UPDATE) over `mailbox`. */
export function miniPop3(mailbox: Buffer[], options: MiniOptions = {}): Promise<FakeServer> {
  const { user = 'bob', pass = 'secret pw', capa = ['USER', 'UIDL', 'TOP'], mode = 'whole', greeting = '+OK mini POP3 ready' } = options;
  return fakeServer(async (s) => {
    const send = async (data: string | Buffer): Promise<void> => (mode === 'bytewise' ? s.writeBytewise(data) : s.write(data));
    const deleted = new Set<number>();
    let state: 'auth' | 'pass' | 'trans' = 'auth';
    await send(`${greeting}\r\n`);
    for (;;) {
      const line = await s.nextLine();
      const [verb = '', ...args] = line.split(' ');
      const v = verb.toUpperCase();
      const live = mailbox.map((m, i) => ({ id: i + 1, m })).filter((e) => !deleted.has(e.id));
      const message = (arg: string | undefined): Buffer | undefined => {
        const id = Number(arg);
        return deleted.has(id) ? undefined : mailbox[id - 1];
      };
      if (v === 'CAPA') {
        if (capa === null) await send('-ERR unknown command\r\n');
        else await send(`+OK Capability list follows\r\n${capa.map((c) => `${c}\r\n`).join('')}.\r\n`);
      } else if (v === 'QUIT') {
        for (const id of [...deleted].sort((a, b) => b - a)) mailbox.splice(id - 1, 1);
        await send('+OK bye\r\n');
        s.socket.end();
        return;
      } else if (state === 'auth' && v === 'USER') {
        state = args.join(' ') === user ? 'pass' : 'auth';
        await send(state === 'pass' ? '+OK\r\n' : '-ERR no such user\r\n');
      } else if (state === 'pass' && v === 'PASS') {
        const ok = line.slice(5) === pass;
        state = ok ? 'trans' : 'auth';
        await send(ok ? '+OK Logged in.\r\n' : '-ERR [AUTH] Authentication failed.\r\n');
      } else if (state !== 'trans') {
        await send('-ERR Unknown AUTHORIZATION state command\r\n');
      } else if (v === 'STAT') {
        await send(`+OK ${live.length} ${live.reduce((n, e) => n + e.m.length, 0)}\r\n`);
      } else if (v === 'LIST') {
        await send(`+OK ${live.length} messages:\r\n${live.map((e) => `${e.id} ${e.m.length}\r\n`).join('')}.\r\n`);
      } else if (v === 'UIDL') {
        await send(`+OK\r\n${live.map((e) => `${e.id} uid-${e.id}-${e.m.length}\r\n`).join('')}.\r\n`);
      } else if (v === 'RETR' || v === 'TOP') {
        const m = message(args[0]);
        if (!m) {
          await send('-ERR There is no message ' + args[0] + '\r\n');
          continue;
        }
        let out = m;
        if (v === 'TOP') {
          const text = m.toString('latin1');
          const split = text.indexOf('\r\n\r\n');
          const rest = text.slice(split + 4);
          const body = rest === '' ? [] : rest.replace(/\r\n$/, '').split('\r\n');
          out = Buffer.from(text.slice(0, split + 4) + body.slice(0, Number(args[1])).map((l) => `${l}\r\n`).join(''), 'latin1');
        }
        await send(Buffer.concat([Buffer.from(`+OK ${out.length} octets\r\n`), stuffed(out)]));
      } else if (v === 'DELE') {
        if (!message(args[0])) await send('-ERR no such message\r\n');
        else {
          deleted.add(Number(args[0]));
          await send('+OK Marked to be deleted.\r\n');
        }
      } else if (v === 'RSET') {
        deleted.clear();
        await send('+OK\r\n');
      } else if (v === 'NOOP') {
        await send('+OK\r\n');
      } else {
        await send('-ERR Unknown command\r\n');
      }
    }
  });
}

// The POP3 client against in-process fake servers on 127.0.0.1: a whole session, replies cut
// byte by byte or several in one packet, error codes, the transcript, STLS refusals, timeouts
// and connections that die mid-reply.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Pop3Client, Pop3Error, type Pop3ConnectOptions, type Pop3TranscriptLine } from '../../src-main/services/pop3/client';
import { oauthBearerResponse, xoauth2Response } from '../../src-main/services/net/sasl';
import { fakeServer, miniPop3, stuffed, type FakeServer } from './pop3-fake-server';

const servers: FakeServer[] = [];
const clients: Pop3Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.close();
});

async function serve(server: Promise<FakeServer>): Promise<FakeServer> {
  const s = await server;
  servers.push(s);
  return s;
}

async function connect(port: number, options: Partial<Pop3ConnectOptions> = {}): Promise<Pop3Client> {
  const client = await Pop3Client.connect({ host: '127.0.0.1', port, security: 'none', timeoutMs: 2000, ...options });
  clients.push(client);
  return client;
}

/** The rejection of `p` as a Pop3Error (fails the test if `p` resolves or rejects otherwise). */
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

const PASSWORD = 'secret pw';
const mailbox = (): Buffer[] => [
  Buffer.from('Subject: one\r\nFrom: a@example.test\r\n\r\nfirst line\r\n.\r\n..\r\n.leading dot\r\nlast\r\n', 'latin1'),
  Buffer.concat([
    Buffer.from('Subject: two\r\n\r\n', 'latin1'),
    Buffer.from([0xc3, 0xbc, 0x20, 0xe9, 0x20, 0xff, 0x00, 0x0d, 0x0a]),
    Buffer.from('\r\n.\r\n\r\n', 'latin1'),
  ]),
];

describe('Pop3Client session', () => {
  it('runs a whole session: greeting, CAPA, login, STAT, LIST, UIDL, TOP, RETR, DELE, RSET, NOOP, QUIT', async () => {
    const box = mailbox();
    const expected = mailbox();
    const server = await serve(miniPop3(box));
    const transcript: Pop3TranscriptLine[] = [];
    const client = await connect(server.port, { onLine: (l) => transcript.push(l) });
    expect(client.greeting).toBe('+OK mini POP3 ready');
    expect(client.capabilities).toEqual(['USER', 'UIDL', 'TOP']);
    expect(client.tlsSocket).toBeNull();

    await client.login('bob', PASSWORD);
    expect(await client.stat()).toEqual({ count: 2, size: expected[0]!.length + expected[1]!.length });
    expect(await client.list()).toEqual([
      { id: 1, size: expected[0]!.length },
      { id: 2, size: expected[1]!.length },
    ]);
    expect(await client.uidl()).toEqual([
      { id: 1, uid: `uid-1-${expected[0]!.length}` },
      { id: 2, uid: `uid-2-${expected[1]!.length}` },
    ]);
    expect((await client.retr(1)).equals(expected[0]!)).toBe(true);
    expect((await client.retr(2)).equals(expected[1]!)).toBe(true);
    expect((await client.top(1, 0)).toString('latin1')).toBe('Subject: one\r\nFrom: a@example.test\r\n\r\n');
    expect((await client.top(1, 2)).toString('latin1')).toBe('Subject: one\r\nFrom: a@example.test\r\n\r\nfirst line\r\n.\r\n');
    await client.dele(1);
    await client.rset();
    await client.dele(2);
    await client.noop();
    await client.quit();
    await client.quit(); // safe to call twice
    expect(box).toHaveLength(1);
    expect(box[0]!.equals(expected[0]!)).toBe(true);

    // The transcript: every command and status line, bodies summarized, PASS redacted.
    const texts = transcript.map((l) => `${l.dir === 'client' ? 'C' : 'S'}: ${l.text}`);
    expect(texts.slice(0, 8)).toEqual([
      'S: +OK mini POP3 ready',
      'C: CAPA',
      'S: +OK Capability list follows',
      'S: [3 lines, 17 bytes]',
      'C: USER bob',
      'S: +OK',
      'C: PASS [redacted]',
      'S: +OK Logged in.',
    ]);
    expect(texts).toContain(`S: [8 lines, ${expected[0]!.length} bytes]`); // RETR 1, unstuffed
    expect(texts.at(-2)).toBe('C: QUIT');
    expect(transcript.filter((l) => l.redacted)).toEqual([{ dir: 'client', text: 'PASS [redacted]', redacted: true }]);
    expect(JSON.stringify(transcript)).not.toContain('secret');
    expect(server.received()).toContain(`PASS ${PASSWORD}`);
  });

  it('retrieves a large message (10 MB, 200k lines, many dot lines) byte-exact and quickly', async () => {
    const lines: string[] = ['Subject: big', ''];
    for (let i = 0; i < 200_000; i++) lines.push(i % 7 === 0 ? `.${i}` : i % 1000 === 0 ? 'x'.repeat(20_000) : `line ${i} ${'y'.repeat(i % 50)}`);
    const big = Buffer.from(lines.join('\r\n') + '\r\n', 'latin1');
    const server = await serve(miniPop3([big]));
    const client = await connect(server.port);
    await client.login('bob', PASSWORD);
    const started = Date.now();
    const got = await client.retr(1);
    const ms = Date.now() - started;
    expect(got.length).toBe(big.length);
    expect(got.equals(big)).toBe(true);
    expect(ms).toBeLessThan(5000);
    await client.quit();
  });

  it('reads replies that arrive one byte per packet', async () => {
    const expected = mailbox();
    const server = await serve(miniPop3(mailbox(), { mode: 'bytewise' }));
    const client = await connect(server.port);
    await client.login('bob', PASSWORD);
    expect((await client.retr(1)).equals(expected[0]!)).toBe(true);
    expect((await client.retr(2)).equals(expected[1]!)).toBe(true);
    expect(await client.list()).toHaveLength(2);
    await client.quit();
  }, 20_000);

  it('reads several replies that arrive in one packet', async () => {
    const body = Buffer.from('Subject: x\r\n\r\n.\r\n', 'latin1');
    const server = await serve(
      fakeServer(async (s) => {
        s.write('+OK hi\r\n');
        await s.nextLine(); // CAPA
        // The rest of the session's replies in one go, before the client has asked.
        s.write(
          Buffer.concat([
            Buffer.from('+OK Capability list follows\r\nUSER\r\n.\r\n+OK\r\n+OK in\r\n+OK 1 17\r\n+OK 1 messages:\r\n1 17\r\n.\r\n+OK 17 octets\r\n'),
            stuffed(body),
            Buffer.from('+OK\r\n+OK bye\r\n'),
          ]),
        );
        for (;;) await s.nextLine();
      }),
    );
    const client = await connect(server.port);
    expect(client.capabilities).toEqual(['USER']);
    await client.login('bob', PASSWORD);
    expect(await client.stat()).toEqual({ count: 1, size: 17 });
    expect(await client.list()).toEqual([{ id: 1, size: 17 }]);
    expect((await client.retr(1)).equals(body)).toBe(true);
    await client.noop();
    await client.quit();
    await server.sessions[0]!.closed; // the server has read everything the client sent
    expect(server.received()).toEqual(['CAPA', 'USER bob', `PASS ${PASSWORD}`, 'STAT', 'LIST', 'RETR 1', 'NOOP', 'QUIT']);
  });

  it('sends concurrent calls one at a time, in call order', async () => {
    let outstanding = 0;
    let maxOutstanding = 0;
    const server = await serve(
      fakeServer(async (s) => {
        s.write('+OK hi\r\n');
        for (;;) {
          const line = await s.nextLine();
          outstanding++;
          maxOutstanding = Math.max(maxOutstanding, outstanding);
          await new Promise((r) => setTimeout(r, 10)); // would let a pipelined command arrive
          outstanding--;
          if (line === 'CAPA') s.write('-ERR no\r\n');
          else if (line === 'STAT') s.write('+OK 3 300\r\n');
          else if (line === 'LIST') s.write('+OK\r\n1 100\r\n2 200\r\n.\r\n');
          else s.write('+OK\r\n');
        }
      }),
    );
    const client = await connect(server.port);
    expect(client.capabilities).toEqual([]);
    const [a, b, c, d] = await Promise.all([client.noop(), client.stat(), client.list(), client.noop()]);
    expect(a).toBeUndefined();
    expect(b).toEqual({ count: 3, size: 300 });
    expect(c).toHaveLength(2);
    expect(d).toBeUndefined();
    expect(server.received()).toEqual(['CAPA', 'NOOP', 'STAT', 'LIST', 'NOOP']);
    expect(maxOutstanding).toBe(1);
  });
});

describe('Pop3Client errors', () => {
  it.each([
    ['-ERR [AUTH] Authentication failed.', 'auth'],
    ['-ERR [IN-USE] Mailbox is locked by another session', 'in-use'],
    ['-ERR [SYS/TEMP] Try again later', 'sys-temp'],
    ['-ERR [SYS/PERM] Account disabled', 'sys-perm'],
    ['-ERR [LOGIN-DELAY] Too soon', 'login-delay'],
    ['-ERR Wrong password', 'auth'],
  ] as const)('maps a PASS reply %j to kind %s', async (reply, kind) => {
    const server = await serve(
      fakeServer(async (s) => {
        s.write('+OK hi\r\n');
        await s.nextLine();
        s.write('+OK\r\nUSER\r\n.\r\n');
        await s.nextLine();
        s.write('+OK\r\n');
        await s.nextLine();
        s.write(`${reply}\r\n`);
        for (;;) s.write((await s.nextLine()) === 'NOOP' ? '-ERR not logged in\r\n' : '+OK\r\n');
      }),
    );
    const lines: string[] = [];
    const client = await connect(server.port, { onLine: (l) => lines.push(l.text) });
    const err = await pop3Error(client.login('bob', 'hunter2'));
    expect(err.kind).toBe(kind);
    expect(err.response).toBe(reply);
    expect(err.command).toBe('PASS');
    expect(err.message).toContain(reply);
    expect(err.message).not.toContain('hunter2');
    expect(lines.join('\n')).not.toContain('hunter2');
    // The session is still usable after an -ERR.
    expect((await pop3Error(client.noop())).kind).toBe('err');
    await client.quit();
  });

  it('maps a USER rejection without a code to auth, and -ERR on other commands to err or the code', async () => {
    const server = await serve(miniPop3(mailbox()));
    const client = await connect(server.port);
    const user = await pop3Error(client.login('mallory', 'x'));
    expect(user).toMatchObject({ kind: 'auth', command: 'USER mallory', response: '-ERR no such user' });
    await client.login('bob', PASSWORD);
    const retr = await pop3Error(client.retr(9));
    expect(retr).toMatchObject({ kind: 'err', command: 'RETR 9', response: '-ERR There is no message 9' });
    expect((await client.retr(1)).length).toBeGreaterThan(0);
    await client.quit();
  });

  it('rejects arguments that would inject a command, sending nothing', async () => {
    const server = await serve(miniPop3(mailbox()));
    const client = await connect(server.port);
    await expect(client.login('bob\r\nDELE 1', 'x')).rejects.toThrow(RangeError);
    await expect(client.login('bob', 'x\r\nDELE 1')).rejects.toThrow(RangeError);
    await expect(client.retr(0)).rejects.toThrow(RangeError);
    await expect(client.top(1, -1)).rejects.toThrow(RangeError);
    await client.quit();
    await server.sessions[0]!.closed;
    expect(server.received()).toEqual(['CAPA', 'QUIT']);
  });

  it('greeting -ERR rejects connect with the server line', async () => {
    const server = await serve(fakeServer((s) => s.write('-ERR [SYS/TEMP] Too many connections\r\n')));
    const err = await pop3Error(connect(server.port));
    expect(err.kind).toBe('sys-temp');
    expect(err.response).toBe('-ERR [SYS/TEMP] Too many connections');
    const server2 = await serve(fakeServer((s) => s.write('-ERR go away\r\n')));
    expect(await pop3Error(connect(server2.port))).toMatchObject({ kind: 'err', response: '-ERR go away' });
    const server3 = await serve(fakeServer((s) => s.write('220 smtp.example.test ESMTP\r\n')));
    expect((await pop3Error(connect(server3.port))).kind).toBe('protocol');
  });

  it('times out when the server goes silent, closes the socket and stays closed', async () => {
    let serverSaw: Promise<void> = Promise.resolve();
    const server = await serve(
      fakeServer(async (s) => {
        serverSaw = s.closed;
        s.write('+OK hi\r\n');
        await s.nextLine();
        s.write('-ERR\r\n');
        await s.nextLine(); // NOOP: no reply, ever
        await s.closed;
      }),
    );
    const client = await connect(server.port, { timeoutMs: 300 });
    const started = Date.now();
    const err = await pop3Error(client.noop());
    expect(err.kind).toBe('timeout');
    expect(err.command).toBe('NOOP');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(2000);
    await serverSaw; // the client hung up
    expect((await pop3Error(client.stat())).kind).toBe('closed');
    expect((await pop3Error(client.quit())).kind).toBe('closed'); // deletions cannot have happened
  });

  it('times out on a silent greeting', async () => {
    const server = await serve(fakeServer(() => undefined));
    const started = Date.now();
    expect((await pop3Error(connect(server.port, { timeoutMs: 200 }))).kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('keeps waiting while a slow reply trickles in, each byte restarting the clock', async () => {
    const body = Buffer.from(`Subject: slow\r\n\r\n${'z'.repeat(40)}\r\n`);
    const server = await serve(
      fakeServer(async (s) => {
        s.write('+OK hi\r\n');
        await s.nextLine();
        s.write('-ERR\r\n');
        await s.nextLine();
        const reply = Buffer.concat([Buffer.from('+OK\r\n'), stuffed(body)]);
        for (const byte of reply) {
          s.write(Buffer.from([byte]));
          await new Promise((r) => setTimeout(r, 10));
        }
      }),
    );
    const client = await connect(server.port, { timeoutMs: 300 }); // 67 bytes * 10 ms > 300 ms in total
    expect((await client.retr(1)).equals(body)).toBe(true);
  });

  it('connection closed mid-response rejects with closed', async () => {
    const server = await serve(
      fakeServer(async (s) => {
        s.write('+OK hi\r\n');
        await s.nextLine();
        s.write('-ERR\r\n');
        await s.nextLine();
        s.write('+OK 100 octets\r\nSubject: cut\r\n\r\nhalf a li');
        await new Promise((r) => setTimeout(r, 20));
        s.socket.destroy();
      }),
    );
    const client = await connect(server.port);
    const err = await pop3Error(client.retr(1));
    expect(err.kind).toBe('closed');
    expect(err.command).toBe('RETR 1');
    expect(err.message).toMatch(/middle of the reply to RETR 1/);
    expect((await pop3Error(client.noop())).kind).toBe('closed');
  });

  it('close() fails the pending call with closed; quit() afterwards resolves', async () => {
    const server = await serve(
      fakeServer(async (s) => {
        s.write('+OK hi\r\n');
        await s.nextLine();
        s.write('-ERR\r\n');
        await s.nextLine();
        await s.closed;
      }),
    );
    const client = await connect(server.port);
    const pending = pop3Error(client.noop());
    await new Promise((r) => setTimeout(r, 20));
    client.close();
    expect((await pending).kind).toBe('closed');
    await client.quit();
    await server.sessions[0]!.closed;
  });

  it('a refused connection is kind closed', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const err = await pop3Error(connect(port));
    expect(err.kind).toBe('closed');
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it('an overlong status line is a protocol error', async () => {
    const server = await serve(fakeServer((s) => s.write(`+OK ${'x'.repeat(70_000)}`)));
    expect((await pop3Error(connect(server.port))).kind).toBe('protocol');
  });
});

describe('Pop3Client STLS and TLS', () => {
  it('STLS not in CAPA: starttls-unavailable, nothing else sent', async () => {
    const server = await serve(miniPop3(mailbox(), { capa: ['USER', 'UIDL'] }));
    const err = await pop3Error(connect(server.port, { security: 'starttls' }));
    expect(err.kind).toBe('starttls-unavailable');
    await server.sessions[0]!.closed;
    expect(server.received()).toEqual(['CAPA']);
  });

  it('no CAPA at all: starttls-unavailable', async () => {
    const server = await serve(miniPop3(mailbox(), { capa: null }));
    expect((await pop3Error(connect(server.port, { security: 'starttls' }))).kind).toBe('starttls-unavailable');
    expect(server.received()).toEqual(['CAPA']);
  });

  it('STLS refused: starttls-unavailable with the server line, no USER/PASS', async () => {
    const server = await serve(
      fakeServer(async (s) => {
        s.write('+OK hi\r\n');
        await s.nextLine();
        s.write('+OK\r\nUSER\r\nSTLS\r\n.\r\n');
        await s.nextLine();
        s.write('-ERR TLS not available right now\r\n');
        for (;;) s.write(`+OK ${await s.nextLine()}\r\n`);
      }),
    );
    const err = await pop3Error(connect(server.port, { security: 'starttls' }));
    expect(err).toMatchObject({ kind: 'starttls-unavailable', command: 'STLS', response: '-ERR TLS not available right now' });
    await server.sessions[0]!.closed;
    expect(server.received()).toEqual(['CAPA', 'STLS']);
  });

  it('data injected after +OK to STLS is refused before the handshake', async () => {
    const server = await serve(
      fakeServer(async (s) => {
        s.write('+OK hi\r\n');
        await s.nextLine();
        s.write('+OK\r\nSTLS\r\n.\r\n');
        await s.nextLine();
        s.write('+OK Begin TLS\r\n+OK injected\r\n');
        for (;;) await s.nextLine();
      }),
    );
    const err = await pop3Error(connect(server.port, { security: 'starttls' }));
    expect(err.kind).toBe('protocol');
    expect(server.received()).toEqual(['CAPA', 'STLS']);
  });

  it('implicit TLS against a server speaking clear text: kind tls, nothing sent', async () => {
    const server = await serve(fakeServer((s) => s.write('+OK hi\r\n')));
    const err = await pop3Error(connect(server.port, { security: 'tls' }));
    expect(err.kind).toBe('tls');
    expect(server.received().filter((l) => /^(USER|PASS|CAPA)/.test(l))).toEqual([]); // the rest is the ClientHello
  });

  it('STLS accepted but the server then speaks clear text: kind tls, no USER/PASS', async () => {
    const server = await serve(
      fakeServer(async (s) => {
        s.write('+OK hi\r\n');
        await s.nextLine();
        s.write('+OK\r\nSTLS\r\nUSER\r\n.\r\n');
        await s.nextLine();
        s.write('+OK Begin TLS\r\n');
        await new Promise((r) => setTimeout(r, 50));
        s.write('+OK not really TLS\r\n');
      }),
    );
    const err = await pop3Error(connect(server.port, { security: 'starttls' }));
    expect(err.kind).toBe('tls');
    expect(server.received().slice(0, 2)).toEqual(['CAPA', 'STLS']);
    expect(server.received().filter((l) => /^(USER|PASS)/.test(l))).toEqual([]); // the rest is the ClientHello
  });
});

describe('Pop3Client OAuth2 sign-in (RFC 5034 AUTH)', () => {
  const TOKEN = 'tok-3f9a-secret';
  const CHALLENGE = Buffer.from('{"status":"401","schemes":"bearer","scope":"mail"}').toString('base64');

  /** Greeting and CAPA with `sasl`, then `answer` for each line of the AUTH exchange, then +OK to anything. */
  const tokenServer = (sasl: string | null, answer: (line: string, step: number) => string) =>
    serve(
      fakeServer(async (s) => {
        s.write('+OK hi\r\n');
        await s.nextLine();
        s.write(`+OK\r\nUSER\r\n${sasl === null ? '' : `SASL ${sasl}\r\n`}.\r\n`);
        for (let step = 0; ; step++) s.write(`${answer(await s.nextLine(), step)}\r\n`);
      }),
    );

  it('sends AUTH XOAUTH2 with the initial response and is signed in; the transcript names the mechanism, never the token', async () => {
    const server = await tokenServer('PLAIN XOAUTH2 OAUTHBEARER', (line) => (line.startsWith('AUTH ') ? '+OK Logged in.' : '+OK'));
    const lines: Pop3TranscriptLine[] = [];
    const client = await connect(server.port, { onLine: (l) => lines.push(l) });
    expect(await client.signIn({ kind: 'oauth2', username: 'anna@example.test', accessToken: TOKEN })).toBe('XOAUTH2');
    expect(server.received()[1]).toBe(`AUTH XOAUTH2 ${xoauth2Response('anna@example.test', TOKEN)}`);
    expect(lines).toContainEqual({ dir: 'client', text: 'AUTH XOAUTH2 [redacted]', redacted: true });
    expect(JSON.stringify(lines)).not.toContain(xoauth2Response('anna@example.test', TOKEN));
    await client.quit();
  });

  it('a token too long for the AUTH line (over 255 octets) is sent after the "+ " continuation', async () => {
    const long = 'x'.repeat(1200);
    const server = await tokenServer('XOAUTH2', (line, step) => (step === 0 ? (line === 'AUTH XOAUTH2' ? '+ ' : '-ERR expected AUTH XOAUTH2 alone') : step === 1 ? '+OK Logged in.' : '+OK'));
    const client = await connect(server.port);
    expect(await client.loginWithToken('anna', long)).toBe('XOAUTH2');
    expect(server.received().slice(1, 3)).toEqual(['AUTH XOAUTH2', xoauth2Response('anna', long)]);
    await client.quit();
  });

  it('answers the error challenge of a refused token with an empty line and reports the final -ERR as auth', async () => {
    const server = await tokenServer('PLAIN XOAUTH2', (_line, step) => (step === 0 ? `+ ${CHALLENGE}` : step === 1 ? '-ERR [AUTH] Authentication failed.' : '+OK'));
    const lines: Pop3TranscriptLine[] = [];
    const client = await connect(server.port, { onLine: (l) => lines.push(l) });
    const err = await pop3Error(client.signIn({ kind: 'oauth2', username: 'anna', accessToken: TOKEN }));
    expect(err).toMatchObject({ kind: 'auth', command: 'AUTH XOAUTH2', response: '-ERR [AUTH] Authentication failed.' });
    expect(server.received()[2]).toBe('');
    expect(lines).toContainEqual({ dir: 'info', text: 'error challenge: {"status":"401","schemes":"bearer","scope":"mail"}' });
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
    expect(err.message).not.toContain(TOKEN);
    await client.quit(); // the session is still usable
  });

  it('uses OAUTHBEARER (with host and port) when it is the one offered, and answers its error challenge with ^A', async () => {
    const server = await tokenServer('PLAIN OAUTHBEARER', (_line, step) => (step === 0 ? `+ ${CHALLENGE}` : step === 1 ? '-ERR [SYS/TEMP] Temporary authentication failure' : '+OK'));
    const client = await connect(server.port);
    const err = await pop3Error(client.loginWithToken('anna', TOKEN));
    expect(err.kind).toBe('sys-temp');
    expect(server.received()[1]).toBe(`AUTH OAUTHBEARER ${oauthBearerResponse('anna', TOKEN, { host: '127.0.0.1', port: server.port })}`);
    expect(server.received()[2]).toBe('AQ==');
    await client.quit();
  });

  it('no OAuth2 mechanism in the SASL line: auth-unavailable, nothing sent; no SASL line at all: XOAUTH2 is tried', async () => {
    const plainOnly = await tokenServer('PLAIN LOGIN', () => '+OK');
    const client = await connect(plainOnly.port);
    const err = await pop3Error(client.loginWithToken('anna', TOKEN));
    expect(err.kind).toBe('auth-unavailable');
    expect(plainOnly.received()).toEqual(['CAPA']);
    const unlisted = await tokenServer(null, (line) => (line.startsWith('AUTH XOAUTH2 ') ? '+OK Logged in.' : '-ERR no'));
    expect(await (await connect(unlisted.port)).loginWithToken('anna', TOKEN)).toBe('XOAUTH2');
  });

  it('a password credential still signs in with USER/PASS', async () => {
    const server = await serve(miniPop3(mailbox()));
    const client = await connect(server.port);
    expect(await client.signIn({ kind: 'password', username: 'bob', password: PASSWORD })).toBe('USER/PASS');
    expect((await client.stat()).count).toBe(2);
    await client.quit();
  });
});

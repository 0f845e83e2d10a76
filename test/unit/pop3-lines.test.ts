// POP3 framing without sockets: line splitting, the terminating "." and dot-unstuffing, with the
// input cut at every possible place, and the mapping of RFC 2449 response codes to error kinds.
import { describe, expect, it } from 'vitest';
import { kindOfErr, responseCode } from '../../src-main/services/pop3/errors';
import { isTerminator, LineBuffer, lineText, MultilineBody } from '../../src-main/services/pop3/lines';

/** Parses "status line, multi-line body, next status line" from `chunks`, as the client does. */
function parse(chunks: Buffer[]): { status: string; body: Buffer; lines: number; next: string | null } {
  const buf = new LineBuffer();
  let status: string | null = null;
  let body: MultilineBody | null = null;
  let next: string | null = null;
  const drain = (): void => {
    for (let line = buf.shift(); line !== null; line = buf.shift()) {
      if (status === null) {
        status = lineText(line);
        body = new MultilineBody();
      } else if (!body!.done) {
        body!.add(line);
      } else if (next === null) {
        next = lineText(line);
      }
    }
  };
  for (const c of chunks) {
    buf.push(c);
    drain();
  }
  if (status === null || body === null) throw new Error('no status line');
  const b = body as MultilineBody;
  if (!b.done) throw new Error('body not terminated');
  return { status, body: b.toBuffer(), lines: b.lines, next };
}

// The message as the server stores it, and as it goes over the wire (stuffed, terminated).
const message = Buffer.concat([
  Buffer.from('Subject: dots\r\n\r\n.\r\n..\r\n.leading\r\n..double\r\nend . \r\n', 'latin1'),
  Buffer.from([0xc3, 0xa9, 0xe9, 0x00, 0xff, 0x0d, 0x0d, 0x0a]), // UTF-8 é, latin1 é, NUL, 0xFF, a lone CR before CRLF
  Buffer.from('.\r\n\r\n', 'latin1'),
]);
const wire = Buffer.concat([
  Buffer.from('+OK 81 octets\r\n', 'latin1'),
  Buffer.from('Subject: dots\r\n\r\n..\r\n...\r\n..leading\r\n...double\r\nend . \r\n', 'latin1'),
  Buffer.from([0xc3, 0xa9, 0xe9, 0x00, 0xff, 0x0d, 0x0d, 0x0a]),
  Buffer.from('..\r\n\r\n.\r\n+OK next\r\n', 'latin1'),
]);

describe('POP3 framing', () => {
  it('undoes dot-stuffing and keeps every other byte', () => {
    const r = parse([wire]);
    expect(r.status).toBe('+OK 81 octets');
    expect(r.body.equals(message)).toBe(true);
    expect(r.lines).toBe(10);
    expect(r.next).toBe('+OK next');
  });

  it('gives the same result wherever the input is cut (every 2- and 3-way split)', () => {
    for (let i = 0; i <= wire.length; i++) {
      for (let j = i; j <= wire.length; j++) {
        const r = parse([wire.subarray(0, i), wire.subarray(i, j), wire.subarray(j)]);
        if (!r.body.equals(message) || r.next !== '+OK next' || r.status !== '+OK 81 octets') {
          throw new Error(`split at ${i}/${j}: ${JSON.stringify(r.body.toString('latin1'))}`);
        }
      }
    }
  });

  it('gives the same result byte by byte', () => {
    const chunks = [...wire].map((b) => Buffer.from([b]));
    const r = parse(chunks);
    expect(r.body.equals(message)).toBe(true);
    expect(r.next).toBe('+OK next');
  });

  it('only a lone "." line ends the body', () => {
    expect(isTerminator(Buffer.from('.\r\n'))).toBe(true);
    expect(isTerminator(Buffer.from('.\n'))).toBe(true);
    for (const s of ['..\r\n', '. \r\n', '.x\r\n', 'x.\r\n', '.\r', '.', '\r\n']) expect(isTerminator(Buffer.from(s)), s).toBe(false);
  });

  it('an empty multi-line body is empty', () => {
    const r = parse([Buffer.from('+OK 0 messages:\r\n.\r\n')]);
    expect(r.body.length).toBe(0);
    expect(r.lines).toBe(0);
    expect(r.next).toBeNull();
  });

  it('hands out a long line received in many small chunks, once', () => {
    const buf = new LineBuffer();
    const long = 'x'.repeat(100_000);
    for (let i = 0; i < long.length; i += 7) buf.push(Buffer.from(long.slice(i, i + 7)));
    expect(buf.shift()).toBeNull();
    buf.push(Buffer.from('\r\nrest'));
    expect(buf.shift()!.toString()).toBe(`${long}\r\n`);
    expect(buf.shift()).toBeNull();
    expect(buf.length).toBe(4);
  });
});

describe('RFC 2449 response codes', () => {
  it('maps codes to kinds, hierarchically, and ignores unknown codes', () => {
    expect(responseCode('-ERR [AUTH] Authentication failed.')).toBe('AUTH');
    expect(kindOfErr('-ERR [AUTH] Authentication failed.', 'err')).toBe('auth');
    expect(kindOfErr('-ERR [IN-USE] Mailbox is locked', 'auth')).toBe('in-use');
    expect(kindOfErr('-ERR [SYS/TEMP] try later', 'err')).toBe('sys-temp');
    expect(kindOfErr('-ERR [SYS/TEMP/DISK] try later', 'err')).toBe('sys-temp');
    expect(kindOfErr('-ERR [SYS/PERM] no', 'err')).toBe('sys-perm');
    expect(kindOfErr('-ERR [LOGIN-DELAY] wait', 'auth')).toBe('login-delay');
    expect(kindOfErr('-ERR [sys/temp] lower case', 'err')).toBe('sys-temp');
    expect(kindOfErr('-ERR [UNKNOWN-THING] x', 'auth')).toBe('auth');
    expect(kindOfErr('-ERR no code', 'auth')).toBe('auth');
    expect(kindOfErr('-ERR no code', 'err')).toBe('err');
    expect(kindOfErr('-ERR AUTH not in brackets', 'err')).toBe('err');
  });
});

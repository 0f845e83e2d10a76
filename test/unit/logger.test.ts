import { describe, expect, it } from 'vitest';
import { createConsoleLogger, redact, redactText } from '../../src-main/services/logger';

describe('log redaction', () => {
  it('masks credentials in protocol lines', () => {
    expect(redactText('C: AUTH PLAIN AGFsaWNlAHNlY3JldA==')).toBe('C: AUTH PLAIN [redacted]');
    expect(redactText('a1 LOGIN alice "s3cret pw"')).toBe('a1 LOGIN alice [redacted]');
    expect(redactText('PASS hunter2')).toBe('PASS [redacted]');
    expect(redactText('AUTH XOAUTH2 dXNlcj1hbGljZQFhdXRoPUJlYXJlciB5YTI5')).toBe('AUTH XOAUTH2 [redacted]');
  });

  it('masks fields named like secrets, at any depth, and keeps the rest', () => {
    const out = redact({ user: 'alice', password: 'hunter2', nested: { auth: { pass: 'x' }, token: 't' }, list: [{ secret: 's' }] });
    expect(out).toEqual({ user: 'alice', password: '[redacted]', nested: { auth: '[redacted]', token: '[redacted]' }, list: [{ secret: '[redacted]' }] });
  });

  it('writes nothing secret through the logger', () => {
    const lines: string[] = [];
    const sink = { log: (l: string) => lines.push(l), warn: (l: string) => lines.push(l), error: (l: string) => lines.push(l) };
    createConsoleLogger(sink).error('smtp failed', { error: new Error('AUTH PLAIN AGFsaWNlAHNlY3JldA== failed'), password: 'hunter2' });
    expect(lines.join('\n')).not.toMatch(/hunter2|AGFsaWNl/);
  });
});

describe('OAuth2 tokens in log lines', () => {
  it('masks Bearer headers, token fields, authorization codes and AUTHENTICATE payloads, and keeps error codes', () => {
    const line = [
      'Authorization: Bearer eyJhbGciOi.JSUzI1NiJ9-abc_def',
      'POST refresh_token=rt-SECRET1&client_id=mailwright',
      '{"access_token":"at-SECRET2","refresh_token":"rt-SECRET3","expires_in":60}',
      'GET /callback?code=code-SECRET4&state=s1',
      'A1 AUTHENTICATE XOAUTH2 dXNlcj1hbGljZQFhdXRoPUJlYXJlciBTRUNSRVQ1AQE=',
      '{"code":"SIGN_IN_FAILED"}',
    ].join('\n');
    const clean = redactText(line);
    for (const secret of ['eyJhbGciOi', 'SECRET1', 'SECRET2', 'SECRET3', 'SECRET4', 'dXNlcj1hbGljZQ']) expect(clean).not.toContain(secret);
    expect(clean).toContain('"code":"SIGN_IN_FAILED"');
    expect(clean).toContain('client_id=mailwright');
  });

  it('keeps a capability list whole (AUTH=LOGIN is not a LOGIN command), and still masks a LOGIN command', () => {
    const caps = '* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN AUTH=LOGIN AUTH=XOAUTH2 AUTH=OAUTHBEARER] ready';
    expect(redactText(caps)).toBe(caps);
    expect(redactText('a1 LOGIN alice s3cret')).toBe('a1 LOGIN alice [redacted]');
  });
});

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

describe('the transcript redacts secrets only', () => {
  it('keeps an SMTP server capability line whole, whatever order its mechanisms come in', () => {
    for (const line of ['250-AUTH PLAIN LOGIN', '250 AUTH LOGIN PLAIN CRAM-MD5', '250-AUTH=LOGIN PLAIN', '250 AUTH PLAIN LOGIN XOAUTH2 OAUTHBEARER', 'S: 250-AUTH LOGIN PLAIN'])
      expect(redactText(line)).toBe(line);
  });

  it('still masks AUTH payloads, LOGIN passwords and PASS, and never reaches across a line break', () => {
    expect(redactText('AUTH PLAIN AGFsaWNlAHNlY3JldA==')).toBe('AUTH PLAIN [redacted]');
    expect(redactText('AUTH XOAUTH2 dXNlcj1hbGljZQFhdXRoPUJlYXJlcg==')).toBe('AUTH XOAUTH2 [redacted]');
    expect(redactText('AUTH LOGIN YWxpY2U=')).toBe('AUTH LOGIN [redacted]');
    expect(redactText('a1 AUTHENTICATE OAUTHBEARER bixhPWFsaWNlLAFhdXRo')).toBe('a1 AUTHENTICATE OAUTHBEARER [redacted]');
    expect(redactText('a1 LOGIN alice "pw with space"')).toBe('a1 LOGIN alice [redacted]');
    expect(redactText('AUTH LOGIN\n334 VXNlcm5hbWU6')).toBe('AUTH LOGIN\n334 VXNlcm5hbWU6');
  });
});

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

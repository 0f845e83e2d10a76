/** A failure of the incoming server carries advice about the incoming server: its own ports, not SMTP's. */
import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../shared/errors';
import { appError } from '../../shared/result';
import { explain } from '../../shared/error-text';

const words = (code: ErrorCode, protocol?: 'smtp' | 'imap' | 'pop3') => {
  const { title, advice } = explain(appError(code), protocol);
  return `${title} ${advice}`;
};

describe('IMAP problems carry IMAP advice', () => {
  it('a refused connection names the IMAP (or POP3) ports, never 465 or 587', () => {
    expect(words('CONNECTION_REFUSED', 'imap')).toMatch(/IMAP, 993 is usual for SSL\/TLS and 143 for STARTTLS/);
    expect(words('CONNECTION_REFUSED', 'pop3')).toMatch(/POP3, 995 is usual for SSL\/TLS and 110 for STARTTLS/);
    expect(words('CONNECTION_REFUSED', 'smtp')).toMatch(/465 is usual for SSL\/TLS, 587 for STARTTLS/);
    for (const code of ['CONNECTION_REFUSED', 'TLS_HANDSHAKE_FAILED', 'STARTTLS_UNAVAILABLE', 'ENCRYPTION_REQUIRED', 'HOST_NOT_FOUND', 'AUTH_FAILED'] as const) {
      for (const protocol of ['imap', 'pop3'] as const) expect(words(code, protocol), `${code} ${protocol}`).not.toMatch(/465|587|outgoing|SMTP|smtp\./);
    }
  });

  it('a refused password speaks of the incoming server and IMAP access, not SMTP sending', () => {
    expect(words('AUTH_FAILED', 'imap')).toMatch(/incoming server did not accept.*IMAP access/);
    expect(words('AUTH_FAILED')).toMatch(/SMTP sending/);
  });

  it('codes with nothing protocol-specific keep their one text', () => {
    expect(explain(appError('CONNECTION_TIMEOUT'), 'imap')).toEqual(explain(appError('CONNECTION_TIMEOUT')));
  });
});

describe('IMAP problems come after the SMTP result', () => {
  it('orders stages SMTP first, keeping the order each protocol ran in', async () => {
    const { inReportOrder } = await import('../../shared/verify');
    const ran = [
      { protocol: 'imap', name: 'connect' },
      { protocol: 'smtp', name: 'connect' },
      { protocol: 'imap', name: 'login' },
      { protocol: 'smtp', name: 'auth' },
    ] as const;
    expect(inReportOrder(ran).map((s) => `${s.protocol}:${s.name}`)).toEqual(['smtp:connect', 'smtp:auth', 'imap:connect', 'imap:login']);
  });
});

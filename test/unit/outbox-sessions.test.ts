// The lane key of kept SMTP connections (outbox/sessions.ts): an account whose server, sign-in or
// pinned certificate changed, or that was saved again (a new password), never gets a connection
// opened with the old settings.
import { describe, expect, it } from 'vitest';
import { laneKey } from '../../src-main/services/outbox/sessions';
import type { StoredAccount } from '../../src-main/services/settings-store';
import { testAccount } from '../support/outbox-fixtures';

const base = (): StoredAccount => ({ ...testAccount(587, 'starttls', 'password', 'alice@mailwright.test'), id: 'acc-1', updatedAt: '2026-12-01T10:00:00.000Z' });
const pin = (sha256: string) => ({ sha256, pem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' });

describe('laneKey', () => {
  it('is the same for the same account and settings', () => {
    expect(laneKey(base())).toBe(laneKey(base()));
  });

  const changes: Array<[string, (a: StoredAccount) => void]> = [
    ['another account', (a) => (a.id = 'acc-2')],
    ['another server', (a) => (a.smtp.host = 'smtp.example.org')],
    ['another port', (a) => (a.smtp.port = 465)],
    ['another security', (a) => (a.smtp.security = 'tls')],
    ['another sign-in method', (a) => (a.smtp.auth = 'oauth2')],
    ['another user name', (a) => (a.smtp.username = 'bob@mailwright.test')],
    ['saved again (a new password)', (a) => (a.updatedAt = '2026-12-01T10:05:00.000Z')],
    ['a certificate pinned', (a) => (a.smtp.pinnedCertificate = pin('A'.repeat(64)))],
  ];
  it.each(changes)('changes with %s', (_what, change) => {
    const changed = base();
    change(changed);
    expect(laneKey(changed)).not.toBe(laneKey(base()));
  });

  it('changes when the pinned certificate is replaced by another', () => {
    const a = base();
    a.smtp.pinnedCertificate = pin('A'.repeat(64));
    const b = base();
    b.smtp.pinnedCertificate = pin('B'.repeat(64));
    expect(laneKey(a)).not.toBe(laneKey(b));
  });

  it('ignores what does not decide the connection (description, signature, connection count)', () => {
    const a = base();
    a.description = 'Work';
    a.signature = '-- \nAlice';
    a.smtp.maxConnections = 4;
    expect(laneKey(a)).toBe(laneKey(base()));
  });
});

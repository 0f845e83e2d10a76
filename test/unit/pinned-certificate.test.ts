/**
 * A pinned certificate that has changed says exactly that: the date it was trusted is Mailwright's
 * own (stamped when the account is saved with a new pin, kept on later saves), the words name it,
 * and sending's untrusted-certificate failure on a pinned server is "changed".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccountInput, PinnedCertificate } from '../../shared/model';
import { appError } from '../../shared/result';
import { createAccountService } from '../../src-main/services/accounts';
import { silentLogger } from '../../src-main/services/logger';
import { withPin } from '../../src-main/services/net/errors';
import { createAppKeyCipher, createSecretVault, openSecretFileInFolder } from '../../src-main/services/secrets';
import { openSettingsInFolder } from '../../src-main/services/settings-store';
import { certificateChangedText, explain } from '../../shared/error-text';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailwright-pin-unit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const pin = (byte: string): PinnedCertificate => ({ sha256: Array(32).fill(byte).join(':'), pem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' });
const input = (p: PinnedCertificate): AccountInput => ({
  description: 'Work',
  email: 'alice@example.com',
  displayName: 'Alice',
  smtp: { host: 'smtp.example.com', port: 465, security: 'tls', auth: 'none', username: '', pinnedCertificate: p },
  incoming: null,
  signature: '',
  identities: [],
  oauth: null,
});

describe('the date a certificate was trusted', () => {
  it('is stamped when a new pin is saved, kept when the account is saved again, and renewed for another certificate', () => {
    let clock = '2026-11-02T10:00:00.000Z';
    const accounts = createAccountService({
      settings: openSettingsInFolder(dir, '0.2.0'),
      vault: createSecretVault(openSecretFileInFolder(dir), createAppKeyCipher(dir)),
      logger: silentLogger,
      now: () => new Date(clock),
    });
    const first = accounts.save({ account: input(pin('AB')) });
    if (!first.ok) throw new Error(first.error.code);
    expect(first.value.smtp.pinnedCertificate?.trustedAt).toBe('2026-11-02T10:00:00.000Z');
    clock = '2026-12-01T10:00:00.000Z';
    // The window sends the pin back as it got it (or without a date, or with a made-up one): the first date stays.
    const again = accounts.save({ id: first.value.id, account: input({ ...pin('AB'), trustedAt: '1999-01-01T00:00:00.000Z' }) });
    expect(again.ok && again.value.smtp.pinnedCertificate?.trustedAt).toBe('2026-11-02T10:00:00.000Z');
    const other = accounts.save({ id: first.value.id, account: input(pin('CD')) });
    expect(other.ok && other.value.smtp.pinnedCertificate?.trustedAt).toBe('2026-12-01T10:00:00.000Z');
  });
});

describe('a changed pinned certificate in words', () => {
  it('says the server now shows a different certificate from the one trusted on that day', () => {
    const text = certificateChangedText('mail.example.com', '2026-11-02T10:00:00.000Z');
    expect(text).toMatch(/^mail\.example\.com now shows a different certificate from the one you trusted on .*2026/);
    expect(certificateChangedText('mail.example.com', undefined)).toMatch(/from the one you trusted\. /);
    expect(explain(appError('TLS_CERTIFICATE_CHANGED')).title).toBe('The server now shows a different certificate from the one you trusted.');
    expect(explain(appError('TLS_CERTIFICATE_CHANGED')).title).not.toMatch(/authority/);
  });

  it('sending: an untrusted certificate on a server with a pin is "changed"; without a pin it stays untrusted', () => {
    expect(withPin(appError('TLS_UNTRUSTED_CERTIFICATE'), true).code).toBe('TLS_CERTIFICATE_CHANGED');
    expect(withPin(appError('TLS_UNTRUSTED_CERTIFICATE'), false).code).toBe('TLS_UNTRUSTED_CERTIFICATE');
    expect(withPin(appError('TLS_CERTIFICATE_EXPIRED'), true).code).toBe('TLS_CERTIFICATE_EXPIRED');
  });
});

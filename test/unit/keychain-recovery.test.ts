/**
 * Keychain trouble is recoverable (issue 11, item 3). Electron's safeStorage answers a ciphertext it
 * can no longer decrypt (keychain reset, denied prompt, profile moved) with a plain Error, not our
 * SecretUnreadableError. The account must then read as "password needs to be entered again"
 * (SECRET_UNREADABLE), and typing the password again must work.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAccountService } from '../../src-main/services/accounts';
import { silentLogger } from '../../src-main/services/logger';
import { combineCiphers, createAppKeyCipher, createSecretVault, openSecretFileInFolder, type SecretCipher } from '../../src-main/services/secrets';
import { openSettingsInFolder } from '../../src-main/services/settings-store';
import type { AccountInput } from '../../shared/model';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailwright-keychain-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Stands in for the safeStorage cipher of src-main/electron/stores.ts: a keychain whose key can be
 * "reset", after which everything encrypted before throws safeStorage's plain Error.
 */
function fakeKeychain() {
  let generation = 1;
  const cipher: SecretCipher = {
    scheme: 'os1',
    protection: { kind: 'os', backend: 'test keychain' },
    encrypt: (plain) => `os1:${generation}:${Buffer.from(plain).toString('base64')}`,
    decrypt: (tagged) => {
      const [, gen, body] = tagged.split(':');
      if (Number(gen) !== generation) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return Buffer.from(body!, 'base64').toString('utf8');
    },
  };
  return { cipher: combineCiphers(cipher, createAppKeyCipher(dir)), reset: () => generation++ };
}

const input: AccountInput = {
  description: 'Work',
  email: 'alice@example.com',
  displayName: 'Alice',
  smtp: { host: 'smtp.example.com', port: 587, security: 'starttls', auth: 'password', username: 'alice@example.com' },
  incoming: { protocol: 'imap', host: 'imap.example.com', port: 993, security: 'tls', auth: 'password', username: 'alice@example.com', saveSentCopy: true, leaveOnServerDays: null },
  signature: '',
  identities: [],
  oauth: null,
};
const oauthInput: AccountInput = {
  ...input,
  email: 'bob@example.com',
  smtp: { ...input.smtp, auth: 'oauth2', username: 'bob@example.com' },
  incoming: { ...input.incoming!, auth: 'oauth2', username: 'bob@example.com' },
  oauth: {
    id: 'https://id.example.com',
    name: 'Example',
    issuer: 'https://id.example.com',
    authorizationEndpoint: 'https://id.example.com/auth',
    tokenEndpoint: 'https://id.example.com/token',
    scopes: ['mail'],
    clientId: 'mailwright-test',
    ownClientId: true,
  },
};

function open(cipher: SecretCipher) {
  const settings = openSettingsInFolder(dir, '0.2.0');
  const vault = createSecretVault(openSecretFileInFolder(dir), cipher);
  return createAccountService({ settings, vault, logger: silentLogger });
}

describe('a keychain that can no longer decrypt', () => {
  it('shows the password as needing to be entered again, and takes it again', () => {
    const keychain = fakeKeychain();
    const before = open(keychain.cipher);
    const saved = before.save({ account: input, password: 'old-smtp', incomingPassword: 'old-imap' });
    if (!saved.ok) throw new Error(saved.error.code);
    expect(saved.value).toMatchObject({ hasPassword: true, hasIncomingPassword: true });

    keychain.reset();
    // A start after the reset: binding old secrets, listing, and asking for the password all answer, none throws.
    const accounts = open(keychain.cipher);
    expect(accounts.list()).toEqual([expect.objectContaining({ id: saved.value.id, hasPassword: false, hasIncomingPassword: false })]);
    expect(accounts.smtpPassword(saved.value.id)).toMatchObject({ ok: false, error: { code: 'SECRET_UNREADABLE' } });
    expect(accounts.incomingPassword(saved.value.id)).toMatchObject({ ok: false, error: { code: 'SECRET_UNREADABLE' } });

    // Editing without a password asks for it; typing it again works and is readable.
    expect(accounts.save({ id: saved.value.id, account: input })).toMatchObject({ ok: false, error: { code: 'PASSWORD_MISSING' } });
    const again = accounts.save({ id: saved.value.id, account: input, password: 'new-smtp', incomingPassword: 'new-imap' });
    expect(again).toMatchObject({ ok: true, value: { hasPassword: true, hasIncomingPassword: true } });
    expect(accounts.smtpPassword(saved.value.id)).toEqual({ ok: true, value: 'new-smtp' });
    expect(accounts.incomingPassword(saved.value.id)).toEqual({ ok: true, value: 'new-imap' });
    expect(open(keychain.cipher).smtpPassword(saved.value.id)).toEqual({ ok: true, value: 'new-smtp' });
  });

  it('shows an OAuth2 account as signed out, and a new sign-in is stored', () => {
    const keychain = fakeKeychain();
    const before = open(keychain.cipher);
    const saved = before.save({ account: oauthInput, oauthRefreshToken: 'refresh-1' });
    if (!saved.ok) throw new Error(saved.error.code);
    expect(saved.value.signedIn).toBe(true);

    keychain.reset();
    const accounts = open(keychain.cipher);
    expect(accounts.list()[0]).toMatchObject({ signedIn: false });
    expect(accounts.oauthGrant(saved.value.id)).toMatchObject({ ok: false, error: { code: 'SECRET_UNREADABLE' } });
    expect(accounts.setOAuthGrant(saved.value.id, 'refresh-2')).toEqual({ ok: true, value: undefined });
    expect(accounts.oauthGrant(saved.value.id)).toMatchObject({ ok: true, value: { refreshToken: 'refresh-2' } });
    expect(accounts.list()[0]).toMatchObject({ signedIn: true });
  });
});

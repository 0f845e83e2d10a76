/**
 * The account service's side of "a stored password goes only where it was saved for" (each part
 * of the server's identity, secrets from before binding, the binding's tamper-proofing), and a
 * damaged key file: set aside, its secrets unreadable, a password typed again works.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccountInput, IncomingSettings, SmtpSettings } from '../../shared/model';
import { createAccountService } from '../../src-main/services/accounts';
import { silentLogger } from '../../src-main/services/logger';
import { createAppKeyCipher, createSecretVault, openSecretFileInFolder, SecretUnreadableError, type SecretCipher } from '../../src-main/services/secrets';
import { openSettingsInFolder, type StoredAccount } from '../../src-main/services/settings-store';
import { everyFileUnder } from '../support/files';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailwright-secure-unit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const PASSWORD = `pw-${Math.random().toString(36).slice(2)}`;
const IN_PASSWORD = `in-${Math.random().toString(36).slice(2)}`;
const smtp: SmtpSettings = { host: 'smtp.example.com', port: 587, security: 'starttls', auth: 'password', username: 'alice@example.com' };
const incoming: IncomingSettings = { protocol: 'imap', auth: 'password', host: 'imap.example.com', port: 993, security: 'tls', username: 'alice@example.com', saveSentCopy: true, leaveOnServerDays: 14 };
const input: AccountInput = { description: 'Work', email: 'alice@example.com', displayName: 'Alice', smtp, incoming, signature: '', identities: [], oauth: null };

function services(cipher: SecretCipher = createAppKeyCipher(dir)) {
  const settings = openSettingsInFolder(dir, '0.2.0');
  const vault = createSecretVault(openSecretFileInFolder(dir), cipher);
  return { settings, vault, accounts: createAccountService({ settings, vault, logger: silentLogger }) };
}
function saved(result: ReturnType<ReturnType<typeof services>['accounts']['save']>) {
  if (!result.ok) throw new Error(`save failed: ${result.error.code}`);
  return result.value;
}

describe('a stored password is bound to its server', () => {
  it('is given for the server it was stored for, and for no other host, port, security or username', () => {
    const { accounts } = services();
    const { id } = saved(accounts.save({ account: input, password: PASSWORD, incomingPassword: IN_PASSWORD }));
    expect(accounts.smtpPassword(id)).toEqual({ ok: true, value: PASSWORD });
    expect(accounts.smtpPassword(id, { ...smtp, host: 'SMTP.Example.com ' })).toEqual({ ok: true, value: PASSWORD });
    expect(accounts.incomingPassword(id)).toEqual({ ok: true, value: IN_PASSWORD });
    for (const other of [{ host: 'smtp.evil.example' }, { port: 25 }, { security: 'none' as const }, { username: 'bob@example.com' }]) {
      expect(accounts.smtpPassword(id, { ...smtp, ...other })).toEqual({ ok: true, value: undefined });
    }
    for (const other of [{ host: 'imap.evil.example' }, { port: 143 }, { security: 'none' as const }, { username: 'bob' }, { protocol: 'pop3' as const }]) {
      expect(accounts.incomingPassword(id, { ...incoming, ...other })).toEqual({ ok: true, value: undefined });
    }
    // The SMTP password is not the incoming one's, even for the same server.
    expect(accounts.incomingPassword(id, { ...incoming, host: smtp.host, port: smtp.port, security: smtp.security })).toEqual({ ok: true, value: undefined });
  });

  it('a save that changes the server needs the password again; nothing stored changes until it is typed', () => {
    const { accounts } = services();
    const { id } = saved(accounts.save({ account: input, password: PASSWORD, incomingPassword: IN_PASSWORD }));
    const files = () => [readFileSync(join(dir, 'settings.json'), 'utf8'), readFileSync(join(dir, 'secrets.json'), 'utf8')];
    const before = files();
    const moved = { ...input, smtp: { ...smtp, host: 'smtp.other.example' }, incoming: { ...incoming, security: 'starttls' as const, port: 143 } };
    expect(accounts.save({ id, account: moved })).toMatchObject({
      ok: false,
      error: { code: 'PASSWORD_MISSING', detail: { fields: [{ path: 'password', problem: 'required' }, { path: 'incomingPassword', problem: 'required' }] } },
    });
    expect(files()).toEqual(before);
    // One typed: the other is still missing.
    expect(accounts.save({ id, account: moved, password: 'new-smtp' })).toMatchObject({ ok: false, error: { detail: { fields: [{ path: 'incomingPassword' }] } } });
    expect(files()).toEqual(before);
    expect(saved(accounts.save({ id, account: moved, password: 'new-smtp', incomingPassword: 'new-in' }))).toMatchObject({ hasPassword: true, hasIncomingPassword: true });
    expect(accounts.smtpPassword(id)).toEqual({ ok: true, value: 'new-smtp' });
    expect(accounts.smtpPassword(id, smtp)).toEqual({ ok: true, value: undefined });
    expect(accounts.incomingPassword(id)).toEqual({ ok: true, value: 'new-in' });
    // Something else edited: both kept.
    expect(saved(accounts.save({ id, account: { ...moved, description: 'Home' } }))).toMatchObject({ hasPassword: true, hasIncomingPassword: true });
  });

  it('a secret stored before binding is bound at start to the server its account has then', () => {
    const { settings, vault } = services();
    const stamp = new Date().toISOString();
    const old: StoredAccount = { id: '6f1c2b5e-1111-4aaa-8bbb-000000000001', description: 'Old', email: 'alice@example.com', displayName: '', smtp, incoming, signature: '', identities: [], oauth: null, createdAt: stamp, updatedAt: stamp };
    settings.set('accounts', [old]);
    vault.set(`account:${old.id}:smtp`, PASSWORD); // the bare password, as versions before binding stored it
    vault.set(`account:${old.id}:incoming`, IN_PASSWORD);

    const first = services();
    expect(first.accounts.list()[0]).toMatchObject({ hasPassword: true, hasIncomingPassword: true });
    expect(first.vault.get(`account:${old.id}:smtp`)).not.toBe(PASSWORD); // rewritten with its server

    // Later the settings file is changed behind the app's back: the password does not follow.
    settings.set('accounts', [{ ...old, smtp: { ...smtp, host: 'smtp.evil.example', security: 'none', port: 25 } }]);
    const second = services();
    expect(second.accounts.smtpPassword(old.id)).toEqual({ ok: true, value: undefined });
    expect(second.accounts.list()[0]).toMatchObject({ hasPassword: false, hasIncomingPassword: true });
    expect(second.accounts.smtpPassword(old.id, smtp)).toEqual({ ok: true, value: PASSWORD });
    expect(everyFileUnder(dir)).not.toContain(PASSWORD);
  });
});

describe('a damaged key file', () => {
  const damaged = () => readdirSync(dir).filter((name) => name.startsWith('secret.key.damaged-'));

  for (const [what, content] of [
    ['empty', ''],
    ['cut short', Buffer.alloc(20, 1).toString('base64')],
    ['not base64 at all', '{"oops": true}'],
  ] as const) {
    it(`${what}: set aside and kept, old secrets unreadable, a new secret works under a fresh key`, () => {
      const first = createAppKeyCipher(dir);
      const tagged = first.encrypt(PASSWORD);
      writeFileSync(join(dir, 'secret.key'), content);

      const cipher = createAppKeyCipher(dir, undefined, () => new Date('2026-12-04T15:00:00.000Z'));
      expect(() => cipher.decrypt(tagged)).toThrow(SecretUnreadableError);
      expect(damaged()).toEqual(['secret.key.damaged-2026-12-04T15-00-00-000Z']);
      expect(readFileSync(join(dir, damaged()[0]!), 'utf8')).toBe(content);
      const again = cipher.encrypt('typed again');
      expect(cipher.decrypt(again)).toBe('typed again');
      // The fresh key is on disk: another start reads what this one wrote.
      expect(createAppKeyCipher(dir).decrypt(again)).toBe('typed again');
    });
  }

  it('through the account service: the account reports SECRET_UNREADABLE, and saving the password again works', () => {
    const { accounts } = services();
    const { id } = saved(accounts.save({ account: input, password: PASSWORD, incomingPassword: IN_PASSWORD }));
    writeFileSync(join(dir, 'secret.key'), 'dGhpcyBpcyBub3QgYSBrZXk='); // 16 bytes: a damaged key

    const after = services();
    expect(after.accounts.smtpPassword(id)).toMatchObject({ ok: false, error: { code: 'SECRET_UNREADABLE' } });
    expect(after.accounts.incomingPassword(id)).toMatchObject({ ok: false, error: { code: 'SECRET_UNREADABLE' } });
    expect(after.accounts.list()[0]).toMatchObject({ hasPassword: false, hasIncomingPassword: false });
    expect(damaged()).toHaveLength(1);
    // Saving without the password is refused with words, not INTERNAL.
    expect(after.accounts.save({ id, account: input })).toMatchObject({ ok: false, error: { code: 'PASSWORD_MISSING' } });

    expect(saved(after.accounts.save({ id, account: input, password: PASSWORD, incomingPassword: IN_PASSWORD }))).toMatchObject({ hasPassword: true, hasIncomingPassword: true });
    expect(after.accounts.smtpPassword(id)).toEqual({ ok: true, value: PASSWORD });
    const restarted = services();
    expect(restarted.accounts.smtpPassword(id)).toEqual({ ok: true, value: PASSWORD });
    expect(restarted.accounts.incomingPassword(id)).toEqual({ ok: true, value: IN_PASSWORD });
    expect(existsSync(join(dir, damaged()[0]!))).toBe(true);
  });
});

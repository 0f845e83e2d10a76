import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAccountService } from '../../src-main/services/accounts';
import { silentLogger } from '../../src-main/services/logger';
import {
  combineCiphers,
  createAppKeyCipher,
  createSecretVault,
  openSecretFileInFolder,
  SecretUnreadableError,
  type SecretCipher,
} from '../../src-main/services/secrets';
import { openSettingsInFolder, type SettingsStore } from '../../src-main/services/settings-store';
import type { AccountInput } from '../../shared/model';
import { everyFileUnder } from '../support/files';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailwright-unit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const PASSWORD = `pw-${Math.random().toString(36).slice(2)}-ünïcode`;
const input: AccountInput = {
  description: 'Work',
  email: 'alice@example.com',
  displayName: 'Alice',
  smtp: { host: 'smtp.example.com', port: 587, security: 'starttls', auth: 'password', username: 'alice@example.com' },
  incoming: null,
  signature: '',
  identities: [], oauth: null,
};
const VERSION = '0.2.0';


function services(cipher: SecretCipher = createAppKeyCipher(dir)) {
  const settings = openSettingsInFolder(dir, VERSION);
  const vault = createSecretVault(openSecretFileInFolder(dir), cipher);
  const changes: number[] = [];
  const accounts = createAccountService({ settings, vault, logger: silentLogger, onChange: (l) => changes.push(l.length) });
  return { settings, vault, accounts, changes };
}

describe('the app-key cipher', () => {
  it('round-trips, never writes the secret in clear, and keeps its key 0600', () => {
    const cipher = createAppKeyCipher(dir);
    const tagged = cipher.encrypt(PASSWORD);
    expect(tagged).toMatch(/^ak1:/);
    expect(tagged).not.toContain(PASSWORD);
    expect(cipher.encrypt(PASSWORD)).not.toBe(tagged); // fresh IV each time
    expect(cipher.decrypt(tagged)).toBe(PASSWORD);
    expect(createAppKeyCipher(dir).decrypt(tagged)).toBe(PASSWORD); // key persisted
    if (process.platform !== 'win32') expect(statSync(join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
  });

  it('detects tampering and a lost key', () => {
    const cipher = createAppKeyCipher(dir);
    const tagged = cipher.encrypt(PASSWORD);
    const raw = Buffer.from(tagged.slice(4), 'base64');
    raw[raw.length - 1]! ^= 1;
    expect(() => cipher.decrypt(`ak1:${raw.toString('base64')}`)).toThrow(SecretUnreadableError);
    const other = mkdtempSync(join(tmpdir(), 'mailwright-unit-other-'));
    try {
      expect(() => createAppKeyCipher(other).decrypt(tagged)).toThrow(SecretUnreadableError);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('keeps secrets of an older scheme readable after moving to another', () => {
    const old = createAppKeyCipher(dir);
    const tagged = old.encrypt(PASSWORD);
    const fakeOs: SecretCipher = {
      scheme: 'os1',
      protection: { kind: 'os', backend: 'test' },
      encrypt: (p) => `os1:${Buffer.from(p).toString('hex')}`,
      decrypt: (t) => Buffer.from(t.slice(4), 'hex').toString(),
    };
    const both = combineCiphers(fakeOs, old);
    expect(both.decrypt(tagged)).toBe(PASSWORD);
    expect(both.encrypt('x')).toMatch(/^os1:/);
    expect(() => both.decrypt('zz9:abc')).toThrow(SecretUnreadableError);
  });
});

describe('accounts, settings and secrets', () => {
  it('saves an account with its password encrypted and never in clear in any file', () => {
    const { accounts, changes } = services();
    const saved = accounts.save({ account: input, password: PASSWORD });
    expect(saved.ok).toBe(true);
    if (!saved.ok) return;
    expect(saved.value).toMatchObject({ ...input, hasPassword: true });
    expect(accounts.list()).toHaveLength(1);
    expect(accounts.smtpPassword(saved.value.id)).toEqual({ ok: true, value: PASSWORD });
    const everything = everyFileUnder(dir);
    expect(everything).toContain('smtp.example.com');
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(Buffer.from(PASSWORD).toString('base64'));
    expect(readFileSync(join(dir, 'settings.json'), 'utf8')).not.toMatch(/"password"\s*:|ak1:/i);
    expect(changes).toEqual([1]);
  });

  it('reads the same settings back from a new process-like instance', () => {
    const first = services();
    const saved = first.accounts.save({ account: input, password: PASSWORD });
    const second = services();
    expect(second.accounts.list()).toEqual([saved.ok && saved.value]);
    expect(second.accounts.smtpPassword(saved.ok ? saved.value.id : '')).toEqual({ ok: true, value: PASSWORD });
  });

  it('keeps the stored password when editing without one, and drops it when authentication is turned off', () => {
    const { accounts, vault } = services();
    const saved = accounts.save({ account: input, password: PASSWORD });
    if (!saved.ok) throw new Error('save failed');
    const id = saved.value.id;
    const edited = accounts.save({ id, account: { ...input, description: 'Office' } });
    expect(edited).toMatchObject({ ok: true, value: { description: 'Office', hasPassword: true, createdAt: saved.value.createdAt } });
    expect(accounts.smtpPassword(id)).toEqual({ ok: true, value: PASSWORD });
    accounts.save({ id, account: { ...input, smtp: { ...input.smtp, auth: 'none', username: '' } } });
    expect(vault.get(`account:${id}:smtp`)).toBeUndefined();
  });

  it('refuses a new password account without a password, and unknown ids', () => {
    const { accounts } = services();
    expect(accounts.save({ account: input })).toMatchObject({ ok: false, error: { code: 'PASSWORD_MISSING' } });
    expect(accounts.save({ id: crypto.randomUUID(), account: input, password: PASSWORD })).toMatchObject({
      ok: false,
      error: { code: 'ACCOUNT_NOT_FOUND' },
    });
    expect(accounts.delete(crypto.randomUUID())).toMatchObject({ ok: false, error: { code: 'ACCOUNT_NOT_FOUND' } });
    expect(accounts.list()).toEqual([]);
  });

  it('deletes the password with the account', () => {
    const { accounts } = services();
    const saved = accounts.save({ account: input, password: PASSWORD });
    if (!saved.ok) throw new Error('save failed');
    expect(accounts.delete(saved.value.id)).toEqual({ ok: true, value: { id: saved.value.id } });
    expect(accounts.list()).toEqual([]);
    expect(JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8')).entries).toEqual({});
  });

  it('leaves nothing half-written when the settings write fails', () => {
    const { vault } = services();
    const real = openSettingsInFolder(dir, VERSION);
    const failing: SettingsStore = {
      get: (k) => real.get(k),
      set: () => {
        throw new Error('EROFS: read-only file system');
      },
      path: real.path,
    };
    const accounts = createAccountService({ settings: failing, vault, logger: silentLogger });
    expect(accounts.save({ account: input, password: PASSWORD })).toMatchObject({ ok: false, error: { code: 'SETTINGS_UNWRITABLE' } });
    expect(JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8')).entries).toEqual({});
  });

  it('reports an unreadable password as such', () => {
    const { accounts } = services();
    const saved = accounts.save({ account: input, password: PASSWORD });
    if (!saved.ok) throw new Error('save failed');
    writeFileSync(join(dir, 'secret.key'), Buffer.alloc(32, 7).toString('base64'));
    const again = services(createAppKeyCipher(dir));
    expect(again.accounts.smtpPassword(saved.value.id)).toMatchObject({ ok: false, error: { code: 'SECRET_UNREADABLE' } });
    expect(again.accounts.list()[0]?.hasPassword).toBe(false);
  });

  it('refuses to write a password field into the settings file (schema guard)', () => {
    const settings = openSettingsInFolder(dir, VERSION);
    const bad = { id: 'x', description: 'd', email: 'e', displayName: '', smtp: { ...input.smtp, password: PASSWORD }, createdAt: '', updatedAt: '' };
    expect(() => settings.set('accounts', [bad as never])).toThrow();
    expect(everyFileUnder(dir)).not.toContain(PASSWORD);
  });

  it('runs migrations on an older settings file', () => {
    const old = { id: crypto.randomUUID(), description: 'Old', email: 'a@example.com', displayName: '', smtp: input.smtp, createdAt: 'x', updatedAt: 'x' };
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ accounts: [old], __internal__: { migrations: { version: '0.1.0' } } }));
    const settings = openSettingsInFolder(dir, VERSION);
    // Fields added later get the defaults of the one account schema (shared/model.ts).
    expect(settings.get('accounts')).toEqual([{ ...old, incoming: null, signature: '', identities: [], oauth: null }]);
    expect(JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8')).__internal__.migrations.version).toBe(VERSION);
  });

  it('keeps preferences, with the undo window defaulting to 5 seconds', () => {
    const settings = openSettingsInFolder(dir, VERSION);
    expect(settings.get('preferences')).toEqual({ undoSeconds: 5, historyRetentionDays: 365, sandboxHidden: false });
    settings.set('preferences', { undoSeconds: 20, historyRetentionDays: null, sandboxHidden: false });
    expect(openSettingsInFolder(dir, VERSION).get('preferences')).toEqual({ undoSeconds: 20, historyRetentionDays: null, sandboxHidden: false });
    expect(() => settings.set('preferences', { undoSeconds: 600, historyRetentionDays: 30, sandboxHidden: false })).toThrow();
    expect(() => settings.set('preferences', { undoSeconds: 5, historyRetentionDays: 0, sandboxHidden: false })).toThrow();
  });

  it('keeps the incoming password apart from the outgoing one, and removes it with the incoming server', () => {
    const { accounts, vault } = services();
    const incoming = { protocol: 'imap' as const, auth: 'password' as const, host: 'imap.example.com', port: 993, security: 'tls' as const, username: 'alice@example.com', saveSentCopy: true, leaveOnServerDays: 14 };
    expect(accounts.save({ account: { ...input, incoming }, password: PASSWORD })).toMatchObject({
      ok: false,
      error: { code: 'PASSWORD_MISSING', detail: { fields: [{ path: 'incomingPassword' }] } },
    });
    const saved = accounts.save({ account: { ...input, incoming }, password: PASSWORD, incomingPassword: `${PASSWORD}-in` });
    if (!saved.ok) throw new Error(saved.error.code);
    expect(saved.value).toMatchObject({ incoming, hasPassword: true, hasIncomingPassword: true });
    expect(accounts.incomingPassword(saved.value.id)).toEqual({ ok: true, value: `${PASSWORD}-in` });
    expect(accounts.smtpPassword(saved.value.id)).toEqual({ ok: true, value: PASSWORD });
    accounts.save({ id: saved.value.id, account: input });
    expect(vault.get(`account:${saved.value.id}:incoming`)).toBeUndefined();
    expect(everyFileUnder(dir)).not.toContain(`${PASSWORD}-in`);
  });
});

/**
 * A settings file that does not parse, or parses with the wrong shape, is never silently reset to
 * zero accounts: it is kept aside whole, every account that is still valid is kept, and what was
 * found is handed to the notices (the backend reports it; see damaged-state.test.ts).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_HISTORY_RETENTION_DAYS, DEFAULT_UNDO_SECONDS } from '../../shared/model';
import { openSettingsInFolder } from '../../src-main/services/settings-store';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailwright-settings-damage-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const account = (over: Record<string, unknown> = {}) => ({
  id: crypto.randomUUID(),
  description: 'Work',
  email: 'a@example.com',
  displayName: 'A',
  smtp: { host: 'smtp.example.com', port: 587, security: 'starttls', auth: 'password', username: 'a' },
  incoming: null,
  signature: '',
  identities: [], oauth: null,
  createdAt: 'x',
  updatedAt: 'x',
  ...over,
});
const file = () => join(dir, 'settings.json');
const write = (data: unknown) => writeFileSync(file(), typeof data === 'string' ? data : JSON.stringify(data));

describe('a damaged settings file', () => {
  it('keeps every valid account when one is of the wrong shape, and keeps the whole file aside', () => {
    const good = account();
    const bad = account({ smtp: { host: 'smtp.example.com', port: 'five', security: 'starttls', auth: 'password', username: 'a' } });
    const original = JSON.stringify({ accounts: [good, bad], preferences: { undoSeconds: 20 } });
    write(original);
    const settings = openSettingsInFolder(dir, '0.2.0');
    expect(settings.get('accounts').map((a) => a.id)).toEqual([good.id]);
    expect(settings.get('preferences')).toEqual({ undoSeconds: 20, historyRetentionDays: 365, sandboxHidden: false });
    expect(settings.damage).toHaveLength(1);
    const [finding] = settings.damage!;
    expect(finding).toMatchObject({ kind: 'settings', path: file() });
    expect(finding!.what).toContain('1 account in your settings file could not be read');
    expect(readFileSync(finding!.keptAt, 'utf8')).toBe(original);
  });

  it('wrong preferences alone: the accounts stay, the preferences go back to their defaults', () => {
    const good = account();
    write({ accounts: [good], preferences: { undoSeconds: 'soon' } });
    const settings = openSettingsInFolder(dir, '0.2.0');
    expect(settings.get('accounts').map((a) => a.id)).toEqual([good.id]);
    expect(settings.get('preferences')).toEqual({ undoSeconds: DEFAULT_UNDO_SECONDS, historyRetentionDays: DEFAULT_HISTORY_RETENTION_DAYS, sandboxHidden: false });
    expect(settings.damage![0]!.what).toContain('sending preferences');
  });

  it.each([
    ['empty', ''],
    ['not JSON', '{"accounts": ['],
    ['not an object', '[1, 2]'],
  ])('%s: kept aside, and the app starts without accounts instead of failing', (_name, text) => {
    write(text);
    const settings = openSettingsInFolder(dir, '0.2.0');
    expect(settings.get('accounts')).toEqual([]);
    const [finding] = settings.damage!;
    expect(readFileSync(finding!.keptAt, 'utf8')).toBe(text);
  });

  it('a sound file is left as it is, with nothing to report', () => {
    const original = JSON.stringify({ accounts: [account()], preferences: { undoSeconds: 10 }, __internal__: { migrations: { version: '0.2.0' } } });
    write(original);
    const settings = openSettingsInFolder(dir, '0.2.0');
    expect(settings.damage).toEqual([]);
    expect(settings.get('accounts')).toHaveLength(1);
    expect(existsSync(file())).toBe(true);
  });
});

/**
 * Packaging the OAuth2 client IDs: scripts/write-oauth-clients.mjs writes the file that
 * loadRegistrations reads, from the packager's environment, and electron-builder ships it where
 * defaultRegistrationsFile looks (resources/oauth-clients.json).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRegistrations, OAUTH_CLIENTS_FILE } from '../../src-main/services/oauth/registrations';

const dir = mkdtempSync(join(tmpdir(), 'mailwright-oauth-clients-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the script with only the given MAILWRIGHT_* variables set; returns what it printed. */
function write(file: string, env: Record<string, string>): string {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MAILWRIGHT_')));
  return execFileSync(process.execPath, ['scripts/write-oauth-clients.mjs', file], { env: { ...clean, ...env }, encoding: 'utf8' });
}

describe('write-oauth-clients.mjs', () => {
  it('writes the IDs from the environment in the shape loadRegistrations reads, and never prints them', () => {
    const file = join(dir, 'with.json');
    const printed = write(file, {
      MAILWRIGHT_MICROSOFT_CLIENT_ID: '00000000-1111-2222-3333-444444444444',
      MAILWRIGHT_GOOGLE_CLIENT_ID: '1234-abc.apps.googleusercontent.com',
      MAILWRIGHT_GOOGLE_CLIENT_SECRET: 'GOCSPX-not-really-secret',
    });
    const r = loadRegistrations({ file });
    expect(r.forProvider('microsoft')).toEqual({ clientId: '00000000-1111-2222-3333-444444444444' });
    expect(r.forProvider('google')).toEqual({ clientId: '1234-abc.apps.googleusercontent.com', clientSecret: 'GOCSPX-not-really-secret' });
    expect(printed).toMatch(/microsoft, google/);
    expect(printed).not.toMatch(/GOCSPX|0000|1234/);
  });

  it('with no variables writes a file with no entries: the app works without shipped IDs', () => {
    const file = join(dir, 'without.json');
    expect(write(file, {})).toMatch(/no client IDs/);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({});
    expect(loadRegistrations({ file }).providerIds()).toEqual([]);
  });

  it('refuses a value that cannot be a client ID rather than ship a broken file', () => {
    expect(() => write(join(dir, 'bad.json'), { MAILWRIGHT_MICROSOFT_CLIENT_ID: 'two words' })).toThrow();
  });
});

describe('packaging configuration', () => {
  it('npm run package writes the file after the build and before electron-builder', () => {
    const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.package).toMatch(/electron-vite build && node scripts\/write-oauth-clients\.mjs && electron-builder/);
  });

  it('electron-builder ships out/oauth-clients.json as resources/oauth-clients.json, outside the asar', () => {
    const yml = readFileSync('electron-builder.yml', 'utf8');
    expect(yml).toMatch(new RegExp(`extraResources:\\n\\s+- from: out/oauth-clients\\.json\\n\\s+to: ${OAUTH_CLIENTS_FILE.replace('.', '\\.')}\\n`));
    expect(yml).toContain('"!out/oauth-clients.json"');
  });
});

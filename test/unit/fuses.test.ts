/**
 * Electron fuses in the packaged app (electron-builder's `electronFuses`). Each fuse closes a way
 * to run code other than ours inside the signed binary; a fuse left out of the config keeps
 * Electron's default, which for most of these is the unsafe one, so every one is checked by name.
 * test/integration/packaging.test.ts checks that electron-builder really flips them in the binary.
 */
import { describe, expect, it } from 'vitest';
import { readBuilderConfig, REQUIRED_FUSES } from '../support/builder-config';

describe('electron-builder.yml electronFuses', () => {
  const fuses = readBuilderConfig().electronFuses as Record<string, unknown> | undefined;

  it('is present', () => {
    expect(fuses).toBeTypeOf('object');
  });

  for (const [name, value] of Object.entries(REQUIRED_FUSES)) {
    it(`sets ${name} to ${value}`, () => {
      // toBe, not toEqual: a string "false" from a quoting slip would leave the fuse at its default.
      expect(fuses?.[name]).toBe(value);
    });
  }

  it('packs the app into an asar, which onlyLoadAppFromAsar requires (a loose app folder would never load)', () => {
    expect(readBuilderConfig().asar).toBe(true);
  });

  it('names only fuses electron-builder knows', () => {
    // A misspelt key would be rejected by electron-builder's schema at packaging time, but only then.
    const known = ['runAsNode', 'enableCookieEncryption', 'enableNodeOptionsEnvironmentVariable', 'enableNodeCliInspectArguments', 'enableEmbeddedAsarIntegrityValidation', 'onlyLoadAppFromAsar', 'loadBrowserProcessSpecificV8Snapshot', 'grantFileProtocolExtraPrivileges', 'resetAdHocDarwinSignature'];
    for (const key of Object.keys(fuses ?? {})) expect(known).toContain(key);
  });
});

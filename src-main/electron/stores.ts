import ElectronStore from 'electron-store';
import { app, safeStorage } from 'electron';
import { dirname, join } from 'node:path';
import { makeFilePrivateSync, makePrivateFolderSync } from '../services/durable-files';
import { osSecretBackend } from './policy';
import { combineCiphers, createAppKeyCipher, type SecretCipher } from '../services/secrets';
import { adoptOldSettingsName, checkSettingsFile, settingsOptions, SETTINGS_FILE_NAME, validatedSettings, type Settings, type SettingsStore } from '../services/settings-store';

/** electron-store keeps the file in userData; it is checked (and a damaged one set aside) before the store reads it. */
export function openElectronSettings(projectVersion: string): SettingsStore {
  const folder = app.getPath('userData');
  adoptOldSettingsName(folder);
  const damage = checkSettingsFile(join(folder, `${SETTINGS_FILE_NAME}.json`), projectVersion);
  // electron-store names the file after `name` (default "config"), not conf's `configName`.
  const store = new ElectronStore<Settings>({ ...settingsOptions(projectVersion), name: SETTINGS_FILE_NAME });
  // The profile folder holds mail, drafts and secrets: only its owner may open it (0700), and a
  // settings file written by an earlier version (0644) is narrowed to 0600.
  makePrivateFolderSync(dirname(store.path));
  makeFilePrivateSync(store.path);
  return validatedSettings(store, damage);
}

/**
 * The OS keychain through safeStorage where it really encrypts; on Linux without a keyring
 * safeStorage falls back to a hard-coded key ("basic_text"), which we treat as no encryption and
 * use the app-key cipher instead, and the person is told.
 */
export function createSecretCipher(userData: string): SecretCipher {
  const backend = osSecretBackend(process.platform, safeStorage.isEncryptionAvailable(), () => safeStorage.getSelectedStorageBackend());
  const appKey = createAppKeyCipher(userData, `no OS keyring (${backend.name})`);
  if (!backend.encrypts) return appKey;
  const os: SecretCipher = {
    scheme: 'os1',
    protection: { kind: 'os', backend: backend.name },
    encrypt: (plain) => `os1:${safeStorage.encryptString(plain).toString('base64')}`,
    decrypt: (tagged) => safeStorage.decryptString(Buffer.from(tagged.slice(4), 'base64')),
  };
  return combineCiphers(os, appKey);
}

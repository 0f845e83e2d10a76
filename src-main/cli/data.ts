/**
 * The app's data folder and its accounts, seen from the command line (plain Node, no Electron):
 * the same folder rule as the app (src-main/electron/lifecycle.ts), the same settings file (conf,
 * like the tests' backend) and the same secrets file. Only passwords the app-key cipher protects
 * can be read here; those the OS keychain protects (Electron's safeStorage, "os1:") need the app.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { userDataFolder } from '../electron/lifecycle';
import { createAccountCredentials, type AccountCredentials } from '../services/account-credentials';
import { createAccountService, type AccountService } from '../services/accounts';
import { silentLogger } from '../services/logger';
import { createAppKeyCipher, createSecretVault, openSecretFileInFolder, type SecretFile } from '../services/secrets';
import { openSettingsInFolder } from '../services/settings-store';
import { fail } from '../../shared/result';
import { EXIT } from './exit-codes';
import { CliFailure } from './io';
import pkg from '../../package.json';

export const APP_VERSION: string = pkg.version;
/** Electron names the data folder after productName. */
const PRODUCT_NAME: string = pkg.productName;

/** Electron's app.getPath('appData') for this platform, without Electron. */
export function standardAppData(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, home: string): string {
  if (platform === 'win32') return env.APPDATA ?? join(home, 'AppData', 'Roaming');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support');
  return env.XDG_CONFIG_HOME || join(home, '.config');
}

/**
 * The folder the app would use: --data-dir, else MAILWRIGHT_USER_DATA, else the standard one of
 * the installed app (the packaged launcher sets MAILWRIGHT_CLI_PACKAGED=1) or of a development
 * build (`npm start`), exactly as lifecycle.ts decides it for the app.
 */
export function dataFolder(given: string | undefined, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (given) return given;
  return userDataFolder({
    packaged: env.MAILWRIGHT_CLI_PACKAGED === '1',
    standard: join(standardAppData(platform, env, home), PRODUCT_NAME),
    override: env.MAILWRIGHT_USER_DATA,
  });
}

/** The app's accounts live in `dataDir`: a folder that does not exist is a mistake to name, not one to create. */
export function requireDataFolder(dataDir: string): void {
  if (!existsSync(dataDir))
    throw new CliFailure(EXIT.ACCOUNT_NOT_FOUND, `There is no Mailwright data folder at ${dataDir}. Start Mailwright once and add an account, or point --data-dir (or MAILWRIGHT_USER_DATA) at the app's data folder.`);
}

export interface AppData {
  accounts: AccountService;
  credentials: AccountCredentials;
  secretFile: SecretFile;
}

/** The app's accounts and their saved passwords (app-key only), for check --account and send. */
export function openAppData(dataDir: string): AppData {
  requireDataFolder(dataDir);
  const settings = openSettingsInFolder(dataDir, APP_VERSION);
  const secretFile = openSecretFileInFolder(dataDir);
  const accounts = createAccountService({ settings, vault: createSecretVault(secretFile, createAppKeyCipher(dataDir, 'command line')), logger: silentLogger });
  // OAuth2 sign-ins are refreshed by the app only: here they ask for the app.
  const credentials = createAccountCredentials(accounts, { get: async () => fail('SIGN_IN_REQUIRED'), refused: () => false });
  return { accounts, credentials, secretFile };
}

/** Whether the account's saved secrets are kept by the OS keychain (readable only inside the app). */
export function keptByKeychain(secretFile: SecretFile, accountId: string): boolean {
  return Object.entries(secretFile.get('entries')).some(([name, value]) => name.startsWith(`account:${accountId}:`) && value.startsWith('os1:'));
}

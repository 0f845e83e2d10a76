/**
 * Account settings: one shape (SettingsSchema in shared/model.ts, zod, with its defaults) and one
 * set of migrations, used by electron-store in the app and by conf on a given folder where Electron
 * is absent (tests, the e2e bridge). electron-store extends conf, so both are wrapped the same way:
 * every value read is parsed (defaults filled in), every value written is checked first, and the
 * account shape refuses unknown keys, so a password can never be written into this file.
 *
 * A damaged file is never silently reset to zero accounts: before conf opens it, checkSettingsFile
 * sets a file that does not parse aside, and of a file that parses but has the wrong shape keeps
 * every account that is still valid, after keeping the whole file aside. What it found is handed to
 * the notices service (src-main/services/data-notices.ts) when the backend starts.
 */
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Conf, { type Options } from 'conf';
import { makeFilePrivateSync, makePrivateFolderSync, PRIVATE_FILE_MODE, tempName } from './durable-files';
import { PreferencesSchema, SettingsSchema, StoredAccountSchema, type Settings } from '../../shared/model';
import { isObject, readJsonSync, setAsideSync, type DamageFinding } from './data-notices';
import { StartFailureError } from './start-failure';

export type { Settings, StoredAccount } from '../../shared/model';

/** The part of conf / electron-store this project uses. */
export interface SettingsStore {
  get<K extends keyof Settings>(key: K): Settings[K];
  set<K extends keyof Settings>(key: K, value: Settings[K]): void;
  readonly path: string;
  /** What was found damaged (and set aside) when the file was opened; the backend tells the person. */
  readonly damage?: readonly DamageFinding[];
}

export const SETTINGS_FILE_NAME = 'settings';

/** Options shared by electron-store (app) and conf (plain Node). No JSON schema: the zod schema checks every read and write. */
export function settingsOptions(projectVersion: string): Options<Settings> {
  return {
    configName: SETTINGS_FILE_NAME,
    projectName: 'mailwright',
    projectVersion,
    clearInvalidConfig: false,
    // conf writes 0666 less the umask (0644: readable by every user) unless told.
    configFileMode: PRIVATE_FILE_MODE,
    defaults: SettingsSchema.parse({}),
    migrations: {
      // The first released layout. Later versions add steps here; conf runs each once, in order.
      '0.1.0': (store) => {
        if (!Array.isArray(store.get('accounts'))) store.set('accounts', []);
      },
      // 0.2.0: accounts gain an optional incoming server (the schema's default, null, is written here).
      '0.2.0': (store) => {
        store.set(
          'accounts',
          (store.get('accounts') as unknown[]).map((a) => StoredAccountSchema.parse(a)),
        );
      },
    },
  };
}


/**
 * True when `a` is a later x.y.z than `b`. Settings versions are plain x.y.z (package.json); semver
 * is only a transitive dependency here, and three numbers need no library. Anything else is not newer.
 */
export function isNewerVersion(a: string, b: string): boolean {
  const parts = (v: string) => (/^\d+\.\d+\.\d+$/.test(v) ? v.split('.').map(Number) : null);
  const [x, y] = [parts(a), parts(b)];
  if (!x || !y) return false;
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! > y[i]!;
  return false;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * Checks the settings file at `path` before conf reads it (conf would throw on it, or a reset would
 * lose every account). Synchronous, as conf is. Returns what it set aside, or nothing.
 */
export function checkSettingsFile(path: string, projectVersion?: string): DamageFinding[] {
  const read = readJsonSync(path);
  if (!read) return [];
  const { json } = read;
  // A file a newer version wrote may hold what this version does not understand; repairing it
  // would drop that, and conf would mark it as this version's. The person decides (start-failure.ts).
  const writtenBy = isObject(json) && isObject(json.__internal__) && isObject(json.__internal__.migrations) ? json.__internal__.migrations.version : undefined;
  if (projectVersion !== undefined && typeof writtenBy === 'string' && isNewerVersion(writtenBy, projectVersion)) {
    throw new StartFailureError({ kind: 'newer-version', file: path, writtenBy });
  }
  if (!isObject(json)) {
    const keptAt = setAsideSync(path);
    return [
      {
        kind: 'settings',
        path,
        keptAt,
        what: 'Your settings file could not be read (it is damaged or incomplete), so Mailwright started without your accounts. Nothing was deleted: the damaged file was kept, and your mail, drafts and outbox are untouched. Add your accounts again, or restore the kept file.',
      },
    ];
  }
  const rawAccounts = json.accounts === undefined ? [] : json.accounts;
  const listed = Array.isArray(rawAccounts) ? rawAccounts : [];
  const kept = listed.flatMap((a) => {
    const parsed = StoredAccountSchema.safeParse(a);
    return parsed.success ? [parsed.data] : [];
  });
  const preferences = PreferencesSchema.safeParse(json.preferences ?? {});
  const lost = listed.length - kept.length;
  if (Array.isArray(rawAccounts) && lost === 0 && preferences.success) return [];

  // Wrong shape: keep the whole file aside, then write back everything that is still valid.
  const keptAt = setAsideSync(path);
  const repaired = { ...json, accounts: kept, preferences: preferences.success ? preferences.data : PreferencesSchema.parse({}) };
  const tmp = tempName(path);
  writeFileSync(tmp, JSON.stringify(repaired, null, '\t'), { mode: 0o600 });
  renameSync(tmp, path);
  const parts = [
    !Array.isArray(rawAccounts)
      ? 'Your list of accounts in the settings file could not be read, so no account could be kept.'
      : lost > 0
        ? `${plural(lost, 'account', 'accounts')} in your settings file could not be read and ${lost === 1 ? 'is' : 'are'} left out${kept.length ? `; ${plural(kept.length, 'other account was', 'other accounts were')} kept` : ''}.`
        : null,
    preferences.success ? null : 'Your sending preferences could not be read and are back to their defaults.',
  ].filter((p): p is string => p !== null);
  return [{ kind: 'settings', path, keptAt, what: `${parts.join(' ')} The whole file as it was is kept under the name shown.` }];
}

/** conf or electron-store, read and written through the one schema. */
export function validatedSettings(store: Conf<Settings>, damage: readonly DamageFinding[] = []): SettingsStore {
  const shape = SettingsSchema.shape;
  return {
    get: (key) => shape[key].parse(store.get(key)) as Settings[typeof key],
    set: (key, value) => store.set(key, shape[key].parse(value) as Settings[typeof key]),
    get path() {
      return store.path;
    },
    damage,
  };
}

/**
 * electron-store takes the file name from `name`, not conf's `configName`, so versions before this
 * one wrote the app's settings to `config.json` while the damage check looked at `settings.json`.
 * The file is renamed once, keeping the person's accounts; a `settings.json` already there wins.
 */
export function adoptOldSettingsName(folder: string): void {
  const old = join(folder, 'config.json');
  const current = join(folder, `${SETTINGS_FILE_NAME}.json`);
  if (existsSync(old) && !existsSync(current)) renameSync(old, current);
}

/** The settings in `folder`, without Electron. */
export function openSettingsInFolder(folder: string, projectVersion: string): SettingsStore {
  makePrivateFolderSync(folder);
  const damage = checkSettingsFile(join(folder, `${SETTINGS_FILE_NAME}.json`), projectVersion);
  const store = new Conf<Settings>({ ...settingsOptions(projectVersion), cwd: folder });
  makeFilePrivateSync(store.path); // written by an earlier version with conf's default mode
  return validatedSettings(store, damage);
}

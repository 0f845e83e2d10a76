/**
 * Passwords live in their own file (secrets.json), separate from settings.json, and only ever
 * encrypted. The cipher is the OS keychain through Electron's safeStorage in the app; where the OS
 * offers none (Linux without a keyring) or outside Electron, an app-key cipher: AES-256-GCM with a
 * random key in a 0600 file of the data folder. That protects against a settings file that is
 * shared, synced or backed up on its own, not against someone who can read the whole profile,
 * and the person is told so (AppInfo.secretProtection).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Conf from 'conf';
import type { SecretProtection } from '../../shared/model';
import { makeFilePrivateSync, makePrivateFolderSync, PRIVATE_FILE_MODE } from './durable-files';
import { isObject, readJsonSync, setAsideSync, type DamageFinding } from './data-notices';

/** Encrypts to a tagged string ("<scheme>:<base64>") and decrypts strings it tagged. */
export interface SecretCipher {
  readonly scheme: string;
  readonly protection: SecretProtection;
  encrypt(plain: string): string;
  decrypt(tagged: string): string;
  /**
   * Hands `listener` what the cipher found damaged and set aside (its key file), now and later:
   * a key is read on first use, which may come after start.
   */
  onDamage?(listener: (finding: DamageFinding) => void): void;
}

export class SecretUnreadableError extends Error {
  constructor(reason: string) {
    super(`stored secret could not be decrypted: ${reason}`);
    this.name = 'SecretUnreadableError';
  }
}

const KEY_FILE = 'secret.key';

/**
 * AES-256-GCM with a random key kept in `<folder>/secret.key` (created 0600 on first use).
 *
 * A key file that is not 32 bytes of base64 (cut short by a crash while it was first written,
 * emptied, overwritten) is set aside as `secret.key.damaged-<time>`, kept for whoever wants to
 * look, and a fresh key is made: secrets encrypted with the old key fail to decrypt
 * (SECRET_UNREADABLE, so their accounts ask for the password), and a password typed again is
 * stored under the fresh key. The key is only cached once it is known to be whole.
 */
export function createAppKeyCipher(folder: string, reason = 'no OS encryption available', now: () => Date = () => new Date()): SecretCipher {
  let key: Buffer | undefined;
  const found: DamageFinding[] = [];
  let tell: ((finding: DamageFinding) => void) | undefined;
  const loadKey = () => {
    if (key) return key;
    const file = join(folder, KEY_FILE);
    if (existsSync(file)) {
      const stored = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
      if (stored.length === 32) {
        key = stored;
        return key;
      }
      const keptAt = setAsideSync(file, now());
      const finding: DamageFinding = {
        kind: 'secrets',
        path: file,
        keptAt,
        what: 'The key that protects your saved passwords was damaged, so they cannot be read. Your accounts are kept; type each password again in Accounts. The damaged key was kept.',
      };
      found.push(finding);
      tell?.(finding);
    }
    makePrivateFolderSync(folder);
    const fresh = randomBytes(32);
    writeFileSync(file, fresh.toString('base64'), { mode: PRIVATE_FILE_MODE, flag: 'wx' });
    makeFilePrivateSync(file);
    key = fresh;
    return key;
  };
  const scheme = 'ak1';
  return {
    scheme,
    protection: { kind: 'app-key', backend: reason },
    onDamage(listener) {
      tell = listener;
      found.forEach(listener);
    },
    encrypt(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', loadKey(), iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `${scheme}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
    },
    decrypt(tagged) {
      const raw = Buffer.from(tagged.slice(scheme.length + 1), 'base64');
      try {
        const decipher = createDecipheriv('aes-256-gcm', loadKey(), raw.subarray(0, 12));
        decipher.setAuthTag(raw.subarray(12, 28));
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretUnreadableError('wrong key or damaged data');
      }
    },
  };
}

/** Encrypts with `primary`; decrypts whatever any of the ciphers tagged (so moving to the OS keychain later keeps old secrets readable). */
export function combineCiphers(primary: SecretCipher, ...others: SecretCipher[]): SecretCipher {
  const all = [primary, ...others];
  return {
    scheme: primary.scheme,
    protection: primary.protection,
    encrypt: (plain) => primary.encrypt(plain),
    onDamage: (listener) => all.forEach((c) => c.onDamage?.(listener)),
    decrypt(tagged) {
      const cipher = all.find((c) => tagged.startsWith(`${c.scheme}:`));
      if (!cipher) throw new SecretUnreadableError('unknown encryption scheme');
      return cipher.decrypt(tagged);
    },
  };
}

export interface SecretFile {
  get(key: 'entries'): Record<string, string>;
  set(key: 'entries', value: Record<string, string>): void;
  readonly path: string;
  /** What was found damaged (and set aside) when the file was opened; the backend tells the person. */
  readonly damage?: readonly DamageFinding[];
}

/** A stored secret: "<scheme>:<base64>" (the same rule as the file's JSON schema below). */
const TAGGED = /^[a-z0-9]+:/;

/**
 * Checks secrets.json before conf reads it (conf would throw on a damaged file and the app would
 * not start). A file that does not parse, or of another shape, is set aside (kept) and the person
 * types the passwords again; entries that are not stored secrets are dropped, the others kept.
 */
export function checkSecretsFile(path: string): DamageFinding[] {
  const read = readJsonSync(path);
  if (!read) return [];
  const { json } = read;
  const entries = isObject(json) && isObject(json.entries) ? json.entries : null;
  const kept = entries ? Object.fromEntries(Object.entries(entries).filter(([, v]) => typeof v === 'string' && TAGGED.test(v))) : {};
  if (entries && Object.keys(kept).length === Object.keys(entries).length) return [];
  const keptAt = setAsideSync(path);
  if (entries) writeFileSync(path, JSON.stringify({ ...(json as object), entries: kept }, null, '\t'), { mode: 0o600 });
  return [
    {
      kind: 'secrets',
      path,
      keptAt,
      what: entries
        ? 'Some saved passwords could not be read. Accounts that need one ask for it again when they next connect or send.'
        : 'Your saved passwords could not be read (the file is damaged or incomplete). Your accounts are kept; type each password again in Accounts. The damaged file was kept, still encrypted.',
    },
  ];
}

export function openSecretFileInFolder(folder: string): SecretFile {
  makePrivateFolderSync(folder);
  const damage = checkSecretsFile(join(folder, 'secrets.json'));
  const file = new Conf<{ entries: Record<string, string> }>({
    cwd: folder,
    configName: 'secrets',
    projectName: 'mailwright',
    configFileMode: PRIVATE_FILE_MODE,
    defaults: { entries: {} },
    schema: { entries: { type: 'object', additionalProperties: { type: 'string', pattern: TAGGED.source } } },
  });
  makeFilePrivateSync(file.path); // written by an earlier version with conf's default 0644
  return Object.assign(file, { damage });
}

export interface SecretVault {
  readonly protection: SecretProtection;
  set(name: string, secret: string): void;
  get(name: string): string | undefined;
  delete(name: string): void;
}

export function createSecretVault(file: SecretFile, cipher: SecretCipher): SecretVault {
  return {
    protection: cipher.protection,
    set(name, secret) {
      file.set('entries', { ...file.get('entries'), [name]: cipher.encrypt(secret) });
    },
    get(name) {
      const tagged = file.get('entries')[name];
      if (tagged === undefined) return undefined;
      try {
        return cipher.decrypt(tagged);
      } catch (error) {
        // Any cipher's failure to decrypt means the same to the person: this password must be typed
        // again. Electron's safeStorage throws a plain Error (keychain reset, prompt denied, profile
        // moved to another machine), which would otherwise reach every caller as INTERNAL.
        if (error instanceof SecretUnreadableError) throw error;
        throw new SecretUnreadableError(error instanceof Error ? error.message : 'the cipher refused it');
      }
    },
    delete(name) {
      const { [name]: _removed, ...rest } = file.get('entries');
      file.set('entries', rest);
    },
  };
}

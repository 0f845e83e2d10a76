// Proves that no password or token was written anywhere in clear: walks folders (the app's user
// data, logs, temporary files) and looks for each secret in every regular file, byte for byte.
//
// A secret counts as found in any of the forms it could be stored in by accident: as is (UTF-8),
// UTF-16LE (Chromium's Local Storage and many Electron stores), percent-encoded, and base64 /
// base64url, including when it sits inside a longer base64 text at any byte offset (a SASL
// XOAUTH2 string, a serialized buffer). Files are read in chunks, so size does not matter; the
// walk is bounded and fails loudly rather than skip files, since a scan that silently saw nothing
// would prove nothing.

import { lstat, open, readdir } from 'node:fs/promises';
import path from 'node:path';

export type SecretForm = 'raw' | 'utf16le' | 'percent-encoded' | 'base64' | 'base64url';

export interface SecretHit {
  /** The file's path, or `<text N>` for the Nth of `extraTexts`. */
  file: string;
  /** Index of the secret in the `secrets` argument (the secret itself is not repeated here, so a failing assertion does not print it). */
  secretIndex: number;
  /** The first 4 characters of the secret and its length, to tell secrets apart in a failure message. */
  secretHint: string;
  form: SecretForm;
}

export interface SecretScanOptions {
  /** Stop with an error after this many files (default 20 000). */
  maxFiles?: number;
  /** Stop with an error below this depth (default 32). */
  maxDepth?: number;
  /** A folder of `dirs` that does not exist is an error unless this is true (default false). */
  allowMissingDirs?: boolean;
}

export interface SecretScanReport {
  hits: SecretHit[];
  /** Every regular file that was read: lets a test check that the scan saw what it should. */
  files: string[];
}

const CHUNK = 1 << 20;
const MIN_SECRET_LENGTH = 8;

interface Needle {
  secretIndex: number;
  form: SecretForm;
  bytes: Buffer;
}

/**
 * Byte strings that appear in any base64 (or base64url) text that encodes `secret` at any byte
 * offset: for each of the three alignments, the characters that depend only on the secret's bytes.
 */
function base64Cores(secret: Buffer, alphabet: 'base64' | 'base64url'): Buffer[] {
  const cores: Buffer[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), secret]).toString(alphabet).replace(/=+$/, '');
    // Leading characters mix in the `shift` filler bytes; trailing ones mix in whatever follows.
    const start = shift === 0 ? 0 : shift === 1 ? 2 : 3;
    const whole = Math.floor((shift + secret.length) / 3) * 4;
    const core = encoded.slice(start, whole);
    if (core.length >= MIN_SECRET_LENGTH) cores.push(Buffer.from(core, 'latin1'));
  }
  return cores;
}

function needlesFor(secrets: string[]): Needle[] {
  const needles: Needle[] = [];
  secrets.forEach((secret, secretIndex) => {
    if (secret.length < MIN_SECRET_LENGTH) {
      throw new Error(`scanForSecrets: secret #${secretIndex} is shorter than ${MIN_SECRET_LENGTH} characters; it would match by chance`);
    }
    const utf8 = Buffer.from(secret, 'utf8');
    const add = (form: SecretForm, bytes: Buffer): void => {
      if (!needles.some((n) => n.secretIndex === secretIndex && n.bytes.equals(bytes))) needles.push({ secretIndex, form, bytes });
    };
    add('raw', utf8);
    add('utf16le', Buffer.from(secret, 'utf16le'));
    add('percent-encoded', Buffer.from(encodeURIComponent(secret), 'utf8'));
    for (const core of base64Cores(utf8, 'base64')) add('base64', core);
    for (const core of base64Cores(utf8, 'base64url')) add('base64url', core);
  });
  return needles;
}

async function collectFiles(dirs: string[], options: Required<SecretScanOptions>): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > options.maxDepth) throw new Error(`scanForSecrets: ${dir} is deeper than ${options.maxDepth} levels`);
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      // Symbolic links are not followed (they could leave the folder or loop); sockets and FIFOs are not read (they would block).
      if (entry.isDirectory()) await walk(full, depth + 1);
      else if (entry.isFile()) {
        files.push(full);
        if (files.length > options.maxFiles) throw new Error(`scanForSecrets: more than ${options.maxFiles} files under ${dirs.join(', ')}`);
      }
    }
  };
  for (const dir of dirs) {
    let stat;
    try {
      stat = await lstat(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && options.allowMissingDirs) continue;
      throw new Error(`scanForSecrets: cannot scan ${dir}: ${(err as Error).message}`, { cause: err });
    }
    if (stat.isDirectory()) await walk(dir, 0);
    else if (stat.isFile()) files.push(dir);
  }
  return files;
}

/** The forms of the secrets found in `buffer`s read one after another (chunks of one file). */
class Matcher {
  private readonly overlap: number;
  private tail = Buffer.alloc(0);
  readonly found = new Set<Needle>();
  constructor(private readonly needles: Needle[]) {
    this.overlap = Math.max(0, ...needles.map((n) => n.bytes.length - 1));
  }
  feed(chunk: Buffer): void {
    const data = this.tail.length ? Buffer.concat([this.tail, chunk]) : chunk;
    for (const needle of this.needles) {
      if (!this.found.has(needle) && data.indexOf(needle.bytes) >= 0) this.found.add(needle);
    }
    this.tail = Buffer.from(data.subarray(Math.max(0, data.length - this.overlap)));
  }
}

function hitsFrom(file: string, matcher: Matcher, secrets: string[]): SecretHit[] {
  const hits: SecretHit[] = [];
  for (const needle of matcher.found) {
    const secret = secrets[needle.secretIndex] ?? '';
    // One hit per secret and form (several base64 alignments are one form).
    if (hits.some((h) => h.secretIndex === needle.secretIndex && h.form === needle.form)) continue;
    hits.push({ file, secretIndex: needle.secretIndex, secretHint: `${secret.slice(0, 4)}… (${secret.length} chars)`, form: needle.form });
  }
  return hits;
}

/** Like scanForSecrets, and also lists the files it read. */
export async function scanForSecretsReport(
  dirs: string[],
  secrets: string[],
  extraTexts: string[] = [],
  options: SecretScanOptions = {},
): Promise<SecretScanReport> {
  const opts: Required<SecretScanOptions> = { maxFiles: 20_000, maxDepth: 32, allowMissingDirs: false, ...options };
  const needles = needlesFor(secrets);
  const files = await collectFiles(dirs, opts);
  const hits: SecretHit[] = [];
  const buffer = Buffer.alloc(CHUNK);
  for (const file of files) {
    const matcher = new Matcher(needles);
    let handle;
    try {
      handle = await open(file, 'r');
    } catch (err) {
      // A file removed while the scan runs (a temporary file) cannot hold the secret any more.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    try {
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
        if (bytesRead === 0) break;
        matcher.feed(buffer.subarray(0, bytesRead));
      }
    } finally {
      await handle.close();
    }
    hits.push(...hitsFrom(file, matcher, secrets));
  }
  extraTexts.forEach((text, i) => {
    const matcher = new Matcher(needles);
    matcher.feed(Buffer.from(text, 'utf8'));
    hits.push(...hitsFrom(`<text ${i}>`, matcher, secrets));
  });
  return { hits, files };
}

/**
 * Every (file, secret) where one of `secrets` appears under `dirs` (files or folders, walked
 * recursively without following links) or in one of `extraTexts` (log lines, transcripts), as is
 * or encoded (see SecretForm). Empty means none was found. Secrets must be at least 8 characters.
 */
export async function scanForSecrets(dirs: string[], secrets: string[], extraTexts: string[] = [], options: SecretScanOptions = {}): Promise<SecretHit[]> {
  return (await scanForSecretsReport(dirs, secrets, extraTexts, options)).hits;
}

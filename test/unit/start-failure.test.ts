/**
 * A start that fails says why (issue 11, item 2): the decisions and words of the start dialog for
 * each kind of failure, the choices and what each does ("start with it set aside" keeps the file
 * and starts from defaults), the start loop, and the bounded, redacted log file the dialog names.
 * The Electron glue (src-main/electron/start-dialog.ts) only shows this dialog and opens the folder.
 */
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAppLogger, createLogFile, logFilePath } from '../../src-main/services/log-file';
import { silentLogger } from '../../src-main/services/logger';
import { openSecretFileInFolder } from '../../src-main/services/secrets';
import { adoptOldSettingsName, isNewerVersion, openSettingsInFolder } from '../../src-main/services/settings-store';
import {
  applyStartChoice,
  diagnoseStartFailure,
  startFailureDialog,
  startWithRecovery,
  StartFailureError,
  type StartDialog,
  type StartFailure,
  type StartFailureKind,
} from '../../src-main/services/start-failure';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailwright-start-'));
});
afterEach(() => {
  chmodSync(dir, 0o700);
  rmSync(dir, { recursive: true, force: true });
});

const VERSION = '0.2.0';
const settingsFile = () => join(dir, 'settings.json');
const account = {
  id: '6f1c7c1e-7a0e-4c39-9a57-3d3c3c1c1c1c',
  description: 'Work',
  email: 'a@example.com',
  displayName: 'A',
  smtp: { host: 'smtp.example.com', port: 587, security: 'starttls', auth: 'password', username: 'a' },
  incoming: null,
  signature: '',
  identities: [],
  oauth: null,
  createdAt: 'x',
  updatedAt: 'x',
};
/** A settings file as Mailwright 9.0.0 might write it: a version mark from the future and a field this version does not know. */
const fromNewerVersion = JSON.stringify({ accounts: [{ ...account, futureField: true }], __internal__: { migrations: { version: '9.0.0' } } });
const isRoot = process.getuid?.() === 0;

describe('the start-failure dialog', () => {
  const kinds: StartFailureKind[] = ['not-json', 'schema', 'newer-version', 'unreadable-file', 'unwritable-folder', 'unknown'];
  it.each(kinds)('for %s names the data folder, the log, and ends with quit', (kind) => {
    const failure: StartFailure = { kind, folder: '/home/alice/.config/Mailwright', ...(kind === 'unknown' ? {} : { file: '/home/alice/.config/Mailwright/settings.json' }) };
    const box = startFailureDialog(failure, '/home/alice/.config/Mailwright/logs/main.log');
    expect(box.message).toContain('/home/alice/.config/Mailwright');
    if (kind !== 'unknown') expect(`${box.message}`).toContain('“settings.json”');
    expect(box.detail).toContain('/home/alice/.config/Mailwright/logs/main.log');
    expect(box.choices.map((c) => c.action)).toContain('open-folder');
    expect(box.choices[box.cancelId]).toEqual({ label: 'Quit', action: 'quit' });
    expect(`${box.title} ${box.message} ${box.detail}`).not.toMatch(/Error|ENOENT|EACCES|undefined|stack/);
  });

  it('offers to start with the file set aside only when there is a file to set aside', () => {
    const actions = (f: StartFailure) => startFailureDialog(f).choices.map((c) => c.action);
    expect(actions({ kind: 'newer-version', folder: dir, file: settingsFile(), writtenBy: '9.0.0' })).toEqual(['set-aside', 'open-folder', 'quit']);
    expect(actions({ kind: 'unreadable-file', folder: dir, file: join(dir, 'secrets.json') })).toEqual(['set-aside', 'open-folder', 'quit']);
    expect(actions({ kind: 'unwritable-folder', folder: dir, file: dir })).toEqual(['retry', 'open-folder', 'quit']);
    expect(actions({ kind: 'unknown', folder: dir })).toEqual(['retry', 'open-folder', 'quit']);
  });

  it('says which version wrote a newer settings file, and that quitting keeps it for that version', () => {
    const box = startFailureDialog({ kind: 'newer-version', folder: dir, file: settingsFile(), writtenBy: '9.0.0' });
    expect(box.message).toMatch(/newer version of Mailwright \(9\.0\.0\)/);
    expect(box.detail).toMatch(/quit and open the newer version/);
    expect(box.detail).not.toMatch(/log file/); // no log to name when it could not be written
  });
});

describe('diagnosing a failed start', () => {
  it('asks about a settings file written by a newer version instead of repairing it', () => {
    writeFileSync(settingsFile(), fromNewerVersion);
    let thrown: unknown;
    try {
      openSettingsInFolder(dir, VERSION);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StartFailureError);
    expect(diagnoseStartFailure(thrown, dir)).toEqual({ kind: 'newer-version', folder: dir, file: settingsFile(), writtenBy: '9.0.0' });
    expect(readFileSync(settingsFile(), 'utf8')).toBe(fromNewerVersion); // untouched until the person decides
    expect(readdirSync(dir)).toEqual(['settings.json']);
  });

  it('compares versions by their numbers', () => {
    expect(isNewerVersion('0.10.0', '0.9.9')).toBe(true);
    expect(isNewerVersion('0.2.0', '0.2.0')).toBe(false);
    expect(isNewerVersion('0.1.9', '0.2.0')).toBe(false);
    expect(isNewerVersion('not a version', '0.2.0')).toBe(false);
  });

  it.skipIf(isRoot)('tells an unreadable secrets file from a data folder it cannot write', () => {
    const secrets = join(dir, 'secrets.json');
    writeFileSync(secrets, '{"entries":{}}');
    chmodSync(secrets, 0);
    let thrown: unknown;
    try {
      openSecretFileInFolder(dir);
    } catch (error) {
      thrown = error;
    }
    expect(diagnoseStartFailure(thrown, dir)).toEqual({ kind: 'unreadable-file', folder: dir, file: secrets });
    chmodSync(secrets, 0o600);

    rmSync(secrets);
    chmodSync(dir, 0o500);
    try {
      openSettingsInFolder(dir, VERSION);
      thrown = undefined;
    } catch (error) {
      thrown = error;
    }
    expect(diagnoseStartFailure(thrown, dir)).toMatchObject({ kind: 'unwritable-folder', folder: dir });
  });

  it('calls a read-only or full disk an unwritable folder (any user, root included)', () => {
    const errno = (code: string, path?: string) => Object.assign(new Error(`${code}: operation failed`), { code, ...(path ? { path } : {}) });
    expect(diagnoseStartFailure(errno('EROFS', join(dir, 'settings.json')), dir)).toEqual({ kind: 'unwritable-folder', folder: dir, file: join(dir, 'settings.json') });
    expect(diagnoseStartFailure(errno('ENOSPC'), dir)).toEqual({ kind: 'unwritable-folder', folder: dir, file: undefined });
    // A data folder that is a file: mkdir fails for root as well.
    const notAFolder = join(dir, 'profile');
    writeFileSync(notAFolder, '');
    let thrown: unknown;
    try {
      openSettingsInFolder(notAFolder, VERSION);
    } catch (error) {
      thrown = error;
    }
    expect(diagnoseStartFailure(thrown, notAFolder)).toMatchObject({ kind: 'unwritable-folder', folder: notAFolder });
  });

  it('calls anything else unknown', () => {
    expect(diagnoseStartFailure(new Error('boom'), dir)).toEqual({ kind: 'unknown', folder: dir });
  });
});

describe('starting with the damaged file set aside', () => {
  it('keeps the file (renamed, same bytes) and then starts with default settings', () => {
    writeFileSync(settingsFile(), fromNewerVersion);
    const failure: StartFailure = { kind: 'newer-version', folder: dir, file: settingsFile(), writtenBy: '9.0.0' };
    expect(applyStartChoice('set-aside', failure, { openFolder: () => {}, logger: silentLogger })).toBe('retry');
    const kept = readdirSync(dir).filter((n) => n.startsWith('settings.json.damaged-'));
    expect(kept).toHaveLength(1);
    expect(readFileSync(join(dir, kept[0]!), 'utf8')).toBe(fromNewerVersion);

    const settings = openSettingsInFolder(dir, VERSION);
    expect(settings.get('accounts')).toEqual([]);
    expect(settings.damage).toEqual([]);
  });

  it('runs the loop: fails, asks, sets aside, starts; opening the folder asks again', async () => {
    writeFileSync(settingsFile(), fromNewerVersion);
    const asked: StartDialog[] = [];
    const opened: string[] = [];
    const answers = ['open-folder', 'set-aside'];
    let accounts: unknown;
    const started = await startWithRecovery({
      start: async () => {
        accounts = openSettingsInFolder(dir, VERSION).get('accounts');
      },
      folder: dir,
      logger: silentLogger,
      ask: async (box) => {
        asked.push(box);
        return box.choices.findIndex((c) => c.action === answers[asked.length - 1]);
      },
      openFolder: (folder) => opened.push(folder),
    });
    expect(started).toBe(true);
    expect(asked).toHaveLength(2);
    expect(opened).toEqual([dir]);
    expect(accounts).toEqual([]);
    expect(readdirSync(dir).some((n) => n.startsWith('settings.json.damaged-'))).toBe(true);
  });

  it('quits when the person quits, or closes the dialog, and gives up after a bounded number of tries', async () => {
    const failing = { start: () => Promise.reject(new Error('x')), folder: dir, logger: silentLogger, openFolder: () => {} };
    expect(await startWithRecovery({ ...failing, ask: async (box) => box.cancelId })).toBe(false);
    expect(await startWithRecovery({ ...failing, ask: async () => -1 })).toBe(false); // the dialog closed
    let tries = 0;
    const retry = async () => {
      tries++;
      throw new Error('still broken');
    };
    expect(await startWithRecovery({ ...failing, start: retry, ask: async () => 0, maxAttempts: 3 })).toBe(false);
    expect(tries).toBe(3);
  });
});

describe('when the dialog or the chosen action fails', () => {
  it('explains a file that cannot be set aside as a folder it cannot write, and never hangs', async () => {
    writeFileSync(settingsFile(), fromNewerVersion);
    const asked: StartDialog[] = [];
    const started = await startWithRecovery({
      start: async () => void openSettingsInFolder(dir, VERSION),
      folder: dir,
      logger: silentLogger,
      openFolder: () => {},
      setAside: (path) => {
        throw Object.assign(new Error(`EROFS: read-only file system, rename '${path}'`), { code: 'EROFS', path });
      },
      ask: async (box) => (asked.push(box), asked.length === 1 ? 0 : box.cancelId),
    });
    expect(started).toBe(false);
    expect(asked.map((b) => b.choices[0]!.action)).toEqual(['set-aside', 'retry']);
    expect(asked[1]!.message).toMatch(/cannot write to its data folder/);
    expect(readFileSync(settingsFile(), 'utf8')).toBe(fromNewerVersion);
  });

  it('resolves (to quit) when the dialog itself fails', async () => {
    const started = startWithRecovery({ start: () => Promise.reject(new Error('x')), folder: dir, logger: silentLogger, openFolder: () => {}, ask: () => Promise.reject(new Error('no display')) });
    await expect(started).resolves.toBe(false);
  });
});

describe('the log file', () => {
  it('stays within its bound and keeps a fixed number of old files', () => {
    const path = join(dir, 'logs', 'main.log');
    const log = createLogFile(path, { maxBytes: 1000, keep: 2 });
    for (let i = 0; i < 200; i++) log.log(`line ${i} `.padEnd(99, 'x'));
    expect(readdirSync(join(dir, 'logs')).sort()).toEqual(['main.log', 'main.log.1', 'main.log.2']);
    for (const name of ['main.log', 'main.log.1', 'main.log.2']) expect(statSync(join(dir, 'logs', name)).size).toBeLessThanOrEqual(1000);
    expect(readFileSync(path, 'utf8')).toContain('line 199 ');
    expect(readFileSync(`${path}.1`, 'utf8')).toContain(`line ${199 - 10} `);
    if (process.platform !== 'win32') expect(statSync(path).mode & 0o777).toBe(0o600);
    // One line longer than the bound is cut to fit.
    log.error('y'.repeat(5000));
    expect(statSync(path).size).toBeLessThanOrEqual(1000);
  });

  it('holds the same redacted lines as the console: no password or token', () => {
    const consoleLines: string[] = [];
    const sink = { log: (l: string) => consoleLines.push(l), warn: (l: string) => consoleLines.push(l), error: (l: string) => consoleLines.push(l) };
    const { logger, file } = createAppLogger(dir, sink);
    logger.error('smtp: C: AUTH PLAIN AGFsaWNlAHNlY3JldA==', { password: 'hunter2', error: new Error('Bearer ya29.SECRETTOKEN refused') });
    logger.info('token refreshed', { url: 'https://id.example.com/token?code=AUTHCODE1&x=1' });
    expect(file.path).toBe(logFilePath(dir));
    const written = readFileSync(file.path, 'utf8');
    expect(written.trimEnd().split('\n')).toEqual(consoleLines);
    expect(written).not.toMatch(/hunter2|AGFsaWNl|SECRETTOKEN|AUTHCODE1/);
    expect(written).toContain('[redacted]');
    expect(file.working()).toBe(true);
  });

  it('never stops the app when it cannot be written, and says so', () => {
    writeFileSync(join(dir, 'logs'), 'a file where the logs folder should be');
    const log = createLogFile(join(dir, 'logs', 'main.log'));
    expect(() => log.error('start failed')).not.toThrow();
    expect(log.working()).toBe(false);
  });
});

describe('the settings file name', () => {
  it('adopts the config.json earlier versions wrote in the app, without losing it or overwriting a settings.json', () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ accounts: [account] }));
    adoptOldSettingsName(dir);
    expect(existsSync(join(dir, 'config.json'))).toBe(false);
    expect(openSettingsInFolder(dir, VERSION).get('accounts')).toHaveLength(1);

    writeFileSync(join(dir, 'config.json'), JSON.stringify({ accounts: [] }));
    adoptOldSettingsName(dir);
    expect(existsSync(join(dir, 'config.json'))).toBe(true);
    expect(openSettingsInFolder(dir, VERSION).get('accounts')).toHaveLength(1);
  });
});

describe('one log writer per data folder', () => {
  it('the start dialog and the running app get the same logger, so one writer keeps the size bound and rotation', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailwright-one-log-'));
    try {
      const first = createAppLogger(dir);
      const second = createAppLogger(dir);
      expect(second.logger).toBe(first.logger);
      expect(second.file).toBe(first.file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

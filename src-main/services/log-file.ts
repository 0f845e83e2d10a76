/**
 * The log file in the data folder (`logs/main.log`), so a start that fails, or a problem the person
 * reports, leaves something to read. Bounded: when a line would take the file past `maxBytes` it is
 * rotated (main.log → main.log.1 → main.log.2 …, the oldest dropped), so the logs never hold more
 * than (keep + 1) × maxBytes. Lines are the console logger's (createConsoleLogger), so they are
 * redacted the same way.
 *
 * Written synchronously: the main process logs a few lines a minute, and a line written before a
 * crash must be on disk. Writing is best effort: a log that cannot be written (a full disk, a folder
 * that is not writable, which is itself a reason the start may fail) never stops the app, and
 * `working()` says so, so the start dialog names the file only when there is one to read.
 *
 * Hand-written rather than a logging library: the project's logger is twenty lines and redacts;
 * what is added here is a size check and three renames.
 */
import { appendFileSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PRIVATE_FILE_MODE } from './durable-files';
import { createConsoleLogger, type Logger } from './logger';

export const LOG_MAX_BYTES = 1024 * 1024;
export const LOG_KEEP = 3;

export const logFilePath = (dataDir: string) => join(dataDir, 'logs', 'main.log');

export interface LogFile extends Pick<Console, 'log' | 'warn' | 'error'> {
  readonly path: string;
  /** False once a write failed (and until one succeeds). */
  working(): boolean;
}

export function createLogFile(path: string, options: { maxBytes?: number; keep?: number } = {}): LogFile {
  const maxBytes = options.maxBytes ?? LOG_MAX_BYTES;
  const keep = options.keep ?? LOG_KEEP;
  let ok = true;
  const sizeOf = (file: string) => {
    try {
      return statSync(file).size;
    } catch {
      return 0;
    }
  };
  const rotate = () => {
    rmSync(`${path}.${keep}`, { force: true });
    for (let n = keep - 1; n >= 1; n--) {
      try {
        renameSync(`${path}.${n}`, `${path}.${n + 1}`);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    if (keep > 0) renameSync(path, `${path}.1`);
    else rmSync(path, { force: true });
  };
  const write = (line: string) => {
    try {
      // A single line longer than the bound is cut, so the bound holds for every file.
      const whole = Buffer.from(`${line}\n`);
      const text = whole.length <= maxBytes ? whole : Buffer.concat([whole.subarray(0, maxBytes - 4), Buffer.from('…\n')]);
      const bytes = text.length;
      // Checked before every line (not counted in memory), so two loggers on the one file keep the bound too.
      const size = sizeOf(path);
      if (size > 0 && size + bytes > maxBytes) rotate();
      else mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
      appendFileSync(path, text, { mode: PRIVATE_FILE_MODE });
      ok = true;
    } catch {
      ok = false;
    }
  };
  return { path, log: write, warn: write, error: write, working: () => ok };
}

/**
 * The main process's logger: every line to the console and to the log file in `dataDir`, the same
 * redacted text in both.
 */
/**
 * The app's logger: every line to the console and to the log file of `dataDir`. One per data folder
 * and process: the start-failure dialog and the running app share it, so a single writer keeps the
 * file's size bound and rotation.
 */
const appLoggers = new Map<string, { logger: Logger; file: LogFile }>();
export function createAppLogger(dataDir: string, consoleSink: Pick<Console, 'log' | 'warn' | 'error'> = console): { logger: Logger; file: LogFile } {
  const known = appLoggers.get(dataDir);
  if (known && consoleSink === console) return known;
  const file = createLogFile(logFilePath(dataDir));
  const both = {
    log: (line: string) => (consoleSink.log(line), file.log(line)),
    warn: (line: string) => (consoleSink.warn(line), file.warn(line)),
    error: (line: string) => (consoleSink.error(line), file.error(line)),
  };
  const made = { logger: createConsoleLogger(both), file };
  if (consoleSink === console) appLoggers.set(dataDir, made);
  return made;
}

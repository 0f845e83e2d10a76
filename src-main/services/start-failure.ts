/**
 * A start that fails says why. When the main process cannot start (a settings file written by a
 * newer Mailwright, a file in the data folder it may not read, a data folder it may not write, or
 * anything else), the person gets a dialog in plain words naming the folder and the file, and
 * choices: open the folder, start with the damaged file set aside (kept, never deleted), try again,
 * or quit. Before this, the app quit silently on every launch.
 *
 * Decisions and words live here, without Electron, so they are tested under Node;
 * src-main/electron/start-dialog.ts only shows the dialog and opens the folder.
 *
 * Damage the stores can repair on their own (a settings or secrets file that does not parse, or of
 * the wrong shape) is still set aside by them and told as a notice inside the app
 * (settings-store.ts checkSettingsFile, secrets.ts checkSecretsFile): what reaches this module is
 * what they cannot decide alone.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { basename, relative, sep } from 'node:path';
import { setAsideSync } from './data-notices';
import type { Logger } from './logger';

export type StartFailureKind = 'not-json' | 'schema' | 'newer-version' | 'unreadable-file' | 'unwritable-folder' | 'unknown';

export interface StartFailure {
  kind: StartFailureKind;
  /** The data folder. */
  folder: string;
  /** Absolute path of the file at fault, when one is. */
  file?: string | undefined;
  /** newer-version: the version that wrote the file. */
  writtenBy?: string | undefined;
}

/** Thrown by a store that finds a file it must not decide about alone (e.g. written by a newer version). */
export class StartFailureError extends Error {
  constructor(readonly failure: Omit<StartFailure, 'folder'>) {
    super(`start failed: ${failure.kind}${failure.file ? ` (${basename(failure.file)})` : ''}`);
    this.name = 'StartFailureError';
  }
}

/** Errors of the file system that mean "may not read or write here" or "no room". */
const ACCESS_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'ENOTDIR', 'EISDIR', 'EEXIST']);

const canRead = (path: string) => {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
};

/** What went wrong, from the error start() threw. Looks at the file system to tell "cannot read the file" from "cannot write the folder". */
export function diagnoseStartFailure(error: unknown, folder: string): StartFailure {
  if (error instanceof StartFailureError) return { ...error.failure, folder };
  const errno = error as NodeJS.ErrnoException | undefined;
  if (errno && typeof errno.code === 'string' && ACCESS_CODES.has(errno.code)) {
    const path = typeof errno.path === 'string' ? errno.path : undefined;
    if (path && existsSync(path) && !isFolder(path) && !canRead(path)) return { kind: 'unreadable-file', folder, file: path };
    return { kind: 'unwritable-folder', folder, file: path };
  }
  if (error instanceof Error && /Config schema violation/.test(error.message)) return { kind: 'schema', folder };
  if (error instanceof SyntaxError) return { kind: 'not-json', folder };
  return { kind: 'unknown', folder };
}

const isFolder = (path: string) => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

export type StartChoiceAction = 'open-folder' | 'set-aside' | 'retry' | 'quit';

export interface StartDialog {
  title: string;
  message: string;
  detail: string;
  choices: Array<{ label: string; action: StartChoiceAction }>;
  /** Index of the choice Enter picks, and of the one closing the dialog picks (always quit). */
  defaultId: number;
  cancelId: number;
}

/** The file's name as the person finds it in the data folder. */
const inFolder = (folder: string, file: string) => {
  const rel = relative(folder, file);
  return rel && !rel.startsWith('..') ? rel.split(sep).join('/') : file;
};

/** The dialog for a failure: title, message (names the folder and the file), detail (names the log file), choices. */
export function startFailureDialog(failure: StartFailure, logFile?: string): StartDialog {
  const { folder } = failure;
  const file = failure.file ? inFolder(folder, failure.file) : undefined;
  const fileName = file ? `“${file}”` : 'a file';
  const what = {
    'not-json': `Mailwright could not start because ${fileName} in its data folder is damaged and could not be read.`,
    schema: `Mailwright could not start because ${fileName} in its data folder contains something it does not understand (it may have been edited by hand).`,
    'newer-version': `Your settings file ${fileName} was written by a newer version of Mailwright${failure.writtenBy ? ` (${failure.writtenBy})` : ''}, and this version might lose what it does not understand.`,
    'unreadable-file': `Mailwright could not start because it is not allowed to read ${fileName} in its data folder.`,
    'unwritable-folder': `Mailwright could not start because it cannot write to its data folder${file && file !== folder ? ` (at ${fileName})` : ''}. The disk may be full or read-only, or the folder belongs to another user.`,
    unknown: 'Mailwright could not start because of an unexpected problem.',
  }[failure.kind];
  const canSetAside = failure.file !== undefined && ['not-json', 'schema', 'newer-version', 'unreadable-file'].includes(failure.kind);
  const advice = {
    'newer-version': 'To keep using that file, quit and open the newer version. Or start this version with the file set aside: it is renamed and kept in the folder, and Mailwright starts without your accounts.',
    'unreadable-file': 'Check who owns the file and its permissions, or start with the file set aside: it is renamed and kept in the folder, and Mailwright starts without what it held.',
    'unwritable-folder': 'Check that the disk has free space and that the folder belongs to you, then try again.',
    unknown: 'Try again. If it keeps happening, send the log file to support.',
  } as Partial<Record<StartFailureKind, string>>;
  const message = `${what}\n\nData folder: ${folder}`;
  const detail = [
    advice[failure.kind] ?? 'You can start with the damaged file set aside: it is renamed and kept in the folder, nothing is deleted, and Mailwright starts with default settings.',
    'Your mail, drafts and outbox stay where they are.',
    logFile ? `Details are in the log file: ${logFile}` : null,
  ]
    .filter((line): line is string => line !== null)
    .join('\n\n');
  const choices: StartDialog['choices'] = [
    ...(canSetAside ? [{ label: 'Start with the File Set Aside', action: 'set-aside' as const }] : [{ label: 'Try Again', action: 'retry' as const }]),
    { label: 'Open the Data Folder', action: 'open-folder' },
    { label: 'Quit', action: 'quit' },
  ];
  return { title: 'Mailwright could not start', message, detail, choices, defaultId: 0, cancelId: choices.length - 1 };
}

/** What to do after a choice: start again, show the dialog again (after opening the folder), or quit. */
export type StartChoiceOutcome = 'retry' | 'ask-again' | 'quit';

/**
 * Carries out a choice. "Set aside" renames the file next to itself (`<name>.damaged-<time>`, the one
 * rule of data-notices.ts) and starts again, so the store finds no file and starts from defaults.
 */
export interface StartChoiceDeps {
  openFolder: (folder: string) => void;
  logger: Logger;
  /** Renames a file aside and returns where it went (tests put a failing one here). */
  setAside?: (path: string) => string;
}

export function applyStartChoice(action: StartChoiceAction, failure: StartFailure, deps: StartChoiceDeps): StartChoiceOutcome {
  switch (action) {
    case 'open-folder':
      deps.openFolder(failure.folder);
      return 'ask-again';
    case 'set-aside': {
      if (!failure.file || !existsSync(failure.file)) return 'retry';
      const keptAt = (deps.setAside ?? setAsideSync)(failure.file);
      deps.logger.warn('start: file set aside at the person’s choice', { file: inFolder(failure.folder, failure.file), keptAs: inFolder(failure.folder, keptAt) });
      return 'retry';
    }
    case 'retry':
      return 'retry';
    case 'quit':
      return 'quit';
  }
}

/**
 * Runs `start`; when it fails, logs why, asks, and acts on the answer until it starts or the person
 * quits. Bounded: after `maxAttempts` failed starts the only way on is to quit. Resolves true when
 * started, false when the person chose to quit or the dialog itself failed; never rejects, so the
 * app never waits for ever without a window.
 */
export async function startWithRecovery(
  options: StartChoiceDeps & {
    start: () => Promise<void>;
    folder: string;
    logFile?: string | undefined;
    ask: (dialog: StartDialog) => Promise<number>;
    maxAttempts?: number;
  },
): Promise<boolean> {
  const maxAttempts = options.maxAttempts ?? 5;
  const { logger } = options;
  const diagnose = (message: string, error: unknown) => {
    const failure = diagnoseStartFailure(error, options.folder);
    logger.error(message, { kind: failure.kind, file: failure.file, error });
    return failure;
  };
  try {
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      let failure: StartFailure;
      try {
        await options.start();
        return true;
      } catch (error) {
        failure = diagnose('mailwright: could not start', error);
      }
      let outcome: StartChoiceOutcome = 'ask-again';
      for (let asked = 0; outcome === 'ask-again' && asked < 10; asked++) {
        const dialog = startFailureDialog(failure, options.logFile);
        const picked = dialog.choices[await options.ask(dialog)] ?? dialog.choices[dialog.cancelId]!;
        try {
          outcome = applyStartChoice(picked.action, failure, options);
        } catch (error) {
          // The file could not be set aside (the folder is not writable): say that instead.
          failure = diagnose('start: the chosen action failed', error);
        }
      }
      if (outcome !== 'retry') return false;
    }
  } catch (error) {
    logger.error('mailwright: the start dialog failed', { error });
  }
  return false;
}

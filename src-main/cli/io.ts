/** What a command may use of the outside world; the entry point gives the process's, tests their own. */
import { readFile } from 'node:fs/promises';
import type { AppError } from '../../shared/result';
// The words the app shows for each error code (one table; the renderer's and the command line's).
import { enhancedStatusText, explain } from '../../shared/error-text';
import type { ExitCode } from './exit-codes';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  /** The message body when no --body-file is given. */
  readStdin(): Promise<string>;
  /** Asks on the terminal with echo off; undefined when there is no terminal to ask on. */
  askPassword(prompt: string): Promise<string | undefined>;
  /** Resolves on Ctrl-C (the sandbox runs until then); only called by commands that run until stopped. */
  untilInterrupted(): Promise<void>;
}

/** A failure the command explains in words and ends with `exit`. */
export class CliFailure extends Error {
  constructor(
    readonly exit: ExitCode,
    message: string,
    readonly error?: AppError,
  ) {
    super(message);
    this.name = 'CliFailure';
  }
}

/** An error code in the app's words: title, advice, and the server's own reply when there is one. */
export function errorWords(error: AppError, protocol?: 'smtp' | 'imap' | 'pop3'): { title: string; advice: string; serverReply?: string; status?: string } {
  const { title, advice } = explain(error, protocol);
  const status = enhancedStatusText(error.detail?.enhancedStatus) ?? undefined;
  return { title, advice, ...(error.detail?.serverReply ? { serverReply: error.detail.serverReply } : {}), ...(status ? { status } : {}) };
}

export function errorLines(error: AppError, protocol?: 'smtp' | 'imap' | 'pop3', indent = ''): string[] {
  const words = errorWords(error, protocol);
  return [`${indent}${words.title}`, `${indent}${words.advice}`, ...(words.serverReply ? [`${indent}The server said: ${words.serverReply}`] : []), ...(words.status ? [`${indent}(${words.status})`] : [])];
}

/** PEM files given with --ca. */
export async function readCaFiles(files: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      throw new CliFailure(2, `--ca ${file}: the file cannot be read`);
    }
    if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new CliFailure(2, `--ca ${file}: not a PEM certificate`);
    out.push(text);
  }
  return out;
}

/**
 * Compose windows: each message is written in a window of its own (several at once, each with its draft).
 * The window that asks for one (New message, Reply, Undo, Edit from the outbox, a mailto: link, a saved draft)
 * hands main what to start with; main keeps it under a one-time token and opens a window that names the
 * token in its address (#compose=<token>), and the new window takes it once (compose:take). A reload or a
 * forged token gets nothing and starts an empty message. The token also names the window when it asks to
 * be closed (after Send, or Escape).
 *
 * No Electron here: src-main/electron/ creates the window, the test bridge opens a page.
 */
import { randomUUID } from 'node:crypto';
import type { ComposeOpening } from '../../shared/outbox';
import type { Logger } from './logger';

/** Openings not yet taken; older ones go past this (a window that never loaded must not keep a draft forever). */
const MAX_WAITING = 20;

export interface ComposeWindowHost {
  /** Opens a window showing the renderer at #compose=<token>. */
  open(token: string): void;
  /** Closes the window opened for that token (nothing when it is already closed). */
  close(token: string): void;
}

export interface ComposeWindows {
  /** Keeps the opening and asks the host for a window; answers the window's token. */
  open(opening: ComposeOpening): string;
  /** What the window was opened with, given out once; null for an unknown or already taken token. */
  take(token: string): ComposeOpening | null;
  /** The window is done (sent, or closed by the person): close it. Only tokens main gave out. */
  close(token: string): boolean;
}

export function createComposeWindows(deps: { host: ComposeWindowHost; logger: Logger }): ComposeWindows {
  const waiting = new Map<string, ComposeOpening>();
  /** Every token given out in this run whose window has not been closed through us. */
  const open = new Set<string>();
  return {
    open(opening) {
      const token = randomUUID();
      waiting.set(token, opening);
      open.add(token);
      while (waiting.size > MAX_WAITING) waiting.delete(waiting.keys().next().value as string);
      // Never the draft in the log: it carries addresses and message text.
      deps.logger.info('compose window opened', { draft: Boolean(opening.draft), saved: Boolean(opening.draftId) });
      deps.host.open(token);
      return token;
    },
    take(token) {
      const opening = waiting.get(token) ?? null;
      waiting.delete(token);
      return opening;
    },
    close(token) {
      if (!open.delete(token)) return false;
      waiting.delete(token);
      deps.host.close(token);
      return true;
    },
  };
}

/**
 * mailto: links the system hands to the app (a link clicked in a browser, `mailwright mailto:...`): parsed by
 * shared/mailto.ts and told to the window as a prefilled message, or as a notice in words when refused.
 *
 * Each link is kept until a window takes it (compose:takeMailto), and the compose:mailto event says one
 * arrived: a link handed over at first start comes before the window is listening, and must not be lost.
 * No Electron here: src-main/electron/mailto-glue.ts collects the URLs from open-url, argv and second-instance.
 */
import { randomUUID } from 'node:crypto';
import { parseMailto, type MailtoOpened } from '../../shared/mailto';
import type { Emit } from '../ipc/handlers';
import type { Logger } from './logger';

/** Links not yet taken by a window; older ones are dropped past this (a page opening links in a loop). */
const MAX_WAITING = 20;

export interface MailtoInbox {
  /** Parses a raw URL and tells the window (event), keeping it until taken. */
  open(url: string): MailtoOpened;
  /** The links no window has taken yet, oldest first; each is given out once. */
  take(): MailtoOpened[];
}

export function createMailtoInbox(deps: { emit: Emit; logger: Logger }): MailtoInbox {
  const waiting: MailtoOpened[] = [];
  return {
    open(url) {
      const result = parseMailto(url);
      const opened: MailtoOpened = result.ok
        ? { kind: 'draft', id: randomUUID(), draft: result.draft, warnings: result.warnings }
        : { kind: 'refused', id: randomUUID(), reason: result.reason };
      // Never the link itself in the log: it carries addresses and message text.
      if (opened.kind === 'refused') deps.logger.warn('mailto link refused', { reason: opened.reason });
      else deps.logger.info('mailto link opened', { warnings: opened.warnings.length });
      waiting.push(opened);
      if (waiting.length > MAX_WAITING) waiting.splice(0, waiting.length - MAX_WAITING);
      deps.emit('compose:mailto', opened);
      return opened;
    },
    take: () => waiting.splice(0),
  };
}

/** The mailto: links in a command line (first start, or a second instance's argv on Windows and Linux). */
export function mailtoArgs(argv: readonly string[]): string[] {
  return argv.filter((arg) => typeof arg === 'string' && /^mailto:/i.test(arg)).slice(0, MAX_WAITING);
}

/**
 * Holds the URLs the system hands over before the back end exists (macOS sends open-url before "ready";
 * argv is read at start), then passes each one on as it comes.
 */
export function createMailtoQueue(): { push(url: string): void; deliverTo(open: (url: string) => void): void } {
  const early: string[] = [];
  let sink: ((url: string) => void) | null = null;
  return {
    push(url) {
      if (sink) return sink(url);
      early.push(url);
      if (early.length > MAX_WAITING) early.shift();
    },
    deliverTo(open) {
      sink = open;
      for (const url of early.splice(0)) open(url);
    },
  };
}

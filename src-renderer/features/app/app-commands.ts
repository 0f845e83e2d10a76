import type { AppCommand } from '../../../shared/channels';

/**
 * What a command of the application menu does in the window, decided from the view on screen.
 * Send, Reply, Reply all and Forward press the very button the person would press (so they run
 * the same checks and show the same errors); where that button is not on screen they do nothing.
 */
export type CommandAction =
  /** A fresh, empty compose. */
  | { kind: 'new-message' }
  /** Press the button marked data-command="…", if it is on screen and enabled. */
  | { kind: 'press'; target: AppCommand }
  /** Show the Mail view first, then press its button. */
  | { kind: 'show-then-press'; view: 'mail'; target: AppCommand }
  | { kind: 'nothing' };

export function commandAction(command: AppCommand, view: string): CommandAction {
  switch (command) {
    case 'new-message':
      return { kind: 'new-message' };
    case 'check-mail':
      return view === 'mail' ? { kind: 'press', target: command } : { kind: 'show-then-press', view: 'mail', target: command };
    case 'send':
      return view === 'compose' ? { kind: 'press', target: command } : { kind: 'nothing' };
    case 'reply':
    case 'reply-all':
    case 'forward':
      return view === 'mail' ? { kind: 'press', target: command } : { kind: 'nothing' };
  }
}

/** The selector of the button a command presses. */
export const commandSelector = (command: AppCommand) => `[data-command="${command}"]`;

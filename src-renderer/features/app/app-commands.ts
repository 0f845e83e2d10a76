import type { AppCommand } from '../../../shared/channels';

/**
 * What a command of the application menu does in the window, decided from the view on screen.
 * Send, Reply, Reply all, Forward, Next/Previous message and Delete press the very button the person
 * would press (so they run the same checks and show the same errors); where that button is not on
 * screen they do nothing. Search focuses the Mail view's search field.
 */
export type CommandAction =
  /** A fresh, empty compose. */
  | { kind: 'new-message' }
  /** Press the button marked data-command="…", if it is on screen and enabled. */
  | { kind: 'press'; target: AppCommand }
  /** Show the Mail view first, then press its button. */
  | { kind: 'show-then-press'; view: 'mail'; target: AppCommand }
  /** Show a view. */
  | { kind: 'show'; view: 'outbox' }
  | { kind: 'nothing' };

export function commandAction(command: AppCommand, view: string): CommandAction {
  switch (command) {
    case 'new-message':
      return { kind: 'new-message' };
    // Search: the Mail view's search field gets focus (a press of a field focuses it).
    case 'check-mail':
    case 'search':
      return view === 'mail' ? { kind: 'press', target: command } : { kind: 'show-then-press', view: 'mail', target: command };
    case 'send':
      return view === 'compose' ? { kind: 'press', target: command } : { kind: 'nothing' };
    // Delete: the message open in the Mail view (in the Trash, its button asks before deleting for good).
    case 'reply':
    case 'reply-all':
    case 'forward':
    case 'next-message':
    case 'previous-message':
    case 'delete':
      return view === 'mail' ? { kind: 'press', target: command } : { kind: 'nothing' };
    case 'show-outbox':
      return { kind: 'show', view: 'outbox' };
  }
}

/** The selector of the button a command presses. */
export const commandSelector = (command: AppCommand) => `[data-command="${command}"]`;

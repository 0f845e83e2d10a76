/**
 * The keys of the window's commands, in one place: the application menu shows and registers them
 * (src-main/electron/menu-template.ts), and the renderer handles the same keys itself
 * (src-renderer/features/app/keys.ts), so they also work where there is no menu (the test bridge).
 * When the renderer acts on a key it calls preventDefault, which keeps Electron from also running
 * the menu item (menu accelerators run only for key events the page left unhandled), the way
 * Ctrl+Enter in the compose form already works.
 */
import type { AppCommand } from './channels';

export interface Shortcut {
  /** In Electron's accelerator syntax. */
  accelerator: string;
  /**
   * A key that edits text (Delete): it acts only when focus is not in a text field, so the menu shows
   * it without registering it (registerAccelerator: false) and the renderer alone handles it.
   */
  outsideTextFields?: boolean;
}

export const SHORTCUTS: Record<AppCommand, Shortcut> = {
  'new-message': { accelerator: 'CmdOrCtrl+N' },
  'check-mail': { accelerator: 'CmdOrCtrl+Shift+N' },
  send: { accelerator: 'CmdOrCtrl+Enter' },
  reply: { accelerator: 'CmdOrCtrl+R' },
  'reply-all': { accelerator: 'CmdOrCtrl+Shift+R' },
  forward: { accelerator: 'CmdOrCtrl+L' },
  // Thunderbird's search key; Ctrl+F stays the browser's find-in-page where it exists.
  search: { accelerator: 'CmdOrCtrl+K' },
  'next-message': { accelerator: 'CmdOrCtrl+]' },
  'previous-message': { accelerator: 'CmdOrCtrl+[' },
  delete: { accelerator: 'Delete', outsideTextFields: true },
  'show-outbox': { accelerator: 'CmdOrCtrl+Shift+O' },
};

/** The parts of a key event a shortcut is matched on. */
export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/** Whether a key press is the accelerator: the same key and exactly its modifiers (CmdOrCtrl is Cmd on macOS, Ctrl elsewhere). */
export function matchesAccelerator(accelerator: string, press: KeyPress, mac: boolean): boolean {
  const parts = accelerator.split('+');
  const key = parts.pop()!.toLowerCase();
  const mods = new Set(parts.map((p) => p.toLowerCase()));
  const cmdOrCtrl = mods.has('cmdorctrl') || mods.has('commandorcontrol');
  const wantCtrl = mods.has('ctrl') || mods.has('control') || (cmdOrCtrl && !mac);
  const wantMeta = mods.has('cmd') || mods.has('command') || (cmdOrCtrl && mac);
  return (
    press.key.toLowerCase() === key &&
    press.ctrlKey === wantCtrl &&
    press.metaKey === wantMeta &&
    press.shiftKey === mods.has('shift') &&
    press.altKey === (mods.has('alt') || mods.has('option'))
  );
}

/** The command a key press stands for, if any. `inTextField`: focus is where typing goes. */
export function commandForKey(press: KeyPress, options: { mac: boolean; inTextField: boolean }): AppCommand | null {
  for (const [command, shortcut] of Object.entries(SHORTCUTS) as [AppCommand, Shortcut][]) {
    if (shortcut.outsideTextFields && options.inTextField) continue;
    if (matchesAccelerator(shortcut.accelerator, press, options.mac)) return command;
  }
  return null;
}

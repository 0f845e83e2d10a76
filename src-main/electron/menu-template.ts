/**
 * The application menu as plain data, so tests can check it without Electron. (This file imports
 * nothing from electron on purpose; menu.ts turns it into a Menu and wires the clicks.)
 *
 * It replaces Electron's default menu, which offers Reload on Ctrl+R (a reload drops a half-typed
 * message, and Ctrl+R is Reply here), DevTools in the shipped app, and links to electronjs.org.
 */
import type { AppCommand } from '../../shared/channels';
import { SHORTCUTS } from '../../shared/shortcuts';

/** What main does itself when an item is chosen; renderer commands travel as the 'app:command' event. */
export type MainCommand = 'about' | 'show-data-folder' | 'copy-diagnostics';

/** The subset of Electron's role names the menu uses (they carry their own accelerators and words). */
export type MenuRole =
  | 'about'
  | 'services'
  | 'hide'
  | 'hideOthers'
  | 'unhide'
  | 'quit'
  | 'undo'
  | 'redo'
  | 'cut'
  | 'copy'
  | 'paste'
  | 'selectAll'
  | 'resetZoom'
  | 'zoomIn'
  | 'zoomOut'
  | 'togglefullscreen'
  | 'reload'
  | 'toggleDevTools'
  | 'minimize'
  | 'zoom'
  | 'close'
  | 'front'
  | 'fileMenu'
  | 'editMenu'
  | 'viewMenu'
  | 'windowMenu'
  | 'help';

/** Mirrors the parts of Electron's MenuItemConstructorOptions that the menu uses. */
export interface MenuItemSpec {
  label?: string;
  role?: MenuRole;
  type?: 'separator' | 'submenu' | 'normal';
  accelerator?: string;
  /** false: the key is shown beside the item but left to the page (a key that also edits text, like Delete). */
  registerAccelerator?: boolean;
  /** An action for the renderer (sent as the 'app:command' event) or for main itself. */
  command?: { to: 'renderer'; name: AppCommand } | { to: 'main'; name: MainCommand };
  enabled?: boolean;
  submenu?: MenuItemSpec[];
}

export interface MenuOptions {
  platform: string;
  appName: string;
  version: string;
  dataDir: string;
  isPackaged: boolean;
}

const separator: MenuItemSpec = { type: 'separator' };

export function menuTemplate(options: MenuOptions): MenuItemSpec[] {
  const mac = options.platform === 'darwin';
  const renderer = (name: AppCommand): MenuItemSpec['command'] => ({ to: 'renderer', name });
  const main = (name: MainCommand): MenuItemSpec['command'] => ({ to: 'main', name });
  /** An item for a window command, with its key from shared/shortcuts.ts (the renderer handles the same keys). */
  const windowItem = (label: string, name: AppCommand): MenuItemSpec => {
    const shortcut = SHORTCUTS[name];
    return { label, accelerator: shortcut.accelerator, ...(shortcut.outsideTextFields ? { registerAccelerator: false } : {}), command: renderer(name) };
  };

  const appMenu: MenuItemSpec = {
    label: options.appName,
    submenu: [
      { role: 'about' },
      separator,
      { role: 'services' },
      separator,
      { role: 'hide' },
      { role: 'hideOthers' },
      { role: 'unhide' },
      separator,
      { role: 'quit' },
    ],
  };

  const file: MenuItemSpec = {
    label: 'File',
    submenu: [
      windowItem('New Message', 'new-message'),
      windowItem('Check Mail', 'check-mail'),
      separator,
      // The close role closes the focused window on every platform (its accelerator: CmdOrCtrl+W).
      { role: 'close', label: 'Close Window' },
      // On macOS Quit lives in the app menu.
      ...(mac ? [] : [separator, { role: 'quit', label: 'Quit' } as MenuItemSpec]),
    ],
  };

  const edit: MenuItemSpec = {
    label: 'Edit',
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      separator,
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      separator,
      { role: 'selectAll' },
      separator,
      windowItem('Search Messages', 'search'),
    ],
  };

  const view: MenuItemSpec = {
    label: 'View',
    submenu: [
      windowItem('Outbox', 'show-outbox'),
      windowItem('Next Message', 'next-message'),
      windowItem('Previous Message', 'previous-message'),
      separator,
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      separator,
      { role: 'togglefullscreen' },
      // Only while developing: a reload loses unsaved input, DevTools have no place in the shipped app.
      ...(options.isPackaged ? [] : [separator, { role: 'reload', accelerator: 'Alt+CmdOrCtrl+R' } as MenuItemSpec, { role: 'toggleDevTools' } as MenuItemSpec]),
    ],
  };

  const message: MenuItemSpec = {
    label: 'Message',
    submenu: [
      windowItem('Send', 'send'),
      separator,
      windowItem('Reply', 'reply'),
      windowItem('Reply All', 'reply-all'),
      windowItem('Forward', 'forward'),
      separator,
      windowItem('Delete Message', 'delete'),
    ],
  };

  const window: MenuItemSpec = {
    label: 'Window',
    // Close is File > Close Window (one item per accelerator); macOS adds Zoom and Bring All to Front.
    submenu: [{ role: 'minimize' }, ...(mac ? [{ role: 'zoom' } as MenuItemSpec, separator, { role: 'front' } as MenuItemSpec] : [])],
  };

  const help: MenuItemSpec = {
    label: 'Help',
    // The role makes macOS add its search field; the items are ours (the default ones link to electronjs.org).
    role: 'help',
    submenu: [
      { label: `About ${options.appName} ${options.version}`, accelerator: 'F1', command: main('about') },
      { label: 'Show Data Folder', accelerator: 'CmdOrCtrl+Shift+D', command: main('show-data-folder') },
      { label: 'Copy Diagnostics', accelerator: 'CmdOrCtrl+Alt+Shift+D', command: main('copy-diagnostics') },
    ],
  };

  return [...(mac ? [appMenu] : []), file, edit, view, message, window, help];
}

/** Every item of the menu, depth first (for checks and for finding an item by command). */
export function menuItems(template: readonly MenuItemSpec[]): MenuItemSpec[] {
  return template.flatMap((item) => [item, ...menuItems(item.submenu ?? [])]);
}

/** The lines of "Copy diagnostics": versions and the data folder, nothing about accounts or mail. */
export function diagnosticsText(info: { appName: string; version: string; platform: string; arch: string; osRelease: string; versions: Record<string, string | undefined>; dataDir: string; isPackaged: boolean }): string {
  return [
    `${info.appName} ${info.version}${info.isPackaged ? '' : ' (development build)'}`,
    `Platform: ${info.platform} ${info.arch} ${info.osRelease}`,
    `Electron: ${info.versions.electron ?? 'unknown'}`,
    `Chrome: ${info.versions.chrome ?? 'unknown'}`,
    `Node: ${info.versions.node ?? 'unknown'}`,
    `Data folder: ${info.dataDir}`,
  ].join('\n');
}

/**
 * The application menu as plain data, so tests can check it without Electron. (This file imports
 * nothing from electron on purpose; menu.ts turns it into a Menu and wires the clicks.)
 *
 * It replaces Electron's default menu, which offers Reload on Ctrl+R (a reload drops a half-typed
 * message, and Ctrl+R is Reply here), DevTools in the shipped app, and links to electronjs.org.
 */
import type { AppCommand } from '../../shared/channels';

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
      { label: 'New Message', accelerator: 'CmdOrCtrl+N', command: renderer('new-message') },
      { label: 'Check Mail', accelerator: 'CmdOrCtrl+Shift+N', command: renderer('check-mail') },
      separator,
      // The close role closes the focused window on every platform (its accelerator: CmdOrCtrl+W).
      { role: 'close', label: 'Close Window' },
      // On macOS Quit lives in the app menu.
      ...(mac ? [] : [separator, { role: 'quit', label: 'Quit' } as MenuItemSpec]),
    ],
  };

  const edit: MenuItemSpec = {
    label: 'Edit',
    submenu: [{ role: 'undo' }, { role: 'redo' }, separator, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, separator, { role: 'selectAll' }],
  };

  const view: MenuItemSpec = {
    label: 'View',
    submenu: [
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
      { label: 'Send', accelerator: 'CmdOrCtrl+Enter', command: renderer('send') },
      separator,
      { label: 'Reply', accelerator: 'CmdOrCtrl+R', command: renderer('reply') },
      { label: 'Reply All', accelerator: 'CmdOrCtrl+Shift+R', command: renderer('reply-all') },
      { label: 'Forward', accelerator: 'CmdOrCtrl+L', command: renderer('forward') },
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

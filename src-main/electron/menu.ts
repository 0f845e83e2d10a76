import { release } from 'node:os';
import { app, BrowserWindow, clipboard, dialog, Menu, shell, type MenuItemConstructorOptions } from 'electron';
import type { AppCommand } from '../../shared/channels';
import { diagnosticsText, menuTemplate, type MainCommand, type MenuItemSpec } from './menu-template';

/**
 * Sets Mailwright's application menu (menu-template.ts) in place of Electron's default one.
 * `sendCommand` hands a renderer command to the focused window; with no window open (macOS keeps
 * running without one) `openWindow` opens one instead, which starts in Compose.
 */
export function installAppMenu(options: { dataDir: string; sendCommand: (window: BrowserWindow, command: AppCommand) => void; openWindow: () => void }): void {
  const appName = app.getName();
  const version = app.getVersion();
  const diagnostics = () =>
    diagnosticsText({
      appName,
      version,
      platform: process.platform,
      arch: process.arch,
      osRelease: release(),
      versions: process.versions,
      dataDir: options.dataDir,
      isPackaged: app.isPackaged,
    });

  const runMain = (command: MainCommand, window: BrowserWindow | undefined) => {
    if (command === 'show-data-folder') {
      void shell.openPath(options.dataDir);
    } else if (command === 'copy-diagnostics') {
      clipboard.writeText(diagnostics());
    } else {
      const box: Electron.MessageBoxOptions = { type: 'info', title: `About ${appName}`, message: `${appName} ${version}`, detail: diagnostics(), buttons: ['OK'] };
      void (window ? dialog.showMessageBox(window, box) : dialog.showMessageBox(box));
    }
  };

  const toElectron = (item: MenuItemSpec): MenuItemConstructorOptions => {
    const { command, submenu, ...rest } = item;
    const built: MenuItemConstructorOptions = { ...rest };
    if (submenu) built.submenu = submenu.map(toElectron);
    if (command) {
      built.click = (_item, base) => {
        const window = base instanceof BrowserWindow ? base : (BrowserWindow.getFocusedWindow() ?? undefined);
        if (command.to === 'main') runMain(command.name, window);
        else if (window) options.sendCommand(window, command.name);
        else options.openWindow();
      };
    }
    return built;
  };

  const template = menuTemplate({ platform: process.platform, appName, version, dataDir: options.dataDir, isPackaged: app.isPackaged });
  Menu.setApplicationMenu(Menu.buildFromTemplate(template.map(toElectron)));
}

import { join } from 'node:path';
import { app, BrowserWindow, dialog, Notification, powerMonitor, shell } from 'electron';

/** The system's "choose files to attach" dialog, attached to the focused window. */
export async function pickFiles(): Promise<string[]> {
  const window = BrowserWindow.getFocusedWindow();
  const options: Electron.OpenDialogOptions = { title: 'Attach files', buttonLabel: 'Attach', properties: ['openFile', 'multiSelections'] };
  const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
  return result.canceled ? [] : result.filePaths;
}

/** Shown notifications, held until closed or clicked: a notification that is garbage-collected no longer reports its click. */
const shown = new Set<Notification>();

/**
 * A desktop notification, where the system supports them. A click brings the main window (not a
 * compose window) to the front, then runs `onClick`, which tells the
 * renderer what to open (the backend decides what, in plain Node: services/desktop-notices.ts).
 */
export function notify(notice: { title: string; body: string }, onClick: () => void): void {
  if (!Notification.isSupported()) return;
  const notification = new Notification({ title: notice.title, body: notice.body });
  shown.add(notification);
  notification.on('close', () => shown.delete(notification));
  notification.on('click', () => {
    shown.delete(notification);
    // The main window (a compose window's address names its token: #compose=…), the oldest if ever two.
    const [main] = BrowserWindow.getAllWindows()
      .filter((w) => !w.isDestroyed() && !w.webContents.getURL().includes('#compose='))
      .sort((a, b) => a.webContents.id - b.webContents.id);
    if (main) {
      if (main.isMinimized()) main.restore();
      main.show();
      main.focus();
    }
    onClick();
  });
  notification.show();
}

/** The system's "save as" dialog (an attachment unless the title says otherwise); null when cancelled. */
export async function saveFile(suggestedName: string, title = 'Save attachment'): Promise<string | null> {
  const window = BrowserWindow.getFocusedWindow();
  const options: Electron.SaveDialogOptions = { title, defaultPath: join(app.getPath('downloads'), suggestedName), buttonLabel: 'Save' };
  const result = window ? await dialog.showSaveDialog(window, options) : await dialog.showSaveDialog(options);
  return result.canceled || !result.filePath ? null : result.filePath;
}

/** Opens an http(s) link in the person's browser (the renderer showed them the real target first). */
export async function openExternal(url: string): Promise<void> {
  await shell.openExternal(url);
}

/** After the system wakes up or unlocks, connections that may have died silently are made again. */
export function onWake(listener: () => void): void {
  powerMonitor.on('resume', listener);
  powerMonitor.on('unlock-screen', listener);
}

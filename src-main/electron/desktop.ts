import { join } from 'node:path';
import { app, BrowserWindow, dialog, Notification, powerMonitor, shell } from 'electron';

/** The system's "choose files to attach" dialog, attached to the focused window. */
export async function pickFiles(): Promise<string[]> {
  const window = BrowserWindow.getFocusedWindow();
  const options: Electron.OpenDialogOptions = { title: 'Attach files', buttonLabel: 'Attach', properties: ['openFile', 'multiSelections'] };
  const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
  return result.canceled ? [] : result.filePaths;
}

/** A desktop notification, where the system supports them. */
export function notify(title: string, body: string): void {
  if (Notification.isSupported()) new Notification({ title, body }).show();
}

/** The system's "save as" dialog for an attachment; null when cancelled. */
export async function saveFile(suggestedName: string): Promise<string | null> {
  const window = BrowserWindow.getFocusedWindow();
  const options: Electron.SaveDialogOptions = { title: 'Save attachment', defaultPath: join(app.getPath('downloads'), suggestedName), buttonLabel: 'Save' };
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

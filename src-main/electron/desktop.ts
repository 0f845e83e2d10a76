import { BrowserWindow, dialog, Notification } from 'electron';

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

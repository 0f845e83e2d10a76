import { join } from 'node:path';
import { app, BrowserWindow, session } from 'electron';
import { EVENT_NAMES, type EventName, type EventPayloadOf } from '../../shared/ipc';
import { APP_ORIGIN } from './policy';
import { registerAppScheme, serveRenderer } from './renderer-assets';
import { startExplained } from './start-dialog';
import { createMainWindow, lockDown } from './window';

export interface AppEnvironment {
  version: string;
  platform: string;
  userData: string;
  /** Where files shipped beside the app live (electron-builder's extraResources; the project folder when not packaged). */
  resourcesDir: string;
  packaged: boolean;
  /** The origin the renderer is served from: app://mailwright, or the dev server in `npm run dev`. */
  rendererOrigin: string;
  contentsIds: () => number[];
  broadcast: <E extends EventName>(event: E, payload: EventPayloadOf<E>) => void;
  /** Runs before the app quits (e.g. let the outbox settle an in-flight send). */
  onQuit: (cleanup: () => Promise<void>) => void;
}

/**
 * The app's life cycle: single instance, the app:// scheme, security defaults for every web
 * contents, one main window. `start` gets the environment once Electron is ready.
 */
export function runApp(start: (env: AppEnvironment) => Promise<void>): void {
  if (process.env.MAILWRIGHT_USER_DATA) app.setPath('userData', process.env.MAILWRIGHT_USER_DATA);
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  registerAppScheme();
  const devUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
  const rendererOrigin = devUrl ? new URL(devUrl).origin : APP_ORIGIN;
  const rendererUrl = devUrl ?? `${APP_ORIGIN}/index.html`;
  let mainWindow: BrowserWindow | null = null;

  const openWindow = () => {
    mainWindow = createMainWindow({ preloadDir: join(import.meta.dirname, '../preload'), url: rendererUrl, appOrigin: rendererOrigin });
    mainWindow.on('closed', () => (mainWindow = null));
  };

  app.on('web-contents-created', (_event, contents) => lockDown(contents, rendererOrigin));
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openWindow();
  });

  void app.whenReady().then(() => {
    session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
    serveRenderer(join(import.meta.dirname, '../renderer'));
    let cleaning = false;
    const onQuit = (cleanup: () => Promise<void>) =>
      app.on('before-quit', (event) => {
        if (cleaning) return;
        cleaning = true;
        event.preventDefault();
        void cleanup().finally(() => app.quit());
      });
    // IPC handlers are registered inside start(), so the window opens only after it. A start that
    // fails explains itself and offers choices (start-dialog.ts) instead of quitting silently.
    const userData = app.getPath('userData');
    void startExplained(() => start({
      version: app.getVersion(),
      platform: process.platform,
      userData,
      resourcesDir: app.isPackaged ? process.resourcesPath : app.getAppPath(),
      packaged: app.isPackaged,
      rendererOrigin,
      contentsIds: () => (mainWindow && !mainWindow.isDestroyed() ? [mainWindow.webContents.id] : []),
      broadcast: (event, payload) => {
        if (!EVENT_NAMES.includes(event)) return;
        for (const window of BrowserWindow.getAllWindows()) window.webContents.send(event, payload);
      },
      onQuit,
    }), userData).then((started) => (started ? openWindow() : app.quit()));
  });
}

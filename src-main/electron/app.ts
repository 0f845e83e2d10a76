import { join } from 'node:path';
import { app, BrowserWindow, powerMonitor, session } from 'electron';
import { EVENT_NAMES, type EventName, type EventPayloadOf } from '../../shared/ipc';
import { APP_ORIGIN, stripsCookies, withoutCookies } from './policy';
import { APP_USER_MODEL_ID, beforeQuitStep, QUIT_GRACE_MS, settleWithin, shouldOpenWindow, userDataFolder, type QuitPhase } from './lifecycle';
import { installAppMenu } from './menu';
import { registerAppScheme, serveRenderer } from './renderer-assets';
import { startExplained } from './start-dialog';
import { createComposeWindow, createMainWindow, lockDown } from './window';
import type { ComposeWindowHost } from '../services/compose-windows';

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
  /** Opens and closes compose windows (each one a trusted IPC sender, like the main window). */
  composeWindows: ComposeWindowHost;
  /** Runs before the app quits (e.g. let the outbox settle an in-flight send). */
  onQuit: (cleanup: () => Promise<void>) => void;
}

/**
 * The app's life cycle: single instance, the app:// scheme, security defaults for every web
 * contents, one main window. `start` gets the environment once Electron is ready.
 */
export function runApp(start: (env: AppEnvironment) => Promise<void>): void {
  // Before the lock: the lock lives in this folder, so dev and installed builds each have their own.
  app.setPath('userData', userDataFolder({ packaged: app.isPackaged, standard: app.getPath('userData'), override: process.env.MAILWRIGHT_USER_DATA }));
  if (process.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  registerAppScheme();
  const devUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
  const rendererOrigin = devUrl ? new URL(devUrl).origin : APP_ORIGIN;
  const rendererUrl = devUrl ?? `${APP_ORIGIN}/index.html`;
  /** Our windows; each may call IPC (a second one must not take the first one's place). */
  const windows = new Set<BrowserWindow>();
  /** Set once start() has registered every IPC handler: no window opens before. */
  let ipcReady = false;
  /** The OS announced a shutdown or the end of the session. */
  let shuttingDown = false;

  /** The main window (mail, outbox, accounts), apart from compose windows: those alone do not count as "a window is open". */
  let mainWindow: BrowserWindow | null = null;

  const openWindow = () => {
    const window = createMainWindow({ preloadDir: join(import.meta.dirname, '../preload'), url: rendererUrl, appOrigin: rendererOrigin });
    windows.add(window);
    mainWindow = window;
    window.on('closed', () => {
      windows.delete(window);
      if (mainWindow === window) mainWindow = null;
    });
    // Windows ends the session (log off, shut down): quit without holding it up.
    window.on('session-end', () => {
      shuttingDown = true;
    });
  };
  /** Compose windows by the token that names them (src-main/services/compose-windows.ts). */
  const composeWindows = new Map<string, BrowserWindow>();
  const composeHost: ComposeWindowHost = {
    open: (token) => {
      const window = createComposeWindow({ preloadDir: join(import.meta.dirname, '../preload'), url: rendererUrl, appOrigin: rendererOrigin }, token);
      windows.add(window);
      composeWindows.set(token, window);
      window.on('closed', () => {
        windows.delete(window);
        composeWindows.delete(token);
      });
    },
    close: (token) => {
      const window = composeWindows.get(token);
      if (window && !window.isDestroyed()) window.close();
    },
  };
  // With only compose windows left (macOS keeps the app running), the Dock icon or a relaunch brings the main window back.
  const openWindowIfNone = () => {
    if (shouldOpenWindow({ ipcReady, openWindows: mainWindow && !mainWindow.isDestroyed() ? 1 : 0 })) openWindow();
  };

  app.on('web-contents-created', (_event, contents) => lockDown(contents, rendererOrigin));
  app.on('second-instance', () => {
    if (!mainWindow || mainWindow.isDestroyed()) return openWindowIfNone();
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', openWindowIfNone);
  // A mailto: link on macOS with every window closed: the link waits in main (mailto-glue.ts), and a window takes it.
  app.on('open-url', openWindowIfNone);

  // Quitting lets the backend settle (bounded), but never holds up the OS shutting down.
  let quitPhase: QuitPhase = 'running';
  const cleanups: (() => Promise<void>)[] = [];
  const cleanUp = async () => {
    for (const cleanup of cleanups) await cleanup();
  };
  app.on('before-quit', (event) => {
    const step = beforeQuitStep({ phase: quitPhase, shuttingDown, needsSettling: cleanups.length > 0 });
    if (step === 'proceed') {
      // Shutting down: start closing connections anyway, but do not wait for them.
      if (quitPhase === 'running' && cleanups.length > 0) void settleWithin(cleanUp, QUIT_GRACE_MS);
      quitPhase = 'settled';
      return;
    }
    event.preventDefault();
    if (step === 'wait') return;
    quitPhase = 'settling';
    void settleWithin(cleanUp, QUIT_GRACE_MS).then(() => {
      quitPhase = 'settled';
      app.quit();
    });
  });

  void app.whenReady().then(() => {
    session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
    // No third-party cookies: requests that leave the app go without them, and none is kept (policy.ts).
    session.defaultSession.webRequest.onBeforeSendHeaders((details, callback) =>
      callback({ requestHeaders: stripsCookies(details.url, rendererOrigin) ? withoutCookies(details.requestHeaders, 'cookie') : details.requestHeaders }),
    );
    session.defaultSession.webRequest.onHeadersReceived((details, callback) =>
      callback(details.responseHeaders && stripsCookies(details.url, rendererOrigin) ? { responseHeaders: withoutCookies(details.responseHeaders, 'set-cookie') } : {}),
    );
    serveRenderer(join(import.meta.dirname, '../renderer'));
    installAppMenu({
      dataDir: app.getPath('userData'),
      sendCommand: (window, command) => window.webContents.send('app:command', { command } satisfies EventPayloadOf<'app:command'>),
      openWindow: openWindowIfNone,
    });
    // Linux and macOS announce a shutdown or restart; quit at once instead of holding it up.
    powerMonitor.on('shutdown', () => {
      shuttingDown = true;
      app.quit();
    });
    const onQuit = (cleanup: () => Promise<void>) => {
      cleanups.push(cleanup);
    };
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
      contentsIds: () => [...windows].filter((w) => !w.isDestroyed()).map((w) => w.webContents.id),
      broadcast: (event, payload) => {
        if (!EVENT_NAMES.includes(event)) return;
        for (const window of BrowserWindow.getAllWindows()) window.webContents.send(event, payload);
      },
      composeWindows: composeHost,
      onQuit,
    }), userData).then((started) => {
      if (!started) return app.quit();
      ipcReady = true;
      openWindowIfNone();
    });
  });
}

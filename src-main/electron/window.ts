import { join } from 'node:path';
import { BrowserWindow, shell, type WebContents } from 'electron';
import { externalUrlToOpen } from '../services/link-policy';
import { isAllowedNavigation, isAllowedSubframeNavigation } from './policy';

const lockedDown = new WeakSet<WebContents>();

/**
 * Navigation and new windows are blocked; http(s) and mailto links go to the system's handler.
 * Attached once per web contents (app.ts does it for every one, on 'web-contents-created'): twice
 * would open a clicked link twice.
 */
export function lockDown(contents: WebContents, appOrigin: string): void {
  if (lockedDown.has(contents)) return;
  lockedDown.add(contents);
  contents.on('will-navigate', (event, url) => {
    if (isAllowedNavigation(url, appOrigin)) return;
    event.preventDefault();
    const external = externalUrlToOpen(url);
    if (external) void shell.openExternal(external);
  });
  contents.on('will-frame-navigate', (details) => {
    if (!details.isMainFrame && !isAllowedSubframeNavigation(details.url)) details.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAllowedNavigation(url, appOrigin)) event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    const external = externalUrlToOpen(url);
    if (external) void shell.openExternal(external);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** The window's web contents is locked down by app.ts's 'web-contents-created' handler, before it loads anything. */
export function createMainWindow(options: { preloadDir: string; url: string; appOrigin: string }): BrowserWindow {
  return createAppWindow(options, { width: 1100, height: 760, minWidth: 720, minHeight: 520, title: 'Mailwright' });
}

/**
 * A compose window: the same renderer, preload and lockdown as the main window, showing only the message
 * named by the token in its address (#compose=<token>, see src-main/services/compose-windows.ts).
 */
export function createComposeWindow(options: { preloadDir: string; url: string; appOrigin: string }, token: string): BrowserWindow {
  return createAppWindow(
    { ...options, url: `${options.url.split('#')[0]}#compose=${encodeURIComponent(token)}` },
    { width: 760, height: 720, minWidth: 520, minHeight: 420, title: 'New message' },
  );
}

function createAppWindow(
  options: { preloadDir: string; url: string; appOrigin: string },
  size: { width: number; height: number; minWidth: number; minHeight: number; title: string },
): BrowserWindow {
  const window = new BrowserWindow({
    ...size,
    show: false,
    webPreferences: {
      preload: join(options.preloadDir, 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: true,
    },
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(options.url);
  return window;
}

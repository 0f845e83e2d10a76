// A RECORDING STAND-IN for the `electron` module, for a smoke load of the built main bundle in
// plain Node. It is NO SUBSTITUTE FOR ELECTRON: nothing here renders, encrypts, or enforces any
// security setting. It records which Electron APIs the app calls, with what, and whether `app`
// was ready at the time, so a test can check our start-up wiring (module graph, call order,
// channels, preload path). The `_electron` Playwright specs still cover the real thing where a
// binary exists.
//
// APIs the app uses and whose answers matter are modelled (app, protocol, ipcMain, safeStorage,
// BrowserWindow, session); every other export is a recording proxy that accepts any call, so a new
// `import { X } from 'electron'` of a known module name still links.
import { Buffer } from 'node:buffer';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { setImmediate } from 'node:timers';

/** Every call, in order: { seq, api, args, ready }. Args are reduced to JSON-safe values. */
export const calls = [];
let seq = 0;
let ready = false;

function safe(value, depth = 0) {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return value;
  if (typeof value === 'function') return '[function]';
  if (typeof value !== 'object' || depth > 4) return `[${typeof value}]`;
  if (Array.isArray(value)) return value.map((v) => safe(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, safe(v, depth + 1)]));
}

function record(api, args = []) {
  calls.push({ seq: ++seq, api, args: args.map((a) => safe(a)), ready });
}

/** A callable, constructible object that records every call and answers with another such proxy. */
function recorder(name) {
  const target = function () {};
  return new Proxy(target, {
    get(_t, prop) {
      if (prop === 'then') return undefined; // not a promise
      if (prop === Symbol.toPrimitive) return () => `[stand-in ${name}]`;
      if (typeof prop === 'symbol') return undefined;
      return recorder(`${name}.${prop}`);
    },
    apply(_t, _this, args) {
      record(name, args);
      return recorder(`${name}()`);
    },
    construct(_t, args) {
      record(`new ${name}`, args);
      return recorder(`${name}#instance`);
    },
  });
}

/**
 * The modelled object, with every member it does not model answered by a recorder, so an API the
 * app starts to use (app.setAboutPanelOptions, win.setMenuBarVisibility, ...) is recorded instead
 * of failing with "is not a function".
 */
function lenient(target, name) {
  return new Proxy(target, {
    get(t, prop) {
      if (prop in t || typeof prop === 'symbol') {
        const value = Reflect.get(t, prop, t);
        return typeof value === 'function' && prop !== 'constructor' ? value.bind(t) : value;
      }
      return recorder(`${name}.${String(prop)}`);
    },
    set(t, prop, value) {
      return Reflect.set(t, prop, value, t);
    },
  });
}

const userData = process.env.MAILWRIGHT_USER_DATA;
if (!userData) throw new Error('stand-in electron: set MAILWRIGHT_USER_DATA to a temporary folder');
const paths = { userData, appData: join(userData, 'appData'), temp: join(userData, 'temp'), logs: join(userData, 'logs'), home: userData, documents: userData, downloads: userData };
const projectRoot = process.env.STAND_IN_APP_PATH ?? process.cwd();
const version = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).version;

let resolveReady;
const whenReadyPromise = new Promise((resolve) => (resolveReady = resolve));

class App extends EventEmitter {
  isPackaged = false;
  name = 'Mailwright';
  commandLine = recorder('app.commandLine');
  dock = recorder('app.dock');
  quitCalls = 0;
  whenReady() {
    record('app.whenReady');
    return whenReadyPromise;
  }
  isReady() {
    return ready;
  }
  getVersion() {
    return version;
  }
  getName() {
    return this.name;
  }
  getAppPath() {
    return projectRoot;
  }
  getPath(name) {
    record('app.getPath', [name]);
    return paths[name] ?? join(paths.userData, `path-${name}`);
  }
  setPath(name, value) {
    record('app.setPath', [name, value]);
    paths[name] = value;
  }
  getLocale() {
    return 'en-US';
  }
  requestSingleInstanceLock() {
    record('app.requestSingleInstanceLock');
    return true;
  }
  setAppUserModelId(id) {
    record('app.setAppUserModelId', [id]);
  }
  setAsDefaultProtocolClient(...args) {
    record('app.setAsDefaultProtocolClient', args);
    return true;
  }
  on(event, listener) {
    record('app.on', [event]);
    return super.on(event, listener);
  }
  once(event, listener) {
    record('app.once', [event]);
    return super.once(event, listener);
  }
  /** Like Electron: before-quit (preventable), then will-quit and quit, then the process ends. */
  quit() {
    record('app.quit');
    this.quitCalls++;
    let prevented = false;
    const event = { preventDefault: () => (prevented = true) };
    this.emit('before-quit', event);
    if (prevented) return;
    this.emit('will-quit', { preventDefault() {} });
    this.emit('quit');
    control.onQuit?.();
  }
  exit(code) {
    record('app.exit', [code]);
    control.onQuit?.(code);
  }
}
export const app = lenient(new App(), 'app');

const handlers = new Map();
export const ipcMain = {
  handle(channel, handler) {
    record('ipcMain.handle', [channel]);
    // Electron throws on a second handler for one channel; so does the stand-in.
    if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    handlers.set(channel, handler);
  },
  removeHandler(channel) {
    record('ipcMain.removeHandler', [channel]);
    handlers.delete(channel);
  },
  on(channel) {
    record('ipcMain.on', [channel]);
    return ipcMain;
  },
  once(channel) {
    record('ipcMain.once', [channel]);
    return ipcMain;
  },
  removeListener() {
    return ipcMain;
  },
};

export const protocol = {
  registerSchemesAsPrivileged(schemes) {
    record('protocol.registerSchemesAsPrivileged', [schemes]);
    // Electron only honours this before ready.
    if (ready) throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready');
  },
  handle(scheme) {
    record('protocol.handle', [scheme]);
    if (!ready) throw new Error('protocol.handle before app is ready');
  },
  unhandle(scheme) {
    record('protocol.unhandle', [scheme]);
  },
  isProtocolHandled() {
    return false;
  },
};

// safeStorage is not usable before ready in real Electron; the stand-in only records whether it
// was ready (the test checks that), so the rest of start-up is seen too. It reports no keyring,
// as on a Linux machine without one, so the app takes its app-key path.
const recordSafeStorage = (api) => record(api);
export const safeStorage = {
  isEncryptionAvailable() {
    recordSafeStorage('safeStorage.isEncryptionAvailable');
    return false;
  },
  getSelectedStorageBackend() {
    recordSafeStorage('safeStorage.getSelectedStorageBackend');
    return 'basic_text';
  },
  encryptString(plain) {
    recordSafeStorage('safeStorage.encryptString');
    return Buffer.from(plain, 'utf8');
  },
  decryptString(buffer) {
    recordSafeStorage('safeStorage.decryptString');
    return buffer.toString('utf8');
  },
};

let nextContentsId = 1;
class WebContents extends EventEmitter {
  id = nextContentsId++;
  session = recorder('webContents.session');
  isDestroyed() {
    return false;
  }
  setWindowOpenHandler() {
    record('webContents.setWindowOpenHandler');
  }
  send(channel) {
    record('webContents.send', [channel]);
  }
  on(event, listener) {
    record('webContents.on', [event]);
    return super.on(event, listener);
  }
  getURL() {
    return '';
  }
}

const windows = [];
export class BrowserWindow extends EventEmitter {
  static getAllWindows() {
    return windows.filter((w) => !w.destroyed);
  }
  static getFocusedWindow() {
    return BrowserWindow.getAllWindows()[0] ?? null;
  }
  static fromWebContents(contents) {
    return windows.find((w) => w.webContents === contents) ?? null;
  }
  destroyed = false;
  constructor(options) {
    super();
    record('new BrowserWindow', [options]);
    if (!ready) throw new Error('Cannot create BrowserWindow before app is ready');
    this.options = options;
    this.webContents = lenient(new WebContents(), 'webContents');
    const self = lenient(this, 'BrowserWindow');
    windows.push(self);
    app.emit('web-contents-created', {}, this.webContents);
    return self;
  }
  loadURL(url) {
    record('BrowserWindow.loadURL', [url]);
    setImmediate(() => this.emit('ready-to-show'));
    return Promise.resolve();
  }
  show() {
    record('BrowserWindow.show');
  }
  focus() {}
  restore() {}
  isMinimized() {
    return false;
  }
  isDestroyed() {
    return this.destroyed;
  }
  close() {
    record('BrowserWindow.close');
    this.destroyed = true;
    this.emit('closed');
    if (BrowserWindow.getAllWindows().length === 0) app.emit('window-all-closed');
  }
  setMenu() {}
  setMenuBarVisibility() {}
}

export const session = { defaultSession: recorder('session.defaultSession'), fromPartition: recorder('session.fromPartition') };

// The rest of Electron's main-process modules: recorded, not modelled.
export const autoUpdater = recorder('autoUpdater');
export const BaseWindow = recorder('BaseWindow');
export const clipboard = recorder('clipboard');
export const contentTracing = recorder('contentTracing');
export const crashReporter = recorder('crashReporter');
export const desktopCapturer = recorder('desktopCapturer');
export const dialog = recorder('dialog');
export const globalShortcut = recorder('globalShortcut');
export const Menu = recorder('Menu');
export const MenuItem = recorder('MenuItem');
export const MessageChannelMain = recorder('MessageChannelMain');
export const nativeImage = recorder('nativeImage');
export const nativeTheme = recorder('nativeTheme');
export const net = recorder('net');
export const Notification = recorder('Notification');
export const powerMonitor = recorder('powerMonitor');
export const powerSaveBlocker = recorder('powerSaveBlocker');
export const screen = recorder('screen');
export const shell = recorder('shell');
export const systemPreferences = recorder('systemPreferences');
export const Tray = recorder('Tray');
export const utilityProcess = recorder('utilityProcess');
export const webContents = recorder('webContents');
export const WebContentsView = recorder('WebContentsView');
export const webFrameMain = recorder('webFrameMain');

/** Driven by ./driver.mjs, never by the app. */
export const control = {
  onQuit: undefined,
  makeReady() {
    ready = true;
    record('[stand-in] app ready');
    app.emit('will-finish-launching');
    app.emit('ready', {}, {});
    resolveReady();
  },
  mark: (what) => record(`[driver] ${what}`),
  handledChannels: () => [...handlers.keys()],
  windows: () => windows,
};

export default {
  app, autoUpdater, BaseWindow, BrowserWindow, clipboard, contentTracing, crashReporter, desktopCapturer, dialog,
  globalShortcut, ipcMain, Menu, MenuItem, MessageChannelMain, nativeImage, nativeTheme, net, Notification,
  powerMonitor, powerSaveBlocker, protocol, safeStorage, screen, session, shell, systemPreferences, Tray,
  utilityProcess, webContents, WebContentsView, webFrameMain,
};

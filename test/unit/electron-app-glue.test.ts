/**
 * The life cycle in src-main/electron/app.ts, run against a recording stand-in for the `electron`
 * module (the Electron binary cannot be downloaded here). It checks the wiring between the events
 * (order, which handlers run, what they decide); it is no substitute for running under Electron.
 */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AppEnvironment } from '../../src-main/electron/app';

interface FakeEvent {
  prevented: boolean;
  preventDefault(): void;
}
const event = (): FakeEvent => ({
  prevented: false,
  preventDefault() {
    this.prevented = true;
  },
});

function standIn(options: { packaged: boolean }) {
  const calls: string[] = [];
  let nextId = 1;
  const app = Object.assign(new EventEmitter(), {
    isPackaged: options.packaged,
    paths: { userData: '/home/ann/.config/Mailwright' } as Record<string, string>,
    setPath(name: string, value: string) {
      calls.push(`setPath ${name} ${value}`);
      this.paths[name] = value;
    },
    getPath(name: string) {
      return this.paths[name] ?? `/fake/${name}`;
    },
    requestSingleInstanceLock() {
      calls.push(`lock ${this.paths.userData}`);
      return true;
    },
    setAppUserModelId: (id: string) => calls.push(`appUserModelId ${id}`),
    quit: () => {
      calls.push('quit');
      const e = event();
      app.emit('before-quit', e);
      if (!e.prevented) calls.push('quit proceeded');
    },
    ready: undefined as undefined | (() => void),
    whenReady() {
      return new Promise<void>((resolve) => (this.ready = resolve));
    },
    getVersion: () => '0.2.0',
    getName: () => 'Mailwright',
    getAppPath: () => '/project',
  });

  class FakeContents extends EventEmitter {
    id = nextId++;
    openHandlers = 0;
    setWindowOpenHandler() {
      this.openHandlers++;
    }
    send(channel: string, payload: unknown) {
      calls.push(`send ${channel} ${JSON.stringify(payload)}`);
    }
  }
  class BrowserWindow extends EventEmitter {
    static all: BrowserWindow[] = [];
    static getAllWindows = () => BrowserWindow.all.slice();
    static getFocusedWindow = () => BrowserWindow.all[0] ?? null;
    webContents = new FakeContents();
    destroyed = false;
    constructor() {
      super();
      BrowserWindow.all.push(this);
      calls.push('window');
      // As Electron does: every new web contents is announced before it loads anything.
      app.emit('web-contents-created', event(), this.webContents);
    }
    loadURL = async () => {};
    isDestroyed = () => this.destroyed;
    isMinimized = () => false;
    restore = () => {};
    focus = () => calls.push('focus');
    close() {
      this.destroyed = true;
      BrowserWindow.all = BrowserWindow.all.filter((w) => w !== this);
      this.emit('closed');
    }
  }
  const powerMonitor = new EventEmitter();
  const menus: unknown[] = [];
  type HeaderFilter = (details: Record<string, unknown>, callback: (response: Record<string, unknown>) => void) => void;
  const webRequest: { before?: HeaderFilter; received?: HeaderFilter } = {};
  const electron = {
    app,
    BrowserWindow,
    powerMonitor,
    session: {
      defaultSession: {
        setPermissionRequestHandler: () => {},
        webRequest: {
          onBeforeSendHeaders: (filter: HeaderFilter) => (webRequest.before = filter),
          onHeadersReceived: (filter: HeaderFilter) => (webRequest.received = filter),
        },
      },
    },
    protocol: { registerSchemesAsPrivileged: () => calls.push('scheme'), handle: () => {} },
    shell: { openExternal: async () => {}, openPath: async () => '' },
    clipboard: { writeText: () => {} },
    dialog: { showMessageBox: async () => ({ response: 0 }) },
    Menu: {
      buildFromTemplate: (template: unknown) => template,
      setApplicationMenu: (menu: unknown) => menus.push(menu),
    },
  };
  return { electron, app, BrowserWindow, powerMonitor, calls, menus, webRequest };
}

async function start(options: { packaged: boolean; startWork?: (env: AppEnvironment) => Promise<void> }) {
  const fake = standIn(options);
  vi.resetModules();
  vi.doMock('electron', () => ({ ...fake.electron, default: fake.electron }));
  const { runApp } = await import('../../src-main/electron/app');
  let env: AppEnvironment | undefined;
  let finishStart: () => void = () => {};
  const started = new Promise<void>((resolve) => (finishStart = resolve));
  runApp(async (e) => {
    env = e;
    fake.calls.push('start');
    await options.startWork?.(e);
    await started;
  });
  const ready = async () => {
    fake.app.ready!();
    await vi.waitFor(() => expect(env).toBeDefined());
  };
  const finish = async () => {
    finishStart();
    await new Promise((r) => setTimeout(r, 0));
  };
  return { ...fake, ready, finish, env: () => env! };
}

afterEach(() => {
  vi.doUnmock('electron');
});

describe('Electron glue (app.ts) under a stand-in electron', () => {
  it('gives a development build its own data folder before taking the single-instance lock', async () => {
    const dev = await start({ packaged: false });
    expect(dev.calls.slice(0, 2)).toEqual(['setPath userData /home/ann/.config/Mailwright (dev)', 'lock /home/ann/.config/Mailwright (dev)']);
    const installed = await start({ packaged: true });
    expect(installed.calls).toContain('lock /home/ann/.config/Mailwright');
  });

  it('opens no window before IPC is registered, even when the Dock icon is clicked or the app relaunched', async () => {
    const t = await start({ packaged: true });
    await t.ready();
    t.app.emit('activate');
    t.app.emit('second-instance', event(), []);
    expect(t.calls).not.toContain('window');
    await t.finish();
    expect(t.calls.filter((c) => c === 'window')).toHaveLength(1);
    expect(t.calls.indexOf('start')).toBeLessThan(t.calls.indexOf('window'));
  });

  it('opens a window when relaunched while none is open, and focuses the open one otherwise', async () => {
    const t = await start({ packaged: true });
    await t.ready();
    await t.finish();
    t.app.emit('second-instance', event(), []);
    expect(t.calls.filter((c) => c === 'window')).toHaveLength(1);
    expect(t.calls).toContain('focus');
    t.BrowserWindow.all[0]!.close();
    t.app.emit('second-instance', event(), []);
    expect(t.calls.filter((c) => c === 'window')).toHaveLength(2);
    t.BrowserWindow.all[0]!.close();
    t.app.emit('activate');
    expect(t.calls.filter((c) => c === 'window')).toHaveLength(3);
  });

  it('with only a compose window left, the Dock icon or a relaunch opens the main window again; the compose window is trusted while open', async () => {
    const t = await start({ packaged: true });
    await t.ready();
    await t.finish();
    const main = t.BrowserWindow.all[0]!;
    t.env().composeWindows.open('token-1');
    const compose = t.BrowserWindow.all[1]!;
    expect(t.env().contentsIds()).toEqual([main.webContents.id, compose.webContents.id]);
    main.close();
    t.app.emit('activate');
    expect(t.calls.filter((c) => c === 'window')).toHaveLength(3);
    const reopened = t.BrowserWindow.all.find((w) => w !== compose)!;
    t.app.emit('second-instance', event(), []);
    expect(t.calls.filter((c) => c === 'window')).toHaveLength(3);
    t.env().composeWindows.close('token-1');
    expect(t.env().contentsIds()).toEqual([reopened.webContents.id]);
  });

  it('attaches the link guard once per window', async () => {
    const t = await start({ packaged: true });
    await t.ready();
    await t.finish();
    const contents = t.BrowserWindow.all[0]!.webContents;
    expect(contents.listenerCount('will-navigate')).toBe(1);
    expect(contents.listenerCount('will-redirect')).toBe(1);
    expect(contents.openHandlers).toBe(1);
  });

  it('trusts every open window of ours as an IPC sender, and no closed one', async () => {
    const t = await start({ packaged: true });
    await t.ready();
    await t.finish();
    const first = t.BrowserWindow.all[0]!;
    t.app.emit('activate'); // a window is open: nothing happens
    expect(t.env().contentsIds()).toEqual([first.webContents.id]);
    first.close();
    expect(t.env().contentsIds()).toEqual([]);
    t.app.emit('activate');
    expect(t.env().contentsIds()).toEqual([t.BrowserWindow.all[0]!.webContents.id]);
  });

  it('lets the backend settle before quitting, but never holds up an OS shutdown', async () => {
    const t = await start({ packaged: true });
    await t.ready();
    let settle: () => void = () => {};
    t.env().onQuit(() => new Promise<void>((resolve) => (settle = resolve)));
    await t.finish();
    t.app.quit();
    expect(t.calls).not.toContain('quit proceeded');
    t.app.quit(); // asked again while settling: still held
    expect(t.calls).not.toContain('quit proceeded');
    settle();
    await vi.waitFor(() => expect(t.calls).toContain('quit proceeded'));

    const s = await start({ packaged: true });
    await s.ready();
    let cleaned = false;
    s.env().onQuit(() => new Promise<void>(() => (cleaned = true)));
    await s.finish();
    s.powerMonitor.emit('shutdown', event());
    expect(s.calls).toContain('quit proceeded');
    expect(cleaned).toBe(true);

    // Windows: the session ends (log off or shut down).
    const w = await start({ packaged: true });
    await w.ready();
    w.env().onQuit(() => new Promise<void>(() => {}));
    await w.finish();
    w.BrowserWindow.all[0]!.emit('session-end');
    w.app.quit();
    expect(w.calls).toContain('quit proceeded');
  });

  it('quits at once when nothing was registered to settle', async () => {
    const t = await start({ packaged: true });
    await t.ready();
    await t.finish();
    t.app.quit();
    expect(t.calls).toContain('quit proceeded');
  });

  it('keeps no third-party cookies: requests leaving the app go without Cookie, and their Set-Cookie is dropped', async () => {
    const run = await start({ packaged: true });
    await run.ready();
    const answer = (filter: ((d: Record<string, unknown>, cb: (r: Record<string, unknown>) => void) => void) | undefined, details: Record<string, unknown>) => {
      let response: Record<string, unknown> = {};
      filter!(details, (r) => (response = r));
      return response;
    };
    expect(answer(run.webRequest.before, { url: 'https://tracker.example/p.gif', requestHeaders: { Cookie: 'id=1', Accept: 'image/*' } })).toEqual({ requestHeaders: { Accept: 'image/*' } });
    expect(answer(run.webRequest.received, { url: 'https://tracker.example/p.gif', responseHeaders: { 'Set-Cookie': ['id=2'], 'Content-Type': ['image/gif'] } })).toEqual({
      responseHeaders: { 'Content-Type': ['image/gif'] },
    });
    expect(answer(run.webRequest.before, { url: 'app://mailwright/index.html', requestHeaders: { Accept: '*/*' } })).toEqual({ requestHeaders: { Accept: '*/*' } });
  });

  it('sets our menu, without Reload or DevTools in the packaged app, and sends its commands to the window', async () => {
    const t = await start({ packaged: true });
    await t.ready();
    await t.finish();
    expect(t.menus).toHaveLength(1);
    type Item = { label?: string; role?: string; submenu?: Item[]; click?: (item: unknown, window: unknown) => void };
    const items = (list: Item[]): Item[] => list.flatMap((i) => [i, ...items(i.submenu ?? [])]);
    const all = items(t.menus[0] as Item[]);
    expect(all.map((i) => i.role)).not.toContain('reload');
    expect(all.map((i) => i.role)).not.toContain('toggleDevTools');
    all.find((i) => i.label === 'Reply All')!.click!({}, t.BrowserWindow.all[0]);
    expect(t.calls).toContain('send app:command {"command":"reply-all"}');
    // macOS keeps running with no window: New Message opens one (it starts in Compose).
    t.BrowserWindow.all[0]!.close();
    const windowsBefore = t.calls.filter((c) => c === 'window').length;
    all.find((i) => i.label === 'New Message')!.click!({}, undefined);
    expect(t.calls.filter((c) => c === 'window')).toHaveLength(windowsBefore + 1);
  });
});

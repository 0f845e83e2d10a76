/**
 * Start-up smoke test of the BUILT main bundle (out/main/main.js), loaded in plain Node with a
 * RECORDING STAND-IN for the `electron` module (test/support/electron-stand-in/). This is NO
 * SUBSTITUTE FOR ELECTRON: nothing is rendered, no security setting is enforced, safeStorage
 * encrypts nothing. It checks our wiring: the ESM module graph of the bundle links and runs, the
 * order of start-up (app:// scheme registered before ready; stores and safeStorage only after
 * ready; the window only once every IPC channel is handled), every channel of the contract handled
 * once, and a preload path that exists. The `_electron` Playwright specs still run where an
 * Electron binary exists.
 *
 * Needs the production build (out/), which `npm test` makes before vitest runs.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL_NAMES } from '../../shared/channels';
import { APP_ORIGIN, APP_SCHEME } from '../../src-main/electron/policy';
import { PROJECT_ROOT } from '../support/builder-config';

interface Call {
  seq: number;
  api: string;
  args: unknown[];
  ready: boolean;
}
interface Result {
  reason: string;
  errors: string[];
  calls: Call[];
  handledChannels: string[];
  windows: { options: { webPreferences?: Record<string, unknown> } }[];
}

const standIn = join(PROJECT_ROOT, 'test', 'support', 'electron-stand-in');
const userData = mkdtempSync(join(tmpdir(), 'mailwright-smoke-'));
const resultFile = join(userData, '..', `${userData.split('/').pop()}-result.json`);
let result: Result;
let exit: { code: number | null; signal: NodeJS.Signals | null; output: string; ms: number };

function runChild(): Promise<typeof exit> {
  // A clean environment: no dev-server URL, no client IDs from the developer's shell.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('MAILWRIGHT_') && key !== 'ELECTRON_RENDERER_URL'));
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', join(standIn, 'register.mjs'), join(standIn, 'driver.mjs'), join(PROJECT_ROOT, 'out', 'main', 'main.js'), resultFile],
      { cwd: PROJECT_ROOT, env: { ...env, MAILWRIGHT_USER_DATA: userData, STAND_IN_APP_PATH: PROJECT_ROOT }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // The driver bounds itself (about 25 s at worst); this is the backstop.
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output, ms: Date.now() - started });
    });
  });
}

const callsTo = (api: string) => result.calls.filter((c) => c.api === api);
const readySeq = () => result.calls.find((c) => c.api === '[stand-in] app ready')?.seq ?? Infinity;

beforeAll(async () => {
  if (!existsSync(join(PROJECT_ROOT, 'out', 'main', 'main.js'))) {
    throw new Error('out/main/main.js is missing: run `npm run build` before the start-up smoke test');
  }
  exit = await runChild();
  if (!existsSync(resultFile)) throw new Error(`the smoke child wrote no result (exit ${exit.code ?? exit.signal}):\n${exit.output.slice(-4000)}`);
  result = JSON.parse(readFileSync(resultFile, 'utf8')) as Result;
}, 60_000);

afterAll(() => {
  rmSync(userData, { recursive: true, force: true });
  rmSync(resultFile, { force: true });
});

describe('start-up smoke test of out/main/main.js with a recording stand-in for electron (no substitute for Electron)', () => {
  it('links, starts, and exits by itself once quit, without an error', () => {
    expect(result.errors).toEqual([]);
    expect(exit.signal).toBeNull();
    expect(exit.code).toBe(0);
    expect(result.reason).toBe('quit');
    expect(exit.output).not.toMatch(/could not start/);
    expect(exit.output).toMatch(/mailwright: started/);
  });

  it('registers the app:// scheme as privileged before ready, and serves it only after', () => {
    const registrations = callsTo('protocol.registerSchemesAsPrivileged');
    expect(registrations).toHaveLength(1);
    const [schemes] = registrations[0]!.args as [{ scheme: string; privileges: Record<string, boolean> }[]];
    expect(schemes.map((s) => s.scheme)).toEqual([APP_SCHEME]);
    expect(schemes[0]!.privileges).toMatchObject({ standard: true, secure: true });
    expect(registrations[0]!.ready).toBe(false);
    expect(registrations[0]!.seq).toBeLessThan(readySeq());
    const handled = callsTo('protocol.handle');
    expect(handled.map((c) => c.args[0])).toEqual([APP_SCHEME]);
    expect(handled.every((c) => c.ready)).toBe(true);
  });

  it('opens the settings store and touches safeStorage only after ready, inside the given data folder', () => {
    // electron-store announces itself to the renderer with this ipcMain listener when it is constructed.
    const store = result.calls.filter((c) => c.api === 'ipcMain.on' && c.args[0] === 'electron-store-get-data');
    expect(store.length).toBeGreaterThan(0);
    expect(store.every((c) => c.ready)).toBe(true);
    const safeStorage = result.calls.filter((c) => c.api.startsWith('safeStorage.'));
    expect(safeStorage.length).toBeGreaterThan(0);
    expect(safeStorage.filter((c) => !c.ready)).toEqual([]);
    // The store and the secrets file were written where MAILWRIGHT_USER_DATA pointed.
    expect(readdirSync(userData).filter((name) => name.endsWith('.json')).length).toBeGreaterThanOrEqual(1);
  });

  it('handles every channel of the contract, each exactly once', () => {
    expect([...result.handledChannels].sort()).toEqual([...CHANNEL_NAMES].sort());
    expect(callsTo('ipcMain.handle')).toHaveLength(CHANNEL_NAMES.length);
  });

  it('opens the window only after every channel is handled, with a preload that exists and the app:// page', () => {
    const created = callsTo('new BrowserWindow');
    expect(created).toHaveLength(1);
    const lastHandle = Math.max(...callsTo('ipcMain.handle').map((c) => c.seq));
    expect(created[0]!.seq).toBeGreaterThan(lastHandle);
    const prefs = result.windows[0]!.options.webPreferences!;
    expect(typeof prefs.preload).toBe('string');
    expect(existsSync(prefs.preload as string), `preload ${String(prefs.preload)}`).toBe(true);
    expect(prefs.preload).toMatch(/\.cjs$/); // sandboxed preloads must be CommonJS
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(callsTo('BrowserWindow.loadURL').map((c) => c.args[0])).toEqual([`${APP_ORIGIN}/index.html`]);
  });

  it('takes a bounded time', () => {
    expect(exit.ms).toBeLessThan(30_000);
  });
});

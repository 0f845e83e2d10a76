import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { APP_USER_MODEL_ID, beforeQuitStep, settleWithin, shouldOpenWindow, userDataFolder } from '../../src-main/electron/lifecycle';

describe('app life cycle decisions', () => {
  it('uses the installer app id as the AppUserModelId (Windows notifications and taskbar)', () => {
    const yml = readFileSync('electron-builder.yml', 'utf8');
    const appId = /^appId:\s*(\S+)\s*$/m.exec(yml)?.[1];
    expect(appId).toBeTruthy();
    expect(APP_USER_MODEL_ID).toBe(appId);
  });

  it('gives a development build its own data folder (and so its own single-instance lock)', () => {
    const standard = '/home/ann/.config/Mailwright';
    expect(userDataFolder({ packaged: true, standard })).toBe(standard);
    expect(userDataFolder({ packaged: false, standard })).toBe('/home/ann/.config/Mailwright (dev)');
    expect(userDataFolder({ packaged: false, standard, override: '/tmp/x' })).toBe('/tmp/x');
    expect(userDataFolder({ packaged: true, standard, override: '/tmp/x' })).toBe('/tmp/x');
    expect(userDataFolder({ packaged: true, standard, override: '' })).toBe(standard);
  });

  it('holds a quit only while something needs settling, and never an OS shutdown', () => {
    expect(beforeQuitStep({ phase: 'running', shuttingDown: false, needsSettling: true })).toBe('settle');
    expect(beforeQuitStep({ phase: 'running', shuttingDown: false, needsSettling: false })).toBe('proceed');
    expect(beforeQuitStep({ phase: 'running', shuttingDown: true, needsSettling: true })).toBe('proceed');
    expect(beforeQuitStep({ phase: 'settling', shuttingDown: false, needsSettling: true })).toBe('wait');
    expect(beforeQuitStep({ phase: 'settling', shuttingDown: true, needsSettling: true })).toBe('proceed');
    expect(beforeQuitStep({ phase: 'settled', shuttingDown: false, needsSettling: true })).toBe('proceed');
  });

  it('gives the cleanup a bounded grace, and a failing cleanup does not stop the quit', async () => {
    expect(await settleWithin(async () => {}, 1000)).toBe('settled');
    const started = Date.now();
    expect(await settleWithin(() => new Promise(() => {}), 50)).toBe('timed-out');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await settleWithin(() => Promise.reject(new Error('boom')), 1000)).toBe('failed');
  });

  it('opens a window on relaunch only when none is open and IPC is ready', () => {
    expect(shouldOpenWindow({ ipcReady: true, openWindows: 0 })).toBe(true);
    expect(shouldOpenWindow({ ipcReady: true, openWindows: 1 })).toBe(false);
    expect(shouldOpenWindow({ ipcReady: false, openWindows: 0 })).toBe(false);
  });
});

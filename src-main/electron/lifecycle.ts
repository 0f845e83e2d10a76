/**
 * Decisions of the app's life cycle (data folder, quitting, reopening a window), as plain
 * functions so they are unit-tested without Electron. (This file imports nothing from electron.)
 */

/**
 * Windows groups notifications and taskbar entries by this id; it must equal `appId` in
 * electron-builder.yml, which the installer gives the Start menu shortcut (a test compares them).
 */
export const APP_USER_MODEL_ID = 'app.mailwright.desktop';

/**
 * How long quitting waits for the backend to settle (an in-flight send gets the outbox's own
 * 10 s grace plus 2 s to record the outcome; this leaves it room), then the app quits anyway.
 */
export const QUIT_GRACE_MS = 15_000;

/**
 * The data folder. A development build (`npm run dev`, `npm start`) gets its own, beside the
 * installed app's: its settings, mail and outbox never mix with the person's real ones, and since
 * Electron's single-instance lock lives in this folder, the two builds can also run side by side.
 * MAILWRIGHT_USER_DATA (tests, portable setups) wins over both.
 */
export function userDataFolder(options: { packaged: boolean; standard: string; override?: string | undefined }): string {
  if (options.override) return options.override;
  return options.packaged ? options.standard : `${options.standard} (dev)`;
}

export type QuitPhase = 'running' | 'settling' | 'settled';

/**
 * What `before-quit` does: 'proceed' lets the quit go on, 'settle' holds it while the backend
 * settles (bounded by QUIT_GRACE_MS) and quits again after, 'wait' holds a repeated quit while
 * that is under way. The OS shutting down is never held: macOS would report that Mailwright
 * interrupted the shutdown (the outbox recovers an interrupted send at the next start).
 */
export function beforeQuitStep(state: { phase: QuitPhase; shuttingDown: boolean; needsSettling: boolean }): 'proceed' | 'settle' | 'wait' {
  if (state.phase === 'settled' || state.shuttingDown) return 'proceed';
  if (state.phase === 'settling') return 'wait';
  return state.needsSettling ? 'settle' : 'proceed';
}

/** Waits for `work` at most `ms`; never rejects (a failed cleanup must not stop the quit). */
export async function settleWithin(work: () => Promise<unknown>, ms: number): Promise<'settled' | 'timed-out' | 'failed'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timed-out'>((resolve) => (timer = setTimeout(() => resolve('timed-out'), ms)));
  const settled = (async () => {
    try {
      await work();
      return 'settled' as const;
    } catch {
      return 'failed' as const;
    }
  })();
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether a relaunch (`second-instance`) or a click on the Dock icon (`activate`) opens a window:
 * when none is open, and only once the IPC handlers are registered (a window before that would
 * see its first requests refused).
 */
export function shouldOpenWindow(state: { ipcReady: boolean; openWindows: number }): boolean {
  return state.ipcReady && state.openWindows === 0;
}

/**
 * Whether the last run of this window had accounts, kept in the window's localStorage: a start that
 * will show the Mail view first can fetch its code while the account list is still on its way over
 * IPC, instead of after it (see bench/startup.ts). A first start has no hint and loads nothing extra;
 * a wrong hint costs one early fetch of a chunk the app has anyway. Never anything about the accounts
 * themselves.
 */
const KEY = 'mailwright:had-accounts';

/** The window's localStorage, as far as it is used here (absent outside a browser). */
interface HintStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

function storage(): HintStore | undefined {
  try {
    return (globalThis as { localStorage?: HintStore }).localStorage;
  } catch {
    return undefined; // storage refused: no hint, the view loads when shown
  }
}

export function rememberAccounts(count: number): void {
  try {
    if (count > 0) storage()?.setItem(KEY, '1');
    else storage()?.removeItem(KEY);
  } catch {
    // Full or refused: the hint is only an optimisation.
  }
}

export function hadAccounts(): boolean {
  return storage()?.getItem(KEY) === '1';
}

/**
 * The start hint (src-renderer/ui/start-hint.ts): a start after a run with accounts fetches the Mail
 * view's code early; a first start, or a window whose storage is refused, loads nothing extra and
 * never fails.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { hadAccounts, rememberAccounts } from '../../src-renderer/ui/start-hint';

const original = Object.getOwnPropertyDescriptor(globalThis, 'localStorage');
function useStorage(value: unknown) {
  Object.defineProperty(globalThis, 'localStorage', { configurable: true, get: () => value });
}
function memoryStorage() {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (k: string) => items.get(k) ?? null,
    setItem: (k: string, v: string) => void items.set(k, v),
    removeItem: (k: string) => void items.delete(k),
  };
}

afterEach(() => {
  if (original) Object.defineProperty(globalThis, 'localStorage', original);
  else delete (globalThis as { localStorage?: unknown }).localStorage;
});

describe('start hint', () => {
  it('is absent on a first start, set once there are accounts, and cleared when the last one goes', () => {
    const storage = memoryStorage();
    useStorage(storage);
    expect(hadAccounts()).toBe(false);
    rememberAccounts(2);
    expect(hadAccounts()).toBe(true);
    expect([...storage.items.values()]).toEqual(['1']); // a flag, nothing about the accounts
    rememberAccounts(0);
    expect(hadAccounts()).toBe(false);
  });

  it('a refused or full storage gives no hint and throws nothing', () => {
    Object.defineProperty(globalThis, 'localStorage', {
      configurable: true,
      get: () => {
        throw new Error('SecurityError');
      },
    });
    expect(hadAccounts()).toBe(false);
    expect(() => rememberAccounts(1)).not.toThrow();
    useStorage({ getItem: () => null, setItem: () => { throw new Error('QuotaExceededError'); }, removeItem: () => {} });
    expect(() => rememberAccounts(1)).not.toThrow();
    expect(hadAccounts()).toBe(false);
  });
});

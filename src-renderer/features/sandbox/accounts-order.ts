import type { Account } from '../../../shared/model';

/**
 * The person's own accounts first, the built-in Sandbox account last: a new message, a merge and
 * the From menus start from a real account whatever order main lists them in.
 */
export function realFirst(accounts: Account[]): Account[] {
  return [...accounts.filter((a) => !a.sandbox), ...accounts.filter((a) => a.sandbox)];
}

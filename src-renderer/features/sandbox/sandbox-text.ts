/** Words for the sandbox's own states (its problems come as codes from shared/errors.ts). */
import { ERROR_CODE_LIST, type ErrorCode } from '../../../shared/errors';
import type { Account } from '../../../shared/model';
import { SANDBOX_ACCOUNT_ID, type SandboxSummary } from '../../../shared/sandbox';
import { explain } from '../../../shared/error-text';

/** Why the sandbox is not running, in words: the code's title and advice from shared/error-text.ts. */
export function sandboxProblemText(code: string | null): string {
  const known = (ERROR_CODE_LIST as readonly string[]).includes(code ?? '') ? (code as ErrorCode) : 'SANDBOX_UNAVAILABLE';
  const { title, advice } = explain({ code: known, message: '' });
  return `${title} ${advice}`;
}

/** Who a captured message was for: its account, a merge's row, or the sandbox's own. */
export function rehearsedFor(summary: SandboxSummary, accounts: Account[]): string {
  if (summary.batchRow !== undefined) return `Merge, line ${summary.batchRow} in the file`;
  if (summary.accountId === null) return 'From outside Mailwright';
  if (summary.accountId === SANDBOX_ACCOUNT_ID) return 'Sandbox';
  return accounts.find((a) => a.id === summary.accountId)?.description ?? 'A removed account';
}


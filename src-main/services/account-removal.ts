/**
 * Removing an account, in one place, so nothing of it is left half there: its messages waiting in
 * the outbox are cancelled and kept as drafts (their words are not lost and can go from another
 * account), then its settings, saved passwords and browser sign-in go, its cached access tokens are
 * forgotten, and the copy of its mail downloaded to this computer is deleted (mail on the server is
 * not touched). The renderer says all of this before the person confirms.
 */
import type { ComposeDraft } from '../../shared/outbox';
import { ComposeDraftSchema } from '../../shared/outbox';
import { fail, ok, type Result } from '../../shared/result';
import type { AccountService } from './accounts';
import type { DraftStore } from './drafts';
import type { Logger } from './logger';
import type { OutboxJob } from './outbox/types';

/** Messages that will still be sent on their own: these are the "waiting" ones the dialog counts. */
export const WAITING_STATES: ReadonlySet<OutboxJob['state']> = new Set(['queued', 'retrying', 'signin']);

export interface AccountRemovalDeps {
  accounts: Pick<AccountService, 'get' | 'delete'>;
  outbox: { list(): OutboxJob[]; cancel(id: string): Promise<Result<OutboxJob>> };
  drafts: Pick<DraftStore, 'save' | 'delete'>;
  /** Closes the account's mail source and deletes its downloaded mail. */
  forgetMail(accountId: string): Promise<void>;
  /** Forgets access tokens cached in memory for the account. */
  forgetTokens(accountId: string): void;
  logger: Logger;
}

export function createAccountRemoval(deps: AccountRemovalDeps) {
  return async function removeAccount(id: string): Promise<Result<{ id: string; keptAsDrafts: number }>> {
    if (!deps.accounts.get(id)) return fail('ACCOUNT_NOT_FOUND');
    const jobs = deps.outbox.list().filter((j) => j.accountId === id);
    // A message on its way right now cannot be taken back: the person tries again once it is done.
    if (jobs.some((j) => j.state === 'sending')) return fail('JOB_NOT_ALLOWED');
    const waiting = jobs.filter((j) => WAITING_STATES.has(j.state));
    const drafts: Array<{ job: OutboxJob; draft: ComposeDraft }> = [];
    for (const job of waiting) {
      const draft = ComposeDraftSchema.safeParse(job.draft);
      // Without a draft to keep, cancelling would lose the message: leave everything as it is.
      if (!draft.success) return fail('JOB_NOT_ALLOWED');
      drafts.push({ job, draft: draft.data });
    }
    let kept = 0;
    for (const { job, draft } of drafts) {
      // The draft first: if the cancel is refused (it started sending meanwhile), the draft goes again.
      let saved: { id: string };
      try {
        saved = await deps.drafts.save(undefined, draft);
      } catch (error) {
        deps.logger.error('accounts: a waiting message could not be kept as a draft', { error });
        return fail('DRAFT_UNWRITABLE');
      }
      const cancelled = await deps.outbox.cancel(job.id);
      if (!cancelled.ok) {
        await deps.drafts.delete(saved.id).catch(() => undefined);
        return cancelled;
      }
      kept += 1;
    }
    const deleted = deps.accounts.delete(id);
    if (!deleted.ok) return deleted;
    deps.forgetTokens(id);
    try {
      await deps.forgetMail(id);
    } catch (error) {
      // The account is gone either way; its folder is only a cache, and the log says where it stayed.
      deps.logger.warn('accounts: downloaded mail of a removed account not deleted', { error });
    }
    deps.logger.info('accounts: removed', { keptAsDrafts: kept });
    return ok({ id, keptAsDrafts: kept });
  };
}

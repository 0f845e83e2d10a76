/** The draft for a reply, reply all or forward of a received message (forward: the attachments come along as files). */
import type { MessageRef, ReplyMode } from '../../../shared/mail';
import type { AttachmentRef, ComposeDraft } from '../../../shared/outbox';
import { fail, ok, type Result } from '../../../shared/result';
import type { AccountService } from '../accounts';
import type { AttachmentRegistry } from '../attachments';
import { writeForwardCopies } from './attachments-save';
import { composeFrom } from './compose-from';
import type { LoadedMessage } from './message-view';

export async function replyDraft(
  deps: {
    dataDir: string;
    accounts: AccountService;
    attachments: AttachmentRegistry;
    load: (ref: MessageRef) => Promise<Result<LoadedMessage>>;
  },
  ref: MessageRef & { mode: ReplyMode },
): Promise<Result<ComposeDraft>> {
  const loaded = await deps.load(ref);
  if (!loaded.ok) return loaded;
  const account = deps.accounts.get(ref.accountId);
  if (!account) return fail('ACCOUNT_NOT_FOUND');
  const { raw, parsed } = loaded.value;
  const forwarded: AttachmentRef[] = ref.mode === 'forward' ? await writeForwardCopies(deps, raw, parsed) : [];
  return ok(composeFrom(parsed, ref.mode, account, forwarded));
}

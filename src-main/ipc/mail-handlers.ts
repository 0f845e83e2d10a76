/** The mail:* channels (reading, actions, reply drafts) and app:openExternal. */
import type { Channel, ParsedRequestOf, ResponseOf } from '../../shared/ipc';
import { fail, ok, type Result } from '../../shared/result';
import { externalUrlToOpen } from '../services/link-policy';
import type { MailService } from '../services/mail';

type MailChannel = Extract<Channel, `mail:${string}` | 'app:openExternal'>;
type MailHandlers = { [C in MailChannel]: (request: ParsedRequestOf<C>) => Promise<Result<ResponseOf<C>>> };

export function createMailHandlers(deps: { mail: MailService; openExternal: (url: string) => Promise<void> }): MailHandlers {
  const { mail } = deps;
  return {
    'mail:folders': ({ accountId }) => mail.folders(accountId),
    'mail:list': ({ accountId, folder, offset, limit }) => mail.list(accountId, folder, offset, limit),
    'mail:search': ({ accountId, folder, query, field, limit }) => mail.search(accountId, folder, query, field, limit),
    'mail:open': (ref) => mail.open(ref),
    'mail:setFlags': ({ accountId, folder, uids, seen, flagged }) =>
      mail.setFlags(accountId, folder, uids, { ...(seen !== undefined ? { seen } : {}), ...(flagged !== undefined ? { flagged } : {}) }),
    'mail:move': ({ accountId, folder, uids, to }) => mail.move(accountId, folder, uids, to),
    'mail:delete': ({ accountId, folder, uids }) => mail.delete(accountId, folder, uids),
    'mail:allowRemote': (request) => mail.allowRemote(request),
    'mail:saveAttachment': (request) => mail.saveAttachment(request),
    'mail:compose': (request) => mail.compose(request),
    'mail:refresh': ({ accountId }) => mail.refresh(accountId),
    'mail:statuses': async () => ok(mail.statuses()),
    'mail:wake': async () => {
      mail.wake();
      return ok({});
    },
    'app:openExternal': async ({ url }) => {
      // The schema allows http(s) only; the same check as links clicked in the app's own window.
      const target = externalUrlToOpen(url);
      if (!target || !/^https?:/.test(target)) return fail('INVALID_REQUEST', { fields: [{ path: 'url', problem: 'scheme' }] });
      await deps.openExternal(target);
      return ok({ opened: true });
    },
  };
}

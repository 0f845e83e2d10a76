/**
 * The mail merge channels (issue 14): each hands the parsed request to the merge service
 * (src-main/services/merge/service.ts), where the work is. Kept apart like the outbox's group.
 */
import type { Channel, ParsedRequestOf, ResponseOf } from '../../shared/ipc';
import { ok, type Result } from '../../shared/result';
import type { MergeService } from '../services/merge/service';

type MergeChannel = Extract<Channel, `merge:${string}`>;
type MergeHandlers = { [C in MergeChannel]: (request: ParsedRequestOf<C>) => Promise<Result<ResponseOf<C>>> };

export function createMergeHandlers(merge: MergeService): MergeHandlers {
  return {
    'merge:load': ({ source }) => merge.load(source),
    'merge:check': ({ mergeId, mapping }) => merge.check(mergeId, mapping),
    'merge:review': ({ mergeId, mapping, template }) => merge.review(mergeId, mapping, template),
    'merge:preview': ({ mergeId, mapping, template, index }) => merge.preview(mergeId, mapping, template, index),
    'merge:plan': ({ mergeId, mapping, template }) => merge.plan(mergeId, mapping, template),
    'merge:test': ({ mergeId, mapping, template, count }) => merge.test(mergeId, mapping, template, count),
    'merge:start': ({ mergeId, mapping, template, withoutUnsubscribe, rehearse }) => merge.start(mergeId, mapping, template, withoutUnsubscribe, rehearse),
    'merge:list': async () => ok(merge.list()),
    'merge:pause': ({ batchId }) => merge.pause(batchId),
    'merge:resume': ({ batchId }) => merge.resume(batchId),
    'merge:cancel': ({ batchId }) => merge.cancel(batchId),
    'merge:results': ({ batchId }) => merge.results(batchId),
    'merge:retryFailed': ({ batchId }) => merge.retryFailed(batchId),
    'merge:export': ({ batchId }) => merge.export(batchId),
    'merge:close': async ({ mergeId }) => ok(merge.close(mergeId)),
  };
}

/**
 * The sandbox channels (issue 15): each hands the parsed request to the sandbox service
 * (src-main/services/sandbox/service.ts), where the work is. Kept apart like the merge's group.
 */
import type { Channel, ParsedRequestOf, ResponseOf } from '../../shared/ipc';
import { ok, type Result } from '../../shared/result';
import type { SandboxService } from '../services/sandbox/service';

type SandboxChannel = Extract<Channel, `sandbox:${string}`>;
export type SandboxHandlers = { [C in SandboxChannel]: (request: ParsedRequestOf<C>) => Promise<Result<ResponseOf<C>>> };

export function createSandboxHandlers(sandbox: SandboxService): SandboxHandlers {
  return {
    'sandbox:status': async () => ok(sandbox.status()),
    'sandbox:list': ({ offset, limit, batchId }) => sandbox.list(offset, limit, batchId),
    'sandbox:open': ({ id }) => sandbox.open(id),
    'sandbox:saveSource': ({ id }) => sandbox.saveSource(id),
    'sandbox:delete': ({ id }) => sandbox.delete(id),
    'sandbox:clear': () => sandbox.clear(),
    'sandbox:setFaults': async ({ faults }) => sandbox.setFaults(faults),
    'sandbox:setHidden': async ({ hidden }) => sandbox.setHidden(hidden),
  };
}

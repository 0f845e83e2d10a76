/**
 * The sandbox channels (issue 15): each hands the parsed request to the sandbox service
 * (src-main/services/sandbox/), where the work is. Kept apart like the merge's group.
 *
 * BASE ONLY: until the service is wired (helper "sandbox-main"), every channel answers
 * SANDBOX_UNAVAILABLE, which the renderer puts into words.
 */
import type { Channel, ParsedRequestOf, ResponseOf } from '../../shared/ipc';
import { fail, type Result } from '../../shared/result';

type SandboxChannel = Extract<Channel, `sandbox:${string}`>;
export type SandboxHandlers = { [C in SandboxChannel]: (request: ParsedRequestOf<C>) => Promise<Result<ResponseOf<C>>> };

export function createSandboxHandlers(): SandboxHandlers {
  const unavailable = async () => fail('SANDBOX_UNAVAILABLE');
  return {
    'sandbox:status': unavailable,
    'sandbox:list': unavailable,
    'sandbox:open': unavailable,
    'sandbox:saveSource': unavailable,
    'sandbox:delete': unavailable,
    'sandbox:clear': unavailable,
    'sandbox:setFaults': unavailable,
    'sandbox:setHidden': unavailable,
  };
}

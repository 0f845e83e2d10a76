/**
 * An account saved after a failed check says what failed, on the accounts screen: the server and
 * the stage, and the reason in the same words the check used, until a check of these settings passes.
 */
import type { Account } from '../../../shared/model';
import type { StageName } from '../../../shared/verify';
import { explain } from '../../../shared/error-text';
import { formatTime } from '../../ui/format';
import { PROTOCOL_LABEL, STAGE_LABEL } from '../verify/VerifyPanel';

export function LastCheckProblem({ account }: { account: Account }) {
  const check = account.lastCheck;
  if (!check || check.ok || !check.failure) return null;
  const { protocol, stage, error } = check.failure;
  const { title, advice } = explain(error, protocol);
  const step = STAGE_LABEL[protocol][stage as StageName] ?? stage;
  return (
    <div className="notice notice--warning account__problem" role="group" aria-label={`${account.description}: the last check failed`}>
      <p className="notice__title">
        The last check failed at {PROTOCOL_LABEL[protocol]}, {step.toLowerCase()} ({formatTime(check.at)}): {title}
      </p>
      <p>{advice} Then choose “Check again”.</p>
    </div>
  );
}

import { useCallback, useEffect, useRef, useState } from 'react';
import type { RequestOf } from '../../../shared/ipc';
import type { AppError } from '../../../shared/result';
import type { Stage, VerifyReport } from '../../../shared/verify';
import { getApi } from '../../api';

export interface VerificationState {
  running: boolean;
  /** Stages as they happen (from progress events), replaced by the final list when the run ends. */
  stages: Stage[];
  report: VerifyReport | null;
  /** The request itself was refused (e.g. invalid input), as opposed to a stage failing. */
  error: AppError | null;
}

const idle: VerificationState = { running: false, stages: [], report: null, error: null };

/** Runs accounts:verify and follows its progress events. */
export function useVerification() {
  const [state, setState] = useState<VerificationState>(idle);
  const current = useRef<string | null>(null);

  useEffect(
    () =>
      getApi().events.accountsVerifyProgress(({ runId, stage }) => {
        if (runId !== current.current) return;
        setState((s) => {
          const stages = [...s.stages];
          const at = stages.findIndex((x) => x.protocol === stage.protocol && x.name === stage.name && x.status === 'running');
          if (at >= 0 && stage.status !== 'running') stages[at] = stage;
          else stages.push(stage);
          return { ...s, stages };
        });
      }),
    [],
  );

  const start = useCallback(async (request: Omit<RequestOf<'accounts:verify'>, 'runId'>): Promise<VerifyReport | null> => {
    const runId = `run-${Date.now()}-${Math.random().toString(36).slice(2, 10)}`;
    current.current = runId;
    setState({ running: true, stages: [], report: null, error: null });
    const result = await getApi().accounts.verify({ ...request, runId });
    if (current.current !== runId) return null;
    // Progress events may still be in flight behind the answer: the final list below is complete.
    current.current = null;
    setState(result.ok ? { running: false, stages: result.value.stages, report: result.value, error: null } : { ...idle, error: result.error });
    return result.ok ? result.value : null;
  }, []);

  const reset = useCallback(() => {
    current.current = null;
    setState(idle);
  }, []);

  return { ...state, start, reset };
}

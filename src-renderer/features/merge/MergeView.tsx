import { useEffect, useRef, useState } from 'react';
import type { MergeRun } from '../../../shared/merge/contract';
import type { Account } from '../../../shared/model';
import { MergeRuns } from './MergeRuns';
import { MergeSetup } from './MergeSetup';
import { plural } from './merge-text';

/**
 * "Mail merge": one personal message per row of a table. Above, a new merge is set up step by step;
 * below, the merges already started (MergeRuns: progress, pause, results). Starting one resets the
 * setup and moves focus down to the started merges.
 */
export function MergeView(props: { accounts: Account[]; onOpenSandbox?: (batchId: string) => void }) {
  /** A new setup after each start (its state, its steps and its open merge in main start over). */
  const [round, setRound] = useState(0);
  const [started, setStarted] = useState<string>('');
  const runs = useRef<HTMLDivElement>(null);
  const moveToRuns = useRef(false);

  useEffect(() => {
    if (!moveToRuns.current) return;
    moveToRuns.current = false;
    const heading = runs.current?.querySelector<HTMLElement>('h2');
    if (!heading) return;
    if (!heading.hasAttribute('tabindex')) heading.tabIndex = -1;
    heading.focus();
    heading.scrollIntoView({ block: 'start' });
  }, [round]);

  function onStarted(run: MergeRun) {
    setStarted(`Merge started: ${plural(run.total, 'message')} (“${run.name}”). Its progress is shown below.`);
    moveToRuns.current = true;
    setRound((r) => r + 1);
  }

  return (
    <div className="merge">
      <h1>Mail merge</h1>
      <p className="muted merge__intro">One personal message to each row of a table: open the data, write the message, check every row, send a test, then send.</p>
      <p role="status" className={started ? 'notice notice--success' : 'visually-hidden-status'} aria-label="Merge started">
        {started}
      </p>
      <MergeSetup key={round} accounts={props.accounts} onStarted={onStarted} {...(props.onOpenSandbox ? { onOpenSandbox: props.onOpenSandbox } : {})} />
      <div ref={runs} className="merge__runs card">
        <MergeRuns accounts={props.accounts} />
      </div>
    </div>
  );
}

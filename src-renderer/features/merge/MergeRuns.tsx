import type { Account } from '../../../shared/model';

/**
 * The merges that were started: progress, pause, resume, cancel, results. Being built on its own
 * branch (merge-runs); this first version only names the section so the merge view can hold it.
 */
export function MergeRuns(_props: { accounts: Account[] }) {
  return (
    <section aria-labelledby="merge-runs-heading">
      <h2 id="merge-runs-heading">Merges sent</h2>
    </section>
  );
}

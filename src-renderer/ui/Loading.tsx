import type { JSX } from 'react';

/**
 * What a part of the window shows while its code is still loading (a lazily loaded view or the
 * editor): a visible line of text, announced politely, named for what is coming.
 */
export function Loading(props: { what: string }): JSX.Element {
  return (
    <p className="loading" role="status" aria-live="polite">
      Loading {props.what}…
    </p>
  );
}

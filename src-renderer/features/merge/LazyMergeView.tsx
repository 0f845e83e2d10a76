/**
 * The Mail merge view, loaded when it is first shown: it brings the preview's sanitizer (DOMPurify)
 * and its steps, which the first screen does not need (as LazyMailView does for the Mail view).
 */
import { lazy, Suspense, type ComponentProps, type JSX } from 'react';
import { Loading } from '../../ui/Loading';
import type { MergeView as EagerMergeView } from './MergeView';

const View = lazy(() => import('./MergeView').then((m) => ({ default: m.MergeView })));

export function MergeView(props: ComponentProps<typeof EagerMergeView>): JSX.Element {
  return (
    <Suspense fallback={<Loading what="mail merge" />}>
      <View {...props} />
    </Suspense>
  );
}

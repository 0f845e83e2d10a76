/**
 * The Sandbox view, loaded when it is first shown: it brings the mail view's sanitizer (DOMPurify)
 * and its own panes, which the first screen does not need (as LazyMergeView does).
 */
import { lazy, Suspense, type ComponentProps, type JSX } from 'react';
import { Loading } from '../../ui/Loading';
import type { SandboxView as EagerSandboxView } from './SandboxView';

const View = lazy(() => import('./SandboxView').then((m) => ({ default: m.SandboxView })));

export function SandboxView(props: ComponentProps<typeof EagerSandboxView>): JSX.Element {
  return (
    <Suspense fallback={<Loading what="sandbox" />}>
      <View {...props} />
    </Suspense>
  );
}

/**
 * The Mail view, loaded when it is first shown: it brings the message list, the message pane and
 * DOMPurify, none of which the first screen of a new install (the wizard) needs. A chunk of its
 * own, fetched from the app's own origin (allowed by the CSP's script-src 'self').
 */
import { lazy, Suspense, type ComponentProps, type JSX } from 'react';
import { Loading } from '../../ui/Loading';
import type { MailView as EagerMailView } from './MailView';

const load = () => import('./MailView');
let loading: ReturnType<typeof load> | null = null;

/** Starts fetching the Mail view's code now, once (a start with accounts shows it first: see ui/start-hint.ts). */
export function preloadMailView(): ReturnType<typeof load> {
  loading ??= load();
  return loading;
}

const View = lazy(() => preloadMailView().then((m) => ({ default: m.MailView })));

export function MailView(props: ComponentProps<typeof EagerMailView>): JSX.Element {
  return (
    <Suspense fallback={<Loading what="your mail" />}>
      <View {...props} />
    </Suspense>
  );
}

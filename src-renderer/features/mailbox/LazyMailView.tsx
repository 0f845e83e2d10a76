/**
 * The Mail view, loaded when it is first shown: it brings the message list, the message pane and
 * DOMPurify, none of which the first screen of a new install (the wizard) needs. A chunk of its
 * own, fetched from the app's own origin (allowed by the CSP's script-src 'self').
 */
import { lazy, Suspense, type ComponentProps, type JSX } from 'react';
import { Loading } from '../../ui/Loading';
import type { MailView as EagerMailView } from './MailView';

const View = lazy(() => import('./MailView').then((m) => ({ default: m.MailView })));

export function MailView(props: ComponentProps<typeof EagerMailView>): JSX.Element {
  return (
    <Suspense fallback={<Loading what="your mail" />}>
      <View {...props} />
    </Suspense>
  );
}

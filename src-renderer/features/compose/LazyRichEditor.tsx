/**
 * The message editor, loaded when a compose window first needs it. TipTap and ProseMirror are
 * over a third of the renderer's code; the first screen (the wizard, the mail list) does not need
 * them, so they are a chunk of their own (with RichEditor.css) that the app fetches from its own
 * origin (app:// in the packaged app, allowed by the CSP's script-src 'self').
 */
import { lazy, Suspense, type ComponentProps, type JSX } from 'react';
import { Loading } from '../../ui/Loading';
import type { RichEditor as EagerRichEditor } from './RichEditor';

const Editor = lazy(() => import('./RichEditor').then((m) => ({ default: m.RichEditor })));

export function RichEditor(props: ComponentProps<typeof EagerRichEditor>): JSX.Element {
  return (
    <Suspense fallback={<Loading what="the editor" />}>
      <Editor {...props} />
    </Suspense>
  );
}

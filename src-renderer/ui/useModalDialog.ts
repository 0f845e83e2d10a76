import { useEffect, useRef } from 'react';

/**
 * A <dialog> shown modal as soon as it is drawn (focus trapped inside, Escape fires its cancel
 * event). No close() on cleanup: removing the element ends the modal state, and a close event would
 * reach the dialog's own cancel or close handler.
 */
export function useModalDialog() {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  return ref;
}

import { useState } from 'react';
import type { AppError } from '../../../shared/result';
import { getApi } from '../../api';
import { ErrorNotice } from '../../ui/ErrorNotice';
import { deceptiveHost, disguisedAs } from './links';
import { useModalDialog } from '../../ui/useModalDialog';

export interface PendingLink {
  /** The real target, as the browser would open it. */
  url: string;
  host: string;
  /** What the message showed as the link. */
  text: string;
}

/** Before a link from a message opens in the browser, the person sees where it really goes. */
export function LinkDialog(props: { link: PendingLink; onClose: () => void }) {
  const ref = useModalDialog();
  const [error, setError] = useState<AppError | null>(null);
  const disguise = disguisedAs(props.link.url);
  const shown = disguise ?? deceptiveHost(props.link.text, props.link.host);


  async function open() {
    const result = await getApi().app.openExternal({ url: props.link.url });
    if (result.ok) props.onClose();
    else setError(result.error);
  }

  return (
    <dialog ref={ref} className="link-dialog" aria-labelledby="link-dialog-title" onClose={props.onClose}>
      <h2 id="link-dialog-title">Open this link in your browser?</h2>
      <p>This link goes to:</p>
      <p className="link-dialog__url" aria-label="Link target">
        {props.link.url}
      </p>
      {disguise ? (
        <p className="notice notice--warning" role="alert">
          This address starts with “{disguise}@”, but it really goes to {props.link.host}: the part before “@” is not the website. Links like this are used to
          steal passwords, and Mailwright does not open them.
        </p>
      ) : shown ? (
        <p className="notice notice--warning" role="alert">
          The message shows this link as “{shown}”, but it really goes to {props.link.host}. Links like this are often used to steal passwords: open it only if you
          trust the sender.
        </p>
      ) : null}
      {error ? <ErrorNotice error={error} /> : null}
      <div className="actions">
        <button type="button" onClick={props.onClose}>
          Cancel
        </button>
        {disguise ? null : (
          <button type="button" className="primary" onClick={open}>
            Open in browser
          </button>
        )}
      </div>
    </dialog>
  );
}

import { useEffect, useRef } from 'react';
import { SEND_QUESTION_TEXT, type SendQuestion } from '../../../shared/compose-checks';
import { useModalDialog } from '../../ui/useModalDialog';

/**
 * Asked once before a message goes that may not be ready: no subject, no text, or an attachment it mentions
 * but does not carry. One dialog with every reason; "Send anyway" sends, "Go back" (or Escape) returns to
 * the message. Focus starts on "Go back", the safe choice.
 */
export function AskBeforeSending(props: { questions: SendQuestion[]; onSend: () => void; onCancel: () => void }) {
  const ref = useModalDialog();
  const back = useRef<HTMLButtonElement>(null);
  // After the hook's effect has shown the dialog: focus on the safe choice.
  useEffect(() => {
    back.current?.focus();
  }, []);
  const only = props.questions.length === 1 ? props.questions[0] : undefined;
  return (
    <dialog
      ref={ref}
      className="link-dialog"
      role="alertdialog"
      aria-labelledby="ask-send-title"
      aria-describedby="ask-send-reasons"
      onCancel={(e) => {
        // Escape: back to the message (and not on to the compose window's own Escape, which closes it).
        e.preventDefault();
        props.onCancel();
      }}
      onKeyDown={(e) => {
        if (e.key !== 'Escape') return;
        e.preventDefault();
        props.onCancel();
      }}
    >
      <h2 id="ask-send-title">{only === 'no-subject' ? 'Send without a subject?' : only === 'no-body' ? 'Send without any text?' : only === 'attachment-mentioned' ? 'Send without an attachment?' : 'Send this message as it is?'}</h2>
      <ul id="ask-send-reasons">
        {props.questions.map((q) => (
          <li key={q}>{SEND_QUESTION_TEXT[q]}</li>
        ))}
      </ul>
      <div className="actions">
        <button ref={back} type="button" onClick={props.onCancel}>
          Go back
        </button>
        <button type="button" className="primary" onClick={props.onSend}>
          Send anyway
        </button>
      </div>
    </dialog>
  );
}

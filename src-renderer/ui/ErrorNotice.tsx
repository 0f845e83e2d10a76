import type { ServerProtocol } from '../../shared/discovery';
import type { AppError } from '../../shared/result';
import { enhancedStatusText, explain } from '../../shared/error-text';

/** A failure in plain words, what to try, and the server's own reply when there is one. */
export function ErrorNotice({ error, context, protocol }: { error: AppError; context?: string; protocol?: ServerProtocol }) {
  const { title, advice } = explain(error, protocol);
  const reply = error.detail?.serverReply;
  const reason = enhancedStatusText(error.detail?.enhancedStatus);
  return (
    <div className="notice notice--error" role="alert">
      <p className="notice__title">
        {context ? `${context}: ` : ''}
        {title}
      </p>
      <p>{advice}</p>
      {reason ? <p>{reason}</p> : null}
      {reply ? (
        <p className="notice__reply">
          The server said: <q>{reply}</q>
        </p>
      ) : null}
    </div>
  );
}

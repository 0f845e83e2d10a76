import type { AppError } from '../../shared/result';
import { explain } from './error-text';

/** A failure in plain words, what to try, and the server's own reply when there is one. */
export function ErrorNotice({ error, context }: { error: AppError; context?: string }) {
  const { title, advice } = explain(error);
  const reply = error.detail?.serverReply;
  return (
    <div className="notice notice--error" role="alert">
      <p className="notice__title">
        {context ? `${context}: ` : ''}
        {title}
      </p>
      <p>{advice}</p>
      {reply ? (
        <p className="notice__reply">
          The server said: <q>{reply}</q>
        </p>
      ) : null}
    </div>
  );
}

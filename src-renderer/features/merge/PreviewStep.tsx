import { useEffect, useId, useMemo, useState } from 'react';
import type { MergeMapping, MergePreview, MergeReview, MergeTemplate } from '../../../shared/merge/contract';
import type { AppError } from '../../../shared/result';
import { getApi } from '../../api';
import { ErrorNotice } from '../../ui/ErrorNotice';
import { formatBytes } from '../../ui/format';
import { MessageFrame } from '../mailbox/MessageFrame';
import { sanitizeMail } from '../mailbox/sanitize';
import { plural, warningText } from './merge-text';

/**
 * Step 3: every row's message as its recipient will get it, one at a time: previous, next, go to a
 * row, the next row with a warning. The HTML goes through the mail view's sanitizer and its sandboxed
 * frame, as a received message does (a value in a row is text, but the frame is the one safe display).
 */
export function PreviewStep(props: {
  mergeId: string;
  mapping: MergeMapping;
  template: MergeTemplate;
  onReview: (review: MergeReview) => void;
  /** True when the error was about the template (the setup goes back to the message and shows it there). */
  onTemplateError: (error: AppError) => boolean;
  onBack: () => void;
  onNext: () => void;
}) {
  const id = useId();
  const { mergeId, mapping, template, onReview, onTemplateError } = props;
  const [review, setReview] = useState<MergeReview | null>(null);
  const [index, setIndex] = useState(0);
  const [preview, setPreview] = useState<MergePreview | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [goTo, setGoTo] = useState('1');
  const key = JSON.stringify({ mergeId, mapping, template });

  useEffect(() => {
    let current = true;
    const request = JSON.parse(key) as { mergeId: string; mapping: MergeMapping; template: MergeTemplate };
    void getApi()
      .merge.review(request)
      .then((result) => {
        if (!current) return;
        if (result.ok) {
          setReview(result.value);
          onReview(result.value);
        } else if (!onTemplateError(result.error)) setError(result.error);
      });
    return () => {
      current = false;
    };
    // The request (key) decides; onReview and onTemplateError are the setup's own and change with every render.
  }, [key]);

  useEffect(() => {
    let current = true;
    const request = JSON.parse(key) as { mergeId: string; mapping: MergeMapping; template: MergeTemplate };
    void getApi()
      .merge.preview({ ...request, index })
      .then((result) => {
        if (!current) return;
        if (result.ok) {
          setPreview(result.value);
          setError(null);
          setGoTo(String(result.value.index + 1));
        } else if (!onTemplateError(result.error)) setError(result.error);
      });
    return () => {
      current = false;
    };
  }, [key, index]);

  const total = review?.total ?? preview?.total ?? 0;
  const nextWarning = useMemo(() => {
    const rows = review?.rows ?? [];
    return rows.find((r) => r.index > index && r.warnings.length) ?? rows.find((r) => r.warnings.length && r.index !== index) ?? null;
  }, [review, index]);
  const wanted = Number(goTo);
  const goToValid = Number.isInteger(wanted) && wanted >= 1 && wanted <= total;
  const mail = useMemo(() => (preview?.html ? sanitizeMail(preview.html, { allowRemote: false, inlineImages: {} }) : null), [preview?.html]);
  const shown = preview && preview.index === index ? preview : null;

  return (
    <section aria-labelledby={`${id}-heading`} className="merge-step">
      <h2 id={`${id}-heading`} tabIndex={-1} data-step-heading="">
        Preview
      </h2>
      {review ? (
        <p className={review.withWarnings ? 'notice notice--warning' : 'notice notice--info'} role="status" aria-label="Preview summary">
          {review.withWarnings === 0
            ? `No warnings: all ${plural(review.total, 'message')} can be sent.`
            : `${plural(review.withWarnings, 'row')} ${review.withWarnings === 1 ? 'has' : 'have'} warnings; ${(review.total - review.sendable).toLocaleString()} will not be sent.`}
        </p>
      ) : (
        <p role="status" className="muted">
          Building the messages…
        </p>
      )}
      {error ? <ErrorNotice error={error} context="The preview could not be made" /> : null}
      <div className="merge-nav" role="group" aria-label="Rows">
        <button type="button" disabled={index === 0} onClick={() => setIndex((i) => Math.max(0, i - 1))}>
          Previous
        </button>
        <button type="button" disabled={index + 1 >= total} onClick={() => setIndex((i) => Math.min(total - 1, i + 1))}>
          Next
        </button>
        <div className="merge-nav__goto">
          <label htmlFor={`${id}-goto`}>Go to row</label>
          <input
            id={`${id}-goto`}
            type="number"
            min={1}
            max={Math.max(total, 1)}
            value={goTo}
            onChange={(e) => setGoTo(e.target.value)}
            onKeyDown={(e) => {
              // Enter here jumps to the row; nothing else.
              if (e.key !== 'Enter') return;
              e.preventDefault();
              if (goToValid) setIndex(wanted - 1);
            }}
          />
          <button type="button" disabled={!goToValid} onClick={() => setIndex(wanted - 1)}>
            Go
          </button>
        </div>
        <button type="button" disabled={!nextWarning} onClick={() => nextWarning && setIndex(nextWarning.index)}>
          Next row with a warning
        </button>
      </div>
      {shown ? (
        <article className="merge-preview" aria-labelledby={`${id}-position`}>
          <p id={`${id}-position`} className="merge-preview__position">
            Row {(shown.index + 1).toLocaleString()} of {shown.total.toLocaleString()} (line {shown.row.toLocaleString()} in the file)
          </p>
          {shown.warnings.length ? (
            <div className={shown.sendable ? 'notice notice--warning' : 'notice notice--error'} role="note" aria-label="Warnings for this row">
              {shown.sendable ? null : <p className="notice__title">This row will not be sent.</p>}
              <ul>
                {shown.warnings.map((w, i) => (
                  <li key={i}>{warningText(w)}</li>
                ))}
              </ul>
            </div>
          ) : null}
          <dl className="message__headers">
            <dt>From</dt>
            <dd>{shown.from}</dd>
            <dt>To</dt>
            <dd>{shown.to.join(', ') || '—'}</dd>
            {shown.cc.length ? (
              <>
                <dt>Cc</dt>
                <dd>{shown.cc.join(', ')}</dd>
              </>
            ) : null}
            <dt>Subject</dt>
            <dd>{shown.subject || '(no subject)'}</dd>
            {shown.attachments.length ? (
              <>
                <dt>Attachments</dt>
                <dd>
                  <ul className="merge-preview__files">
                    {shown.attachments.map((a, i) => (
                      <li key={i}>
                        {a.name} <span className="muted">{formatBytes(a.size)}</span>
                      </li>
                    ))}
                  </ul>
                </dd>
              </>
            ) : null}
            {shown.sizeBytes !== undefined ? (
              <>
                <dt>Size</dt>
                <dd>{formatBytes(shown.sizeBytes)}</dd>
              </>
            ) : null}
          </dl>
          {mail ? (
            <MessageFrame mail={mail} allowRemote={false} onLink={() => undefined} />
          ) : (
            <pre className="message-text merge-preview__text" role="region" aria-label="Message text">
              {shown.text}
            </pre>
          )}
        </article>
      ) : !error ? (
        <p className="muted">Loading the row…</p>
      ) : null}
      <div className="actions">
        <button type="button" onClick={props.onBack}>
          Back: message
        </button>
        <button type="button" className="primary" onClick={props.onNext}>
          Next: send
        </button>
      </div>
    </section>
  );
}

import { useMemo, useState } from 'react';
import type { Folder, MailAddress, MessageView, ReplyMode } from '../../../shared/mail';
import type { ComposeDraft } from '../../../shared/outbox';
import type { AppError } from '../../../shared/result';
import { getApi } from '../../api';
import { ErrorNotice } from '../../ui/ErrorNotice';
import { Field } from '../../ui/Field';
import { formatBytes, formatFullDate } from '../../ui/format';
import { folderLabel } from './folders';
import { LinkDialog, type PendingLink } from './LinkDialog';
import { classifyLink, splitLinks } from './links';
import { ErrorBoundary } from '../../ui/ErrorBoundary';
import { MessageFrame } from './MessageFrame';
import { sanitizeMail } from './sanitize';

const person = (a: MailAddress) => (a.name ? `${a.name} <${a.address}>` : a.address);
const people = (list: MailAddress[]) => list.map(person).join(', ');

const linkedText = (subject: string | null) =>
  subject !== null ? `Linked to your message “${subject || '(no subject)'}”; the outbox shows it too.` : 'Linked to a message you sent; the outbox shows it too.';

/** What the pane tells its list after an action, so the row and the counts follow without a reload. */
export type PaneChange = { kind: 'flags'; uid: number; seen?: boolean; flagged?: boolean } | { kind: 'removed'; uid: number; text: string };

function PlainText(props: { text: string; onLink: (href: string, text: string) => void }) {
  const parts = useMemo(() => splitLinks(props.text), [props.text]);
  return (
    <div className="message-text">
      {parts.map((p, i) =>
        p.href ? (
          <a
            key={i}
            href={p.href}
            onClick={(e) => {
              e.preventDefault();
              props.onLink(p.href ?? '', p.text);
            }}
          >
            {p.text}
          </a>
        ) : (
          <span key={i}>{p.text}</span>
        ),
      )}
    </div>
  );
}

export function MessagePane(props: {
  view: MessageView;
  /** From the list row: the view itself carries no flags. */
  flagged: boolean;
  folders: Folder[];
  /** The subject of an outbox job, for a delivery report linked to it. */
  describeJob: (id: string) => string | null;
  onView: (view: MessageView) => void;
  onCompose: (draft: ComposeDraft) => void;
  onChange: (change: PaneChange) => void;
}) {
  const { view } = props;
  const { ref } = view;
  const [error, setError] = useState<AppError | null>(null);
  const [note, setNote] = useState('');
  const [seen, setSeen] = useState(true);
  const [flagged, setFlagged] = useState(props.flagged);
  const [moveTo, setMoveTo] = useState('');
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [link, setLink] = useState<PendingLink | null>(null);
  const [busy, setBusy] = useState(false);

  const mail = useMemo(() => {
    if (view.html === null) return null;
    try {
      return sanitizeMail(view.html, { allowRemote: view.remoteContent.allowed, inlineImages: view.inlineImages });
    } catch {
      // HTML the cleaner cannot handle is never shown as it is: the message's text is shown instead.
      return null;
    }
  }, [view.html, view.remoteContent.allowed, view.inlineImages]);
  const here = props.folders.find((f) => f.path === ref.folder);
  const inTrash = here?.role === 'trash';
  const targets = props.folders.filter((f) => f.selectable && f.path !== ref.folder);

  async function run<T>(action: () => Promise<{ ok: true; value: T } | { ok: false; error: AppError }>, then: (value: T) => void) {
    setBusy(true);
    setError(null);
    setNote('');
    const result = await action();
    setBusy(false);
    if (result.ok) then(result.value);
    else setError(result.error);
  }

  const compose = (mode: ReplyMode) => run(() => getApi().mail.compose({ ...ref, mode }), props.onCompose);
  const setFlags = (flags: { seen?: boolean; flagged?: boolean }) =>
    run(
      () => getApi().mail.setFlags({ accountId: ref.accountId, folder: ref.folder, uids: [ref.uid], ...flags }),
      () => {
        if (flags.seen !== undefined) setSeen(flags.seen);
        if (flags.flagged !== undefined) setFlagged(flags.flagged);
        props.onChange({ kind: 'flags', uid: ref.uid, ...flags });
      },
    );
  const move = () => {
    const to = targets.find((f) => f.path === moveTo);
    if (!to) return;
    void run(
      () => getApi().mail.move({ accountId: ref.accountId, folder: ref.folder, uids: [ref.uid], to: to.path }),
      () => props.onChange({ kind: 'removed', uid: ref.uid, text: `Moved to ${folderLabel(to)}.` }),
    );
  };
  const remove = () =>
    run(
      () => getApi().mail.delete({ accountId: ref.accountId, folder: ref.folder, uids: [ref.uid] }),
      (r) => props.onChange({ kind: 'removed', uid: ref.uid, text: r.permanently ? 'Deleted for good.' : 'Moved to the Trash.' }),
    );
  const allowRemote = (scope: 'message' | 'sender') => run(() => getApi().mail.allowRemote({ ...ref, scope }), props.onView);
  const save = (index: number) =>
    run(
      () => getApi().mail.saveAttachment({ ...ref, index }),
      (r) => setNote(r.saved ? 'Attachment saved.' : ''),
    );

  function onLink(href: string, text: string) {
    const target = classifyLink(href);
    if (target.kind === 'web') setLink({ url: target.url, host: target.host, text });
    else if (target.kind === 'mail') props.onCompose({ ...target.draft, accountId: ref.accountId });
    else if (target.kind === 'refused') setNote(target.reason);
  }

  const report = view.deliveryReport;
  const failed = report?.recipients.some((r) => r.action === 'failed');
  const sender = view.from?.address;

  return (
    <article className="message" aria-labelledby="message-subject">
      <header className="message__head">
        <h2 id="message-subject">{view.subject || '(no subject)'}</h2>
        <dl className="message__headers" aria-label="Message headers">
          <dt>From</dt>
          <dd>{view.from ? person(view.from) : '(unknown sender)'}</dd>
          {view.to.length ? (
            <>
              <dt>To</dt>
              <dd>{people(view.to)}</dd>
            </>
          ) : null}
          {view.cc.length ? (
            <>
              <dt>Cc</dt>
              <dd>{people(view.cc)}</dd>
            </>
          ) : null}
          <dt>Date</dt>
          <dd>{formatFullDate(view.date)}</dd>
        </dl>
      </header>
      <div className="message__actions" role="toolbar" aria-label="Message actions">
        <button type="button" data-command="reply" disabled={busy} onClick={() => compose('reply')}>
          Reply
        </button>
        <button type="button" data-command="reply-all" disabled={busy} onClick={() => compose('replyAll')}>
          Reply all
        </button>
        <button type="button" data-command="forward" disabled={busy} onClick={() => compose('forward')}>
          Forward
        </button>
        <button type="button" disabled={busy} onClick={() => setFlags({ seen: !seen })}>
          {seen ? 'Mark unread' : 'Mark read'}
        </button>
        <button type="button" disabled={busy} aria-pressed={flagged} onClick={() => setFlags({ flagged: !flagged })}>
          {flagged ? 'Unflag' : 'Flag'}
        </button>
        {inTrash && !confirmDelete ? (
          <button type="button" data-command="delete" disabled={busy} onClick={() => setConfirmDelete(true)}>
            Delete for good…
          </button>
        ) : !inTrash ? (
          <button type="button" data-command="delete" disabled={busy} onClick={remove}>
            Delete
          </button>
        ) : null}
      </div>
      {confirmDelete ? (
        <div className="notice notice--warning" role="alert">
          <p>This message is in the Trash: deleting it removes it from the server for good.</p>
          <div className="actions actions--start">
            <button type="button" disabled={busy} onClick={remove}>
              Delete for good
            </button>
            <button type="button" onClick={() => setConfirmDelete(false)}>
              Keep it
            </button>
          </div>
        </div>
      ) : null}
      {targets.length ? (
        <div className="message__move">
          <Field label="Move to folder">
            {({ id }) => (
              <select id={id} value={moveTo} onChange={(e) => setMoveTo(e.target.value)}>
                <option value="">Choose a folder…</option>
                {targets.map((f) => (
                  <option key={f.path} value={f.path}>
                    {folderLabel(f)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <button type="button" disabled={busy || !moveTo} onClick={move}>
            Move
          </button>
        </div>
      ) : null}
      {error ? <ErrorNotice error={error} /> : null}
      <p className="muted" role="status" aria-label="Message status">
        {note}
      </p>

      {report ? (
        <section className="delivery-report" aria-labelledby="delivery-report-title">
          <h3 id="delivery-report-title">{failed ? 'Bounce: your message was not delivered' : 'Delivery report'}</h3>
          {report.linkedJobId ? <p>{linkedText(props.describeJob(report.linkedJobId))}</p> : null}
          <table>
            <thead>
              <tr>
                <th scope="col">Recipient</th>
                <th scope="col">Result</th>
                <th scope="col">Status</th>
                <th scope="col">The server said</th>
              </tr>
            </thead>
            <tbody>
              {report.recipients.map((r, i) => (
                <tr key={`${r.recipient}-${i}`}>
                  <td>{r.recipient}</td>
                  <td>{r.action}</td>
                  <td>{r.status}</td>
                  <td className="notice__reply">{r.diagnostic ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}

      {mail && mail.blockedRemote > 0 && !view.remoteContent.allowed ? (
        <div className="notice notice--warning remote-banner" role="region" aria-label="Remote content">
          <p>Remote images were blocked to protect your privacy.</p>
          <div className="actions actions--start">
            <button type="button" disabled={busy} onClick={() => allowRemote('message')}>
              Show for this message
            </button>
            {sender ? (
              <button type="button" disabled={busy} onClick={() => allowRemote('sender')}>
                Always show from {sender}
              </button>
            ) : null}
          </div>
        </div>
      ) : null}

      {mail ? (
        // A message whose HTML breaks the display falls back to its text; the rest of the app stays.
        <ErrorBoundary resetKey={`${view.ref.accountId}/${view.ref.folder}/${view.ref.uid}`} fallback={<PlainText text={view.text} onLink={onLink} />}>
          <MessageFrame mail={mail} allowRemote={view.remoteContent.allowed} onLink={onLink} />
        </ErrorBoundary>
      ) : (
        <PlainText text={view.text} onLink={onLink} />
      )}

      {view.attachments.length ? (
        <section className="message__attachments" aria-label="Attachments">
          <h3>Attachments</h3>
          <ul>
            {view.attachments.map((a) => (
              <li key={a.index}>
                <span>{a.filename || 'Unnamed file'}</span> <span className="muted">{formatBytes(a.size)}</span>{' '}
                <button type="button" disabled={busy} aria-label={`Save ${a.filename || 'unnamed file'}`} onClick={() => save(a.index)}>
                  Save
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {link ? <LinkDialog link={link} onClose={() => setLink(null)} /> : null}
    </article>
  );
}

/**
 * One captured message: the check of it (lint) in words, then four tabs: the message as a recipient
 * would see it (through the mail view's sanitizer and sandboxed frame, never a display of its own),
 * every header, the raw source, and the MIME structure. The envelope (MAIL FROM, RCPT TO) sits on
 * the Message and Headers tabs, so Bcc and differences between envelope and headers show.
 */
import { useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { MailAddress } from '../../../shared/mail';
import type { Account } from '../../../shared/model';
import type { AppError } from '../../../shared/result';
import { SANDBOX_SOURCE_SHOWN_MAX, type MimeNode, type SandboxMessage } from '../../../shared/sandbox';
import { getApi } from '../../api';
import { ErrorBoundary } from '../../ui/ErrorBoundary';
import { formatBytes, formatFullDate } from '../../ui/format';
import { LinkDialog, type PendingLink } from '../mailbox/LinkDialog';
import { classifyLink } from '../mailbox/links';
import { MessageFrame } from '../mailbox/MessageFrame';
import { sanitizeMail } from '../mailbox/sanitize';
import { envelopeOnly } from './envelope';
import { lintText } from './lint-text';
import { rehearsedFor } from './sandbox-text';

const TABS = ['Message', 'Headers', 'Source', 'Structure'] as const;
type Tab = (typeof TABS)[number];

const person = (a: MailAddress) => (a.name ? `${a.name} <${a.address}>` : a.address);
const people = (list: MailAddress[]) => list.map(person).join(', ');


function Envelope(props: { message: SandboxMessage }) {
  const { envelope } = props.message.summary;
  const hidden = new Set(envelopeOnly(props.message).map((r) => r.toLowerCase()));
  return (
    <section className="sandbox__envelope" aria-label="Envelope">
      <h3>Envelope</h3>
      <dl>
        <dt>MAIL FROM</dt>
        <dd>{envelope.mailFrom ? envelope.mailFrom : '(empty: a null sender)'}</dd>
        <dt>RCPT TO</dt>
        <dd>
          <ul aria-label="Envelope recipients">
            {envelope.rcptTo.map((r) => (
              <li key={r}>
                {r}
                {hidden.has(r.toLowerCase()) ? <span className="badge badge--report"> Bcc or envelope-only</span> : null}
              </li>
            ))}
          </ul>
        </dd>
      </dl>
      {hidden.size ? (
        <p className="muted">
          {hidden.size === 1 ? 'One recipient gets' : `${hidden.size} recipients get`} the message without being named in To or Cc: the other recipients do not see
          {hidden.size === 1 ? ' them' : ' them'}.
        </p>
      ) : null}
    </section>
  );
}

function Lint(props: { message: SandboxMessage }) {
  const sorted = [...props.message.lint].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'warning' ? -1 : 1));
  return (
    <section className="sandbox__lint" aria-labelledby="sandbox-lint-title">
      <h3 id="sandbox-lint-title">Check of this message</h3>
      {sorted.length ? (
        <ul aria-label="Problems found">
          {sorted.map(({ severity, finding }, i) => {
            const text = lintText(finding);
            return (
              <li key={i} className={`notice ${severity === 'warning' ? 'notice--warning' : 'notice--info'}`}>
                <p className="notice__title">
                  {severity === 'warning' ? 'Warning: ' : 'Note: '}
                  {text.title}
                </p>
                <p>{text.advice}</p>
              </li>
            );
          })}
        </ul>
      ) : (
        <p className="notice notice--success">No problems found.</p>
      )}
    </section>
  );
}

function MimeTree(props: { node: MimeNode }) {
  const { node } = props;
  const facts = [node.charset, node.transferEncoding, node.disposition, node.filename ? `“${node.filename}”` : undefined, formatBytes(node.size)].filter(Boolean).join(', ');
  return (
    <li>
      <code>{node.contentType}</code> <span className="muted">{facts}</span>
      {node.children.length ? (
        <ul>
          {node.children.map((child, i) => (
            <MimeTree key={i} node={child} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}

export function SandboxMessagePane(props: { message: SandboxMessage; accounts: Account[]; onError: (error: AppError) => void }) {
  const { message } = props;
  const { rendered, summary } = message;
  const [tab, setTab] = useState<Tab>('Message');
  const [link, setLink] = useState<PendingLink | null>(null);
  const [note, setNote] = useState('');
  const tabs = useRef<Array<HTMLButtonElement | null>>([]);
  const mail = useMemo(() => {
    if (rendered.html === null) return null;
    try {
      return sanitizeMail(rendered.html, { allowRemote: false, inlineImages: rendered.inlineImages });
    } catch {
      // HTML the cleaner cannot handle is never shown as it is: the text is shown instead.
      return null;
    }
  }, [rendered.html, rendered.inlineImages]);

  function onLink(href: string, text: string) {
    const target = classifyLink(href);
    if (target.kind === 'web') setLink({ url: target.url, host: target.host, text });
    else if (target.kind === 'refused') setNote(target.reason);
    else setNote('Links to write mail are not followed from the sandbox.');
  }

  function keys(event: KeyboardEvent<HTMLDivElement>) {
    const at = TABS.indexOf(tab);
    const next = event.key === 'ArrowRight' ? (at + 1) % TABS.length : event.key === 'ArrowLeft' ? (at + TABS.length - 1) % TABS.length : event.key === 'Home' ? 0 : event.key === 'End' ? TABS.length - 1 : -1;
    if (next < 0) return;
    event.preventDefault();
    setTab(TABS[next]!);
    tabs.current[next]?.focus();
  }

  async function saveSource() {
    const result = await getApi().sandbox.saveSource({ id: summary.id });
    if (!result.ok) props.onError(result.error);
    else setNote(result.value.saved ? 'Source saved.' : '');
  }

  const subject = rendered.subject || '(no subject)';
  return (
    <article className="message sandbox__message" aria-labelledby="sandbox-message-subject">
      <header className="message__head">
        <h2 id="sandbox-message-subject">{subject}</h2>
        <p className="muted">
          {formatBytes(summary.size)} · for {rehearsedFor(summary, props.accounts)}
        </p>
      </header>
      <Lint message={message} />
      <p className="muted" role="status" aria-label="Message status">
        {note}
      </p>
      <div role="tablist" aria-label="Show the message as" className="sandbox__tabs" onKeyDown={keys}>
        {TABS.map((name, i) => (
          <button
            key={name}
            ref={(el) => {
              tabs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`sandbox-tab-${name}`}
            aria-controls={`sandbox-panel-${name}`}
            aria-selected={tab === name}
            tabIndex={tab === name ? 0 : -1}
            onClick={() => setTab(name)}
          >
            {name}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`sandbox-panel-${tab}`} aria-labelledby={`sandbox-tab-${tab}`} className="sandbox__panel" tabIndex={0}>
        {tab === 'Message' ? (
          <>
            <dl className="message__headers" aria-label="Message headers">
              <dt>From</dt>
              <dd>{rendered.from ? person(rendered.from) : '(no sender)'}</dd>
              {rendered.replyTo.length ? (
                <>
                  <dt>Reply-To</dt>
                  <dd>{people(rendered.replyTo)}</dd>
                </>
              ) : null}
              <dt>To</dt>
              <dd>{rendered.to.length ? people(rendered.to) : '(none)'}</dd>
              {rendered.cc.length ? (
                <>
                  <dt>Cc</dt>
                  <dd>{people(rendered.cc)}</dd>
                </>
              ) : null}
              {rendered.bcc.length ? (
                <>
                  <dt>Bcc (as a header)</dt>
                  <dd>{people(rendered.bcc)}</dd>
                </>
              ) : null}
              <dt>Date</dt>
              <dd>{formatFullDate(rendered.date) || '(no date)'}</dd>
            </dl>
            <Envelope message={message} />
            {mail && mail.blockedRemote > 0 ? (
              <p className="notice notice--info">
                {mail.blockedRemote} remote image{mail.blockedRemote === 1 ? ' was' : 's were'} held back, as the mail view does until the reader allows them.
              </p>
            ) : null}
            {mail ? (
              <ErrorBoundary resetKey={summary.id} fallback={<div className="message-text">{rendered.text}</div>}>
                <MessageFrame mail={mail} allowRemote={false} onLink={onLink} />
              </ErrorBoundary>
            ) : (
              <div className="message-text">{rendered.text}</div>
            )}
            {rendered.attachments.length ? (
              <section className="message__attachments" aria-label="Attachments">
                <h3>Attachments</h3>
                <ul>
                  {rendered.attachments.map((a) => (
                    <li key={a.index}>
                      {a.filename || 'Unnamed file'} <span className="muted">{formatBytes(a.size)}</span>
                    </li>
                  ))}
                </ul>
              </section>
            ) : null}
          </>
        ) : tab === 'Headers' ? (
          <>
            <Envelope message={message} />
            <table className="sandbox__headers" aria-label="Every header">
              <thead>
                <tr>
                  <th scope="col">Header</th>
                  <th scope="col">Value</th>
                </tr>
              </thead>
              <tbody>
                {message.headers.map((h, i) => (
                  <tr key={i}>
                    <th scope="row">{h.name}</th>
                    <td>{h.value}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        ) : tab === 'Source' ? (
          <>
            <div className="actions actions--start">
              <button type="button" onClick={() => void saveSource()}>
                Save source…
              </button>
              <span className="muted">{formatBytes(summary.size)}</span>
            </div>
            {message.sourceCut ? (
              <p className="notice notice--info">The source is cut after its first {formatBytes(SANDBOX_SOURCE_SHOWN_MAX)} here; “Save source…” saves all of it.</p>
            ) : null}
            <pre className="sandbox__source" role="region" aria-label="Message source" tabIndex={0}>
              {message.source}
            </pre>
          </>
        ) : (
          <>
            <p>
              Size: {formatBytes(summary.size)}
              {formatBytes(summary.size) === `${summary.size} bytes` ? null : ` (${summary.size.toLocaleString()} bytes)`}
            </p>
            <ul className="sandbox__mime" aria-label="MIME structure">
              <MimeTree node={message.mime} />
            </ul>
          </>
        )}
      </div>
      {link ? <LinkDialog link={link} onClose={() => setLink(null)} /> : null}
    </article>
  );
}

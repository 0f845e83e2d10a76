import { useEffect, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { parseAddressList } from '../../../shared/addresses';
import type { Account } from '../../../shared/model';
import type { AttachmentRef, ComposeDraft, OutboxJobView } from '../../../shared/outbox';
import type { AppError } from '../../../shared/result';
import { getApi } from '../../api';
import { ErrorNotice } from '../../ui/ErrorNotice';
import { Field } from '../../ui/Field';
import { formatBytes, formatTime } from '../../ui/format';
import { swapSignature } from '../../../shared/signature';
import { RichEditor } from './LazyRichEditor';
import type { RichValue } from './RichEditor';
import { needsSignInAgain } from '../accounts/sign-in-text';
import { SignInAgain } from '../oauth/SignInAgain';
import { questionsBeforeSending, type SendQuestion } from '../../../shared/compose-checks';
import { AskBeforeSending } from './AskBeforeSending';

type RecipientField = 'to' | 'cc' | 'bcc';

const CHUNK = 512 * 1024;

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

const person = (name: string, email: string) => (name ? `${name} <${email}>` : email);
const emptyBody = (): RichValue => ({ mode: 'rich', html: '', text: '' });

/** Every address the person can send as: each account's own, then its other identities. */
/** Inputs where Enter does not submit a form (and so needs no stopping). */
const NOT_ONE_LINE = new Set(['checkbox', 'radio', 'button', 'submit', 'reset', 'file', 'hidden']);

function senders(accounts: Account[]) {
  return accounts.flatMap((a) => [
    { key: `${a.id}/`, accountId: a.id, identityId: '', label: `${person(a.displayName, a.email)} (${a.description})`, signature: a.signature },
    ...a.identities.map((i) => ({ key: `${a.id}/${i.id}`, accountId: a.id, identityId: i.id, label: `${person(i.name, i.email)} (${a.description})`, signature: i.signature })),
  ]);
}

const NO_RECIPIENT = 'Add at least one recipient.';

/**
 * What the address parser refused in each field, in its words (shown under the field), and a message with no
 * recipient at all. Worked out from what the fields hold now: after a Send, the errors follow the typing.
 */
function recipientProblems(parsed: Record<RecipientField, ReturnType<typeof parseAddressList>>): Partial<Record<RecipientField, string>> {
  const errs: Partial<Record<RecipientField, string>> = {};
  for (const field of ['to', 'cc', 'bcc'] as const) {
    const bad = parsed[field].invalid;
    if (bad.length) errs[field] = bad.map((p) => p.message).join(' ');
  }
  if (!parsed.to.addresses.length && !parsed.cc.addresses.length && !parsed.bcc.addresses.length && !errs.to) errs.to = NO_RECIPIENT;
  return errs;
}

/** The local date and time one hour from now, for the "send later" picker. */
function inAnHour(): string {
  const d = new Date(Date.now() + 60 * 60_000);
  d.setSeconds(0, 0);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

export function ComposeWindow(props: {
  accounts: Account[];
  /** A draft to reopen (undo, edit from the outbox, the Drafts list). */
  draft?: ComposeDraft | null;
  /** The saved draft it came from, which autosave then replaces. */
  draftId?: string | null;
  /** Addresses the person has sent to before, for suggestions. */
  knownAddresses: string[];
  undoSeconds: number;
  onQueued: (job: OutboxJobView) => void;
  /** Show what is wrong with the recipients at once (a mailto: link filled them, not the person). */
  checkRecipients?: boolean;
  /** Escape: the window closes, its draft saved first. */
  onClose?: () => void;
}) {
  const initial = props.draft;
  const fromChoices = useMemo(() => senders(props.accounts), [props.accounts]);
  const [accountId, setAccountId] = useState(initial?.accountId ?? props.accounts[0]?.id ?? '');
  const [identityId, setIdentityId] = useState(initial?.identityId ?? '');
  const fromAccount = props.accounts.find((a) => a.id === accountId);
  const signatureOf = (account: string, identity: string) => fromChoices.find((c) => c.key === `${account}/${identity}`)?.signature ?? '';
  const [recipients, setRecipients] = useState<Record<RecipientField, string>>({ to: initial?.to ?? '', cc: initial?.cc ?? '', bcc: initial?.bcc ?? '' });
  const [subject, setSubject] = useState(initial?.subject ?? '');
  // A new message starts with the signature of its From address.
  const [body, setBody] = useState<RichValue>(() => initial?.body ?? swapSignature(emptyBody(), '', signatureOf(accountId, identityId)));
  const [attachments, setAttachments] = useState<AttachmentRef[]>(initial?.attachments ?? []);
  const [later, setLater] = useState<string | null>(null);
  /** "Tell me when it is delivered": DSN NOTIFY=SUCCESS,FAILURE,DELAY, headers only, where the server offers DSN. */
  const [notices, setNotices] = useState(Boolean(initial?.dsn));
  /**
   * The recipients are checked as they change once a Send was tried ('send'), or from the start when a mailto:
   * link filled them ('link': what the link put there, not yet a missing recipient the person is still to add).
   */
  const [checking, setChecking] = useState<'link' | 'send' | null>(props.checkRecipients ? 'link' : null);
  const [laterError, setLaterError] = useState<string | undefined>(undefined);
  /** Asked once before this Send: no subject, no text, an attachment mentioned but none attached. */
  const [questions, setQuestions] = useState<SendQuestion[] | null>(null);
  const [failure, setFailure] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const draftId = useRef<string | null>(props.draftId ?? null);
  const [savedAt, setSavedAt] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<AppError | null>(null);
  const queued = useRef(false);
  /** The Send being checked goes to the sandbox instead ("Send to sandbox"). */
  const rehearse = useRef(false);

  useEffect(() => {
    if (!props.accounts.some((a) => a.id === accountId)) setAccountId(props.accounts[0]?.id ?? '');
  }, [props.accounts, accountId]);

  const parsed = useMemo(
    () => ({ to: parseAddressList(recipients.to), cc: parseAddressList(recipients.cc), bcc: parseAddressList(recipients.bcc) }),
    [recipients],
  );
  const totalSize = attachments.reduce((n, a) => n + a.size, 0);
  const errors: Partial<Record<RecipientField | 'later', string>> = { ...(checking ? recipientProblems(parsed) : {}), ...(laterError ? { later: laterError } : {}) };
  if (checking === 'link' && errors.to === NO_RECIPIENT) delete errors.to;
  const title = subject.trim() || 'New message';
  useEffect(() => {
    document.title = title;
  }, [title]);

  // Autosave: a second and a half after the last change, and when the window closes.
  const current: ComposeDraft = {
    accountId,
    identityId,
    ...recipients,
    subject,
    body: { mode: body.mode, html: body.mode === 'rich' ? body.html : '', text: body.text },
    attachments,
    // A reply keeps its threading headers through autosave, undo and edit.
    ...(initial?.inReplyTo ? { inReplyTo: initial.inReplyTo } : {}),
    ...(initial?.references?.length ? { references: initial.references } : {}),
    ...(notices ? { dsn: { notify: ['success', 'failure', 'delay'], ret: 'headers' } } : {}),
  };
  const latest = useRef(current);
  latest.current = current;
  const dirty = useRef(false);
  const first = useRef(true);
  /** Saves what changed since the last save; false when the save failed (the error is shown). */
  const saveNow = useRef(async (): Promise<boolean> => {
    if (!dirty.current || queued.current || !latest.current.accountId) return true;
    dirty.current = false;
    const result = await getApi().drafts.save({ ...(draftId.current ? { id: draftId.current } : {}), draft: latest.current });
    if (result.ok) {
      draftId.current = result.value.id;
      setSavedAt(result.value.savedAt);
      setSaveError(null);
      return true;
    }
    dirty.current = true;
    setSaveError(result.error);
    return false;
  });
  const contentKey = JSON.stringify(current);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    dirty.current = true;
    const timer = setTimeout(() => void saveNow.current(), 1500);
    return () => clearTimeout(timer);
  }, [contentKey]);
  useEffect(() => () => void saveNow.current(), []);
  // The window closed by its close button: the last changes go to the draft (the request leaves before the page does).
  useEffect(() => {
    const leave = () => void saveNow.current();
    window.addEventListener('pagehide', leave);
    return () => window.removeEventListener('pagehide', leave);
  }, []);

  const [dropping, setDropping] = useState<string | null>(null);
  /** Dropped files go to main in chunks: neither side holds a whole large file in memory. */
  async function drop(files: File[]) {
    const api = getApi();
    for (const file of files) {
      setDropping(`Adding ${file.name}…`);
      const begun = await api.attachments.dropBegin({ name: file.name, size: file.size });
      if (!begun.ok) {
        setFailure(begun.error);
        continue;
      }
      let failed: AppError | null = null;
      for (let offset = 0; offset < file.size && !failed; offset += CHUNK) {
        const bytes = new Uint8Array(await file.slice(offset, offset + CHUNK).arrayBuffer());
        const sent = await api.attachments.dropChunk({ upload: begun.value.upload, data: toBase64(bytes) });
        if (!sent.ok) failed = sent.error;
        else setDropping(`Adding ${file.name}… ${Math.round((100 * sent.value.received) / Math.max(file.size, 1))} %`);
      }
      const ended = await api.attachments.dropEnd({ upload: begun.value.upload });
      if (failed || !ended.ok) setFailure(failed ?? (ended.ok ? null : ended.error));
      else setAttachments((list) => [...list, ended.value]);
    }
    setDropping(null);
  }

  async function attach() {
    const result = await getApi().attachments.pick({});
    if (result.ok) setAttachments((list) => [...list, ...result.value.filter((a) => !list.some((b) => b.token === a.token))]);
    else setFailure(result.error);
  }

  /** When to send, or the problem with the chosen time. */
  function sendTime(): { sendAt?: string; error?: string } {
    if (later === null) return {};
    const when = new Date(later);
    if (Number.isNaN(when.getTime()) || when.getTime() < Date.now() + 30_000) return { error: 'Choose a time at least a minute from now.' };
    return { sendAt: when.toISOString() };
  }

  async function send(event: FormEvent) {
    event.preventDefault();
    await check(false);
  }

  /**
   * "Send to sandbox": the same checks as Send, then built for the chosen account and kept in the
   * built-in sandbox instead of going to its server (never scheduled: it goes at once).
   */
  async function check(toSandbox: boolean) {
    if (busy) return;
    rehearse.current = toSandbox;
    setFailure(null);
    setChecking('send');
    const time = sendTime();
    setLaterError(toSandbox ? undefined : time.error);
    if (Object.keys(recipientProblems(parsed)).length || (!toSandbox && time.error)) return;
    const asks = questionsBeforeSending({ subject, text: body.text, attachments: attachments.length });
    if (asks.length) setQuestions(asks);
    else await enqueue(toSandbox ? undefined : time.sendAt);
  }

  async function enqueue(sendAt: string | undefined) {
    setBusy(true);
    const result = await getApi().outbox.enqueue({ draft: current, ...(sendAt ? { sendAt } : {}), ...(rehearse.current ? { rehearse: true } : {}) });
    setBusy(false);
    if (!result.ok) {
      setFailure(result.error);
      return;
    }
    // The outbox holds it now (and its own copy of the draft for undo): the saved draft goes.
    queued.current = true;
    if (draftId.current) void getApi().drafts.delete({ id: draftId.current });
    props.onQueued(result.value);
  }

  /**
   * Enter never sends: in To, Cc, Bcc, Subject (any one-line field) it moves on to the next field,
   * as a form would otherwise submit itself and send a half-written message. Ctrl/Cmd+Enter sends
   * from anywhere in the window, the editor included (caught before the editor turns it into a line break).
   */
  function keys(event: KeyboardEvent<HTMLFormElement>) {
    if (event.key !== 'Enter' || event.nativeEvent.isComposing || questions) return;
    if (event.ctrlKey || event.metaKey) {
      event.preventDefault();
      event.stopPropagation();
      if (!busy) event.currentTarget.requestSubmit();
      return;
    }
    const field = event.target;
    if (!(field instanceof HTMLInputElement) || NOT_ONE_LINE.has(field.type)) return;
    event.preventDefault();
    const order = [...event.currentTarget.querySelectorAll<HTMLElement>('input, select, textarea, [contenteditable="true"]')].filter(
      (el) => !(el instanceof HTMLInputElement && NOT_ONE_LINE.has(el.type)) && !(el as HTMLInputElement).disabled && el.offsetParent !== null,
    );
    order[order.indexOf(field) + 1]?.focus();
  }

  /**
   * Escape closes the window, the draft saved first (a failed save keeps the window open, with the error).
   * A dialog or the editor's link form open in the window takes its Escape first. Heard in the capture
   * phase: the editor (ProseMirror) marks every Escape typed in the message as handled, so a listener
   * after it never saw one, and Escape with the cursor in the message did nothing.
   */
  const closing = useRef(false);
  const onClose = props.onClose;
  useEffect(() => {
    if (!onClose) return;
    const listener = (event: globalThis.KeyboardEvent) => {
      if (event.key !== 'Escape' || event.isComposing || closing.current) return;
      if (document.querySelector('dialog[open]') || (event.target instanceof Element && event.target.closest('dialog, [data-own-escape]'))) return;
      event.preventDefault();
      closing.current = true;
      void saveNow.current().then((saved) => {
        closing.current = false;
        if (saved) onClose();
      });
    };
    document.addEventListener('keydown', listener, true);
    return () => document.removeEventListener('keydown', listener, true);
  }, [onClose]);

  /**
   * Where the cursor starts, as in any mail client: To when it is empty (a new message), else Subject when
   * that is empty, else the message itself (a reply or a reopened draft). The editor loads on first use
   * (LazyRichEditor.tsx): wait for it, bounded, unless the person has already put focus somewhere.
   */
  const form = useRef<HTMLFormElement>(null);
  const toInput = useRef<HTMLInputElement>(null);
  const subjectInput = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const root = form.current;
    if (!root) return;
    const empty = [toInput.current, subjectInput.current].find((input) => input && !input.value.trim());
    if (empty) return empty.focus();
    const message = () => root.querySelector<HTMLElement>('[contenteditable="true"], textarea');
    const place = () => {
      const target = message();
      if (!target) return false;
      if (!root.contains(document.activeElement)) target.focus();
      return true;
    };
    if (place()) return;
    const observer = new MutationObserver(() => place() && stop());
    const timer = setTimeout(() => stop(), 5000);
    const stop = () => {
      observer.disconnect();
      clearTimeout(timer);
    };
    observer.observe(root, { childList: true, subtree: true });
    return stop;
  }, []);

  const [focused, setFocused] = useState<RecipientField | null>(null);
  /** Addresses sent to before that match what is being typed after the last separator. */
  const suggestionsFor = (field: RecipientField) => {
    const token = recipients[field].split(/[,;\n]/).pop()?.trim().toLowerCase() ?? '';
    if (!token || focused !== field) return [];
    const present = new Set(parsed[field].addresses.map((a) => a.address.toLowerCase()));
    return props.knownAddresses.filter((a) => a.toLowerCase().includes(token) && !present.has(a.toLowerCase()) && a.toLowerCase() !== token).slice(0, 5);
  };
  const accept = (field: RecipientField, address: string) =>
    setRecipients((r) => {
      const parts = r[field].split(/([,;\n])/);
      parts[parts.length - 1] = `${parts.length > 1 ? ' ' : ''}${address}, `;
      return { ...r, [field]: parts.join('') };
    });

  const recipientField = (field: RecipientField, label: string) => {
    const shown = parsed[field].addresses;
    return (
      <Field
        label={label}
        error={errors[field]}
        hint={shown.length ? `Delivered to: ${shown.map((a) => a.address).join(', ')}` : undefined}
      >
        {({ id, describedBy, invalid }) => (
          <input
            id={id}
            ref={field === 'to' ? toInput : undefined}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            spellCheck={false}
            autoCapitalize="off"
            placeholder={field === 'to' ? 'Name <name@example.com>, other@example.org' : undefined}
            value={recipients[field]}
            onFocus={() => setFocused(field)}
            onChange={(e) => setRecipients((r) => ({ ...r, [field]: e.target.value }))}
          />
        )}
      </Field>
    );
  };
  const suggestionList = (field: RecipientField, label: string) => {
    const suggestions = suggestionsFor(field);
    return suggestions.length ? (
      <ul className="suggestions" aria-label={`Suggestions for ${label}`}>
        {suggestions.map((a) => (
          <li key={a}>
            <button type="button" onClick={() => accept(field, a)}>
              {a}
            </button>
          </li>
        ))}
      </ul>
    ) : null;
  };

  return (
    <>
    <form
      ref={form}
      className="card compose"
      aria-label="New message"
      onSubmit={send}
      onKeyDownCapture={keys}
      noValidate
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes('Files')) e.preventDefault();
      }}
      onDrop={(e) => {
        const files = [...e.dataTransfer.files];
        // Images dropped into the editor become inline images there; everything else is attached.
        if (!files.length || (e.target as HTMLElement).closest?.('.ProseMirror')) return;
        e.preventDefault();
        void drop(files);
      }}
    >
      <h1 id="compose-title">{title}</h1>
      <fieldset disabled={busy}>
        <Field label="From">
          {({ id }) => (
            <select
              id={id}
              value={`${accountId}/${identityId}`}
              onChange={(e) => {
                const next = fromChoices.find((c) => c.key === e.target.value);
                if (!next) return;
                setBody((b) => swapSignature(b, signatureOf(accountId, identityId), next.signature));
                setAccountId(next.accountId);
                setIdentityId(next.identityId);
              }}
            >
              {fromChoices.map((c) => (
                <option key={c.key} value={c.key}>
                  {c.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        {fromAccount && needsSignInAgain(fromAccount) ? (
          <div className="notice notice--warning" role="note">
            <p>“{fromAccount.description}” needs you to sign in again. You can still write and send: the message waits in the outbox until you have.</p>
            <SignInAgain account={fromAccount} />
          </div>
        ) : null}
        {recipientField('to', 'To')}
        {suggestionList('to', 'To')}
        {recipientField('cc', 'Cc')}
        {suggestionList('cc', 'Cc')}
        {recipientField('bcc', 'Bcc')}
        {suggestionList('bcc', 'Bcc')}
        <Field label="Subject">
          {({ id }) => <input id={id} ref={subjectInput} value={subject} onChange={(e) => setSubject(e.target.value.replace(/[\r\n]+/g, ' '))} />}
        </Field>
        <RichEditor label="Message" value={body} onChange={setBody} disabled={busy} />
        <section className="attachments" aria-label="Attachments">
          {attachments.length ? (
            <ul>
              {attachments.map((a) => (
                <li key={a.token}>
                  <span>{a.name}</span> <span className="muted">{formatBytes(a.size)}</span>{' '}
                  <button type="button" className="link" aria-label={`Remove ${a.name}`} onClick={() => setAttachments((list) => list.filter((b) => b.token !== a.token))}>
                    Remove
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
          <div className="actions actions--start">
            <button type="button" onClick={attach}>
              Attach files…
            </button>
            {attachments.length ? <span className="muted">{`${attachments.length} file${attachments.length === 1 ? '' : 's'}, ${formatBytes(totalSize)}`}</span> : null}
            <span className="muted" role="status" aria-label="Adding files">
              {dropping ?? 'or drop files here'}
            </span>
          </div>
        </section>
        <label className="checkbox">
          <input type="checkbox" checked={notices} onChange={(e) => setNotices(e.target.checked)} />
          Ask the servers to report delivery (where the server offers delivery notices)
        </label>
        <div className="send-later">
          <label className="checkbox">
            <input type="checkbox" checked={later !== null} onChange={(e) => setLater(e.target.checked ? inAnHour() : null)} />
            Send later
          </label>
          {later !== null ? (
            <>
              <Field label="Send at" error={errors.later}>
                {({ id, describedBy, invalid }) => (
                  <input
                    id={id}
                    type="datetime-local"
                    aria-describedby={describedBy}
                    aria-invalid={invalid}
                    value={later}
                    onChange={(e) => {
                      setLater(e.target.value);
                      setLaterError(undefined);
                    }}
                  />
                )}
              </Field>
              <p className="notice notice--warning" role="note">
                Mailwright must be running at that time to send it. If it is closed then, the message goes out as soon as you start Mailwright again.
              </p>
            </>
          ) : null}
        </div>
      </fieldset>
      {failure ? <ErrorNotice error={failure} /> : null}
      {saveError ? <ErrorNotice error={saveError} /> : null}
      <div className="actions">
        <span className="muted" role="status" aria-label="Draft">
          {savedAt ? `Draft saved ${formatTime(savedAt)}` : ''}
        </span>
        {fromAccount && !fromAccount.sandbox ? (
          <button type="button" disabled={busy} onClick={() => void check(true)} aria-describedby="compose-sandbox-hint">
            Send to sandbox
          </button>
        ) : null}
        <button type="submit" className="primary" data-command="send" disabled={busy || !accountId}>
          {busy ? 'Queuing…' : later !== null ? `Schedule for ${later ? formatTime(new Date(later).toISOString()) : '…'}` : 'Send'}
        </button>
      </div>
      {fromAccount?.sandbox ? (
        <p className="muted" id="compose-sandbox-hint">
          Sent from the Sandbox account, this message stays on this computer: see it in the Sandbox view. Nobody receives it.
        </p>
      ) : (
        <p className="muted" id="compose-sandbox-hint">
          “Send to sandbox” builds the message exactly as for {fromAccount?.description ?? 'this account'} and keeps it in the Sandbox on this computer instead: nothing goes
          to its server.
        </p>
      )}
      <p className="muted">
        Messages wait {props.undoSeconds} s in the outbox before they go, so you can take them back.
      </p>
    </form>
    {questions ? (
      <AskBeforeSending
        questions={questions}
        onSend={() => {
          setQuestions(null);
          void enqueue(rehearse.current ? undefined : sendTime().sendAt);
        }}
        onCancel={() => setQuestions(null)}
      />
    ) : null}
    </>
  );
}

import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import type { Folder, MailStatus, MessageView } from '../../../shared/mail';
import type { Account } from '../../../shared/model';
import type { ComposeDraft, OutboxJobView } from '../../../shared/outbox';
import type { AppError } from '../../../shared/result';
import { getApi } from '../../api';
import { Choice } from '../../ui/Choice';
import { ErrorNotice } from '../../ui/ErrorNotice';
import { needsSignInAgain } from '../accounts/sign-in-text';
import { SignInAgain } from '../oauth/SignInAgain';
import { explain } from '../../../shared/error-text';
import { Field } from '../../ui/Field';
import { ROLE_ICON, folderDepth, folderLabel, sortFolders } from './folders';
import { MessageList } from './MessageList';
import { MessagePane, type PaneChange } from './MessagePane';
import { useMailStatuses } from './status-store';
import { useMessagePages, type ListSource, type SearchField } from './useMessagePages';
import { formatTime } from '../../ui/format';

const SEARCH_FIELDS: Record<SearchField, string> = { either: 'From or subject', from: 'From', subject: 'Subject' };

/** Where the person was, kept while they visit other views (the view unmounts). */
const remembered: { accountId: string | null; folder: Record<string, string> } = { accountId: null, folder: {} };

function statusWords(status: MailStatus | undefined): { text: string; advice?: string } | null {
  if (!status) return null;
  switch (status.state) {
    case 'connecting':
      return { text: 'Connecting…' };
    case 'online':
      return { text: 'Connected.' };
    case 'offline':
      return { text: status.retryAt ? `Offline — trying again at ${formatTime(status.retryAt)}` : 'Offline.' };
    case 'error': {
      const { title, advice } = explain({ code: status.error?.code ?? 'INTERNAL', message: status.error?.message ?? '' });
      return { text: status.retryAt ? `${title} Trying again at ${formatTime(status.retryAt)}.` : title, advice };
    }
  }
}

export function MailView(props: {
  accounts: Account[];
  jobs: OutboxJobView[];
  onCompose: (draft: ComposeDraft) => void;
  onEditAccount: (account: Account) => void;
}) {
  const readers = props.accounts.filter((a) => a.incoming);
  const sendOnly = props.accounts.filter((a) => !a.incoming);
  const [accountId, setAccountId] = useState(() => readers.find((a) => a.id === remembered.accountId)?.id ?? readers[0]?.id ?? null);
  const account = readers.find((a) => a.id === accountId) ?? null;
  const [folders, setFolders] = useState<Folder[] | null>(null);
  const [folder, setFolder] = useState<string | null>(null);
  const [failure, setFailure] = useState<AppError | null>(null);
  const statuses = useMailStatuses();
  const [checking, setChecking] = useState(false);
  const [checkNote, setCheckNote] = useState('');
  const [query, setQuery] = useState('');
  const [field, setField] = useState<SearchField>('either');
  const [search, setSearch] = useState<ListSource['search']>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [view, setView] = useState<MessageView | null>(null);
  const [openUid, setOpenUid] = useState<number | null>(null);
  const [openFlagged, setOpenFlagged] = useState(false);
  const [openError, setOpenError] = useState<AppError | null>(null);
  const [paneNote, setPaneNote] = useState('');
  const opening = useRef(0);
  // Layout on a small window, where one pane shows at a time: the list, or the open message with "Back to list".
  const listPane = useRef<HTMLDivElement>(null);
  const backButton = useRef<HTMLButtonElement>(null);
  const [backToList, setBackToList] = useState(0);

  // The shown account was deleted or lost its incoming server.
  const firstReader = readers[0]?.id ?? null;
  useEffect(() => {
    if (!account && firstReader) setAccountId(firstReader);
  }, [account, firstReader]);

  const source = useMemo<ListSource | null>(() => (accountId && folder ? { accountId, folder, search } : null), [accountId, folder, search]);
  const pages = useMessagePages(source);

  const currentAccount = useRef(accountId);
  currentAccount.current = accountId;
  const loadFolders = useCallback((id: string) => {
    void getApi()
      .mail.folders({ accountId: id })
      .then((result) => {
        if (id !== currentAccount.current) return;
        if (!result.ok) {
          setFailure(result.error);
          return;
        }
        const sorted = sortFolders(result.value);
        setFolders(sorted);
        setFailure(null);
        setFolder((current) => {
          if (current && sorted.some((f) => f.path === current && f.selectable)) return current;
          const wanted = remembered.folder[id];
          return (
            sorted.find((f) => f.path === wanted && f.selectable)?.path ?? sorted.find((f) => f.role === 'inbox')?.path ?? sorted.find((f) => f.selectable)?.path ?? null
          );
        });
      });
  }, []);

  // A new account: its folders, from scratch.
  useEffect(() => {
    setFolders(null);
    setFolder(null);
    setFailure(null);
    setSearch(null);
    setQuery('');
    if (!accountId) return;
    remembered.accountId = accountId;
    loadFolders(accountId);
  }, [accountId, loadFolders]);

  // A new folder or search: nothing selected.
  useEffect(() => {
    setSelected(null);
    setView(null);
    setOpenUid(null);
    setOpenError(null);
    setPaneNote('');
    if (accountId && folder) remembered.folder[accountId] = folder;
  }, [accountId, folder, search]);

  const shown = useRef({ accountId, folder, reload: pages.reload });
  shown.current = { accountId, folder, reload: pages.reload };
  useEffect(() => {
    const api = getApi();
    const offChanged = api.events.mailChanged((change) => {
      const now = shown.current;
      if (change.accountId !== now.accountId) return;
      loadFolders(change.accountId);
      if (change.folder === now.folder) now.reload();
    });
    return offChanged;
  }, [loadFolders]);

  async function open(index: number) {
    const row = pages.row(index);
    if (!row || !accountId || !folder) return;
    const ticket = ++opening.current;
    setOpenUid(row.uid);
    setOpenFlagged(row.flagged);
    setOpenError(null);
    setPaneNote('');
    const result = await getApi().mail.open({ accountId, folder, uid: row.uid });
    if (ticket !== opening.current) return;
    if (!result.ok) {
      setView(null);
      setOpenError(result.error);
      return;
    }
    setView(result.value);
    if (!row.seen) {
      pages.patch(row.uid, { seen: true });
      loadFolders(accountId);
    }
  }

  function onPaneChange(change: PaneChange) {
    if (!accountId) return;
    if (change.kind === 'flags') {
      pages.patch(change.uid, { ...(change.seen !== undefined ? { seen: change.seen } : {}), ...(change.flagged !== undefined ? { flagged: change.flagged } : {}) });
    } else {
      setView(null);
      setOpenUid(null);
      setPaneNote(change.text);
      pages.reload();
    }
    loadFolders(accountId);
  }

  // One pane at a time (a small window): focus follows the pane that is shown, never left on a hidden one.
  const reading = openUid !== null || openError !== null;
  useEffect(() => {
    if (reading && listPane.current?.offsetParent === null && listPane.current.contains(document.activeElement)) backButton.current?.focus();
  }, [reading, view]);
  useEffect(() => {
    if (backToList) listPane.current?.querySelector<HTMLElement>('[role="grid"]')?.focus();
  }, [backToList]);

  function closeMessage() {
    opening.current += 1;
    setView(null);
    setOpenUid(null);
    setOpenError(null);
    setBackToList((n) => n + 1);
  }

  async function checkMail() {
    if (!accountId) return;
    setChecking(true);
    setCheckNote('');
    const result = await getApi().mail.refresh({ accountId });
    setChecking(false);
    if (!result.ok) {
      setFailure(result.error);
      return;
    }
    setFailure(null);
    const n = result.value.newMessages;
    setCheckNote(n === 0 ? 'No new messages.' : n === 1 ? '1 new message.' : `${n} new messages.`);
    loadFolders(accountId);
    pages.reload();
  }

  /** Next or previous message in the list (Ctrl+] / Ctrl+[): selected and opened. */
  function step(delta: 1 | -1) {
    if (!pages.total) return;
    const to = selected === null ? 0 : Math.max(0, Math.min(pages.total - 1, selected + delta));
    setSelected(to);
    void open(to);
  }

  function submitSearch(event: FormEvent) {
    event.preventDefault();
    const text = query.trim();
    setSearch(text ? { query: text, field } : null);
  }

  if (!readers.length || !account) {
    return (
      <section className="card" aria-labelledby="mail-title">
        <h1 id="mail-title">Mail</h1>
        <p>None of your accounts reads mail yet. Add an incoming (IMAP or POP3) server to an account to see your messages, replies and bounces here.</p>
        <ul className="accounts">
          {sendOnly.map((a) => (
            <li key={a.id}>
              <span>
                {a.description} <span className="muted">{a.email}</span>
              </span>
              <button type="button" onClick={() => props.onEditAccount(a)}>
                Edit {a.description}
              </button>
            </li>
          ))}
        </ul>
      </section>
    );
  }

  const current = folders?.find((f) => f.path === folder) ?? null;
  const status = statusWords(statuses[account.id]);
  const listLabel = search ? `Search results in ${current ? folderLabel(current) : 'folder'}` : `Messages in ${current ? folderLabel(current) : 'folder'}`;
  const total = pages.total;

  return (
    <section className={`mail${reading ? ' mail--reading' : ''}`} aria-label="Mail">
      {/* The screen's one heading, for focus and for screen readers; the panes say the rest. */}
      <h1 id="mail-title" className="visually-hidden-status">
        Mail
      </h1>
      <aside className="mail__side">
        {readers.length > 1 ? (
          <Choice
            label="Account"
            value={account.id}
            options={Object.fromEntries(readers.map((a) => [a.id, `${a.description} (${a.email})`]))}
            onChange={(id) => setAccountId(id)}
          />
        ) : (
          <p className="mail__account">
            <strong>{account.description}</strong>
            <br />
            <span className="muted">{account.email}</span>
          </p>
        )}
        <div className="mail__status" role="status" aria-label="Connection">
          {status ? (
            <>
              <span className={`mail__state mail__state--${statuses[account.id]?.state ?? 'unknown'}`}>{status.text}</span>
              {status.advice ? <span className="muted"> {status.advice}</span> : null}
            </>
          ) : null}
        </div>
        {needsSignInAgain(account) ? <SignInAgain account={account} /> : null}
        <div className="actions actions--start">
          <button type="button" data-command="check-mail" onClick={checkMail} disabled={checking}>
            {checking ? 'Checking…' : 'Check mail'}
          </button>
          <span className="muted" role="status" aria-label="Check mail result">
            {checkNote}
          </span>
        </div>
        <nav aria-label="Folders" className="folders">
          {folders === null && !failure ? <p className="muted">Loading folders…</p> : null}
          <ul>
            {(folders ?? []).map((f) => (
              <li key={f.path} style={{ paddingLeft: Math.min(folderDepth(f), 6) * 12 }}>
                <button
                  type="button"
                  className="folder"
                  aria-current={f.path === folder ? 'true' : undefined}
                  disabled={!f.selectable}
                  onClick={() => {
                    setSearch(null);
                    setQuery('');
                    setFolder(f.path);
                  }}
                >
                  <span className="folder__icon" aria-hidden="true">
                    {ROLE_ICON[f.role ?? 'other']}
                  </span>
                  <span className="folder__name">{folderLabel(f)}</span>
                  {f.unseen ? (
                    <span className="folder__count">
                      {f.unseen}
                      <span className="visually-hidden-status"> unread</span>
                    </span>
                  ) : null}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        {sendOnly.length ? (
          <div className="mail__send-only muted">
            {sendOnly.map((a) => (
              <p key={a.id}>
                {a.description} only sends mail.{' '}
                <button type="button" className="link" onClick={() => props.onEditAccount(a)}>
                  Add its incoming server
                </button>
              </p>
            ))}
          </div>
        ) : null}
      </aside>

      <div className="mail__list" ref={listPane}>
        <form className="mail__search" role="search" aria-label="Search messages" onSubmit={submitSearch}>
          <Field label="Search">
            {({ id }) => <input id={id} type="search" data-command="search" value={query} maxLength={200} placeholder="Sender or subject" onChange={(e) => setQuery(e.target.value)} />}
          </Field>
          <div className="row">
            <Choice label="Search in" value={field} options={SEARCH_FIELDS} onChange={setField} />
            <div className="actions actions--start">
              <button type="submit" disabled={!query.trim()}>
                Search
              </button>
              {search ? (
                <button
                  type="button"
                  onClick={() => {
                    setSearch(null);
                    setQuery('');
                  }}
                >
                  Clear search
                </button>
              ) : null}
            </div>
          </div>
        </form>
        {failure ? <ErrorNotice error={failure} /> : null}
        {pages.error ? <ErrorNotice error={pages.error} /> : null}
        <p className="mail__count muted" aria-live="polite">
          {total === null
            ? 'Loading…'
            : search
              ? `${total} ${total === 1 ? 'match' : 'matches'}${pages.matches ? ` (the newest ${total} of ${pages.matches})` : ''}`
              : `${total} ${total === 1 ? 'message' : 'messages'}`}
        </p>
        {total ? (
          <div className="actions actions--start mail__step" role="toolbar" aria-label="Go to message">
            <button type="button" data-command="previous-message" disabled={selected === null || selected <= 0} onClick={() => step(-1)}>
              Previous message
            </button>
            <button type="button" data-command="next-message" disabled={selected !== null && selected >= total - 1} onClick={() => step(1)}>
              Next message
            </button>
          </div>
        ) : null}
        {source ? (
          <MessageList
            pages={pages}
            label={listLabel}
            selected={selected}
            openUid={openUid}
            onSelect={setSelected}
            onOpen={(index) => void open(index)}
          />
        ) : null}
      </div>

      <div className="mail__pane">
        {/* Shown only where the window is too small for the list and the message side by side. */}
        {reading ? (
          <button type="button" className="mail__back" ref={backButton} onClick={closeMessage}>
            Back to list
          </button>
        ) : null}
        {openError ? <ErrorNotice error={openError} /> : null}
        {view ? (
          <MessagePane
            key={`${view.ref.accountId}/${view.ref.folder}/${view.ref.uid}`}
            view={view}
            flagged={openFlagged}
            folders={folders ?? []}
            describeJob={(id) => props.jobs.find((j) => j.id === id)?.summary.subject ?? null}
            onView={setView}
            onCompose={props.onCompose}
            onChange={onPaneChange}
          />
        ) : (
          <p className="muted mail__empty">{paneNote || 'Choose a message to read it.'}</p>
        )}
      </div>
    </section>
  );
}

import { useEffect, useMemo, useRef, useState } from 'react';
import { DEFAULT_UNDO_SECONDS, type Account, type AppInfo } from '../shared/model';
import type { ComposeDraft, OutboxJobView } from '../shared/outbox';
import { getApi } from './api';
import { AccountList } from './features/accounts/AccountList';
import { ComposeWindow } from './features/compose/ComposeWindow';
import { useMailtoLinks } from './features/compose/mailto';
import { DraftsView } from './features/drafts/DraftsView';
import { MailView } from './features/mailbox/LazyMailView';
import { DataNoticeBanner } from './ui/DataNoticeBanner';
import { ErrorBoundary } from './ui/ErrorBoundary';
import { OutboxView } from './features/outbox/OutboxView';
import { AccountWizard } from './features/wizard/AccountWizard';
import { AccountReady } from './features/wizard/AccountReady';
import { formatUntil } from './ui/format';
import { SendingPreferences } from './features/accounts/SendingPreferences';
import { useAppCommands } from './features/app/useAppCommands';
import { useOpenTarget } from './features/app/useOpenTarget';
import { loadSeen, markSeen, outboxCounts, outboxTabName } from './features/outbox/attention';
import { OutboxTabLabel } from './features/outbox/OutboxTab';
import { useScreenFocus } from './ui/useScreenFocus';

type View = { name: 'mail' } | { name: 'compose' } | { name: 'drafts' } | { name: 'outbox' } | { name: 'accounts' } | { name: 'wizard'; account?: Account };

const byNewest = (a: OutboxJobView, b: OutboxJobView) => b.createdAt.localeCompare(a.createdAt);

export function App() {
  const [accounts, setAccounts] = useState<Account[] | null>(null);
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [jobs, setJobs] = useState<OutboxJobView[]>([]);
  const [view, setView] = useState<View>({ name: 'compose' });
  /** The compose window is remounted (fresh, or with a draft) by changing this. */
  const [composeKey, setComposeKey] = useState(0);
  const [draft, setDraft] = useState<ComposeDraft | null>(null);
  const [draftId, setDraftId] = useState<string | null>(null);
  /** The message just queued, while it can still be taken back. */
  const [justQueued, setJustQueued] = useState<string | null>(null);
  const [now, setNow] = useState(Date.now());
  /** A new account just saved: "… is ready" with "Write a message", until the person moves on. */
  const [ready, setReady] = useState<Account | null>(null);
  /** A mailto: link opened the compose window (its recipients are checked at once), or was refused (why, in words). */
  const [linkComposeKey, setLinkComposeKey] = useState<number | null>(null);
  const [linkRefused, setLinkRefused] = useState<string | null>(null);
  const refusedNotice = useRef<HTMLDivElement>(null);
  /** Problems of sent messages (partly refused, bounced) already seen in the Outbox: no longer counted by its badge. */
  const [seenProblems, setSeenProblems] = useState(() => loadSeen());
  /** The outbox item a clicked notification asked to show. */
  const [outboxSelect, setOutboxSelect] = useState<{ id: string; nonce: number } | null>(null);
  // Left the outbox: the item opened from a notification is no longer marked when it is shown again.
  useEffect(() => {
    if (view.name !== 'outbox') setOutboxSelect(null);
  }, [view.name]);
  useOpenTarget((target) => {
    setOutboxSelect((previous) => ({ id: target.id, nonce: (previous?.nonce ?? 0) + 1 }));
    setView({ name: 'outbox' });
  });
  // The link came from outside while the person may be further down the page: bring the notice into view.
  useEffect(() => {
    if (linkRefused) refusedNotice.current?.scrollIntoView({ block: 'nearest' });
  }, [linkRefused]);
  useMailtoLinks({
    onDraft: (next) => {
      setLinkRefused(null);
      openCompose(next);
      setLinkComposeKey(composeKey + 1);
    },
    onRefused: setLinkRefused,
  });

  useEffect(() => {
    const api = getApi();
    void api.accounts.list({}).then((r) => setAccounts(r.ok ? r.value : []));
    void api.app.info({}).then((r) => r.ok && setInfo(r.value));
    void api.outbox.list({}).then((r) => r.ok && setJobs(r.value.sort(byNewest)));
    const offAccounts = api.events.accountsChanged(setAccounts);
    const offJobs = api.events.outboxChanged((job) => setJobs((list) => [job, ...list.filter((j) => j.id !== job.id)].sort(byNewest)));
    return () => {
      offAccounts();
      offJobs();
    };
  }, []);

  // The application menu and its keys: New Message, Check Mail, Send, Reply, Reply All, Forward, Search, Next/Previous Message, Delete, Outbox.
  useAppCommands(
    view.name,
    (name) => setView(name === 'mail' ? { name } : { name }),
    () => {
      // Already composing: keep what is being written (there is one compose view).
      if (view.name !== 'compose') openCompose(null);
    },
  );

  const pending = jobs.find((j) => j.id === justQueued);
  const undoable = pending && pending.state === 'queued' && !pending.scheduled && new Date(pending.notBefore).getTime() > now;
  useEffect(() => {
    if (!justQueued) return;
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [justQueued]);

  const knownAddresses = useMemo(
    () => [...new Set(jobs.filter((j) => j.state === 'sent').flatMap((j) => j.summary.to))].sort(),
    [jobs],
  );
  const counts = outboxCounts(jobs, seenProblems);
  // What the Outbox view shows has been seen.
  useEffect(() => {
    if (view.name === 'outbox') setSeenProblems((seen) => markSeen(seen, jobs));
  }, [view.name, jobs]);

  function openDraft(job: OutboxJobView) {
    setDraft(job.draft ?? null);
    setDraftId(null);
    setComposeKey((k) => k + 1);
    setJustQueued(null);
    setView({ name: 'compose' });
  }

  /** A reply, forward or mailto: link from the Mail view, opened in a fresh compose window. */
  function openCompose(next: ComposeDraft | null) {
    setDraft(next);
    setDraftId(null);
    setComposeKey((k) => k + 1);
    setView({ name: 'compose' });
  }

  async function undo() {
    if (!pending) return;
    const result = await getApi().outbox.undo({ id: pending.id });
    if (result.ok) openDraft(result.value);
  }

  const showWizard = view.name === 'wizard' || !accounts?.length;
  // Focus and a spoken name for every screen change (the wizard for each account is a screen of its own).
  const screenAnnouncer = useScreenFocus(accounts === null ? null : showWizard ? `wizard:${view.name === 'wizard' ? (view.account?.id ?? 'new') : 'first'}` : view.name);
  if (accounts === null) return <p className="loading">Loading…</p>;

  return (
    <div className="shell">
      {/* The banner landmark holds the app's name, the main navigation and the notices about the whole app. */}
      <header className="masthead">
        <div className="topbar">
        <span className="brand">Mailwright</span>
        {accounts.length > 0 ? (
          <nav aria-label="Main">
            {(['mail', 'compose', 'drafts', 'outbox', 'accounts'] as const).map((name) => (
              <button key={name} type="button" aria-label={name === 'outbox' ? outboxTabName(counts) : undefined} aria-current={view.name === name || (name === 'accounts' && view.name === 'wizard') ? 'page' : undefined} onClick={() => setView({ name } as View)}>
                {name === 'mail' ? 'Mail' : name === 'compose' ? 'Compose' : name === 'drafts' ? 'Drafts' : name === 'outbox' ? <OutboxTabLabel counts={counts} /> : 'Accounts'}
              </button>
            ))}
          </nav>
        ) : null}
        {screenAnnouncer}
        </div>
      {info?.secretProtection.kind === 'app-key' ? (
        <p className="notice notice--warning banner" role="note">
          Your system offers no keyring, so Mailwright encrypts saved passwords with a key kept in its own data folder.
          Anyone who can read that folder could recover them.
        </p>
      ) : null}
      <DataNoticeBanner />
      {linkRefused ? (
        <div ref={refusedNotice} className="notice notice--warning banner" role="alert" aria-label="Mail link not opened">
          <span>{linkRefused}</span>
          <button type="button" onClick={() => setLinkRefused(null)}>
            Dismiss
          </button>
        </div>
      ) : null}
      {undoable ? (
        <div className="notice notice--success banner undo" role="status">
          <span>
            Sending “{pending.summary.subject || '(no subject)'}” {formatUntil(pending.notBefore, now)}.
          </span>
          <button type="button" onClick={undo}>
            Undo
          </button>
        </div>
      ) : null}
      </header>
      {/* Focusable from code only: where focus goes when a banner above it goes away. */}
      <main tabIndex={-1}>
        {ready && view.name === 'compose' ? (
          <div className="ready-row">
            <AccountReady
              account={ready}
              onWriteMessage={() => {
                setReady(null);
                openCompose(null);
              }}
              onOpenMailbox={() => {
                setReady(null);
                setView({ name: 'mail' });
              }}
              onOpenAccount={() => {
                setReady(null);
                setView({ name: 'wizard', account: accounts.find((a) => a.id === ready.id) ?? ready });
              }}
              onDismiss={() => setReady(null)}
            />
          </div>
        ) : null}
        <ErrorBoundary resetKey={view.name}>
          {showWizard ? (
            <AccountWizard
              key={view.name === 'wizard' ? (view.account?.id ?? 'new') : 'first'}
              {...(view.name === 'wizard' && view.account ? { account: view.account } : {})}
              onSaved={(saved, { checked }) => {
                const isNew = !(view.name === 'wizard' && view.account);
                // "Ready" only for an account whose check passed (one saved without it is not known to work).
                setReady(isNew && checked ? saved : null);
                setView(isNew ? { name: 'compose' } : { name: 'accounts' });
              }}
              {...(accounts.length > 0 ? { onCancel: () => setView({ name: 'accounts' }) } : {})}
            />
          ) : view.name === 'accounts' ? (
            <div className="stack">
              <AccountList accounts={accounts} jobs={jobs} onEdit={(account) => setView({ name: 'wizard', account })} onAdd={() => setView({ name: 'wizard' })} />
              {info ? <SendingPreferences undoSeconds={info.undoSeconds} onChanged={setInfo} /> : null}
            </div>
          ) : view.name === 'mail' ? (
            <MailView accounts={accounts} jobs={jobs} onCompose={openCompose} onEditAccount={(account) => setView({ name: 'wizard', account })} />
          ) : view.name === 'outbox' ? (
            <OutboxView jobs={jobs} accounts={accounts} onEdit={openDraft} select={outboxSelect} />
          ) : view.name === 'drafts' ? (
            <DraftsView
              onOpen={(id, saved) => {
                setDraft(saved);
                setDraftId(id);
                setComposeKey((k) => k + 1);
                setView({ name: 'compose' });
              }}
            />
          ) : (
            <ComposeWindow
              key={composeKey}
              accounts={accounts}
              draft={draft}
              draftId={draftId}
              knownAddresses={knownAddresses}
              undoSeconds={info?.undoSeconds ?? DEFAULT_UNDO_SECONDS}
              checkRecipients={linkComposeKey === composeKey}
              onQueued={(job) => {
                setJobs((list) => [job, ...list.filter((j) => j.id !== job.id)].sort(byNewest));
                setJustQueued(job.id);
                setNow(Date.now());
                setDraft(null);
                setDraftId(null);
                setComposeKey((k) => k + 1);
                if (job.scheduled) setView({ name: 'outbox' });
              }}
            />
          )}
        </ErrorBoundary>
      </main>
    </div>
  );
}

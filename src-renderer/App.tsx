import { useEffect, useRef, useState } from 'react';
import type { Account, AppInfo } from '../shared/model';
import type { ComposeDraft, OutboxJobView } from '../shared/outbox';
import { getApi } from './api';
import { AccountList } from './features/accounts/AccountList';
import { useMailtoLinks } from './features/compose/mailto';
import { DraftsView } from './features/drafts/DraftsView';
import { MailView } from './features/mailbox/LazyMailView';
import { MergeView } from './features/merge/LazyMergeView';
import { SandboxView } from './features/sandbox/LazySandboxView';
import { FaultsBanner, useSandboxStatus } from './features/sandbox/FaultsBanner';
import { TryFirst, sandboxDraft } from './features/sandbox/TryFirst';
import { realFirst } from './features/sandbox/accounts-order';
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
import { rememberAccounts } from './ui/start-hint';
import { useOutcomeAnnouncer } from './features/outbox/useOutcomeAnnouncer';

type View = { name: 'mail' } | { name: 'drafts' } | { name: 'outbox' } | { name: 'merge' } | { name: 'sandbox'; batchId?: string } | { name: 'accounts' } | { name: 'wizard'; account?: Account } | { name: 'ready'; account: Account };

const byNewest = (a: OutboxJobView, b: OutboxJobView) => b.createdAt.localeCompare(a.createdAt);

export function App() {
  const [accounts, setAccounts] = useState<Account[] | null>(null);
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [jobs, setJobs] = useState<OutboxJobView[]>([]);
  const [view, setView] = useState<View>({ name: 'mail' });
  /** The message just queued (in a compose window), while it can still be taken back. */
  const [justQueued, setJustQueued] = useState<string | null>(null);
  const [now, setNow] = useState(Date.now());
  /** Outbox jobs this window has heard of: one it has not, arriving queued, was just sent from a compose window. */
  const knownJobs = useRef(new Set<string>());
  /** A mailto: link that was refused (why, in words); one that was not opens a compose window. */
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
      // Its recipients are checked at once: the link filled them, not the person.
      openCompose(next, { checkRecipients: true });
    },
    onRefused: setLinkRefused,
  });

  useEffect(() => {
    const api = getApi();
    void api.accounts.list({}).then((r) => setAccounts(r.ok ? r.value : []));
    void api.app.info({}).then((r) => r.ok && setInfo(r.value));
    void api.outbox.list({}).then((r) => {
      if (!r.ok) return;
      for (const job of r.value) knownJobs.current.add(job.id);
      setJobs(r.value.sort(byNewest));
    });
    const offAccounts = api.events.accountsChanged(setAccounts);
    const offJobs = api.events.outboxChanged((job) => {
      setJobs((list) => [job, ...list.filter((j) => j.id !== job.id)].sort(byNewest));
      if (knownJobs.current.has(job.id)) return;
      knownJobs.current.add(job.id);
      // Just queued in a compose window (which has closed): offer Undo here, or show where a scheduled one waits.
      if (job.state !== 'queued') return;
      if (job.scheduled) setView({ name: 'outbox' });
      else {
        setJustQueued(job.id);
        setNow(Date.now());
      }
    });
    return () => {
      offAccounts();
      offJobs();
    };
  }, []);

  /**
   * The Sandbox account (built in, in the list from the first start unless hidden) comes after the
   * person's own accounts: a new message, a merge and the mail view start from a real account.
   */
  const realAccounts = accounts?.filter((a) => !a.sandbox) ?? [];
  const sandboxAccount = accounts?.find((a) => a.sandbox);
  const ordered = realFirst(accounts ?? []);
  const sandbox = useSandboxStatus();

  // For the next start: fetch the Mail view's code early when there were accounts (ui/start-hint.ts).
  useEffect(() => {
    if (accounts) rememberAccounts(accounts.filter((a) => !a.sandbox).length);
  }, [accounts]);

  // The application menu and its keys: New Message, Check Mail, Send, Reply, Reply All, Forward, Search, Next/Previous Message, Delete, Outbox.
  useAppCommands(
    view.name,
    (name) => setView(name === 'mail' ? { name } : { name }),
    () => openCompose(null),
  );

  const pending = jobs.find((j) => j.id === justQueued);
  const undoable = pending && pending.state === 'queued' && !pending.scheduled && new Date(pending.notBefore).getTime() > now;
  useEffect(() => {
    if (!justQueued) return;
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [justQueued]);

  const counts = outboxCounts(jobs, seenProblems);
  // What the Outbox view shows has been seen.
  useEffect(() => {
    if (view.name === 'outbox') setSeenProblems((seen) => markSeen(seen, jobs));
  }, [view.name, jobs]);

  function openDraft(job: OutboxJobView) {
    setJustQueued(null);
    openCompose(job.draft ?? null);
  }

  /** A new message, reply, forward, mailto: link, undo, edit or saved draft: each in a compose window of its own. */
  function openCompose(next: ComposeDraft | null, options: { draftId?: string; checkRecipients?: boolean } = {}) {
    void getApi().compose.open({ draft: next, draftId: options.draftId ?? null, checkRecipients: options.checkRecipients ?? false });
  }

  async function undo() {
    if (!pending) return;
    const result = await getApi().outbox.undo({ id: pending.id });
    if (result.ok) openDraft(result.value);
  }

  // Until the person has an account of their own, the first screen (Mail) is the wizard; the Sandbox and the rest are a click away.
  const firstStart = realAccounts.length === 0;
  const showWizard = view.name === 'wizard' || (firstStart && view.name === 'mail');
  // Focus and a spoken name for every screen change (the wizard for each account is a screen of its own).
  const screenAnnouncer = useScreenFocus(accounts === null ? null : showWizard ? `wizard:${view.name === 'wizard' ? (view.account?.id ?? 'new') : 'first'}` : view.name);
  const outcomeAnnouncer = useOutcomeAnnouncer(jobs);
  if (accounts === null) return <p className="loading">Loading…</p>;

  return (
    <div className="shell">
      {/* The banner landmark holds the app's name, the main navigation and the notices about the whole app. */}
      <header className="masthead">
        <div className="topbar">
        <span className="brand">Mailwright</span>
        {accounts ? (
          <nav aria-label="Main">
            <button type="button" className="primary" onClick={() => openCompose(null)}>
              New message
            </button>
            {(['mail', 'drafts', 'outbox', 'merge', 'sandbox', 'accounts'] as const).map((name) => (
              <button key={name} type="button" aria-label={name === 'outbox' ? outboxTabName(counts) : undefined} aria-current={view.name === name || (name === 'accounts' && view.name === 'wizard') ? 'page' : undefined} onClick={() => setView({ name } as View)}>
                {name === 'mail' ? 'Mail' : name === 'drafts' ? 'Drafts' : name === 'outbox' ? <OutboxTabLabel counts={counts} /> : name === 'merge' ? 'Mail merge' : name === 'sandbox' ? 'Sandbox' : 'Accounts'}
              </button>
            ))}
          </nav>
        ) : null}
        {screenAnnouncer}
        {outcomeAnnouncer}
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
        <ErrorBoundary resetKey={view.name}>
          {showWizard ? (
            <div className="stack stack--first">
            {firstStart && sandboxAccount && view.name !== 'wizard' ? (
              <TryFirst onWrite={() => openCompose(sandboxDraft())} onOpen={() => setView({ name: 'sandbox' })} />
            ) : null}
            <AccountWizard
              key={view.name === 'wizard' ? (view.account?.id ?? 'new') : 'first'}
              {...(view.name === 'wizard' && view.account ? { account: view.account } : {})}
              onSaved={(saved, { checked }) => {
                const isNew = !(view.name === 'wizard' && view.account);
                // "Ready" only for an account whose check passed (one saved without it is not known to work).
                setView(!isNew ? { name: 'accounts' } : checked ? { name: 'ready', account: saved } : { name: 'mail' });
              }}
              {...(!firstStart || view.name === 'wizard' ? { onCancel: () => setView({ name: 'accounts' }) } : {})}
            />
            </div>
          ) : view.name === 'ready' ? (
            <AccountReady
              account={view.account}
              onWriteMessage={() => {
                setView({ name: 'mail' });
                openCompose(null);
              }}
              onOpenMailbox={() => setView({ name: 'mail' })}
              onOpenAccount={() => setView({ name: 'wizard', account: accounts.find((a) => a.id === view.account.id) ?? view.account })}
            />
          ) : view.name === 'accounts' ? (
            <div className="stack">
              <AccountList accounts={ordered} sandbox={sandbox} jobs={jobs} onEdit={(account) => setView({ name: 'wizard', account })} onAdd={() => setView({ name: 'wizard' })} />
              {info ? <SendingPreferences undoSeconds={info.undoSeconds} historyRetentionDays={info.historyRetentionDays} onChanged={setInfo} /> : null}
            </div>
          ) : view.name === 'mail' ? (
            <MailView accounts={realAccounts} jobs={jobs} onCompose={openCompose} onEditAccount={(account) => setView({ name: 'wizard', account })} />
          ) : view.name === 'outbox' ? (
            <div className="stack stack--wide">
              {sandbox ? <FaultsBanner faults={sandbox.faults} where="outbox" /> : null}
              <OutboxView jobs={jobs} accounts={ordered} onEdit={openDraft} select={outboxSelect} />
            </div>
          ) : view.name === 'merge' ? (
            <MergeView accounts={ordered} onOpenSandbox={(batchId) => setView({ name: 'sandbox', batchId })} />
          ) : view.name === 'sandbox' ? (
            <SandboxView accounts={accounts} batchId={view.batchId ?? null} />
          ) : (
            <DraftsView onOpen={(id, saved) => openCompose(saved, { draftId: id })} />
          )}
        </ErrorBoundary>
      </main>
    </div>
  );
}

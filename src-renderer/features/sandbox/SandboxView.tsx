/**
 * The Sandbox view: what the built-in capture server kept, newest first (or one rehearsed merge's
 * rows in row order), each message opened as a recipient would get it and with everything under it
 * (SandboxMessagePane), and the faults it plays (FaultsPanel). Follows the sandbox:changed event.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Account } from '../../../shared/model';
import type { MergeRun } from '../../../shared/merge/contract';
import type { AppError } from '../../../shared/result';
import { type SandboxMessage, type SandboxStatus, type SandboxSummary } from '../../../shared/sandbox';
import { getApi } from '../../api';
import { ErrorNotice } from '../../ui/ErrorNotice';
import { Field } from '../../ui/Field';
import { formatBytes, formatTime } from '../../ui/format';
import { useModalDialog } from '../../ui/useModalDialog';
import { FaultsBanner, FaultsPanel } from './FaultsPanel';
import { SandboxMessagePane } from './SandboxMessagePane';
import { rehearsedFor, sandboxProblemText } from './sandbox-text';
import './sandbox.css';

/** Messages fetched at a time (a merge's rows: the page around the row shown). */
const PAGE = 50;

export function statusText(status: SandboxStatus): string {
  if (!status.running) return `The sandbox is not running: ${sandboxProblemText(status.problem)}`;
  return `Listening on 127.0.0.1:${status.port ?? '?'} · ${status.count} message${status.count === 1 ? '' : 's'} · ${formatBytes(status.storedBytes)} used of ${formatBytes(status.maxStoreBytes)}`;
}

export function SandboxView(props: {
  accounts: Account[];
  /** Open filtered to this rehearsed merge (from the merge view's "Open in the Sandbox"). */
  batchId?: string | null;
}) {
  const [status, setStatus] = useState<SandboxStatus | null>(null);
  const [statusError, setStatusError] = useState<AppError | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [batchId, setBatchId] = useState<string>(props.batchId ?? '');
  const [merges, setMerges] = useState<MergeRun[]>([]);
  const [messages, setMessages] = useState<SandboxSummary[]>([]);
  const [total, setTotal] = useState(0);
  /** All messages: how many are listed; a merge: the offset of the page loaded. */
  const [limit, setLimit] = useState(PAGE);
  /** A merge's row shown (index in row order). */
  const [index, setIndex] = useState(0);
  const [selected, setSelected] = useState<string | null>(null);
  const [open, setOpen] = useState<SandboxMessage | null>(null);
  const [openError, setOpenError] = useState<AppError | null>(null);
  const [confirmClear, setConfirmClear] = useState(false);
  const [note, setNote] = useState('');
  /** Bumped by sandbox:changed so the list reloads. */
  const [version, setVersion] = useState(0);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (props.batchId) {
      setBatchId(props.batchId);
      setIndex(0);
    }
  }, [props.batchId]);

  useEffect(() => {
    const api = getApi();
    void api.sandbox.status({}).then((r) => {
      if (r.ok) setStatus(r.value);
      else setStatusError(r.error);
    });
    void api.merge.list({}).then((r) => r.ok && setMerges(r.value.filter((m) => m.rehearsal)));
    const offSandbox = api.events.sandboxChanged((next) => {
      setStatus(next);
      setStatusError(null);
      setVersion((v) => v + 1);
    });
    const offMerge = api.events.mergeProgress((run) => {
      if (run.rehearsal) setMerges((list) => [run, ...list.filter((m) => m.batchId !== run.batchId)]);
    });
    return () => {
      offSandbox();
      offMerge();
    };
  }, []);

  const pageOffset = batchId ? Math.floor(index / PAGE) * PAGE : 0;
  const load = useCallback(async () => {
    const result = await getApi().sandbox.list(batchId ? { offset: pageOffset, limit: PAGE, batchId } : { offset: 0, limit });
    if (!result.ok) {
      setError(result.error);
      return;
    }
    setError(null);
    setMessages(result.value.messages);
    setTotal(result.value.total);
  }, [batchId, pageOffset, limit]);
  useEffect(() => {
    void load();
  }, [load, version]);

  // All messages: the newest is open until the person picks another (a newcomer sees their message at once).
  useEffect(() => {
    if (!batchId && selected === null && messages[0]) setSelected(messages[0].id);
  }, [batchId, selected, messages]);

  // A merge's rows: the row at `index` is the one shown.
  const rowMessage = batchId ? messages[index - pageOffset] : undefined;
  const shownId = batchId ? (rowMessage?.id ?? null) : selected;
  useEffect(() => {
    if (!shownId) {
      setOpen(null);
      return;
    }
    let current = true;
    void getApi()
      .sandbox.open({ id: shownId })
      .then((r) => {
        if (!current) return;
        if (r.ok) {
          setOpen(r.value);
          setOpenError(null);
        } else {
          setOpen(null);
          setOpenError(r.error);
        }
      });
    return () => {
      current = false;
    };
  }, [shownId]);

  async function remove(id: string) {
    const result = await getApi().sandbox.delete({ id });
    if (!result.ok) return setError(result.error);
    setStatus(result.value);
    if (selected === id) setSelected(null);
    setNote('Message deleted.');
    // Its row and the button that had focus are gone: focus goes to the view's heading.
    heading.current?.focus();
    setVersion((v) => v + 1);
  }

  async function clear() {
    setConfirmClear(false);
    const result = await getApi().sandbox.clear({});
    if (!result.ok) return setError(result.error);
    setStatus(result.value);
    setSelected(null);
    setNote('The sandbox is empty.');
    heading.current?.focus();
    setVersion((v) => v + 1);
  }

  const merge = merges.find((m) => m.batchId === batchId);
  return (
    <section className="card sandbox" aria-labelledby="sandbox-title">
      <h1 id="sandbox-title" ref={heading} tabIndex={-1}>
        Sandbox
      </h1>
      <p className="muted">Messages sent to the sandbox stay on this computer. Each one is shown as its recipients would get it, with its envelope, headers, source and a check of what may go wrong.</p>
      <p className="sandbox__status" role="status" aria-label="Sandbox status">
        {status ? statusText(status) : statusError ? `The sandbox is not available: ${sandboxProblemText(statusError.code)}` : 'Asking the sandbox…'}
      </p>
      {status ? <FaultsBanner faults={status.faults} /> : null}
      {error ? <ErrorNotice error={error} /> : null}

      <div className="sandbox__toolbar">
        <Field label="Show">
          {({ id }) => (
            <select
              id={id}
              value={batchId}
              onChange={(e) => {
                setBatchId(e.target.value);
                setIndex(0);
                setSelected(null);
              }}
            >
              <option value="">All messages, newest first</option>
              {merges.map((m) => (
                <option key={m.batchId} value={m.batchId}>
                  {m.name} ({m.total} rows, {formatTime(m.createdAt)})
                </option>
              ))}
              {batchId && !merge ? <option value={batchId}>A rehearsed merge</option> : null}
            </select>
          )}
        </Field>
        <button type="button" disabled={!status?.count} onClick={() => setConfirmClear(true)}>
          Clear the sandbox…
        </button>
      </div>
      <p className="muted" role="status" aria-label="Sandbox news">
        {note}
      </p>

      {batchId ? (
        <div className="sandbox__rows" role="group" aria-label="Rows of the merge">
          <button type="button" disabled={index <= 0} onClick={() => setIndex((i) => Math.max(0, i - 1))}>
            Previous
          </button>
          <span role="status" aria-label="Row shown">{total ? `Row ${index + 1} of ${total}${rowMessage?.batchRow !== undefined ? ` (line ${rowMessage.batchRow} in the file)` : ''}` : 'No rows captured yet'}</span>
          <button type="button" disabled={index >= total - 1} onClick={() => setIndex((i) => Math.min(total - 1, i + 1))}>
            Next
          </button>
        </div>
      ) : null}

      {messages.length ? (
        <div className="sandbox__list">
          <table aria-label={batchId ? 'Rows captured' : 'Captured messages'}>
            <thead>
              <tr>
                <th scope="col">From</th>
                <th scope="col">To (envelope)</th>
                <th scope="col">Subject</th>
                <th scope="col">Size</th>
                <th scope="col">Received</th>
                <th scope="col">For</th>
                <th scope="col">Warnings</th>
                <th scope="col">
                  <span className="visually-hidden-status">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {messages.map((m, i) => {
                const current = m.id === shownId;
                return (
                  <tr key={m.id} className={current ? 'sandbox__row--current' : undefined} aria-current={current ? 'true' : undefined}>
                    <td className="sandbox__addr">{m.from?.address ?? m.envelope.mailFrom ?? ''}</td>
                    <td className="sandbox__addr">{m.envelope.rcptTo.join(', ')}</td>
                    <td className="sandbox__subject">
                      <button
                        type="button"
                        className="linklike"
                        onClick={() => {
                          if (batchId) setIndex(pageOffset + i);
                          else setSelected(m.id);
                        }}
                      >
                        {m.subject || '(no subject)'}
                      </button>
                    </td>
                    <td>{formatBytes(m.size)}</td>
                    <td>{formatTime(m.receivedAt)}</td>
                    <td>{rehearsedFor(m, props.accounts)}</td>
                    <td>{m.warnings ? `${m.warnings} warning${m.warnings === 1 ? '' : 's'}` : 'None'}</td>
                    <td>
                      <button type="button" aria-label={`Delete “${m.subject || '(no subject)'}”`} onClick={() => void remove(m.id)}>
                        Delete
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {!batchId && total > messages.length ? (
            <button type="button" onClick={() => setLimit((n) => n + PAGE)}>
              Show more ({total - messages.length} more)
            </button>
          ) : null}
        </div>
      ) : status?.running || !status ? (
        <p className="muted">{batchId ? 'None of this merge’s rows is in the sandbox (cleared or deleted).' : 'Nothing captured yet. Send a message from the Sandbox account, or choose “Send to sandbox” in a message.'}</p>
      ) : null}

      {openError ? <ErrorNotice error={openError} /> : null}
      {open ? <SandboxMessagePane key={open.summary.id} message={open} accounts={props.accounts} onError={setError} /> : null}

      <FaultsPanel status={status} onStatus={setStatus} />

      {confirmClear ? <ClearDialog count={status?.count ?? 0} onClear={() => void clear()} onCancel={() => setConfirmClear(false)} /> : null}
    </section>
  );
}

function ClearDialog(props: { count: number; onClear: () => void; onCancel: () => void }) {
  const ref = useModalDialog();
  const keep = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    keep.current?.focus();
  }, []);
  return (
    <dialog
      ref={ref}
      className="link-dialog"
      aria-labelledby="sandbox-clear-title"
      onCancel={(e) => {
        e.preventDefault();
        props.onCancel();
      }}
    >
      <h2 id="sandbox-clear-title">Clear the sandbox?</h2>
      <p>
        All {props.count} captured message{props.count === 1 ? '' : 's'} will be deleted from this computer. Nothing was sent to anyone, so nothing else changes.
      </p>
      <div className="actions">
        <button type="button" ref={keep} onClick={props.onCancel}>
          Keep them
        </button>
        <button type="button" className="primary" onClick={props.onClear}>
          Clear the sandbox
        </button>
      </div>
    </dialog>
  );
}

import { useState } from 'react';
import { DEFAULT_HISTORY_RETENTION_DAYS, DEFAULT_UNDO_SECONDS, type AppInfo } from '../../../shared/model';
import type { AppError } from '../../../shared/result';
import { getApi } from '../../api';
import { Choice } from '../../ui/Choice';
import { ErrorNotice } from '../../ui/ErrorNotice';

const UNDO_CHOICES = { '0': 'Send at once', '5': '5 seconds', '10': '10 seconds', '20': '20 seconds', '30': '30 seconds' } as const;
const HISTORY_CHOICES = { '30': '30 days', '90': '90 days', '365': '1 year', '1825': '5 years', forever: 'For ever' } as const;
type HistoryChoice = keyof typeof HISTORY_CHOICES;

const historyChoice = (days: number | null): HistoryChoice =>
  days === null ? 'forever' : String(days) in HISTORY_CHOICES ? (String(days) as HistoryChoice) : (String(DEFAULT_HISTORY_RETENTION_DAYS) as HistoryChoice);

/**
 * How long a message waits in the outbox after Send, while it can still be taken back; and how long
 * the outbox remembers what was sent (its history: what went to whom, when, and what came back).
 */
export function SendingPreferences(props: { undoSeconds: number; historyRetentionDays: number | null; onChanged: (info: AppInfo) => void }) {
  const [error, setError] = useState<AppError | null>(null);
  const value = (String(props.undoSeconds) in UNDO_CHOICES ? String(props.undoSeconds) : String(DEFAULT_UNDO_SECONDS)) as keyof typeof UNDO_CHOICES;
  const save = async (change: { undoSeconds?: number; historyRetentionDays?: number | null }) => {
    const result = await getApi().preferences.set(change);
    if (result.ok) props.onChanged(result.value);
    setError(result.ok ? null : result.error);
  };
  return (
    <section className="card" aria-labelledby="sending-title">
      <h2 id="sending-title">Sending</h2>
      <Choice label="Time to undo a message after Send" value={value} options={UNDO_CHOICES} onChange={(next) => void save({ undoSeconds: Number(next) })} />
      <Choice
        label="Keep the history of sent messages for"
        value={historyChoice(props.historyRetentionDays)}
        options={HISTORY_CHOICES}
        onChange={(next) => void save({ historyRetentionDays: next === 'forever' ? null : Number(next) })}
      />
      <p className="muted">Older entries leave the outbox’s list of sent messages. The copies in your Sent folder are not touched.</p>
      {error ? <ErrorNotice error={error} /> : null}
    </section>
  );
}

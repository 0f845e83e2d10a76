import { useState } from 'react';
import { DEFAULT_UNDO_SECONDS, type AppInfo } from '../../../shared/model';
import type { AppError } from '../../../shared/result';
import { getApi } from '../../api';
import { Choice } from '../../ui/Choice';
import { ErrorNotice } from '../../ui/ErrorNotice';

const UNDO_CHOICES = { '0': 'Send at once', '5': '5 seconds', '10': '10 seconds', '20': '20 seconds', '30': '30 seconds' } as const;

/** How long a message waits in the outbox after Send, while it can still be taken back. */
export function SendingPreferences(props: { undoSeconds: number; onChanged: (info: AppInfo) => void }) {
  const [error, setError] = useState<AppError | null>(null);
  const value = (String(props.undoSeconds) in UNDO_CHOICES ? String(props.undoSeconds) : String(DEFAULT_UNDO_SECONDS)) as keyof typeof UNDO_CHOICES;
  return (
    <section className="card" aria-labelledby="sending-title">
      <h2 id="sending-title">Sending</h2>
      <Choice
        label="Time to undo a message after Send"
        value={value}
        options={UNDO_CHOICES}
        onChange={async (next) => {
          const result = await getApi().preferences.set({ undoSeconds: Number(next) });
          if (result.ok) props.onChanged(result.value);
          setError(result.ok ? null : result.error);
        }}
      />
      {error ? <ErrorNotice error={error} /> : null}
    </section>
  );
}

import { useEffect, useRef, useState, type ReactElement } from 'react';
import type { JobState, OutboxJobView } from '../../../shared/outbox';
import { stateLabel } from './OutboxView';

/** The states a person wants to hear about as they happen: the message went, or needs them. */
const ANNOUNCED: ReadonlySet<JobState> = new Set(['sent', 'failed', 'uncertain', 'retrying', 'signin']);

/**
 * Says in a polite live region what became of a message the person sent while this window was open
 * ("“Agenda”: Sent.", "“Agenda”: Sent to 1 of 2.", "“Agenda”: Not sent."), so a screen-reader user
 * hears the outcome wherever they are, as a sighted one sees the Outbox badge change. Only changes
 * seen in this window: the list loaded at start says nothing. Returns the region, rendered once
 * inside a landmark.
 */
export function useOutcomeAnnouncer(jobs: readonly OutboxJobView[]): ReactElement {
  const [announcement, setAnnouncement] = useState('');
  const states = useRef(new Map<string, JobState>());
  useEffect(() => {
    const previous = states.current;
    states.current = new Map(jobs.map((job) => [job.id, job.state]));
    // A job this window had not seen in another state (the list loaded at start) is not news.
    const news = jobs.filter((job) => ANNOUNCED.has(job.state) && previous.has(job.id) && previous.get(job.id) !== job.state);
    if (news.length) setAnnouncement(news.map((job) => `“${job.summary.subject || '(no subject)'}”: ${stateLabel(job)}.`).join(' '));
  }, [jobs]);
  return (
    <p className="visually-hidden-status" role="status" aria-live="polite" aria-label="Outbox news">
      {announcement}
    </p>
  );
}

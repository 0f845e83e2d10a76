import { attentionWords, type OutboxCounts } from './attention';

/**
 * The Outbox tab's visible label: "Outbox", a badge in the colour of a problem for the messages that
 * need attention, and a plain count of those waiting. The tab's accessible name is outboxTabName
 * ("Outbox (2 need attention, 3 waiting)"): the same words in the same order.
 */
export function OutboxTabLabel(props: { counts: OutboxCounts }) {
  const { attention, waiting } = props.counts;
  return (
    <>
      Outbox
      {attention ? <span className="badge badge--failed nav-badge">{attentionWords(attention)}</span> : null}
      {waiting ? <span className="nav-count">{waiting} waiting</span> : null}
    </>
  );
}

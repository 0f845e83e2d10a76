import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, type KeyboardEvent } from 'react';
import type { MessageSummary } from '../../../shared/mail';
import type { MessagePages } from './useMessagePages';
import { formatListDate } from '../../ui/format';

/** Fixed, so the list never measures rows: a folder of any size scrolls at the same cost. */
export const ROW_HEIGHT = 56;

function Row(props: { message: MessageSummary | undefined }) {
  const m = props.message;
  if (!m) {
    return (
      <>
        <span role="gridcell" className="msg__from muted">
          Loading…
        </span>
        <span role="gridcell" className="msg__subject" />
        <span role="gridcell" className="msg__date" />
      </>
    );
  }
  const from = m.from ? m.from.name || m.from.address : '(unknown sender)';
  return (
    <>
      <span role="gridcell" className="msg__from">
        {m.flagged ? (
          <span className="msg__flag" aria-label="Flagged" role="img">
            ⚑
          </span>
        ) : null}
        {m.seen ? null : <span className="visually-hidden-status">Unread, </span>}
        {from}
      </span>
      <span role="gridcell" className="msg__subject">
        {m.isDeliveryReport ? <span className="badge badge--report">Delivery report</span> : null}
        {m.subject || '(no subject)'}
      </span>
      <span role="gridcell" className="msg__date">
        <time dateTime={m.date}>{formatListDate(m.date)}</time>
      </span>
    </>
  );
}

/** The folder as a grid: aria-rowcount is the whole folder, only the rows in view are in the DOM. */
export function MessageList(props: {
  pages: MessagePages;
  label: string;
  selected: number | null;
  openUid: number | null;
  onSelect: (index: number) => void;
  onOpen: (index: number) => void;
}) {
  const { pages } = props;
  const total = pages.total ?? 0;
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    // React 19 warns about flushSync inside effects; rows are cheap enough to render on the next frame.
    useFlushSync: false,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  const { ensure } = pages;
  useEffect(() => {
    if (total > 0) ensure(first, last);
  }, [first, last, total, ensure]);

  // Selected from outside the list (Next/Previous message): brought into view.
  const selectedIndex = props.selected;
  useEffect(() => {
    if (selectedIndex !== null) virtualizer.scrollToIndex(selectedIndex, { align: 'auto' });
  }, [selectedIndex, virtualizer]);

  function move(to: number) {
    if (!total) return;
    const index = Math.max(0, Math.min(total - 1, to));
    props.onSelect(index);
    virtualizer.scrollToIndex(index, { align: 'auto' });
  }

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    const current = props.selected ?? -1;
    const pageRows = Math.max(1, Math.floor((scroller.current?.clientHeight ?? ROW_HEIGHT * 10) / ROW_HEIGHT) - 1);
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(current + 1),
      ArrowUp: () => move(current === -1 ? 0 : current - 1),
      PageDown: () => move(current + pageRows),
      PageUp: () => move(current - pageRows),
      Home: () => move(0),
      End: () => move(total - 1),
      Enter: () => {
        if (props.selected !== null) props.onOpen(props.selected);
      },
    };
    const action = keys[e.key];
    if (!action) return;
    e.preventDefault();
    action();
  }

  const activeId = props.selected !== null && items.some((i) => i.index === props.selected) ? `msg-row-${props.selected}` : undefined;

  return (
    <div
      ref={scroller}
      className="msg-grid"
      role="grid"
      aria-label={props.label}
      aria-rowcount={total}
      aria-busy={pages.total === null}
      aria-activedescendant={activeId}
      tabIndex={0}
      onKeyDown={onKeyDown}
    >
      <div role="rowgroup" className="msg-grid__rows" style={{ height: virtualizer.getTotalSize() }}>
        {items.map((item) => {
          const message = pages.row(item.index);
          const selected = props.selected === item.index;
          const classes = ['msg', message && !message.seen ? 'msg--unread' : '', selected ? 'msg--selected' : '', message && message.uid === props.openUid ? 'msg--open' : '']
            .filter(Boolean)
            .join(' ');
          return (
            <div
              key={item.key}
              id={`msg-row-${item.index}`}
              role="row"
              aria-rowindex={item.index + 1}
              aria-selected={selected}
              data-uid={message?.uid}
              className={classes}
              style={{ height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
              onClick={() => {
                props.onSelect(item.index);
                props.onOpen(item.index);
              }}
            >
              <Row message={message} />
            </div>
          );
        })}
      </div>
    </div>
  );
}

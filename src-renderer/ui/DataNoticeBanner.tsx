import { useEffect, useRef, useState } from 'react';
import type { DataNotice } from '../../shared/notices';
import { getApi } from '../api';
import { formatFullDate } from './format';

/**
 * Files in the data folder that were found damaged and set aside (main's data-notices service):
 * which file, where its copy was kept and what Mailwright did instead, until the person dismisses it.
 */
export function DataNoticeBanner() {
  const [notices, setNotices] = useState<DataNotice[]>([]);
  const section = useRef<HTMLElement>(null);
  /** Set by Dismiss: the button that had focus is gone, so focus moves on instead of falling to the page. */
  const [refocus, setRefocus] = useState(false);
  useEffect(() => {
    const api = getApi();
    void api.app.notices({}).then((r) => r.ok && setNotices((now) => merge(r.value, now)));
    return api.events.appNoticeAdded((notice) => setNotices((now) => merge(now, [notice])));
  }, []);

  async function dismiss(id: string) {
    const result = await getApi().app.dismissNotice({ id });
    setNotices((now) => (result.ok ? result.value : now.filter((n) => n.id !== id)));
    setRefocus(true);
  }
  // To the next notice's Dismiss, or, with none left, to the view below.
  useEffect(() => {
    if (!refocus) return;
    setRefocus(false);
    const next = section.current?.querySelector<HTMLButtonElement>('button') ?? document.querySelector<HTMLElement>('main');
    next?.focus();
  }, [refocus, notices]);

  if (!notices.length) return null;
  return (
    <section ref={section} className="data-notices" aria-label="Damaged files">
      {notices.map((n) => (
        <div key={n.id} className="notice notice--warning banner" role="alert">
          <p className="notice__title">A damaged file was set aside: {n.file}</p>
          <p>{n.what}</p>
          <p>
            The damaged copy was kept as <code>{n.keptAs}</code> in Mailwright’s data folder ({formatFullDate(n.when)}).
          </p>
          <button type="button" onClick={() => void dismiss(n.id)}>
            Dismiss
          </button>
        </div>
      ))}
    </section>
  );
}

/** `a` then whatever of `b` it does not have (the list and an event may both carry a notice). */
function merge(a: DataNotice[], b: DataNotice[]): DataNotice[] {
  return [...a, ...b.filter((n) => !a.some((m) => m.id === n.id))];
}

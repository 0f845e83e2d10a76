import { useEffect, useRef, useState, type ReactElement } from 'react';

/** How long to wait for a screen's heading to appear (a screen loaded on first use renders it later). */
const HEADING_WAIT_MS = 5000;

/**
 * Moves focus to the new screen's heading (`main h1`) whenever `screen` changes, and announces the
 * screen by that heading's words in a polite live region, so a keyboard or screen-reader user lands
 * at the top of what just appeared instead of on a button that is gone. Returns the live region,
 * to be rendered once inside a landmark. `screen` is null while the app is still loading. Not on
 * the first screen: the app just started and that screen may place focus itself.
 */
/** Focus sits on an element inside `main` (not on main itself, not on the page or the nav button that was pressed). */
function placedInside(main: Element | null): boolean {
  const active = document.activeElement;
  return !!main && !!active && active !== main && main.contains(active);
}

export function useScreenFocus(screen: string | null): ReactElement {
  const [announcement, setAnnouncement] = useState('');
  const previous = useRef<string | null>(null);

  useEffect(() => {
    const first = previous.current === null;
    previous.current = screen;
    if (first || screen === null) return;
    const place = (): boolean => {
      const heading = document.querySelector<HTMLElement>('main h1');
      if (!heading) return false;
      // Focusable from code only: the heading is no stop in the Tab order.
      if (!heading.hasAttribute('tabindex')) heading.tabIndex = -1;
      // The new screen (or the command that showed it: Search) already put focus somewhere in it: keep it there.
      if (!placedInside(heading.closest('main'))) heading.focus();
      setAnnouncement(heading.textContent?.trim() ?? '');
      return true;
    };
    if (place()) return;
    // The screen's code is still loading: wait (bounded) for its heading.
    const main = document.querySelector('main') ?? document.body;
    const observer = new MutationObserver(() => {
      if (place()) observer.disconnect();
    });
    observer.observe(main, { childList: true, subtree: true });
    const timer = setTimeout(() => observer.disconnect(), HEADING_WAIT_MS);
    return () => {
      observer.disconnect();
      clearTimeout(timer);
    };
  }, [screen]);

  return (
    <p className="visually-hidden-status" role="status" aria-live="polite" aria-label="Screen">
      {announcement}
    </p>
  );
}

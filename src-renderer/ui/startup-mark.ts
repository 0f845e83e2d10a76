/**
 * A performance mark the moment React first puts something into the root element (its first
 * commit), so a benchmark or a profile can see when the app's own code has rendered, apart from
 * when the first screen's controls are ready (bench/startup.ts measures both).
 */
export const FIRST_RENDER_MARK = 'mailwright:first-render';

export function markFirstRender(root: HTMLElement): void {
  if (root.firstChild) {
    performance.mark(FIRST_RENDER_MARK);
    return;
  }
  const observer = new MutationObserver(() => {
    observer.disconnect();
    performance.mark(FIRST_RENDER_MARK);
  });
  observer.observe(root, { childList: true });
}

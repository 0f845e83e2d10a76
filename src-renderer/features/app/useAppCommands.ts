import { useEffect, useRef } from 'react';
import type { AppCommand } from '../../../shared/channels';
import { commandForKey } from '../../../shared/shortcuts';
import { getApi } from '../../api';
import { commandAction, commandSelector } from './app-commands';

/**
 * Presses the command's button if it is on screen and enabled (a disabled one means "not now"); a
 * field marked with the command (Search) gets focus instead. Answers whether anything happened.
 */
function press(command: AppCommand): boolean {
  const target = document.querySelector<HTMLElement>(`main ${commandSelector(command)}`);
  if (!target || (target as HTMLButtonElement).disabled) return false;
  if (target instanceof HTMLInputElement) {
    target.focus();
    target.select();
  } else target.click();
  return true;
}

/**
 * Presses the command's target; if the view's code is still loading (features/mailbox/LazyMailView.tsx
 * shows ui/Loading.tsx until then), presses it once it appears, waiting at most PENDING_WAIT_MS and
 * never once the view has loaded without it (a Reply pressed with no message open does not fire later).
 * Answers whether the command was taken.
 */
function pressWhenLoaded(command: AppCommand): boolean {
  if (press(command)) return true;
  const main = document.querySelector('main');
  if (!main?.querySelector('.loading')) return false;
  const observer = new MutationObserver(() => {
    if (press(command) || !main.querySelector('.loading')) stop();
  });
  const timer = setTimeout(() => stop(), PENDING_WAIT_MS);
  const stop = () => {
    observer.disconnect();
    clearTimeout(timer);
  };
  observer.observe(main, { childList: true, subtree: true });
  return true;
}

/** Inputs that take typed text (where Delete edits the text and must not delete a message). */
const NOT_TEXT = new Set(['button', 'checkbox', 'radio', 'submit', 'reset', 'file', 'range', 'color', 'image']);
function isTextField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !NOT_TEXT.has(target.type);
}

/** How long a command chosen from another view waits for that view's button or field to appear. */
const PENDING_WAIT_MS = 5000;

const MAC = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

/**
 * Carries out the window's commands: from the application menu (the 'app:command' event) and from
 * their keys (shared/shortcuts.ts), which the renderer handles itself so they work where there is no
 * menu. A key the window acted on is marked handled (preventDefault), so Electron does not run the
 * menu item as well. `view` is the view on screen; `show` switches views; `newMessage` opens a
 * fresh compose.
 */
export function useAppCommands(view: string, show: (view: 'mail' | 'outbox') => void, newMessage: () => void): void {
  const latest = useRef({ view, show, newMessage });
  latest.current = { view, show, newMessage };
  /** A press waiting for its view to be shown (Check mail chosen while in Compose). */
  const pending = useRef<AppCommand | null>(null);

  useEffect(() => {
    /** Runs a command; answers whether it did anything. */
    const run = (command: AppCommand): boolean => {
      const { view: current, show: showView, newMessage: open } = latest.current;
      const action = commandAction(command, current);
      switch (action.kind) {
        case 'new-message':
          open();
          return true;
        case 'press':
          return pressWhenLoaded(action.target);
        case 'show-then-press':
          pending.current = action.target;
          showView(action.view);
          return true;
        case 'show':
          showView(action.view);
          return true;
        case 'nothing':
          return false;
      }
    };
    const offMenu = getApi().events.appCommand(({ command }) => void run(command));
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.isComposing) return;
      const command = commandForKey(event, { mac: MAC, inTextField: isTextField(event.target) });
      if (command && run(command)) event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => {
      offMenu();
      window.removeEventListener('keydown', onKey);
    };
  }, []);

  useEffect(() => {
    const target = pending.current;
    if (!target || view !== 'mail') return;
    pending.current = null;
    // After the view has painted (or, loading on first use, once it has).
    const frame = requestAnimationFrame(() => void pressWhenLoaded(target));
    return () => cancelAnimationFrame(frame);
  }, [view]);
}

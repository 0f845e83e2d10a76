import { useEffect, useRef } from 'react';
import type { AppCommand } from '../../../shared/channels';
import { getApi } from '../../api';
import { commandAction, commandSelector } from './app-commands';

/** Presses the command's button if it is on screen and enabled; a disabled one means "not now". */
function press(command: AppCommand): void {
  const button = document.querySelector<HTMLButtonElement>(`main ${commandSelector(command)}`);
  if (button && !button.disabled) button.click();
}

/**
 * Carries out the application menu's commands (the 'app:command' event) in this window.
 * `view` is the view on screen; `show` switches views; `newMessage` opens a fresh compose.
 */
export function useAppCommands(view: string, show: (view: 'mail') => void, newMessage: () => void): void {
  const latest = useRef({ view, show, newMessage });
  latest.current = { view, show, newMessage };
  /** A press waiting for its view to be shown (Check mail chosen while in Compose). */
  const pending = useRef<AppCommand | null>(null);

  useEffect(
    () =>
      getApi().events.appCommand(({ command }) => {
        const { view: current, show: showView, newMessage: open } = latest.current;
        const action = commandAction(command, current);
        if (action.kind === 'new-message') open();
        else if (action.kind === 'press') press(action.target);
        else if (action.kind === 'show-then-press') {
          pending.current = action.target;
          showView(action.view);
        }
      }),
    [],
  );

  useEffect(() => {
    const target = pending.current;
    if (!target || view !== 'mail') return;
    pending.current = null;
    // After the view has painted its buttons.
    const frame = requestAnimationFrame(() => press(target));
    return () => cancelAnimationFrame(frame);
  }, [view]);
}

/**
 * Where mailto: links reach the app: macOS's open-url (listened for before "ready", or the link that
 * launched the app is lost), the command line at first start and a second instance's command line
 * (Windows, Linux). The decisions (which argument is a link, what to hold until the back end exists) are in
 * src-main/services/mailto.ts, which tests can load without Electron.
 */
import { app } from 'electron';
import { createMailtoQueue, mailtoArgs } from '../services/mailto';

/** Call before runApp (so open-url is heard before ready); main.ts calls deliverTo once the back end exists. */
export function collectMailtoLinks(): { deliverTo(open: (url: string) => void): void } {
  const queue = createMailtoQueue();
  app.on('open-url', (event, url) => {
    event.preventDefault();
    queue.push(url);
  });
  app.on('second-instance', (_event, argv) => mailtoArgs(argv).forEach((url) => queue.push(url)));
  mailtoArgs(process.argv).forEach((url) => queue.push(url));
  // electron-builder registers the scheme on macOS (Info.plist) and Linux (.desktop); Windows needs it at run
  // time. Only the installed app: in development it would register the bare Electron binary.
  if (process.platform === 'win32' && app.isPackaged && !app.isDefaultProtocolClient('mailto')) app.setAsDefaultProtocolClient('mailto');
  return { deliverTo: (open) => queue.deliverTo(open) };
}

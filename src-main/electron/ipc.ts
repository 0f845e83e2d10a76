import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import type { IpcSender, Router } from '../ipc/router';

/** What the router needs to know about who sent a request. A destroyed frame is never trusted. */
function senderOf(event: IpcMainInvokeEvent): IpcSender {
  const frame = event.senderFrame;
  return {
    contentsId: event.sender.id,
    isMainFrame: frame !== null && frame === event.sender.mainFrame,
    url: frame?.url ?? '',
  };
}

/** Every channel of the contract goes through the one router. */
export function registerIpc(router: Router): void {
  for (const channel of router.channels) {
    ipcMain.handle(channel, (event, payload: unknown) => router.handle(senderOf(event), channel, payload));
  }
}

/**
 * Sandboxed preload: exposes one function per contract channel (and one subscribe function per
 * push event) under window.mailwright, built by the same client as the test bridge. ipcRenderer
 * itself is never exposed, and listeners never see the IPC event object.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createApiClient } from '../../shared/client';
import { API_GLOBAL } from '../../shared/channels';

contextBridge.exposeInMainWorld(
  API_GLOBAL,
  createApiClient({
    invoke: (channel, request) => ipcRenderer.invoke(channel, request),
    subscribe: (event, listener) => {
      const handler = (_event: unknown, payload: unknown) => listener(payload);
      ipcRenderer.on(event, handler);
      return () => {
        ipcRenderer.removeListener(event, handler);
      };
    },
  }),
);

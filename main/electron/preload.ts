/**
 * The sandboxed preload: exposes exactly the studio API (one function per call in API_METHODS, plus onEvent) on
 * `window.studio`. No generic invoke, no ipcRenderer, no Node: the page gets these functions and nothing else.
 * Bundled to CommonJS (sandboxed preloads cannot load ES modules) by scripts/build-electron.mjs.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { IpcRendererEvent } from 'electron';
import { API_METHODS, IPC_EVENT_CHANNEL, ipcChannel } from '../../shared/api-methods.js';
import type { IpcReply } from '../../shared/api-methods.js';

const calls: Record<string, (params: unknown) => Promise<unknown>> = {};
for (const method of API_METHODS) {
  calls[method] = async (params: unknown) => {
    const reply = (await ipcRenderer.invoke(ipcChannel(method), params)) as IpcReply;
    if (reply.ok) return reply.result;
    throw Object.assign(new Error(reply.error.message), { code: reply.error.code });
  };
}

contextBridge.exposeInMainWorld('studio', {
  ...calls,
  onEvent(listener: (event: unknown) => void): () => void {
    const handler = (_e: IpcRendererEvent, event: unknown) => listener(event);
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
    return () => ipcRenderer.removeListener(IPC_EVENT_CHANNEL, handler);
  },
});

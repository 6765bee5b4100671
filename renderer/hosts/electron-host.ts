/**
 * The desktop host: the preload exposes `window.studio` (one function per API method plus `onEvent`) through
 * contextBridge. Only the error messages need work here: IPC wraps them in Electron's own prefix.
 */
import { API_METHODS } from '../../shared/api.js';
import type { ApiMethod, StudioApi, StudioCalls, StudioEvent } from '../../shared/api.js';
import { toApiError } from '../api/errors.js';

/** What the preload puts on `window.studio`. */
export interface StudioBridge {
  onEvent(listener: (event: StudioEvent) => void): () => void;
  [method: string]: unknown;
}

declare global {
  interface Window {
    studio?: StudioBridge;
  }
}

export function createElectronHost(bridge: StudioBridge): StudioApi {
  const wrap = (method: ApiMethod) => async (params: unknown) => {
    const fn = bridge[method];
    if (typeof fn !== 'function')
      throw toApiError(new Error(`The desktop app does not provide "${method}" (preload out of date?).`));
    try {
      return await (fn as (p: unknown) => Promise<unknown>)(params);
    } catch (e) {
      throw toApiError(e);
    }
  };
  const calls = Object.fromEntries(API_METHODS.map((m) => [m, wrap(m)])) as unknown as StudioCalls;
  return { ...calls, onEvent: (listener) => bridge.onEvent(listener) };
}

/** The state of the link to the studio's back end, for the banner; only the browser host's link can drop. */
/** `refused`: the link cannot work and is not retried (the page was opened without its access token). */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'refused';

export interface ConnectionStatus {
  state: ConnectionState;
  /** Failed attempts since the link was last open. */
  attempt: number;
  /** Milliseconds until the next attempt while reconnecting. */
  retryInMs: number | null;
  /** Why it is not connected, in words, when something more useful than "reconnecting" is known. */
  detail: string | null;
  /** How many times the link came back after dropping; views re-read what they may have missed when it grows. */
  reconnects: number;
}

export interface ConnectionSource {
  get(): ConnectionStatus;
  subscribe(listener: () => void): () => void;
}

// One frozen object: useSyncExternalStore compares snapshots by identity, so a fresh object per call would loop.
const OPEN_STATUS: ConnectionStatus = Object.freeze({
  state: 'open',
  attempt: 0,
  retryInMs: null,
  detail: null,
  reconnects: 0,
});

/** For hosts whose link cannot drop (Electron's IPC). */
export const ALWAYS_CONNECTED: ConnectionSource = {
  get: () => OPEN_STATUS,
  subscribe: () => () => {},
};

/**
 * The browser host: the studio API over one WebSocket to `npm run web` (wire format in shared/api.ts).
 * Calls made while the link is down wait for it (up to a limit); calls in flight when it drops fail with an
 * "unavailable" ApiError, since the server may or may not have run them. The link comes back with exponential
 * backoff, and a reconnect is announced as `runs-changed` so lists re-read what they missed.
 */
import { API_METHODS, ApiError } from '../../shared/api.js';
import type { ApiMethod, StudioApi, StudioCalls, StudioEvent, WireMessage, WireRequest } from '../../shared/api.js';
import { toApiErrorCode } from '../api/errors.js';
import type { ConnectionSource, ConnectionStatus } from '../api/connection.js';

/** The part of the browser's WebSocket this client uses (a fake stands in for it in tests). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

const OPEN = 1;

export interface WebHostOptions {
  url: string;
  createSocket?: (url: string) => SocketLike;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** How long a call waits for the link before it fails. */
  queueTimeoutMs?: number;
  /** Shown while not connected when the page URL carried no token. */
  missingTokenHint?: string | null;
  random?: () => number;
}

export interface WebHost {
  api: StudioApi;
  connection: ConnectionSource;
  /** Closes the link for good (tests, page teardown). */
  close(): void;
}

/** ws(s)://<host>/api?token=<token from the page URL>; the web server put the token into the page's URL. */
export function apiUrlFromLocation(location: { protocol: string; host: string; search: string }): {
  url: string;
  token: string | null;
} {
  const token = new URLSearchParams(location.search).get('token');
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return { url: `${scheme}://${location.host}/api?token=${encodeURIComponent(token ?? '')}`, token };
}

interface Waiting {
  request: WireRequest;
  resolve: (value: unknown) => void;
  reject: (error: ApiError) => void;
  timer: ReturnType<typeof setTimeout> | null;
}

export function createWebHost(options: WebHostOptions): WebHost {
  const createSocket = options.createSocket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
  const initialBackoff = options.initialBackoffMs ?? 500;
  const maxBackoff = options.maxBackoffMs ?? 10_000;
  const queueTimeout = options.queueTimeoutMs ?? 30_000;
  const random = options.random ?? Math.random;

  const eventListeners = new Set<(event: StudioEvent) => void>();
  const statusListeners = new Set<() => void>();
  const inFlight = new Map<number, Waiting>();
  const queued: Waiting[] = [];
  let nextId = 1;
  let socket: SocketLike | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;
  let everOpen = false;
  let status: ConnectionStatus = { state: 'connecting', attempt: 0, retryInMs: null, detail: null, reconnects: 0 };

  const setStatus = (patch: Partial<ConnectionStatus>) => {
    status = { ...status, ...patch };
    for (const l of statusListeners) l();
  };

  const emit = (event: StudioEvent) => {
    for (const l of eventListeners) {
      try {
        l(event);
      } catch (e) {
        // A failing view must not keep the others from their events.
        console.error('studio event listener failed', e);
      }
    }
  };

  const send = (w: Waiting) => {
    if (w.timer) clearTimeout(w.timer);
    w.timer = null;
    inFlight.set(w.request.id, w);
    socket!.send(JSON.stringify(w.request));
  };

  const onMessage = (data: unknown) => {
    let msg: WireMessage;
    try {
      msg = JSON.parse(String(data)) as WireMessage;
    } catch {
      console.warn('ignoring a malformed message from the studio server');
      return;
    }
    if ('event' in msg) {
      emit(msg.event);
      return;
    }
    const w = inFlight.get(msg.id);
    if (!w) return;
    inFlight.delete(msg.id);
    if ('error' in msg) w.reject(new ApiError(msg.error.message, toApiErrorCode(msg.error.code)));
    else w.resolve(msg.result);
  };

  const connect = () => {
    if (closed) return;
    retryTimer = null;
    let s: SocketLike;
    try {
      s = createSocket(options.url);
    } catch (e) {
      scheduleReconnect(e instanceof Error ? e.message : String(e));
      return;
    }
    socket = s;
    s.onopen = () => {
      const wasReconnect = everOpen;
      everOpen = true;
      setStatus({
        state: 'open',
        attempt: 0,
        retryInMs: null,
        detail: null,
        reconnects: status.reconnects + (wasReconnect ? 1 : 0),
      });
      for (const w of queued.splice(0)) send(w);
      if (wasReconnect) emit({ type: 'runs-changed' });
    };
    s.onmessage = (ev) => onMessage(ev.data);
    s.onerror = () => {
      // The close event that follows carries the handling.
    };
    s.onclose = () => {
      if (socket !== s) return;
      socket = null;
      for (const [id, w] of inFlight) {
        inFlight.delete(id);
        w.reject(
          new ApiError(
            `The connection to the studio server dropped while "${w.request.method}" was running; it may or may not have completed.`,
            'unavailable',
          ),
        );
      }
      if (closed) return;
      // Without its token the page is refused every time: retrying forever would only hide that behind a spinner.
      if (!everOpen && options.missingTokenHint) refuse(options.missingTokenHint);
      else scheduleReconnect(null);
    };
  };

  const refuse = (detail: string) => {
    closed = true;
    setStatus({ state: 'refused', retryInMs: null, detail });
    for (const w of queued.splice(0)) {
      if (w.timer) clearTimeout(w.timer);
      w.reject(new ApiError(detail, 'unavailable'));
    }
  };

  const scheduleReconnect = (detail: string | null) => {
    const attempt = status.attempt + 1;
    const base = Math.min(maxBackoff, initialBackoff * 2 ** (attempt - 1));
    // Jitter keeps several tabs from hammering a restarting server in lockstep.
    const delay = Math.round(base * (0.8 + 0.4 * random()));
    const hint = options.missingTokenHint ?? null;
    setStatus({ state: 'reconnecting', attempt, retryInMs: delay, detail: detail ?? hint });
    retryTimer = setTimeout(connect, delay);
  };

  const call = (method: ApiMethod, params: unknown): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (closed) {
        reject(new ApiError('The studio connection is closed.', 'unavailable'));
        return;
      }
      const w: Waiting = { request: { id: nextId++, method, params: params ?? {} }, resolve, reject, timer: null };
      if (socket && socket.readyState === OPEN) {
        send(w);
        return;
      }
      w.timer = setTimeout(() => {
        const i = queued.indexOf(w);
        if (i >= 0) queued.splice(i, 1);
        reject(
          new ApiError(
            `Not connected to the studio server (waited ${Math.round(queueTimeout / 1000)} s for "${method}"). Is \`npm run web\` still running?`,
            'unavailable',
          ),
        );
      }, queueTimeout);
      queued.push(w);
    });

  const calls = Object.fromEntries(
    API_METHODS.map((m) => [m, (params: unknown) => call(m, params)]),
  ) as unknown as StudioCalls;
  const api: StudioApi = {
    ...calls,
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
  };

  connect();

  return {
    api,
    connection: {
      get: () => status,
      subscribe(listener) {
        statusListeners.add(listener);
        return () => statusListeners.delete(listener);
      },
    },
    close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      const s = socket;
      socket = null;
      s?.close();
      for (const w of [...queued.splice(0), ...inFlight.values()]) {
        if (w.timer) clearTimeout(w.timer);
        w.reject(new ApiError('The studio connection is closed.', 'unavailable'));
      }
      inFlight.clear();
    },
  };
}

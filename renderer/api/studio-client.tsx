/**
 * The renderer's one way to the back end: components get the API, the run store and the connection state from
 * this context and never see the transport (Electron IPC or WebSocket) behind them.
 */
import { createContext, useContext, useEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import type { ReactNode } from 'react';
import type { StudioApi, StudioEvent } from '../../shared/api.js';
import { ALWAYS_CONNECTED } from './connection.js';
import type { ConnectionSource, ConnectionStatus } from './connection.js';
import { RunStore } from './run-store.js';
import type { RunLive } from './run-state.js';

interface StudioClient {
  api: StudioApi;
  runs: RunStore;
  connection: ConnectionSource;
}

/** Live run updates reach components at most this often (the charts redraw every 250 ms at most anyway). */
const LIVE_NOTIFY_MS = 100;

const ClientContext = createContext<StudioClient | null>(null);

export function StudioClientProvider({
  api,
  connection,
  children,
}: {
  api: StudioApi;
  connection?: ConnectionSource | null;
  children: ReactNode;
}) {
  const client = useMemo<StudioClient>(
    () => ({ api, runs: new RunStore(LIVE_NOTIFY_MS), connection: connection ?? ALWAYS_CONNECTED }),
    [api, connection],
  );
  useEffect(
    () =>
      client.api.onEvent((event) => {
        if (event.type === 'run') client.runs.apply(event.runId, event.event);
      }),
    [client],
  );
  return <ClientContext.Provider value={client}>{children}</ClientContext.Provider>;
}

function useClient(): StudioClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('StudioClientProvider is missing above this component.');
  return client;
}

export function useApi(): StudioApi {
  return useClient().api;
}

export function useRunStore(): RunStore {
  return useClient().runs;
}

/** The live state of one run; re-renders only when that run changes. */
export function useRun(runId: string | null): RunLive | null {
  const runs = useClient().runs;
  return useSyncExternalStore(runs.subscribe, () => runs.get(runId));
}

const NO_WARNINGS: RunLive['warnings'] = [];

/**
 * One run's warnings and the spec they were found on. Each is selected on its own, and the reducer keeps both arrays
 * by reference until they change, so the builder shows warnings on their layers without following every batch.
 */
export function useRunWarnings(runId: string | null): { warnings: RunLive['warnings']; spec: RunLive['spec'] } {
  const runs = useClient().runs;
  const warnings = useSyncExternalStore(runs.subscribe, () => runs.get(runId)?.warnings ?? NO_WARNINGS);
  const spec = useSyncExternalStore(runs.subscribe, () => runs.get(runId)?.spec ?? null);
  return { warnings, spec };
}

export function useConnection(): ConnectionStatus {
  const { connection } = useClient();
  return useSyncExternalStore(connection.subscribe, connection.get);
}

/** Calls `handler` for every studio event; the latest handler is used without resubscribing. */
export function useStudioEvent(handler: (event: StudioEvent) => void): void {
  const api = useApi();
  const ref = useRef(handler);
  useEffect(() => {
    ref.current = handler;
  });
  useEffect(() => api.onEvent((e) => ref.current(e)), [api]);
}

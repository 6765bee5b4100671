/**
 * What the back end told us at start (its engine and host, the bundled samples): server data, kept apart from the
 * navigation state in state/studio-state.tsx so that a tab switch never re-renders what only reads these, and
 * these never travel with the tab.
 */
import { createContext, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import type { EngineInfo, SampleInfo } from '../../shared/api.js';
import { useApi } from './studio-client.js';
import { errorMessage } from './errors.js';

export interface ServerInfo {
  /** Null until the engine answers, and if it never does (the header then says "unknown"). */
  engine: EngineInfo | null;
  samples: SampleInfo[] | null;
  samplesError: string | null;
}

const ServerInfoContext = createContext<ServerInfo | null>(null);

export function ServerInfoProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const [engine, setEngine] = useState<EngineInfo | null>(null);
  const [samples, setSamples] = useState<SampleInfo[] | null>(null);
  const [samplesError, setSamplesError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.getEngineInfo({}).then(
      (e) => live && setEngine(e),
      () => {
        // The header shows "unknown"; every other call reports its own error where it is made.
      },
    );
    api.listSamples({}).then(
      (s) => live && (setSamples(s), setSamplesError(null)),
      (e: unknown) => live && setSamplesError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [api]);
  const value = useMemo(() => ({ engine, samples, samplesError }), [engine, samples, samplesError]);
  return <ServerInfoContext.Provider value={value}>{children}</ServerInfoContext.Provider>;
}

export function useServerInfo(): ServerInfo {
  const s = useContext(ServerInfoContext);
  if (!s) throw new Error('ServerInfoProvider is missing above this component.');
  return s;
}

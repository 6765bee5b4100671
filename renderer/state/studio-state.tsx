/**
 * Navigation state: the open tab, which run each panel shows, the builder's selection, the weights the next run
 * starts from. What the server says (engine, samples) lives in api/server-info.tsx, runs in api/run-store.ts.
 */
import { createContext, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import type { WeightsSource } from '../../shared/api.js';
import { useProject } from './project-context.js';

export type TabId = 'builder' | 'data' | 'training' | 'runs' | 'predict';

export interface StudioState {
  tab: TabId;
  setTab(tab: TabId): void;
  /** The run the training panel follows: the one started here last, or one found training. */
  currentRunId: string | null;
  setCurrentRunId(id: string | null): void;
  /** Why the last Train press failed (startRun refused), shown where the run's own errors go. */
  startError: string | null;
  setStartError(message: string | null): void;
  /** The run opened in the runs panel. */
  openRunId: string | null;
  setOpenRunId(id: string | null): void;
  /** The builder's selected node: a layer id, "input", or null. */
  selectedLayerId: string | null;
  setSelectedLayerId(id: string | null): void;
  predictRunId: string | null;
  setPredictRunId(id: string | null): void;
  /**
   * The weights the next run starts from instead of fresh ones (an imported model's, a finished run's), or null. It
   * belongs to the project it was chosen with: loading another project drops it.
   */
  startWeights: StartWeights | null;
  /** `forLoad`: the project load it belongs to — the current one, or the next when set together with a load. */
  setStartWeights(w: StartWeights | null): void;
}

export interface StartWeights {
  source: WeightsSource;
  /** What the user knows it as: "imported model.keras", "run forecast-gru (…)" */
  label: string;
  forLoad: number;
}

const StudioContext = createContext<StudioState | null>(null);

export function StudioStateProvider({ children }: { children: ReactNode }) {
  const [tab, setTab] = useState<TabId>('builder');
  const [currentRunId, setCurrentRunId] = useState<string | null>(null);
  const [openRunId, setOpenRunId] = useState<string | null>(null);
  const [startError, setStartError] = useState<string | null>(null);
  const [predictRunId, setPredictRunId] = useState<string | null>(null);
  const [selectedLayerId, setSelectedLayerId] = useState<string | null>(null);
  const { loadCount } = useProject().state;
  // A selection belongs to the project it was made in.
  useEffect(() => setSelectedLayerId(null), [loadCount]);
  const [chosenWeights, setStartWeights] = useState<StartWeights | null>(null);
  const startWeights = chosenWeights && chosenWeights.forLoad === loadCount ? chosenWeights : null;

  const value = useMemo<StudioState>(
    () => ({
      tab,
      setTab,
      currentRunId,
      setCurrentRunId,
      startError,
      setStartError,
      openRunId,
      setOpenRunId,
      selectedLayerId,
      setSelectedLayerId,
      predictRunId,
      setPredictRunId,
      startWeights,
      setStartWeights,
    }),
    [tab, currentRunId, startError, openRunId, selectedLayerId, predictRunId, startWeights],
  );
  return <StudioContext.Provider value={value}>{children}</StudioContext.Provider>;
}

export function useStudio(): StudioState {
  const s = useContext(StudioContext);
  if (!s) throw new Error('StudioStateProvider is missing above this component.');
  return s;
}

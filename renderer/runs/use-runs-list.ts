import { useCallback, useEffect, useRef, useState } from 'react';
import type { RunSummary } from '../../shared/api.js';
import { useApi, useStudioEvent } from '../api/studio-client.js';
import { errorMessage } from '../api/errors.js';

/** listRuns, re-read when the server says runs changed (debounced: an epoch and a state change come together). */
export function useRunsList(): { runs: RunSummary[] | null; error: string | null; refresh: () => void } {
  const api = useApi();
  const [runs, setRuns] = useState<RunSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const alive = useRef(true);

  const refresh = useCallback(() => {
    api.listRuns({}).then(
      (r) => {
        if (!alive.current) return;
        setRuns(r);
        setError(null);
      },
      (e: unknown) => alive.current && setError(errorMessage(e)),
    );
  }, [api]);

  useEffect(() => {
    alive.current = true;
    refresh();
    return () => {
      alive.current = false;
      if (timer.current) clearTimeout(timer.current);
    };
  }, [refresh]);

  useStudioEvent((e) => {
    if (e.type !== 'runs-changed') return;
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(refresh, 200);
  });

  return { runs, error, refresh };
}

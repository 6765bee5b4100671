import { useCallback, useRef, useState } from 'react';
import { errorMessage } from './errors.js';

export interface Action<A extends unknown[]> {
  /** Runs the action: clears the error, is busy until it settles; true when it completed, false when it threw. */
  run: (...args: A) => Promise<boolean>;
  busy: boolean;
  /** What the last run threw, in words; null after a run that completed and while one runs. */
  error: string | null;
  setError: (message: string | null) => void;
}

/**
 * One action a view runs on request (save, open, export, import, download, start a run): whether it is running and
 * its error in words. The one home of the busy / error / try / finally block; `onError` adds what a view does besides
 * keeping the message (a toast, the run's start error), `onSettled` what it clears either way (a progress bar).
 */
export function useAction<A extends unknown[]>(
  action: (...args: A) => Promise<void>,
  options: { onError?: (e: unknown) => void; onSettled?: () => void } = {},
): Action<A> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // The latest action and options, so that `run` keeps its identity while they close over fresh state.
  const latest = useRef({ action, options });
  latest.current = { action, options };
  const run = useCallback(async (...args: A) => {
    setBusy(true);
    setError(null);
    try {
      await latest.current.action(...args);
      return true;
    } catch (e) {
      setError(errorMessage(e));
      latest.current.options.onError?.(e);
      return false;
    } finally {
      setBusy(false);
      latest.current.options.onSettled?.();
    }
  }, []);
  return { run, busy, error, setError };
}

/**
 * One API call a view makes on request (predict, diagnose, look inside): its last result, the error in words, and
 * whether it is running. A new call clears the error and keeps the previous result on screen until it answers.
 */
export function useApiCall<T>(call: () => Promise<T>): {
  result: T | null;
  error: string | null;
  busy: boolean;
  run: () => Promise<boolean>;
} {
  const [result, setResult] = useState<T | null>(null);
  const action = useAction(async (latest: () => Promise<T>) => setResult(await latest()));
  const runAction = action.run;
  // A new `run` exactly when the call changes (a view re-runs an automatic call on that: a new run chosen).
  const run = useCallback(() => runAction(call), [runAction, call]);
  return { result, error: action.error, busy: action.busy, run };
}

import { useCallback, useState } from 'react';
import { errorMessage } from './errors.js';

/**
 * One API call a view makes on request (predict, diagnose, look inside): its last result, the error in words, and
 * whether it is running. A new call clears the error and keeps the previous result on screen until it answers.
 */
export function useApiCall<T>(call: () => Promise<T>): {
  result: T | null;
  error: string | null;
  busy: boolean;
  run: () => Promise<void>;
} {
  const [result, setResult] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = useCallback(async () => {
    setBusy(true);
    setError(null);
    try {
      setResult(await call());
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }, [call]);
  return { result, error, busy, run };
}

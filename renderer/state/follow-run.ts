/**
 * Which run the Training tab and the status bar follow when another project is loaded (New, Open, a template, a
 * run's spec): a finished run belongs to the project it was trained from and is dropped; one still training (or
 * paused, or not read yet) stays followed, so its progress and its Stop button remain in reach.
 */
import type { RunLive } from '../api/run-state.js';
import { isFinished } from '../api/run-state.js';

export function runToFollowAfterLoad(
  currentRunId: string | null,
  current: Pick<RunLive, 'status'> | null,
): string | null {
  if (currentRunId === null) return null;
  // Not read yet (a run found training at start is listed before its details arrive): keep following it.
  return current !== null && isFinished(current) ? null : currentRunId;
}

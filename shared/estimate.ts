/**
 * "Know before you train": what a short probe on this machine predicts for a run's time, and how far that was from
 * the real epochs. The probe (main/training/estimate.ts) trains a few batches of the real model on the real data with
 * the backend the run will use, discards the first (warm-up: kernel compilation, first allocations), and times the rest.
 */
import type { BackendInfo } from './engine-types.js';
import { formatBytes } from './memory-estimate.js';

export interface RunEstimate {
  backend: BackendInfo;
  /** How the fused kernels run, or null when unused. */
  kernels: string | null;
  /** Training batches timed (after the discarded warm-up batch). */
  probeBatches: number;
  /** The discarded first batch, for the record: it includes the warm-up. */
  warmupSeconds: number;
  /** What the probe's batches took beyond the steady state (warm-up, JIT): the first epoch pays it once. */
  rampUpSeconds: number;
  secondsPerBatch: number;
  batchesPerEpoch: number;
  /** Validation pass at the end of each epoch (forward only), estimated from timed validation batches. */
  validationSecondsPerEpoch: number;
  secondsPerEpoch: number;
  epochs: number;
  totalSeconds: number;
  /** Reading the data and building the model, once per run (before the first epoch). */
  setupSeconds: number;
  /** What training adds to the process's memory (memory-estimate.ts); absent in estimates saved before it existed. */
  memoryBytes?: number;
}

/**
 * Relative error of the estimate against the real epochs, (estimate − actual) / actual: per epoch against the mean of
 * the epochs after the first (the estimate is the steady state; the first epoch also pays the warm-up), or the first
 * when there is only one; and for the whole run's training time (the sum of the epochs) against totalSeconds.
 */
export function estimateError(
  estimate: Pick<RunEstimate, 'secondsPerEpoch' | 'totalSeconds' | 'epochs'>,
  epochSeconds: readonly number[],
): { actual: number; error: number; totalActual: number; totalError: number } | null {
  if (epochSeconds.length === 0) return null;
  const steady = epochSeconds.length > 1 ? epochSeconds.slice(1) : epochSeconds;
  const actual = steady.reduce((a, b) => a + b, 0) / steady.length;
  const totalActual = epochSeconds.reduce((a, b) => a + b, 0);
  // The epochs run so far plus the one-off ramp-up (totalSeconds = per epoch × epochs + ramp-up).
  const totalPlanned =
    estimate.secondsPerEpoch * epochSeconds.length +
    Math.max(0, estimate.totalSeconds - estimate.secondsPerEpoch * estimate.epochs);
  return {
    actual,
    error: (estimate.secondsPerEpoch - actual) / actual,
    totalActual,
    totalError: (totalPlanned - totalActual) / totalActual,
  };
}

export function formatSeconds(s: number): string {
  if (s < 1) return `${(s * 1000).toFixed(0)} ms`;
  if (s < 90) return `${s.toFixed(1)} s`;
  if (s < 5400) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** One line: "≈ 85 ms per batch × 34 batches + 0.4 s validation = 3.3 s per epoch → 33 s for 10 epochs on wasm, about 12.5 MiB of memory". */
export function describeEstimate(e: RunEstimate): string {
  return (
    `≈ ${formatSeconds(e.secondsPerBatch)} per batch × ${e.batchesPerEpoch} batches` +
    `${e.validationSecondsPerEpoch > 0 ? ` + ${formatSeconds(e.validationSecondsPerEpoch)} validation` : ''}` +
    ` = ${formatSeconds(e.secondsPerEpoch)} per epoch → ${formatSeconds(e.totalSeconds)} for ${e.epochs} epoch${e.epochs === 1 ? '' : 's'}` +
    ` on ${e.backend.name}${e.kernels ? ` (fused kernels: ${e.kernels})` : ''}` +
    `${e.memoryBytes !== undefined ? `, about ${formatBytes(e.memoryBytes)} of memory` : ''}`
  );
}

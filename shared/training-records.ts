/**
 * What a training run reports, batch by batch and epoch by epoch. These records travel from the training worker
 * to the CLI and the app, and are written one per line to `metrics.jsonl`.
 * Keys of `logs` follow Keras: "loss", "accuracy", "mae", and "val_" + those for validation.
 */

/** One optimizer step. Gradient norms are L2 norms before clipping, per layer name, plus the global norm. */
export interface BatchRecord {
  kind: 'batch';
  /** 0-based epoch and batch index within the epoch. */
  epoch: number;
  batch: number;
  batches: number;
  logs: Record<string, number>;
  gradNorms: Record<string, number>;
  globalGradNorm: number;
  /** Wall-clock milliseconds since the run started. */
  elapsedMs: number;
  /** Estimated seconds until the last epoch ends. */
  etaSeconds: number;
}

/** The end of an epoch: training logs (batch means), validation logs, timing, memory. */
export interface EpochRecord {
  kind: 'epoch';
  epoch: number;
  epochs: number;
  logs: Record<string, number>;
  /** Mean over the epoch's batches of each layer's gradient norm. */
  gradNorms: Record<string, number>;
  globalGradNorm: number;
  seconds: number;
  etaSeconds: number;
  /** tf.memory().numTensors after the epoch: must not grow from epoch to epoch. */
  numTensors: number;
  /** Epoch with the best monitored value so far (early stopping), or null without early stopping. */
  bestEpoch: number | null;
}

export type RunStatus = 'completed' | 'stopped' | 'early-stopped' | 'failed';

/** How a run ended. */
export interface TrainResult {
  status: RunStatus;
  /** Why it ended early or failed, in words. */
  reason: string | null;
  epochsRun: number;
  /** Logs of the epoch whose weights the model holds at the end (best epoch when weights were restored). */
  finalLogs: Record<string, number>;
  bestEpoch: number | null;
  restoredBestWeights: boolean;
  testLogs: Record<string, number> | null;
  seconds: number;
}

/** Whether a larger value of a logged metric is better ("accuracy") or a smaller one ("loss", "mae"). */
export function metricMode(key: string): 'min' | 'max' {
  return key.replace(/^val_/, '') === 'accuracy' ? 'max' : 'min';
}

/**
 * The best value of a logged key over epochs and the epoch it came from (min for losses, max for accuracy),
 * or null when no epoch logged it.
 */
export function bestOf(
  epochs: readonly { epoch: number; logs: Record<string, number> }[],
  key: string,
): { value: number; epoch: number } | null {
  const max = metricMode(key) === 'max';
  let best: { value: number; epoch: number } | null = null;
  for (const e of epochs) {
    const v = e.logs[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    if (!best || (max ? v > best.value : v < best.value)) best = { value: v, epoch: e.epoch };
  }
  return best;
}

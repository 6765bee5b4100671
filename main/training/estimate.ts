/**
 * The probe behind "know before you train": on the backend the run will use, with the real data and model, train
 * a few batches (up to about a second), discard the first (warm-up) and take the median of the later half of the
 * rest; time a few validation batches the same way.
 * Per epoch = per batch × batches + validation; total = per epoch × epochs.
 */
import type * as tf from '@tensorflow/tfjs';
import { resolveTraining } from '../../shared/model-spec.js';
import type { CheckedSpec } from '../../shared/shape-inference.js';
import type { RunEstimate } from '../../shared/estimate.js';
import type { RunOptions } from '../../shared/worker-protocol.js';
import { initBackend } from './backend.js';
import { buildModel } from './build-model.js';
import { describeKernels } from './kernels/index.js';
import { prepareData, resolveDataPath } from './prepare-data.js';
import { probeSteps } from './trainer.js';
import { withSeededRandom } from './seeded-random.js';
import { checkTrainingMemory } from './memory.js';

/**
 * Training batches the probe runs: at least MIN_PROBE_STEPS (the first is discarded: warm-up), then more while the
 * timed ones add up to less than PROBE_BUDGET_S (small models: one batch is too short to time), at most MAX_PROBE_STEPS.
 */
export const MIN_PROBE_STEPS = 3;
const MAX_PROBE_STEPS = 60;
const PROBE_BUDGET_S = 1;
const EVAL_STEPS = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? 0 : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function estimateRun(
  { spec, analysis }: CheckedSpec,
  specDir: string,
  options: RunOptions,
): Promise<RunEstimate> {
  if (!analysis.valid)
    throw new Error(
      analysis.issues
        .filter((i) => i.severity === 'error')
        .map((i) => i.message)
        .join('\n'),
    );
  const t0 = performance.now();
  const backend = await initBackend(options.backend ?? 'auto');
  const training = { ...resolveTraining(spec), ...(options.epochs ? { epochs: options.epochs } : {}) };
  // The probe trains real batches: a model that cannot fit is refused here as the run would refuse it.
  const memory = checkTrainingMemory(spec, analysis.layers, training, backend.name);
  const refusals = memory.issues.filter((i) => i.severity === 'error');
  if (refusals.length > 0) throw new Error(refusals.map((i) => i.message).join('\n'));
  const data = prepareData(spec, resolveDataPath(spec, specDir, options.dataPath), training);
  let model: tf.LayersModel | null = null;
  try {
    const built = await withSeededRandom(training.seed, async () => buildModel(spec, analysis));
    model = built.model;
    const kernels = built.recurrence.some((p) => p.fused) ? describeKernels() : null;
    const setupSeconds = (performance.now() - t0) / 1000;
    const times = await withSeededRandom(training.seed, async () =>
      probeSteps(built.model, data.train, data.val, training, {
        minSteps: MIN_PROBE_STEPS,
        maxSteps: MAX_PROBE_STEPS,
        budgetSeconds: PROBE_BUDGET_S,
        evalSteps: EVAL_STEPS,
      }),
    );
    // The engine keeps speeding up over the first few dozen batches (JIT, allocator): the later half of the timed
    // batches is the steady state; the median, so that one batch interrupted by another process does not skew it.
    const timed = times.train.slice(1);
    const secondsPerBatch = median(timed.slice(Math.floor(timed.length / 2)));
    const batchesPerEpoch = Math.ceil(data.train.count / training.batchSize);
    const valBatches = data.val ? Math.ceil(data.val.count / training.batchSize) : 0;
    const validationSecondsPerEpoch = times.val.length > 1 ? median(times.val.slice(1)) * valBatches : 0;
    const secondsPerEpoch = secondsPerBatch * batchesPerEpoch + validationSecondsPerEpoch;
    const warmupSeconds = times.train[0] ?? 0;
    // The first epoch also pays the ramp-up once: what the probe's batches took beyond the steady state.
    const valBatch = times.val.length > 1 ? median(times.val.slice(1)) : 0;
    const rampUp =
      times.train.reduce((a, t) => a + Math.max(0, t - secondsPerBatch), 0) +
      times.val.reduce((a, t) => a + Math.max(0, t - valBatch), 0);
    return {
      backend,
      kernels,
      probeBatches: times.train.length - 1,
      warmupSeconds,
      rampUpSeconds: rampUp,
      secondsPerBatch,
      batchesPerEpoch,
      validationSecondsPerEpoch,
      secondsPerEpoch,
      epochs: training.epochs,
      totalSeconds: secondsPerEpoch * training.epochs + rampUp,
      setupSeconds,
      ...(memory.estimate ? { memoryBytes: memory.estimate.totalBytes } : {}),
    };
  } finally {
    (model as tf.LayersModel | null)?.dispose();
  }
}

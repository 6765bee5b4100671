/**
 * One training run from a spec, reporting through `emit`: choose the backend, read the data, build, train, save.
 * The worker thread calls it; tests call it in-process. Every failure becomes an `error` event, never a throw.
 */
import type * as tf from '@tensorflow/tfjs';
import { RunFolder } from '../run-folder.js';
import { resolveTraining } from '../../shared/model-spec.js';
import type { CheckedSpec } from '../../shared/shape-inference.js';
import type { RunOptions, WorkerError, WorkerEvent } from '../../shared/worker-protocol.js';
import type { BatchRecord } from '../../shared/training-records.js';
import { DataError } from '../data/data-error.js';
import { initBackend } from './backend.js';
import { buildModel } from './build-model.js';
import { describeKernels } from './kernels/index.js';
import { prepareData, resolveDataPath } from './prepare-data.js';
import { saveLayersModel } from './save-model.js';
import type { TrainingControl } from './trainer.js';
import { train } from './trainer.js';
import { withSeededRandom } from './seeded-random.js';
import { checkTrainingMemory } from './memory.js';
import { evaluateOnly, loadInitialWeights } from './initial-weights.js';
import { DEFAULT_GRADIENT_FLOW_EVERY } from '../../shared/gradient-flow.js';
import type { HiddenGradientSample } from '../../shared/gradient-flow.js';

/** A failure as the worker reports it: a DataError with its file / row / column, anything else at `stage`. */
export function errorEvent(e: unknown, stage: 'data' | 'engine' = 'engine'): WorkerError {
  return e instanceof DataError
    ? { type: 'error', stage: 'data', message: e.message, file: e.file, row: e.row, column: e.column }
    : { type: 'error', stage, message: e instanceof Error ? e.message : String(e) };
}

/** `checked`: the spec and the analysis its entry point made (the API, the CLI); the run does not analyse it again. */
export async function executeRun(
  { spec, analysis }: CheckedSpec,
  specDir: string,
  options: RunOptions,
  emit: (e: WorkerEvent) => void,
  control: TrainingControl,
): Promise<void> {
  if (!analysis.valid) {
    const errors = analysis.issues.filter((i) => i.severity === 'error');
    emit({ type: 'error', stage: 'spec', message: errors.map((i) => i.message).join('\n'), issues: analysis.issues });
    return;
  }
  let stage: 'data' | 'engine' = 'engine';
  let model: tf.LayersModel | null = null;
  try {
    const backend = await initBackend(options.backend ?? 'auto');
    emit({ type: 'backend', backend });
    const training = { ...resolveTraining(spec), ...(options.epochs ? { epochs: options.epochs } : {}) };
    // Before the data is read and the model built: a model that cannot fit is refused with its figure, on its layer.
    const memory = checkTrainingMemory(spec, analysis.layers, training, backend.name);
    const refusals = memory.issues.filter((i) => i.severity === 'error');
    if (refusals.length > 0) {
      emit({
        type: 'error',
        stage: 'spec',
        message: refusals.map((i) => i.message).join('\n'),
        issues: [...analysis.issues, ...memory.issues],
      });
      return;
    }
    // The rest (a model that needs more than half of the machine's memory) is shown by every host, on its layer.
    if (memory.issues.length > 0) emit({ type: 'warnings', issues: memory.issues });
    stage = 'data';
    const data = prepareData(spec, resolveDataPath(spec, specDir, options.dataPath), training);
    emit({ type: 'data', summary: data.summary, fingerprint: data.fingerprint });
    stage = 'engine';

    // Every batch and epoch record, the sampled gradient flow and the histograms go to the run folder here,
    // unthrottled, so each host (CLI, studio) reads the same files (run-folder.ts).
    const folder = options.outDir ? new RunFolder(options.outDir) : null;
    const logs = folder?.openLogs() ?? null;
    const record = (r: object) => logs?.metric(r);
    const throttle = options.batchThrottleMs ?? 100;
    let pending: BatchRecord[] = [];
    let pendingFlow: HiddenGradientSample[] = [];
    let lastFlush = 0;
    const flush = () => {
      // Sampled gradient flow travels with the throttled batch messages: a fast run must not flood the UI.
      if (pendingFlow.length > 0) {
        emit({ type: 'gradient-flow', samples: pendingFlow });
        pendingFlow = [];
      }
      if (pending.length === 0) return;
      emit({ type: 'batches', records: pending });
      pending = [];
      lastFlush = performance.now();
    };
    const result = await withSeededRandom(training.seed, async () => {
      const built = buildModel(spec, analysis);
      model = built.model;
      if (options.initialWeightsDir) loadInitialWeights(model, options.initialWeightsDir);
      const kernels = built.recurrence.some((p) => p.fused) ? describeKernels() : null;
      emit({
        type: 'model',
        layers: analysis.layers,
        totalParams: analysis.totalParams,
        recurrence: built.recurrence,
        kernels,
      });
      if (options.evaluateOnly) return evaluateOnly(model, data, training, performance.now());
      return train(
        model,
        data,
        training,
        {
          onBatch: (r) => {
            record(r);
            pending.push(r);
            if (performance.now() - lastFlush >= throttle) flush();
          },
          onEpoch: (r) => {
            record(r);
            flush();
            emit({ type: 'epoch', record: r });
          },
          onState: (state) => emit({ type: 'state', state }),
          onHistograms: (h) => {
            logs?.histogram(h);
            emit({ type: 'histograms', record: h });
          },
          hiddenGradientEvery: options.gradientFlowEvery ?? DEFAULT_GRADIENT_FLOW_EVERY,
          onHiddenGradients: (s) => {
            logs?.gradientFlow(s);
            pendingFlow.push(s);
          },
        },
        control,
      );
    });
    flush();
    if (folder && model) {
      const files = await saveLayersModel(model, folder.modelDir);
      const pre = folder.writePreprocessing(data.preprocessing);
      emit({ type: 'saved', dir: folder.dir, files: [...files, pre] });
    }
    emit({ type: 'done', result });
  } catch (e) {
    emit(errorEvent(e, stage));
  } finally {
    (model as tf.LayersModel | null)?.dispose();
  }
}

/**
 * Starting a run from weights that already exist: a finished run's trained model (fine-tuning, more epochs) or an
 * imported Keras / TF.js model's converted weights, instead of fresh seeded ones. And evaluating such weights on the
 * spec's data without training, which gives a run that Predict and Export can use like any other.
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { readTfjsModel } from '../interop/tfjs-artifacts.js';
import { evaluate } from './trainer.js';
import type { PreparedData } from './prepare-data.js';
import type { ResolvedTraining } from '../../shared/model-spec.js';
import type { TrainResult } from '../../shared/training-records.js';

/**
 * Sets every weight of `model` from the TF.js model in `dir`, matched by name as TF.js's own loader does (by position
 * when the names differ, e.g. a model imported under other layer names), each shape checked.
 * @throws Error saying which weight was expected with which shape and what the file holds.
 */
export function loadInitialWeights(model: tf.LayersModel, dir: string): void {
  const { weights } = readTfjsModel(join(dir, 'model.json'));
  const targets = model.weights;
  if (weights.length !== targets.length) {
    throw new Error(
      `The initial weights do not fit this model: expected ${targets.length} weight tensors (the model as built from the spec), received ${weights.length}. Start from a run or an imported model with the same layers.`,
    );
  }
  const byName = new Map(weights.map((w) => [w.name, w]));
  const named = targets.every((v) => byName.has(v.originalName));
  const values = targets.map((v, i) => {
    const w = named ? byName.get(v.originalName)! : weights[i]!;
    if (w.shape.length !== v.shape.length || w.shape.some((d, k) => d !== v.shape[k])) {
      throw new Error(
        `The initial weights do not fit this model: weight ${v.originalName} expected shape [${v.shape.join(', ')}], received [${w.shape.join(', ')}] (${w.name}). Start from a run or an imported model with the same layers and sizes.`,
      );
    }
    return tf.tensor(w.data, w.shape);
  });
  model.setWeights(values);
  tf.dispose(values);
}

/** The logs of the weights as they are, on the validation and test splits: a run of no epochs. */
export function evaluateOnly(
  model: tf.LayersModel,
  data: PreparedData,
  training: ResolvedTraining,
  started: number,
): TrainResult {
  const finalLogs: Record<string, number> = {};
  if (data.val && data.val.count > 0)
    for (const [k, v] of Object.entries(evaluate(model, data.val, training))) finalLogs[`val_${k}`] = v;
  const testLogs = data.test && data.test.count > 0 ? evaluate(model, data.test, training) : null;
  return {
    status: 'completed',
    reason: 'Evaluated the initial weights on this data; no training.',
    epochsRun: 0,
    finalLogs,
    bestEpoch: null,
    restoredBestWeights: false,
    testLogs,
    seconds: (performance.now() - started) / 1000,
  };
}

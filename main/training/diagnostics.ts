/**
 * A finished text classifier's diagnostics on its run's validation split: the saved model (as Predict loads it)
 * scores the validation documents that `prepareData` splits off — the same seeded shuffle and split the run validated
 * on — and shared/classifier-metrics.ts turns the probabilities into the confusion matrix, ROC/PR curves and mistakes.
 */
import * as tf from '@tensorflow/tfjs';
import { RunFolder } from '../run-folder.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import { resolveTraining } from '../../shared/model-spec.js';
import { classifierDiagnostics } from '../../shared/classifier-metrics.js';
import type { ClassifierDiagnostics } from '../../shared/classifier-metrics.js';
import { DataError } from '../data/data-error.js';
import { loadLayersModel } from './save-model.js';
import { accelerateModel } from './kernels/index.js';
import { prepareData } from './prepare-data.js';
import type { Preprocessing } from './prepare-data.js';

const BATCH = 256;

export async function diagnoseText(
  runDir: string,
  spec: ModelSpec,
  dataPath: string,
  maxMisclassified = 50,
): Promise<ClassifierDiagnostics> {
  const pre = new RunFolder(runDir).requirePreprocessing<Preprocessing>('diagnose');
  if (pre.kind !== 'text')
    throw new DataError('This run is a time-series model; classifier diagnostics need a text classifier.');
  const data = prepareData(spec, dataPath, resolveTraining(spec));
  if (data.preprocessing.kind !== 'text' || !data.val || !data.valTexts) {
    throw new DataError('The run has no validation split to diagnose (data.valFraction is 0).', { file: dataPath });
  }
  // The tokenizer is refitted on the training split: if it differs from the saved one the data changed since training,
  // and the split would no longer be the one the run validated on.
  if (
    JSON.stringify(data.preprocessing.tokenizer) !== JSON.stringify(pre.tokenizer) ||
    JSON.stringify(data.preprocessing.classNames) !== JSON.stringify(pre.classNames)
  ) {
    throw new DataError(
      'The data changed since this run trained (its vocabulary or classes differ), so its validation split cannot be rebuilt.',
      { file: dataPath },
    );
  }
  const val = data.val;
  const model = await loadLayersModel(new RunFolder(runDir).modelDir);
  accelerateModel(model);
  const probabilities: number[][] = [];
  const trueClasses: number[] = [];
  let binary = false;
  try {
    for (let start = 0; start < val.count; start += BATCH) {
      const idx = new Int32Array(Math.min(BATCH, val.count - start)).map((_, i) => start + i);
      const { out, labels, units } = tf.tidy(() => {
        const { xs, ys } = val.batch(idx);
        const p = model.predict(xs) as tf.Tensor;
        return { out: p.dataSync(), labels: ys.dataSync(), units: p.shape[1] ?? 1 };
      });
      binary = units === 1;
      for (let i = 0; i < idx.length; i++) {
        probabilities.push(binary ? [1 - out[i]!, out[i]!] : Array.from(out.subarray(i * units, (i + 1) * units)));
        trueClasses.push(Math.round(labels[i]!));
      }
    }
  } finally {
    model.dispose();
  }
  return classifierDiagnostics({
    classes: pre.classNames,
    binary,
    probabilities,
    trueClasses,
    texts: data.valTexts,
    maxMisclassified,
  });
}

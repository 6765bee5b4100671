/**
 * Predictions with a saved run: the model from `model/` and the preprocessing fitted at training time from
 * `preprocessing.json`, so a sentence or a window is prepared exactly as the training data was.
 */
import { parseTimestamp } from '../../shared/timestamps.js';
import * as tf from '@tensorflow/tfjs';
import { RunFolder } from '../run-folder.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import { resolveTraining } from '../../shared/model-spec.js';
import type { SeriesPrediction, TextPrediction } from '../../shared/api.js';
import { Tokenizer, padSequences, OOV_TOKEN } from '../data/tokenizer.js';
import { DataError } from '../data/data-error.js';
import { loadLayersModel } from './save-model.js';
import { accelerateModel } from './kernels/index.js';

/** A saved run's model, its recurrent layers on the fused kernels like in training. */
async function loadForPrediction(dir: string): Promise<tf.LayersModel> {
  const model = await loadLayersModel(dir);
  accelerateModel(model);
  return model;
}
import type { Preprocessing } from './prepare-data.js';
import { prepareData, WindowSource } from './prepare-data.js';

/** Class probabilities for one text. Binary models report [P(class 0), P(class 1)]. */
export async function predictText(runDir: string, text: string): Promise<TextPrediction> {
  const pre = new RunFolder(runDir).requirePreprocessing<Preprocessing>('predict with');
  if (pre.kind !== 'text')
    throw new DataError('This run is a time-series model; text prediction needs a text classifier.');
  const tokenizer = Tokenizer.fromJSON(pre.tokenizer);
  const seq = tokenizer.textsToSequences([text]);
  const x = padSequences(seq, pre.length, { padding: pre.padding, truncating: pre.truncating });
  const model = await loadForPrediction(new RunFolder(runDir).modelDir);
  try {
    const out = tf.tidy(() => (model.predict(tf.tensor2d(x, [1, pre.length], 'int32')) as tf.Tensor).dataSync());
    const probabilities = out.length === 1 ? [1 - out[0]!, out[0]!] : Array.from(out);
    const tokens = tokenizer.tokenize(text).map((w) => {
      const i = tokenizer.wordIndex.get(w);
      return i !== undefined && i < tokenizer.numWords ? w : OOV_TOKEN;
    });
    return { classNames: pre.classNames, probabilities, tokens };
  } finally {
    model.dispose();
  }
}

/** Predicted vs actual (and the common-sense baseline) over the validation windows, in the target's units. */
export async function predictSeries(
  runDir: string,
  spec: ModelSpec,
  dataPath: string,
  maxPoints: number,
): Promise<SeriesPrediction> {
  const pre = new RunFolder(runDir).requirePreprocessing<Preprocessing>('predict with');
  if (pre.kind !== 'timeseries')
    throw new DataError('This run is a text model; the forecast plot needs a time-series model.');
  const data = prepareData(spec, dataPath, resolveTraining(spec));
  if (!(data.val instanceof WindowSource))
    throw new DataError('The data has no validation windows to plot.', { file: dataPath });
  const val = data.val;
  const t = pre.featureNames.indexOf(pre.target);
  const mean = pre.mean[t]!;
  const std = pre.std[t]!;
  const model = await loadForPrediction(new RunFolder(runDir).modelDir);
  const points: SeriesPrediction['points'] = [];
  let absErr = 0;
  let absBase = 0;
  try {
    const stride = Math.max(1, Math.ceil(val.count / maxPoints));
    const batch = 256;
    for (let start = 0; start < val.count; start += batch) {
      const idx = new Int32Array(Math.min(batch, val.count - start)).map((_, i) => start + i);
      const { predicted, last, actual } = tf.tidy(() => {
        const { xs, ys } = val.batch(idx);
        const p = (model.predict(xs) as tf.Tensor).dataSync();
        // The baseline: the target's value at the window's last timestep.
        const l = xs.slice([0, xs.shape[1]! - 1, t], [idx.length, 1, 1]).dataSync();
        return { predicted: p, last: l, actual: ys.dataSync() };
      });
      for (let i = 0; i < idx.length; i++) {
        const a = actual[i]! * std + mean;
        const p = predicted[i]! * std + mean;
        const b = last[i]! * std + mean;
        absErr += Math.abs(p - a);
        absBase += Math.abs(b - a);
        if ((start + i) % stride === 0) {
          const row = val.sampler.rowAt(start + i) + val.sampler.delay;
          const time = data.dates ? parseTimestamp(data.dates[row] ?? '') : null;
          points.push({ row, actual: a, predicted: p, baseline: b, ...(time !== null ? { time } : {}) });
        }
      }
    }
  } finally {
    model.dispose();
  }
  return { target: pre.target, points, mae: absErr / val.count, baselineMae: absBase / val.count };
}

// Classifier diagnostics through the API (issue #15): a real run on the bundled e-mail subjects, diagnosed in the
// worker; then recomputed here, independently, from the saved model's predictions on the validation texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { StudioService } from '../studio/studio-service.js';
import { waitForEnd } from '../studio/test-support.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import { resolveTraining } from '../../shared/model-spec.js';
import { prepareData } from './prepare-data.js';
import type { Preprocessing } from './prepare-data.js';
import { loadLayersModel } from './save-model.js';
import { initBackend } from './backend.js';
import { Tokenizer, padSequences } from '../data/tokenizer.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test('diagnoseRun: the matrix covers the validation split, the AUCs match a recomputation, mistakes are real', async (t) => {
  const userData = mkdtempSync(join(tmpdir(), 'rnn-studio-'));
  const s = new StudioService({
    userDataDir: userData,
    host: 'web',
    appVersion: 'test',
    assetsDir: join(root, 'assets'),
    examplesDir: join(root, 'examples'),
  });
  const sample = (await s.call('listSamples', {})).find((x) => x.id === 'sentiment-lstm')!;
  const spec: ModelSpec = {
    ...sample.spec,
    input: { kind: 'tokens', vocabSize: 2000, length: 12 },
    layers: [
      { className: 'Embedding', config: { inputDim: 2000, outputDim: 8 } },
      { className: 'LSTM', config: { units: 8 } },
      { className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
    ],
    training: { ...sample.spec.training, epochs: 2, learningRate: 0.01 },
  };
  const { runId } = await s.call('startRun', { spec });
  await waitForEnd(s, runId);
  const run = await s.call('getRun', { runId });
  assert.equal(run.status, 'completed');
  const d = await s.call('diagnoseRun', { runId });

  assert.deepEqual(d.classes, ['ham', 'spam']);
  assert.equal(d.binary, true);
  const split = run.dataSummary?.kind === 'text' ? run.dataSummary.split.val : -1;
  assert.ok(split > 100, `validation count ${split}`);
  assert.equal(d.count, split);
  assert.equal(
    d.confusion.flat().reduce((a, b) => a + b, 0),
    split,
    'the matrix sums to the validation count',
  );
  // Accuracy as training measured it on the same split, in the epoch whose weights were kept (best val_loss).
  const kept = run.epochRecords.reduce((a, r) => (r.logs['val_loss']! < a.logs['val_loss']! ? r : a));
  const valAccuracy = kept.logs['val_accuracy'] ?? kept.logs['val_acc']!;
  assert.ok(Math.abs(d.accuracy - valAccuracy) < 1e-4, `accuracy ${d.accuracy} vs val_accuracy ${valAccuracy}`);
  assert.equal(d.curves.length, 1);
  const curve = d.curves[0]!;
  assert.equal(curve.className, 'spam');
  assert.equal(curve.positives, d.confusion[1]![0]! + d.confusion[1]![1]!);
  assert.ok(curve.rocAuc !== null && curve.rocAuc >= 0 && curve.rocAuc <= 1, `roc auc ${curve.rocAuc}`);
  assert.ok(
    curve.averagePrecision !== null && curve.averagePrecision >= 0 && curve.averagePrecision <= 1,
    `ap ${curve.averagePrecision}`,
  );
  assert.deepEqual(curve.roc[0], { fpr: 0, tpr: 0 });
  assert.deepEqual(curve.roc.at(-1), { fpr: 1, tpr: 1 });
  assert.equal(d.misclassifiedCount, d.confusion[0]![1]! + d.confusion[1]![0]!);
  assert.equal(d.misclassified.length, Math.min(50, d.misclassifiedCount));
  assert.ok(
    d.misclassified.every(
      (m, i) => m.trueClass !== m.predictedClass && (i === 0 || m.confidence <= d.misclassified[i - 1]!.confidence),
    ),
  );

  // Independent recomputation: the validation texts through the saved tokenizer and model (plain TF.js layers on the
  // cpu backend, as Predict prepares a text), then the Mann–Whitney AUC and a plain count of the matrix.
  await initBackend('cpu');
  const runDir = join(userData, 'runs', runId);
  const pre = JSON.parse(readFileSync(join(runDir, 'preprocessing.json'), 'utf8')) as Extract<
    Preprocessing,
    { kind: 'text' }
  >;
  const meta = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as { dataPath: string };
  const data = prepareData(spec, meta.dataPath, resolveTraining(spec));
  const texts = data.valTexts!;
  const labels = Array.from(
    tf.tidy(() => data.val!.batch(new Int32Array(texts.length).map((_, i) => i)).ys.dataSync()),
  );
  const tokenizer = Tokenizer.fromJSON(pre.tokenizer);
  const x = padSequences(tokenizer.textsToSequences(texts), pre.length, {
    padding: pre.padding,
    truncating: pre.truncating,
  });
  const model = await loadLayersModel(join(runDir, 'model'));
  const p = Array.from(
    tf.tidy(() => (model.predict(tf.tensor2d(x, [texts.length, pre.length], 'int32')) as tf.Tensor).dataSync()),
  );
  model.dispose();
  const matrix = [
    [0, 0],
    [0, 0],
  ];
  labels.forEach((y, i) => matrix[y]![p[i]! > 0.5 ? 1 : 0]!++);
  assert.deepEqual(d.confusion, matrix);
  let wins = 0;
  let pairs = 0;
  labels.forEach((yi, i) =>
    labels.forEach((yj, j) => {
      if (yi !== 1 || yj !== 0) return;
      pairs++;
      wins += p[i]! > p[j]! ? 1 : p[i] === p[j] ? 0.5 : 0;
    }),
  );
  assert.ok(Math.abs(curve.rocAuc - wins / pairs) < 1e-3, `roc auc ${curve.rocAuc} vs Mann–Whitney ${wins / pairs}`);
  t.diagnostic(
    `validation ${d.count}, accuracy ${d.accuracy.toFixed(4)}, ROC AUC ${curve.rocAuc.toFixed(4)} (Mann–Whitney ${(wins / pairs).toFixed(4)}), AP ${curve.averagePrecision.toFixed(4)}, matrix ${JSON.stringify(d.confusion)}, mistakes ${d.misclassifiedCount}`,
  );
  for (const m of d.misclassified.slice(0, 10)) {
    assert.equal(m.text, texts[m.index]);
    assert.equal(m.trueClass, labels[m.index]);
    assert.ok(
      Math.abs(m.probabilities[1]! - p[m.index]!) < 1e-4,
      `example ${m.index}: ${m.probabilities[1]} vs ${p[m.index]}`,
    );
  }

  // A time-series run is refused with a clear error (its run.json names timeseries data), an unknown run is not found.
  const forecast = (await s.call('listSamples', {})).find((x) => x.id === 'forecast-gru')!;
  cpSync(runDir, join(userData, 'runs', 'series-1'), { recursive: true });
  writeFileSync(
    join(userData, 'runs', 'series-1', 'run.json'),
    JSON.stringify({ ...meta, id: 'series-1', spec: forecast.spec }),
  );
  await assert.rejects(
    s.call('diagnoseRun', { runId: 'series-1' }),
    (e: Error & { code?: string }) => /time-series model/.test(e.message) && e.code === 'invalid-argument',
  );
  await assert.rejects(
    s.call('diagnoseRun', { runId: 'no-such-run' }),
    (e: Error & { code?: string }) => e.code === 'not-found',
  );
});

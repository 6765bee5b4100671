import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from './build-model.js';
import { saveLayersModel, loadLayersModel } from './save-model.js';
import { initBackend } from './backend.js';

test('a saved model loads back with identical predictions (Bidirectional GRU stack)', async () => {
  await initBackend('wasm');
  const { model } = buildModel({
    format: 1, name: 'roundtrip', input: { kind: 'tokens', vocabSize: 50, length: 6 },
    layers: [
      { className: 'Embedding', config: { inputDim: 50, outputDim: 4, maskZero: true } },
      { className: 'Bidirectional', config: { mergeMode: 'ave' }, layer: { className: 'GRU', config: { units: 3, returnSequences: true } } },
      { className: 'LSTM', config: { units: 2 } },
      { className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
    ],
  });
  const dir = join(mkdtempSync(join(tmpdir(), 'rnn-save-')), 'model');
  const files = await saveLayersModel(model, dir);
  assert.deepEqual(files.map((f) => f.slice(dir.length + 1)), ['model.json', 'weights.bin']);
  const loaded = await loadLayersModel(dir);
  const x = tf.tensor2d([[0, 0, 3, 9, 49, 1], [5, 4, 3, 2, 1, 7]], [2, 6], 'int32');
  const a = model.predict(x) as tf.Tensor;
  const b = loaded.predict(x) as tf.Tensor;
  assert.deepEqual(Array.from(b.dataSync()), Array.from(a.dataSync()));
  tf.dispose([x, a, b]);
  model.dispose();
  loaded.dispose();
});

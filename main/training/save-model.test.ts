import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from './build-model.js';
import { saveLayersModel, loadLayersModel } from './save-model.js';
import { initBackend } from './backend.js';

test('a saved model loads back with every weight to the bit and the same predictions (Bidirectional GRU stack)', async () => {
  await initBackend('wasm');
  const { model } = buildModel({
    format: 1,
    name: 'roundtrip',
    input: { kind: 'tokens', vocabSize: 50, length: 6 },
    layers: [
      { className: 'Embedding', config: { inputDim: 50, outputDim: 4, maskZero: true } },
      {
        className: 'Bidirectional',
        config: { mergeMode: 'ave' },
        layer: { className: 'GRU', config: { units: 3, returnSequences: true } },
      },
      { className: 'LSTM', config: { units: 2 } },
      { className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
    ],
  });
  const dir = join(mkdtempSync(join(tmpdir(), 'rnn-save-')), 'model');
  const files = await saveLayersModel(model, dir);
  assert.deepEqual(
    files.map((f) => f.slice(dir.length + 1)),
    ['model.json', 'weights.bin'],
  );
  const loaded = await loadLayersModel(dir);
  const x = tf.tensor2d(
    [
      [0, 0, 3, 9, 49, 1],
      [5, 4, 3, 2, 1, 7],
    ],
    [2, 6],
    'int32',
  );
  // What the round trip must keep is every weight, to the bit.
  const saved = model.getWeights(),
    back = loaded.getWeights();
  assert.deepEqual(
    back.map((w) => w.shape),
    saved.map((w) => w.shape),
  );
  back.forEach((w, i) =>
    assert.deepEqual(
      new Uint32Array(w.dataSync().buffer.slice(0)),
      new Uint32Array(saved[i]!.dataSync().buffer.slice(0)),
      `weight ${i}`,
    ),
  );
  // The built model predicts on the fused kernels, the loaded one on TF.js's cells: two codes whose agreement is
  // fused-rnn.test.ts's to prove (CI once saw them 1 ulp apart under load), so here they agree within float32 noise.
  const a = Array.from((model.predict(x) as tf.Tensor).dataSync());
  const b = Array.from((loaded.predict(x) as tf.Tensor).dataSync());
  assert.equal(b.length, a.length);
  b.forEach((v, i) => assert.ok(Math.abs(v - a[i]!) <= 1e-6, `prediction ${i}: loaded ${v}, built ${a[i]}`));
  tf.dispose(x);
  model.dispose();
  loaded.dispose();
});

// Issue #6: long runs keep memory flat. 300 batches (3 epochs × 100) with validation, early stopping's best-weight
// snapshots and clipnorm: once the optimizer's slots and the best-weight snapshot exist, the number of live tensors
// does not change from batch to batch, and the JS heap does not grow with the batches.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { train } from './trainer.js';
import { ArraySource } from './sources.js';
import { buildModel } from './build-model.js';
import { initBackend } from './backend.js';
import { mulberry32, withSeededRandom } from './seeded-random.js';
import { resolveTraining } from '../../shared/model-spec.js';
import type { ModelSpec } from '../../shared/model-spec.js';

before(async () => {
  await initBackend('wasm');
});

test('300 batches: tf.memory().numTensors is constant from batch to batch (no tensor leak)', async () => {
  const spec: ModelSpec = {
    format: 1,
    name: 'leak',
    input: { kind: 'tokens', vocabSize: 50, length: 12 },
    layers: [
      { className: 'Embedding', config: { inputDim: 50, outputDim: 8 } },
      {
        className: 'Bidirectional',
        config: { mergeMode: 'concat' },
        layer: { className: 'LSTM', config: { units: 6, dropout: 0.1, recurrentDropout: 0.1 } },
      },
      { className: 'Dropout', config: { rate: 0.2 } },
      { className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
    ],
    training: {
      optimizer: 'adam',
      batchSize: 4,
      epochs: 3,
      clipnorm: 1,
      earlyStopping: { monitor: 'val_loss', patience: 5, restoreBestWeights: true },
      seed: 3,
    },
  };
  const rnd = mulberry32(9);
  const make = (n: number) => {
    const x = new Int32Array(n * 12).map(() => 2 + Math.floor(rnd() * 48));
    const y = new Float32Array(n).map(() => (rnd() < 0.5 ? 1 : 0));
    return new ArraySource(x, [12], y, true);
  };
  /** One run; returns numTensors and heap after each batch, and the tensors still alive after model.dispose(). */
  const runOnce = async (samples: number, epochs: number) => {
    const counts: number[] = [];
    const heap: number[] = [];
    const before = tf.memory().numTensors;
    await withSeededRandom(3, async () => {
      const { model } = buildModel(spec);
      const result = await train(
        model,
        { train: make(samples), val: make(40) },
        { ...resolveTraining(spec), epochs },
        {
          onBatch: () => {
            counts.push(tf.memory().numTensors);
            heap.push(process.memoryUsage().heapUsed);
          },
        },
      );
      assert.equal(result.epochsRun, epochs);
      model.dispose();
    });
    return { counts, heap, leftover: tf.memory().numTensors - before };
  };
  const { counts, heap, leftover } = await runOnce(400, 3);
  // A few tensors outlive model.dispose() (tfjs-layers' own: measured 4 for a plain model, more with Bidirectional
  // and dropout masks; Adam 2), once per run whatever its length; each run lives in its own worker thread, which ends.
  const short = await runOnce(20, 2);
  assert.equal(
    leftover,
    short.leftover,
    `300 batches leave ${leftover} tensors after the run, 10 batches leave ${short.leftover}`,
  );
  assert.equal(counts.length, 300);
  // Epoch 1 after its first batch (optimizer slots exist), then epochs 2–3 (early stopping now also holds one
  // snapshot of the best weights): each stretch is flat, and 200 batches add nothing.
  const flat = (a: number[], what: string) =>
    assert.ok(
      a.every((c) => c === a[0]),
      `numTensors drifted in ${what}: ${a[0]} → max ${Math.max(...a)}, last ${a.at(-1)}`,
    );
  flat(counts.slice(1, 100), 'epoch 1');
  flat(counts.slice(100), 'epochs 2–3');
  // Heap: the mean of the last 50 batches within 20 MB of the mean of batches 50–100 (GC noise, not growth).
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const growthMb = (mean(heap.slice(-50)) - mean(heap.slice(50, 100))) / 1024 ** 2;
  assert.ok(growthMb < 20, `heap grew ${growthMb.toFixed(1)} MB over 200 batches`);
});

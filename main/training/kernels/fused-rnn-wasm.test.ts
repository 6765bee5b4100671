// The fused path on the wasm backend, where it reads tensors straight from tfjs-backend-wasm's heap and hands
// gradients over as views: same training losses and weights as the op-by-op path there (TF.js's RNN, and Keras's
// cell step by step for the layer with dropout).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend.js';
import { accelerateModel } from './fused-rnn.js';
import { Bidirectional, lstm } from './recurrent-layers.js';
// Every GRU the studio builds or loads is Keras's (keras-gru.ts registers it under "GRU"), the Bidirectional's too.
import '../keras-gru.js';

function build(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.embedding({ inputDim: 40, outputDim: 6, inputLength: 13 }),
      new Bidirectional({
        layer: tf.layers.gru({ units: 5, returnSequences: true, recurrentActivation: 'sigmoid' }),
        mergeMode: 'concat',
      }),
      lstm({ units: 4, recurrentActivation: 'sigmoid', dropout: 0.2, recurrentDropout: 0.3 }),
      tf.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
}

test("on wasm: fused training steps give the op-by-op path's losses and weights", async () => {
  const info = await initBackend('wasm');
  assert.equal(info.name, 'wasm');
  const ids = tf.tensor2d(
    Array.from({ length: 16 * 13 }, (_, i) => (i * 7) % 40),
    [16, 13],
    'int32',
  );
  const y = tf.tensor2d(
    Array.from({ length: 16 }, (_, i) => i % 2),
    [16, 1],
  );
  const ref = build();
  const fused = build();
  fused.setWeights(ref.getWeights());
  assert.ok(accelerateModel(fused).every((p) => p.fused));
  process.env.RNN_STUDIO_FUSED = '0';
  try {
    assert.ok(accelerateModel(ref).every((p) => !p.fused));
  } finally {
    delete process.env.RNN_STUDIO_FUSED;
  }
  const train = (model: tf.LayersModel, seed: number) => {
    const opt = tf.train.rmsprop(0.01);
    const losses: number[] = [];
    const saved = Math.random;
    let s = seed;
    // Same dropout masks on both sides: the same Math.random sequence (tfjs seeds its random ops from it).
    Math.random = () => (s = (s * 16807) % 2147483647) / 2147483647;
    try {
      for (let i = 0; i < 4; i++) {
        const l = opt.minimize(
          () => tf.losses.sigmoidCrossEntropy(y, model.apply(ids, { training: true }) as tf.Tensor) as tf.Scalar,
          true,
        )!;
        losses.push(l.dataSync()[0]!);
        l.dispose();
      }
    } finally {
      Math.random = saved;
    }
    return losses;
  };
  const a = train(fused, 7),
    b = train(ref, 7);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-4, `step ${i}: fused ${v} vs op by op ${b[i]}`));
  const wa = fused.getWeights().map((w) => w.dataSync()),
    wb = ref.getWeights().map((w) => w.dataSync());
  wa.forEach((w, i) =>
    w.forEach((v, j) => assert.ok(Math.abs(v - wb[i]![j]!) < 1e-4, `weight ${i}[${j}]: ${v} vs ${wb[i]![j]}`)),
  );
  tf.dispose([ids, y]);
});

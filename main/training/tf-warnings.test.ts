// TF.js's "Orthogonal initializer … Slowness may result" reached users on every run: building recurrent models prints
// nothing for small kernels, and our own line at most once per process for a large one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from './build-model.js';
import { ORTHOGONAL_SLOW_ELEMENTS, withTfWarningsTranslated } from './tf-warnings.js';
import type { ModelSpec } from '../../shared/model-spec.js';

function captureWarnings<T>(fn: () => T): string[] {
  const original = console.warn;
  const got: string[] = [];
  console.warn = (...args: unknown[]) => {
    got.push(args.map(String).join(' '));
  };
  try {
    fn();
  } finally {
    console.warn = original;
  }
  return got;
}

const spec: ModelSpec = {
  format: 1,
  name: 'orth',
  input: { kind: 'tokens', vocabSize: 200, length: 8 },
  layers: [
    { className: 'Embedding', config: { inputDim: 200, outputDim: 8 } },
    {
      className: 'Bidirectional',
      config: { mergeMode: 'concat' },
      layer: { className: 'LSTM', config: { units: 32, returnSequences: true } },
    },
    { className: 'GRU', config: { units: 40 } },
    { className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
  ],
  training: { loss: 'binaryCrossentropy' },
};

test('building a model with small recurrent kernels twice prints no orthogonal-initializer warning', async () => {
  await tf.setBackend('cpu');
  // LSTM(32)'s recurrent kernel is 32 × 128 = 4,096 weights: over TF.js's 2,000, under ours.
  const warnings = captureWarnings(() => {
    for (let i = 0; i < 2; i++) buildModel(spec).model.dispose();
  });
  assert.deepEqual(
    warnings.filter((w) => /orthogonal/i.test(w)),
    [],
  );
});

test('a large orthogonal matrix is said once per process in our words; other warnings pass through unchanged', () => {
  const tfMessage = (n: number) =>
    `Orthogonal initializer is being called on a matrix with more than 2000 (${n}) elements: Slowness may result.`;
  const warnings = captureWarnings(() => {
    for (let i = 0; i < 2; i++) {
      withTfWarningsTranslated(() => {
        console.warn(tfMessage(ORTHOGONAL_SLOW_ELEMENTS * 4));
        console.warn(tfMessage(4096));
        console.warn('something else', 42);
      });
    }
  });
  assert.equal(warnings.filter((w) => /Slowness may result/.test(w)).length, 0);
  const ours = warnings.filter((w) => /orthogonal starting weights/.test(w));
  assert.equal(ours.length, 1, warnings.join('\n'));
  assert.match(ours[0]!, /1,048,576 weights .*recurrentInitializer to glorotUniform/);
  assert.deepEqual(
    warnings.filter((w) => w.startsWith('something else')),
    ['something else 42', 'something else 42'],
  );
  // The wrapper puts console.warn back, also when the build throws.
  const before = console.warn;
  assert.throws(
    () =>
      withTfWarningsTranslated(() => {
        throw new Error('boom');
      }),
    /boom/,
  );
  assert.equal(console.warn, before);
});

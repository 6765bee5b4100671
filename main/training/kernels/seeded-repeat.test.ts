// A seeded run repeats bit for bit on one provider: `npm run test:unit` runs this file on WebAssembly (several kernel
// threads taking slices from a queue), `npm run test:native` on the native addon (its own thread pool, oneDNN's
// multiplies, partial weight gradients added up after). Neither may let the order in which threads finish reach the
// numbers.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../backend.js';
import { buildModel } from '../build-model.js';
import { train } from '../trainer.js';
import { ArraySource } from '../sources.js';
import { withSeededRandom } from '../seeded-random.js';
import { kernelInfo } from './index.js';
import { resolveTraining } from '../../../shared/model-spec.js';
import type { ModelSpec } from '../../../shared/model-spec.js';

before(async () => {
  await initBackend('wasm');
});

const LENGTH = 30;
const SAMPLES = 96;

function spec(seed: number): ModelSpec {
  return {
    format: 1,
    name: 'repeat',
    input: { kind: 'tokens', vocabSize: 200, length: LENGTH },
    layers: [
      { className: 'Embedding', config: { inputDim: 200, outputDim: 16, maskZero: true } },
      {
        className: 'Bidirectional',
        config: { mergeMode: 'concat' },
        layer: { className: 'LSTM', config: { units: 20, returnSequences: true, dropout: 0.2, recurrentDropout: 0.3 } },
      },
      // 3 MiB of recurrent weights: one part on the native provider, sliced by the addon's threads.
      { className: 'GRU', config: { units: 512, recurrentDropout: 0.2, recurrentInitializer: 'glorotUniform' } },
      { className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
    ],
    training: { optimizer: 'adam', batchSize: 48, epochs: 2, seed, loss: 'binaryCrossentropy', shuffle: true },
  };
}

async function run(s: ModelSpec): Promise<{ losses: number[]; weights: Float32Array[] }> {
  const x = Int32Array.from({ length: SAMPLES * LENGTH }, (_, i) => (i % 11 === 0 ? 0 : 1 + ((i * 37) % 199)));
  const y = Float32Array.from({ length: SAMPLES }, (_, i) => ((i * 7) % 3 === 0 ? 1 : 0));
  const data = { train: new ArraySource(x, [LENGTH], y, true), val: null };
  return withSeededRandom(s.training!.seed!, async () => {
    const { model } = buildModel(s);
    const losses: number[] = [];
    await train(model, data, resolveTraining(s), { onBatch: (b) => losses.push(b.logs.loss!) });
    const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
    model.dispose();
    return { losses, weights };
  });
}

test('a seeded run repeats bit for bit on this provider (dropout, recurrent dropout, masks, two directions, a sliced GRU); another seed does not', async () => {
  const info = kernelInfo()!;
  const a = await run(spec(21));
  const b = await run(spec(21));
  const c = await run(spec(22));
  assert.equal(a.losses.length, 4, 'two epochs of two batches');
  assert.deepEqual(b.losses, a.losses, `${info.provider}: the same seed, the same loss at every step`);
  a.weights.forEach((w, i) =>
    assert.ok(
      w.length === b.weights[i]!.length && w.every((v, j) => Object.is(v, b.weights[i]![j])),
      `${info.provider}: weight ${i} differs between two runs of one seed`,
    ),
  );
  assert.notDeepEqual(c.losses, a.losses, 'another seed, other masks and weights');
});

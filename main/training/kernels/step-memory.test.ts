// The kernels' figure for one training step is exact on whichever provider runs: `npm run test:unit` runs this file
// on WebAssembly, `npm run test:native` on the native addon, whose kernel memory holds one part per layer (the addon
// slices it) where WebAssembly's holds a slice per 16 samples, each with a partial weight gradient.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../backend.js';
import { buildModel } from '../build-model.js';
import { train } from '../trainer.js';
import { ArraySource } from '../sources.js';
import { withSeededRandom } from '../seeded-random.js';
import { kernelInfo, kernelMemory, kernelStepBytes, kernelThreadCount } from './index.js';
import { estimateTrainingMemory, kernelSlices, nativeSlices } from '../../../shared/memory-estimate.js';
import { resolveTraining } from '../../../shared/model-spec.js';
import type { ModelSpec } from '../../../shared/model-spec.js';
import { analyzeModel } from '../../../shared/shape-inference.js';

before(async () => {
  await initBackend('wasm');
});

test("one training step leaves the kernels' memory exactly at kernelStepBytes, on this provider (masks, dropout, two directions, a GRU)", async () => {
  const spec: ModelSpec = {
    format: 1,
    name: 'exact',
    input: { kind: 'tokens', vocabSize: 300, length: 50 },
    layers: [
      { className: 'Embedding', config: { inputDim: 300, outputDim: 12, maskZero: true } },
      {
        className: 'Bidirectional',
        layer: {
          className: 'LSTM',
          config: { units: 24, returnSequences: true, dropout: 0.2, recurrentDropout: 0.1 },
        },
      },
      // 3 MiB of recurrent weights: one part on the native provider.
      { className: 'GRU', config: { units: 512, recurrentInitializer: 'glorotUniform' } },
      { className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
    ],
    training: { optimizer: 'adam', batchSize: 48, epochs: 1, seed: 5, loss: 'binaryCrossentropy' },
  };
  const info = kernelInfo()!;
  assert.equal(kernelMemory()!.bytes, 65_536, 'a fresh kernel memory');
  const threads = kernelThreadCount();
  const e = estimateTrainingMemory(spec, analyzeModel(spec).layers, { threads, provider: info.provider })!;
  const predicted = kernelStepBytes(e, threads);
  const x = Int32Array.from({ length: 48 * 50 }, (_, i) => (i % 9 === 0 ? 0 : 1 + ((i * 37) % 299)));
  const data = {
    train: new ArraySource(
      x,
      [50],
      Float32Array.from({ length: 48 }, (_, i) => i % 2),
      true,
    ),
    val: null,
  };
  await withSeededRandom(5, async () => {
    const { model } = buildModel(spec);
    await train(model, data, resolveTraining(spec), { hiddenGradientEvery: 1, onHiddenGradients: () => {} });
    model.dispose();
  });
  assert.equal(kernelMemory()!.inUse, 0);
  assert.equal(kernelMemory()!.bytes, predicted, `${info.provider}: the step grew the memory to the figure`);
  // What the figure assumed: WebAssembly's threads take slices of about 16 samples; the native provider lays out the
  // same for the small LSTM and one part for the GRU(512), which its threads then slice.
  const [lstm, gru] = [e.layers[1]!, e.layers[2]!];
  if (info.provider === 'native') {
    assert.deepEqual([lstm.kernelSlices, gru.kernelSlices], [kernelSlices(1, 48, 2), 1]);
    assert.equal(gru.kernelAddon > 0, nativeSlices(threads, 48) > 1);
  } else {
    assert.deepEqual(
      [lstm.kernelSlices, gru.kernelSlices],
      [kernelSlices(threads, 48, 2), kernelSlices(threads, 48, 1)],
    );
    assert.equal(gru.kernelAddon, 0);
  }
});

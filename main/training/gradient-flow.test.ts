// Gradient flow through time on constructed cases, with real training on tiny data: a SimpleRNN on a task whose
// answer sits at the first of many timesteps must be diagnosed vanishing; an LSTM on the same must not.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { train, TrainingControl } from './trainer.js';
import { ArraySource } from './sources.js';
import { buildModel } from './build-model.js';
import { initBackend } from './backend.js';
import { withSeededRandom, mulberry32 } from './seeded-random.js';
import { resolveTraining } from '../../shared/model-spec.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import { analyzeModel } from '../../shared/shape-inference.js';
import { applyFlowRemedy, diagnoseGradientFlow } from '../../shared/gradient-flow.js';
import type { HiddenGradientSample } from '../../shared/gradient-flow.js';

before(async () => {
  await initBackend('wasm');
});

const T = 60;
const F = 8;

/**
 * The label is the sign of the first feature at the first timestep; everything else (59 timesteps × 8 features,
 * uniform in [−2, 2]) is noise: a long dependency. Inputs of this size drive a SimpleRNN's tanh into saturation.
 */
function longDependency(n: number, seed: number): ArraySource {
  const rnd = mulberry32(seed);
  const x = new Float32Array(n * T * F);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < T * F; j++) x[i * T * F + j] = (rnd() * 2 - 1) * 2;
    y[i] = x[i * T * F]! > 0 ? 1 : 0;
  }
  return new ArraySource(x, [T, F], y, true);
}

function spec(cell: string, extra: Record<string, number | boolean | string> = {}): ModelSpec {
  return {
    format: 1,
    name: `long-${cell}`,
    input: { kind: 'floats', timesteps: T, features: F },
    layers: [
      { className: cell, config: { units: 32, ...extra } },
      { className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
    ],
    training: { optimizer: 'adam', learningRate: 1e-2, loss: 'binaryCrossentropy', batchSize: 32, epochs: 10, seed: 3 },
  };
}

async function sampleFlow(s: ModelSpec, every = 4): Promise<HiddenGradientSample[]> {
  const cfg = resolveTraining(s);
  return withSeededRandom(cfg.seed, async () => {
    const { model } = buildModel(s);
    const samples: HiddenGradientSample[] = [];
    await train(model, { train: longDependency(256, 1), val: null }, cfg, {
      hiddenGradientEvery: every,
      onHiddenGradients: (x) => samples.push(x),
    });
    model.dispose();
    return samples;
  });
}

test('SimpleRNN on a long dependency: vanishing, with the switch to LSTM/GRU offered; LSTM on the same: not vanishing', async () => {
  const rnn = spec('SimpleRNN');
  const lstm = spec('LSTM');
  const rnnSamples = await sampleFlow(rnn);
  const lstmSamples = await sampleFlow(lstm);
  assert.equal(rnnSamples.length, 20, '80 batches sampled every 4');
  assert.equal(rnnSamples[0]!.norms.simple_rnn!.length, T);
  const [dr] = diagnoseGradientFlow(rnnSamples, {
    layers: analyzeModel(rnn).layers,
    spec: rnn,
    learningRate: 1e-2,
    clipnorm: null,
  });
  const [dl] = diagnoseGradientFlow(lstmSamples, {
    layers: analyzeModel(lstm).layers,
    spec: lstm,
    learningRate: 1e-2,
    clipnorm: null,
  });
  console.log(
    `SimpleRNN: early ${dr!.early.toExponential(2)} last ${dr!.last.toExponential(2)} ratio ${dr!.ratio.toExponential(2)} → ${dr!.verdict}`,
  );
  console.log(
    `LSTM:      early ${dl!.early.toExponential(2)} last ${dl!.last.toExponential(2)} ratio ${dl!.ratio.toExponential(2)} → ${dl!.verdict}`,
  );
  assert.equal(dr!.verdict, 'vanishing', dr!.message);
  assert.equal(dl!.verdict, 'healthy', dl!.message);
  // The verdict reads the latest batches: by then the LSTM has learned to carry the signal (two orders above the SimpleRNN).
  assert.ok(dl!.ratio > 30 * dr!.ratio);
  assert.deepEqual(
    dr!.remedies.map((r) => r.label),
    ['Switch to LSTM', 'Switch to GRU'],
  );
  const fixed = applyFlowRemedy(rnn, dr!.remedies[0]!);
  assert.equal(fixed.layers[0]!.className, 'LSTM');
  assert.equal(analyzeModel(fixed).valid, true);
});

test("layers on TF.js's op-by-op path (an activation the kernels lack) report no gradient flow; the recurrence says why; every 0 samples only on request", async () => {
  const masked: ModelSpec = {
    format: 1,
    name: 'op-by-op',
    input: { kind: 'tokens', vocabSize: 20, length: 6 },
    layers: [
      { className: 'Embedding', config: { inputDim: 20, outputDim: 4, maskZero: true } },
      { className: 'LSTM', config: { units: 4, activation: 'softsign' } },
      { className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
    ],
    training: { batchSize: 8, epochs: 1, seed: 1 },
  };
  const x = new Int32Array(32 * 6).map((_, i) => 1 + (i % 19));
  const data = {
    train: new ArraySource(
      x,
      [6],
      new Float32Array(32).map((_, i) => i % 2),
      true,
    ),
    val: null,
  };
  await withSeededRandom(1, async () => {
    const { model, recurrence } = buildModel(masked);
    assert.equal(recurrence[0]!.fused, false);
    assert.ok(recurrence[0]!.reason);
    const samples: HiddenGradientSample[] = [];
    await train(model, data, resolveTraining(masked), {
      hiddenGradientEvery: 1,
      onHiddenGradients: (s) => samples.push(s),
    });
    assert.equal(samples.length, 0);
    model.dispose();
  });
  // The same model on the kernels (masked input included): samples on request only.
  const plain: ModelSpec = {
    ...masked,
    layers: [masked.layers[0]!, { className: 'LSTM', config: { units: 4 } }, masked.layers[2]!],
  };
  await withSeededRandom(1, async () => {
    const { model } = buildModel(plain);
    const samples: HiddenGradientSample[] = [];
    const control = new TrainingControl();
    control.requestGradientSample();
    await train(
      model,
      data,
      resolveTraining(plain),
      { hiddenGradientEvery: 0, onHiddenGradients: (s) => samples.push(s) },
      control,
    );
    assert.deepEqual(
      samples.map((s) => s.step),
      [0],
      'only the requested batch',
    );
    assert.equal(samples[0]!.norms.lstm!.length, 6);
    model.dispose();
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyFlowRemedy, diagnoseGradientFlow, locateLayer, trainingOnlyDivergence } from './gradient-flow.js';
import type { HiddenGradientSample } from './gradient-flow.js';
import { analyzeModel } from './shape-inference.js';
import type { ModelSpec } from './model-spec.js';

const spec: ModelSpec = {
  format: 1,
  name: 'bi',
  input: { kind: 'floats', timesteps: 10, features: 2 },
  layers: [
    {
      className: 'Bidirectional',
      config: { mergeMode: 'concat' },
      layer: { className: 'SimpleRNN', config: { units: 4, returnSequences: true, dropout: 0.1 } },
    },
    { className: 'GRU', config: { units: 4 } },
    { className: 'Dense', config: { units: 1 } },
  ],
};
const layers = analyzeModel(spec).layers;
const geometric = (T: number, first: number, factor: number) =>
  Array.from({ length: T }, (_, t) => first * factor ** t);
const sample = (step: number, norms: Record<string, number[]>): HiddenGradientSample => ({
  kind: 'hidden',
  epoch: 0,
  batch: step,
  step,
  norms,
});

test('verdicts: vanishing forwards and backwards (processing order), healthy, exploding (large, NaN, growing)', () => {
  const T = 10;
  const rising = geometric(T, 1e-6, 10 ** (6 / 9)); // 1e-6 at t=0 … 1 at t=9
  const samples = [
    sample(0, {
      'bidirectional (forward)': rising,
      'bidirectional (backward)': [...rising].reverse(), // the backward layer's last processed step is t=0
      gru: geometric(T, 0.5, 1.05),
    }),
  ];
  const d = diagnoseGradientFlow(samples, { layers, spec, learningRate: 1e-3, clipnorm: null });
  assert.deepEqual(
    d.map((x) => [x.layer, x.verdict, x.cell]),
    [
      ['bidirectional (forward)', 'vanishing', 'SimpleRNN'],
      ['bidirectional (backward)', 'vanishing', 'SimpleRNN'],
      ['gru', 'healthy', 'GRU'],
    ],
  );
  assert.match(d[0]!.message, /6 orders of magnitude/);
  assert.deepEqual(
    d[0]!.remedies.map((r) => r.label),
    ['Switch to LSTM', 'Switch to GRU'],
  );
  assert.equal(d[2]!.remedies.length, 0);

  const big = diagnoseGradientFlow([sample(0, { gru: geometric(T, 5e3, 0.9) })], {
    learningRate: 1e-2,
    clipnorm: null,
  });
  assert.equal(big[0]!.verdict, 'exploding');
  assert.deepEqual(
    big[0]!.remedies.map((r) => r.kind),
    ['clipnorm', 'learning-rate'],
  );
  const nan = diagnoseGradientFlow([sample(0, { gru: [NaN, 1, 1] })], { learningRate: 1e-2, clipnorm: 1 });
  assert.equal(nan[0]!.verdict, 'exploding');
  assert.deepEqual(
    nan[0]!.remedies.map((r) => r.kind),
    ['learning-rate'],
    'clipnorm already set',
  );
  const growing = Array.from({ length: 12 }, (_, i) => sample(i, { gru: geometric(T, 0.01 * 3 ** i, 1) }));
  assert.equal(diagnoseGradientFlow(growing)[0]!.verdict, 'exploding');
});

test('remedies are spec edits: switch the wrapped cell keeping its settings, clipnorm, learning rate', () => {
  assert.deepEqual(locateLayer('bidirectional (backward)', layers, spec), { index: 0, inner: true, cell: 'SimpleRNN' });
  const switched = applyFlowRemedy(spec, { kind: 'switch-cell', layerIndex: 0, inner: true, to: 'LSTM', label: '' });
  assert.deepEqual(switched.layers[0], {
    className: 'Bidirectional',
    config: { mergeMode: 'concat' },
    layer: { className: 'LSTM', config: { units: 4, returnSequences: true, dropout: 0.1 } },
  });
  assert.equal(analyzeModel(switched).valid, true);
  assert.equal(spec.layers[0]!.className, 'Bidirectional', 'input untouched');
  assert.equal(applyFlowRemedy(spec, { kind: 'clipnorm', value: 1, label: '' }).training?.clipnorm, 1);
  assert.equal(applyFlowRemedy(spec, { kind: 'learning-rate', value: 1e-4, label: '' }).training?.learningRate, 1e-4);
});

// What the studio saw before training followed Keras's GRU recurrent dropout: a training loss of ~1e8 beside a flat
// validation loss, gradient norms up to 1e20, and advice to clip the gradient, which did not help.
test('a training loss that blows up while validation stays flat is named, and the advice is not to clip', () => {
  const epochs = (pairs: [number, number][]) => pairs.map(([loss, val]) => ({ logs: { loss, val_loss: val } }));
  const diverging = epochs([
    [0.9, 1.7],
    [40, 1.8],
    [8.7e7, 1.76],
  ]);
  assert.equal(
    trainingOnlyDivergence(
      epochs([
        [0.9, 0.8],
        [0.5, 0.4],
        [0.3, 0.35],
      ]),
    ),
    null,
    'converging',
  );
  assert.equal(
    trainingOnlyDivergence(
      epochs([
        [0.9, 0.8],
        [5e3, 9e3],
      ]),
    ),
    null,
    'both blow up: the model itself diverges',
  );
  assert.equal(
    trainingOnlyDivergence(
      epochs([
        [0.9, 0.8],
        [50, 0.9],
      ]),
    ),
    null,
    'under 100×',
  );
  assert.match(
    trainingOnlyDivergence(diverging)!.message,
    /grew from 0.900 to 8.7e\+7 while the validation loss stayed near 1.70/,
  );
  const samples = [sample(0, { gru: geometric(10, 1e20, 0.5) })];
  const plain = diagnoseGradientFlow(samples, { layers, spec, learningRate: 1e-3, clipnorm: null })[0]!;
  assert.deepEqual(
    plain.remedies.map((r) => r.kind),
    ['clipnorm', 'learning-rate'],
  );
  const d = diagnoseGradientFlow(samples, { layers, spec, learningRate: 1e-3, clipnorm: null, epochs: diverging })[0]!;
  assert.equal(d.verdict, 'exploding');
  assert.match(d.message, /^Exploding in the forward pass/);
  assert.deepEqual(d.remedies, []);
});

test('vanishing in a layer that already is Bidirectional: no advice to add a bidirectional layer; a plain one still gets it', () => {
  const biGru: ModelSpec = {
    format: 1,
    name: 'bigru',
    input: { kind: 'floats', timesteps: 10, features: 2 },
    layers: [
      {
        className: 'Bidirectional',
        config: { mergeMode: 'concat' },
        layer: { className: 'GRU', config: { units: 4, returnSequences: true } },
      },
      { className: 'LSTM', config: { units: 4 } },
      { className: 'Dense', config: { units: 1 } },
    ],
  };
  const rising = geometric(10, 1e-6, 10 ** (6 / 9));
  const norms = { 'bidirectional (forward)': rising, 'bidirectional (backward)': [...rising].reverse(), lstm: rising };
  for (const withLayers of [true, false]) {
    const d = diagnoseGradientFlow(
      [sample(0, norms)],
      withLayers ? { layers: analyzeModel(biGru).layers, spec: biGru, learningRate: 1e-3, clipnorm: null } : {},
    );
    assert.deepEqual(
      d.map((x) => x.verdict),
      ['vanishing', 'vanishing', 'vanishing'],
    );
    for (const half of d.slice(0, 2)) {
      assert.doesNotMatch(half.message, /or a bidirectional layer/, half.layer);
      assert.match(half.message, /already bidirectional/, half.layer);
      assert.match(half.message, /Shorter sequences/, half.layer);
    }
    assert.match(d[2]!.message, /or a bidirectional layer shorten the path/);
  }
});

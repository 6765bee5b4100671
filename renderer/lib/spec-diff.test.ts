import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelSpec } from '../../shared/model-spec.js';
import { describeLayer, diffSpecs } from './spec-diff.js';

const base: ModelSpec = {
  format: 1,
  name: 'a',
  input: { kind: 'tokens', vocabSize: 1000, length: 40 },
  layers: [
    { id: 'x', className: 'Embedding', config: { inputDim: 1000, outputDim: 32 } },
    { id: 'y', className: 'LSTM', config: { units: 32 } },
    { id: 'z', className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
  ],
  training: { optimizer: 'rmsprop', learningRate: 0.001, epochs: 10 },
  data: { kind: 'text', path: 'sample:email-subjects', valFraction: 0.2 },
};

test('identical specs (ids and explicit defaults aside) have no differences', () => {
  const same: ModelSpec = {
    ...base,
    layers: base.layers.map((l, i) => ({ ...l, id: `other${i}` })),
    // rmsprop and 1e-3 are the defaults, so leaving them out changes nothing.
    training: { epochs: 10 },
  };
  assert.deepEqual(diffSpecs(base, same), []);
  const explicitDefault: ModelSpec = {
    ...base,
    layers: [base.layers[0]!, { className: 'LSTM', config: { units: 32, returnSequences: false } }, base.layers[2]!],
  };
  assert.deepEqual(diffSpecs(base, explicitDefault), []);
});

test('layer by layer, then training and data settings', () => {
  const b: ModelSpec = {
    ...base,
    name: 'b',
    layers: [
      base.layers[0]!,
      {
        className: 'Bidirectional',
        config: { mergeMode: 'concat' },
        layer: { className: 'LSTM', config: { units: 64 } },
      },
      base.layers[2]!,
      { className: 'Dropout', config: { rate: 0.3 } },
    ],
    training: { optimizer: 'adam', epochs: 10, earlyStopping: { patience: 2 } },
    data: { kind: 'text', path: 'sample:email-subjects', valFraction: 0.3 },
  };
  const rows = diffSpecs(base, b).map((r) => `${r.section}|${r.label}|${r.a}|${r.b}`);
  assert.deepEqual(rows, [
    'model|name|a|b',
    'layers|layer 2|LSTM(units=32)|Bidirectional(LSTM(units=64))',
    'layers|layer 4|—|Dropout(rate=0.3)',
    'training|earlyStopping|off|on',
    'training|earlyStopping.minDelta|—|0',
    'training|earlyStopping.monitor|—|val_loss',
    'training|earlyStopping.patience|—|2',
    'training|earlyStopping.restoreBestWeights|—|true',
    'training|optimizer|rmsprop|adam',
    'data|valFraction|0.2|0.3',
  ]);
});

test('same class: the differing settings, including inside Bidirectional', () => {
  const wrap = (units: number, mergeMode: 'concat' | 'sum'): ModelSpec => ({
    ...base,
    layers: [
      base.layers[0]!,
      { className: 'Bidirectional', config: { mergeMode }, layer: { className: 'GRU', config: { units } } },
      base.layers[2]!,
    ],
  });
  const rows = diffSpecs(wrap(16, 'concat'), wrap(32, 'sum')).map((r) => `${r.label}|${r.a}|${r.b}`);
  assert.deepEqual(rows, [
    'layer 2 (Bidirectional(GRU)) mergeMode|concat|sum',
    'layer 2 (Bidirectional(GRU)) GRU.units|16|32',
  ]);
  assert.equal(describeLayer(base.layers[2]!), 'Dense(units=1, activation=sigmoid)');
  assert.equal(
    describeLayer({ className: 'Bidirectional', config: { mergeMode: 'sum' }, layer: { className: 'GRU' } }),
    'Bidirectional(GRU(units=32), mergeMode=sum)',
  );
});

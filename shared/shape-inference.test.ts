// Validation messages, table-driven: each bad spec must produce an error on the right node with a message that
// says what was expected and what was received.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeModel, formatShape, nestingDepth } from './shape-inference.js';
import type { ModelSpec, LayerSpec } from './model-spec.js';

const tokens = { kind: 'tokens', vocabSize: 10000, length: 100 } as const;
const floats = { kind: 'floats', timesteps: 120, features: 3 } as const;
const emb = (inputDim = 10000): LayerSpec => ({ className: 'Embedding', config: { inputDim, outputDim: 32 } });
const out = (): LayerSpec => ({ className: 'Dense', config: { units: 1, activation: 'sigmoid' } });
const make = (input: ModelSpec['input'], layers: LayerSpec[], extra: Partial<ModelSpec> = {}): ModelSpec => ({
  format: 1,
  name: 't',
  input,
  layers,
  ...extra,
});

const bad: { name: string; spec: ModelSpec; layerIndex: number | null; pattern: RegExp }[] = [
  { name: 'empty stack', spec: make(tokens, []), layerIndex: null, pattern: /The model has no layers/ },
  {
    name: 'recurrent after one without returnSequences',
    spec: make(tokens, [
      emb(),
      { className: 'LSTM', config: { units: 32 } },
      { className: 'GRU', config: { units: 16 } },
      out(),
    ]),
    layerIndex: 2,
    pattern:
      /Input 0 of layer "gru" is incompatible with the layer: expected ndim=3, found ndim=2\. Full shape received: \(None, 32\)\. Set returnSequences: true on "lstm"/,
  },
  {
    name: 'Dense on 3-D output',
    spec: make(tokens, [emb(), { className: 'LSTM', config: { units: 32, returnSequences: true } }, out()]),
    layerIndex: 2,
    pattern:
      /must output one vector per sample, 2-D \(None, units\), but "dense" outputs \(None, 100, 1\)\. Set returnSequences: false/,
  },
  {
    name: 'Embedding smaller than the vocabulary',
    spec: make(tokens, [emb(5000), { className: 'LSTM' }, out()]),
    layerIndex: 0,
    pattern: /`inputDim` must be at least the input vocabulary size \(10000\).*Received: inputDim=5000\./,
  },
  {
    name: 'dropout 1',
    spec: make(floats, [{ className: 'GRU', config: { dropout: 1 } }, out()], {
      training: { loss: 'binaryCrossentropy' },
    }),
    layerIndex: 0,
    pattern: /`dropout` must be a number in \[0, 1\)\. Received: dropout=1\./,
  },
  {
    name: 'negative recurrentDropout',
    spec: make(floats, [{ className: 'GRU', config: { recurrentDropout: -0.1 } }, out()]),
    layerIndex: 0,
    pattern: /`recurrentDropout` must be a number in \[0, 1\)\. Received: recurrentDropout=-0\.1\./,
  },
  {
    name: 'Dropout rate 1.5',
    spec: make(floats, [{ className: 'GRU' }, { className: 'Dropout', config: { rate: 1.5 } }, out()]),
    layerIndex: 1,
    pattern: /`rate` must be a number in \[0, 1\)\. Received: rate=1\.5\./,
  },
  {
    name: 'units 0',
    spec: make(floats, [{ className: 'LSTM', config: { units: 0 } }, out()]),
    layerIndex: 0,
    pattern: /`units` must be a positive integer\. Received: units=0\./,
  },
  {
    name: "a recurrent layer whose fused-kernel memory passes WebAssembly's 4 GiB (issue #13)",
    spec: make(floats, [{ className: 'LSTM', config: { units: 4096 } }, out()], {
      training: { loss: 'binaryCrossentropy' },
    }),
    layerIndex: 0,
    pattern:
      /^LSTM "lstm" with units=4096 needs about 4\.1\d GiB of the fused kernels' memory to train at batch size 128 over 120 timesteps .* Reduce units, batch size or sequence length\.$/,
  },
  {
    name: 'absurd units',
    spec: make(floats, [{ className: 'LSTM', config: { units: 1e9 } }, out()]),
    layerIndex: 0,
    pattern: /`units` must be an integer in \[1, 65536\]\. Received: units=1000000000\./,
  },
  {
    name: 'unknown layer',
    spec: make(floats, [{ className: 'Conv1D' }, out()]),
    layerIndex: 0,
    pattern: /Unknown layer class "Conv1D" at position 1\. Expected one of: Embedding, SimpleRNN/,
  },
  {
    name: 'unknown parameter',
    spec: make(floats, [{ className: 'LSTM', config: { unitz: 3 } }, out()]),
    layerIndex: 0,
    pattern: /unknown parameter `unitz`/,
  },
  {
    name: 'bad enum',
    spec: make(floats, [{ className: 'LSTM', config: { activation: 'rellu' } }, out()]),
    layerIndex: 0,
    pattern: /`activation` must be one of "linear", .*Received: activation="rellu"\./,
  },
  {
    name: 'token input without Embedding',
    spec: make(tokens, [{ className: 'LSTM' }, out()]),
    layerIndex: 0,
    pattern: /Token input needs an Embedding as the first layer/,
  },
  {
    name: 'Embedding on floats',
    spec: make(floats, [emb(), { className: 'LSTM' }, out()]),
    layerIndex: 0,
    pattern: /Embedding takes token ids, but the input is float sequences/,
  },
  {
    name: 'Bidirectional of Dense',
    spec: make(floats, [{ className: 'Bidirectional', layer: { className: 'Dense' } } as LayerSpec, out()]),
    layerIndex: 0,
    pattern: /must wrap one of SimpleRNN, LSTM, GRU\. Received: "Dense"/,
  },
  {
    name: 'wrong format',
    spec: { ...make(floats, [{ className: 'LSTM' }, out()]), format: 2 as never },
    layerIndex: null,
    pattern: /Expected: "format": 1\. Received: format=2\./,
  },
  {
    name: 'sigmoid loss with 2 units',
    spec: make(floats, [{ className: 'LSTM' }, { className: 'Dense', config: { units: 2 } }], {
      training: { loss: 'binaryCrossentropy' },
    }),
    layerIndex: 1,
    pattern: /binaryCrossentropy expects .*Received: "dense" with 2 unit\(s\), activation="linear"\./,
  },
  {
    name: 'bad learning rate',
    spec: make(floats, [{ className: 'LSTM' }, out()], { training: { learningRate: 0 } }),
    layerIndex: null,
    pattern: /`learningRate` must be a number in \(0, 10\]\. Received: learningRate=0\./,
  },
  {
    name: 'timesteps disagree with lookback/step',
    spec: make(floats, [{ className: 'GRU' }, { className: 'Dense' }], {
      training: { loss: 'meanAbsoluteError' },
      data: { kind: 'timeseries', path: 'x.csv', target: 't', lookback: 240, step: 1, delay: 24 },
    }),
    layerIndex: null,
    pattern:
      /`input\.timesteps` must equal ceil\(lookback \/ step\) = ceil\(240 \/ 1\) = 240\. Received: timesteps=120\./,
  },
  {
    name: 'duplicate names',
    spec: make(floats, [
      { className: 'LSTM', config: { name: 'a', returnSequences: true } },
      { className: 'LSTM', config: { name: 'a' } },
      out(),
    ]),
    layerIndex: 1,
    pattern: /Layer names must be unique\. Received a second layer named "a"\./,
  },
];

for (const c of bad) {
  test(`refuses: ${c.name}`, () => {
    const a = analyzeModel(c.spec);
    assert.equal(a.valid, false);
    const hit = a.issues.find((i) => c.pattern.test(i.message));
    assert.ok(hit, `no message matched ${c.pattern}; got:\n${a.issues.map((i) => i.message).join('\n')}`);
    assert.equal(hit.layerIndex, c.layerIndex);
  });
}

test('a valid text model: shapes, names and the total', () => {
  const a = analyzeModel(make(tokens, [emb(), { className: 'LSTM', config: { units: 32 } }, out()]));
  assert.deepEqual(a.issues, []);
  assert.deepEqual(
    a.layers.map((l) => [l.name, formatShape(l.outputShape), l.params]),
    [
      ['embedding', '(None, 100, 32)', 320000],
      ['lstm', '(None, 32)', 8320],
      ['dense', '(None, 1)', 33],
    ],
  );
  assert.equal(a.totalParams, 328353);
});

test('never throws on garbage', () => {
  for (const garbage of [
    null,
    3,
    'x',
    [],
    { format: 1 },
    { format: 1, input: { kind: 'tokens' }, layers: [null, 5, { className: 7 }] },
  ]) {
    const a = analyzeModel(garbage as never);
    assert.equal(a.valid, false);
  }
});

test('bestOf: min for losses and MAE, max for accuracy, skipping epochs without the key', async () => {
  const { bestOf } = await import('./training-records.js');
  const epochs: { epoch: number; logs: Record<string, number> }[] = [
    { epoch: 0, logs: { val_loss: 0.5, val_accuracy: 0.7 } },
    { epoch: 1, logs: { val_loss: 0.4, val_accuracy: 0.65 } },
    { epoch: 2, logs: { loss: 0.1 } },
  ];
  assert.deepEqual(bestOf(epochs, 'val_loss'), { value: 0.4, epoch: 1 });
  assert.deepEqual(bestOf(epochs, 'val_accuracy'), { value: 0.7, epoch: 0 });
  assert.equal(bestOf(epochs, 'val_mae'), null);
});

test("hardSigmoid is flagged where it is chosen: Keras 3's hard_sigmoid has slope 1/6, TF.js's 0.2", () => {
  const a = analyzeModel({
    format: 1,
    name: 'h',
    input: { kind: 'floats', timesteps: 5, features: 2 },
    layers: [
      { className: 'LSTM', config: { units: 3, recurrentActivation: 'hardSigmoid' } },
      { className: 'Dense', config: { units: 1 } },
    ],
  });
  assert.ok(a.valid);
  const w = a.issues.filter((i) => i.severity === 'warning' && i.path === 'layers.0.config.recurrentActivation');
  assert.equal(w.length, 1);
  assert.match(w[0]!.message, /clip\(x\/6 \+ 0\.5, 0, 1\)/);
});

test('a spec nested deeper than 64 levels is refused by its depth, without recursion', () => {
  let deep: unknown = {};
  for (let i = 0; i < 1_000_000; i++) deep = { className: 'Bidirectional', layer: deep };
  const a = analyzeModel({
    format: 1,
    name: 'deep',
    input: { kind: 'floats', timesteps: 2, features: 1 },
    layers: [deep as LayerSpec],
  });
  assert.equal(a.valid, false);
  assert.match(a.issues[0]!.message, /nests at most 64 levels of objects and lists/);
  assert.equal(nestingDepth({ a: [1, { b: 2 }] }, 64), 3);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeModel } from '../../shared/shape-inference.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import { mergeModeNote, quickFixesFor } from './quick-fixes.js';

const base = (layers: ModelSpec['layers']): ModelSpec => ({
  format: 1,
  name: 't',
  input: { kind: 'tokens', vocabSize: 100, length: 20 },
  layers,
});

test('a sequence reaching Dense: both fixes offered (returnSequences false, pooling before Dense), each makes the model valid', () => {
  const spec = base([
    { className: 'Embedding', config: { inputDim: 100, outputDim: 8 } },
    {
      className: 'Bidirectional',
      config: { mergeMode: 'concat' },
      layer: { className: 'LSTM', config: { units: 4, returnSequences: true } },
    },
    { className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
  ]);
  const a = analyzeModel(spec);
  const issue = a.issues.find((i) => /must output one vector/.test(i.message))!;
  const fixes = quickFixesFor(issue, spec, a);
  assert.deepEqual(
    fixes.map((f) => f.label),
    ['Set returnSequences: false on "lstm"', 'Add GlobalAveragePooling1D before "dense"'],
  );
  for (const f of fixes) assert.equal(analyzeModel(f.apply(spec)).valid, true, f.label);
  assert.equal(fixes[1]!.apply(spec).layers[2]!.className, 'GlobalAveragePooling1D');
});

test('stacked recurrent layers: returnSequences missing on the lower one; Embedding smaller than the vocabulary', () => {
  const spec = base([
    { className: 'Embedding', config: { inputDim: 50, outputDim: 8 } },
    { className: 'LSTM', config: { units: 4 } },
    { className: 'GRU', config: { units: 4 } },
    { className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
  ]);
  let s = spec;
  for (let round = 0; round < 3 && !analyzeModel(s).valid; round++) {
    const a = analyzeModel(s);
    const fix = a.issues.flatMap((i) => quickFixesFor(i, s, a))[0];
    assert.ok(fix, a.issues.map((i) => i.message).join('; '));
    s = fix.apply(s);
  }
  assert.equal(analyzeModel(s).valid, true);
  assert.equal((s.layers[0]!.config as Record<string, unknown>).inputDim, 100);
  assert.equal((s.layers[1]!.config as Record<string, unknown>).returnSequences, true);
});

test('Bidirectional merge modes explained with the shapes', () => {
  for (const [mode, out] of [
    ['concat', 64],
    ['sum', 32],
    ['ave', 32],
  ] as const) {
    const spec = base([
      { className: 'Embedding', config: { inputDim: 100, outputDim: 8 } },
      { className: 'Bidirectional', config: { mergeMode: mode }, layer: { className: 'GRU', config: { units: 32 } } },
      { className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
    ]);
    const a = analyzeModel(spec);
    assert.deepEqual(a.layers[1]!.outputShape, [out]);
    const note = mergeModeNote(spec.layers[1], a.layers[1])!;
    assert.match(note, new RegExp(`^${mode}: .*→ ${out} features`));
  }
  assert.equal(mergeModeNote(base([])?.layers[0], undefined), null);
});

test('a classifier loss on a forecaster is fixed by the loss, not by a sigmoid output; on text by Dense(1, sigmoid)', () => {
  const forecaster: ModelSpec = {
    format: 1,
    name: 'f',
    input: { kind: 'floats', timesteps: 36, features: 3 },
    layers: [
      { className: 'GRU', config: { units: 4 } },
      { className: 'Dense', config: { units: 1 } },
    ],
    training: { loss: 'binaryCrossentropy', metrics: ['accuracy'] },
    data: { kind: 'timeseries', path: '/x.csv', target: 'temperature', lookback: 72, step: 2, delay: 24 },
  };
  const a = analyzeModel(forecaster);
  const issue = a.issues.find((i) => /^binaryCrossentropy expects/.test(i.message))!;
  const [fix] = quickFixesFor(issue, forecaster, a);
  assert.equal(fix?.label, 'Use meanAbsoluteError (forecasting)');
  const fixed = fix!.apply(forecaster);
  assert.equal(fixed.training?.loss, 'meanAbsoluteError');
  assert.deepEqual(fixed.training?.metrics, []);
  assert.equal(analyzeModel(fixed).valid, true);

  const classifier = base([
    { className: 'Embedding', config: { inputDim: 100, outputDim: 8 } },
    { className: 'LSTM', config: { units: 4 } },
    { className: 'Dense', config: { units: 3 } },
  ]);
  const b = analyzeModel(classifier);
  const [textFix] = quickFixesFor(
    b.issues.find((i) => /^binaryCrossentropy expects/.test(i.message))!,
    classifier,
    b,
  );
  assert.equal(textFix?.label, 'Make it Dense(1, sigmoid)');
  assert.equal(analyzeModel(textFix!.apply(classifier)).valid, true);
});

test('a Bidirectional dropped below the Dense: the pooling fix is not offered before that Dense (it would break the Bidirectional)', () => {
  const bi = {
    className: 'Bidirectional',
    config: { mergeMode: 'concat' },
    layer: { className: 'LSTM', config: { units: 32, returnSequences: true } },
  } as const;
  const spec = base([
    { className: 'Embedding', config: { inputDim: 100, outputDim: 8 } },
    bi,
    { className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
    { ...bi, layer: { ...bi.layer, config: { units: 32, returnSequences: true } } },
  ]);
  const a = analyzeModel(spec);
  const issue = a.issues.find((i) => /must output one vector/.test(i.message))!;
  assert.equal(issue.layerIndex, 3);
  const fixes = quickFixesFor(issue, spec, a);
  assert.deepEqual(
    fixes.map((f) => f.label),
    ['Set returnSequences: false on "lstm_1"'],
  );
  // Every offered fix acts on the layer at the bottom, never on a layer above it whose change breaks the model.
  for (const f of fixes)
    assert.ok(!analyzeModel(f.apply(spec)).issues.some((i) => /incompatible with the layer/.test(i.message)), f.label);
  // With a Dense output below the Bidirectional, pooling goes right before that Dense.
  const withOutput = base([...spec.layers, { className: 'Dense', config: { units: 1, activation: 'sigmoid' } }]);
  const b = analyzeModel(withOutput);
  const labels = quickFixesFor(
    b.issues.find((i) => /must output one vector/.test(i.message))!,
    withOutput,
    b,
  ).map((f) => f.label);
  assert.ok(labels.includes('Add GlobalAveragePooling1D before "dense_1"'), labels.join('; '));
});

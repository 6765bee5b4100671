import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelSpec } from '../../shared/model-spec.js';
import { analyzeModel } from '../../shared/shape-inference.js';
import {
  createLayer,
  ensureLayerIds,
  insertLayer,
  moveLayer,
  removeLayer,
  setLayerParam,
  setRecurrentClass,
  setWrappedClass,
  unwrapBidirectional,
  wrapBidirectional,
} from './spec-edits.js';
import { quickFixFor } from '../builder/quick-fixes.js';

function spec(): ModelSpec {
  return {
    format: 1,
    name: 't',
    input: { kind: 'tokens', vocabSize: 500, length: 20 },
    layers: [
      { id: 'a', className: 'Embedding', config: { inputDim: 500, outputDim: 8 } },
      { id: 'b', className: 'LSTM', config: { units: 4, name: 'enc' } },
      { id: 'c', className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
    ],
  };
}
const classes = (s: ModelSpec) => s.layers.map((l) => l.className);
const ids = (s: ModelSpec) => s.layers.map((l) => l.id);

const inputDimOf = (s: ModelSpec): unknown => (s.layers[0]?.config as Record<string, unknown> | undefined)?.inputDim;

test('insert at a position, clamped to the stack; the input spec is not mutated', () => {
  const s = spec();
  const before = JSON.stringify(s);
  assert.deepEqual(classes(insertLayer(s, 1, { className: 'Dropout', id: 'x' })), [
    'Embedding',
    'Dropout',
    'LSTM',
    'Dense',
  ]);
  assert.deepEqual(classes(insertLayer(s, 99, { className: 'Dropout', id: 'x' })), [
    'Embedding',
    'LSTM',
    'Dense',
    'Dropout',
  ]);
  assert.deepEqual(classes(insertLayer(s, -3, { className: 'Dropout', id: 'x' })), [
    'Dropout',
    'Embedding',
    'LSTM',
    'Dense',
  ]);
  assert.equal(JSON.stringify(s), before);
});

test('move follows arrayMove semantics; out-of-range moves are clamped or ignored', () => {
  const s = spec();
  assert.deepEqual(ids(moveLayer(s, 0, 2)), ['b', 'c', 'a']);
  assert.deepEqual(ids(moveLayer(s, 2, 0)), ['c', 'a', 'b']);
  assert.deepEqual(ids(moveLayer(s, 1, 10)), ['a', 'c', 'b']);
  assert.equal(moveLayer(s, 1, 1), s);
  assert.equal(moveLayer(s, 7, 0), s);
});

test('remove drops one layer and ignores bad indices', () => {
  assert.deepEqual(ids(removeLayer(spec(), 1)), ['a', 'c']);
  const s = spec();
  assert.equal(removeLayer(s, 3), s);
});

test('wrap in Bidirectional keeps the id and the settings (name included) on the inner layer; unwrap restores it', () => {
  const s = spec();
  const wrapped = wrapBidirectional(s, 1);
  assert.deepEqual(wrapped.layers[1], {
    className: 'Bidirectional',
    id: 'b',
    config: { mergeMode: 'concat' },
    layer: { className: 'LSTM', config: { units: 4, name: 'enc' } },
  });
  const a = analyzeModel(wrapped);
  assert.equal(a.layers[1]!.label, 'Bidirectional(LSTM)');
  assert.deepEqual(a.layers[1]!.outputShape, [8]);
  assert.equal(a.layers[1]!.params, 2 * analyzeModel(s).layers[1]!.params);
  assert.deepEqual(unwrapBidirectional(wrapped, 1), s);
  assert.equal(wrapBidirectional(s, 0), s, 'only recurrent layers can be wrapped');
  assert.equal(unwrapBidirectional(s, 1), s, 'unwrap of a plain layer is a no-op');
});

test('setLayerParam writes (even invalid values, so validation reports them) and removes with undefined', () => {
  const s = spec();
  const bad = setLayerParam(s, 1, 'units', 0);
  assert.match(
    analyzeModel(bad).issues.find((i) => i.layerIndex === 1)!.message,
    /`units` must be a positive integer. Received: units=0/,
  );
  const text = setLayerParam(s, 1, 'units', 'abc');
  assert.ok(!analyzeModel(text).valid);
  const reset = setLayerParam(s, 1, 'units', undefined);
  assert.deepEqual(reset.layers[1]!.config, { name: 'enc' });
  const bi = wrapBidirectional(s, 1);
  const inner = setLayerParam(bi, 1, 'returnSequences', true, true);
  assert.deepEqual((inner.layers[1] as { layer: { config: unknown } }).layer.config, {
    units: 4,
    name: 'enc',
    returnSequences: true,
  });
  const merge = setLayerParam(bi, 1, 'mergeMode', 'sum');
  assert.deepEqual(merge.layers[1]!.config, { mergeMode: 'sum' });
});

test('switching the wrapped class keeps only the settings the new class knows', () => {
  const s = setLayerParam(wrapBidirectional(spec(), 1), 1, 'unitForgetBias', false, true);
  const gru = setWrappedClass(s, 1, 'GRU');
  assert.deepEqual((gru.layers[1] as { layer: unknown }).layer, {
    className: 'GRU',
    config: { units: 4, name: 'enc' },
  });
  assert.ok(analyzeModel(gru).valid);
});

test('createLayer: an Embedding starts at the vocabulary size, Bidirectional wraps an LSTM', () => {
  const s = spec();
  assert.deepEqual(createLayer('Embedding', s, 'e'), { className: 'Embedding', id: 'e', config: { inputDim: 500 } });
  assert.deepEqual(createLayer('Bidirectional', s, 'w'), {
    className: 'Bidirectional',
    id: 'w',
    config: { mergeMode: 'concat' },
    layer: { className: 'LSTM', config: {} },
  });
});

test('ensureLayerIds fills missing and duplicate ids, and returns the same spec when nothing is missing', () => {
  const s = spec();
  assert.equal(ensureLayerIds(s), s);
  let n = 0;
  const fixed = ensureLayerIds(
    { ...s, layers: [{ className: 'LSTM' }, { className: 'Dense', id: 'd' }, { className: 'Dense', id: 'd' }] },
    () => `n${n++}`,
  );
  assert.deepEqual(ids(fixed), ['n0', 'd', 'n1']);
});

test('quick fixes: returnSequences on the layer the message names, inputDim up to the vocabulary', () => {
  const stacked = insertLayer(spec(), 2, { className: 'GRU', id: 'g', config: { units: 4 } });
  const a = analyzeModel(stacked);
  const issue = a.issues.find((i) => i.layerIndex === 2)!;
  const fix = quickFixFor(issue, stacked, a)!;
  assert.match(fix.label, /returnSequences on "enc"/);
  assert.ok(analyzeModel(fix.apply(stacked)).valid);

  const wrapped = wrapBidirectional(stacked, 1);
  const wa = analyzeModel(wrapped);
  const wfix = quickFixFor(
    wa.issues.find((i) => i.layerIndex === 2)!,
    wrapped,
    wa,
  )!;
  assert.ok(analyzeModel(wfix.apply(wrapped)).valid, 'the fix reaches the layer inside Bidirectional');

  const small = setLayerParam(spec(), 0, 'inputDim', 100);
  const sa = analyzeModel(small);
  const dimFix = quickFixFor(
    sa.issues.find((i) => i.path === 'layers.0.config.inputDim')!,
    small,
    sa,
  )!;
  assert.equal(inputDimOf(dimFix.apply(small)), 500);
});

test("changing a recurrent layer's class keeps units, dropouts, name and id; inside Bidirectional too", () => {
  const rnn: ModelSpec = {
    ...spec(),
    layers: [
      spec().layers[0]!,
      {
        id: 'b',
        className: 'SimpleRNN',
        config: { units: 16, dropout: 0.2, recurrentDropout: 0.1, returnSequences: true, name: 'enc' },
      },
      spec().layers[2]!,
    ],
  };
  const before = JSON.stringify(rnn);
  const lstm = setRecurrentClass(rnn, 1, 'LSTM');
  assert.deepEqual(lstm.layers[1], {
    id: 'b',
    className: 'LSTM',
    config: { units: 16, dropout: 0.2, recurrentDropout: 0.1, returnSequences: true, name: 'enc' },
  });
  assert.equal(JSON.stringify(rnn), before, 'the input spec is not mutated');
  // LSTM-only settings go when the new class does not have them; GRU's own come back to their defaults.
  const withForget = setLayerParam(lstm, 1, 'unitForgetBias', false);
  const gru = setRecurrentClass(withForget, 1, 'GRU');
  assert.deepEqual(gru.layers[1], {
    id: 'b',
    className: 'GRU',
    config: { units: 16, dropout: 0.2, recurrentDropout: 0.1, returnSequences: true, name: 'enc' },
  });
  // recurrentActivation exists on LSTM and GRU but not on SimpleRNN.
  const act = setLayerParam(gru, 1, 'recurrentActivation', 'hardSigmoid');
  assert.equal(
    (setRecurrentClass(act, 1, 'LSTM').layers[1]!.config as Record<string, unknown>).recurrentActivation,
    'hardSigmoid',
  );
  assert.equal(
    (setRecurrentClass(act, 1, 'SimpleRNN').layers[1]!.config as Record<string, unknown>).recurrentActivation,
    undefined,
  );
  // Inside a Bidirectional the wrapped layer changes and the wrapper (mergeMode, id) stays.
  const bi = setLayerParam(wrapBidirectional(rnn, 1), 1, 'mergeMode', 'sum');
  const biGru = setRecurrentClass(bi, 1, 'GRU');
  assert.deepEqual(biGru.layers[1], {
    className: 'Bidirectional',
    id: 'b',
    config: { mergeMode: 'sum' },
    layer: {
      className: 'GRU',
      config: { units: 16, dropout: 0.2, recurrentDropout: 0.1, returnSequences: true, name: 'enc' },
    },
  });
  // Not a recurrent layer, or not a recurrent class: unchanged.
  assert.equal(setRecurrentClass(rnn, 2, 'LSTM'), rnn);
  assert.equal(setRecurrentClass(rnn, 1, 'Dense'), rnn);
  assert.equal(setRecurrentClass(rnn, 9, 'LSTM'), rnn);
});

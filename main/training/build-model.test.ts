// The shape/parameter matrix: for every layer kind × returnSequences × Bidirectional merge mode × stacking,
// our pure inference must equal what TF.js itself computes for the built model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildModel, SpecError } from './build-model.js';
import { analyzeModel } from '../../shared/shape-inference.js';
import type { LayerSpec, ModelSpec, InputSpec, MergeMode } from '../../shared/model-spec.js';

const RNNS = ['SimpleRNN', 'LSTM', 'GRU'] as const;
const MODES: MergeMode[] = ['concat', 'sum', 'mul', 'ave'];

function spec(input: InputSpec, layers: LayerSpec[]): ModelSpec {
  return { format: 1, name: 'matrix', input, layers, training: { loss: 'meanSquaredError' } };
}

const rnn = (
  className: string,
  units: number,
  returnSequences: boolean,
  extra: Record<string, number | boolean> = {},
): LayerSpec => ({ className, config: { units, returnSequences, ...extra } });
const bi = (inner: LayerSpec, mergeMode: MergeMode): LayerSpec => ({
  className: 'Bidirectional',
  config: { mergeMode },
  layer: inner as never,
});
const dense = (units: number): LayerSpec => ({ className: 'Dense', config: { units } });

interface Case {
  name: string;
  spec: ModelSpec;
}
const cases: Case[] = [];
const tokens: InputSpec = { kind: 'tokens', vocabSize: 500, length: 12 };
const floats: InputSpec = { kind: 'floats', timesteps: 9, features: 5 };

for (const cls of RNNS) {
  for (const useBias of [true, false]) {
    cases.push({
      name: `tokens ${cls} bias=${useBias}`,
      spec: spec(tokens, [
        { className: 'Embedding', config: { inputDim: 500, outputDim: 8 } },
        rnn(cls, 7, false, { useBias }),
        dense(1),
      ]),
    });
  }
  cases.push({
    name: `floats ${cls} returnSequences → pool`,
    spec: spec(floats, [rnn(cls, 6, true), { className: 'GlobalAveragePooling1D' }, dense(3)]),
  });
  cases.push({
    name: `floats ${cls} returnSequences → flatten`,
    spec: spec(floats, [rnn(cls, 6, true), { className: 'Flatten' }, dense(1)]),
  });
  for (const cls2 of RNNS) {
    cases.push({
      name: `stack ${cls}→${cls2}`,
      spec: spec(floats, [
        rnn(cls, 4, true, { dropout: 0.1, recurrentDropout: 0.2 }),
        rnn(cls2, 5, false),
        { className: 'Dropout', config: { rate: 0.3 } },
        dense(1),
      ]),
    });
  }
  for (const mode of MODES) {
    for (const rs of [true, false]) {
      const layers: LayerSpec[] = rs
        ? [bi(rnn(cls, 6, true), mode), rnn(cls, 3, false), dense(1)]
        : [bi(rnn(cls, 6, false), mode), dense(2)];
      cases.push({ name: `Bidirectional(${cls}) ${mode} returnSequences=${rs}`, spec: spec(floats, layers) });
    }
  }
}
cases.push({
  name: 'tokens deep stack with Bidirectional in the middle',
  spec: spec(tokens, [
    { className: 'Embedding', config: { inputDim: 600, outputDim: 4, maskZero: true } },
    rnn('GRU', 5, true),
    bi(rnn('LSTM', 3, true), 'concat'),
    rnn('SimpleRNN', 2, false),
    dense(4),
    dense(1),
  ]),
});

for (const c of cases) {
  test(`shapes and params equal TF.js: ${c.name}`, () => {
    const { model, analysis } = buildModel(c.spec);
    try {
      assert.equal(analysis.layers.length, model.layers.length);
      analysis.layers.forEach((info, i) => {
        const tfLayer = model.layers[i]!;
        assert.deepEqual([null, ...info.outputShape!], tfLayer.outputShape, `output shape of ${info.name}`);
        assert.equal(info.params, tfLayer.countParams(), `params of ${info.name}`);
        assert.equal(tfLayer.name, info.name);
      });
      assert.equal(analysis.totalParams, model.countParams());
    } finally {
      model.dispose();
    }
  });
}

test("Keras reference counts: the book's IMDB models", () => {
  // Chollet listing 6.22 (Embedding(10000, 32) + SimpleRNN(32)) prints 322,080 + 2,080 params; LSTM(32) 8,320.
  const a = analyzeModel(
    spec({ kind: 'tokens', vocabSize: 10000, length: 500 }, [
      { className: 'Embedding', config: { inputDim: 10000, outputDim: 32 } },
      rnn('SimpleRNN', 32, false),
      { className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
    ]),
  );
  assert.deepEqual(
    a.layers.map((l) => l.params),
    [320000, 2080, 33],
  );
  const b = analyzeModel(
    spec({ kind: 'tokens', vocabSize: 10000, length: 500 }, [
      { className: 'Embedding', config: { inputDim: 10000, outputDim: 32 } },
      rnn('LSTM', 32, false),
      { className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
    ]),
  );
  assert.equal(b.layers[1]!.params, 8320);
});

test('an invalid spec is refused with the same messages the canvas shows', () => {
  const bad = spec(floats, [rnn('LSTM', 4, false), rnn('GRU', 4, false), dense(1)]);
  assert.throws(
    () => buildModel(bad),
    (e: unknown) => e instanceof SpecError && /Set returnSequences: true on "lstm"/.test(e.message),
  );
  assert.equal(tf.memory().numTensors >= 0, true);
});

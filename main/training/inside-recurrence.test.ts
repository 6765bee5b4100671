// Look inside (issue #15): the h_t stepped from the weights with Keras's formulas must be the layer's own output, for
// every cell kind, stacked, Bidirectional and masked; occluding a padding token changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildModel } from './build-model.js';
import { traceModel, insideTokens, insideWindow } from './inside-recurrence.js';
import type { LayerSpec, ModelSpec, InputSpec } from '../../shared/model-spec.js';
import type { InsideLayer } from '../../shared/api.js';
import { mulberry32 } from './seeded-random.js';

const RNNS = ['SimpleRNN', 'LSTM', 'GRU'] as const;
const TOL = 1e-5;

function spec(input: InputSpec, layers: LayerSpec[], loss = 'binaryCrossentropy'): ModelSpec {
  return { format: 1, name: 'inside', input, layers, training: { loss } } as ModelSpec;
}
const rnn = (
  className: string,
  units: number,
  returnSequences: boolean,
  extra: Record<string, number | boolean> = {},
): LayerSpec => ({ className, config: { units, returnSequences, ...extra } });
const emb = (maskZero = false): LayerSpec => ({
  className: 'Embedding',
  config: { inputDim: 30, outputDim: 6, maskZero },
});
const sigmoid: LayerSpec = { className: 'Dense', config: { units: 1, activation: 'sigmoid' } };

/** Built with the project's builder; every weight (biases too) drawn at random so no term is zero. */
function build(s: ModelSpec, seed = 7): tf.LayersModel {
  const { model } = buildModel(s);
  const rand = mulberry32(seed);
  model.setWeights(
    model.getWeights().map((w) =>
      tf.tensor(
        Float32Array.from({ length: w.size }, () => (rand() - 0.5) * 1.2),
        w.shape,
      ),
    ),
  );
  return model;
}

/** The model's own output of every recurrent layer for x. */
function layerOutputs(model: tf.LayersModel, x: tf.Tensor): number[][][] {
  const rec = model.layers.filter((l) => ['SimpleRNN', 'LSTM', 'GRU', 'Bidirectional'].includes(l.getClassName()));
  const probe = tf.model({ inputs: model.inputs, outputs: rec.map((l) => l.output as tf.SymbolicTensor) });
  const raw = probe.predict(x);
  return (Array.isArray(raw) ? raw : [raw]).map((t) => {
    const a = t.arraySync() as number[][] | number[][][];
    return t.rank === 3 ? (a as number[][][])[0]! : [(a as number[][])[0]!];
  });
}

const h = (l: InsideLayer) => l.series.find((s) => s.key === 'h')!.values;
function close(actual: number[], expected: number[], what: string) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const worst = Math.max(...actual.map((v, i) => Math.abs(v - expected[i]!)));
  assert.ok(worst <= TOL, `${what}: max |Δ| = ${worst}`);
}

const ids = Int32Array.of(0, 0, 0, 4, 9, 17, 2, 25, 1, 12);

for (const cls of RNNS) {
  test(`${cls}: stacked, h_t from the weights equals each layer's output (every step of the first, last of the second)`, () => {
    const model = build(
      spec({ kind: 'tokens', vocabSize: 30, length: ids.length }, [
        emb(),
        rnn(cls, 5, true),
        rnn(cls, 4, false),
        sigmoid,
      ]),
    );
    const x = tf.tensor2d(ids, [1, ids.length], 'int32');
    const layers = traceModel(model, x);
    const outs = layerOutputs(model, x);
    assert.equal(layers.length, 2);
    assert.deepEqual(
      layers.map((l) => l.cell),
      [cls, cls],
    );
    outs[0]!.forEach((row, t) => close(h(layers[0]!)[t]!, row, `${cls} layer 1 step ${t}`));
    close(h(layers[1]!)[ids.length - 1]!, outs[1]![0]!, `${cls} layer 2 last step`);
    const keys = layers[0]!.series.map((s) => s.key);
    assert.deepEqual(
      keys,
      cls === 'LSTM' ? ['h', 'c', 'i', 'f', 'o', 'g'] : cls === 'GRU' ? ['h', 'z', 'r', 'hh'] : ['h'],
    );
    for (const s of layers[0]!.series) assert.deepEqual([s.values.length, s.values[0]!.length], [ids.length, 5]);
    if (cls !== 'SimpleRNN') {
      // Gates are sigmoids: inside (0, 1).
      for (const k of cls === 'LSTM' ? ['i', 'f', 'o'] : ['z', 'r']) {
        const v = layers[0]!.series.find((s) => s.key === k)!.values.flat();
        assert.ok(
          v.every((g) => g > 0 && g < 1),
          `${k} in (0, 1)`,
        );
      }
    }
    x.dispose();
    model.dispose();
  });

  test(`${cls}: Bidirectional (concat), the backward half in time order`, () => {
    const bi: LayerSpec = {
      className: 'Bidirectional',
      config: { mergeMode: 'concat' },
      layer: rnn(cls, 3, false) as never,
    };
    const model = build(spec({ kind: 'floats', timesteps: 7, features: 4 }, [bi, sigmoid]), 11);
    const rand = mulberry32(3);
    const x = tf.tensor3d(
      Float32Array.from({ length: 28 }, () => rand() * 2 - 1),
      [1, 7, 4],
    );
    const layers = traceModel(model, x);
    assert.deepEqual(
      layers.map((l) => l.name.replace(/^.*\(/, '(')),
      ['(forward)', '(backward)'],
    );
    const out = layerOutputs(model, x)[0]![0]!;
    // Forward ends at the last step; backward (which reads the sequence reversed) ends at step 0.
    close([...h(layers[0]!)[6]!, ...h(layers[1]!)[0]!], out, `${cls} bidirectional`);
    x.dispose();
    model.dispose();
  });
}

test('GRU with reset_after=false (TF.js/Keras 2 variant) too', () => {
  const model = build(
    spec({ kind: 'floats', timesteps: 6, features: 3 }, [
      rnn('GRU', 4, true, { resetAfter: false }),
      { className: 'Flatten' },
      sigmoid,
    ]),
    5,
  );
  const x = tf.tensor3d(
    Float32Array.from({ length: 18 }, (_, i) => Math.sin(i)),
    [1, 6, 3],
  );
  const layers = traceModel(model, x);
  layerOutputs(model, x)[0]!.forEach((row, t) => close(h(layers[0]!)[t]!, row, `step ${t}`));
  model.dispose();
});

for (const cls of RNNS) {
  test(`${cls} after Embedding(maskZero): padding steps are skipped, as the layer skips them`, () => {
    const model = build(
      spec({ kind: 'tokens', vocabSize: 30, length: ids.length }, [
        emb(true),
        rnn(cls, 4, true),
        rnn(cls, 3, false),
        sigmoid,
      ]),
      21,
    );
    const words = (id: number) => `w${id}`;
    const r = insideTokens(model, ids, words, ['neg', 'pos']);
    const x = tf.tensor2d(ids, [1, ids.length], 'int32');
    const outs = layerOutputs(model, x);
    close(h(r.layers[1]!)[ids.length - 1]!, outs[1]![0]!, `${cls} masked last step`);
    // Before the first token the state is still zero.
    assert.deepEqual(h(r.layers[0]!)[2], [0, 0, 0, 0]);
    x.dispose();
    model.dispose();
  });
}

test('occlusion: a padding token contributes exactly nothing, real tokens do; labels and output are reported', () => {
  const model = build(
    spec({ kind: 'tokens', vocabSize: 30, length: ids.length }, [emb(), rnn('LSTM', 6, false), sigmoid]),
    9,
  );
  const r = insideTokens(model, ids, (id) => (id === 1 ? '<OOV>' : `w${id}`), ['neg', 'pos']);
  assert.deepEqual(r.padding, [true, true, true, false, false, false, false, false, false, false]);
  assert.deepEqual(r.steps.slice(0, 5), ['', '', '', 'w4', 'w9']);
  assert.equal(r.steps[8], '<OOV>');
  assert.equal(r.contributions.length, ids.length);
  for (let t = 0; t < 3; t++)
    assert.ok(Math.abs(r.contributions[t]!) < 1e-7, `padding step ${t}: ${r.contributions[t]}`);
  assert.ok(
    r.contributions.slice(3).some((c) => Math.abs(c) > 1e-4),
    'some real token matters',
  );
  const p = (model.predict(tf.tensor2d(ids, [1, ids.length], 'int32')) as tf.Tensor).dataSync()[0]!;
  assert.ok(Math.abs(r.output.value - Math.max(p, 1 - p)) < 1e-6);
  assert.equal(r.output.label, p >= 0.5 ? 'P(pos)' : 'P(neg)');
  // Each contribution is the top-class probability with that token → padding id, subtracted from the real one.
  const occluded = Int32Array.from(ids);
  occluded[5] = 0;
  const q = (model.predict(tf.tensor2d(occluded, [1, ids.length], 'int32')) as tf.Tensor).dataSync()[0]!;
  const top = (v: number) => (p >= 0.5 ? v : 1 - v);
  assert.ok(Math.abs(r.contributions[5]! - (top(p) - top(q))) < 1e-6);
  model.dispose();
});

test('time-series window: steps labelled t−k, contributions in target units', () => {
  const model = build(
    spec(
      { kind: 'floats', timesteps: 5, features: 2 },
      [rnn('GRU', 3, false), { className: 'Dense', config: { units: 1 } }],
      'meanSquaredError',
    ),
    4,
  );
  const x = tf.tensor3d(
    Float32Array.from({ length: 10 }, (_, i) => Math.cos(i)),
    [1, 5, 2],
  );
  const r = insideWindow(model, x, 'T (degC)', 10, 2);
  assert.deepEqual(r.steps, ['t−4', 't−3', 't−2', 't−1', 't']);
  const y = (model.predict(x) as tf.Tensor).dataSync()[0]!;
  assert.ok(Math.abs(r.output.value - (y * 2 + 10)) < 1e-5);
  assert.equal(r.layers.length, 1);
  x.dispose();
  model.dispose();
});

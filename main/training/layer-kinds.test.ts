// The layer catalog carries behaviour: a throwaway layer kind, defined in one place below (its catalog definition and
// its TF.js factory), flows through validation, the TF.js build, Keras / TF.js / Python export and import without a
// case for it anywhere else. And every catalog kind has a factory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { LAYER_CATALOG } from '../../shared/layer-catalog.js';
import type { LayerDef } from '../../shared/layer-catalog.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import { analyzeModel } from '../../shared/shape-inference.js';
import { kerasModelConfig, tfjsModelTopology, weightGroups } from '../interop/keras-format.js';
import { specFromKerasConfig } from '../interop/import.js';
import { pythonScript } from '../interop/python-script.js';
import { buildModel } from './build-model.js';
import { LAYER_FACTORIES, layerFactory, registerLayerKind } from './layer-factories.js';

/** The throwaway kind: Keras's Activation layer, which applies an activation element-wise and has no weights. */
const ACTIVATION: LayerDef = {
  className: 'Activation',
  category: 'core',
  namePrefix: 'activation',
  doc: 'Applies an activation function element-wise.',
  shape: 'unchanged',
  params: [
    {
      name: 'activation',
      kind: 'enum',
      default: 'relu',
      options: ['linear', 'relu', 'tanh', 'sigmoid'],
      doc: 'The function applied.',
    },
  ],
  infer: ({ input }) => ({ out: input, params: 0 }),
  toKeras: (c, w) => ({ ...w.base, activation: w.activation(c['activation'] ?? 'relu') }),
  fromKeras: (r) => ({ activation: r.activation('activation', 'linear') }),
  python: (c, w) => [`activation=${w.activation(c['activation'] ?? 'relu')}`],
};

const spec: ModelSpec = {
  format: 1,
  name: 'throwaway',
  input: { kind: 'floats', timesteps: 6, features: 3 },
  layers: [
    { className: 'LSTM', config: { units: 4, returnSequences: true } },
    { className: 'Activation', config: { activation: 'tanh' } },
    { className: 'GlobalAveragePooling1D' },
    { className: 'Dense', config: { units: 1 } },
  ],
  training: { loss: 'meanSquaredError', seed: 1 },
};

test('every catalog kind has a TF.js factory, and nothing else does', () => {
  assert.deepEqual(Object.keys(LAYER_FACTORIES).sort(), LAYER_CATALOG.map((d) => d.className).sort());
  for (const d of LAYER_CATALOG) assert.equal(typeof layerFactory(d.className), 'function', d.className);
  for (const name of ['__proto__', 'constructor', 'toString', 'Conv1D'])
    assert.equal(layerFactory(name), undefined, name);
});

test('a throwaway layer kind defined in one place flows through validation, build, export and import', () => {
  // Unknown before it is registered.
  assert.match(analyzeModel(spec).issues[0]!.message, /Unknown layer class "Activation" at position 2/);
  const unregister = registerLayerKind(ACTIVATION, (args) => tf.layers.activation(args as never));
  try {
    // Validation and shape inference.
    const analysis = analyzeModel(spec);
    assert.deepEqual(analysis.issues, []);
    assert.deepEqual(
      analysis.layers.map((l) => [l.name, l.outputShape, l.params]),
      [
        ['lstm', [6, 4], 4 * (4 * (3 + 4) + 4)],
        ['activation', [6, 4], 0],
        ['global_average_pooling1d', [4], 0],
        ['dense', [1], 5],
      ],
    );
    const bad = analyzeModel({
      ...spec,
      layers: spec.layers.map((l, i) =>
        i === 1 ? { className: 'Activation', config: { activation: 'softmax', units: 3 } } : l,
      ),
    });
    assert.deepEqual(bad.issues.map((i) => i.path).sort(), ['layers.1.config.activation', 'layers.1.config.units']);

    // The TF.js build: the model TF.js computes agrees with the inference.
    const { model } = buildModel(spec);
    try {
      assert.equal(model.layers[1]!.getClassName(), 'Activation');
      assert.deepEqual(model.layers[1]!.outputShape, [null, 6, 4]);
      assert.equal(model.countParams(), analysis.totalParams);
      const x = tf.ones([2, 6, 3]);
      const y = model.predict(x) as tf.Tensor;
      assert.deepEqual(y.shape, [2, 1]);
      tf.dispose([x, y]);
    } finally {
      model.dispose();
    }

    // Export: Keras 3 config, TF.js topology, weights (none of its own) and the Python line.
    const keras = kerasModelConfig(spec) as {
      config: { layers: { class_name: string; config: Record<string, unknown> }[] };
    };
    const kerasLayer = keras.config.layers[2]!;
    assert.equal(kerasLayer.class_name, 'Activation');
    assert.equal(kerasLayer.config['activation'], 'tanh');
    assert.equal(kerasLayer.config['name'], 'activation');
    const topology = tfjsModelTopology(spec) as {
      config: { layers: { class_name: string; config: Record<string, unknown> }[] };
    };
    assert.deepEqual(topology.config.layers[1], {
      class_name: 'Activation',
      config: { name: 'activation', trainable: true, dtype: 'float32', activation: 'tanh' },
    });
    assert.deepEqual(
      weightGroups(spec).map((g) => g.layerIndex),
      [0, 3],
    );
    const script = pythonScript(spec, {
      weightsFile: 'w.weights.h5',
      preprocessingFile: null,
      preprocessing: null,
      dataPath: null,
      scriptName: 'train.py',
    });
    assert.match(script, /layers\.Activation\(activation="tanh", name="activation"\),/);

    // Import of both exports gives the spec back.
    for (const [root, label] of [
      [keras, 'model.keras'],
      [topology, 'model.json'],
    ] as const) {
      const { spec: back, warnings } = specFromKerasConfig(root, label, 'throwaway');
      assert.deepEqual(warnings, [], label);
      assert.deepEqual(back.layers[1], { className: 'Activation', config: { activation: 'tanh' } }, label);
      assert.deepEqual(
        back.layers.map((l) => l.className),
        spec.layers.map((l) => l.className),
        label,
      );
      assert.equal(analyzeModel(back).valid, true, label);
    }
  } finally {
    unregister();
  }
  // Gone again: the registry holds nothing over.
  assert.equal(layerFactory('Activation'), undefined);
  assert.match(analyzeModel(spec).issues[0]!.message, /Unknown layer class "Activation"/);
});

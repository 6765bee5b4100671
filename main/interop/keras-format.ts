/**
 * Our spec ↔ Keras model configs, in pure TypeScript (no TensorFlow):
 * - `kerasModelConfig`: the `config.json` of a Keras 3 `.keras` file (Sequential, with its compile config);
 * - `tfjsModelTopology`: the `modelTopology` of a TF.js layers-format `model.json` (Keras 2 style, which TF.js reads);
 * - `weightGroups`: where each weight of each layer lives, by its TF.js name and by its path in Keras 3's
 *   `model.weights.h5`, in Keras's order (kernel, recurrent_kernel, bias; gates i,f,c,o for LSTM, z,r,h for GRU —
 *   the same order TF.js uses, checked against real Keras by interop/tests).
 * Layer configs are written in full: TF.js would default LSTM/GRU `recurrent_activation` to hard_sigmoid and
 * Keras 3 GRU `reset_after` to True, and neither matches what we trained.
 */
import { layerDef, withDefaults } from '../../shared/layer-catalog.js';
import type { Json, JsonObject, WeightVar } from '../../shared/layer-catalog.js';
import type { LayerSpec, ModelSpec, ParamValue, PlainLayerSpec } from '../../shared/model-spec.js';
import { isBidirectional, resolveTraining } from '../../shared/model-spec.js';
import { analyzeModel } from '../../shared/shape-inference.js';
import { LOSS_DEFS } from '../../shared/training-catalog.js';
import type { ModelAnalysis } from '../../shared/shape-inference.js';

/** A spec the export cannot write faithfully; the message says which layer and why. */
export class ExportError extends Error {
  override name = 'ExportError';
}

export const KERAS_VERSION_WRITTEN = '3.15.1';

/** TF.js activation names (our spec's) → Keras names. hardSigmoid is refused: see `kerasActivation`. */
const ACTIVATION_TO_KERAS: Record<string, string> = {
  linear: 'linear',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  relu: 'relu',
  elu: 'elu',
  selu: 'selu',
  softmax: 'softmax',
  softplus: 'softplus',
  softsign: 'softsign',
  swish: 'swish',
  hardSigmoid: 'hard_sigmoid',
};

/** Activations a generated Keras 3 script may name: every one that Keras 3 computes as TF.js does (not hardSigmoid). */
export const ACTIVATION_TO_KERAS_SCRIPT: Record<string, string> = Object.fromEntries(
  Object.entries(ACTIVATION_TO_KERAS).filter(([k]) => k !== 'hardSigmoid'),
);

/** Keras activation names (2 and 3) → ours. `silu` is Keras 3's name for swish. */
export const ACTIVATION_FROM_KERAS: Record<string, string> = {
  linear: 'linear',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  relu: 'relu',
  elu: 'elu',
  selu: 'selu',
  softmax: 'softmax',
  softplus: 'softplus',
  softsign: 'softsign',
  swish: 'swish',
  silu: 'swish',
  hard_sigmoid: 'hardSigmoid',
};

/** Our initializer names → Keras class names and their default configs (Keras 3). */
const INITIALIZER_TO_KERAS: Record<string, [string, JsonObject]> = {
  glorotUniform: ['GlorotUniform', { seed: null }],
  glorotNormal: ['GlorotNormal', { seed: null }],
  heUniform: ['HeUniform', { seed: null }],
  heNormal: ['HeNormal', { seed: null }],
  leCunUniform: ['LecunUniform', { seed: null }],
  leCunNormal: ['LecunNormal', { seed: null }],
  orthogonal: ['Orthogonal', { gain: 1.0, seed: null }],
  randomUniform: ['RandomUniform', { minval: -0.05, maxval: 0.05, seed: null }],
  randomNormal: ['RandomNormal', { mean: 0.0, stddev: 0.05, seed: null }],
  truncatedNormal: ['TruncatedNormal', { mean: 0.0, stddev: 0.05, seed: null }],
  zeros: ['Zeros', {}],
  ones: ['Ones', {}],
};

/** Keras initializer class names (and the snake_case strings Keras also accepts) → ours. */
export const INITIALIZER_FROM_KERAS: Record<string, string> = Object.fromEntries([
  ...Object.entries(INITIALIZER_TO_KERAS).map(([ours, [cls]]) => [cls, ours]),
  ['glorot_uniform', 'glorotUniform'],
  ['glorot_normal', 'glorotNormal'],
  ['he_uniform', 'heUniform'],
  ['he_normal', 'heNormal'],
  ['lecun_uniform', 'leCunUniform'],
  ['lecun_normal', 'leCunNormal'],
  ['orthogonal', 'orthogonal'],
  ['random_uniform', 'randomUniform'],
  ['random_normal', 'randomNormal'],
  ['truncated_normal', 'truncatedNormal'],
  ['zeros', 'zeros'],
  ['ones', 'ones'],
  ['LeCunUniform', 'leCunUniform'],
  ['LeCunNormal', 'leCunNormal'],
]);

export const LOSS_TO_KERAS: Record<string, string> = Object.fromEntries(
  Object.entries(LOSS_DEFS).map(([ours, d]) => [ours, d.keras]),
);

/** camelCase → snake_case, as Keras names its arguments (`recurrentDropout` → `recurrent_dropout`). */
export function snakeCase(s: string): string {
  return s.replace(/([A-Z])/g, '_$1').toLowerCase();
}

/** snake_case → camelCase (`mask_zero` → `maskZero`). */
export function camelCase(s: string): string {
  return s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Keras 3's default name prefix of a class, as `keras.src.utils.naming.to_snake_case` makes it. */
export function kerasSnakeClassName(className: string): string {
  return className
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

function kerasActivation(value: ParamValue, where: string, target: 'keras3' | 'tfjs'): string {
  const name = String(value ?? 'linear');
  const keras = ACTIVATION_TO_KERAS[name];
  if (!keras) throw new ExportError(`${where}: activation ${JSON.stringify(name)} has no Keras equivalent.`);
  if (name === 'hardSigmoid' && target === 'keras3') {
    // TF.js computes clip(0.2·x + 0.5, 0, 1) (Keras 2's definition); Keras 3's hard_sigmoid is clip(x/6 + 0.5, 0, 1).
    throw new ExportError(
      `${where}: expected an activation Keras 3 computes like TF.js, received "hardSigmoid": TF.js uses clip(0.2x + 0.5) and Keras 3's hard_sigmoid clip(x/6 + 0.5), so predictions would differ. Use "sigmoid" (Keras's default), or export to the TF.js format.`,
    );
  }
  return keras;
}

function kerasInitializer(value: ParamValue, target: 'keras3' | 'tfjs'): JsonObject {
  const [cls, config] = INITIALIZER_TO_KERAS[String(value)] ?? INITIALIZER_TO_KERAS['glorotUniform']!;
  return target === 'keras3'
    ? { module: 'keras.initializers', class_name: cls, config, registered_name: null }
    : { class_name: cls, config };
}

const DTYPE_POLICY: JsonObject = {
  module: 'keras',
  class_name: 'DTypePolicy',
  config: { name: 'float32' },
  registered_name: null,
};

/**
 * The Keras layer object of one spec layer: `{class_name, config}` for TF.js, with `module`, `registered_name` and
 * `build_config` for Keras 3. The catalog definition writes the config; a wrapper's wrapped layer nests the same way.
 */
function kerasLayer(
  layer: LayerSpec,
  name: string,
  innerName: string | undefined,
  where: string,
  target: 'keras3' | 'tfjs',
  inputShape: (number | null)[],
): JsonObject {
  const def = layerDef(layer.className);
  if (!def) throw new ExportError(`${where}: layer ${JSON.stringify(layer.className)} is not in the catalog.`);
  const config = def.toKeras(withDefaults(def, layer.config), {
    target,
    base: { name, trainable: true, dtype: target === 'keras3' ? DTYPE_POLICY : 'float32' },
    activation: (value) => kerasActivation(value, where, target),
    initializer: (value) => kerasInitializer(value, target),
    wrapped: () => {
      if (!isBidirectional(layer))
        throw new ExportError(`${where}: layer ${JSON.stringify(layer.className)} wraps no layer.`);
      return kerasLayer(
        layer.layer,
        innerName ?? kerasSnakeClassName(layer.layer.className),
        undefined,
        where,
        target,
        inputShape,
      );
    },
  });
  return target === 'keras3'
    ? {
        module: 'keras.layers',
        class_name: def.className,
        config,
        registered_name: null,
        build_config: { input_shape: inputShape },
      }
    : { class_name: def.className, config };
}

function checkedAnalysis(spec: ModelSpec): ModelAnalysis {
  const analysis = analyzeModel(spec);
  if (!analysis.valid || !analysis.inputShape) {
    const errors = analysis.issues.filter((i) => i.severity === 'error').map((i) => i.message);
    throw new ExportError(`the model has errors, so it cannot be exported:\n${errors.join('\n')}`);
  }
  return analysis;
}

function where(analysis: ModelAnalysis, i: number): string {
  return `layer ${i + 1} ("${analysis.layers[i]!.name}")`;
}

/** The batch input shape, `[null, …]`, and the input dtype Keras should use. */
function inputOf(spec: ModelSpec): { batchShape: (number | null)[]; dtype: string } {
  return spec.input.kind === 'tokens'
    ? { batchShape: [null, spec.input.length], dtype: 'int32' }
    : { batchShape: [null, spec.input.timesteps, spec.input.features], dtype: 'float32' };
}

function optimizerConfig(spec: ModelSpec): JsonObject {
  const t = resolveTraining(spec);
  // Only arguments every Keras 3 release takes (newer ones such as gradient_accumulation_steps keep their defaults),
  // so older Keras 3 versions load the file too.
  const common: JsonObject = {
    learning_rate: t.learningRate,
    ...(t.clipnorm !== null ? { clipnorm: t.clipnorm } : {}),
  };
  // The same hyper-parameters as our trainer (main/training/trainer.ts): Keras's defaults.
  switch (t.optimizer) {
    case 'rmsprop':
      return {
        module: 'keras.optimizers',
        class_name: 'RMSprop',
        config: { name: 'rmsprop', ...common, rho: 0.9, momentum: 0.0, epsilon: 1e-7, centered: false },
        registered_name: null,
      };
    case 'adam':
      return {
        module: 'keras.optimizers',
        class_name: 'Adam',
        config: { name: 'adam', ...common, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false },
        registered_name: null,
      };
    case 'sgd':
      return {
        module: 'keras.optimizers',
        class_name: 'SGD',
        config: { name: 'sgd', ...common, nesterov: false },
        registered_name: null,
      };
    default:
      throw new ExportError(`optimizer ${JSON.stringify(t.optimizer)} has no Keras export.`);
  }
}

/** The Keras metric names of our metrics (`mae` is Keras's `mean_absolute_error` metric alias). */
export function kerasMetrics(spec: ModelSpec): string[] {
  return resolveTraining(spec).metrics.map((m) => (m === 'accuracy' ? 'accuracy' : 'mae'));
}

/** `config.json` of a Keras 3 `.keras` file for `spec`: a Sequential model, built, with its compile config. */
export function kerasModelConfig(spec: ModelSpec): JsonObject {
  const analysis = checkedAnalysis(spec);
  const { batchShape, dtype } = inputOf(spec);
  const layers: Json[] = [
    {
      module: 'keras.layers',
      class_name: 'InputLayer',
      config: { batch_shape: batchShape, dtype, sparse: false, name: 'input_layer' },
      registered_name: null,
    },
  ];
  spec.layers.forEach((layer, i) => {
    const info = analysis.layers[i]!;
    layers.push(
      kerasLayer(layer, info.name, info.innerName, where(analysis, i), 'keras3', [null, ...info.inputShape!]),
    );
  });
  const t = resolveTraining(spec);
  return {
    module: 'keras',
    class_name: 'Sequential',
    config: { name: kerasModelName(spec), trainable: true, dtype: DTYPE_POLICY, layers },
    registered_name: null,
    build_config: { input_shape: batchShape },
    compile_config: {
      optimizer: optimizerConfig(spec),
      loss: LOSS_TO_KERAS[t.loss] ?? t.loss,
      loss_weights: null,
      metrics: kerasMetrics(spec),
      weighted_metrics: null,
      run_eagerly: false,
      steps_per_execution: 1,
      jit_compile: false,
    },
  };
}

/** The model name our builder gives TF.js, which Keras accepts too. */
export function kerasModelName(spec: ModelSpec): string {
  return spec.name.replace(/[^A-Za-z0-9_.-]/g, '_') || 'model';
}

/** `modelTopology` for a TF.js `model.json` (Keras 2 style JSON, which tf.loadLayersModel reads). */
export function tfjsModelTopology(spec: ModelSpec): JsonObject {
  const analysis = checkedAnalysis(spec);
  const { batchShape } = inputOf(spec);
  const layers = spec.layers.map((layer, i): JsonObject => {
    const info = analysis.layers[i]!;
    const { class_name, config } = kerasLayer(layer, info.name, info.innerName, where(analysis, i), 'tfjs', []);
    return {
      class_name: class_name!,
      config: { ...(config as JsonObject), ...(i === 0 ? { batch_input_shape: batchShape } : {}) },
    };
  });
  return {
    class_name: 'Sequential',
    config: { name: kerasModelName(spec), layers },
    keras_version: 'tfjs-layers 4.22.0',
    backend: 'tensor_flow.js',
  };
}

/** One group of weights: a layer's (or a Bidirectional direction's) variables in Keras order. */
export interface WeightGroup {
  /** Index of the spec layer. */
  layerIndex: number;
  /** Path of the group in Keras 3's model.weights.h5, e.g. `layers/lstm/cell` (its variables are under `/vars/0…`). */
  h5Path: string;
  /** The TF.js weight names, in Keras's variable order, e.g. `lstm/kernel`, `lstm/recurrent_kernel`, `lstm/bias`. */
  tfjsNames: string[];
  /** Shapes, in the same order. */
  shapes: number[][];
  /** The Keras object name stored as the `vars` group's `name` attribute (Keras writes it; it never reads it back). */
  h5Name: string;
}

/** A plain layer's variables in Keras order, from its catalog definition (none for layers without weights). */
function variables(layer: PlainLayerSpec, inputShape: readonly number[]): WeightVar[] {
  const def = layerDef(layer.className)!;
  return def.weights ? def.weights(withDefaults(def, layer.config), inputShape) : [];
}

/**
 * Every weight group of `spec`'s model, in layer order. Keras 3 addresses a Sequential's layers in the h5 file by
 * their class name in snake_case, numbered per class in layer order (`lstm`, `lstm_1`, …; `saving_lib` never uses
 * layer names, which are not reproducible), recurrent variables under `cell`, Bidirectional's under
 * `forward_layer` / `backward_layer`.
 */
export function weightGroups(spec: ModelSpec, analysis: ModelAnalysis = checkedAnalysis(spec)): WeightGroup[] {
  const used = new Map<string, number>();
  const unique = (base: string) => {
    const n = used.get(base);
    used.set(base, n === undefined ? 0 : n + 1);
    return n === undefined ? base : `${base}_${n + 1}`;
  };
  const groups: WeightGroup[] = [];
  spec.layers.forEach((layer, i) => {
    const info = analysis.layers[i]!;
    const h5Layer = `layers/${unique(kerasSnakeClassName(layer.className))}`;
    const inputShape = info.inputShape!;
    if (isBidirectional(layer)) {
      const inner = info.innerName ?? kerasSnakeClassName(layer.layer.className);
      const cellName = `${kerasSnakeClassName(layer.layer.className)}_cell`;
      const vars = variables(layer.layer, inputShape);
      for (const dir of ['forward', 'backward'] as const) {
        groups.push({
          layerIndex: i,
          h5Path: `${h5Layer}/${dir}_layer/cell`,
          h5Name: cellName,
          tfjsNames: vars.map((v) => `${info.name}/${dir}_${inner}/${v.name}`),
          shapes: vars.map((v) => v.shape),
        });
      }
      return;
    }
    const vars = variables(layer, inputShape);
    if (vars.length === 0) return;
    // Keras keeps a recurrent layer's variables in its cell.
    const recurrent = layerDef(layer.className)?.category === 'recurrent';
    groups.push({
      layerIndex: i,
      h5Path: recurrent ? `${h5Layer}/cell` : h5Layer,
      h5Name: recurrent ? `${kerasSnakeClassName(layer.className)}_cell` : info.name,
      tfjsNames: vars.map((v) => `${info.name}/${v.name}`),
      shapes: vars.map((v) => v.shape),
    });
  });
  return groups;
}

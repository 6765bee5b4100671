/**
 * The layer catalog: one entry per layer kind the studio offers. The palette, the inspector forms, validation,
 * shape inference and the TF.js model builder all read it; adding a layer is one entry here plus one builder case.
 * Parameter names and defaults are Keras's (in TF.js camelCase), except where a comment says why not.
 */
import type { ParamValue } from './model-spec.js';

/** Shape of one sample, without the batch dimension: [length] for token ids, [timesteps, features], [features]. */
export type Shape = readonly number[];

export type ParamKind = 'int' | 'float' | 'bool' | 'enum' | 'string';

/** One configurable parameter of a layer. */
export interface ParamDef {
  name: string;
  kind: ParamKind;
  default: ParamValue;
  /** Inclusive lower bound for numbers. */
  min?: number;
  /** Upper bound for numbers; exclusive when `maxExclusive`. */
  max?: number;
  maxExclusive?: boolean;
  /** Allowed values of an enum. */
  options?: readonly string[];
  /** One sentence for the inspector's help text. */
  doc: string;
  /** Shown in the inspector's "advanced" fold. */
  advanced?: boolean;
  /** May be null (e.g. Dense `activation` linear is written "linear", but `name` may be absent). */
  nullable?: boolean;
}

export type LayerCategory = 'embedding' | 'recurrent' | 'core' | 'reshape' | 'wrapper';

/** Keras's limits on sizes keep absurd specs (units 10^9) from allocating gigabytes before failing. */
export const MAX_UNITS = 65_536;
export const MAX_VOCAB = 5_000_000;

export interface LayerDef {
  className: string;
  category: LayerCategory;
  /** One line for the palette tooltip. */
  doc: string;
  params: readonly ParamDef[];
  /** Keras's default layer name prefix: "lstm" → lstm, lstm_1, … */
  namePrefix: string;
}

const ACTIVATIONS = ['linear', 'tanh', 'sigmoid', 'hardSigmoid', 'relu', 'elu', 'selu', 'softmax', 'softplus', 'softsign', 'swish'] as const;
const INITIALIZERS = [
  'glorotUniform', 'glorotNormal', 'heUniform', 'heNormal', 'leCunUniform', 'leCunNormal', 'orthogonal',
  'randomUniform', 'randomNormal', 'truncatedNormal', 'zeros', 'ones',
] as const;

const rate = (name: string, doc: string): ParamDef => ({ name, kind: 'float', default: 0, min: 0, max: 1, maxExclusive: true, doc });
const init = (name: string, def: string, doc: string): ParamDef => ({ name, kind: 'enum', default: def, options: INITIALIZERS, doc, advanced: true });

const units: ParamDef = { name: 'units', kind: 'int', default: 32, min: 1, max: MAX_UNITS, doc: 'Dimensionality of the output (and hidden state) space.' };
const useBias: ParamDef = { name: 'useBias', kind: 'bool', default: true, doc: 'Whether the layer uses bias vectors.', advanced: true };
const returnSequences: ParamDef = {
  name: 'returnSequences', kind: 'bool', default: false,
  doc: 'Return the output at every timestep (3-D), needed when another recurrent layer follows; otherwise only the last (2-D).',
};

function recurrentParams(opts: { gates: boolean }): ParamDef[] {
  const params: ParamDef[] = [
    units,
    { name: 'activation', kind: 'enum', default: 'tanh', options: ACTIVATIONS, doc: 'Activation of the hidden state.' },
  ];
  if (opts.gates) {
    // TF.js defaults recurrentActivation to hardSigmoid; Keras 2 and 3 use sigmoid. We follow Keras so exported
    // models predict the same there (FINDINGS.md), and the builder always writes it explicitly.
    params.push({ name: 'recurrentActivation', kind: 'enum', default: 'sigmoid', options: ACTIVATIONS, doc: 'Activation of the gates.' });
  }
  params.push(
    returnSequences,
    rate('dropout', 'Fraction of the inputs dropped at each step while training (mask shared across timesteps).'),
    rate('recurrentDropout', 'Fraction of the recurrent state dropped while training, as Keras does: one mask per gate for all timesteps, applied where the state enters the recurrent products (a GRU\'s carried state is not masked).'),
    useBias,
    init('kernelInitializer', 'glorotUniform', 'Initialiser of the input weights.'),
    init('recurrentInitializer', 'orthogonal', 'Initialiser of the recurrent weights.'),
    init('biasInitializer', 'zeros', 'Initialiser of the bias.'),
  );
  return params;
}

/** Every layer the studio offers, in palette order. */
export const LAYER_CATALOG: readonly LayerDef[] = [
  {
    className: 'Embedding', category: 'embedding', namePrefix: 'embedding',
    doc: 'Turns token ids into dense vectors; must be the first layer for token input.',
    params: [
      { name: 'inputDim', kind: 'int', default: 10000, min: 1, max: MAX_VOCAB, doc: 'Vocabulary size: largest token id + 1. Must cover the input vocabulary.' },
      { name: 'outputDim', kind: 'int', default: 32, min: 1, max: MAX_UNITS, doc: 'Size of each embedding vector.' },
      { name: 'maskZero', kind: 'bool', default: false, doc: 'Treat id 0 as padding and mask it out of the recurrent layers that follow.' },
      init('embeddingsInitializer', 'randomUniform', 'Initialiser of the embedding matrix.'),
    ],
  },
  { className: 'SimpleRNN', category: 'recurrent', namePrefix: 'simple_rnn', doc: 'Fully-connected RNN: the output is fed back as input.', params: recurrentParams({ gates: false }) },
  {
    className: 'LSTM', category: 'recurrent', namePrefix: 'lstm',
    doc: 'Long Short-Term Memory: gated, carries information across many timesteps.',
    params: [
      ...recurrentParams({ gates: true }),
      // Keras defaults unit_forget_bias to True, TF.js to false: we follow Keras (Jozefowicz et al. 2015).
      { name: 'unitForgetBias', kind: 'bool', default: true, doc: 'Start the forget-gate bias at 1 so the layer remembers by default.', advanced: true },
    ],
  },
  {
    className: 'GRU', category: 'recurrent', namePrefix: 'gru',
    doc: 'Gated Recurrent Unit: cheaper than LSTM, often as good.',
    params: [
      ...recurrentParams({ gates: true }),
      // Keras 3 defaults reset_after to True (the cuDNN-compatible variant, two bias rows); TF.js implements only False
      // (tfjs#4621), so main/training/keras-gru.ts adds it. Keras 2.0's GRU, as in the book's first edition, was False.
      {
        name: 'resetAfter', kind: 'bool', default: true, advanced: true,
        doc: 'Apply the reset gate after the recurrent multiply, r ⊙ (U·h + b), as Keras 3 does by default (two bias rows); off: U·(r ⊙ h), Keras 2\'s original GRU (one bias row).',
      },
    ],
  },
  {
    className: 'Bidirectional', category: 'wrapper', namePrefix: 'bidirectional',
    doc: 'Runs the wrapped recurrent layer forwards and backwards and merges both outputs.',
    params: [{ name: 'mergeMode', kind: 'enum', default: 'concat', options: ['concat', 'sum', 'mul', 'ave'], doc: 'How forward and backward outputs are combined; concat doubles the size.' }],
  },
  {
    className: 'Dense', category: 'core', namePrefix: 'dense',
    doc: 'Fully-connected layer applied to the last axis.',
    params: [
      { ...units, default: 1 },
      { name: 'activation', kind: 'enum', default: 'linear', options: ACTIVATIONS, doc: 'sigmoid for a binary classifier, softmax for several classes, linear for regression.' },
      useBias,
      init('kernelInitializer', 'glorotUniform', 'Initialiser of the weights.'),
      init('biasInitializer', 'zeros', 'Initialiser of the bias.'),
    ],
  },
  { className: 'Dropout', category: 'core', namePrefix: 'dropout', doc: 'Randomly zeroes a fraction of the inputs while training.', params: [{ ...rate('rate', 'Fraction of the inputs to drop.'), default: 0.5 }] },
  { className: 'GlobalAveragePooling1D', category: 'reshape', namePrefix: 'global_average_pooling1d', doc: 'Averages over time: 3-D (timesteps, features) → 2-D (features).', params: [] },
  { className: 'Flatten', category: 'reshape', namePrefix: 'flatten', doc: 'Flattens (timesteps, features) into one vector.', params: [] },
];

const byName = new Map(LAYER_CATALOG.map((d) => [d.className, d]));

/** The catalog entry for a class name, or undefined when the studio does not offer that layer. */
export function layerDef(className: string): LayerDef | undefined {
  return byName.get(className);
}

/** Class names that Bidirectional may wrap. */
export const RECURRENT_CLASSES: readonly string[] = LAYER_CATALOG.filter((d) => d.category === 'recurrent').map((d) => d.className);

/** The config of a layer with every catalog default filled in (unknown keys are left to validation). */
export function withDefaults(def: LayerDef, config: Record<string, ParamValue> | undefined): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const p of def.params) out[p.name] = p.default;
  return { ...out, ...(config ?? {}) };
}

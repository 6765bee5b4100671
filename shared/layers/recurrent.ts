/**
 * The recurrent family — SimpleRNN, LSTM, GRU — as one definition parameterised by its gate count and the few
 * settings only one member has (LSTM's unitForgetBias, GRU's resetAfter and its second bias row).
 */
import { ACTIVATIONS, init, nulls, rate, returnSequences, setDefined, units, useBias } from './params.js';
import { defineLayer, num } from './types.js';
import type { LayerConfig, LayerDef, ParamDef } from './types.js';

/** A boolean setting one member adds, with its Keras name and how a Keras file's absent value reads. */
interface ExtraFlag {
  param: ParamDef;
  kerasKey: string;
  /** Our value from the Keras config's (possibly absent) value. */
  fromKeras(value: unknown, keras3: boolean): boolean;
}

interface RecurrentOptions<C extends string> {
  className: C;
  namePrefix: string;
  doc: string;
  /** 1 for SimpleRNN, 4 for LSTM (i, f, c, o), 3 for GRU (z, r, h); gated cells have a recurrentActivation. */
  gates: number;
  extras?: readonly ExtraFlag[];
  /** Rows of the bias: 2 for a GRU with reset_after (input and recurrent bias), else 1. */
  biasRows?(config: LayerConfig): number;
}

function recurrentParams(gated: boolean): ParamDef[] {
  const params: ParamDef[] = [
    units,
    { name: 'activation', kind: 'enum', default: 'tanh', options: ACTIVATIONS, doc: 'Activation of the hidden state.' },
  ];
  if (gated) {
    // TF.js defaults recurrentActivation to hardSigmoid; Keras 2 and 3 use sigmoid. We follow Keras so exported
    // models predict the same there (docs/research/tfjs-behaviour.md), and the builder always writes it explicitly.
    params.push({
      name: 'recurrentActivation',
      kind: 'enum',
      default: 'sigmoid',
      options: ACTIVATIONS,
      doc: 'Activation of the gates: sigmoid, as Keras (TF.js alone would default to hardSigmoid).',
    });
  }
  params.push(
    returnSequences,
    rate('dropout', 'Fraction of the inputs dropped at each step while training (mask shared across timesteps).'),
    rate(
      'recurrentDropout',
      "Fraction of the recurrent state dropped while training, as Keras does: one mask per gate for all timesteps, applied where the state enters the recurrent products (a GRU's carried state is not masked).",
    ),
    useBias,
    init('kernelInitializer', 'glorotUniform', 'Initialiser of the input weights.'),
    init('recurrentInitializer', 'orthogonal', 'Initialiser of the recurrent weights.'),
    init('biasInitializer', 'zeros', 'Initialiser of the bias.'),
  );
  return params;
}

function recurrentLayer<const C extends string>(o: RecurrentOptions<C>): LayerDef<C> {
  const gated = o.gates > 1;
  const extras = o.extras ?? [];
  const biasRows = (c: LayerConfig) => (o.biasRows ? o.biasRows(c) : 1);
  return defineLayer({
    className: o.className,
    category: 'recurrent',
    namePrefix: o.namePrefix,
    doc: o.doc,
    shape: '(T, F) → (T, units) with returnSequences, else (units)',
    params: [...recurrentParams(gated), ...extras.map((e) => e.param)],
    infer: (ctx) => {
      const { input, config } = ctx;
      if (input.length !== 2) {
        ctx.error(`${ctx.rankError(3)}${ctx.sequenceHint()}`);
        return null;
      }
      const u = num(config, 'units');
      const bias = config['useBias'] !== false ? u * biasRows(config) : 0;
      return { out: config['returnSequences'] ? [input[0]!, u] : [u], params: o.gates * (u * (input[1]! + u) + bias) };
    },
    weights: (c, input) => {
      const u = num(c, 'units');
      const g = u * o.gates;
      const vars = [
        { name: 'kernel', shape: [input[input.length - 1]!, g] },
        { name: 'recurrent_kernel', shape: [u, g] },
      ];
      // reset_after=True keeps the input and the recurrent bias as two rows.
      if (c['useBias']) vars.push({ name: 'bias', shape: biasRows(c) === 2 ? [2, g] : [g] });
      return vars;
    },
    toKeras: (c, w) => {
      const out = {
        ...w.base,
        return_sequences: Boolean(c['returnSequences']),
        return_state: false,
        go_backwards: false,
        stateful: false,
        unroll: false,
        units: num(c, 'units'),
        activation: w.activation(c['activation'] ?? 'tanh'),
        ...(gated ? { recurrent_activation: w.activation(c['recurrentActivation'] ?? 'sigmoid') } : {}),
        use_bias: Boolean(c['useBias']),
        kernel_initializer: w.initializer(c['kernelInitializer'] ?? null),
        recurrent_initializer: w.initializer(c['recurrentInitializer'] ?? null),
        bias_initializer: w.initializer(c['biasInitializer'] ?? null),
        ...nulls(
          'kernel_regularizer',
          'recurrent_regularizer',
          'bias_regularizer',
          'activity_regularizer',
          'kernel_constraint',
          'recurrent_constraint',
          'bias_constraint',
        ),
        dropout: Number(c['dropout'] ?? 0),
        recurrent_dropout: Number(c['recurrentDropout'] ?? 0),
        // Written out either way: Keras and TF.js default them differently.
        ...Object.fromEntries(extras.map((e) => [e.kerasKey, c[e.param.name] === true])),
      };
      return w.target === 'keras3' ? { ...out, seed: null } : out;
    },
    fromKeras: (r) => {
      const k = r.config;
      if (k['return_state'] === true)
        r.refuse('expected return_state=False (a Sequential stack passes one output on), received True.');
      if (k['stateful'] === true)
        r.refuse('expected stateful=False, received True: stateful recurrent layers are not offered.');
      if (k['go_backwards'] === true) r.refuse('expected go_backwards=False outside Bidirectional, received True.');
      const config: LayerConfig = {
        units: r.number('units', { int: true }),
        activation: r.activation('activation', 'tanh'),
      };
      // Keras 2 and TF.js default recurrent_activation to hard_sigmoid, Keras 3 to sigmoid.
      if (gated)
        config['recurrentActivation'] = r.activation('recurrent_activation', r.keras3 ? 'sigmoid' : 'hard_sigmoid');
      config['returnSequences'] = k['return_sequences'] === true;
      config['dropout'] = typeof k['dropout'] === 'number' ? k['dropout'] : 0;
      config['recurrentDropout'] = typeof k['recurrent_dropout'] === 'number' ? k['recurrent_dropout'] : 0;
      config['useBias'] = k['use_bias'] !== false;
      setDefined(config, 'kernelInitializer', r.initializer('kernel_initializer'));
      setDefined(config, 'recurrentInitializer', r.initializer('recurrent_initializer'));
      setDefined(config, 'biasInitializer', r.initializer('bias_initializer'));
      for (const e of extras) config[e.param.name] = e.fromKeras(k[e.kerasKey], r.keras3);
      return config;
    },
    python: (c, w) => [
      `units=${w.py(c['units'])}`,
      `activation=${w.activation(c['activation'] ?? 'tanh')}`,
      ...(gated ? [`recurrent_activation=${w.activation(c['recurrentActivation'] ?? 'sigmoid')}`] : []),
      `return_sequences=${w.py(c['returnSequences'])}`,
      `dropout=${w.py(c['dropout'])}`,
      `recurrent_dropout=${w.py(c['recurrentDropout'])}`,
      `use_bias=${w.py(c['useBias'])}`,
      `kernel_initializer=${w.initializer(c['kernelInitializer'] ?? null)}`,
      `recurrent_initializer=${w.initializer(c['recurrentInitializer'] ?? null)}`,
      `bias_initializer=${w.initializer(c['biasInitializer'] ?? null)}`,
      // Written out either way: the variant RNN Studio trained (Keras's defaults differ between versions).
      ...extras.map((e) => `${e.kerasKey}=${w.py(c[e.param.name] === true)}`),
    ],
  });
}

export const simpleRNN = recurrentLayer({
  className: 'SimpleRNN',
  namePrefix: 'simple_rnn',
  gates: 1,
  doc: 'Fully-connected RNN: the output is fed back as input.',
});

export const lstm = recurrentLayer({
  className: 'LSTM',
  namePrefix: 'lstm',
  gates: 4,
  doc: 'Long Short-Term Memory: gated, carries information across many timesteps.',
  extras: [
    {
      // Keras defaults unit_forget_bias to True, TF.js to false: we follow Keras (Jozefowicz et al. 2015).
      param: {
        name: 'unitForgetBias',
        kind: 'bool',
        default: true,
        doc: 'Start the forget-gate bias at 1 so the layer remembers by default (Keras: true; TF.js alone: false).',
        advanced: true,
      },
      kerasKey: 'unit_forget_bias',
      fromKeras: (v) => v !== false,
    },
  ],
});

export const gru = recurrentLayer({
  className: 'GRU',
  namePrefix: 'gru',
  gates: 3,
  doc: 'Gated Recurrent Unit: cheaper than LSTM, often as good.',
  extras: [
    {
      // Keras 3 defaults reset_after to True (the cuDNN-compatible variant, two bias rows); TF.js implements only False
      // (tfjs#4621), so main/training/keras-gru.ts adds it. Keras 2.0's GRU, as in the book's first edition, was False.
      param: {
        name: 'resetAfter',
        kind: 'bool',
        default: true,
        advanced: true,
        doc: "Apply the reset gate after the recurrent multiply, r ⊙ (U·h + b), as Keras 3 does by default (two bias rows); off: U·(r ⊙ h), Keras 2's original GRU (one bias row).",
      },
      kerasKey: 'reset_after',
      // Keras 3 (and TF 2 Keras) default reset_after to True; Keras 2.0 and TF.js to False. Both come in with weights.
      fromKeras: (v, keras3) => v === true || (v === undefined && keras3),
    },
  ],
  biasRows: (c) => (c['resetAfter'] === true ? 2 : 1),
});

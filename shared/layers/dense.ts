import { ACTIVATIONS, init, nulls, setDefined, units, useBias } from './params.js';
import { defineLayer, num } from './types.js';
import type { LayerConfig } from './types.js';

export const dense = defineLayer({
  className: 'Dense',
  category: 'core',
  namePrefix: 'dense',
  activationIsOutput: true,
  doc: 'Fully-connected layer applied to the last axis.',
  shape: '(…, F) → (…, units): the last axis',
  params: [
    { ...units, default: 1 },
    {
      name: 'activation',
      kind: 'enum',
      default: 'linear',
      options: ACTIVATIONS,
      doc: 'sigmoid for a binary classifier, softmax for several classes, linear for regression.',
    },
    useBias,
    init('kernelInitializer', 'glorotUniform', 'Initialiser of the weights.'),
    init('biasInitializer', 'zeros', 'Initialiser of the bias.'),
  ],
  infer: ({ input, config }) => {
    const u = num(config, 'units');
    return {
      out: [...input.slice(0, -1), u],
      params: input[input.length - 1]! * u + (config['useBias'] !== false ? u : 0),
    };
  },
  weights: (c, input) => {
    const u = num(c, 'units');
    const kernel = { name: 'kernel', shape: [input[input.length - 1]!, u] };
    return c['useBias'] ? [kernel, { name: 'bias', shape: [u] }] : [kernel];
  },
  toKeras: (c, w) => ({
    ...w.base,
    units: num(c, 'units'),
    activation: w.activation(c['activation'] ?? 'linear'),
    use_bias: Boolean(c['useBias']),
    kernel_initializer: w.initializer(c['kernelInitializer'] ?? null),
    bias_initializer: w.initializer(c['biasInitializer'] ?? null),
    ...nulls('kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint'),
  }),
  fromKeras: (r) => {
    const config: LayerConfig = {
      units: r.number('units', { int: true }),
      activation: r.activation('activation', 'linear'),
      useBias: r.config['use_bias'] !== false,
    };
    setDefined(config, 'kernelInitializer', r.initializer('kernel_initializer'));
    setDefined(config, 'biasInitializer', r.initializer('bias_initializer'));
    return config;
  },
  python: (c, w) => [
    `units=${w.py(c['units'])}`,
    `activation=${w.activation(c['activation'] ?? 'linear')}`,
    `use_bias=${w.py(c['useBias'])}`,
    `kernel_initializer=${w.initializer(c['kernelInitializer'] ?? null)}`,
    `bias_initializer=${w.initializer(c['biasInitializer'] ?? null)}`,
  ],
});

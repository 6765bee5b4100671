import { rate } from './params.js';
import { defineLayer, num } from './types.js';

export const dropout = defineLayer({
  className: 'Dropout',
  category: 'core',
  namePrefix: 'dropout',
  doc: 'Randomly zeroes a fraction of the inputs while training.',
  shape: 'unchanged',
  params: [{ ...rate('rate', 'Fraction of the inputs to drop.'), default: 0.5 }],
  infer: ({ input }) => ({ out: input, params: 0 }),
  toKeras: (c, w) => ({ ...w.base, rate: num(c, 'rate'), noise_shape: null, seed: null }),
  fromKeras: (r) => {
    const rate = r.number('rate');
    if (r.config['noise_shape'] !== undefined && r.config['noise_shape'] !== null)
      r.warn('noise_shape dropped (dropout only acts while training).');
    return { rate };
  },
  python: (c, w) => [`rate=${w.py(c['rate'])}`],
});

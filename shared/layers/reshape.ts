/** The two ways to turn a sequence (timesteps, features) into one vector before a Dense output. */
import { defineLayer } from './types.js';
import type { InferContext, KerasReader } from './types.js';

/** Both need a sequence: Keras's rank message, with what the input already is. */
function needsSequence(ctx: InferContext, className: string): boolean {
  if (ctx.input.length === 2) return true;
  ctx.error(
    `${ctx.rankError(3)} ${className} turns (timesteps, features) into one vector; its input is already ${ctx.input.length === 1 ? '2-D' : `${ctx.input.length + 1}-D`}.`,
  );
  return false;
}

function channelsLast(r: KerasReader): void {
  if (r.config['data_format'] === 'channels_first')
    r.refuse('expected data_format="channels_last", received "channels_first".');
}

export const globalAveragePooling1D = defineLayer({
  className: 'GlobalAveragePooling1D',
  category: 'reshape',
  namePrefix: 'global_average_pooling1d',
  doc: 'Averages over time: 3-D (timesteps, features) → 2-D (features).',
  shape: '(T, F) → (F)',
  params: [],
  infer: (ctx) => (needsSequence(ctx, 'GlobalAveragePooling1D') ? { out: [ctx.input[1]!], params: 0 } : null),
  toKeras: (_, w) =>
    w.target === 'keras3'
      ? { ...w.base, data_format: 'channels_last', keepdims: false }
      : { ...w.base, data_format: 'channels_last' },
  fromKeras: (r) => {
    channelsLast(r);
    if (r.config['keepdims'] === true) r.refuse('expected keepdims=False, received True.');
    return {};
  },
  python: () => [],
});

export const flatten = defineLayer({
  className: 'Flatten',
  category: 'reshape',
  namePrefix: 'flatten',
  doc: 'Flattens (timesteps, features) into one vector.',
  shape: '(T, F) → (T·F)',
  params: [],
  infer: (ctx) => (needsSequence(ctx, 'Flatten') ? { out: [ctx.input[0]! * ctx.input[1]!], params: 0 } : null),
  toKeras: (_, w) => ({ ...w.base, data_format: 'channels_last' }),
  fromKeras: (r) => {
    channelsLast(r);
    return {};
  },
  python: () => [],
});

/** The Bidirectional wrapper: runs the wrapped recurrent layer forwards and backwards and merges both outputs. */
import { defineLayer } from './types.js';

/** How Bidirectional combines the forward and backward outputs (Keras `merge_mode`). */
export const MERGE_MODES = ['concat', 'sum', 'mul', 'ave'] as const;

export const bidirectional = defineLayer({
  className: 'Bidirectional',
  category: 'wrapper',
  namePrefix: 'bidirectional',
  wraps: 'recurrent',
  doc: 'Runs the wrapped recurrent layer forwards and backwards and merges both outputs.',
  shape: "the wrapped layer's, with the last axis doubled for concat",
  params: [
    {
      name: 'mergeMode',
      kind: 'enum',
      default: 'concat',
      options: MERGE_MODES,
      doc: 'How forward and backward outputs are combined; concat doubles the size.',
    },
  ],
  infer: (ctx) => {
    const inner = ctx.wrapped();
    if (!inner) return null;
    const r = inner.def.infer({ ...ctx, config: inner.config, name: inner.name });
    if (!r) return null;
    const u = r.out[r.out.length - 1]!;
    return { out: [...r.out.slice(0, -1), ctx.config['mergeMode'] === 'concat' ? 2 * u : u], params: 2 * r.params };
  },
  // TF.js writes no dtype for the wrapper itself.
  toKeras: (c, w) => {
    const { name, trainable, dtype } = w.base;
    return {
      name: name!,
      trainable: trainable!,
      ...(w.target === 'keras3' ? { dtype: dtype! } : {}),
      merge_mode: String(c['mergeMode'] ?? 'concat'),
      layer: w.wrapped(),
    };
  },
  fromKeras: (r) => {
    const mode = r.config['merge_mode'] ?? 'concat';
    if (!(MERGE_MODES as readonly string[]).includes(String(mode)))
      r.refuse(
        `expected merge_mode ${MERGE_MODES.slice(0, -1).join(', ')} or ${MERGE_MODES[MERGE_MODES.length - 1]}, received ${JSON.stringify(mode)}.`,
      );
    return { mergeMode: String(mode) };
  },
  python: (c, w) => [w.wrapped(), `merge_mode=${w.py(c['mergeMode'] ?? 'concat')}`],
});

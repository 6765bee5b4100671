import { init, MAX_UNITS, MAX_VOCAB, nulls, setDefined } from './params.js';
import { defineLayer, num } from './types.js';
import type { LayerConfig } from './types.js';

export const embedding = defineLayer({
  className: 'Embedding',
  category: 'embedding',
  namePrefix: 'embedding',
  doc: 'Turns token ids into dense vectors; must be the first layer for token input.',
  shape: '(L) → (L, outputDim)',
  params: [
    {
      name: 'inputDim',
      kind: 'int',
      default: 10000,
      min: 1,
      max: MAX_VOCAB,
      doc: 'Vocabulary size: largest token id + 1. Must cover the input vocabulary.',
    },
    { name: 'outputDim', kind: 'int', default: 32, min: 1, max: MAX_UNITS, doc: 'Size of each embedding vector.' },
    {
      name: 'maskZero',
      kind: 'bool',
      default: false,
      doc: 'Treat id 0 as padding and mask it out of the recurrent layers that follow.',
    },
    init('embeddingsInitializer', 'randomUniform', 'Initialiser of the embedding matrix.'),
  ],
  infer: ({ input, config, name, modelInput, error }) => {
    const inputDim = num(config, 'inputDim');
    const vocab = modelInput.kind === 'tokens' ? modelInput.vocabSize : 0;
    if (inputDim < vocab) {
      error(
        `Layer "${name}" (Embedding): \`inputDim\` must be at least the input vocabulary size (${vocab}), or token ids ≥ ${inputDim} fail at training time. Received: inputDim=${inputDim}.`,
        'config.inputDim',
      );
    }
    return { out: [input[0]!, num(config, 'outputDim')], params: inputDim * num(config, 'outputDim') };
  },
  weights: (c) => [{ name: 'embeddings', shape: [num(c, 'inputDim'), num(c, 'outputDim')] }],
  toKeras: (c, w) => ({
    ...w.base,
    input_dim: num(c, 'inputDim'),
    output_dim: num(c, 'outputDim'),
    embeddings_initializer: w.initializer(c['embeddingsInitializer'] ?? null),
    ...nulls('embeddings_regularizer', 'activity_regularizer', 'embeddings_constraint'),
    mask_zero: Boolean(c['maskZero']),
  }),
  fromKeras: (r) => {
    const config: LayerConfig = {
      inputDim: r.number('input_dim', { int: true }),
      outputDim: r.number('output_dim', { int: true }),
      maskZero: r.config['mask_zero'] === true,
    };
    setDefined(config, 'embeddingsInitializer', r.initializer('embeddings_initializer'));
    return config;
  },
  python: (c, w) => [
    `input_dim=${w.py(c['inputDim'])}`,
    `output_dim=${w.py(c['outputDim'])}`,
    `mask_zero=${w.py(c['maskZero'])}`,
    `embeddings_initializer=${w.initializer(c['embeddingsInitializer'] ?? null)}`,
  ],
});

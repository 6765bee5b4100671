/**
 * The model spec's leaf types: its input and a layer parameter's value. The layer definitions (shared/layers/) and
 * the spec (model-spec.ts) both build on them, so the spec can read its wrapper's merge modes from the catalog
 * without a circle of imports.
 */

/** Integer token ids, one sequence of `length` ids per sample, ids in [0, vocabSize). Batch shape [batch, length]. */
export interface TokenInputSpec {
  kind: 'tokens';
  /** Number of distinct ids including 0 (padding) and 1 (out-of-vocabulary): Keras `Tokenizer(num_words=…)`. */
  vocabSize: number;
  /** Sequence length after padding / truncating (Keras `maxlen`). */
  length: number;
}

/** Real-valued sequences, e.g. weather measurements. Batch shape [batch, timesteps, features]. */
export interface FloatInputSpec {
  kind: 'floats';
  timesteps: number;
  features: number;
}

export type InputSpec = TokenInputSpec | FloatInputSpec;

/** A scalar parameter value as it appears in a layer config. */
export type ParamValue = number | string | boolean | null;

/**
 * What analysing a spec reports per layer and per problem. A leaf module: shape inference produces these and the
 * memory estimate, the worker protocol and the API carry them, without importing shape inference itself.
 */
import type { Shape } from './layer-catalog.js';

/** A problem found in a spec. `layerIndex` points at the node to show it on; null means the spec as a whole. */
export interface SpecIssue {
  layerIndex: number | null;
  /** Dotted path of the offending field, e.g. "layers.2.config.units" or "training.learningRate". */
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

/** What the summary table shows for one layer. */
export interface LayerInfo {
  index: number;
  name: string;
  className: string;
  /** "Bidirectional(LSTM)" for a wrapper. */
  label: string;
  /** Name of the recurrent layer a Bidirectional wraps. */
  innerName?: string;
  inputShape: Shape | null;
  /** Null when the shape could not be inferred (an error upstream or in this layer). */
  outputShape: Shape | null;
  params: number;
}

/**
 * What the one-shot tasks answer (predict on a text or a series, look inside the recurrent layers): the worker's
 * task results and the API's replies carry the same shapes. A leaf module (see engine-types.ts).
 */

export interface TextPrediction {
  classNames: string[];
  probabilities: number[];
  /** The tokens the model saw after preprocessing (out-of-vocabulary words shown as <OOV>). */
  tokens: string[];
}

export interface SeriesPrediction {
  target: string;
  /** Validation windows (down-sampled): the row the target belongs to, its time (ms, UTC) when the dates parse, the actual, predicted and baseline values. */
  points: { row: number; time?: number; actual: number; predicted: number; baseline: number }[];
  mae: number;
  baselineMae: number;
}

/** One quantity of a recurrent layer over time (insideRun): h_t, c_t, a gate or the candidate. */
export interface InsideSeries {
  /** "h", "c", "i", "f", "g", "o" (LSTM), "z", "r", "hh" (GRU candidate). */
  key: string;
  label: string;
  /** [timestep][unit], in time order (a backward layer's too). */
  values: number[][];
}

/** One direction of one recurrent layer, stepped with Keras's formulas from the layer's own weights. */
export interface InsideLayer {
  /** Layer name; Bidirectional halves are "<name> (forward)" / "<name> (backward)". */
  name: string;
  cell: 'SimpleRNN' | 'LSTM' | 'GRU';
  units: number;
  series: InsideSeries[];
}

/** Look inside a recurrent model on one input: every recurrent layer's states and gates per timestep, and occlusion. */
export interface InsideResult {
  kind: 'text' | 'timeseries';
  /** One label per timestep the model saw: the token (text, "" for padding) or "t−k" (a time-series window). */
  steps: string[];
  /** Which timesteps are padding (text); a masked model (Embedding maskZero) skips them. */
  padding: boolean[];
  /** What the contributions are measured on: the top class's probability (text) or the forecast (target units). */
  output: { label: string; value: number };
  /** Per timestep: output − output with that step occluded (token → padding id 0; series step → the training mean). */
  contributions: number[];
  layers: InsideLayer[];
}

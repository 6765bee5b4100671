/**
 * The layer catalog: one definition per layer kind the studio offers (shared/layers/), each owning its parameters,
 * output shape and parameter count, Keras config out and in, and generated Python line. The palette, the inspector,
 * validation and shape inference, export, import and the script generator all dispatch from it; the TF.js factory of
 * each kind is in main/training/layer-factories.ts, whose type demands one per kind here. Adding a layer is one
 * definition file listed below plus its factory.
 */
import { bidirectional } from './layers/bidirectional.js';
import { dense } from './layers/dense.js';
import { dropout } from './layers/dropout.js';
import { embedding } from './layers/embedding.js';
import { gru, lstm, simpleRNN } from './layers/recurrent.js';
import { flatten, globalAveragePooling1D } from './layers/reshape.js';
import type { LayerCategory, LayerConfig, LayerDef } from './layers/types.js';
import type { ParamValue } from './model-spec.js';

export type {
  Inferred,
  InferContext,
  Json,
  JsonObject,
  KerasReader,
  KerasWriter,
  LayerCategory,
  LayerConfig,
  LayerDef,
  ParamDef,
  ParamKind,
  PythonWriter,
  Shape,
  WeightVar,
} from './layers/types.js';
export { MAX_UNITS, MAX_VOCAB } from './layers/params.js';
export { MERGE_MODES } from './layers/bidirectional.js';

/** Every layer the studio offers, in palette order. */
export const LAYER_CATALOG = [
  embedding,
  simpleRNN,
  lstm,
  gru,
  bidirectional,
  dense,
  dropout,
  globalAveragePooling1D,
  flatten,
] as const;

/** The class name of a catalog layer: `Record<LayerKind, …>` makes a table cover every kind. */
export type LayerKind = (typeof LAYER_CATALOG)[number]['className'];

const byName = new Map<string, LayerDef>(LAYER_CATALOG.map((d) => [d.className, d]));

/** The catalog entry for a class name, or undefined when the studio does not offer that layer. */
export function layerDef(className: string): LayerDef | undefined {
  // Own entries only: "__proto__" or "constructor" from a spec must not find anything.
  return typeof className === 'string' ? byName.get(className) : undefined;
}

/**
 * Adds a layer kind at run time and returns its removal. Tests use it to show a throwaway kind flowing through every
 * consumer; the studio's own kinds are the static list above (main/training/layer-factories.ts registers the factory).
 */
export function registerLayer(def: LayerDef): () => void {
  if (byName.has(def.className)) throw new Error(`layer ${def.className} is already in the catalog`);
  byName.set(def.className, def);
  return () => {
    byName.delete(def.className);
  };
}

/** Class names that Bidirectional may wrap. */
export const RECURRENT_CLASSES: readonly string[] = LAYER_CATALOG.filter((d) => d.category === 'recurrent').map(
  (d) => d.className,
);

/** The class name of the layer that takes token ids (and must come first for token input). */
export const TOKEN_LAYER_CLASS: string = LAYER_CATALOG.find((d) => d.category === 'embedding')!.className;

/** The wrapper's class name (Bidirectional). */
export const WRAPPER_CLASS = bidirectional.className;

/** What a wrapper dropped from the palette wraps: LSTM is what Chollet reaches for first. */
export const DEFAULT_WRAPPED_CLASS: string = lstm.className;

/** The layer a quick fix adds to turn a sequence into one vector before the output: averaging over time. */
export const POOLING_CLASS: string = globalAveragePooling1D.className;

/** The category of a class name ('' when it is not in the catalog), for code that treats a category alike. */
export function categoryOf(className: string): LayerCategory | '' {
  return layerDef(className)?.category ?? '';
}

/** The config of a layer with every catalog default filled in (unknown keys are left to validation). */
export function withDefaults(def: LayerDef, config: Record<string, ParamValue> | undefined): LayerConfig {
  const out: LayerConfig = {};
  for (const p of def.params) out[p.name] = p.default;
  return { ...out, ...(config ?? {}) };
}

/**
 * What a layer definition is: its parameters (for the palette, the inspector and validation) and its behaviour —
 * output shape and parameter count, Keras config out and in, the generated Python line, its weights. Every consumer
 * (shape inference, export, import, the script generator) dispatches on these; the TF.js factory, which needs
 * TensorFlow, lives beside the builder (main/training/layer-factories.ts) keyed by the same class names.
 * Pure TypeScript: the renderer imports it.
 */
import type { InputSpec, ParamValue } from '../spec-values.js';

/** Shape of one sample, without the batch dimension: [length] for token ids, [timesteps, features], [features]. */
export type Shape = readonly number[];

export type ParamKind = 'int' | 'float' | 'bool' | 'enum' | 'string';

/** One configurable parameter of a layer. */
export interface ParamDef {
  name: string;
  kind: ParamKind;
  default: ParamValue;
  /** Inclusive lower bound for numbers. */
  min?: number;
  /** Upper bound for numbers; exclusive when `maxExclusive`. */
  max?: number;
  maxExclusive?: boolean;
  /** Allowed values of an enum. */
  options?: readonly string[];
  /** One sentence for the inspector's help text. */
  doc: string;
  /** Shown in the inspector's "advanced" fold. */
  advanced?: boolean;
  /** May be null (e.g. Dense `activation` linear is written "linear", but `name` may be absent). */
  nullable?: boolean;
}

/**
 * What the category means to the generic code: `embedding` takes token ids and must come first; `recurrent` needs
 * (timesteps, features) and may collapse the sequence; `wrapper` holds another layer (`wraps`); `reshape` turns a
 * sequence into one vector.
 */
export type LayerCategory = 'embedding' | 'recurrent' | 'core' | 'reshape' | 'wrapper';

/** A layer config with every catalog default filled in. */
export type LayerConfig = Record<string, ParamValue>;

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

/** What a layer's shape rule sees; errors go through `error`, so the rule never throws on a bad spec. */
export interface InferContext {
  /** The per-sample input shape. */
  input: Shape;
  /** The layer's config, validated, with defaults. */
  config: LayerConfig;
  /** The layer's (Keras) name. */
  name: string;
  /** The model's input. */
  modelInput: InputSpec;
  /** Records an error on this layer; `field` is relative to the layer, e.g. "config.inputDim". */
  error(message: string, field?: string): void;
  /** Keras's message for an input of the wrong rank (`expected` counts the batch axis). */
  rankError(expected: number): string;
  /** Advice for a layer that needs a sequence and did not get one: what to change before it (or ""). */
  sequenceHint(): string;
  /** Wrappers only: the wrapped layer, validated and named, or null (the problem is already recorded). */
  wrapped(): { def: LayerDef; config: LayerConfig; name: string } | null;
}

export interface Inferred {
  out: Shape;
  params: number;
}

/** One weight variable, in Keras's order, with its Keras name (`kernel`, `recurrent_kernel`, `bias`, …). */
export interface WeightVar {
  name: string;
  shape: number[];
}

/** Helpers a layer's Keras writer uses; main/interop/keras-format.ts provides them (and throws ExportError). */
export interface KerasWriter {
  target: 'keras3' | 'tfjs';
  /** `name`, `trainable` and `dtype` as the target writes them for every layer. */
  base: JsonObject;
  /** The Keras name of one of our activations; refuses one the target computes differently. */
  activation(value: ParamValue): string;
  /** The serialised Keras initializer for one of ours. */
  initializer(value: ParamValue): JsonObject;
  /** Wrappers only: the wrapped layer, serialised as the target nests it. */
  wrapped(): JsonObject;
}

/** Helpers a layer's Keras reader uses; main/interop/import.ts provides them (and throws ImportError). */
export interface KerasReader {
  /** The file is Keras 3 (its defaults differ from Keras 2 / TF.js). */
  keras3: boolean;
  /** The Keras layer config (snake_case). */
  config: Record<string, unknown>;
  /** A required number (an integer with `int`); refuses anything else. */
  number(key: string, opts?: { int?: boolean }): number;
  /** Our name of the Keras activation under `key` (`fallback` when absent); refuses what we cannot compute alike. */
  activation(key: string, fallback: string): string;
  /** Our name of the Keras initializer under `key`, or undefined (absent or not offered: the default is kept). */
  initializer(key: string): string | undefined;
  /** Refuses the import: `what` says what was expected and received. */
  refuse(what: string): never;
  /** A setting that was dropped, one sentence. */
  warn(what: string): void;
}

/** Helpers a layer's Python line uses; main/interop/python-script.ts provides them. */
export interface PythonWriter {
  /** A Python literal. */
  py(value: unknown): string;
  /** The Keras 3 activation name as a Python string literal; refuses one Keras 3 computes differently. */
  activation(value: ParamValue): string;
  /** The Keras initializer name as a Python string literal. */
  initializer(value: ParamValue): string;
  /** Wrappers only: the wrapped layer's constructor call. */
  wrapped(): string;
}

export interface LayerDef<C extends string = string> {
  className: C;
  category: LayerCategory;
  /** One line for the palette tooltip. */
  doc: string;
  /** The shape rule in words for the spec reference (docs/spec.md is generated from the catalog). */
  shape: string;
  params: readonly ParamDef[];
  /** Keras's default layer name prefix: "lstm" → lstm, lstm_1, … */
  namePrefix: string;
  /** Wrappers: the category of the layers they may wrap. */
  wraps?: LayerCategory;
  /** The loss check reads this layer's `activation` when it is the model's output layer. */
  activationIsOutput?: boolean;
  /** Output shape and parameter count, or null after recording the problem with `ctx.error`. */
  infer(ctx: InferContext): Inferred | null;
  /** The layer's own weight variables in Keras's order (none when absent). */
  weights?(config: LayerConfig, input: Shape): WeightVar[];
  /** The layer's Keras config (snake_case), `w.base` included. */
  toKeras(config: LayerConfig, w: KerasWriter): JsonObject;
  /** Our config from a Keras layer config; refuses settings our engine cannot reproduce. */
  fromKeras(r: KerasReader): LayerConfig;
  /** The arguments of `layers.<className>(…)` in a Keras 3 script, before `name=`. */
  python(config: LayerConfig, w: PythonWriter): string[];
}

/** Keeps a definition's class name as a literal type, so `LayerKind` lists every kind. */
export function defineLayer<const C extends string>(def: LayerDef<C>): LayerDef<C> {
  return def;
}

/** A numeric config value (validated before any hook runs). */
export function num(config: LayerConfig, key: string): number {
  const v = config[key];
  return typeof v === 'number' ? v : NaN;
}

/**
 * Pure edits of a ModelSpec, as the builder performs them. Every function returns a new spec and leaves its input
 * untouched, so the project store can keep an undo history by reference and React sees every change.
 */
import {
  categoryOf,
  DEFAULT_WRAPPED_CLASS,
  layerDef,
  RECURRENT_CLASSES,
  WRAPPER_CLASS,
} from '../../shared/layer-catalog.js';
import { isBidirectional } from '../../shared/model-spec.js';
import type {
  BidirectionalLayerSpec,
  LayerSpec,
  ModelSpec,
  ParamValue,
  PlainLayerSpec,
} from '../../shared/model-spec.js';

let idCounter = 0;
/** A layer id unique within this page: the canvas and dnd-kit need stable keys that survive reordering. */
export function newLayerId(): string {
  idCounter++;
  return `l${Date.now().toString(36)}${idCounter.toString(36)}`;
}

/** Gives every layer an id (kept if present); returns the same spec when nothing was missing. */
export function ensureLayerIds(spec: ModelSpec, makeId: () => string = newLayerId): ModelSpec {
  const seen = new Set<string>();
  let changed = false;
  const layers = spec.layers.map((layer) => {
    if (typeof layer.id === 'string' && layer.id !== '' && !seen.has(layer.id)) {
      seen.add(layer.id);
      return layer;
    }
    changed = true;
    let id = makeId();
    while (seen.has(id)) id = makeId();
    seen.add(id);
    return { ...layer, id };
  });
  return changed ? { ...spec, layers } : spec;
}

/** A new layer of a catalog class, with the settings that make it fit where it goes. */
export function createLayer(className: string, spec: ModelSpec, id: string = newLayerId()): LayerSpec {
  if (categoryOf(className) === 'wrapper') {
    return {
      className: WRAPPER_CLASS,
      id,
      config: { mergeMode: 'concat' },
      layer: { className: DEFAULT_WRAPPED_CLASS, config: {} },
    };
  }
  const config: Record<string, ParamValue> = {};
  // An Embedding smaller than the vocabulary fails at training time; start it at the vocabulary size.
  if (categoryOf(className) === 'embedding' && spec.input.kind === 'tokens') config.inputDim = spec.input.vocabSize;
  return { className, id, config };
}

function clampIndex(index: number, length: number): number {
  return Math.max(0, Math.min(length, Math.trunc(index)));
}

export function insertLayer(spec: ModelSpec, index: number, layer: LayerSpec): ModelSpec {
  const layers = spec.layers.slice();
  layers.splice(clampIndex(index, layers.length), 0, layer);
  return { ...spec, layers };
}

export function removeLayer(spec: ModelSpec, index: number): ModelSpec {
  if (index < 0 || index >= spec.layers.length) return spec;
  return { ...spec, layers: spec.layers.filter((_, i) => i !== index) };
}

/** Moves the layer at `from` so that it ends up at index `to` (dnd-kit's arrayMove semantics). */
export function moveLayer(spec: ModelSpec, from: number, to: number): ModelSpec {
  const n = spec.layers.length;
  if (from < 0 || from >= n) return spec;
  const target = Math.max(0, Math.min(n - 1, to));
  if (target === from) return spec;
  const layers = spec.layers.slice();
  const [moved] = layers.splice(from, 1);
  layers.splice(target, 0, moved!);
  return { ...spec, layers };
}

export function canWrap(layer: LayerSpec | undefined): boolean {
  return layer !== undefined && !isBidirectional(layer) && RECURRENT_CLASSES.includes(layer.className);
}

/** Wraps a recurrent layer in Bidirectional (concat); the node keeps its id so selection and focus stay on it. */
export function wrapBidirectional(spec: ModelSpec, index: number): ModelSpec {
  const layer = spec.layers[index];
  if (!layer || !canWrap(layer)) return spec;
  const inner: PlainLayerSpec = {
    className: layer.className,
    ...(layer.config ? { config: { ...layer.config } } : {}),
  };
  const wrapped: BidirectionalLayerSpec = {
    className: WRAPPER_CLASS,
    ...(layer.id ? { id: layer.id } : {}),
    config: { mergeMode: 'concat' },
    layer: inner,
  };
  return replaceLayer(spec, index, wrapped);
}

/** The inverse of wrapBidirectional: the wrapped layer takes the wrapper's place (and id). */
export function unwrapBidirectional(spec: ModelSpec, index: number): ModelSpec {
  const layer = spec.layers[index];
  if (!layer || !isBidirectional(layer) || !layer.layer) return spec;
  const inner: PlainLayerSpec = { ...layer.layer, ...(layer.id ? { id: layer.id } : {}) };
  return replaceLayer(spec, index, inner);
}

export function replaceLayer(spec: ModelSpec, index: number, layer: LayerSpec): ModelSpec {
  if (index < 0 || index >= spec.layers.length) return spec;
  const layers = spec.layers.slice();
  layers[index] = layer;
  return { ...spec, layers };
}

/**
 * Sets (or with `undefined` removes, falling back to the catalog default) one config value of a layer, or of the
 * layer a Bidirectional wraps when `inner` is true. Values are written as given, even invalid ones, so that
 * validation reports them on the field instead of the edit silently disappearing.
 */
export function setLayerParam(
  spec: ModelSpec,
  index: number,
  name: string,
  value: ParamValue | undefined,
  inner = false,
): ModelSpec {
  const layer = spec.layers[index];
  if (!layer) return spec;
  const apply = (config: Record<string, ParamValue> | undefined): Record<string, ParamValue> => {
    const next = { ...(config ?? {}) };
    if (value === undefined) delete next[name];
    else next[name] = value;
    return next;
  };
  if (inner) {
    if (!isBidirectional(layer)) return spec;
    return replaceLayer(spec, index, { ...layer, layer: { ...layer.layer, config: apply(layer.layer.config) } });
  }
  if (isBidirectional(layer)) {
    return replaceLayer(spec, index, {
      ...layer,
      config: apply(layer.config as Record<string, ParamValue> | undefined) as BidirectionalLayerSpec['config'],
    });
  }
  return replaceLayer(spec, index, { ...layer, config: apply(layer.config) });
}

/** The settings of `config` that `className` also has (by the layer catalog), plus the layer's name. */
function keepKnownParams(
  config: Record<string, ParamValue> | undefined,
  className: string,
): Record<string, ParamValue> {
  const known = new Set((layerDef(className)?.params ?? []).map((p) => p.name));
  return Object.fromEntries(Object.entries(config ?? {}).filter(([k]) => k === 'name' || known.has(k)));
}

/** Swaps the recurrent class a Bidirectional wraps, keeping the settings the new class understands. */
export function setWrappedClass(spec: ModelSpec, index: number, className: string): ModelSpec {
  const layer = spec.layers[index];
  if (!layer || !isBidirectional(layer) || !RECURRENT_CLASSES.includes(className)) return spec;
  return replaceLayer(spec, index, {
    ...layer,
    layer: { className, config: keepKnownParams(layer.layer.config, className) },
  });
}

/**
 * Changes a recurrent layer's class among SimpleRNN, LSTM and GRU (SimpleRNN → LSTM keeping units and dropouts),
 * keeping every setting the new class also has and the node's id; inside a Bidirectional it changes the wrapped
 * layer. Anything else, or a class that is not recurrent, leaves the spec as it is.
 */
export function setRecurrentClass(spec: ModelSpec, index: number, className: string): ModelSpec {
  const layer = spec.layers[index];
  if (!layer || !RECURRENT_CLASSES.includes(className)) return spec;
  if (isBidirectional(layer)) return setWrappedClass(spec, index, className);
  if (!RECURRENT_CLASSES.includes(layer.className) || layer.className === className) return spec;
  return replaceLayer(spec, index, {
    ...(layer.id ? { id: layer.id } : {}),
    className,
    config: keepKnownParams(layer.config, className),
  });
}

/** The layer's own config, or the wrapped layer's for a Bidirectional when `inner`. */
export function layerConfig(layer: LayerSpec, inner = false): Record<string, ParamValue> {
  if (inner) return isBidirectional(layer) ? { ...(layer.layer.config ?? {}) } : {};
  return { ...((layer.config ?? {}) as Record<string, ParamValue>) };
}

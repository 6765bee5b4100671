/**
 * The TF.js side of the layer catalog: one factory per catalog kind, kept here because shared/ must not import
 * TensorFlow. `Record<LayerKind, …>` makes adding a kind to shared/layer-catalog.ts without its factory a type error.
 */
import * as tf from '@tensorflow/tfjs';
import { registerLayer } from '../../shared/layer-catalog.js';
import type { LayerDef, LayerKind } from '../../shared/layer-catalog.js';
import { kerasGRU } from './keras-gru.js';
import { recurrentLayers } from './kernels/index.js';

/** The layer's config with defaults, its `name`, and `batchInputShape` on the first layer. */
export type LayerArgs = Record<string, unknown>;

export interface FactoryContext {
  /** Wrappers only: the wrapped layer, built. */
  wrapped(): tf.layers.Layer;
}

export type LayerFactory = (args: LayerArgs, ctx: FactoryContext) => tf.layers.Layer;

export const LAYER_FACTORIES: Record<LayerKind, LayerFactory> = {
  Embedding: (args) => tf.layers.embedding(args as never),
  // Our classes of TF.js's layers, under TF.js's names: the fused kernels take their calls (kernels/recurrent-layers.ts).
  SimpleRNN: (args) => recurrentLayers.simpleRNN(args),
  LSTM: (args) => recurrentLayers.lstm(args),
  // Keras's GRU, both reset variants (TF.js's implements only resetAfter=false, tfjs#4621).
  GRU: (args) => kerasGRU(args as never),
  Bidirectional: (args, ctx) => {
    const { mergeMode, name, batchInputShape } = args;
    return recurrentLayers.bidirectional({
      layer: ctx.wrapped(),
      mergeMode,
      name,
      ...(batchInputShape ? { batchInputShape } : {}),
    } as never);
  },
  Dense: (args) => tf.layers.dense(args as never),
  Dropout: (args) => tf.layers.dropout(args as never),
  GlobalAveragePooling1D: (args) => tf.layers.globalAveragePooling1d(args as never),
  Flatten: (args) => tf.layers.flatten(args as never),
};

const extra = new Map<string, LayerFactory>();

/** The factory of a catalog kind (or of one registered with `registerLayerKind`). */
export function layerFactory(className: string): LayerFactory | undefined {
  return Object.hasOwn(LAYER_FACTORIES, className) ? LAYER_FACTORIES[className as LayerKind] : extra.get(className);
}

/** Adds a layer kind, definition and factory, at run time (tests); returns its removal. */
export function registerLayerKind(def: LayerDef, factory: LayerFactory): () => void {
  const unregister = registerLayer(def);
  extra.set(def.className, factory);
  return () => {
    extra.delete(def.className);
    unregister();
  };
}

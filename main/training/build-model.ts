/**
 * ModelSpec → tf.LayersModel: the only place in the code base that turns the spec into TensorFlow layers.
 * Shapes, names and validation come from shared/shape-inference.ts so the engine refuses exactly what the
 * canvas marks invalid, with the same message.
 */
import * as tf from '@tensorflow/tfjs';
import { analyzeModel } from '../../shared/shape-inference.js';
import type { ModelAnalysis } from '../../shared/shape-inference.js';
import { layerDef, withDefaults } from '../../shared/layer-catalog.js';
import { isBidirectional } from '../../shared/model-spec.js';
import type { ModelSpec, ParamValue, PlainLayerSpec } from '../../shared/model-spec.js';
import type { RecurrencePath } from '../../shared/worker-protocol.js';
import { installFusedRecurrence } from './fused/fused-rnn.js';
import { kerasGRU } from './keras-gru.js';
import { withTfWarningsTranslated } from './tf-warnings.js';

/** Thrown when a spec has errors; `issues` carries every message with the layer it belongs to. */
export class SpecError extends Error {
  constructor(readonly analysis: ModelAnalysis) {
    super(analysis.issues.filter((i) => i.severity === 'error').map((i) => i.message).join('\n'));
    this.name = 'SpecError';
  }
}

type Args = Record<string, unknown>;

function layerArgs(layer: PlainLayerSpec, name: string): Args {
  const def = layerDef(layer.className);
  if (!def) throw new Error(`unknown layer ${layer.className}`);
  const cfg: Record<string, ParamValue> = withDefaults(def, layer.config);
  return { ...cfg, name };
}

function makeRecurrent(className: string, args: Args): tf.layers.RNN {
  switch (className) {
    case 'SimpleRNN': return tf.layers.simpleRNN(args as never);
    case 'LSTM': return tf.layers.lstm(args as never);
    // Keras's GRU, both reset variants (TF.js's implements only resetAfter=false, tfjs#4621).
    case 'GRU': return kerasGRU(args as never);
    default: throw new Error(`not a recurrent layer: ${className}`);
  }
}

/**
 * Builds the model described by `spec` (uncompiled: the training loop owns loss and optimizer), with every
 * eligible recurrent layer on the fused kernels (fused/fused-rnn.ts); `recurrence` says which path each takes.
 * Weight initialisation draws from Math.random unless the caller seeded it (see seeded-random.ts).
 * @throws SpecError when the spec has any error-level issue.
 */
export function buildModel(spec: ModelSpec): { model: tf.Sequential; analysis: ModelAnalysis; recurrence: RecurrencePath[] } {
  const analysis = analyzeModel(spec);
  if (!analysis.valid || !analysis.inputShape) throw new SpecError(analysis);
  const model = tf.sequential({ name: spec.name.replace(/[^A-Za-z0-9_.-]/g, '_') || 'model' });
  // TF.js warns about its orthogonal initializer on nearly every recurrent layer: said once, in our words (tf-warnings.ts).
  withTfWarningsTranslated(() => spec.layers.forEach((layer, i) => {
    const name = analysis.layers[i]!.name;
    const first = i === 0 ? { batchInputShape: [null, ...analysis.inputShape!] } : {};
    let tfLayer: tf.layers.Layer;
    if (isBidirectional(layer)) {
      const innerName = analysis.layers[i]!.innerName!;
      const inner = makeRecurrent(layer.layer.className, layerArgs(layer.layer, innerName));
      tfLayer = tf.layers.bidirectional({ layer: inner, mergeMode: layer.config?.mergeMode ?? 'concat', name, ...first } as never);
    } else {
      const args = { ...layerArgs(layer, name), ...first };
      switch (layer.className) {
        case 'Embedding': tfLayer = tf.layers.embedding(args as never); break;
        case 'SimpleRNN':
        case 'LSTM':
        case 'GRU': tfLayer = makeRecurrent(layer.className, args); break;
        case 'Dense': tfLayer = tf.layers.dense(args as never); break;
        case 'Dropout': tfLayer = tf.layers.dropout(args as never); break;
        case 'GlobalAveragePooling1D': tfLayer = tf.layers.globalAveragePooling1d(args as never); break;
        case 'Flatten': tfLayer = tf.layers.flatten(args as never); break;
        default: throw new Error(`layer ${layer.className} is in the catalog but the builder has no case for it`);
      }
    }
    model.add(tfLayer);
  }));
  return { model, analysis, recurrence: installFusedRecurrence(model) };
}

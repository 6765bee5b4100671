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
import type { LayerSpec, ModelSpec, ParamValue, PlainLayerSpec } from '../../shared/model-spec.js';
import type { RecurrencePath } from '../../shared/worker-protocol.js';
import { accelerateModel } from './kernels/index.js';
import { layerFactory } from './layer-factories.js';
import type { LayerArgs } from './layer-factories.js';
import { withTfWarningsTranslated } from './tf-warnings.js';
// Our orthogonal initializer in TF.js's registry (the recurrent kernels' default): its QR in float64, not op by op.
import './orthogonal.js';

/** Thrown when a spec has errors; `issues` carries every message with the layer it belongs to. */
export class SpecError extends Error {
  constructor(readonly analysis: ModelAnalysis) {
    super(
      analysis.issues
        .filter((i) => i.severity === 'error')
        .map((i) => i.message)
        .join('\n'),
    );
    this.name = 'SpecError';
  }
}

function layerArgs(layer: PlainLayerSpec, name: string): LayerArgs {
  const def = layerDef(layer.className);
  if (!def) throw new Error(`unknown layer ${layer.className}`);
  const cfg: Record<string, ParamValue> = withDefaults(def, layer.config);
  return { ...cfg, name };
}

/** The TF.js layer for one spec layer (a wrapper builds its wrapped layer under `innerName`). */
function makeLayer(layer: LayerSpec, args: LayerArgs, innerName: string | undefined): tf.layers.Layer {
  const factory = layerFactory(layer.className);
  if (!factory) throw new Error(`layer ${layer.className} is in the catalog but has no TF.js factory`);
  return factory(args, {
    wrapped: () => {
      if (!isBidirectional(layer) || innerName === undefined)
        throw new Error(`layer ${layer.className} wraps no layer`);
      return makeLayer(layer.layer, layerArgs(layer.layer, innerName), undefined);
    },
  });
}

/**
 * Builds the model described by `spec` (uncompiled: the training loop owns loss and optimizer), with every
 * eligible recurrent layer on the fused kernels (kernels/fused-rnn.ts); `recurrence` says which path each takes.
 * Weight initialisation draws from Math.random unless the caller seeded it (see seeded-random.ts).
 * @param analysis `spec`'s analysis when the caller has it (a run, an estimate: made where the spec entered).
 * @throws SpecError when the spec has any error-level issue.
 */
export function buildModel(
  spec: ModelSpec,
  analysis: ModelAnalysis = analyzeModel(spec),
): {
  model: tf.Sequential;
  analysis: ModelAnalysis;
  recurrence: RecurrencePath[];
} {
  if (!analysis.valid || !analysis.inputShape) throw new SpecError(analysis);
  const model = tf.sequential({ name: spec.name.replace(/[^A-Za-z0-9_.-]/g, '_') || 'model' });
  // TF.js warns about its orthogonal initializer on nearly every recurrent layer: said once, in our words (tf-warnings.ts).
  withTfWarningsTranslated(() =>
    spec.layers.forEach((layer, i) => {
      const name = analysis.layers[i]!.name;
      const first = i === 0 ? { batchInputShape: [null, ...analysis.inputShape!] } : {};
      const tfLayer = makeLayer(layer, { ...layerArgs(layer, name), ...first }, analysis.layers[i]!.innerName);
      model.add(tfLayer);
    }),
  );
  return { model, analysis, recurrence: accelerateModel(model) };
}

/**
 * Import of Keras models into our spec (and weights, where the file has them):
 * - a Keras 3 `.keras` file (config.json + model.weights.h5),
 * - Keras's `model.to_json()` (Keras 3 or Keras 2 format; architecture only),
 * - a TF.js layers-format `model.json` (with its weight files beside it when present).
 * Nothing from the file is executed: JSON is parsed as data, the ZIP is read with size limits, HDF5 is parsed in
 * WebAssembly. Layers outside our catalog (Lambda, Conv1D, …) are reported by name and the import is refused —
 * never silently dropped. Settings our engine cannot reproduce are refused the same way; settings that only matter
 * for training from scratch (regularizers, constraints) are dropped with a warning that names them.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { specialFileKind, specialFileMessage } from '../data/regular-file.js';
import { basename, extname, join } from 'node:path';
import { LAYER_CATALOG, layerDef } from '../../shared/layer-catalog.js';
import type { LayerDef } from '../../shared/layer-catalog.js';
import type {
  LayerSpec,
  LossName,
  MetricName,
  ModelSpec,
  OptimizerName,
  ParamValue,
  PlainLayerSpec,
  TrainingSpec,
} from '../../shared/model-spec.js';
import { SPEC_FORMAT, isBidirectional } from '../../shared/model-spec.js';
import { analyzeModel } from '../../shared/shape-inference.js';
import { LOSS_DEFS, LOSSES, OPTIMIZER_DEFS, OPTIMIZERS } from '../../shared/training-catalog.js';
import type { SpecIssue } from '../../shared/shape-inference.js';
import { readH5Vars, readKerasArchive } from './keras-file.js';
import { ACTIVATION_FROM_KERAS, INITIALIZER_FROM_KERAS, tfjsModelTopology, weightGroups } from './keras-format.js';
import type { NamedWeight } from './tfjs-artifacts.js';
import { checkModelJson, parseJsonText, readTfjsModel, writeTfjsModel } from './tfjs-artifacts.js';
import { inside } from './export.js';

/** Thrown when a file cannot be imported; the message names the file and, for layers, each layer at fault. */
export class ImportError extends Error {
  override name = 'ImportError';
}

export type ImportSource = 'keras' | 'keras-json' | 'tfjs';

export interface ImportResult {
  source: ImportSource;
  spec: ModelSpec;
  /** Problems our validation still finds in the imported spec (shown on the canvas like any other). */
  issues: SpecIssue[];
  /** Settings dropped or changed, one sentence each. */
  warnings: string[];
  /** The weights under our TF.js names, or null (architecture only, or weights that cannot be used). */
  weights: NamedWeight[] | null;
  /** Why there are no weights, when there are none. */
  weightsNote: string | null;
}

export const MAX_IMPORT_BYTES = 1536 * 1024 ** 2;
const MAX_JSON_BYTES = 64 * 1024 ** 2;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One source layer as converted, with the names its weights carry in the source. */
interface Converted {
  layer: LayerSpec;
  sourceName: string;
  sourceInner: string | null;
  className: string;
}

const SUPPORTED = LAYER_CATALOG.map((d) => d.className).join(', ');
/** "or" between the last two names: "SimpleRNN, LSTM or GRU". */
const orList = (names: readonly string[]): string =>
  names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
/** What each wrapper may wrap, e.g. "Bidirectional around SimpleRNN, LSTM or GRU". */
const WRAPPERS = LAYER_CATALOG.filter((d) => d.wraps)
  .map(
    (w) =>
      `${w.className} around ${orList(LAYER_CATALOG.filter((d) => d.category === w.wraps).map((d) => d.className))}`,
  )
  .join('; ');
const IGNORED_NULLS = [
  'kernel_regularizer',
  'recurrent_regularizer',
  'bias_regularizer',
  'activity_regularizer',
  'embeddings_regularizer',
  'kernel_constraint',
  'recurrent_constraint',
  'bias_constraint',
  'embeddings_constraint',
];

function layerClass(l: Obj): string {
  return typeof l['class_name'] === 'string' ? l['class_name'] : '?';
}

/** The class name of the layer a wrapper's config holds ("?" when it holds none). */
function wrappedClass(l: Obj): string {
  return isObj(l['config']) && isObj(l['config']['layer']) ? layerClass(l['config']['layer']) : '?';
}

function layerName(l: Obj, fallback: string): string {
  const c = isObj(l['config']) ? l['config'] : {};
  return typeof c['name'] === 'string' ? c['name'] : typeof l['name'] === 'string' ? l['name'] : fallback;
}

/** A Keras activation (string or serialised object) → ours. */
function activation(v: unknown, keras3: boolean, where: string, param: string): string {
  const name =
    typeof v === 'string'
      ? v
      : isObj(v) && typeof v['class_name'] === 'string'
        ? isObj(v['config']) && typeof v['config']['name'] === 'string'
          ? v['config']['name']
          : v['class_name']
        : 'linear';
  const ours = ACTIVATION_FROM_KERAS[name];
  if (!ours)
    throw new ImportError(
      `${where}: ${param}: expected one of ${Object.keys(ACTIVATION_FROM_KERAS).join(', ')}, received ${JSON.stringify(name)}.`,
    );
  if (ours === 'hardSigmoid' && keras3) {
    throw new ImportError(
      `${where}: ${param}: Keras 3's hard_sigmoid is clip(x/6 + 0.5) and TF.js's clip(0.2x + 0.5), so the model would not predict the same. Expected a different activation, received "hard_sigmoid".`,
    );
  }
  return ours;
}

function initializer(v: unknown, warnings: string[], where: string, param: string): string | undefined {
  const cls = typeof v === 'string' ? v : isObj(v) && typeof v['class_name'] === 'string' ? v['class_name'] : null;
  if (cls === null) return undefined;
  if (cls === 'VarianceScaling' && isObj(v) && isObj(v['config'])) {
    // TF.js writes glorot_uniform as VarianceScaling(scale 1, fan_avg, uniform).
    const c = v['config'];
    const known: Record<string, string> = {
      '1fan_avguniform': 'glorotUniform',
      '1fan_avgnormal': 'glorotNormal',
      '2fan_inuniform': 'heUniform',
      '2fan_innormal': 'heNormal',
      '1fan_inuniform': 'leCunUniform',
      '1fan_innormal': 'leCunNormal',
      '1fan_avgtruncated_normal': 'glorotNormal',
      '2fan_intruncated_normal': 'heNormal',
      '1fan_intruncated_normal': 'leCunNormal',
    };
    const hit = known[`${String(c['scale'])}${String(c['mode'])}${String(c['distribution'])}`];
    if (hit) return hit;
  }
  const ours = INITIALIZER_FROM_KERAS[cls];
  if (!ours)
    warnings.push(
      `${where}: ${param} ${JSON.stringify(cls)} is not offered here; the catalog default is used (it only matters when training from scratch).`,
    );
  return ours;
}

function num(c: Obj, key: string, where: string, opts: { int?: boolean } = {}): number {
  const v = c[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || (opts.int && !Number.isInteger(v)))
    throw new ImportError(
      `${where}: expected ${key} to be ${opts.int ? 'an integer' : 'a number'}, received ${JSON.stringify(v)}.`,
    );
  return v;
}

/** Converts one layer's Keras config with its catalog definition; refuses settings our engine cannot reproduce. */
function convertConfig(
  def: LayerDef,
  c: Obj,
  keras3: boolean,
  where: string,
  warnings: string[],
): Record<string, ParamValue> {
  const dropped = IGNORED_NULLS.filter((k) => c[k] !== undefined && c[k] !== null);
  if (dropped.length > 0)
    warnings.push(`${where}: ${dropped.join(', ')} dropped (not in the catalog; they only affect training).`);
  return def.fromKeras({
    keras3,
    config: c,
    number: (key, opts) => num(c, key, where, opts),
    activation: (key, fallback) => activation(c[key] ?? fallback, keras3, where, key),
    initializer: (key) => initializer(c[key], warnings, where, key),
    refuse: (what) => {
      throw new ImportError(`${where}: ${what}`);
    },
    warn: (what) => {
      warnings.push(`${where}: ${what}`);
    },
  });
}

/** Converts one plain (non-wrapper) layer config. */
function convertPlain(
  cls: string,
  c: Obj,
  keras3: boolean,
  where: string,
  warnings: string[],
): { layer: PlainLayerSpec } {
  const def = layerDef(cls);
  if (!def) throw new Error(`no conversion for ${cls}`);
  return { layer: { className: def.className, config: convertConfig(def, c, keras3, where, warnings) } };
}

/** The chain of layers of a Sequential or a linear Functional model, each with the shape info it carries. */
function layerList(model: Obj, label: string): { layers: Obj[]; modelClass: string } {
  const cls = layerClass(model);
  const config = isObj(model['config']) ? model['config'] : null;
  if (!config)
    throw new ImportError(
      `${label}: expected a Keras model config with "class_name" and "config", received ${JSON.stringify(Object.keys(model).slice(0, 6))}.`,
    );
  const layers = Array.isArray(config['layers']) ? config['layers'].filter(isObj) : null;
  if (!layers) throw new ImportError(`${label}: expected the model config to list its "layers".`);
  if (cls === 'Sequential') return { layers, modelClass: cls };
  if (cls === 'Functional' || cls === 'Model') {
    // Keras 3 writes the padding mask of Embedding(mask_zero=True) as an explicit `NotEqual(input, 0)` operation
    // feeding the next layer's `mask` argument: that is the mask our Embedding computes, so it is no layer of its own.
    const chain = layers.filter((l) => !isZeroMaskOp(l));
    const names = chain.map((l, i) => layerName(l, `layer_${i}`));
    // Layers outside the catalog are reported first, by name (specFromKerasConfig), whatever the wiring.
    if (chain.some((l) => layerClass(l) !== 'InputLayer' && !layerDef(layerClass(l))))
      return { layers: chain, modelClass: cls };
    chain.forEach((l, i) => {
      if (i === 0) return;
      const inbound = inboundNames(l);
      if (inbound.length !== 1 || inbound[0] !== names[i - 1]) {
        throw new ImportError(
          `${label}: layer "${names[i]}" takes its input from ${inbound.length ? inbound.map((n) => `"${n}"`).join(', ') : 'nothing'}; expected the layer before it ("${names[i - 1]}"). Only a single stack of layers (a Sequential model) can be imported.`,
        );
      }
    });
    return { layers: chain, modelClass: cls };
  }
  throw new ImportError(`${label}: expected a Sequential or Functional model, received ${JSON.stringify(cls)}.`);
}

/** Keras 3's `NotEqual(x, 0)` operation node: the padding mask of a mask_zero Embedding. */
function isZeroMaskOp(l: Obj): boolean {
  if (layerClass(l) !== 'NotEqual') return false;
  const nodes = l['inbound_nodes'];
  const args = Array.isArray(nodes) && isObj(nodes[0]) && Array.isArray(nodes[0]['args']) ? nodes[0]['args'] : null;
  return args !== null && args.length === 2 && args[1] === 0;
}

/**
 * Names of the layers feeding `l`'s inputs (Keras 3 `keras_history` in the node's args — a `mask` keyword is the
 * Embedding's own padding mask — and Keras 2's `[[name, 0, 0, {}]]` node format).
 */
function inboundNames(l: Obj): string[] {
  const nodes = l['inbound_nodes'];
  if (!Array.isArray(nodes) || nodes.length === 0) return [];
  if (nodes.length > 1) return ['(shared layer)', '(shared layer)'];
  const found: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) {
      if (typeof v[0] === 'string' && typeof v[1] === 'number' && typeof v[2] === 'number') found.push(v[0]);
      else v.forEach(walk);
    } else if (isObj(v)) {
      if (Array.isArray(v['keras_history']) && typeof v['keras_history'][0] === 'string')
        found.push(v['keras_history'][0]);
      else Object.values(v).forEach(walk);
    }
  };
  const node = nodes[0];
  walk(isObj(node) && Array.isArray(node['args']) ? node['args'] : node);
  return found;
}

function shapeOf(v: unknown): (number | null)[] | null {
  return Array.isArray(v) && v.every((d) => d === null || typeof d === 'number') ? (v as (number | null)[]) : null;
}

/** Keras loss names (and class names, and short aliases) → ours. */
const LOSS_FROM_KERAS = new Map<string, LossName>(
  LOSSES.flatMap((ours) => [LOSS_DEFS[ours].keras, ...LOSS_DEFS[ours].kerasAliases].map((k) => [k, ours] as const)),
);
/** Keras optimizer class names, and the lower-case strings Keras also accepts, → ours. */
const OPTIMIZER_FROM_KERAS = new Map<string, OptimizerName>(
  OPTIMIZERS.flatMap(
    (ours) =>
      [
        [OPTIMIZER_DEFS[ours].kerasClass, ours],
        [ours, ours],
      ] as const,
  ),
);

function trainingFrom(compile: unknown, warnings: string[]): TrainingSpec | undefined {
  if (!isObj(compile)) return undefined;
  const t: TrainingSpec = {};
  const lossRaw = compile['loss'];
  const lossName =
    typeof lossRaw === 'string'
      ? lossRaw
      : isObj(lossRaw) && typeof lossRaw['class_name'] === 'string'
        ? lossRaw['class_name']
        : null;
  if (lossName) {
    const loss = LOSS_FROM_KERAS.get(lossName);
    if (loss) t.loss = loss;
    else warnings.push(`compile: loss ${JSON.stringify(lossName)} is not offered; choose one in Training.`);
  }
  const opt = compile['optimizer'];
  const optName =
    typeof opt === 'string' ? opt : isObj(opt) && typeof opt['class_name'] === 'string' ? opt['class_name'] : null;
  if (optName) {
    const o = OPTIMIZER_FROM_KERAS.get(optName);
    if (o) t.optimizer = o;
    else warnings.push(`compile: optimizer ${JSON.stringify(optName)} is not offered; rmsprop is used.`);
    const oc = isObj(opt) && isObj(opt['config']) ? opt['config'] : {};
    if (typeof oc['learning_rate'] === 'number') t.learningRate = Number(oc['learning_rate'].toPrecision(7));
    if (typeof oc['clipnorm'] === 'number') t.clipnorm = oc['clipnorm'];
  }
  const metrics = Array.isArray(compile['metrics']) ? compile['metrics'].flat() : [];
  const ours = metrics
    .map((m) =>
      m === 'accuracy' || m === 'acc' ? 'accuracy' : m === 'mae' || m === 'mean_absolute_error' ? 'mae' : null,
    )
    .filter((m): m is MetricName => m !== null);
  if (ours.length > 0) t.metrics = ours;
  return t;
}

/** Converts a Keras model config (Keras 3 or 2 / TF.js `modelTopology`) into our spec. */
export function specFromKerasConfig(
  root: unknown,
  label: string,
  name: string,
): { spec: ModelSpec; converted: Converted[]; warnings: string[] } {
  let model: unknown = root;
  // TF.js / converter topologies may wrap the model as {model_config: {...}, training_config}.
  if (isObj(model) && isObj(model['model_config'])) model = model['model_config'];
  if (!isObj(model))
    throw new ImportError(
      `${label}: expected a Keras model config (an object), received ${Array.isArray(model) ? 'a list' : typeof model}.`,
    );
  const keras3 =
    typeof model['module'] === 'string' ||
    isObj(model['build_config']) ||
    (isObj(model['config']) &&
      Array.isArray(model['config']['layers']) &&
      model['config']['layers'].some((l) => isObj(l) && typeof l['module'] === 'string'));
  const { layers } = layerList(model, label);
  const warnings: string[] = [];
  let inputShape: (number | null)[] | null = null;
  let inputDtype: string | null = null;
  const body: { l: Obj; index: number }[] = [];
  layers.forEach((l, index) => {
    const c = isObj(l['config']) ? l['config'] : {};
    if (layerClass(l) === 'InputLayer') {
      inputShape = shapeOf(c['batch_shape']) ?? shapeOf(c['batch_input_shape']);
      inputDtype = typeof c['dtype'] === 'string' ? c['dtype'] : null;
      return;
    }
    if (inputShape === null && body.length === 0)
      inputShape = shapeOf(c['batch_input_shape']) ?? shapeOf(c['batch_shape']);
    body.push({ l, index });
  });
  if (inputShape === null && isObj(model['build_config'])) inputShape = shapeOf(model['build_config']['input_shape']);
  // Every layer outside the catalog, by name: the import is refused rather than dropping any.
  const unknown = body.filter(({ l }) => {
    const def = layerDef(layerClass(l));
    if (!def) return true;
    // A wrapper is known only around a layer it may wrap.
    return def.wraps !== undefined && layerDef(wrappedClass(l))?.category !== def.wraps;
  });
  if (unknown.length > 0) {
    const list = unknown.map(({ l, index }) => {
      const cls = layerClass(l);
      const inner =
        layerDef(cls)?.wraps && isObj(l['config']) && isObj(l['config']['layer']) ? `(${wrappedClass(l)})` : '';
      return `"${layerName(l, `layer_${index}`)}" (${cls}${inner})`;
    });
    throw new ImportError(
      `${label}: ${unknown.length === 1 ? 'this layer is' : 'these layers are'} outside RNN Studio's catalog: ${list.join(', ')}. Expected only ${SUPPORTED} (${WRAPPERS}). Nothing was imported.`,
    );
  }
  if (body.length === 0) throw new ImportError(`${label}: expected at least one layer, received none.`);
  const converted: Converted[] = body.map(({ l, index }, i) => {
    const cls = layerClass(l);
    const c = isObj(l['config']) ? l['config'] : {};
    const sourceName = layerName(l, `layer_${index}`);
    const where = `${label}: layer ${i + 1} ("${sourceName}", ${cls})`;
    const def = layerDef(cls)!;
    if (def.wraps) {
      const innerObj = c['layer'] as Obj;
      const innerCfg = isObj(innerObj['config']) ? innerObj['config'] : {};
      const config = convertConfig(def, c, keras3, where, warnings);
      const { layer } = convertPlain(
        layerClass(innerObj),
        { ...innerCfg, go_backwards: false },
        keras3,
        where,
        warnings,
      );
      const backward =
        isObj(c['backward_layer']) && isObj(c['backward_layer']['config']) ? c['backward_layer']['config'] : null;
      if (backward && backward['units'] !== innerCfg['units'])
        throw new ImportError(
          `${where}: expected the backward layer to mirror the forward one, received a different backward_layer.`,
        );
      const innerName = layerName(innerObj, 'rnn');
      return {
        layer: { className: def.className, config, layer } as LayerSpec,
        sourceName,
        sourceInner: innerName.replace(/^forward_/, ''),
        className: cls,
      };
    }
    const { layer } = convertPlain(cls, c, keras3, where, warnings);
    return { layer, sourceName, sourceInner: null, className: cls };
  });
  const first = converted[0]!.layer;
  const shape = inputShape as (number | null)[] | null;
  let input: ModelSpec['input'];
  if (layerDef(first.className)?.category === 'embedding') {
    const length = shape?.[1];
    if (typeof length !== 'number')
      throw new ImportError(
        `${label}: expected a fixed sequence length for the Embedding input (e.g. keras.Input(shape=(100,))), received ${shape ? `shape ${JSON.stringify(shape)}` : 'no input shape'}.`,
      );
    input = { kind: 'tokens', vocabSize: Number((first as PlainLayerSpec).config?.['inputDim']), length };
  } else {
    const [, timesteps, features] = shape ?? [];
    if (typeof timesteps !== 'number' || typeof features !== 'number' || (shape?.length ?? 0) !== 3) {
      throw new ImportError(
        `${label}: expected an input shape (None, timesteps, features) with fixed sizes, received ${shape ? JSON.stringify(shape).replace(/null/g, 'None') : 'none'}.`,
      );
    }
    input = { kind: 'floats', timesteps, features };
  }
  if (inputDtype && /int/.test(inputDtype) && input.kind === 'floats')
    warnings.push(`${label}: the input is declared ${inputDtype}; it is imported as float sequences.`);
  const training = trainingFrom(
    model['compile_config'] ?? (isObj(root) ? (root as Obj)['training_config'] : undefined),
    warnings,
  );
  const spec: ModelSpec = {
    format: SPEC_FORMAT,
    name: name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 80) || 'imported',
    description: `Imported from ${label}.`,
    input,
    layers: converted.map((c) => c.layer),
    ...(training
      ? {
          training: inferLoss(
            training,
            converted.map((c) => c.layer),
          ),
        }
      : {
          training: inferLoss(
            {},
            converted.map((c) => c.layer),
          ),
        }),
  };
  return { spec, converted, warnings };
}

/** A loss that fits the output layer when the file names none: sigmoid → binary, softmax → sparse categorical. */
function inferLoss(t: TrainingSpec, layers: LayerSpec[]): TrainingSpec {
  if (t.loss) return t;
  const last = layers[layers.length - 1];
  const act = last && !isBidirectional(last) ? last.config?.['activation'] : undefined;
  const loss: LossName =
    act === 'sigmoid' ? 'binaryCrossentropy' : act === 'softmax' ? 'sparseCategoricalCrossentropy' : 'meanSquaredError';
  return { ...t, loss };
}

/** Maps source weights onto our TF.js names, group by group, checking shapes. */
function mapWeights(
  spec: ModelSpec,
  converted: Converted[],
  take: (
    c: Converted,
    direction: 'forward' | 'backward' | null,
    count: number,
    label: string,
  ) => { shape: number[]; data: Float32Array }[] | null,
): NamedWeight[] | string {
  const out: NamedWeight[] = [];
  for (const g of weightGroups(spec)) {
    const c = converted[g.layerIndex]!;
    const direction = g.h5Path.includes('/forward_layer/')
      ? 'forward'
      : g.h5Path.includes('/backward_layer/')
        ? 'backward'
        : null;
    const label = `layer "${c.sourceName}"${direction ? ` (${direction})` : ''}`;
    const vars = take(c, direction, g.tfjsNames.length, label);
    if (vars === null) return `${label}: its weights are missing from the file.`;
    if (vars.length !== g.tfjsNames.length)
      return `${label}: expected ${g.tfjsNames.length} weight arrays, received ${vars.length}.`;
    for (let i = 0; i < vars.length; i++) {
      const want = g.shapes[i]!;
      const got = vars[i]!.shape;
      if (want.length !== got.length || want.some((d, k) => d !== got[k]))
        return `${label}: weight ${g.tfjsNames[i]!.split('/').pop()}: expected shape [${want.join(', ')}], received [${got.join(', ')}].`;
      out.push({ name: g.tfjsNames[i]!, shape: want, data: vars[i]!.data });
    }
  }
  return out;
}

function finish(
  source: ImportSource,
  spec: ModelSpec,
  warnings: string[],
  weights: NamedWeight[] | null,
  weightsNote: string | null,
): ImportResult {
  const analysis = analyzeModel(spec);
  return { source, spec, issues: analysis.issues, warnings, weights, weightsNote };
}

/** Imports a `.keras` file's bytes. */
export async function importKerasArchive(bytes: Uint8Array, label: string): Promise<ImportResult> {
  let archive;
  try {
    archive = readKerasArchive(bytes, label);
  } catch (e) {
    throw new ImportError((e as Error).message);
  }
  const { spec, converted, warnings } = specFromKerasConfig(archive.config, label, basename(label, extname(label)));
  if (!archive.weightsH5) return finish('keras', spec, warnings, null, 'the file has no model.weights.h5');
  if (!analyzeModel(spec).valid)
    return finish(
      'keras',
      spec,
      warnings,
      null,
      'the imported model has errors (see the issues), so its weights were not mapped',
    );
  const groups = weightGroups(spec);
  let h5: Awaited<ReturnType<typeof readH5Vars>>;
  try {
    h5 = await readH5Vars(
      archive.weightsH5,
      groups.map((g) => g.h5Path),
      `model.weights.h5 in ${label}`,
    );
  } catch (e) {
    throw new ImportError((e as Error).message);
  }
  const byPath = new Map(
    groups.map((g) => [
      `${g.layerIndex}:${g.h5Path.includes('/forward_layer/') ? 'forward' : g.h5Path.includes('/backward_layer/') ? 'backward' : ''}`,
      g.h5Path,
    ]),
  );
  const mapped = mapWeights(spec, converted, (c, direction) => {
    const idx = converted.indexOf(c);
    return h5.get(byPath.get(`${idx}:${direction ?? ''}`)!) ?? null;
  });
  if (typeof mapped === 'string') throw new ImportError(`${label}: ${mapped}`);
  return finish('keras', spec, warnings, mapped, null);
}

/** Imports a TF.js `model.json` (weights from the files beside it when they are there). */
export function importTfjsModel(path: string, json: unknown): ImportResult {
  const label = basename(path);
  const checked = checkModelJson(json, label);
  const { spec, converted, warnings } = specFromKerasConfig(
    checked.modelTopology,
    label,
    basename(join(path, '..')) || 'imported',
  );
  const paths = checked.weightsManifest.flatMap((g) => g.paths);
  if (paths.length === 0) return finish('tfjs', spec, warnings, null, 'model.json lists no weight files');
  if (!analyzeModel(spec).valid)
    return finish(
      'tfjs',
      spec,
      warnings,
      null,
      'the imported model has errors (see the issues), so its weights were not mapped',
    );
  let weights: NamedWeight[];
  try {
    weights = readTfjsModel(path).weights;
  } catch (e) {
    return finish(
      'tfjs',
      spec,
      warnings,
      null,
      `its weights could not be read: ${(e as Error).message.replace(/\.$/, '')}`,
    );
  }
  const mapped = mapWeights(spec, converted, (c, direction, count) => {
    const prefix = direction ? `${c.sourceName}/${direction}_` : `${c.sourceName}/`;
    const found = weights.filter((w) => w.name.startsWith(prefix));
    return found.length === 0 && count > 0 ? null : found;
  });
  if (typeof mapped === 'string') throw new ImportError(`${label}: ${mapped}`);
  return finish('tfjs', spec, warnings, mapped, null);
}

/** Imports a file: a `.keras` archive, a TF.js `model.json`, or a Keras `model.to_json()` file. */
export async function importModelFile(path: string): Promise<ImportResult> {
  const label = basename(path);
  let size: number;
  try {
    const stats = statSync(path);
    const special = specialFileKind(stats);
    if (special) throw new ImportError(`${label}: ${specialFileMessage(path, special)}`);
    size = stats.size;
  } catch (e) {
    if (e instanceof ImportError) throw e;
    throw new ImportError(`${path}: no such file.`);
  }
  if (size > MAX_IMPORT_BYTES)
    throw new ImportError(`${label}: expected at most ${MAX_IMPORT_BYTES} bytes, received ${size}.`);
  const head = Buffer.alloc(8);
  const bytes = readFileSync(path);
  bytes.copy(head, 0, 0, 8);
  if (head[0] === 0x50 && head[1] === 0x4b) return importKerasArchive(bytes, label);
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    throw new ImportError(
      `${label}: expected a .keras file, a model.to_json() file or a TF.js model.json, received a legacy Keras HDF5 (.h5) model. In Keras, save it with model.save("model.keras").`,
    );
  }
  if (size > MAX_JSON_BYTES)
    throw new ImportError(
      `${label}: a JSON model file of ${size} bytes is larger than the ${MAX_JSON_BYTES} accepted.`,
    );
  const json = parseJsonText(bytes.toString('utf8'), label);
  return importJson(path, json);
}

/** Imports parsed JSON: TF.js `model.json` (has modelTopology) or a Keras `to_json()` config. */
export function importJson(path: string, json: unknown): ImportResult {
  const label = basename(path);
  if (isObj(json) && 'modelTopology' in json) return importTfjsModel(path, json);
  if (isObj(json) && typeof json['class_name'] === 'string') {
    const { spec, warnings } = specFromKerasConfig(json, label, basename(label, extname(label)));
    return finish('keras-json', spec, warnings, null, 'model.to_json() holds the architecture only');
  }
  throw new ImportError(
    `${label}: expected a .keras file, a Keras model.to_json() file or a TF.js model.json, received JSON with keys ${isObj(json) ? Object.keys(json).slice(0, 8).join(', ') : typeof json}.`,
  );
}

/** Writes an import's result into `outDir`: `spec.json`, and `model/` (TF.js layers format) when it has weights. */
export function writeImport(result: ImportResult, outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const specFile = inside(outDir, 'spec.json');
  writeFileSync(specFile, `${JSON.stringify(result.spec, null, 2)}\n`);
  const files = [specFile];
  if (result.weights)
    files.push(...writeTfjsModel(inside(outDir, 'model'), tfjsModelTopology(result.spec), result.weights));
  return files;
}

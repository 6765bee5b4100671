/**
 * Shape inference, parameter counts and validation of a ModelSpec — pure, so the canvas can show shapes and
 * errors on every keystroke and the engine refuses the same specs before TensorFlow sees them.
 * Messages follow Keras: what was expected, what was received, naming the layer.
 */
import { LAYER_CATALOG, layerDef, withDefaults, MAX_UNITS, MAX_VOCAB, TOKEN_LAYER_CLASS } from './layer-catalog.js';
import type { Inferred, LayerCategory, LayerDef, ParamDef, Shape } from './layer-catalog.js';
import { SPEC_FORMAT, isBidirectional, resolveTraining } from './model-spec.js';
import { LOSSES, MONITORS, OPTIMIZERS, TRAINING_RANGES } from './training-catalog.js';
import { estimateTrainingMemory, KERNEL_MEMORY_BYTES, memoryIssues } from './memory-estimate.js';
import type { LayerSpec, ModelSpec, ParamValue, InputSpec } from './model-spec.js';
import type { LayerInfo, SpecIssue } from './analysis-types.js';

export type { LayerInfo, SpecIssue } from './analysis-types.js';

export interface ModelAnalysis {
  layers: LayerInfo[];
  inputShape: Shape | null;
  outputShape: Shape | null;
  totalParams: number;
  issues: SpecIssue[];
  /** True when no issue has severity "error". */
  valid: boolean;
}

/**
 * A spec with its analysis, made once where the spec enters (the API, the CLI) and handed along to the worker, the
 * estimate and the model builder, so that nothing downstream analyses the same spec again.
 */
export interface CheckedSpec {
  spec: ModelSpec;
  analysis: ModelAnalysis;
}

export function checkSpec(spec: ModelSpec): CheckedSpec {
  return { spec, analysis: analyzeModel(spec) };
}

/** Formats a per-sample shape the way Keras prints it, with the batch dimension: (None, 100, 32). */
export function formatShape(shape: Shape | null): string {
  if (!shape) return '?';
  return `(None, ${shape.join(', ')})`;
}

function fmt(v: unknown): string {
  if (typeof v === 'string') return `"${v}"`;
  try {
    return String(v);
  } catch {
    // JSON such as {"toString": {}} has no usable string form: String() throws on it. Name the type instead.
    return Array.isArray(v) ? 'a list' : 'an object';
  }
}

/** Checks one config value against its catalog definition; returns a Keras-style message or null. */
export function checkParam(def: ParamDef, value: ParamValue | undefined): string | null {
  const got = `Received: ${def.name}=${fmt(value)}.`;
  if (value === undefined) return null;
  if (value === null) return def.nullable ? null : `\`${def.name}\` must not be null. ${got}`;
  switch (def.kind) {
    case 'int':
    case 'float': {
      const isInt = def.kind === 'int';
      if (typeof value !== 'number' || !Number.isFinite(value) || (isInt && !Number.isInteger(value))) {
        return `\`${def.name}\` must be ${isInt ? 'an integer' : 'a number'}. ${got}`;
      }
      const lo = def.min;
      const hi = def.max;
      const rangeText = `${lo ?? '-inf'}, ${hi ?? 'inf'}${def.maxExclusive ? ')' : ']'}`;
      if ((lo !== undefined && value < lo) || (hi !== undefined && (def.maxExclusive ? value >= hi : value > hi))) {
        if (isInt && lo === 1 && hi !== undefined && value < 1)
          return `\`${def.name}\` must be a positive integer. ${got}`;
        return `\`${def.name}\` must be ${isInt ? 'an integer' : 'a number'} in [${rangeText}. ${got}`;
      }
      return null;
    }
    case 'bool':
      return typeof value === 'boolean' ? null : `\`${def.name}\` must be true or false. ${got}`;
    case 'enum':
      return typeof value === 'string' && def.options?.includes(value)
        ? null
        : `\`${def.name}\` must be one of ${def.options?.map((o) => `"${o}"`).join(', ')}. ${got}`;
    case 'string':
      return typeof value === 'string' ? null : `\`${def.name}\` must be a string. ${got}`;
    default: {
      const never: never = def.kind;
      throw new Error(`unknown param kind ${String(never)}`);
    }
  }
}

/** Layers that consume a sequence and may collapse it (recurrent ones, and wrappers around them). */
const SEQUENCE_CATEGORIES: readonly LayerCategory[] = ['recurrent', 'wrapper'];

interface Ctx {
  issues: SpecIssue[];
  index: number;
  path: string;
  name: string;
}

/** Validates a layer's config against the catalog; returns the config with defaults, or null when unusable. */
function checkConfig(
  def: LayerDef,
  spec: LayerSpec | { className: string; config?: Record<string, ParamValue> },
  ctx: Ctx,
): Record<string, ParamValue> | null {
  const raw = (spec.config ?? {}) as Record<string, ParamValue>;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    ctx.issues.push({
      layerIndex: ctx.index,
      path: `${ctx.path}.config`,
      severity: 'error',
      message: `Layer "${ctx.name}" (${def.className}): config must be an object. Received: ${JSON.stringify(raw)}.`,
    });
    return null;
  }
  let ok = true;
  const known = new Set(def.params.map((p) => p.name));
  for (const key of Object.keys(raw)) {
    if (key === 'name') continue;
    if (def.wraps && key === 'layer') continue;
    if (!known.has(key)) {
      ok = false;
      ctx.issues.push({
        layerIndex: ctx.index,
        path: `${ctx.path}.config.${key}`,
        severity: 'error',
        message: `Layer "${ctx.name}" (${def.className}): unknown parameter \`${key}\`. Expected one of: ${[...known].join(', ') || '(none)'}.`,
      });
    }
  }
  for (const p of def.params) {
    const problem = checkParam(p, raw[p.name]);
    if (problem) {
      ok = false;
      ctx.issues.push({
        layerIndex: ctx.index,
        path: `${ctx.path}.config.${p.name}`,
        severity: 'error',
        message: `Layer "${ctx.name}" (${def.className}): ${problem}`,
      });
    }
  }
  for (const key of ['activation', 'recurrentActivation']) {
    if (raw[key] !== 'hardSigmoid') continue;
    // Said where the user chooses it, not first at export (keras-format.ts refuses it for a Keras 3 file).
    ctx.issues.push({
      layerIndex: ctx.index,
      path: `${ctx.path}.config.${key}`,
      severity: 'warning',
      message: `Layer "${ctx.name}" (${def.className}): ${key}="hardSigmoid" trains as TF.js's and Keras 2's clip(0.2·x + 0.5, 0, 1); Keras 3's hard_sigmoid is clip(x/6 + 0.5, 0, 1), so this model cannot be exported as a Keras 3 .keras file that predicts the same. Use sigmoid to keep Keras 3 parity.`,
    });
  }
  return ok ? withDefaults(def, raw) : null;
}

function inputShapeOf(input: InputSpec): Shape {
  return input.kind === 'tokens' ? [input.length] : [input.timesteps, input.features];
}

function checkInput(spec: ModelSpec, issues: SpecIssue[]): Shape | null {
  const input = spec.input as InputSpec | undefined;
  const bad = (path: string, message: string) => issues.push({ layerIndex: null, path, severity: 'error', message });
  if (!input || typeof input !== 'object') {
    bad(
      'input',
      'The spec needs an `input`: {"kind": "tokens", "vocabSize", "length"} or {"kind": "floats", "timesteps", "features"}. Received: none.',
    );
    return null;
  }
  const posInt = (key: string, v: unknown, max: number) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
      bad(`input.${key}`, `\`input.${key}\` must be an integer in [1, ${max}]. Received: ${key}=${fmt(v)}.`);
      return false;
    }
    return true;
  };
  if (input.kind === 'tokens') {
    return posInt('vocabSize', input.vocabSize, MAX_VOCAB) && posInt('length', input.length, 100_000)
      ? inputShapeOf(input)
      : null;
  }
  if (input.kind === 'floats') {
    return posInt('timesteps', input.timesteps, 100_000) && posInt('features', input.features, MAX_UNITS)
      ? inputShapeOf(input)
      : null;
  }
  bad(
    'input.kind',
    `\`input.kind\` must be "tokens" or "floats". Received: kind=${fmt((input as { kind?: unknown }).kind)}.`,
  );
  return null;
}

/** Keras's automatic layer names: the first LSTM is "lstm", the next "lstm_1", … */
function makeNamer() {
  const counts = new Map<string, number>();
  return (prefix: string): string => {
    const n = counts.get(prefix) ?? 0;
    counts.set(prefix, n + 1);
    return n === 0 ? prefix : `${prefix}_${n}`;
  };
}

/**
 * Infers every layer's output shape and parameter count and collects every problem in the spec.
 * Never throws on malformed input: everything wrong becomes a SpecIssue.
 */
/** How deep a spec's objects and lists may nest (a real one nests about 6). */
export const MAX_SPEC_DEPTH = 64;

/** The nesting depth of a JSON value, counted iteratively and given up past `limit` (returns limit + 1 then). */
export function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d + 1 > limit) return limit + 1;
    deepest = Math.max(deepest, d + 1);
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
  }
  return deepest;
}

export function analyzeModel(spec: ModelSpec): ModelAnalysis {
  const issues: SpecIssue[] = [];
  const layers: LayerInfo[] = [];
  if (spec === null || typeof spec !== 'object') {
    issues.push({
      layerIndex: null,
      path: '',
      severity: 'error',
      message: `A model spec must be a JSON object. Received: ${fmt(spec)}.`,
    });
    return { layers, inputShape: null, outputShape: null, totalParams: 0, issues, valid: false };
  }
  // Measured without recursion: a spec nested millions of levels deep passed validation, then overflowed the stack of
  // whatever walked it next (copying it to the training worker).
  const depth = nestingDepth(spec, MAX_SPEC_DEPTH);
  if (depth > MAX_SPEC_DEPTH) {
    issues.push({
      layerIndex: null,
      path: '',
      severity: 'error',
      message: `A model spec nests at most ${MAX_SPEC_DEPTH} levels of objects and lists. Received: more than ${MAX_SPEC_DEPTH}.`,
    });
    return { layers, inputShape: null, outputShape: null, totalParams: 0, issues, valid: false };
  }
  if (spec.format !== SPEC_FORMAT) {
    issues.push({
      layerIndex: null,
      path: 'format',
      severity: 'error',
      message: `Unsupported spec format. Expected: "format": ${SPEC_FORMAT}. Received: format=${fmt(spec.format)}.`,
    });
  }
  const inputShape = checkInput(spec, issues);
  const specLayers = Array.isArray(spec.layers) ? spec.layers : [];
  if (!Array.isArray(spec.layers)) {
    issues.push({
      layerIndex: null,
      path: 'layers',
      severity: 'error',
      message: `\`layers\` must be a list of layers. Received: ${fmt(spec.layers)}.`,
    });
  } else if (specLayers.length === 0) {
    issues.push({
      layerIndex: null,
      path: 'layers',
      severity: 'error',
      message: 'The model has no layers. Add at least one layer (e.g. an LSTM and a Dense output).',
    });
  }

  const nextName = makeNamer();
  const names = new Set<string>();
  let shape: Shape | null = inputShape;
  // Which recurrent layer last collapsed the sequence, so the message can say where to set returnSequences.
  let lastCollapsedBy: string | null = null;
  let lastWasPooling = false;

  specLayers.forEach((layer: LayerSpec, index: number) => {
    const path = `layers.${index}`;
    const className = layer && typeof layer === 'object' ? layer.className : undefined;
    const def = typeof className === 'string' ? layerDef(className) : undefined;
    if (!def) {
      issues.push({
        layerIndex: index,
        path: `${path}.className`,
        severity: 'error',
        message: `Unknown layer class ${fmt(className)} at position ${index + 1}. Expected one of: ${LAYER_CATALOG.map((d) => d.className).join(', ')}.`,
      });
      layers.push({
        index,
        name: `layer_${index}`,
        className: String(className),
        label: String(className),
        inputShape: shape,
        outputShape: null,
        params: 0,
      });
      shape = null;
      return;
    }
    const given = layer.config?.name;
    const name = typeof given === 'string' && given.length > 0 ? given : nextName(def.namePrefix);
    if (names.has(name)) {
      issues.push({
        layerIndex: index,
        path: `${path}.config.name`,
        severity: 'error',
        message: `Layer names must be unique. Received a second layer named "${name}".`,
      });
    }
    names.add(name);
    const ctx: Ctx = { issues, index, path, name };
    const config = checkConfig(def, layer, ctx);
    const info: LayerInfo = {
      index,
      name,
      className: def.className,
      label: def.className,
      inputShape: shape,
      outputShape: null,
      params: 0,
    };
    layers.push(info);
    const err = (message: string, field = '') =>
      issues.push({ layerIndex: index, path: field ? `${path}.${field}` : path, severity: 'error', message });

    // Token ids only make sense to the token layer (the Embedding), and only it takes token ids.
    const takesTokens = def.category === 'embedding';
    if (index === 0 && spec.input?.kind === 'tokens' && !takesTokens) {
      err(
        `Token input needs an ${TOKEN_LAYER_CLASS} as the first layer to turn ids into vectors. Received: ${def.className} first.`,
        'className',
      );
      shape = null;
      return;
    }
    if (takesTokens && (index !== 0 || spec.input?.kind !== 'tokens')) {
      err(
        index !== 0
          ? `${def.className} must be the first layer: it takes token ids. Received: ${def.className} at position ${index + 1}.`
          : `${def.className} takes token ids, but the input is float sequences ${formatShape(shape)}. Use "kind": "tokens" input or remove the ${def.className}.`,
        'className',
      );
      shape = null;
      return;
    }
    if (!shape || !config) {
      shape = null;
      return;
    }
    const input: Shape = shape;

    const result: Inferred | null = def.infer({
      input,
      config,
      name,
      modelInput: spec.input,
      error: err,
      rankError: (expected) =>
        `Input 0 of layer "${name}" is incompatible with the layer: expected ndim=${expected}, found ndim=${input.length + 1}. Full shape received: ${formatShape(input)}.`,
      sequenceHint: () =>
        lastCollapsedBy
          ? ` Set returnSequences: true on "${lastCollapsedBy}" so it passes the whole sequence on.`
          : lastWasPooling
            ? ' Remove the pooling/Flatten layer before it: a recurrent layer needs (timesteps, features).'
            : '',
      wrapped: () => {
        const inner = isBidirectional(layer) ? layer.layer : undefined;
        const innerDef = inner && typeof inner === 'object' ? layerDef(inner.className) : undefined;
        if (!inner || !innerDef || innerDef.category !== def.wraps) {
          const allowed = LAYER_CATALOG.filter((d) => d.category === def.wraps).map((d) => d.className);
          err(
            `Layer "${name}" (${def.className}) must wrap one of ${allowed.join(', ')}. Received: ${fmt(inner?.className ?? 'nothing')}.`,
            'layer',
          );
          return null;
        }
        const innerName = typeof inner.config?.name === 'string' ? inner.config.name : nextName(innerDef.namePrefix);
        const innerConfig = checkConfig(innerDef, inner, { ...ctx, path: `${path}.layer`, name: innerName });
        if (!innerConfig) return null;
        info.label = `${def.className}(${innerDef.className})`;
        info.innerName = innerName;
        return { def: innerDef, config: innerConfig, name: innerName };
      },
    });
    const out = result?.out ?? null;
    // Which sequence layer last collapsed the sequence, so a later message can say where to set returnSequences.
    if (out && SEQUENCE_CATEGORIES.includes(def.category)) lastCollapsedBy = out.length < input.length ? name : null;
    lastWasPooling = def.category === 'reshape';
    info.outputShape = out;
    info.params = result ? result.params : 0;
    shape = out;
  });

  const outputShape =
    layers.length > 0 && layers.every((l) => l.outputShape) ? layers[layers.length - 1]!.outputShape : null;
  if (outputShape && outputShape.length !== 1) {
    const last = layers[layers.length - 1]!;
    issues.push({
      layerIndex: last.index,
      path: `layers.${last.index}`,
      severity: 'error',
      message:
        `The model must output one vector per sample, 2-D (None, units), but "${last.name}" outputs ${formatShape(outputShape)}. ` +
        (lastCollapsedBy === null &&
        layers.some((l) => SEQUENCE_CATEGORIES.includes(layerDef(l.className)?.category as LayerCategory))
          ? 'Set returnSequences: false on the last recurrent layer, or add GlobalAveragePooling1D or Flatten before the Dense output.'
          : 'Add GlobalAveragePooling1D or Flatten before the Dense output.'),
    });
  }
  if (outputShape && outputShape.length === 1)
    checkOutputAgainstLoss(spec, layers[layers.length - 1]!, specLayers, issues);
  checkTraining(spec, issues);
  checkData(spec, issues);
  // A recurrent layer whose fused-kernel memory exceeds WebAssembly's 4 GiB even at the fewest slices can never train
  // at this batch size and length: said on its node while it is edited. The fewest slices are the WebAssembly
  // kernels' on one thread, the layout every platform can run (the native provider lays out less for layers past
  // 2 MiB of recurrent weights, kernelParts: near the ceiling this errs towards refusing). The machine's own memory
  // and the provider that will run are the engine's check (main/training/memory.ts), which knows them.
  if (!issues.some((i) => i.path.startsWith('training.'))) {
    const memory = estimateTrainingMemory(spec, layers, { hiddenNorms: false });
    if (memory) issues.push(...memoryIssues(memory, { kernelBytes: KERNEL_MEMORY_BYTES }));
  }

  const totalParams = layers.reduce((s, l) => s + l.params, 0);
  return { layers, inputShape, outputShape, totalParams, issues, valid: !issues.some((i) => i.severity === 'error') };
}

/** The loss decides what the last layer must output: binary crossentropy needs one sigmoid unit, and so on. */
function checkOutputAgainstLoss(spec: ModelSpec, last: LayerInfo, specLayers: LayerSpec[], issues: SpecIssue[]): void {
  let loss: string;
  try {
    loss = resolveTraining(spec).loss;
  } catch {
    return;
  }
  const lastSpec = specLayers[last.index];
  const activation =
    lastSpec && layerDef(lastSpec.className)?.activationIsOutput
      ? String((lastSpec.config as Record<string, ParamValue> | undefined)?.['activation'] ?? 'linear')
      : null;
  const units = last.outputShape?.[0];
  const push = (message: string) =>
    issues.push({ layerIndex: last.index, path: `layers.${last.index}`, severity: 'error', message });
  if (loss === 'binaryCrossentropy' && (units !== 1 || activation !== 'sigmoid')) {
    push(
      `binaryCrossentropy expects the last layer to output one probability: Dense(units=1, activation="sigmoid"). Received: "${last.name}" with ${units} unit(s)${activation ? `, activation="${activation}"` : ''}.`,
    );
  } else if (loss === 'sparseCategoricalCrossentropy' && (activation !== 'softmax' || (units ?? 0) < 2)) {
    push(
      `sparseCategoricalCrossentropy expects the last layer to output class probabilities: Dense(units=<number of classes>, activation="softmax"). Received: "${last.name}" with ${units} unit(s)${activation ? `, activation="${activation}"` : ''}.`,
    );
  } else if (
    (loss === 'meanAbsoluteError' || loss === 'meanSquaredError') &&
    activation !== null &&
    activation !== 'linear'
  ) {
    issues.push({
      layerIndex: last.index,
      path: `layers.${last.index}.config.activation`,
      severity: 'warning',
      message: `A regression output is usually linear; "${last.name}" uses activation="${activation}", which bounds the predictions.`,
    });
  }
}

function checkTraining(spec: ModelSpec, issues: SpecIssue[]): void {
  const t = spec.training as Record<string, unknown> | undefined;
  if (t === undefined) return;
  const bad = (key: string, message: string): void => {
    issues.push({ layerIndex: null, path: `training.${key}`, severity: 'error', message });
  };
  if (t === null || typeof t !== 'object') return bad('', `\`training\` must be an object. Received: ${fmt(t)}.`);
  for (const [key, r] of Object.entries(TRAINING_RANGES)) {
    const v = t[key];
    if (v === undefined || (key === 'clipnorm' && v === null)) continue;
    const lo = r.minExclusive ? v === r.min : false;
    const hi = r.maxExclusive ? v === r.max : false;
    if (
      typeof v !== 'number' ||
      !Number.isFinite(v) ||
      (r.int && !Number.isInteger(v)) ||
      v < r.min ||
      v > r.max ||
      lo ||
      hi
    ) {
      bad(
        key,
        `\`${key}\` must be ${r.int ? 'an integer' : 'a number'} in ${r.minExclusive ? '(' : '['}${r.min}, ${r.max}${r.maxExclusive ? ')' : ']'}. Received: ${key}=${fmt(v)}.`,
      );
    }
  }
  if (t.optimizer !== undefined && !(OPTIMIZERS as readonly string[]).includes(t.optimizer as string))
    bad(
      'optimizer',
      `\`optimizer\` must be one of ${OPTIMIZERS.map((o) => `"${o}"`).join(', ')}. Received: optimizer=${fmt(t.optimizer)}.`,
    );
  if (t.loss !== undefined && !(LOSSES as readonly string[]).includes(t.loss as string))
    bad('loss', `\`loss\` must be one of ${LOSSES.map((o) => `"${o}"`).join(', ')}. Received: loss=${fmt(t.loss)}.`);
  const es = t.earlyStopping as Record<string, unknown> | null | undefined;
  if (es) {
    if (typeof es.patience !== 'number' || !Number.isInteger(es.patience) || es.patience < 0) {
      bad(
        'earlyStopping.patience',
        `\`earlyStopping.patience\` must be a non-negative integer. Received: patience=${fmt(es.patience)}.`,
      );
    }
    if (es.monitor !== undefined && !MONITORS.includes(es.monitor as string)) {
      bad(
        'earlyStopping.monitor',
        `\`earlyStopping.monitor\` must name a logged metric such as "val_loss". Received: monitor=${fmt(es.monitor)}.`,
      );
    }
  }
}

/** The data settings must produce exactly the input the model declares. */
function checkData(spec: ModelSpec, issues: SpecIssue[]): void {
  const d = spec.data;
  if (!d || !spec.input) return;
  const bad = (path: string, message: string): void => {
    issues.push({ layerIndex: null, path, severity: 'error', message });
  };
  if (d.kind === 'text' && spec.input.kind !== 'tokens')
    bad(
      'data.kind',
      `Text data produces token ids, but the input is "${spec.input.kind}". Expected: "input": {"kind": "tokens", …}.`,
    );
  if (d.kind === 'timeseries') {
    if (spec.input.kind !== 'floats')
      return bad(
        'data.kind',
        `Time-series data produces float sequences, but the input is "${spec.input.kind}". Expected: "input": {"kind": "floats", …}.`,
      );
    for (const key of ['lookback', 'step'] as const) {
      if (typeof d[key] !== 'number' || !Number.isInteger(d[key]) || d[key] < 1)
        return bad(`data.${key}`, `\`data.${key}\` must be a positive integer. Received: ${key}=${fmt(d[key])}.`);
    }
    if (typeof d.delay !== 'number' || !Number.isInteger(d.delay) || d.delay < 0)
      return bad('data.delay', `\`data.delay\` must be a non-negative integer. Received: delay=${fmt(d.delay)}.`);
    const timesteps = Math.ceil(d.lookback / d.step);
    if (spec.input.timesteps !== timesteps) {
      bad(
        'input.timesteps',
        `\`input.timesteps\` must equal ceil(lookback / step) = ceil(${d.lookback} / ${d.step}) = ${timesteps}. Received: timesteps=${spec.input.timesteps}.`,
      );
    }
    if (d.features && spec.input.features !== new Set([...d.features, d.target]).size) {
      bad(
        'input.features',
        `\`input.features\` must equal the number of feature columns (${new Set([...d.features, d.target]).size}: ${[...new Set([...d.features, d.target])].join(', ')}). Received: features=${spec.input.features}.`,
      );
    }
  }
}

/** A text table like Keras's `model.summary()`, for the CLI and `summary.txt`. */
export function formatSummary(analysis: ModelAnalysis, modelName: string): string {
  const w = [30, 26, 12];
  const row = (a: string, b: string, c: string) => ` ${a.padEnd(w[0]! - 1)}${b.padEnd(w[1]!)}${c}`;
  const line = (ch: string) => ch.repeat(w[0]! + w[1]! + w[2]!);
  const n = (x: number) => x.toLocaleString('en-US');
  const out = [`Model: "${modelName}"`, line('_'), row('Layer (type)', 'Output Shape', 'Param #'), line('=')];
  analysis.layers.forEach((l, i) => {
    out.push(row(`${l.name} (${l.label})`, formatShape(l.outputShape), n(l.params)));
    if (i < analysis.layers.length - 1) out.push('');
  });
  out.push(
    line('='),
    `Total params: ${n(analysis.totalParams)}`,
    `Trainable params: ${n(analysis.totalParams)}`,
    'Non-trainable params: 0',
    line('_'),
  );
  return out.join('\n');
}

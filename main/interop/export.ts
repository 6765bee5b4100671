/**
 * Export of a trained run (a run folder: the spec, `model/` in the TF.js layers format, `preprocessing.json`) to
 * - `keras`: a Keras 3 `.keras` file (`keras.saving.load_model(path)`),
 * - `tfjs`: the TF.js layers format (`tf.loadLayersModel`, or Python's `tensorflowjs` loader),
 * - `python`: a runnable Keras 3 training script with the weights it starts from and the preprocessing it needs.
 * Every file lands directly in the chosen folder under a sanitised name; nothing can be written outside it.
 */
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { layerDef } from '../../shared/layer-catalog.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import { isBidirectional } from '../../shared/model-spec.js';
import { analyzeModel } from '../../shared/shape-inference.js';
import { kerasFileBytes, kerasWeightsH5 } from './keras-file.js';
import { ExportError } from './keras-format.js';
import { pythonScript } from './python-script.js';
import { prepareOutputFolder } from '../studio/storage.js';
import { RunFolder, RunFolderError } from '../run-folder.js';
import { readTfjsModel, writeTfjsModel } from './tfjs-artifacts.js';
import { parseJsonText } from './tfjs-artifacts.js';

export const EXPORT_FORMATS = ['keras', 'tfjs', 'python'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportResult {
  format: ExportFormat;
  /** Absolute paths of the files written. */
  files: string[];
  /** What to do with them, one line (e.g. the Python call that loads them). */
  hint: string;
}

/** The spec a run folder was trained from (run-folder.ts knows where it is kept). */
export function readRunSpec(runDir: string): ModelSpec {
  try {
    return new RunFolder(runDir).readSpec();
  } catch (e) {
    if (e instanceof RunFolderError) throw new ExportError(e.message);
    throw e;
  }
}

/** A file name made from the model's name: letters, digits, `_`, `-`, `.`; never empty or hidden. */
export function safeBaseName(name: string): string {
  const s = name
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .replace(/^[.]+/, '')
    .slice(0, 80);
  return s === '' ? 'model' : s;
}

/** `dir/name`, refusing anything that would land outside `dir`. */
export function inside(dir: string, name: string): string {
  const target = resolve(dir, name);
  const rel = relative(resolve(dir), target);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel))
    throw new ExportError(`refusing to write ${JSON.stringify(name)} outside ${dir}.`);
  return target;
}

export interface ExportOptions {
  /** The data the generated script trains on by default (else the run's own, where it is known). */
  dataPath?: string;
}

/** Exports the run in `runDir` in `format` into `outDir` (created if needed). */
export async function exportRun(
  runDir: string,
  format: ExportFormat,
  outDir: string,
  options: ExportOptions = {},
): Promise<ExportResult> {
  const runSpec = readRunSpec(runDir);
  const folder = new RunFolder(runDir);
  const modelJson = join(folder.modelDir, 'model.json');
  if (!existsSync(modelJson))
    throw new ExportError(
      `${runDir}: the run saved no model (model/model.json is missing); it may have failed before training finished.`,
    );
  const { json, weights } = readTfjsModel(modelJson);
  const spec = withSavedGruVariants(runSpec, json.modelTopology);
  try {
    prepareOutputFolder(outDir);
  } catch (e) {
    throw new ExportError((e as Error).message);
  }
  const base = safeBaseName(spec.name);
  // A text model takes token ids, not text: without the run's vocabulary and padding it cannot predict as the run
  // does, so the .keras and TF.js exports carry the preprocessing file beside the model (the script applies it).
  const pre = folder.path('preprocessing');
  const withVocabulary = (files: string[]): { files: string[]; note: string } => {
    if (spec.input.kind !== 'tokens' || !existsSync(pre)) return { files, note: '' };
    const out = inside(outDir, `${base}.preprocessing.json`);
    copyFileSync(pre, out);
    return {
      files: [...files, out],
      note: `; the model takes token ids: ${basename(out)} holds the run's vocabulary (word → id), lowercasing and padding, which the text must go through first (the Python script export applies it)`,
    };
  };
  switch (format) {
    case 'keras': {
      const file = inside(outDir, `${base}.keras`);
      writeFileSync(file, await kerasFileBytes(spec, weights));
      const { files, note } = withVocabulary([file]);
      return {
        format,
        files,
        hint: `keras.saving.load_model(${JSON.stringify(file)})${note}${sparseEmbeddingNote(spec)}`,
      };
    }
    case 'tfjs': {
      const dir = inside(outDir, `${base}-tfjs`);
      const vocabulary = withVocabulary([]);
      const files = [...writeTfjsModel(dir, json.modelTopology, weights), ...vocabulary.files];
      // Stock TF.js has no reset_after=True GRU (tfjs#4621): say so rather than let tf.loadLayersModel fail later.
      const gruAfter = JSON.stringify(json.modelTopology).includes('"reset_after":true');
      const caveat = gruAfter
        ? " (its GRU is reset_after=True, Keras 3's default, which stock TF.js cannot load: RNN Studio and Python can)"
        : '';
      return {
        format,
        files,
        hint: `tf.loadLayersModel('file://${join(dir, 'model.json')}') in TF.js${caveat}, or tensorflowjs.converters.load_keras_model(${JSON.stringify(join(dir, 'model.json'))}) in Python${vocabulary.note}`,
      };
    }
    case 'python': {
      const weightsFile = inside(outDir, `${base}.weights.h5`);
      writeFileSync(weightsFile, await kerasWeightsH5(spec, weights));
      const files = [weightsFile];
      let preprocessing: unknown = null;
      if (existsSync(pre)) {
        const preOut = inside(outDir, `${base}.preprocessing.json`);
        copyFileSync(pre, preOut);
        files.push(preOut);
        preprocessing = parseJsonText(readFileSync(pre, 'utf8'), 'preprocessing.json');
      }
      const script = inside(outDir, `train_${base}.py`);
      writeFileSync(
        script,
        pythonScript(spec, {
          scriptName: `train_${base}.py`,
          weightsFile: `${base}.weights.h5`,
          preprocessingFile: preprocessing ? `${base}.preprocessing.json` : null,
          preprocessing,
          dataPath: options.dataPath ?? runDataPath(runDir, spec),
        }),
      );
      files.push(script);
      return { format, files, hint: `python ${script} --epochs 1${sparseEmbeddingNote(spec)}` };
    }
    default: {
      const never: never = format;
      throw new ExportError(`unknown export format ${JSON.stringify(never)}; expected keras, tfjs or python.`);
    }
  }
}

/**
 * Said where the user takes a model on into Keras: the one training difference we keep (docs/training-parity.md).
 */
export function sparseEmbeddingNote(spec: ModelSpec): string {
  const optimizer = spec.training?.optimizer ?? 'rmsprop';
  if (optimizer === 'sgd' || !spec.layers.some((l) => layerDef(l.className)?.category === 'embedding')) return '';
  return (
    ` — note: training this model further in Keras on TensorFlow updates the Embedding's ${optimizer} statistics from per-token` +
    ' gradient slices (Σ g² per occurrence), where RNN Studio, TF.js and Keras on JAX use the summed gradient; the other weights train alike.'
  );
}

/**
 * The spec with each GRU's `resetAfter` as the saved model has it. A spec written before the setting existed leaves it
 * out, which now means Keras 3's default (true), while its model was trained as reset_after=False: the saved
 * topology (TF.js writes `reset_after` for every GRU) says which variant the weights are.
 */
/** The GRU: the catalog kind with a `resetAfter` setting. */
const hasResetAfter = (className: unknown): boolean =>
  typeof className === 'string' && (layerDef(className)?.params.some((p) => p.name === 'resetAfter') ?? false);

export function withSavedGruVariants(spec: ModelSpec, topology: unknown): ModelSpec {
  const saved = new Map<string, boolean>();
  type Node = {
    class_name?: unknown;
    config?: { name?: unknown; reset_after?: unknown; layer?: Node; layers?: Node[] };
  };
  const visit = (node: Node | undefined) => {
    if (!node?.config) return;
    // (A Bidirectional layer's saved inner layer may carry TF.js's "forward_" prefix.)
    if (
      hasResetAfter(node.class_name) &&
      typeof node.config.name === 'string' &&
      typeof node.config.reset_after === 'boolean'
    )
      saved.set(node.config.name.replace(/^forward_/, ''), node.config.reset_after);
    visit(node.config.layer);
    node.config.layers?.forEach(visit);
  };
  visit(topology as Node);
  if (saved.size === 0) return spec;
  const analysis = analyzeModel(spec);
  const fix = <L extends { className: string; config?: Record<string, unknown> }>(
    layer: L,
    name: string | undefined,
  ): L =>
    hasResetAfter(layer.className) && name !== undefined && saved.has(name)
      ? { ...layer, config: { ...layer.config, resetAfter: saved.get(name)! } }
      : layer;
  return {
    ...spec,
    layers: spec.layers.map((layer, i) => {
      const info = analysis.layers[i];
      if (isBidirectional(layer)) return { ...layer, layer: fix(layer.layer, info?.innerName) };
      return fix(layer, info?.name);
    }) as ModelSpec['layers'],
  };
}

/**
 * The data the run trained on: run.json's resolved `dataPath` (studio runs), else the spec's path when it is
 * absolute or exists relative to the run folder; null when unknown (the script then asks for --data).
 */
function runDataPath(runDir: string, spec: ModelSpec): string | null {
  const meta = new RunFolder(runDir).readMeta<{ dataPath?: unknown }>();
  if (typeof meta?.dataPath === 'string') return meta.dataPath;
  if (!spec.data || spec.data.path.startsWith('sample:')) return null;
  const p = isAbsolute(spec.data.path) ? spec.data.path : resolve(runDir, spec.data.path);
  return existsSync(p) ? p : null;
}

/**
 * Writes a model in the TF.js layers format (model.json + weights.bin) with plain file I/O.
 * `model.save('file://…')` needs tfjs-node's save handler; without it TF.js has none for files in Node
 * ("Cannot find any save handlers"), so we write the artifacts ourselves — identical bytes either way.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { DataError } from '../data/data-error.js';
// Registers Keras's GRU (both reset variants) under TF.js's class names before any model is loaded.
import './keras-gru.js';

/** Saves `model` into `dir` (created if needed); returns the files written. */
export async function saveLayersModel(model: tf.LayersModel, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = artifacts.weightData ? tf.io.CompositeArrayBuffer.join(artifacts.weightData) : new ArrayBuffer(0);
      const modelJson = {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: 'RNN Studio',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      await writeFile(join(dir, 'weights.bin'), Buffer.from(weights));
      await writeFile(join(dir, 'model.json'), JSON.stringify(modelJson));
      files.push(join(dir, 'model.json'), join(dir, 'weights.bin'));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  return files;
}

/** Bytes per element of the dtypes a layers model's weights can have. */
const DTYPE_BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  float16: 2,
};

/**
 * Loads a model written by saveLayersModel (or by tfjs-node / tensorflowjs_converter) from `dir`. Reads data only:
 * the topology is JSON that TF.js maps onto its own layer classes (there is no Lambda layer, nothing is evaluated),
 * weight files must be plain names inside `dir`, and a damaged or cut-short file is a DataError that says so.
 */
export async function loadLayersModel(dir: string): Promise<tf.LayersModel> {
  const { readFile } = await import('node:fs/promises');
  const jsonPath = join(dir, 'model.json');
  let text: string;
  try {
    text = await readFile(jsonPath, 'utf8');
  } catch (e) {
    throw new DataError(
      `expected a saved model (model.json), received ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `an error: ${(e as Error).message}`}.`,
      { file: jsonPath },
    );
  }
  let json: { modelTopology?: unknown; weightsManifest?: unknown };
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    throw new DataError(
      'expected a model.json in the TF.js layers format, received a file that is not valid JSON (damaged or cut short).',
      { file: jsonPath },
    );
  }
  const manifest = json?.weightsManifest as { paths?: unknown; weights?: unknown }[] | undefined;
  if (
    typeof json !== 'object' ||
    json === null ||
    typeof json.modelTopology !== 'object' ||
    json.modelTopology === null ||
    !Array.isArray(manifest) ||
    !manifest.every(
      (g) => g && Array.isArray(g.paths) && g.paths.every((p) => typeof p === 'string') && Array.isArray(g.weights),
    )
  ) {
    throw new DataError(
      'expected a model.json in the TF.js layers format (modelTopology and weightsManifest), received something else.',
      { file: jsonPath },
    );
  }
  const specs = manifest.flatMap((g) => g.weights as tf.io.WeightsManifestEntry[]);
  const paths = manifest.flatMap((g) => g.paths as string[]);
  for (const p of paths) {
    const target = resolve(dir, p);
    if (relative(resolve(dir), target).startsWith('..') || isAbsolute(p) || p.includes('..')) {
      throw new DataError(
        `expected weight files beside model.json, received the path ${JSON.stringify(p)}, which leaves the model folder.`,
        { file: jsonPath },
      );
    }
  }
  let buffers: Buffer[];
  try {
    buffers = await Promise.all(paths.map((p) => readFile(join(dir, p))));
  } catch (e) {
    throw new DataError(
      `expected the weight files listed in model.json, received an error: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'a file is missing' : (e as Error).message}.`,
      { file: jsonPath },
    );
  }
  const data = Buffer.concat(buffers);
  const quantized = specs.some((s) => (s as { quantization?: unknown }).quantization !== undefined);
  const expected = specs.reduce(
    (sum, s) =>
      sum + (Array.isArray(s.shape) ? s.shape.reduce((a, b) => a * b, 1) : NaN) * (DTYPE_BYTES[s.dtype] ?? NaN),
    0,
  );
  if (!quantized && expected !== data.byteLength) {
    throw new DataError(
      `expected ${Number.isFinite(expected) ? `${expected} bytes of weights` : 'weights'} as model.json lists them, received ${data.byteLength} bytes: the weight file is damaged or cut short.`,
      { file: join(dir, paths[0] ?? 'weights.bin') },
    );
  }
  try {
    return await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology as object,
        weightSpecs: specs,
        weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
      }),
    );
  } catch (e) {
    throw new DataError(
      `expected a model TF.js can rebuild, received one it cannot: ${e instanceof Error ? e.message : String(e)}`,
      { file: jsonPath },
    );
  }
}

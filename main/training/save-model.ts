/**
 * Writes a model in the TF.js layers format (model.json + weights.bin) with plain file I/O.
 * `model.save('file://…')` needs tfjs-node's save handler; without it TF.js has none for files in Node
 * ("Cannot find any save handlers"), so we write the artifacts ourselves — identical bytes either way.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Saves `model` into `dir` (created if needed); returns the files written. */
export async function saveLayersModel(model: tf.LayersModel, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
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
  }));
  return files;
}

/** Loads a model written by saveLayersModel (or by tfjs-node / tensorflowjs_converter) from `dir`. */
export async function loadLayersModel(dir: string): Promise<tf.LayersModel> {
  const { readFile } = await import('node:fs/promises');
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const buffers = await Promise.all(json.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(join(dir, p))));
  const data = Buffer.concat(buffers);
  return tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology, weightSpecs: specs,
    weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
  }));
}

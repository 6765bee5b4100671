/**
 * The TF.js layers format on disk (`model.json` + weight files), read and written as data without TensorFlow.
 * Reading trusts nothing: JSON only (never code), weight paths must be plain file names inside the model's folder,
 * every size is bounded and checked against the manifest's shapes, and only float32 weights are accepted.
 */
import { readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { specialFileKind, specialFileMessage } from '../data/regular-file.js';
import { basename, join } from 'node:path';
import { withoutBom } from './json-text.js';

/** A named float32 tensor. */
export interface NamedWeight {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface TfjsModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  modelTopology: unknown;
  weightsManifest: {
    paths: string[];
    weights: { name: string; shape: number[]; dtype: string; quantization?: unknown }[];
  }[];
}

/** Thrown for a model.json or weight file that cannot be read; the message says what was expected. */
export class ModelFileError extends Error {
  override name = 'ModelFileError';
}

export const MAX_MODEL_JSON_BYTES = 64 * 1024 ** 2;
export const MAX_WEIGHT_BYTES = 2 * 1024 ** 3;

/** Parses JSON text into plain data (a leading byte-order mark is allowed); a syntax error names the file. */
export function parseJsonText(text: string, label: string): unknown {
  try {
    return JSON.parse(withoutBom(text)) as unknown;
  } catch (e) {
    throw new ModelFileError(`${label}: expected JSON, received text that does not parse (${(e as Error).message}).`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks the structure of a parsed `model.json`; returns it typed. */
export function checkModelJson(json: unknown, label: string): TfjsModelJson {
  if (!isRecord(json) || !('modelTopology' in json))
    throw new ModelFileError(
      `${label}: expected a TF.js model.json with "modelTopology", received ${isRecord(json) ? `keys ${Object.keys(json).slice(0, 8).join(', ')}` : typeof json}.`,
    );
  const manifest = json['weightsManifest'] ?? [];
  if (!Array.isArray(manifest)) throw new ModelFileError(`${label}: expected "weightsManifest" to be a list.`);
  for (const group of manifest) {
    if (!isRecord(group) || !Array.isArray(group['paths']) || !Array.isArray(group['weights']))
      throw new ModelFileError(`${label}: expected each weightsManifest entry to have "paths" and "weights" lists.`);
    for (const p of group['paths']) {
      // A weight file is a plain name beside model.json: no folders, no "..", nothing absolute.
      if (
        typeof p !== 'string' ||
        p === '' ||
        p === '.' ||
        p === '..' ||
        p.includes('/') ||
        p.includes('\\') ||
        p.includes('\0') ||
        basename(p) !== p
      ) {
        throw new ModelFileError(
          `${label}: expected weight file names beside model.json, received ${JSON.stringify(p)}.`,
        );
      }
    }
    for (const w of group['weights']) {
      if (
        !isRecord(w) ||
        typeof w['name'] !== 'string' ||
        !Array.isArray(w['shape']) ||
        !w['shape'].every((d) => Number.isInteger(d) && (d as number) >= 0)
      ) {
        throw new ModelFileError(
          `${label}: expected each weight to have a name and a shape of non-negative integers, received ${JSON.stringify(w).slice(0, 200)}.`,
        );
      }
    }
  }
  return { ...(json as object), weightsManifest: manifest } as TfjsModelJson;
}

/** Reads `model.json` (and its weights, when `withWeights`) from `dir`. */
export function readTfjsModel(
  modelJsonPath: string,
  withWeights = true,
): { json: TfjsModelJson; weights: NamedWeight[] } {
  const label = basename(modelJsonPath);
  const modelStats = statSync(modelJsonPath);
  const modelSpecial = specialFileKind(modelStats);
  if (modelSpecial) throw new ModelFileError(`${label}: ${specialFileMessage(modelJsonPath, modelSpecial)}`);
  const size = modelStats.size;
  if (size > MAX_MODEL_JSON_BYTES)
    throw new ModelFileError(`${label}: expected at most ${MAX_MODEL_JSON_BYTES} bytes, received ${size}.`);
  const json = checkModelJson(parseJsonText(readFileSync(modelJsonPath, 'utf8'), label), label);
  if (!withWeights) return { json, weights: [] };
  const dir = join(modelJsonPath, '..');
  const weights: NamedWeight[] = [];
  let total = 0;
  for (const group of json.weightsManifest) {
    const buffers: Buffer[] = [];
    for (const p of group.paths) {
      const file = join(dir, p);
      let stats;
      try {
        stats = statSync(file);
      } catch {
        // Named by the manifest's own path, never the server's folder: the usual cause is model.json picked alone.
        throw new ModelFileError(
          `${label}: expected the weight file "${p}" that ${label} lists beside it, received no such file. Import ${label} together with its weight files (select them all), or import the .keras file instead.`,
        );
      }
      const special = specialFileKind(stats);
      if (special) throw new ModelFileError(`${label}: weight file ${p}: ${specialFileMessage(file, special)}`);
      const s = stats.size;
      total += s;
      if (total > MAX_WEIGHT_BYTES)
        throw new ModelFileError(`${label}: the weight files add up to more than ${MAX_WEIGHT_BYTES} bytes.`);
      buffers.push(readFileSync(file));
    }
    const data = Buffer.concat(buffers);
    let offset = 0;
    for (const w of group.weights) {
      if (w.dtype !== 'float32' || w.quantization !== undefined) {
        throw new ModelFileError(
          `${label}: weight "${w.name}": expected float32 weights, received ${w.quantization ? 'quantized ' : ''}${w.dtype}. Convert without quantization.`,
        );
      }
      const count = w.shape.reduce((a, b) => a * b, 1);
      const bytes = count * 4;
      if (offset + bytes > data.length)
        throw new ModelFileError(
          `${label}: weight "${w.name}" (shape [${w.shape.join(', ')}]) runs past the end of the weight data (${data.length} bytes).`,
        );
      const copy = new Float32Array(count);
      new Uint8Array(copy.buffer).set(data.subarray(offset, offset + bytes));
      weights.push({ name: w.name, shape: w.shape, data: copy });
      offset += bytes;
    }
    if (offset !== data.length)
      throw new ModelFileError(
        `${label}: the manifest describes ${offset} bytes of weights, the files hold ${data.length}.`,
      );
  }
  return { json, weights };
}

/** Writes `model.json` + `weights.bin` into `dir`; returns the files written. */
export function writeTfjsModel(dir: string, modelTopology: unknown, weights: readonly NamedWeight[]): string[] {
  mkdirSync(dir, { recursive: true });
  const total = weights.reduce((n, w) => n + w.data.byteLength, 0);
  const bin = Buffer.alloc(total);
  let offset = 0;
  for (const w of weights) {
    bin.set(new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength), offset);
    offset += w.data.byteLength;
  }
  const modelJson: TfjsModelJson = {
    format: 'layers-model',
    generatedBy: 'RNN Studio',
    convertedBy: 'RNN Studio',
    modelTopology,
    weightsManifest: [
      { paths: ['weights.bin'], weights: weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })) },
    ],
  };
  const files = [join(dir, 'model.json'), join(dir, 'weights.bin')];
  writeFileSync(files[1]!, bin);
  writeFileSync(files[0]!, JSON.stringify(modelJson));
  return files;
}

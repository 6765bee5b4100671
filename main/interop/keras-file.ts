/**
 * Keras 3's native `.keras` file, written and read from TypeScript: a ZIP of `metadata.json`, `config.json` and
 * `model.weights.h5` (HDF5 through h5wasm, the HDF5 C library compiled to WebAssembly). The h5 layout is the one
 * Keras 3's `saving_lib` writes: `layers/<snake_case class>[_n]/[cell|forward_layer/cell|…]/vars/<i>` float32
 * datasets, plus the optimizer's variables (fresh: TF.js keeps no optimizer state) so the compiled model loads
 * without warnings.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import type { ModelSpec } from '../../shared/model-spec.js';
import { resolveTraining } from '../../shared/model-spec.js';
import { ExportError, KERAS_VERSION_WRITTEN, kerasModelConfig, weightGroups } from './keras-format.js';
import type { NamedWeight } from './tfjs-artifacts.js';
import { readZipEntries, writeZip } from './zip.js';
import type { ZipLimits } from './zip.js';

async function withTempDir<T>(fn: (dir: string) => Promise<T> | T): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-studio-h5-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Finds each of `names` in `weights`, checking its shape; `where` names the layer for the message. */
function pick(weights: ReadonlyMap<string, NamedWeight>, name: string, shape: number[]): NamedWeight {
  const w = weights.get(name);
  if (!w) throw new ExportError(`the saved model has no weight "${name}" (expected shape [${shape.join(', ')}]); it does not match its spec.`);
  if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i])) {
    throw new ExportError(`weight "${name}": expected shape [${shape.join(', ')}], received [${w.shape.join(', ')}].`);
  }
  return w;
}

/** The bytes of Keras 3's `model.weights.h5` for `spec` with the trained `weights` (TF.js names). */
export async function kerasWeightsH5(spec: ModelSpec, weights: readonly NamedWeight[]): Promise<Buffer> {
  const byName = new Map(weights.map((w) => [w.name, w]));
  const groups = weightGroups(spec);
  await h5wasm.ready;
  return withTempDir((dir) => {
    const path = join(dir, 'model.weights.h5');
    const f = new h5wasm.File(path, 'w');
    try {
      const made = new Set<string>();
      const group = (p: string) => {
        // Parents first; h5wasm creates one level at a time.
        const parts = p.split('/');
        for (let i = 1; i <= parts.length; i++) {
          const sub = parts.slice(0, i).join('/');
          if (!made.has(sub)) {
            f.create_group(sub);
            made.add(sub);
          }
        }
        return f.get(p) as InstanceType<typeof h5wasm.Group>;
      };
      group('layers');
      for (const g of groups) {
        const vars = group(`${g.h5Path}/vars`);
        vars.create_attribute('name', g.h5Name);
        g.tfjsNames.forEach((name, i) => {
          const w = pick(byName, name, g.shapes[i]!);
          vars.create_dataset({ name: String(i), data: w.data, shape: w.shape, dtype: '<f' });
        });
      }
      // The optimizer as Keras builds it on load: iterations (int64), learning_rate (float32), then per trainable
      // variable, in model order, its slots (RMSprop: velocity; Adam: momentum, velocity interleaved; SGD without
      // momentum: none). TF.js does not save its optimizer state, so the slots start at zero, like a fresh optimizer.
      const t = resolveTraining(spec);
      const slots = t.optimizer === 'adam' ? 2 : t.optimizer === 'rmsprop' ? 1 : 0;
      const opt = group('optimizer/vars');
      opt.create_attribute('name', t.optimizer);
      opt.create_dataset({ name: '0', data: new BigInt64Array([0n]), shape: [], dtype: '<q' });
      opt.create_dataset({ name: '1', data: new Float32Array([t.learningRate]), shape: [], dtype: '<f' });
      let next = 2;
      for (const g of groups) {
        for (const shape of g.shapes) {
          for (let k = 0; k < slots; k++) {
            opt.create_dataset({ name: String(next++), data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape, dtype: '<f' });
          }
        }
      }
      group('vars').create_attribute('name', 'sequential');
    } finally {
      f.close();
    }
    return readFileSync(path);
  });
}

/** The whole `.keras` file for `spec` with its trained `weights`. */
export async function kerasFileBytes(spec: ModelSpec, weights: readonly NamedWeight[], now = new Date()): Promise<Buffer> {
  const config = kerasModelConfig(spec);
  const h5 = await kerasWeightsH5(spec, weights);
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = `${now.getUTCFullYear()}-${pad(now.getUTCMonth() + 1)}-${pad(now.getUTCDate())}@${pad(now.getUTCHours())}:${pad(now.getUTCMinutes())}:${pad(now.getUTCSeconds())}`;
  const metadata = { keras_version: KERAS_VERSION_WRITTEN, date_saved: date, generated_by: 'RNN Studio' };
  return writeZip([
    { name: 'metadata.json', data: Buffer.from(JSON.stringify(metadata)) },
    { name: 'config.json', data: Buffer.from(JSON.stringify(config)) },
    { name: 'model.weights.h5', data: h5 },
  ]);
}

/** What a `.keras` file holds, read without executing anything from it. */
export interface KerasArchive {
  config: unknown;
  metadata: unknown;
  /** The h5 file's bytes, or null when the archive has none (a config-only file). */
  weightsH5: Buffer | null;
}

export const KERAS_ZIP_LIMITS: ZipLimits = { maxEntries: 1000, maxEntryBytes: 1024 ** 3, maxTotalBytes: 1536 * 1024 ** 2 };
const MAX_JSON_ENTRY = 64 * 1024 ** 2;

/** Reads the JSON entries and the weights of a `.keras` file. */
export function readKerasArchive(bytes: Uint8Array, label: string): KerasArchive {
  const entries = readZipEntries(bytes, ['config.json', 'metadata.json', 'model.weights.h5'], label, KERAS_ZIP_LIMITS);
  const json = (name: string): unknown => {
    const b = entries.get(name);
    if (!b) return null;
    if (b.length > MAX_JSON_ENTRY) throw new ExportError(`${label}: ${name} is ${b.length} bytes; expected at most ${MAX_JSON_ENTRY}.`);
    try {
      return JSON.parse(b.toString('utf8')) as unknown;
    } catch (e) {
      throw new ExportError(`${label}: ${name}: expected JSON, received text that does not parse (${(e as Error).message}).`);
    }
  };
  const config = json('config.json');
  if (config === null) throw new ExportError(`${label}: expected a Keras 3 .keras archive with config.json, received entries without it.`);
  return { config, metadata: json('metadata.json'), weightsH5: entries.get('model.weights.h5') ?? null };
}

/** An h5 group's variables `vars/0…n-1` as float32 arrays with their shapes; null when the group is absent. */
export interface H5Vars {
  shape: number[];
  data: Float32Array;
}

/**
 * Opens an h5 file's bytes and reads the `vars` of each group path asked for (missing groups map to null).
 * HDF5 is parsed inside WebAssembly's sandbox; datasets must be float32 or float64 (converted) and at most
 * `maxValues` values in all.
 */
export async function readH5Vars(h5: Uint8Array, paths: readonly string[], maxValues = 256 * 1024 ** 2): Promise<Map<string, H5Vars[] | null>> {
  await h5wasm.ready;
  return withTempDir((dir) => {
    const file = join(dir, 'weights.h5');
    writeFileSync(file, h5);
    let f: InstanceType<typeof h5wasm.File>;
    try {
      f = new h5wasm.File(file, 'r');
    } catch (e) {
      throw new ExportError(`model.weights.h5: expected an HDF5 file, received bytes HDF5 cannot open (${(e as Error).message}).`);
    }
    const out = new Map<string, H5Vars[] | null>();
    let total = 0;
    try {
      for (const p of paths) {
        const g = f.get(`${p}/vars`);
        if (!g || !(g instanceof h5wasm.Group)) {
          out.set(p, null);
          continue;
        }
        const keys = g.keys().filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b));
        const vars: H5Vars[] = [];
        keys.forEach((k, i) => {
          if (Number(k) !== i) throw new ExportError(`model.weights.h5: ${p}/vars: expected variables 0…${keys.length - 1}, received ${keys.join(', ')}.`);
          const d = g.get(k);
          if (!(d instanceof h5wasm.Dataset)) throw new ExportError(`model.weights.h5: ${p}/vars/${k}: expected a dataset.`);
          const shape = (d.shape ?? []).map(Number);
          const count = shape.reduce((a, b) => a * b, 1);
          total += count;
          if (total > maxValues) throw new ExportError(`model.weights.h5: more than ${maxValues} weight values; refusing to load it.`);
          const dtype = String(d.dtype);
          if (dtype !== '<f' && dtype !== '<d' && dtype !== '>f' && dtype !== '>d') throw new ExportError(`model.weights.h5: ${p}/vars/${k}: expected float weights, received dtype ${dtype}.`);
          const value = d.value;
          const data = value instanceof Float32Array ? value : Float32Array.from(value as ArrayLike<number>);
          if (data.length !== count) throw new ExportError(`model.weights.h5: ${p}/vars/${k}: expected ${count} values for shape [${shape.join(', ')}], received ${data.length}.`);
          vars.push({ shape, data });
        });
        out.set(p, vars);
      }
    } finally {
      f.close();
    }
    return out;
  });
}

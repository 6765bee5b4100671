/**
 * Keras 3's native `.keras` file, written and read from TypeScript: a ZIP of `metadata.json`, `config.json` and
 * `model.weights.h5` (HDF5 through h5wasm, the HDF5 C library compiled to WebAssembly). The h5 layout is the one
 * Keras 3's `saving_lib` writes: `layers/<snake_case class>[_n]/[cell|forward_layer/cell|…]/vars/<i>` float32
 * datasets, plus the optimizer's variables (fresh: TF.js keeps no optimizer state) so the compiled model loads
 * without warnings.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import type { ModelSpec } from '../../shared/model-spec.js';
import { resolveTraining } from '../../shared/model-spec.js';
import { ExportError, KERAS_VERSION_WRITTEN, kerasModelConfig, weightGroups } from './keras-format.js';
import { withoutBom } from './json-text.js';
import type { NamedWeight } from './tfjs-artifacts.js';
import { readZipEntries, writeZip } from './zip.js';
import type { ZipLimits } from './zip.js';

async function withTempDir<T>(fn: (dir: string) => Promise<T> | T): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-studio-h5-'));
  try {
    return await fn(dir);
  } finally {
    // Best effort: a failed read can leave the HDF5 library holding the file (Windows then refuses the delete), and
    // that must not replace the message saying why the read failed.
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // left in the temp folder
    }
  }
}

/** Finds each of `names` in `weights`, checking its shape; `where` names the layer for the message. */
function pick(weights: ReadonlyMap<string, NamedWeight>, name: string, shape: number[]): NamedWeight {
  const w = weights.get(name);
  if (!w)
    throw new ExportError(
      `the saved model has no weight "${name}" (expected shape [${shape.join(', ')}]); it does not match its spec.`,
    );
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
            opt.create_dataset({
              name: String(next++),
              data: new Float32Array(shape.reduce((a, b) => a * b, 1)),
              shape,
              dtype: '<f',
            });
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
export async function kerasFileBytes(
  spec: ModelSpec,
  weights: readonly NamedWeight[],
  now = new Date(),
): Promise<Buffer> {
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

export const KERAS_ZIP_LIMITS: ZipLimits = {
  maxEntries: 1000,
  maxEntryBytes: 1024 ** 3,
  maxTotalBytes: 1536 * 1024 ** 2,
};
const MAX_JSON_ENTRY = 64 * 1024 ** 2;

/** Reads the JSON entries and the weights of a `.keras` file. */
export function readKerasArchive(bytes: Uint8Array, label: string): KerasArchive {
  const entries = readZipEntries(bytes, ['config.json', 'metadata.json', 'model.weights.h5'], label, KERAS_ZIP_LIMITS);
  const json = (name: string): unknown => {
    const b = entries.get(name);
    if (!b) return null;
    if (b.length > MAX_JSON_ENTRY)
      throw new ExportError(`${label}: ${name} is ${b.length} bytes; expected at most ${MAX_JSON_ENTRY}.`);
    try {
      return JSON.parse(withoutBom(b.toString('utf8'))) as unknown;
    } catch (e) {
      throw new ExportError(
        `${label}: ${name}: expected JSON, received text that does not parse (${(e as Error).message}).`,
      );
    }
  };
  const config = json('config.json');
  if (config === null)
    throw new ExportError(`${label}: expected a Keras 3 .keras archive with config.json, received entries without it.`);
  return { config, metadata: json('metadata.json'), weightsH5: entries.get('model.weights.h5') ?? null };
}

/** An h5 group's variables `vars/0…n-1` as float32 arrays with their shapes; null when the group is absent. */
export interface H5Vars {
  shape: number[];
  data: Float32Array;
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * What the HDF5 library printed, in one line: the innermost reason of the first error stack ("incorrect metadata
 * checksum after all read attempts", "truncated file: eof = …"); null when it printed none.
 */
export function hdf5Reason(printed: string): string | null {
  const firstStack = printed.split('HDF5-DIAG:')[1] ?? '';
  const reasons = [...firstStack.matchAll(/#\d+: .*? in [\w.]+\(\): (.+)$/gm)].map((m) => m[1]!.trim());
  const reason = reasons[reasons.length - 1];
  if (reason === undefined) return null;
  return reason.length > 300 ? `${reason.slice(0, 300)}…` : reason;
}

/** The one part of Emscripten's file system we touch: the stream of file descriptor 2 (C's stderr). */
interface EmscriptenStream {
  nfd?: unknown;
}

/**
 * Runs `fn` with the HDF5 library's stderr sent to `file` instead of the terminal.
 * HDF5 reports a damaged file by printing its error stack to stderr (dozens of lines per failure) while h5wasm
 * throws only "error - name not defined!": the printout is where the reason is. h5wasm's optional throwing error
 * handler would carry it too, but it throws through the C library mid-call: after some thousands of damaged files
 * the library aborts and every later HDF5 read or write in the process fails. Redirecting the descriptor keeps
 * the library's own error path. Where h5wasm's file system does not look as expected, nothing is redirected.
 * A thrown error carries the printout as `hdf5Printed`.
 */
function withHdf5Stderr<T>(module: unknown, file: string, fn: () => T): T {
  const streams = (module as { FS?: { streams?: unknown } } | null)?.FS?.streams;
  const stderr = Array.isArray(streams) ? (streams[2] as EmscriptenStream | null | undefined) : undefined;
  if (!stderr || typeof stderr.nfd !== 'number') return fn();
  const fd = openSync(file, 'w+');
  const saved = stderr.nfd;
  stderr.nfd = fd;
  try {
    return fn();
  } catch (e) {
    let printed = '';
    try {
      printed = readFileSync(file, 'utf8');
    } catch {
      // no printout: the thrown message is used
    }
    throw Object.assign(e instanceof Error ? e : new Error(String(e)), { hdf5Printed: printed });
  } finally {
    stderr.nfd = saved;
    closeSync(fd);
  }
}

/**
 * Opens an h5 file's bytes and reads the `vars` of each group path asked for (missing groups map to null).
 * HDF5 is parsed inside WebAssembly's sandbox; datasets must be float32 or float64 (converted) and at most
 * `maxValues` values in all. `where` names the file in messages (e.g. "model.weights.h5 in my.keras"); every
 * failure of the reader becomes an ExportError that says what was expected and what the file holds instead.
 */
export async function readH5Vars(
  h5: Uint8Array,
  paths: readonly string[],
  where = 'model.weights.h5',
  maxValues = 256 * 1024 ** 2,
): Promise<Map<string, H5Vars[] | null>> {
  const advice = 'Re-save the model in Keras (model.save("model.keras")).';
  if (
    h5.length < HDF5_SIGNATURE.length ||
    !HDF5_SIGNATURE.equals(Buffer.from(h5.buffer, h5.byteOffset, HDF5_SIGNATURE.length))
  ) {
    throw new ExportError(
      `${where}: expected Keras weights in HDF5 (a file starting with the HDF5 signature), received ${h5.length} bytes that do not start with it (a damaged file, or not HDF5). ${advice}`,
    );
  }
  const module = await h5wasm.ready;
  return withTempDir((dir) => {
    const file = join(dir, 'weights.h5');
    writeFileSync(file, h5);
    let at: string | null = null;
    try {
      return withHdf5Stderr(module, join(dir, 'hdf5-errors.txt'), () =>
        readVars(file, paths, where, maxValues, advice, (p) => {
          at = p;
        }),
      );
    } catch (e) {
      if (e instanceof ExportError) throw e;
      const printed = (e as { hdf5Printed?: unknown }).hdf5Printed;
      const reason = hdf5Reason(typeof printed === 'string' ? printed : '');
      const place = at ? ` at ${at}` : '';
      // h5wasm's own words ("error - name not defined!") say nothing about the file; they are never shown.
      const thrown =
        e instanceof Error && !/name not defined/.test(e.message)
          ? e.message.replace(/\s+/g, ' ').trim()
          : 'the HDF5 reader cannot read it';
      const detail =
        reason !== null
          ? `the HDF5 reader says${place}: ${reason}`
          : `${place.trim() ? `${place.trim()}: ` : ''}${thrown}`;
      throw new ExportError(
        `${where}: expected Keras weights readable as HDF5, received a damaged file (${detail}). ${advice}`,
      );
    }
  });
}

function readVars(
  file: string,
  paths: readonly string[],
  where: string,
  maxValues: number,
  advice: string,
  reading: (path: string | null) => void,
): Map<string, H5Vars[] | null> {
  const f = new h5wasm.File(file, 'r');
  // h5wasm does not throw when HDF5 cannot open a file: the id says so, and every later call would fail instead.
  if (Number(f.file_id) < 0) throw new Error('the HDF5 reader cannot open it');
  const out = new Map<string, H5Vars[] | null>();
  let total = 0;
  try {
    for (const p of paths) {
      reading(`${p}/vars`);
      const g = f.get(`${p}/vars`);
      if (!g || !(g instanceof h5wasm.Group)) {
        out.set(p, null);
        continue;
      }
      const keys = g
        .keys()
        .filter((k) => /^\d+$/.test(k))
        .sort((a, b) => Number(a) - Number(b));
      const vars: H5Vars[] = [];
      keys.forEach((k, i) => {
        if (Number(k) !== i)
          throw new ExportError(
            `${where}: ${p}/vars: expected variables 0…${keys.length - 1}, received ${keys.join(', ')}. ${advice}`,
          );
        reading(`${p}/vars/${k}`);
        const d = g.get(k);
        // Not an ExportError: an object header HDF5 cannot load comes back as a group, and the caller's message
        // then gives the reason HDF5 printed.
        if (!(d instanceof h5wasm.Dataset))
          throw new Error(
            `expected a weight array (an HDF5 dataset), received ${d instanceof h5wasm.Group ? 'a group' : 'an object HDF5 cannot open'}`,
          );
        const shape = (d.shape ?? []).map(Number);
        if (!shape.every((n) => Number.isSafeInteger(n) && n >= 0))
          throw new ExportError(
            `${where}: ${p}/vars/${k}: expected a shape of sizes, received [${shape.join(', ')}]. ${advice}`,
          );
        const count = shape.reduce((a, b) => a * b, 1);
        total += count;
        if (total > maxValues)
          throw new ExportError(
            `${where}: expected at most ${maxValues} weight values, received more (${p}/vars/${k} has shape [${shape.join(', ')}]); refusing to load it.`,
          );
        const dtype = String(d.dtype);
        if (dtype !== '<f' && dtype !== '<d' && dtype !== '>f' && dtype !== '>d')
          throw new ExportError(`${where}: ${p}/vars/${k}: expected float weights, received dtype ${dtype}.`);
        const value = d.value;
        const data = value instanceof Float32Array ? value : Float32Array.from(value as ArrayLike<number>);
        if (data.length !== count)
          throw new ExportError(
            `${where}: ${p}/vars/${k}: expected ${count} values for shape [${shape.join(', ')}], received ${data.length}. ${advice}`,
          );
        vars.push({ shape, data });
      });
      out.set(p, vars);
    }
    reading(null);
  } finally {
    try {
      f.close();
    } catch {
      // closing a file whose read failed can fail too; the read's message is the one that matters
    }
  }
  return out;
}

/**
 * Chooses the TensorFlow.js backend for this process: native TensorFlow through @tensorflow/tfjs-node where it
 * is installed and loads, otherwise the WebAssembly backend (faster than the plain JS cpu backend for every
 * recurrent model measured here, docs/research/tfjs-behaviour.md), otherwise cpu. The choice and its reason are reported to the user,
 * including why native TensorFlow was not used and the command that sets it up (`npm run setup:native-tf`, which
 * builds tfjs-node offline from the PyPI tensorflow-cpu wheel). RNN_STUDIO_BACKEND overrides `auto`.
 * This module and the rest of main/training/ are the only importers of TensorFlow.
 */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import util from 'node:util';
import { dirname, join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { registerBackendOps } from './kernels/index.js';

import type { BackendInfo, BackendPreference } from '../../shared/worker-protocol.js';
import { BACKEND_PREFERENCES } from '../../shared/worker-protocol.js';

export type { BackendInfo, BackendPreference };

const require = createRequire(import.meta.url);

let chosen: BackendInfo | null = null;

/**
 * tfjs-node 4.22 calls `util.isNullOrUndefined` and friends, removed in Node 23 (tfjs#8609; the fix was merged but
 * never released). Electron 40+ bundles Node 24, so the packaged app needs them back before tfjs-node loads.
 */
export function shimRemovedUtilFunctions(): void {
  const u = util as unknown as Record<string, unknown>;
  const shims: Record<string, (x: unknown) => boolean> = {
    isNullOrUndefined: (x) => x === null || x === undefined,
    isArray: (x) => Array.isArray(x),
    isBoolean: (x) => typeof x === 'boolean',
    isNumber: (x) => typeof x === 'number',
    isString: (x) => typeof x === 'string',
    isFunction: (x) => typeof x === 'function',
    isObject: (x) => x !== null && typeof x === 'object',
    isUndefined: (x) => x === undefined,
    isNull: (x) => x === null,
  };
  for (const [name, fn] of Object.entries(shims)) if (typeof u[name] !== 'function') u[name] = fn;
}

/** The command that sets native TensorFlow up offline (scripts/setup-native-tf.mjs; docs/engine.md, "Native TensorFlow offline"). */
export const NATIVE_SETUP_COMMAND = 'npm run setup:native-tf';
const setupHint = (options = '') => `run \`${NATIVE_SETUP_COMMAND}${options ? ` -- ${options}` : ''}\``;

/**
 * Turns an error thrown while loading @tensorflow/tfjs-node into the reason shown to the user, naming the missing
 * file where there is one and the command that fixes it. Pure; the strings matched are the real ones of Node 20 on
 * Linux, Windows and macOS (tfjs issues #2341, #2678, #8579, #8388) and of our own builds (docs/research/native-tf-offline.md).
 */
export function explainNativeLoadError(error: unknown): string {
  const full = error instanceof Error ? error.message : String(error);
  const first = full.split('\n')[0]!.trim();
  const missingModule = /Cannot find module '([^']+)'/.exec(first)?.[1];
  if (missingModule === '@tensorflow/tfjs-node') {
    return `@tensorflow/tfjs-node is not installed — ${setupHint()} for native TensorFlow (offline, from the PyPI wheel)`;
  }
  // tfjs-node's own check (dist/index.js) or, in older versions, the plain require of the binding.
  const addon =
    /tfjs_binding\.node\) can not be found at path: (\S+?)\.?\s/.exec(`${full} `)?.[1] ??
    (missingModule?.endsWith('tfjs_binding.node') ? missingModule : undefined);
  if (addon) {
    return `@tensorflow/tfjs-node is installed but its native addon ${addon} is missing (installed without building it) — ${setupHint()} to build it offline`;
  }
  if (missingModule) {
    return `@tensorflow/tfjs-node is installed but incomplete: ${missingModule} is missing — ${setupHint('--force')} to reinstall it`;
  }
  // Linux: "libtensorflow_cc.so.2: cannot open shared object file: No such file or directory".
  const soMissing = /([^\s:/]+\.so[.\d]*): cannot open shared object file/.exec(first)?.[1];
  if (soMissing) {
    return `@tensorflow/tfjs-node is installed but libtensorflow is missing: ${soMissing} cannot be found (expected in node_modules/@tensorflow/tfjs-node/deps/lib) — ${setupHint()} to unpack it from the PyPI wheel`;
  }
  // macOS: "dlopen(…/tfjs_binding.node, 0x0001): Library not loaded: @rpath/libtensorflow.2.dylib".
  const dylib = /Library not loaded: (\S+)/.exec(full)?.[1];
  if (dylib)
    return `@tensorflow/tfjs-node is installed but libtensorflow is missing: ${dylib.replace(/^@rpath\//, '')} cannot be found in its deps/lib folder — reinstall @tensorflow/tfjs-node on a connected machine`;
  // Windows names only the binding, whose dependency tensorflow.dll is what is missing.
  if (/The specified module could not be found/.test(first)) {
    const binding = /(\S*tfjs_binding\.node)/.exec(full)?.[1];
    return `@tensorflow/tfjs-node is installed but tensorflow.dll, needed by ${binding ?? 'tfjs_binding.node'}, cannot be found — copy deps\\lib\\tensorflow.dll next to tfjs_binding.node or reinstall @tensorflow/tfjs-node`;
  }
  // E.g. the tensorflow-cpu 2.9.1 wheel: its C API lives in the Python extension ("undefined symbol: PyTuple_Type").
  const symbol = /undefined symbol: (\S+)/.exec(first)?.[1];
  if (symbol) {
    return `@tensorflow/tfjs-node's addon does not fit the libtensorflow in its deps/lib folder (undefined symbol ${symbol}) — ${setupHint('--force')} (TensorFlow 2.15.1 by default)`;
  }
  if (/Backend name 'tensorflow' not found in registry/.test(first)) {
    return '@tensorflow/tfjs-node registered its backend with another copy of @tensorflow/tfjs-core — run `npm dedupe` (both must be 4.22.0)';
  }
  if (/Module did not self-register/.test(first)) {
    return '@tensorflow/tfjs-node cannot be loaded twice in one process (tfjs#8388: a second worker thread) — restart RNN Studio';
  }
  return `@tensorflow/tfjs-node failed to load: ${first} — ${setupHint('--check')} for details`;
}

/**
 * TensorFlow's oneDNN custom ops are on by default on x86. For these small recurrent models they cost time: one
 * epoch of Embedding(10000,32)+LSTM(32) on 2,000 sequences of length 100 took 8.26 s with them and 5.78 s without
 * (-30 %), the float LSTM 7.24 → 5.37 s (-26 %), at length 500 41.3 → 38.6 s (-7 %) and 40.1 → 33.1 s (-17 %)
 * (docs/research/native-tf-offline.md); `rnn-studio train examples/forecast-gru.json --epochs 1 --backend tensorflow`
 * took 8.5 / 7.8 s per epoch with them and 4.7 / 4.2 s without (2 busy cores). A value the user set is kept. libtensorflow reads it with getenv() when it
 * loads, and only the main thread's process.env is the real environment: a worker thread's is a copy native code
 * never sees, so a host that trains in a worker must set it on its main thread before starting the worker.
 */
function setNativeEnvDefaults(): { oneDnn: boolean } {
  const before = process.env.TF_ENABLE_ONEDNN_OPTS;
  process.env.TF_ENABLE_ONEDNN_OPTS ??= '0';
  // What libtensorflow will read: in a worker, the value inherited from the host (TF's default, on, when unset).
  const seen = isMainThread ? process.env.TF_ENABLE_ONEDNN_OPTS : before;
  return { oneDnn: !(seen !== undefined && /^(0|false)$/i.test(seen.trim())) };
}

async function tryNative(): Promise<{ ok: true; version: string; note: string } | { ok: false; why: string }> {
  try {
    shimRemovedUtilFunctions();
    const { oneDnn } = setNativeEnvDefaults();
    // tfjs-node registers the "tensorflow" backend with the @tensorflow/tfjs-core it resolves; npm dedupes it to ours.
    const mod = require('@tensorflow/tfjs-node') as { version?: { 'tfjs-node'?: string; 'tfjs-core'?: string } };
    const ok = await tf.setBackend('tensorflow');
    if (!ok) return { ok: false, why: '@tensorflow/tfjs-node loaded but its backend failed to initialise' };
    registerBackendOps('tensorflow');
    const tfVersion = (tf.backend() as unknown as { binding?: { TF_Version?: string } }).binding?.TF_Version;
    const note = `${tfVersion ? `TensorFlow ${tfVersion}, ` : ''}oneDNN ${oneDnn ? 'on (TF_ENABLE_ONEDNN_OPTS=0 before start-up is faster here)' : 'off'}`;
    return { ok: true, version: mod.version?.['tfjs-node'] ?? 'unknown', note };
  } catch (e) {
    return { ok: false, why: explainNativeLoadError(e) };
  }
}

async function tryWasm(): Promise<{ ok: true } | { ok: false; why: string }> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // In Node the wasm binaries are read from the package folder, not fetched.
    wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
    if (!(await tf.setBackend('wasm'))) return { ok: false, why: 'the wasm backend failed to initialise' };
    registerBackendOps('wasm');
    return { ok: true };
  } catch (e) {
    return { ok: false, why: `wasm backend unavailable: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/**
 * `RNN_STUDIO_BACKEND=auto|tensorflow|wasm|cpu` replaces the preference `auto` (what the CLI, the app and the
 * worker pass unless the user chose a backend), e.g. to keep a machine with native TensorFlow on wasm. Unset or
 * empty → null. A value outside the four throws, Keras style.
 */
export function backendFromEnvironment(env: NodeJS.ProcessEnv = process.env): BackendPreference | null {
  const raw = env.RNN_STUDIO_BACKEND?.trim().toLowerCase();
  if (!raw) return null;
  if (!(BACKEND_PREFERENCES as readonly string[]).includes(raw)) {
    throw new Error(
      `RNN_STUDIO_BACKEND must be one of ${BACKEND_PREFERENCES.join(', ')}. Received: RNN_STUDIO_BACKEND=${env.RNN_STUDIO_BACKEND}.`,
    );
  }
  return raw as BackendPreference;
}

/**
 * Initialises the backend once per process (later calls return the first choice unless `preference` names
 * another one explicitly). `auto` means native TensorFlow, else wasm, else cpu, unless RNN_STUDIO_BACKEND names
 * one (backendFromEnvironment). Throws when an explicitly requested backend cannot be used.
 */
export async function initBackend(preference: BackendPreference = 'auto'): Promise<BackendInfo> {
  if (chosen && (preference === 'auto' || preference === chosen.name)) return chosen;
  const fromEnv = preference === 'auto' ? backendFromEnvironment() : null;
  const wanted = fromEnv ?? preference;
  const requested = fromEnv && fromEnv !== 'auto' ? `requested by RNN_STUDIO_BACKEND=${fromEnv}` : 'requested';
  const reasons: string[] = [];
  if (wanted === 'auto' || wanted === 'tensorflow') {
    const r = await tryNative();
    if (r.ok) {
      const detail = `native TensorFlow via @tensorflow/tfjs-node (${r.note}${wanted === 'auto' ? '' : `; ${requested}`})`;
      return (chosen = { name: 'tensorflow', tfjsVersion: tf.version.tfjs, nativeVersion: r.version, detail });
    }
    if (wanted === 'tensorflow')
      throw new Error(
        `Native TensorFlow was ${requested} but ${r.why}. See "Native TensorFlow offline" in docs/engine.md.`,
      );
    reasons.push(r.why);
  }
  if (wanted === 'auto' || wanted === 'wasm') {
    const r = await tryWasm();
    if (r.ok) {
      const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
      return (chosen = {
        name: 'wasm',
        tfjsVersion: tf.version.tfjs,
        detail: `WebAssembly${simd ? ' SIMD' : ''}, 1 thread (${reasons.join('; ') || requested})`,
      });
    }
    if (wanted === 'wasm') throw new Error(r.why);
    reasons.push(r.why);
  }
  await tf.setBackend('cpu');
  registerBackendOps('cpu');
  return (chosen = {
    name: 'cpu',
    tfjsVersion: tf.version.tfjs,
    detail: `plain JavaScript (${reasons.join('; ') || requested})`,
  });
}

/** One line for logs and the UI: "wasm (tfjs 4.22.0) — WebAssembly SIMD, 1 thread (…)". */
export function describeBackend(info: BackendInfo): string {
  return `${info.name} (tfjs ${info.tfjsVersion}${info.nativeVersion ? `, tfjs-node ${info.nativeVersion}` : ''}) — ${info.detail}`;
}

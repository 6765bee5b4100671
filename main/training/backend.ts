/**
 * Chooses the TensorFlow.js backend for this process: native TensorFlow through @tensorflow/tfjs-node where it
 * is installed and loads, otherwise the WebAssembly backend (faster than the plain JS cpu backend for every
 * recurrent model measured here, FINDINGS.md), otherwise cpu. The choice and its reason are reported to the user.
 * This module and the rest of main/training/ are the only importers of TensorFlow.
 */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import util from 'node:util';
import { dirname, join } from 'node:path';
import { registerFastKernels } from './kernels.js';

import type { BackendInfo, BackendPreference } from '../../shared/worker-protocol.js';

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

async function tryNative(): Promise<{ ok: true; version: string } | { ok: false; why: string }> {
  try {
    shimRemovedUtilFunctions();
    // tfjs-node registers the "tensorflow" backend with the @tensorflow/tfjs-core it resolves; npm dedupes it to ours.
    const mod = require('@tensorflow/tfjs-node') as { version?: { 'tfjs-node'?: string; 'tfjs-core'?: string } };
    const ok = await tf.setBackend('tensorflow');
    if (!ok) return { ok: false, why: '@tensorflow/tfjs-node loaded but its backend failed to initialise' };
    return { ok: true, version: mod.version?.['tfjs-node'] ?? 'unknown' };
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    return { ok: false, why: msg.includes("Cannot find module '@tensorflow/tfjs-node'") ? '@tensorflow/tfjs-node is not installed' : `@tensorflow/tfjs-node failed to load: ${msg}` };
  }
}

async function tryWasm(): Promise<{ ok: true } | { ok: false; why: string }> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // In Node the wasm binaries are read from the package folder, not fetched.
    wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
    if (!(await tf.setBackend('wasm'))) return { ok: false, why: 'the wasm backend failed to initialise' };
    registerFastKernels('wasm');
    return { ok: true };
  } catch (e) {
    return { ok: false, why: `wasm backend unavailable: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/**
 * Initialises the backend once per process (later calls return the first choice unless `preference` names
 * another one explicitly). Throws when an explicitly requested backend cannot be used.
 */
export async function initBackend(preference: BackendPreference = 'auto'): Promise<BackendInfo> {
  if (chosen && (preference === 'auto' || preference === chosen.name)) return chosen;
  const reasons: string[] = [];
  if (preference === 'auto' || preference === 'tensorflow') {
    const r = await tryNative();
    if (r.ok) return (chosen = { name: 'tensorflow', tfjsVersion: tf.version.tfjs, nativeVersion: r.version, detail: 'native TensorFlow via @tensorflow/tfjs-node' });
    if (preference === 'tensorflow') throw new Error(`Native TensorFlow was requested but ${r.why}. See the README section "Native TensorFlow offline".`);
    reasons.push(r.why);
  }
  if (preference === 'auto' || preference === 'wasm') {
    const r = await tryWasm();
    if (r.ok) {
      const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
      return (chosen = { name: 'wasm', tfjsVersion: tf.version.tfjs, detail: `WebAssembly${simd ? ' SIMD' : ''}, 1 thread (${reasons.join('; ') || 'requested'})` });
    }
    if (preference === 'wasm') throw new Error(r.why);
    reasons.push(r.why);
  }
  await tf.setBackend('cpu');
  registerFastKernels('cpu');
  return (chosen = { name: 'cpu', tfjsVersion: tf.version.tfjs, detail: `plain JavaScript (${reasons.join('; ') || 'requested'})` });
}

/** One line for logs and the UI: "wasm (tfjs 4.22.0) — WebAssembly SIMD, 1 thread (…)". */
export function describeBackend(info: BackendInfo): string {
  return `${info.name} (tfjs ${info.tfjsVersion}${info.nativeVersion ? `, tfjs-node ${info.nativeVersion}` : ''}) — ${info.detail}`;
}

/**
 * Chooses the TensorFlow.js backend for this process: native TensorFlow through @tensorflow/tfjs-node where it
 * is installed and loads, otherwise the WebAssembly backend (faster than the plain JS cpu backend for every
 * recurrent model measured here, FINDINGS.md), otherwise cpu. The choice and its reason are reported to the user.
 * This module and the rest of main/training/ are the only importers of TensorFlow.
 */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { registerFastKernels } from './kernels.js';

import type { BackendInfo, BackendPreference } from '../../shared/worker-protocol.js';

export type { BackendInfo, BackendPreference };

const require = createRequire(import.meta.url);

let chosen: BackendInfo | null = null;

async function tryNative(): Promise<{ ok: true; version: string } | { ok: false; why: string }> {
  try {
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

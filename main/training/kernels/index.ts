/**
 * The one door to our kernels (issue #14): the rest of the engine imports from this folder only through this module
 * (eslint.config.js enforces it), so a kernel provider or layout can change behind it without touching the trainer,
 * the builder, the backend chooser or the predictor. Tests inside the folder may reach the internals.
 *
 * - our recurrent layer classes (recurrent-layers.ts), and accelerating a built model: its recurrent layers on the
 *   fused kernels (fused-rnn.ts), with the path each takes;
 * - the optimizer step on the kernels (optimizer.ts);
 * - register our row ops (the Embedding's gather and its gradient) on a TF.js backend (row-ops.ts);
 * - describe the kernels: label, threads, provider and why it was chosen (kernels-wasm.ts, kernel-provider.ts,
 *   kernels-native.ts);
 * - the figures the memory check needs, and the hooks the training-parity tests use.
 */
import { kernelProviderOf } from './kernels-native.js';
import { describeKernels, heapOf, kernelsChoice, kernelsLabel, rnnKernels, threadsOf } from './kernels-wasm.js';
import { HostOptimizer } from './optimizer.js';
import type { HostOptimizerName } from './optimizer.js';
import { registerFastKernels, registerNativeKernels } from './row-ops.js';

export { accelerateModel, HiddenGradientProbe, probeKwargs } from './fused-rnn.js';
export { acceleratable, recurrentLayers } from './recurrent-layers.js';
export { fusedRecurrenceEnabled, kernelMemoryLimit, setDropoutMaskSource } from './fused-rnn.js';
export type { CellKind, DropoutMaskRequest, DropoutMaskSource, DropoutMasks } from './fused-rnn.js';
export { kerasCellOf, kerasCellStep } from './keras-recurrence.js';
export type { KerasCell, StepMasks, TfjsCellLike } from './keras-recurrence.js';
export { kernelThreadCount } from './kernel-threads.js';
export { kernelStepBytes } from './step-memory.js';
export { describeKernels };
export type { HostOptimizer, HostOptimizerName };

/** The optimizer step with Keras's defaults for the other hyper-parameters (rho 0.9, betas 0.9/0.999, eps 1e-7). */
export function createOptimizer(name: HostOptimizerName, learningRate: number): HostOptimizer {
  return new HostOptimizer(name, learningRate);
}

/** Our row ops on the backend just chosen: native TensorFlow runs them in kernel memory, cpu and wasm on their own. */
export function registerBackendOps(backend: 'cpu' | 'wasm' | 'tensorflow'): void {
  if (backend === 'tensorflow') registerNativeKernels();
  else registerFastKernels(backend);
}

export interface KernelInfo {
  /** "WebAssembly relaxed SIMD (fused multiply-add)", "WebAssembly SIMD" or the native provider's label. */
  label: string;
  provider: 'wasm' | 'native';
  /** JavaScript threads that share a kernel call (the native provider is driven by one and threads itself). */
  threads: number;
  /** Why the native provider is not the one running (or a note on RNN_STUDIO_KERNELS); null when none. */
  reason: string | null;
}

/** The kernels of this thread, or null when they cannot load (the reason is on each layer's recurrence path). */
export function kernelInfo(): KernelInfo | null {
  const k = rnnKernels();
  if (!k) return null;
  return {
    label: kernelsLabel()!,
    provider: kernelProviderOf(k),
    threads: threadsOf(k).threads,
    reason: kernelsChoice().reason,
  };
}

export function kernelsAvailable(): boolean {
  return rnnKernels() !== null;
}

/** The kernels' memory as it stands: its size (it only grows) and the bytes held in it now. */
export function kernelMemory(): { bytes: number; inUse: number } | null {
  const k = rnnKernels();
  return k ? { bytes: k.memory.buffer.byteLength, inUse: heapOf(k).inUse() } : null;
}

/** Resolves once every helper thread of the kernels is up (they start on first use, each a V8 isolate). */
export async function kernelThreadsReady(): Promise<void> {
  const k = rnnKernels();
  if (!k) return;
  const threads = threadsOf(k);
  while (threads.readyHelpers() < threads.threads - 1) await new Promise((r) => setTimeout(r, 20));
}

/**
 * The engine's memory check before a run (and before the time probe): the estimate of shared/memory-estimate.ts on
 * this machine — its kernel threads, its backend, its memory — with the kernels' own figure for their WebAssembly
 * memory. A run that cannot fit is refused with the figure before the model is built; before this, units 65536 died in
 * TF.js's initializer with "Invalid typed array length", and units 4096 after growing the process to 5.5 GB.
 */
import os from 'node:os';
import { estimateTrainingMemory, memoryIssues, TFJS_WASM_HEAP_BYTES } from '../../shared/memory-estimate.js';
import type { MemoryEstimate, MemoryLimits } from '../../shared/memory-estimate.js';
import type { ModelSpec, ResolvedTraining } from '../../shared/model-spec.js';
import type { LayerInfo, SpecIssue } from '../../shared/shape-inference.js';
import type { BackendInfo } from '../../shared/worker-protocol.js';
import { NATIVE_SETUP_COMMAND } from './backend.js';
import {
  fusedRecurrenceEnabled,
  kernelMemoryLimit,
  kernelInfo,
  kernelStepBytes,
  kernelThreadCount,
  kernelsAvailable,
} from './kernels/index.js';

/**
 * This machine's memory, or the container's limit where one is set lower (cgroups). RNN_STUDIO_MACHINE_MEMORY_MB
 * replaces the figure (tests: a small model then meets the "more than half of this machine" warning).
 */
export function machineMemoryBytes(env: NodeJS.ProcessEnv = process.env): number {
  const forced = Number(env.RNN_STUDIO_MACHINE_MEMORY_MB);
  if (env.RNN_STUDIO_MACHINE_MEMORY_MB && Number.isFinite(forced) && forced > 0) return Math.round(forced * 2 ** 20);
  const total = os.totalmem();
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : undefined;
  return constrained !== undefined && constrained > 0 ? Math.min(total, constrained) : total;
}

export interface MemoryCheck {
  /** Null when a shape is unknown (the spec has errors, reported elsewhere). */
  estimate: MemoryEstimate | null;
  /** Errors refuse the run; warnings are for the user to see. */
  issues: SpecIssue[];
}

/**
 * The memory a run of `spec` will need on this machine with `backend`, and whether it fits: the fused kernels'
 * WebAssembly memory (exact), TF.js's heap on the WebAssembly backend, and the machine's memory (an error past it,
 * a warning past half of it). `limits` replaces the machine's own figures (tests).
 */
export function checkTrainingMemory(
  spec: ModelSpec,
  layers: readonly LayerInfo[],
  training: Pick<ResolvedTraining, 'batchSize' | 'optimizer'>,
  backend: BackendInfo['name'] | null,
  limits: MemoryLimits = {},
): MemoryCheck {
  const fused = fusedRecurrenceEnabled() && kernelsAvailable();
  const threads = kernelThreadCount();
  const estimate = estimateTrainingMemory(spec, layers, {
    batchSize: training.batchSize,
    optimizer: training.optimizer,
    threads,
    provider: kernelInfo()?.provider ?? 'wasm',
    fused,
  });
  if (!estimate) return { estimate: null, issues: [] };
  const kernelBytes = kernelStepBytes(estimate, threads);
  const exact: MemoryEstimate = {
    ...estimate,
    kernelBytes,
    totalBytes: estimate.totalBytes - estimate.kernelBytes + kernelBytes,
  };
  const issues = memoryIssues(exact, {
    kernelBytes: fused ? kernelMemoryLimit() : undefined,
    backend:
      backend === 'wasm'
        ? {
            name: 'WebAssembly',
            bytes: TFJS_WASM_HEAP_BYTES,
            limit: '4 GiB',
            instead: `use native TensorFlow (\`${NATIVE_SETUP_COMMAND}\`)`,
          }
        : null,
    machineBytes: machineMemoryBytes(),
    ...limits,
  });
  return { estimate: exact, issues };
}

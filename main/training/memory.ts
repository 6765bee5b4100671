/**
 * The engine's memory check before a run (and before the time probe): the estimate of shared/memory-estimate.ts on
 * this machine — its kernel threads, its backend, its memory — with the kernels' own figure for their WebAssembly
 * memory. A run that cannot fit is refused with the figure before the model is built; before this, units 65536 died in
 * TF.js's initializer with "Invalid typed array length", and units 4096 after growing the process to 5.5 GB.
 */
import os from 'node:os';
import {
  estimateTrainingMemory,
  kernelSlices,
  memoryIssues,
  OPTIMIZER_SLOTS,
  TFJS_WASM_HEAP_BYTES,
} from '../../shared/memory-estimate.js';
import type { MemoryEstimate, MemoryLimits } from '../../shared/memory-estimate.js';
import type { ModelSpec, ResolvedTraining } from '../../shared/model-spec.js';
import type { LayerInfo, SpecIssue } from '../../shared/shape-inference.js';
import type { BackendInfo } from '../../shared/worker-protocol.js';
import { NATIVE_SETUP_COMMAND } from './backend.js';
import { fusedRecurrenceEnabled, kernelMemoryLimit, layBackward, layForward } from './fused/fused-rnn.js';
import { KernelHeap, rnnKernels } from './fused/kernels-wasm.js';
import type { RnnKernels } from './fused/kernels-wasm.js';
import { kernelThreadCount } from './fused/kernel-threads.js';
import { stageUpdate } from './host-optimizer.js';

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

/** A heap over a memory that only counts its size: the kernels' allocator laying out buffers that never exist. */
function countingHeap(k: RnnKernels): { heap: KernelHeap; bytes(): number } {
  // The kernels' memory starts at one page (kernels-wasm.ts loadKernels).
  let size = 65_536;
  const memory = {
    get buffer() {
      return { byteLength: size };
    },
    grow(pages: number) {
      const before = size / 65_536;
      size += pages * 65_536;
      return before;
    },
  };
  return { heap: new KernelHeap({ heapBase: () => k.heapBase(), memory }), bytes: () => size };
}

/**
 * The size the kernels' WebAssembly memory reaches in one training step of the estimate's fused layers, as
 * memory.buffer.byteLength will read it: the forward passes keep their state layer by layer, the backward passes
 * run last layer first, each releasing what its forward pass kept; then the optimizer stages its largest weight.
 * Exact, because it makes the kernels' own allocations (layForward, layBackward, stageUpdate) in their order, on
 * a memory that only counts. 0 when the kernels are not available.
 */
export function kernelStepBytes(e: MemoryEstimate, threads: number, hiddenNorms = true): number {
  const k = rnnKernels();
  if (!k) return 0;
  const calls = e.layers.filter((m) => m.kernelCalls.length > 0).map((m) => m.kernelCalls);
  const step = countingHeap(k);
  const kept = calls.map((call) => {
    const laid = call.map((layer) => layForward(step.heap, layer));
    for (const l of laid) step.heap.release(l.scratch.region);
    return laid.map((l) => l.saved.region);
  });
  for (let i = calls.length - 1; i >= 0; i--) {
    const call = calls[i]!;
    const slices = kernelSlices(threads, call[0]!.batch, call.length);
    const regions = call.map((layer) => layBackward(step.heap, layer, slices, hiddenNorms).region);
    regions.forEach((region, j) => {
      step.heap.release(region);
      step.heap.release(kept[i]![j]!);
    });
  }
  const update = countingHeap(k);
  const largest = Math.max(0, ...e.layers.map((m) => m.largestWeight));
  const staged = largest > 0 ? stageUpdate(update.heap, largest, OPTIMIZER_SLOTS[e.optimizer]) : null;
  for (const p of staged ?? []) update.heap.release(p);
  return Math.max(step.bytes(), update.bytes());
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
  const fused = fusedRecurrenceEnabled() && rnnKernels() !== null;
  const threads = kernelThreadCount();
  const estimate = estimateTrainingMemory(spec, layers, {
    batchSize: training.batchSize,
    optimizer: training.optimizer,
    threads,
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

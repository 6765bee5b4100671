/**
 * The kernels' own figure for their memory in one training step, before any of it exists (main/training/memory.ts's
 * check before a run): the layout code of the kernels run on a memory that only counts, so the figure cannot drift
 * from what a step will allocate.
 */
import { kernelParts, OPTIMIZER_SLOTS } from '../../../shared/memory-estimate.js';
import type { MemoryEstimate } from '../../../shared/memory-estimate.js';
import { layBackward, layForward } from './fused-rnn.js';
import { kernelProviderOf } from './kernels-native.js';
import { KernelHeap, rnnKernels } from './kernels-wasm.js';
import type { RnnKernels } from './kernels-wasm.js';
import { stageUpdate } from './optimizer.js';

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
    const slices = kernelParts(kernelProviderOf(k), threads, call[0]!, call.length);
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

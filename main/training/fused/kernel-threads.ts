/**
 * Splits a batch across threads for the fused recurrent kernels. Every sequence of a batch is independent until
 * the weight gradients are summed, so each thread runs whole sequences for its slice of the batch in the memory
 * all threads share (one WebAssembly.Memory); the caller adds up the per-slice weight gradients. This thread does
 * the first slice itself and blocks (Atomics.wait) until the others are done: training already runs in a worker
 * thread, never on a UI thread. One helper per further core (RNN_STUDIO_KERNEL_THREADS overrides the count).
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

export type KernelFunction = 'seqForward' | 'seqBackward';
const FUNCTION_INDEX: Record<KernelFunction, number> = { seqForward: 0, seqBackward: 1 };
const CONTROL_INTS = 64;
const ARGS_AT = 8;

interface Helper { worker: Worker; ctl: Int32Array; job: number; lastError: string | null }

/** How many threads share a batch: RNN_STUDIO_KERNEL_THREADS, else one per core (at most 8). */
export function kernelThreadCount(env: NodeJS.ProcessEnv = process.env): number {
  const forced = Number(env.RNN_STUDIO_KERNEL_THREADS);
  if (Number.isInteger(forced) && forced >= 1) return Math.min(forced, 16);
  return Math.max(1, Math.min(8, os.availableParallelism()));
}

/** kernel-thread.mjs beside this module; in a packaged app, its unpacked copy (electron-builder.yml asarUnpack). */
function threadEntry(): string {
  return fileURLToPath(new URL('./kernel-thread.mjs', import.meta.url)).replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}

export class KernelThreads {
  private readonly helpers: Helper[] = [];

  /** `module` and `memory` are the kernels' own (the memory must be shared). */
  constructor(module: object, memory: object, readonly threads: number) {
    for (let i = 1; i < threads; i++) {
      const control = new SharedArrayBuffer(CONTROL_INTS * 4);
      const worker = new Worker(threadEntry(), { workerData: { module, memory, control } });
      const helper: Helper = { worker, ctl: new Int32Array(control), job: 0, lastError: null };
      worker.on('message', (m: string) => { helper.lastError = m; });
      // Helpers idle in Atomics.wait; they must not keep the process alive. (After `on('message')`, which refs
      // the worker again: unref'd before it, a process with idle helpers never exits.)
      worker.unref();
      this.helpers.push(helper);
    }
  }

  /**
   * Runs `fn` once per argument list, in parallel: parts[0] on this thread, parts[i] on helper i − 1. A part
   * with no helper (more parts than threads) or whose helper is not ready yet (still starting, or failed to start)
   * runs here, after parts[0]. Returns when all are done; throws if any threw.
   */
  run(fn: KernelFunction, parts: number[][], local: (args: number[]) => void): void {
    const busy: Helper[] = [];
    const mine = [parts[0]!];
    for (let i = 1; i < parts.length; i++) {
      const h = this.helpers[i - 1];
      const args = parts[i]!;
      if (!h || Atomics.load(h.ctl, 5) !== 1) {
        mine.push(args);
        continue;
      }
      h.ctl[2] = FUNCTION_INDEX[fn];
      h.ctl[3] = args.length;
      for (let a = 0; a < args.length; a++) h.ctl[ARGS_AT + a] = args[a]! | 0;
      h.job++;
      Atomics.store(h.ctl, 0, h.job);
      Atomics.notify(h.ctl, 0);
      busy.push(h);
    }
    let localError: unknown = null;
    try {
      for (const args of mine) local(args);
    } catch (e) {
      localError = e;
    }
    for (const h of busy) {
      for (;;) {
        const done = Atomics.load(h.ctl, 1);
        if (done === h.job) break;
        Atomics.wait(h.ctl, 1, done, 1000);
      }
    }
    if (localError) throw localError;
    const failed = busy.find((h) => Atomics.load(h.ctl, 4) === 1);
    if (failed) throw new Error(`a fused-kernel thread failed${failed.lastError ? `: ${failed.lastError}` : ''}`);
  }

  /** How many helpers are ready to take work (tests wait for them). */
  readyHelpers(): number {
    return this.helpers.filter((h) => Atomics.load(h.ctl, 5) === 1).length;
  }

  /** Splits `batch` samples into at most `ways` (default: one per thread) contiguous slices [start, end). */
  slices(batch: number, ways = this.threads): [number, number][] {
    const n = Math.max(1, Math.min(ways, batch));
    const out: [number, number][] = [];
    for (let i = 0; i < n; i++) out.push([Math.floor((i * batch) / n), Math.floor(((i + 1) * batch) / n)]);
    return out;
  }
}

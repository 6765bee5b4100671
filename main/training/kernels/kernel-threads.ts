/**
 * Runs the fused recurrent kernels on several threads. Every sequence of a batch is independent until the weight
 * gradients are summed, so a kernel call is cut into parts — slices of the batch, of one or more layers (the two
 * directions of a Bidirectional layer) — that run whole sequences in the memory all threads share (one
 * WebAssembly.Memory); the caller adds up the per-slice weight gradients. The parts go to whichever thread asks
 * first: this thread and the helpers each take the next part from a shared counter until none is left, so a helper
 * that starts late, or a core taken by other work for a while, costs only its share. (Handing out the parts in a
 * fixed order left this thread waiting 4–8 ms per training step of a Bidirectional LSTM for the other one.)
 * This thread blocks (Atomics.wait) until every part is done: training already runs in a worker thread, never on a
 * UI thread. One helper per further core (RNN_STUDIO_KERNEL_THREADS overrides the count).
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

export type KernelFunction = 'seqForward' | 'seqBackward';
const FUNCTION_INDEX: Record<KernelFunction, number> = { seqForward: 0, seqBackward: 1 };

/**
 * The control block shared with kernel-thread.mjs (Int32Array over a SharedArrayBuffer); the layout is written out
 * there too. A job is published by writing its arguments, then NEXT = 0, then bumping GENERATION; NEXT is set past
 * any part count once the job is done, so that a helper still reaching for the previous job's parts gets none.
 */
export const CONTROL = {
  GENERATION: 0,
  FUNCTION: 1,
  PARTS: 2,
  STRIDE: 3,
  NEXT: 4,
  DONE: 5,
  FAILED: 6,
  READY: 7,
  ARGS: 8,
} as const;
const MAX_PARTS = 64;
const MAX_ARGS = 40;
const CLOSED = 1 << 30;

interface Helper {
  worker: Worker;
  lastError: string | null;
}

/** How many threads share a kernel call: RNN_STUDIO_KERNEL_THREADS, else one per core (at most 8). */
export function kernelThreadCount(env: NodeJS.ProcessEnv = process.env): number {
  const forced = Number(env.RNN_STUDIO_KERNEL_THREADS);
  if (Number.isInteger(forced) && forced >= 1) return Math.min(forced, 16);
  return Math.max(1, Math.min(8, os.availableParallelism()));
}

/** kernel-thread.mjs beside this module; in a packaged app, its unpacked copy (electron-builder.yml asarUnpack). */
function threadEntry(): string {
  return fileURLToPath(new URL('./kernel-thread.mjs', import.meta.url)).replace(
    /([\\/])app\.asar([\\/])/,
    '$1app.asar.unpacked$2',
  );
}

export class KernelThreads {
  private readonly helpers: Helper[] = [];
  private readonly ctl = new Int32Array(new SharedArrayBuffer((CONTROL.ARGS + MAX_PARTS * MAX_ARGS) * 4));
  /** The last call's part count, and how many of them this thread ran (the rest ran on helpers), for tests. */
  lastRun = { parts: 0, here: 0 };

  /** `module` and `memory` are the kernels' own (the memory must be shared). */
  constructor(
    module: object,
    memory: object,
    readonly threads: number,
  ) {
    Atomics.store(this.ctl, CONTROL.NEXT, CLOSED);
    for (let i = 1; i < threads; i++) {
      const worker = new Worker(threadEntry(), { workerData: { module, memory, control: this.ctl.buffer } });
      const helper: Helper = { worker, lastError: null };
      worker.on('message', (m: string) => {
        helper.lastError = m;
      });
      // Helpers idle in Atomics.wait; they must not keep the process alive. (After `on('message')`, which refs
      // the worker again: unref'd before it, a process with idle helpers never exits.)
      worker.unref();
      this.helpers.push(helper);
    }
  }

  /**
   * Runs `fn` once per argument list, spread over this thread and the helpers (`local` runs one here). Returns when
   * all are done; throws if any threw.
   */
  run(fn: KernelFunction, parts: number[][], local: (args: number[]) => void): void {
    const ctl = this.ctl;
    const n = parts.length;
    const stride = Math.max(...parts.map((p) => p.length));
    if (n > MAX_PARTS || stride > MAX_ARGS)
      throw new Error(`a kernel call of ${n} parts × ${stride} arguments exceeds the control block`);
    // Nobody helps with one part, or when no helper is up yet: no job to publish.
    if (n === 1 || Atomics.load(ctl, CONTROL.READY) === 0) {
      for (const args of parts) local(args);
      this.lastRun = { parts: n, here: n };
      return;
    }
    ctl[CONTROL.FUNCTION] = FUNCTION_INDEX[fn];
    ctl[CONTROL.PARTS] = n;
    ctl[CONTROL.STRIDE] = stride;
    parts.forEach((args, i) =>
      args.forEach((a, j) => {
        ctl[CONTROL.ARGS + i * stride + j] = a | 0;
      }),
    );
    Atomics.store(ctl, CONTROL.DONE, 0);
    Atomics.store(ctl, CONTROL.FAILED, 0);
    Atomics.store(ctl, CONTROL.NEXT, 0);
    Atomics.add(ctl, CONTROL.GENERATION, 1);
    Atomics.notify(ctl, CONTROL.GENERATION);

    let localError: unknown = null;
    let here = 0;
    for (;;) {
      const i = Atomics.add(ctl, CONTROL.NEXT, 1);
      if (i >= n) break;
      try {
        local(parts[i]!);
      } catch (e) {
        localError ??= e;
      }
      here++;
      Atomics.add(ctl, CONTROL.DONE, 1);
    }
    for (;;) {
      const done = Atomics.load(ctl, CONTROL.DONE);
      if (done >= n) break;
      Atomics.wait(ctl, CONTROL.DONE, done, 1000);
    }
    Atomics.store(ctl, CONTROL.NEXT, CLOSED);
    this.lastRun = { parts: n, here };
    if (localError) throw localError;
    if (Atomics.load(ctl, CONTROL.FAILED) !== 0) {
      const message = this.helpers.map((h) => h.lastError).find(Boolean);
      throw new Error(`a fused-kernel thread failed${message ? `: ${message}` : ''}`);
    }
  }

  /** How many helpers are ready to take work (tests wait for them). */
  readyHelpers(): number {
    return Atomics.load(this.ctl, CONTROL.READY);
  }

  /** Splits `batch` samples into at most `ways` (default: one per thread) contiguous slices [start, end). */
  slices(batch: number, ways = this.threads): [number, number][] {
    const n = Math.max(1, Math.min(ways, batch));
    const out: [number, number][] = [];
    for (let i = 0; i < n; i++) out.push([Math.floor((i * batch) / n), Math.floor(((i + 1) * batch) / n)]);
    return out;
  }
}

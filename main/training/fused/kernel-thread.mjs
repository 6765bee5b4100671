// A kernel thread: runs its slice of a batch through the fused recurrent kernels, in the memory it shares with
// the thread that drives training (kernel-threads.ts). Plain JavaScript so that it starts without a TypeScript
// loader, in development and in the Electron bundle alike. Protocol (Int32Array over a SharedArrayBuffer):
// [0] job number (−1: exit), [1] last job done, [2] function index, [3] argument count, [4] 1 if the job threw,
// [5] 1 once this thread is ready (the driver runs slices itself until then), [8…] arguments (pointers and
// integers; pointers above 2 GiB arrive negative and mean the same bits to wasm).
import { parentPort, workerData } from 'node:worker_threads';

const { module, memory, control } = workerData;
const instance = new WebAssembly.Instance(module, { env: { memory } });
const functions = [instance.exports.seqForward, instance.exports.seqBackward];
const ctl = new Int32Array(control);
Atomics.store(ctl, 5, 1);
let seen = 0;
for (;;) {
  // A timeout keeps the thread responsive to termination (process exit) while it idles.
  Atomics.wait(ctl, 0, seen, 1000);
  const job = Atomics.load(ctl, 0);
  if (job === seen) continue;
  if (job < 0) break;
  seen = job;
  try {
    functions[ctl[2]](...ctl.subarray(8, 8 + ctl[3]));
    Atomics.store(ctl, 4, 0);
  } catch (error) {
    Atomics.store(ctl, 4, 1);
    parentPort?.postMessage(String(error?.stack ?? error));
  }
  Atomics.store(ctl, 1, job);
  Atomics.notify(ctl, 1);
}

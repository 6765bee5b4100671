// A kernel thread: runs parts of fused-kernel calls (slices of a batch) in the memory it shares with the thread
// that drives training (kernel-threads.ts). Plain JavaScript so that it starts without a TypeScript loader, in
// development and in the Electron bundle alike. The control block is an Int32Array over a SharedArrayBuffer:
// [0] job generation, [1] function index, [2] part count, [3] arguments per part, [4] next part to take,
// [5] parts done, [6] 1 if a part threw, [7] helpers ready, [8…] the parts' arguments (pointers and integers;
// pointers above 2 GiB arrive negative and mean the same bits to wasm).
import { parentPort, workerData } from 'node:worker_threads';

const GENERATION = 0,
  FUNCTION = 1,
  PARTS = 2,
  STRIDE = 3,
  NEXT = 4,
  DONE = 5,
  FAILED = 6,
  READY = 7,
  ARGS = 8;
const { module, memory, control } = workerData;
const instance = new WebAssembly.Instance(module, { env: { memory } });
const functions = [instance.exports.seqForward, instance.exports.seqBackward];
const ctl = new Int32Array(control);
let seen = Atomics.load(ctl, GENERATION);
Atomics.add(ctl, READY, 1);
for (;;) {
  // A timeout keeps the thread responsive to termination (process exit) while it idles.
  Atomics.wait(ctl, GENERATION, seen, 1000);
  const generation = Atomics.load(ctl, GENERATION);
  if (generation === seen) continue;
  seen = generation;
  // Take parts until none is left. A part index is only valid while the job is open: the driver publishes a job's
  // arguments before opening it and closes it (NEXT past any count) before writing the next one.
  for (;;) {
    const i = Atomics.add(ctl, NEXT, 1);
    if (i >= ctl[PARTS]) break;
    const stride = ctl[STRIDE];
    try {
      functions[ctl[FUNCTION]](...ctl.subarray(ARGS + i * stride, ARGS + (i + 1) * stride));
    } catch (error) {
      Atomics.store(ctl, FAILED, 1);
      parentPort?.postMessage(String(error?.stack ?? error));
    }
    Atomics.add(ctl, DONE, 1);
    Atomics.notify(ctl, DONE);
  }
}

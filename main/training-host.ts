/**
 * The host side of the training worker: starts `training/worker` in a worker_threads Worker, forwards typed
 * events, and turns a crash of the worker into an error event so the caller stays usable.
 * Lives outside main/training/ so hosts never load TensorFlow on their own thread.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { extname } from 'node:path';
import type { ModelSpec } from '../shared/model-spec.js';
import type { RunOptions, WorkerEvent, WorkerRequest } from '../shared/worker-protocol.js';

export interface TrainingHandle {
  pause(): void;
  resume(): void;
  stop(): void;
  /** Resolves with the last event of the run: `done` or `error`. */
  finished: Promise<Extract<WorkerEvent, { type: 'done' } | { type: 'error' }>>;
}

/**
 * Compiled (.js) or run from source through tsx (.ts): the worker file has the same extension as this module.
 * Node 20 does not carry a loader registered with `--import tsx` over to worker threads, so a .ts worker starts
 * from a tiny bootstrap that registers tsx inside the worker first.
 */
function createWorker(): Worker {
  const ext = extname(fileURLToPath(import.meta.url));
  const url = new URL(`./training/worker${ext}`, import.meta.url);
  if (ext !== '.ts') return new Worker(url);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(bootstrap, { eval: true });
}

/** Starts one run in a fresh worker thread; the worker exits when the run ends. */
export function startTraining(spec: ModelSpec, specDir: string, options: RunOptions, onEvent: (e: WorkerEvent) => void): TrainingHandle {
  // Worker threads inherit execArgv, so a host started with `--import tsx` runs the .ts worker as well.
  const worker = createWorker();
  const send = (m: WorkerRequest) => worker.postMessage(m);
  let settled = false;
  const finished = new Promise<Extract<WorkerEvent, { type: 'done' } | { type: 'error' }>>((resolve) => {
    const finish = (e: Extract<WorkerEvent, { type: 'done' } | { type: 'error' }>) => {
      if (settled) return;
      settled = true;
      resolve(e);
      void worker.terminate();
    };
    worker.on('message', (e: WorkerEvent) => {
      onEvent(e);
      if (e.type === 'done' || e.type === 'error') finish(e);
    });
    worker.on('error', (err) => {
      const e: WorkerEvent = { type: 'error', stage: 'engine', message: `The training worker crashed: ${err.message}` };
      onEvent(e);
      finish(e);
    });
    worker.on('exit', (code) => {
      if (settled) return;
      const e: WorkerEvent = { type: 'error', stage: 'engine', message: `The training worker exited unexpectedly (exit code ${code}).` };
      onEvent(e);
      finish(e);
    });
  });
  send({ type: 'start', spec, specDir, options });
  return {
    pause: () => send({ type: 'pause' }),
    resume: () => send({ type: 'resume' }),
    stop: () => send({ type: 'stop' }),
    finished,
  };
}

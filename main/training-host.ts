/**
 * The host side of the training worker: starts `training/worker` in a worker_threads Worker, forwards typed
 * events, and turns a crash of the worker into an error event so the caller stays usable.
 * Lives outside main/training/ so hosts never load TensorFlow on their own thread.
 */
import { startWorker } from './worker-thread.js';
import type { CheckedSpec } from '../shared/shape-inference.js';
import type { RunOptions, WorkerEvent, WorkerRequest } from '../shared/worker-protocol.js';
import type { ClassifierDiagnostics } from '../shared/classifier-metrics.js';

type FinalEvent = Extract<
  WorkerEvent,
  { type: 'done' } | { type: 'error' } | { type: 'prediction' } | { type: 'estimate' } | { type: 'inside' }
>;

export interface TrainingHandle {
  pause(): void;
  resume(): void;
  stop(): void;
  /** Records the gradient flow through time on the next batch. */
  sampleGradients(): void;
  /** Resolves with the last event of the run: `done` or `error`. */
  finished: Promise<Extract<WorkerEvent, { type: 'done' } | { type: 'error' }>>;
}

/** Where the worker entry lives when this module is bundled (Electron): set by the bundle's entry point (tests: a fault-injecting entry; null = the default). */
let workerEntryOverride: string | null = null;
export function setWorkerEntry(path: string | null): void {
  workerEntryOverride = path;
}

function createWorker() {
  // Native TensorFlow reads this when it loads, and a worker's process.env changes never reach native code, so it is
  // set here, before the worker starts: oneDNN off measured 4.2–4.7 s vs 7.8–8.5 s per forecast-gru epoch
  // (docs/research/native-tf-offline.md). A user's own setting wins.
  process.env.TF_ENABLE_ONEDNN_OPTS ??= '0';
  return startWorker('training/worker', workerEntryOverride);
}

/** Runs one request in a fresh worker thread until its final event (done, error or prediction), then ends it. */
function runTask(
  first: WorkerRequest,
  onEvent: (e: WorkerEvent) => void,
): { send: (m: WorkerRequest) => void; finished: Promise<FinalEvent> } {
  const worker = createWorker();
  const send = (m: WorkerRequest) => worker.postMessage(m);
  let settled = false;
  const finished = new Promise<FinalEvent>((resolve) => {
    const finish = (e: FinalEvent) => {
      if (settled) return;
      settled = true;
      resolve(e);
      void worker.terminate();
    };
    worker.on('message', (e: WorkerEvent) => {
      onEvent(e);
      if (
        e.type === 'done' ||
        e.type === 'error' ||
        e.type === 'prediction' ||
        e.type === 'estimate' ||
        e.type === 'inside'
      )
        finish(e);
    });
    worker.on('error', (err) => {
      const e: WorkerEvent = { type: 'error', stage: 'engine', message: `The training worker crashed: ${err.message}` };
      onEvent(e);
      finish(e);
    });
    worker.on('exit', (code) => {
      if (settled) return;
      const e: WorkerEvent = {
        type: 'error',
        stage: 'engine',
        message: `The training worker exited unexpectedly (exit code ${code}).`,
      };
      onEvent(e);
      finish(e);
    });
  });
  send(first);
  return { send, finished };
}

/** Starts one run in a fresh worker thread; the worker exits when the run ends. */
export function startTraining(
  { spec, analysis }: CheckedSpec,
  specDir: string,
  options: RunOptions,
  onEvent: (e: WorkerEvent) => void,
): TrainingHandle {
  const { send, finished } = runTask({ type: 'start', spec, analysis, specDir, options }, onEvent);
  return {
    pause: () => send({ type: 'pause' }),
    resume: () => send({ type: 'resume' }),
    stop: () => send({ type: 'stop' }),
    sampleGradients: () => send({ type: 'sample-gradients' }),
    finished: finished as Promise<Extract<WorkerEvent, { type: 'done' } | { type: 'error' }>>,
  };
}

/** Runs a prediction request in a worker thread (TensorFlow never loads on the host's thread). */
export async function runPrediction(
  request: Extract<WorkerRequest, { type: 'predict-text' | 'predict-series' }>,
): Promise<Extract<WorkerEvent, { type: 'prediction' } | { type: 'error' }>> {
  const last = await runTask(request, () => {}).finished;
  if (last.type !== 'prediction' && last.type !== 'error')
    throw new Error('a prediction request ended with another result');
  return last;
}

/** A text classifier's diagnostics on its validation split, computed in a worker thread. */
export async function runDiagnosis(
  request: Extract<WorkerRequest, { type: 'diagnose' }>,
): Promise<{ type: 'diagnostics'; result: ClassifierDiagnostics } | Extract<WorkerEvent, { type: 'error' }>> {
  const last = await runTask(request, () => {}).finished;
  if (last.type === 'error') return last;
  if (last.type !== 'prediction' || !('confusion' in last.result))
    throw new Error('a diagnose request ended with another result');
  return { type: 'diagnostics', result: last.result };
}

/** Looks inside a saved run's recurrent layers in a worker thread (states, gates, occlusion: inside-recurrence.ts). */
export async function runInside(
  request: Extract<WorkerRequest, { type: 'inside' }>,
): Promise<Extract<WorkerEvent, { type: 'inside' } | { type: 'error' }>> {
  const last = await runTask(request, () => {}).finished;
  if (last.type !== 'inside' && last.type !== 'error') throw new Error('an inside request ended with another result');
  return last;
}

/** Probes a run in a fresh worker thread (the backend the run would use) and estimates its time. */
export async function runEstimate(
  { spec, analysis }: CheckedSpec,
  specDir: string,
  options: RunOptions,
): Promise<Extract<WorkerEvent, { type: 'estimate' } | { type: 'error' }>> {
  const last = await runTask({ type: 'estimate', spec, analysis, specDir, options }, () => {}).finished;
  if (last.type !== 'estimate' && last.type !== 'error')
    throw new Error('an estimate request ended with another result');
  return last;
}

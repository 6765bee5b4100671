/**
 * Runs a file job (file-jobs.ts) in a fresh worker thread with a bounded heap, so that reading, parsing and hashing
 * never block the host's event loop and a file that needs too much memory ends that worker, not the host.
 */
import type { Worker } from 'node:worker_threads';
import type { FileJob, FileJobError, FileJobResults } from './file-jobs.js';
import { startWorker } from '../worker-thread.js';
import { DataError } from '../data/data-error.js';

/** The heap a file job may use: a 1 GiB CSV (the readers' limit) parses within it. */
export const FILE_JOB_HEAP_MB = 3072;

/** Where the worker entry lives when bundled (Electron): set by the bundle's entry point; null = beside this module. */
let entryOverride: string | null = null;
export function setFileWorkerEntry(path: string | null): void {
  entryOverride = path;
}

/** A job's failure as the service reports it: DataError (bad input) keeps its class, the rest keep their name. */
function revive(error: FileJobError): Error {
  if (error.name === 'DataError') return new DataError(error.message);
  return Object.assign(new Error(error.message), { name: error.name });
}

/**
 * One worker started ahead of need: a worker that runs from source compiles its modules first (about 1.5 s through
 * tsx), which a preview should not wait for. Each job still gets a worker of its own and ends it; the spare is unref'd
 * so it never keeps a process alive.
 */
let spare: { worker: Worker; entry: string | null } | null = null;

function takeWorker(): Worker {
  const ready = spare?.entry === entryOverride ? spare.worker : null;
  if (spare && !ready) void spare.worker.terminate();
  spare = null;
  const worker = ready ?? startWorker('studio/file-worker', entryOverride, { maxOldGenerationSizeMb: FILE_JOB_HEAP_MB });
  worker.ref();
  const next = startWorker('studio/file-worker', entryOverride, { maxOldGenerationSizeMb: FILE_JOB_HEAP_MB });
  next.unref();
  // A spare that fails to start is simply replaced by a fresh worker at the next job.
  next.once('error', () => { if (spare?.worker === next) spare = null; });
  next.once('exit', () => { if (spare?.worker === next) spare = null; });
  spare = { worker: next, entry: entryOverride };
  return worker;
}

/** Ends the spare worker (host shutdown). */
export async function stopFileWorkers(): Promise<void> {
  const s = spare;
  spare = null;
  if (s) await s.worker.terminate();
}

export function offThread<T extends FileJob>(job: T): Promise<FileJobResults[T['type']]> {
  const worker = takeWorker();
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      f();
      void worker.terminate();
    };
    worker.once('message', (m: { ok: true; result: FileJobResults[T['type']] } | { ok: false; error: FileJobError }) => {
      settle(() => (m.ok ? resolve(m.result) : reject(revive(m.error))));
    });
    worker.once('error', (e: Error & { code?: string }) => {
      settle(() => reject(e.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? new Error(`Reading ${'path' in job ? job.path : 'the files'} needed more than ${FILE_JOB_HEAP_MB / 1024} GiB of memory and was stopped; the studio is unaffected. Use a smaller file.`)
        : e));
    });
    worker.once('exit', (code) => settle(() => reject(new Error(`The file worker exited unexpectedly (exit code ${code}).`))));
    worker.postMessage(job);
  });
}

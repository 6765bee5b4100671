/**
 * Runs a file job (file-jobs.ts) in a worker thread with a bounded heap, so that reading, parsing and importing never
 * block the host's event loop and a file that needs too much memory ends that worker, not the host. Each job gets a
 * worker of its own; at most MAX_FILE_JOBS run at once and the rest wait their turn, which bounds the memory a burst
 * of requests can take.
 */
import { Worker } from 'node:worker_threads';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, extname, join } from 'node:path';
import type { FileJob, FileJobError, FileJobResults } from './file-jobs.js';
import type { FetchProgress } from '../data/datasets.js';
import { DataError } from '../data/data-error.js';

/** The heap a file job may use: a 1 GiB CSV (the readers' limit) parses within it. */
export const FILE_JOB_HEAP_MB = 3072;
/** File jobs running at once; more wait. Two keep a preview responsive while a large import or download runs. */
export const MAX_FILE_JOBS = 2;

/** Where the worker entry lives when bundled (Electron): set by the bundle's entry point; null = built on demand. */
let entryOverride: string | null = null;
export function setFileWorkerEntry(path: string | null): void {
  entryOverride = path;
  void stopFileWorkers();
}

const here = dirname(fileURLToPath(import.meta.url));
let builtEntry: Promise<string> | null = null;

/**
 * The worker's entry file. Compiled: file-worker.js beside this module. From source (the browser host and tests run
 * through tsx): bundled once per process with esbuild (tsx's own dependency) into dist/workers/, because a worker
 * that compiles its modules through tsx took 0.6 GiB and 1.5–3 s to start, the bundle 40 MiB and 0.1–0.5 s.
 */
function workerEntry(): Promise<string> {
  if (entryOverride) return Promise.resolve(entryOverride);
  if (extname(fileURLToPath(import.meta.url)) !== '.ts') return Promise.resolve(join(here, 'file-worker.js'));
  builtEntry ??= (async () => {
    const { build } = await import('esbuild');
    const outfile = join(here, '..', '..', 'dist', 'workers', `file-worker-${process.pid}.mjs`);
    await build({
      entryPoints: [join(here, 'file-worker.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      packages: 'external',
      logLevel: 'error',
    });
    process.once('exit', () => rmSync(outfile, { force: true }));
    return outfile;
  })();
  return builtEntry;
}

/** A job's failure as the service reports it: DataError (bad input) keeps its class, the rest keep their name. */
function revive(error: FileJobError): Error {
  if (error.name === 'DataError') return new DataError(error.message);
  return Object.assign(new Error(error.message), { name: error.name });
}

/** One worker started ahead of need, so a preview does not wait for a start; unref'd, it never keeps a process alive. */
let spare: { worker: Worker; entry: string } | null = null;
let running = 0;
const waiting: (() => void)[] = [];

async function takeWorker(): Promise<Worker> {
  const entry = await workerEntry();
  const start = () => new Worker(entry, { resourceLimits: { maxOldGenerationSizeMb: FILE_JOB_HEAP_MB } });
  const ready = spare?.entry === entry ? spare.worker : null;
  if (spare && !ready) void spare.worker.terminate();
  spare = null;
  const worker = ready ?? start();
  worker.ref();
  const next = start();
  next.unref();
  // A spare that fails or exits is simply not used: the next job starts a fresh worker.
  const drop = () => {
    if (spare?.worker === next) spare = null;
  };
  next.once('error', drop);
  next.once('exit', drop);
  spare = { worker: next, entry };
  return worker;
}

/** Ends the spare worker (host shutdown, or the entry changed). */
export async function stopFileWorkers(): Promise<void> {
  const s = spare;
  spare = null;
  if (s) await s.worker.terminate();
}

async function runOnWorker<T extends FileJob>(
  job: T,
  onProgress: (p: FetchProgress) => void,
): Promise<FileJobResults[T['type']]> {
  const worker = await takeWorker();
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      f();
      void worker.terminate();
    };
    worker.on(
      'message',
      (
        m:
          | { ok: true; result: FileJobResults[T['type']] }
          | { ok: false; error: FileJobError }
          | { progress: FetchProgress },
      ) => {
        if ('progress' in m) {
          if (!settled) onProgress(m.progress);
          return;
        }
        settle(() => (m.ok ? resolve(m.result) : reject(revive(m.error))));
      },
    );
    worker.once('error', (e: Error & { code?: string }) => {
      settle(() =>
        reject(
          e.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new Error(
                `Reading ${'path' in job ? job.path : 'the files'} needed more than ${FILE_JOB_HEAP_MB / 1024} GiB of memory and was stopped; the studio is unaffected. Use a smaller file.`,
              )
            : e,
        ),
      );
    });
    worker.once('exit', (code) =>
      settle(() => reject(new Error(`The file worker exited unexpectedly (exit code ${code}).`))),
    );
    worker.postMessage(job);
  });
}

export async function offThread<T extends FileJob>(
  job: T,
  onProgress: (p: FetchProgress) => void = () => {},
): Promise<FileJobResults[T['type']]> {
  // A finished job hands its slot straight to the next waiter, so the count never exceeds the cap.
  if (running >= MAX_FILE_JOBS) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await runOnWorker(job, onProgress);
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

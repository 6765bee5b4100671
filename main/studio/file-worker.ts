/** Worker thread entry: runs one file job (file-jobs.ts) and posts its result or its error, then the host ends it. */
import { parentPort } from 'node:worker_threads';
import { runFileJob } from './file-jobs.js';
import type { FileJob } from './file-jobs.js';

parentPort!.once('message', (job: FileJob) => {
  runFileJob(job, (progress) => parentPort!.postMessage({ progress })).then(
    (result) => parentPort!.postMessage({ ok: true, result }),
    (e: unknown) =>
      parentPort!.postMessage({
        ok: false,
        error: { name: e instanceof Error ? e.name : 'Error', message: e instanceof Error ? e.message : String(e) },
      }),
  );
});

/**
 * Starts a worker_threads Worker on one of our own modules, compiled (.js) or from source through tsx (.ts): the entry
 * has the same extension as this module. Node 20 does not carry a loader registered with `--import tsx` over to worker
 * threads, so a .ts entry starts from a tiny bootstrap that registers tsx inside the worker first.
 */
import { Worker } from 'node:worker_threads';
import type { ResourceLimits } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { extname } from 'node:path';

/**
 * @param entry the module, relative to main/ without its extension ("training/worker", "studio/file-worker").
 * @param override an explicit file to run instead (the Electron bundle's copy, a test's fault-injecting entry).
 */
export function startWorker(entry: string, override: string | null, resourceLimits?: ResourceLimits): Worker {
  const options = resourceLimits ? { resourceLimits } : {};
  if (override) return new Worker(override, options);
  const ext = extname(fileURLToPath(import.meta.url));
  const url = new URL(`./${entry}${ext}`, import.meta.url);
  if (ext !== '.ts') return new Worker(url, options);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}

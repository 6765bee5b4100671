#!/usr/bin/env node
// @ts-check
// Bundles the Electron main process (ESM), its sandboxed preload (CommonJS), the training worker and the file worker
// (ESM) into
// dist/electron/. npm packages stay external: they are resolved from node_modules at run time (tfjs-node's native
// binding cannot be bundled).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'electron');
/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
};
await Promise.all([
  build({
    ...common,
    entryPoints: [join(root, 'main/electron/main.ts')],
    outfile: join(out, 'main.mjs'),
    format: 'esm',
  }),
  build({
    ...common,
    entryPoints: [join(root, 'main/training/worker.ts')],
    outfile: join(out, 'worker.mjs'),
    format: 'esm',
  }),
  build({
    ...common,
    entryPoints: [join(root, 'main/studio/file-worker.ts')],
    outfile: join(out, 'file-worker.mjs'),
    format: 'esm',
  }),
  build({
    ...common,
    entryPoints: [join(root, 'main/electron/preload.ts')],
    outfile: join(out, 'preload.cjs'),
    format: 'cjs',
  }),
]);
// The worker loads the fused recurrent kernels and starts their threads relative to itself
// (main/training/kernels/kernels-wasm.ts, kernel-threads.ts).
mkdirSync(join(out, 'build'), { recursive: true });
for (const f of ['rnn.wasm', 'rnn-relaxed.wasm', 'rows.wasm'])
  copyFileSync(join(root, 'main/training/kernels/build', f), join(out, 'build', f));
copyFileSync(join(root, 'main/training/kernels/kernel-thread.mjs'), join(out, 'kernel-thread.mjs'));
console.log(`electron main, preload, workers and fused kernels built into ${out}`);

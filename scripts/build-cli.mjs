#!/usr/bin/env node
// @ts-check
// Bundles the Node side that runs outside Electron ahead of time, so nothing compiles TypeScript at run time:
// the CLI (bin/rnn-studio.mjs imports dist/node/cli.mjs), the browser host (`npm run web` runs dist/node/server.mjs)
// and the workers they start, into dist/node/, laid out as the compiled tree would be, so the sources' own
// relative paths find them without any setting:
//   cli.mjs, server.mjs        main/cli/cli.ts, main/web/server.ts (server.ts's repoRoot is two folders up: the repo)
//   training/worker.mjs        worker-thread.ts starts `./training/worker<ext of the bundle>`
//   file-worker.js             off-thread.ts starts `file-worker.js` beside itself when it is not a .ts file
//   training/build/*.wasm, training/kernel-thread.mjs   the fused kernels, loaded relative to the worker
// npm packages stay external (tfjs's wasm files, h5wasm, tfjs-node's native binding are found from node_modules).
// dist/node/inputs.json lists every file the bundles were made from; the bundles are stale when one of them is newer
// (isStale). Runs on `npm install`/`npm ci` (prepare), before `npm run web` and the tests, and from the launcher
// when the bundles are missing or stale; skips when fresh. `--force` rebuilds.
import { mkdirSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const outDir = join(root, 'dist', 'node');
const manifest = join(outDir, 'inputs.json');
const kernelsDir = join(root, 'main/training/kernels/build');
const kernelFiles = ['rnn.wasm', 'rnn-relaxed.wasm', 'rows.wasm'];

/** True when a bundle is missing or any file it was built from (or this script) is newer than it. */
export function isStale() {
  let built;
  try {
    built = statSync(manifest).mtimeMs;
  } catch {
    return true;
  }
  /** @type {string[]} */
  const inputs = JSON.parse(readFileSync(manifest, 'utf8'));
  for (const f of [...inputs, 'scripts/build-cli.mjs']) {
    try {
      if (statSync(join(root, f)).mtimeMs > built) return true;
    } catch {
      return true; // an input was removed or renamed: rebuild
    }
  }
  return false;
}

/**
 * Writes a file next to its target and renames it over, so a concurrent reader or builder never sees half of it.
 * @param {string} path
 * @param {Uint8Array | string} data
 */
function writeAtomic(path, data) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/**
 * h5wasm (HDF5 compiled to WebAssembly, for .keras files) takes ~0.1 s to import: more than the rest of the CLI
 * together. main/interop/keras-file.ts imports it statically and touches it only after `await h5wasm.ready`, so the
 * bundles get a stand-in that imports the real module on that first `ready` (`rnn-studio --help` never loads it).
 * A use before `ready` throws, naming the property. A lazy import in keras-file.ts itself would make this unneeded.
 * @type {import('esbuild').Plugin}
 */
const lazyH5wasm = {
  name: 'lazy-h5wasm',
  setup(b) {
    b.onResolve({ filter: /^h5wasm\/node$/ }, (args) =>
      args.namespace === 'lazy-h5wasm'
        ? { path: args.path, external: true }
        : { path: 'h5wasm/node', namespace: 'lazy-h5wasm' },
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-h5wasm' }, () => ({
      resolveDir: root,
      contents: `let real = null, loading = null;
const load = () => (loading ??= import('h5wasm/node').then((m) => (real = m.default)));
export default new Proxy({}, {
  get(_, key) {
    if (key === 'ready') return load().then((h) => h.ready);
    if (!real) throw new Error('h5wasm.' + String(key) + ' was used before h5wasm.ready');
    return real[key];
  },
});`,
    }));
  },
};

/** Builds the bundles (quietly when `quiet`); returns the milliseconds it took. */
export async function buildCli({ quiet = false } = {}) {
  const started = performance.now();
  const startedAt = new Date();
  // The worker bundle carries copies of the fused kernels: build them first when they are missing or stale.
  const kernels = spawnSync(process.execPath, [join(root, 'scripts/build-kernels.mjs')], {
    cwd: root,
    stdio: quiet ? 'pipe' : 'inherit',
    encoding: 'utf8',
  });
  if (kernels.status !== 0) throw new Error(`build-kernels failed${quiet ? `:\n${kernels.stderr}` : ''}`);
  const { build } = await import('esbuild');
  /** @type {import('esbuild').BuildOptions & { write: false; metafile: true }} */
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
    write: false,
    metafile: true,
    absWorkingDir: root,
    outdir: outDir,
    plugins: [lazyH5wasm],
  };
  const results = await Promise.all([
    build({
      ...common,
      entryPoints: {
        cli: 'main/cli/cli.ts',
        server: 'main/web/server.ts',
        'training/worker': 'main/training/worker.ts',
      },
      outExtension: { '.js': '.mjs' },
    }),
    build({ ...common, entryPoints: { 'file-worker': 'main/studio/file-worker.ts' } }),
  ]);
  const inputs = new Set(kernelFiles.map((f) => relative(root, join(kernelsDir, f))));
  inputs.add('main/training/kernels/kernel-thread.mjs');
  for (const r of results) {
    for (const f of r.outputFiles) writeAtomic(f.path, f.contents);
    // Files only: a plugin's module is named `namespace:path`.
    for (const input of Object.keys(r.metafile.inputs)) if (!/^[\w-]+:/.test(input)) inputs.add(input);
  }
  // The worker loads the fused recurrent kernels and starts their threads relative to itself
  // (main/training/kernels/kernels-wasm.ts, kernel-threads.ts).
  for (const f of kernelFiles) writeAtomic(join(outDir, 'training/build', f), readFileSync(join(kernelsDir, f)));
  writeAtomic(
    join(outDir, 'training/kernel-thread.mjs'),
    readFileSync(join(root, 'main/training/kernels/kernel-thread.mjs')),
  );
  // Last: its time stamp is the bundles' age.
  writeAtomic(manifest, JSON.stringify([...inputs].sort(), null, 1));
  // Dated when the build began: a source saved while it ran is newer, so the next run rebuilds.
  utimesSync(manifest, startedAt, startedAt);
  const ms = Math.round(performance.now() - started);
  if (!quiet)
    console.log(
      `cli, web server and workers bundled into ${relative(root, outDir)}/ (${inputs.size} inputs, ${ms} ms)`,
    );
  return ms;
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  if (process.argv.includes('--force') || isStale()) await buildCli();
}

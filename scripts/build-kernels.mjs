#!/usr/bin/env node
// Compiles the fused recurrent kernels (main/training/fused/assembly/rnn.ts, AssemblyScript) to WebAssembly twice:
// rnn.wasm with SIMD, and rnn-relaxed.wasm with SIMD plus relaxed SIMD (fused multiply-add), which the loader picks
// where the engine validates it. Runs on `npm install`/`npm ci` (prepare) and before the tests, the web host and the
// benchmark; skips the compile when both modules are newer than their source. `--force` rebuilds.
import { main } from 'assemblyscript/asc';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'main/training/fused/assembly/rnn.ts');
const force = process.argv.includes('--force');
const outDir = join(root, 'main/training/fused/build');
const variants = [
  { file: 'rnn.wasm', features: ['simd', 'threads'] },
  { file: 'rnn-relaxed.wasm', features: ['simd', 'threads', 'relaxed-simd'] },
];

const fresh = (file) => existsSync(file) && statSync(file).mtimeMs >= statSync(source).mtimeMs;
if (!force && variants.every((v) => fresh(join(outDir, v.file)))) process.exit(0);
mkdirSync(outDir, { recursive: true });
for (const v of variants) {
  const out = join(outDir, v.file);
  const started = performance.now();
  // -O3; no runtime or GC (the kernels allocate nothing); abort compiled out (--noAssert). The memory is imported
  // and shared so that kernel threads (kernel-threads.ts) work on one batch together; 65,536 pages = 4 GiB, the
  // most a 32-bit module can address.
  const { error, stderr } = await main([
    relative(process.cwd(), source), '-O3', ...v.features.flatMap((f) => ['--enable', f]), '--runtime', 'stub', '--noAssert',
    '--use', 'abort=', '--importMemory', '--sharedMemory', '--initialMemory', '1', '--maximumMemory', '65536', '--outFile', out,
  ]);
  if (error) {
    console.error(stderr.toString());
    console.error(`build-kernels: ${error.message}`);
    process.exit(1);
  }
  console.log(`fused recurrent kernels built: ${relative(root, out)} (${v.features.join(' + ')}, ${statSync(out).size} bytes, ${Math.round(performance.now() - started)} ms)`);
}

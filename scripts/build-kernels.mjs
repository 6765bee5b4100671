#!/usr/bin/env node
// @ts-check
// Compiles our WebAssembly kernels (AssemblyScript, main/training/kernels/assembly/) into main/training/kernels/build/:
// - the fused recurrent kernels (rnn.ts) twice: rnn.wasm with SIMD, and rnn-relaxed.wasm with SIMD plus relaxed SIMD
//   (fused multiply-add), which the loader picks where the engine validates it;
// - the Embedding's row kernels (rows.ts) as rows.wasm, which runs inside tfjs-backend-wasm's memory.
// Runs on `npm install`/`npm ci` (prepare) and before the tests, the web host and the benchmark; skips the compile
// when every module is newer than every source. `--force` rebuilds.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const assembly = join(root, 'main/training/kernels/assembly');
const force = process.argv.includes('--force');
const outDir = join(root, 'main/training/kernels/build');
// -O3; no runtime or GC (the kernels allocate nothing); abort compiled out (--noAssert). The recurrent kernels'
// memory is imported and shared so that kernel threads (kernel-threads.ts) work on one batch together; 65,536
// pages = 4 GiB, the most a 32-bit module can address. The row kernels import tfjs-backend-wasm's memory, which is
// not shared, and must declare no data of their own (see ownsNoMemory).
const common = ['-O3', '--runtime', 'stub', '--noAssert', '--use', 'abort=', '--importMemory'];
const recurrent = ['--sharedMemory', '--initialMemory', '1', '--maximumMemory', '65536'];
const builds = [
  { source: 'rnn.ts', file: 'rnn.wasm', features: ['simd', 'threads'], args: recurrent },
  { source: 'rnn.ts', file: 'rnn-relaxed.wasm', features: ['simd', 'threads', 'relaxed-simd'], args: recurrent },
  {
    source: 'rows.ts',
    file: 'rows.wasm',
    features: ['simd', 'bulk-memory'],
    args: ['--initialMemory', '0'],
    foreignMemory: true,
  },
];

/** The ids of a module's sections (WebAssembly binary format: magic, version, then id + LEB128 size + body). */
/** @param {Uint8Array} bytes */
function sectionIds(bytes) {
  const ids = [];
  for (let i = 8; i < bytes.length;) {
    ids.push(bytes[i++]);
    let size = 0,
      shift = 0,
      b;
    do {
      b = bytes[i++] ?? 0; // past the end: ends the number (and the loop)
      size |= (b & 127) << shift;
      shift += 7;
    } while (b & 128);
    i += size;
  }
  return ids;
}
/** A module that runs in another module's memory must not write to it when instantiated: no data (11), no start (8). */
const ownsNoMemory = (/** @type {string} */ file) =>
  !sectionIds(readFileSync(file)).some((id) => id === 11 || id === 8);

// rnn.ts re-exports rows.ts's kernels: a module is stale when any source is newer than it.
const newestSource = Math.max(
  ...readdirSync(assembly)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => statSync(join(assembly, f)).mtimeMs),
);
const fresh = (/** @type {typeof builds[number]} */ b) => {
  const out = join(outDir, b.file);
  return existsSync(out) && statSync(out).mtimeMs >= newestSource;
};
if (!force && builds.every(fresh)) process.exit(0);
// Loaded only when something is compiled (a fresh check then takes no time), and by a computed name so that type
// checking (tsconfig.scripts.json) never reads AssemblyScript's declarations, which redeclare `console` and
// `WebAssembly` for every file in the program.
const ascModule = 'assemblyscript/asc';
/** @type {{ main: (argv: string[]) => Promise<{ error: Error | null; stderr: { toString(): string } }> }} */
const { main } = await import(ascModule);
mkdirSync(outDir, { recursive: true });
for (const b of builds) {
  const out = join(outDir, b.file);
  const started = performance.now();
  const { error, stderr } = await main([
    relative(process.cwd(), join(assembly, b.source)),
    ...common,
    ...b.features.flatMap((f) => ['--enable', f]),
    ...b.args,
    '--outFile',
    out,
  ]);
  if (error) {
    console.error(stderr.toString());
    console.error(`build-kernels: ${error.message}`);
    process.exit(1);
  }
  if (b.foreignMemory && !ownsNoMemory(out)) {
    console.error(
      `build-kernels: ${relative(root, out)} has a data or start section; it would write into tfjs-backend-wasm's heap when instantiated`,
    );
    process.exit(1);
  }
  console.log(
    `kernels built: ${relative(root, out)} (${b.features.join(' + ')}, ${statSync(out).size} bytes, ${Math.round(performance.now() - started)} ms)`,
  );
}

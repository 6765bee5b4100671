#!/usr/bin/env node
// Builds the native kernel provider (issue #16): native/kernels/*.cc → native/build/rnn_native.node, a Node-API
// addon over oneDNN's sgemm (see docs/engine.md, "Native kernel provider (prototype)").
//
// Optional by design: the WebAssembly kernels stay the fallback everywhere, so this script never fails a build for
// want of a toolchain. Without g++, Node's headers (node_api.h) or oneDNN's (Debian/Ubuntu: `apt-get install
// libdnnl-dev`) it prints one line saying what is missing and exits 0. A compile error with everything present
// does fail (exit 1): that is a bug in the sources. Skips the compile when the addon is newer than every source;
// `--force` rebuilds. Environment: CXX (default g++), DNNL_ROOT (a oneDNN install prefix with include/ and lib/),
// NODE_INCLUDE (the directory holding node_api.h).
//
// For scripts/package-native.mjs (the per-platform npm package): `--out=FILE` links the addon to FILE instead of
// native/build/rnn_native.node (same objects), and `--origin-rpath` makes it look for its libraries in its own folder
// ($ORIGIN) instead of oneDNN's install directory, where the package ships them.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'native/kernels');
const outDir = join(root, 'native/build');
const outArg = process.argv.find((a) => a.startsWith('--out='));
const out = outArg ? resolve(outArg.slice('--out='.length)) : join(outDir, 'rnn_native.node');
const force = process.argv.includes('--force');
const originRpath = process.argv.includes('--origin-rpath');
const skip = (why) => {
  console.log(`build-native: skipped — ${why}; the WebAssembly kernels remain the provider`);
  process.exit(0);
};

if (process.platform !== 'linux') skip(`only Linux builds are scripted so far (this is ${process.platform})`);
const cxx = process.env.CXX || 'g++';
if (spawnSync(cxx, ['--version'], { stdio: 'ignore' }).status !== 0) skip(`no C++ compiler (${cxx})`);

const nodeInclude = [
  process.env.NODE_INCLUDE,
  join(dirname(process.execPath), '../include/node'),
  '/usr/include/node',
  '/usr/local/include/node',
].find((d) => d && existsSync(join(d, 'node_api.h')));
if (!nodeInclude) skip("node_api.h not found (set NODE_INCLUDE to the directory of Node's headers)");

const dnnlRoots = [process.env.DNNL_ROOT, '/usr', '/usr/local', '/opt/intel/oneapi/dnnl/latest'].filter(Boolean);
const dnnlRoot = dnnlRoots.find((d) => existsSync(join(d, 'include/oneapi/dnnl/dnnl.h')));
if (!dnnlRoot) skip('oneDNN headers not found (apt-get install libdnnl-dev, or set DNNL_ROOT)');
const dnnlLib = ['lib', 'lib64', `lib/${os.arch() === 'x64' ? 'x86_64' : 'aarch64'}-linux-gnu`]
  .map((d) => join(dnnlRoot, d))
  .find((d) => existsSync(join(d, 'libdnnl.so')));
if (!dnnlLib) skip(`libdnnl.so not found under ${dnnlRoot}`);

const sources = readdirSync(srcDir).filter((f) => f.endsWith('.cc'));
const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);
// Every object depends on its source, the shared header and this script (the flags).
const sharedInputs = Math.max(
  ...readdirSync(srcDir)
    .filter((f) => f.endsWith('.h'))
    .map((f) => mtime(join(srcDir, f))),
  mtime(fileURLToPath(import.meta.url)),
);
const stale = (f) =>
  force || mtime(join(outDir, f.replace(/\.cc$/, '.o'))) < Math.max(sharedInputs, mtime(join(srcDir, f)));
if (
  !sources.some(stale) &&
  mtime(out) >= Math.max(...sources.map((f) => mtime(join(outDir, f.replace(/\.cc$/, '.o')))))
)
  process.exit(0);
mkdirSync(outDir, { recursive: true });
mkdirSync(dirname(out), { recursive: true });

// -O3, no -ffast-math (the kernels keep IEEE float32: NaN and ∞ must come through, divisions round correctly).
// optim.cc: no fused multiply-add, so the optimizer updates stay Keras 3's float32 arithmetic to the bit.
const common = [
  '-std=c++17',
  '-O3',
  '-fPIC',
  '-fvisibility=hidden',
  '-fopenmp',
  '-fno-math-errno',
  '-Wall',
  '-Wno-unused-function',
  `-I${nodeInclude}`,
  `-I${join(dnnlRoot, 'include')}`,
  '-DNAPI_VERSION=8',
];
if (os.arch() === 'x64') common.push('-mprefer-vector-width=512');
const perFile = { 'optim.cc': ['-ffp-contract=off'] };
const started = performance.now();
const objects = [];
try {
  for (const f of sources) {
    const obj = join(outDir, f.replace(/\.cc$/, '.o'));
    objects.push(obj);
    if (!stale(f)) continue;
    execFileSync(cxx, [...common, ...(perFile[f] ?? []), '-c', join(srcDir, f), '-o', obj], { stdio: 'inherit' });
  }
  // -z nodelete: Node unloads an addon when the worker thread that loaded it exits, which would take libgomp with it
  // while its pool threads still run (a SIGSEGV in code no longer mapped, seen in training-host.test.ts). Kept loaded,
  // the addon keeps oneDNN and libgomp loaded too.
  // --origin-rpath: '$ORIGIN' reaches the linker as written (execFileSync runs no shell). --disable-new-dtags writes
  // it as DT_RPATH, not DT_RUNPATH: the loader also searches a DT_RPATH for the dependencies of the addon's
  // dependencies (Debian's libdnnl.so.2 needs libOpenCL.so.1 and has no search path of its own), and a user's
  // LD_LIBRARY_PATH cannot put another oneDNN in front of the shipped one.
  const rpath = originRpath ? ['-Wl,--disable-new-dtags', '-Wl,-rpath,$ORIGIN'] : [`-Wl,-rpath,${dnnlLib}`];
  execFileSync(
    cxx,
    [
      '-shared',
      '-fopenmp',
      '-Wl,-z,nodelete',
      '-o',
      out,
      ...objects,
      `-L${dnnlLib}`,
      '-ldnnl',
      ...rpath,
      '-Wl,--as-needed',
    ],
    { stdio: 'inherit' },
  );
} catch (e) {
  console.error(`build-native: the compile failed (${e.message.split('\n')[0]})`);
  process.exit(1);
}
console.log(
  `native kernels built: ${relative(root, out)} (oneDNN from ${dnnlRoot}, ${statSync(out).size} bytes, ${Math.round(performance.now() - started)} ms)`,
);

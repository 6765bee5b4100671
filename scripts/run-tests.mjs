#!/usr/bin/env node
// @ts-check
// Runs every `*.test.ts` beside the code with Node's own test runner (tsx compiles TypeScript on the fly), then every
// `*.test.tsx` (the renderer's component tests: React Testing Library on jsdom, renderer/test-support/) in a second
// run that compiles JSX as the renderer does (renderer/tsconfig.test.json) and loads stylesheet imports as empty
// modules. Node 20's `--test` cannot glob, so the files are collected here. Extra arguments filter by path substring.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const roots = ['shared', 'main', 'renderer', 'scripts'];
// The kernel provider the tests run on (RNN_STUDIO_KERNELS): WebAssembly unless told otherwise. Left to choose
// itself, a thread takes the native provider wherever scripts/build-native.mjs built it, and the WebAssembly kernels
// would go untested on exactly the machines that build both; `npm run test:native` runs the kernels' suites again on
// the native provider (`--kernels=native`). An RNN_STUDIO_KERNELS already set is kept; `--kernels=auto` tests the
// automatic choice. --kernels=native skips, saying why, where scripts/build-native.mjs could not build the addon (no
// compiler or no oneDNN: the WebAssembly kernels are then the only provider, and the plain run covers them).
const kernelsArg = process.argv.find((a) => a.startsWith('--kernels='));
const filters = process.argv.slice(2).filter((a) => a !== kernelsArg);
const kernels = kernelsArg ? kernelsArg.slice('--kernels='.length) : process.env.RNN_STUDIO_KERNELS || 'wasm';
if (
  kernels === 'native' &&
  !existsSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'native', 'build', 'rnn_native.node'))
) {
  console.log(
    'run-tests: skipped the native-kernel pass: native/build/rnn_native.node is not built (node scripts/build-native.mjs says why)',
  );
  process.exit(0);
}
/** @type {Record<string, string>} */
const extraEnv = { RNN_STUDIO_KERNELS: kernels };
/** @type {string[]} */
const files = [];
/** @param {string} dir */
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (
      (name.endsWith('.test.ts') || name.endsWith('.test.tsx')) &&
      (filters.length === 0 || filters.some((f) => path.includes(f)))
    )
      files.push(path);
  }
}
for (const root of roots) walk(root);
files.sort();
if (files.length === 0) {
  console.error(`no test files matched ${filters.join(', ')}`);
  process.exit(1);
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** @param {string[]} group @param {string[]} imports @param {Record<string, string>} env */
function run(group, imports, env) {
  if (group.length === 0) return 0;
  const result = spawnSync(
    process.execPath,
    [...imports.flatMap((i) => ['--import', i]), '--test', '--test-reporter=spec', ...group],
    { stdio: 'inherit', env: { ...process.env, NODE_OPTIONS: '', ...extraEnv, ...env } },
  );
  return result.status ?? 1;
}
const plain = run(
  files.filter((f) => f.endsWith('.ts')),
  ['tsx'],
  {},
);
const components = run(
  files.filter((f) => f.endsWith('.tsx')),
  ['tsx', pathToFileURL(join(root, 'renderer', 'test-support', 'register.mjs')).href],
  { TSX_TSCONFIG_PATH: join(root, 'renderer', 'tsconfig.test.json') },
);
process.exit(plain !== 0 ? plain : components);

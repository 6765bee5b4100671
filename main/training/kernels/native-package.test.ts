// The native provider's npm package (scripts/package-native.mjs, issue #16), end to end: package it, `npm pack` it,
// install the .tgz offline into a fresh app folder, and run the kernel loader from there in a child process — bundled
// by esbuild into that folder, so that its own location is the app's and the checkout's native/build/ is out of its
// reach (the bundles of scripts/build-cli.mjs find the development build by the same relative paths). The child's
// automatic choice must pick the native provider and pass its self-check, nativeAddonPath() must be the package's
// addon, and /proc/self/maps must show the addon, oneDNN, libgomp and libOpenCL mapped from the package folder, none
// from /usr/lib or native/build/. A second folder without the package checks the fallback and its reason.
// Skipped, with the reason, off Linux and where scripts/build-native.mjs cannot build the addon (no g++ or oneDNN).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { NATIVE_NOT_BUILT } from './kernel-provider.js';
import type { KernelsChoice } from './kernels-wasm.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const target = `${process.platform}-${process.arch}`;
const pkgName = `@rnn-studio/kernels-${target}`;

/** What the child reports (PROBE below). */
interface Probe {
  loaded: boolean;
  choice: KernelsChoice;
  label: string | null;
  addon: string;
  pkg: string | null;
  unavailable: string | null;
  /** Paths of the mapped files that are the addon or one of the libraries it may ship. */
  maps: string[];
}

// Runs in the child, from the app folder; bundled with the loader, tfjs left to the app's node_modules.
const PROBE = `
import { readFileSync } from 'node:fs';
import { describeKernels, kernelsChoice, rnnKernels } from './kernels-wasm.js';
import { nativeAddonPath, nativePackageAddonPath, nativeUnavailableReason } from './kernels-native.js';
const kernels = rnnKernels();
const maps = readFileSync('/proc/self/maps', 'utf8')
  .split('\\n')
  .map((line) => line.trim().split(/\\s+/)[5] ?? '')
  .filter((p) => /rnn_native\\.node|libdnnl|libgomp|libOpenCL/.test(p));
process.stdout.write(JSON.stringify({
  loaded: kernels !== null,
  choice: kernelsChoice(),
  label: describeKernels(),
  addon: nativeAddonPath(),
  pkg: nativePackageAddonPath(),
  unavailable: nativeUnavailableReason(),
  maps: [...new Set(maps)],
}));
`;

/** A folder that stands for an installed app: package.json, the fused kernels' .wasm files, tfjs, the probe. */
async function appFolder(dir: string): Promise<void> {
  mkdirSync(join(dir, 'build'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'probe-app', private: true, type: 'module' }));
  const wasmDir = join(root, 'main/training/kernels/build');
  const wasm = existsSync(wasmDir) ? readdirSync(wasmDir).filter((f) => f.endsWith('.wasm')) : [];
  assert.ok(
    wasm.includes('rnn.wasm'),
    `the fused kernels are not built (${wasmDir} has ${wasm.join(', ') || 'no .wasm files'}, rnn.wasm expected): run npm run build:kernels`,
  );
  for (const f of wasm) copyFileSync(join(wasmDir, f), join(dir, 'build', f));
  await build({
    stdin: { contents: PROBE, resolveDir: join(root, 'main/training/kernels'), loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['@tensorflow/*'],
    outfile: join(dir, 'probe.mjs'),
    logLevel: 'error',
  });
}

/** tfjs from the checkout, linked in after npm install (which would prune a link it did not make). */
function linkTfjs(dir: string): void {
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(join(root, 'node_modules/@tensorflow'), join(dir, 'node_modules/@tensorflow'), 'dir');
}

function probe(dir: string): Probe {
  const env: Record<string, string | undefined> = { ...process.env, NODE_OPTIONS: '' };
  // The automatic choice, with the self-check (run-tests.mjs pins RNN_STUDIO_KERNELS=wasm), and no forced addon.
  delete env.RNN_STUDIO_KERNELS;
  delete env.RNN_STUDIO_NATIVE_ADDON;
  const r = spawnSync(process.execPath, [join(dir, 'probe.mjs')], { cwd: dir, env, encoding: 'utf8' });
  assert.equal(r.status, 0, `the probe in ${dir} exited ${r.status}, 0 expected:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout) as Probe;
}

test(`the ${pkgName} package loads from an app's node_modules, oneDNN from beside it`, async (t) => {
  if (process.platform !== 'linux') {
    t.skip(`only Linux packages are scripted (this is ${process.platform})`);
    return;
  }
  const started = performance.now();
  const pack = spawnSync(process.execPath, [join(root, 'scripts/package-native.mjs')], { encoding: 'utf8' });
  const skipped = /build-native: skipped — .*/.exec(pack.stdout);
  if (pack.status !== 0 && skipped) {
    t.skip(`the addon cannot be built here: ${skipped[0]}`);
    return;
  }
  assert.equal(pack.status, 0, `package-native.mjs exited ${pack.status}, 0 expected:\n${pack.stdout}\n${pack.stderr}`);
  const tgz = /package-native: (native\/npm\/\S+\.tgz)/.exec(pack.stdout)?.[1];
  assert.ok(tgz, `package-native.mjs named no .tgz:\n${pack.stdout}`);
  const packedMs = performance.now() - started;

  const tmp = mkdtempSync(join(tmpdir(), 'rnn-native-package-'));
  try {
    const app = join(tmp, 'app');
    const bare = join(tmp, 'bare');
    await appFolder(app);
    await appFolder(bare);
    // As a user's `npm install` would put it there (os / cpu / libc checked by npm), without the network.
    execFileSync(
      'npm',
      ['install', '--no-save', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', join(root, tgz)],
      { cwd: app, stdio: 'pipe', env: { ...process.env, npm_config_update_notifier: 'false' } },
    );
    linkTfjs(app);
    linkTfjs(bare);
    const pkgDir = realpathSync(join(app, 'node_modules', pkgName));
    const addon = join(pkgDir, 'rnn_native.node');

    // The loader of the app finds the package (not the checkout's development build) and the choice takes it.
    const got = probe(app);
    assert.equal(got.pkg, addon, `nativePackageAddonPath() = ${got.pkg}, ${addon} expected`);
    assert.equal(got.addon, addon, `nativeAddonPath() = ${got.addon}, ${addon} expected`);
    assert.ok(got.loaded);
    assert.deepEqual(
      { provider: got.choice.provider, reason: got.choice.reason },
      { provider: 'native', reason: null },
      `the automatic choice in the app: ${JSON.stringify(got.choice)}, native with no reason expected`,
    );
    assert.ok((got.choice.selfCheckMs ?? 0) > 0, 'the self-check ran (selfCheckMs > 0)');
    assert.match(got.label ?? '', /^native C\+\+ \(.+\) \+ .+ sgemm, \d+ threads?$/);
    // What the process mapped: the addon and every library the package ships, all from the package folder.
    const outside = got.maps.filter((p) => dirname(p) !== pkgDir);
    assert.deepEqual(outside, [], `mapped from outside ${pkgDir}: ${outside.join(', ')}`);
    const mapped = got.maps.map((p) => p.slice(pkgDir.length + 1)).sort();
    for (const f of ['rnn_native.node', 'libdnnl.so.2', 'libgomp.so.1'])
      assert.ok(mapped.includes(f), `${f} not mapped from ${pkgDir} (mapped: ${mapped.join(', ')})`);
    // ldd agrees: each non-system library resolves inside the installed package ($ORIGIN rpath).
    const ldd = execFileSync('ldd', [addon], { encoding: 'utf8' });
    assert.match(
      ldd,
      new RegExp(`libdnnl\\.so\\.2 => ${pkgDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/libdnnl\\.so\\.2 `),
    );
    assert.doesNotMatch(ldd, /not found/);

    // Without the package and out of reach of native/build/: WebAssembly, saying what to install or build.
    const none = probe(bare);
    assert.equal(none.pkg, null);
    assert.deepEqual(
      { provider: none.choice.provider, reason: none.choice.reason },
      { provider: 'wasm', reason: NATIVE_NOT_BUILT },
    );
    assert.match(
      none.unavailable ?? '',
      new RegExp(`no prebuilt package is installed \\(${pkgName.replace('/', '\\/')}\\)`),
    );
    assert.deepEqual(none.maps, []);
    t.diagnostic(
      `packaged in ${Math.round(packedMs)} ms; installed and probed in ${Math.round(performance.now() - started - packedMs)} ms; self-check ${got.choice.selfCheckMs!.toFixed(1)} ms; mapped from the package: ${mapped.join(', ')}`,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

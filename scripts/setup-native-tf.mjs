#!/usr/bin/env node
// @ts-check
// Native TensorFlow for RNN Studio without tfjs-node's download (issue #4; the recipe and its evidence are in
// docs/research/native-tf-offline.md). @tensorflow/tfjs-node@4.22.0's install script downloads libtensorflow from a
// Google host, which fails offline; this script instead takes libtensorflow from the PyPI `tensorflow-cpu` wheel (or
// from a libtensorflow folder you supply), lays it out in node_modules/@tensorflow/tfjs-node/deps/ and builds the
// native addon against local Node headers. tfjs-node is installed with --no-save: it stays optional, so `npm ci`
// works everywhere (and removes it again: rerun this script afterwards; the wheel is cached).
//
//   node scripts/setup-native-tf.mjs [--tf-version 2.15.1] [--wheel PATH] [--libtensorflow DIR] [--python python3]
//                                    [--nodedir DIR] [--force] [--check]
//
// Every step is skipped when its result is already in place, so running it twice is cheap. Node built-ins only.
import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  lstatSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { basename, delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TFJS_NODE_VERSION = '4.22.0';
const DEFAULT_TF_VERSION = '2.15.1'; // the newest wheel whose libtensorflow_cc.so.2 alone exports all the binding needs
const PKG_DIR = join(ROOT, 'node_modules', '@tensorflow', 'tfjs-node');
const DEPS = join(PKG_DIR, 'deps');
const MARKER = join(DEPS, '.rnn-studio.json');
// tfjs-node's install.js skips its download when this file exists (it expects libtensorflow 2.9.1 by that name).
const INSTALL_JS_SENTINEL = 'libtensorflow.so.2.9.1';
const CACHE_DIR = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'rnn-studio', 'wheels');
const USAGE = `Usage: node scripts/setup-native-tf.mjs [options]   (or: npm run setup:native-tf -- [options])

Builds @tensorflow/tfjs-node ${TFJS_NODE_VERSION}'s native addon offline against the libtensorflow in the PyPI
tensorflow-cpu wheel, so RNN Studio trains on native TensorFlow. Linux only.

  --tf-version V       tensorflow-cpu wheel version to download with pip (default ${DEFAULT_TF_VERSION})
  --wheel PATH         use this tensorflow-cpu .whl instead of downloading one
  --libtensorflow DIR  use an unpacked libtensorflow instead of a wheel: Google's tarball layout (DIR/lib, DIR/include)
                       or a wheel's tensorflow/ folder (DIR/libtensorflow_cc.so.2, DIR/include)
  --python CMD         Python used for pip and to unpack the wheel (default python3)
  --nodedir DIR        Node.js headers folder (DIR/include/node/node.h); default: detected
  --force              redo every step even when its result is already in place
  --check              only report whether native TensorFlow loads here, and why not
  --help               this text

Wheels are cached in ${CACHE_DIR}.`;

/**
 * @typedef {{ 'tf-version': string; wheel?: string; libtensorflow?: string; python?: string; nodedir?: string; force: boolean;
 *   check: boolean; help: boolean }} Args
 * @typedef {{ kind: 'libtensorflow'; dir: string; file?: undefined; tfVersion?: undefined }
 *   | { kind: 'wheel'; file: string; dir?: undefined; tfVersion?: undefined }
 *   | { kind: 'wheel'; tfVersion: string; dir?: undefined; file?: undefined }} Source
 * @typedef {{ source?: Source; from?: string; addonBuilt?: boolean }} Marker
 */
/** @type {Args} */
let args;
try {
  args = parseArgs({
    options: {
      'tf-version': { type: 'string', default: DEFAULT_TF_VERSION },
      wheel: { type: 'string' },
      libtensorflow: { type: 'string' },
      python: { type: 'string' },
      nodedir: { type: 'string' },
      force: { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  }).values;
} catch (e) {
  console.error(`setup-native-tf: ${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
if (args.wheel && args.libtensorflow) {
  console.error('setup-native-tf: --wheel and --libtensorflow are alternatives; pass one of them.');
  process.exit(2);
}

const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s`;
const say = (/** @type {string} */ msg) => console.log(`[setup-native-tf ${elapsed()}] ${msg}`);

/** A step failure: the exact command, where it ran, and the tail of what it wrote to stderr. */
class StepError extends Error {
  /**
   * @param {string} message
   * @param {{ command?: string; cwd?: string; code?: number | null; stderrTail?: string }} [details]
   */
  constructor(message, { command, cwd, code, stderrTail } = {}) {
    super(message);
    this.command = command;
    this.cwd = cwd;
    this.code = code;
    this.stderrTail = stderrTail;
  }
}

const shellQuote = (/** @type {string} */ s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);

/**
 * Runs a command with its output visible (stdout inherited, stderr passed through and its tail kept for the error).
 * `shownEnv` lists the environment variables that belong in the command line printed on failure.
 * @param {string} cmd
 * @param {string[]} cmdArgs
 * @param {{ cwd?: string; env?: NodeJS.ProcessEnv; shownEnv?: Record<string, string> }} [options]
 * @returns {Promise<void>}
 */
function run(cmd, cmdArgs, { cwd = ROOT, env = process.env, shownEnv = {} } = {}) {
  const line = [
    ...Object.entries(shownEnv).map(([k, v]) => `${k}=${shellQuote(v)}`),
    ...[cmd, ...cmdArgs].map(shellQuote),
  ].join(' ');
  say(`$ ${line}${cwd === ROOT ? '' : `   (in ${relative(ROOT, cwd) || '.'})`}`);
  return new Promise((/** @type {(value?: void) => void} */ resolvePromise, reject) => {
    const child = spawn(cmd, cmdArgs, { cwd, env: { ...env, ...shownEnv }, stdio: ['ignore', 'inherit', 'pipe'] });
    let tail = '';
    child.stderr.on('data', (chunk) => {
      process.stderr.write(chunk);
      tail = (tail + chunk.toString()).slice(-6000);
    });
    child.on('error', (e) =>
      reject(new StepError(`could not start ${cmd}: ${e.message}`, { command: line, cwd, stderrTail: tail })),
    );
    child.on('close', (code, signal) => {
      if (code === 0) resolvePromise();
      else
        reject(
          new StepError(`the command failed (${signal ?? `exit code ${code}`})`, {
            command: line,
            cwd,
            code,
            stderrTail: tail,
          }),
        );
    });
  });
}

/**
 * The first executable named `name` on PATH, or null.
 * @param {string} name
 */
function which(name) {
  if (name.includes('/')) return existsSync(name) ? name : null;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, name);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

/** @returns {any} */
const readJson = (/** @type {string} */ p) => {
  try {
    return JSON.parse(readFileSync(p, 'utf8'));
  } catch {
    return null;
  }
};

function installedTfjsNodeVersion() {
  return readJson(join(PKG_DIR, 'package.json'))?.version ?? null;
}

/** Binding files node-pre-gyp may have built (lib/napi-v8/tfjs_binding.node for every Node ≥ 12.22). */
function bindingFiles() {
  const lib = join(PKG_DIR, 'lib');
  if (!existsSync(lib)) return [];
  return readdirSync(lib)
    .filter((d) => d.startsWith('napi-v'))
    .map((d) => join(lib, d, 'tfjs_binding.node'))
    .filter((p) => existsSync(p));
}

/**
 * Loads tfjs-node in a fresh Node process from the repository root, as the app does (util shim for Node ≥ 23,
 * oneDNN off unless set), and returns what it reports or the load error.
 */
function probeNative() {
  const script = `
    process.env.TF_ENABLE_ONEDNN_OPTS ??= '0';
    const u = require('util');
    if (typeof u.isNullOrUndefined !== 'function') u.isNullOrUndefined = (x) => x === null || x === undefined;
    try {
      const tf = require('@tensorflow/tfjs-node');
      const core = (p) => require.resolve('@tensorflow/tfjs-core', p ? { paths: [p] } : undefined);
      const sameCore = core(require('path').dirname(require.resolve('@tensorflow/tfjs-node/package.json'))) === core();
      console.log(JSON.stringify({ ok: true, backend: tf.getBackend(), tfjsNode: tf.version['tfjs-node'], tfjs: tf.version.tfjs,
        tf: tf.backend().binding.TF_Version, sameCore }));
    } catch (e) {
      console.log(JSON.stringify({ ok: false, code: e.code, message: String(e && e.message || e) }));
    }`;
  const r = spawnSync(process.execPath, ['-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2' },
  });
  const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    return { ...JSON.parse(last), stderr: r.stderr ?? '' };
  } catch {
    return {
      ok: false,
      message: `the probe process ended with ${r.signal ?? `exit code ${r.status}`} (a crash while loading libtensorflow?)`,
      stderr: r.stderr ?? '',
    };
  }
}

function nodeHeadersDir() {
  const candidates = args.nodedir ? [resolve(args.nodedir)] : ['/usr', resolve(dirname(process.execPath), '..')];
  for (const dir of candidates)
    if (existsSync(join(dir, 'include', 'node', 'node.h')) && existsSync(join(dir, 'include', 'node', 'node_api.h')))
      return dir;
  if (args.nodedir)
    throw new StepError(`--nodedir ${args.nodedir} has no include/node/node.h and include/node/node_api.h.`);
  throw new StepError(
    `Node.js headers not found (looked for /usr/include/node/node.h and ${join(candidates[1] ?? '', 'include', 'node', 'node.h')}). ` +
      'Without them node-gyp would download them from nodejs.org. Install them — Debian/Ubuntu: `apt-get install nodejs` ' +
      "(Debian's own package ships /usr/include/node) or `apt-get install libnode-dev` — or pass --nodedir DIR " +
      '(a folder with include/node/node.h, e.g. an unpacked node-v<version>-headers.tar.gz).',
  );
}

function checkBuildTools() {
  const missing = [];
  if (!which('c++') && !which('g++') && !which('clang++')) missing.push('a C++ compiler (c++/g++)');
  if (!which('make')) missing.push('make');
  if (!which('python3') && !which('python') && !process.env.npm_config_python)
    missing.push('Python 3 (node-gyp runs gyp with it)');
  if (missing.length)
    throw new StepError(
      `building the addon needs ${missing.join(', ')}. Debian/Ubuntu: apt-get install build-essential python3.`,
    );
}

/**
 * npm as the user invoked it (`npm run` sets npm_execpath), else the npm on PATH.
 * @returns {[string, string[]]}
 */
function npmCommand() {
  const cli = process.env.npm_execpath;
  return cli && /npm-cli\.[cm]?js$/.test(cli) ? [process.execPath, [cli]] : ['npm', []];
}

/** node-gyp as npm ships it, so node-pre-gyp finds it even when it is not on PATH. */
function npmNodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp))
    return process.env.npm_config_node_gyp;
  const guesses = [
    join(
      dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  ];
  const cli = process.env.npm_execpath;
  if (cli) guesses.push(join(dirname(cli), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  const root = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' });
  if (root.status === 0)
    guesses.push(join(root.stdout.trim(), 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return guesses.find((p) => existsSync(p)) ?? null;
}

// ---------------------------------------------------------------------------------------------------------- steps

async function stepInstallPackage() {
  const have = installedTfjsNodeVersion();
  if (have === TFJS_NODE_VERSION && !args.force) {
    say(`1/4 @tensorflow/tfjs-node ${have} is already installed — skipped`);
    return false;
  }
  say(
    `1/4 installing @tensorflow/tfjs-node@${TFJS_NODE_VERSION} (--no-save: package.json and the lockfile stay as they are; --ignore-scripts: no download)`,
  );
  const [cmd, pre] = npmCommand();
  await run(cmd, [
    ...pre,
    'install',
    '--no-save',
    '--ignore-scripts',
    '--no-audit',
    '--no-fund',
    `@tensorflow/tfjs-node@${TFJS_NODE_VERSION}`,
  ]);
  if (installedTfjsNodeVersion() !== TFJS_NODE_VERSION)
    throw new StepError(
      `npm finished but ${relative(ROOT, PKG_DIR)}/package.json is not version ${TFJS_NODE_VERSION}.`,
    );
  return true;
}

/**
 * What libtensorflow we lay out, as recorded in the marker (a change means redo the layout and the build).
 * @returns {Source}
 */
function wantedSource() {
  if (args.libtensorflow) return { kind: 'libtensorflow', dir: resolve(args.libtensorflow) };
  if (args.wheel) return { kind: 'wheel', file: resolve(args.wheel) };
  return { kind: 'wheel', tfVersion: args['tf-version'] };
}

/** Whether the laid-out libtensorflow (its marker) is what this run asks for; the same wheel counts however named. */
/**
 * @param {Marker | null} marker
 * @param {Source} want
 */
function sameSource(marker, want) {
  if (!marker?.source || marker.source.kind !== want.kind) return false;
  if (want.kind === 'libtensorflow') return marker.source.dir === want.dir;
  return want.file
    ? marker.from === basename(want.file)
    : !!marker.from?.startsWith(`tensorflow_cpu-${want.tfVersion}-`);
}

function depsComplete() {
  return [
    'lib/libtensorflow.so',
    'lib/libtensorflow_framework.so',
    `lib/${INSTALL_JS_SENTINEL}`,
    'include/tensorflow/c/c_api.h',
    'include/tensorflow/c/eager/c_api.h',
  ].every((p) => existsSync(join(DEPS, p)));
}

/** @param {string | null} python */
async function findOrDownloadWheel(python) {
  if (args.wheel) {
    const file = resolve(args.wheel);
    if (!existsSync(file)) throw new StepError(`--wheel ${args.wheel}: no such file.`);
    return file;
  }
  const version = args['tf-version'];
  const prefix = `tensorflow_cpu-${version}-`;
  const cached = existsSync(CACHE_DIR)
    ? readdirSync(CACHE_DIR).filter((f) => f.startsWith(prefix) && f.endsWith('.whl'))
    : [];
  if (cached.length && !args.force) {
    const wheel = join(CACHE_DIR, cached[0] ?? '');
    say(`    using the cached wheel ${wheel}`);
    return wheel;
  }
  if (!python)
    throw new StepError(
      `downloading the wheel needs Python with pip: ${args.python ?? 'python3'} was not found. Pass --python, or --wheel PATH / --libtensorflow DIR.`,
    );
  mkdirSync(CACHE_DIR, { recursive: true });
  say(`    downloading tensorflow-cpu==${version} from PyPI (about 210 MB) into ${CACHE_DIR}`);
  // The wheel is only unpacked, never installed: pin a platform and a Python ABI so any local Python can fetch it.
  await run(python, [
    '-m',
    'pip',
    'download',
    '--no-deps',
    '--only-binary=:all:',
    `tensorflow-cpu==${version}`,
    '--python-version',
    '3.11',
    '--platform',
    'manylinux2014_x86_64',
    '-d',
    CACHE_DIR,
  ]);
  const got = readdirSync(CACHE_DIR).filter((f) => f.startsWith(prefix) && f.endsWith('.whl'));
  if (!got.length) throw new StepError(`pip finished but no ${prefix}*.whl is in ${CACHE_DIR}.`);
  return join(CACHE_DIR, got[0] ?? '');
}

// Members of the wheel that tfjs-node needs: the two libraries and the C API headers (plus the tsl/xla headers the
// C API includes since TF 2.13; a prefix absent in a given version is simply not there).
const WHEEL_LIBS = ['tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2'];
const WHEEL_HEADER_PREFIXES = [
  'tensorflow/include/tensorflow/c/',
  'tensorflow/include/tensorflow/core/platform/ctstring',
  'tensorflow/include/tsl/c/',
  'tensorflow/include/tsl/platform/ctstring',
  'tensorflow/include/xla/tsl/c/',
];
const PY_EXTRACT = `
import os, shutil, sys, zipfile
whl, out, libs, prefixes = sys.argv[1], sys.argv[2], sys.argv[3].split(','), tuple(sys.argv[4].split(','))
n = 0
with zipfile.ZipFile(whl) as z:
    for info in z.infolist():
        name = info.filename
        if name.endswith('/'):
            continue
        if name in libs:
            dest = os.path.join(out, 'lib', os.path.basename(name))
        elif name.startswith(prefixes):
            dest = os.path.join(out, 'include', name[len('tensorflow/include/'):])
        else:
            continue
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with z.open(info) as src, open(dest, 'wb') as dst:
            shutil.copyfileobj(src, dst, 1 << 22)
        if name in libs:
            os.chmod(dest, 0o755)
        n += 1
print('unpacked %d files' % n)
`;

/**
 * @param {string} wheel
 * @param {string} stage
 * @param {string | null} python
 */
async function extractWheel(wheel, stage, python) {
  mkdirSync(join(stage, 'lib'), { recursive: true });
  mkdirSync(join(stage, 'include'), { recursive: true });
  if (python) {
    // A file rather than `-c`, so the command printed (and shown on failure) stays readable.
    const script = join(stage, 'extract-wheel.py');
    writeFileSync(script, PY_EXTRACT);
    await run(python, [script, wheel, stage, WHEEL_LIBS.join(','), WHEEL_HEADER_PREFIXES.join(',')]);
    rmSync(script);
  } else if (which('unzip')) {
    const tmp = join(stage, 'x');
    try {
      await run('unzip', ['-q', '-o', wheel, ...WHEEL_LIBS, ...WHEEL_HEADER_PREFIXES.map((p) => `${p}*`), '-d', tmp]);
    } catch (e) {
      if (!(e instanceof StepError) || e.code !== 11) throw e; // 11: a pattern matched nothing (a header folder absent in this TF version)
    }
    for (const lib of WHEEL_LIBS)
      if (existsSync(join(tmp, lib))) renameSync(join(tmp, lib), join(stage, 'lib', basename(lib)));
    if (existsSync(join(tmp, 'tensorflow', 'include')))
      cpSync(join(tmp, 'tensorflow', 'include'), join(stage, 'include'), { recursive: true });
    rmSync(tmp, { recursive: true, force: true });
  } else {
    throw new StepError(
      'unpacking the wheel needs Python (its zipfile module) or unzip; neither was found. Pass --python.',
    );
  }
  for (const lib of WHEEL_LIBS) {
    if (!existsSync(join(stage, 'lib', basename(lib)))) {
      throw new StepError(
        `${basename(wheel)} has no ${lib}: this wheel keeps TensorFlow's C API only inside its Python extension (as 2.9.1 does), which tfjs-node cannot load (undefined symbol: PyTuple_Type). Use --tf-version ${DEFAULT_TF_VERSION}.`,
      );
    }
  }
}

/**
 * @param {string} dir
 * @param {string} stage
 */
function copyLibtensorflowDir(dir, stage) {
  if (!existsSync(dir)) throw new StepError(`--libtensorflow ${dir}: no such folder.`);
  const tarball = existsSync(join(dir, 'lib')) && existsSync(join(dir, 'include'));
  const wheelFolder = existsSync(join(dir, 'libtensorflow_cc.so.2')) && existsSync(join(dir, 'include'));
  if (!tarball && !wheelFolder)
    throw new StepError(
      `--libtensorflow ${dir}: expected lib/ and include/ (Google's libtensorflow tarball) or libtensorflow_cc.so.2 and include/ (a wheel's tensorflow/ folder).`,
    );
  mkdirSync(stage, { recursive: true });
  if (tarball) {
    cpSync(join(dir, 'lib'), join(stage, 'lib'), { recursive: true, verbatimSymlinks: true });
    cpSync(join(dir, 'include'), join(stage, 'include'), { recursive: true, verbatimSymlinks: true });
  } else {
    mkdirSync(join(stage, 'lib'));
    for (const lib of WHEEL_LIBS)
      if (existsSync(join(dir, basename(lib)))) cpSync(join(dir, basename(lib)), join(stage, 'lib', basename(lib)));
    cpSync(join(dir, 'include'), join(stage, 'include'), { recursive: true });
  }
  for (const h of ['c_api.h', 'eager/c_api.h'])
    if (!existsSync(join(stage, 'include', 'tensorflow', 'c', h)))
      throw new StepError(
        `--libtensorflow ${dir}: include/tensorflow/c/${h} is missing (tfjs-node's binding.gyp needs it).`,
      );
}

const linkExists = (/** @type {string} */ p) => {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
};

/**
 * The names tfjs-node's build and install script expect: the linker names libtensorflow.so and
 * libtensorflow_framework.so (binding.gyp links -ltensorflow -ltensorflow_framework from deps/lib) and
 * libtensorflow.so.2.9.1 (install.js skips its download when it exists).
 */
/** @param {string} lib */
function linkLibraryNames(lib) {
  const files = readdirSync(lib);
  const pick = (/** @type {RegExp} */ re) => files.filter((f) => re.test(f)).sort((a, b) => b.length - a.length)[0];
  const main = files.includes('libtensorflow_cc.so.2') ? 'libtensorflow_cc.so.2' : pick(/^libtensorflow\.so\.\d/);
  const framework = pick(/^libtensorflow_framework\.so\.\d/);
  if (!main && !files.includes('libtensorflow.so'))
    throw new StepError(`no libtensorflow library in ${lib} (expected libtensorflow_cc.so.2 or libtensorflow.so.2*).`);
  if (!framework && !files.includes('libtensorflow_framework.so'))
    throw new StepError(`no libtensorflow_framework library in ${lib}.`);
  const link = (/** @type {string | undefined} */ target, /** @type {string} */ name) => {
    if (target && target !== name && !linkExists(join(lib, name))) symlinkSync(target, join(lib, name));
  };
  link(main, 'libtensorflow.so');
  link(framework, 'libtensorflow_framework.so');
  link(main ?? 'libtensorflow.so', INSTALL_JS_SENTINEL);
}

/** @param {string | null} python */
async function stepLibtensorflow(python) {
  const want = wantedSource();
  const marker = readJson(MARKER);
  if (!args.force && sameSource(marker, want) && depsComplete()) {
    say(`2/4 libtensorflow is already in ${relative(ROOT, DEPS)} (${marker.from}) — skipped`);
    return false;
  }
  const stage = `${DEPS}.tmp`;
  rmSync(stage, { recursive: true, force: true });
  try {
    return await layOut(want, stage, python);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/**
 * @param {Source} want
 * @param {string} stage
 * @param {string | null} python
 */
async function layOut(want, stage, python) {
  let from;
  if (want.kind === 'libtensorflow') {
    say(`2/4 copying libtensorflow from ${want.dir} into ${relative(ROOT, DEPS)}`);
    copyLibtensorflowDir(want.dir, stage);
    from = want.dir;
  } else {
    say(`2/4 unpacking libtensorflow from the tensorflow-cpu wheel into ${relative(ROOT, DEPS)}`);
    const wheel = await findOrDownloadWheel(python);
    if (args.wheel && args['tf-version'] !== DEFAULT_TF_VERSION && !basename(wheel).includes(`-${args['tf-version']}-`))
      say(`    note: --tf-version is ignored with --wheel (${basename(wheel)})`);
    say(`    unpacking ${basename(wheel)} with ${python ? `${python} (zipfile)` : 'unzip'}`);
    await extractWheel(wheel, stage, python);
    from = basename(wheel);
  }
  linkLibraryNames(join(stage, 'lib'));
  rmSync(DEPS, { recursive: true, force: true });
  renameSync(stage, DEPS);
  writeFileSync(MARKER, `${JSON.stringify({ source: want, from, addonBuilt: false }, null, 2)}\n`);
  return true;
}

/**
 * @param {string | null} python
 * @param {boolean} depsChanged
 */
async function stepBuild(python, depsChanged) {
  const marker = readJson(MARKER);
  if (!args.force && !depsChanged && marker?.addonBuilt && bindingFiles().length) {
    say(`3/4 the native addon ${relative(ROOT, bindingFiles()[0] ?? '')} is already built — skipped`);
    return;
  }
  const nodedir = nodeHeadersDir();
  checkBuildTools();
  const preGyp = join(ROOT, 'node_modules', '@mapbox', 'node-pre-gyp', 'bin', 'node-pre-gyp');
  const nested = join(PKG_DIR, 'node_modules', '@mapbox', 'node-pre-gyp', 'bin', 'node-pre-gyp');
  const bin = existsSync(nested) ? nested : preGyp;
  if (!existsSync(bin))
    throw new StepError(
      `@mapbox/node-pre-gyp (a dependency of tfjs-node) is missing; rerun with --force to reinstall tfjs-node.`,
    );
  say(`3/4 building the native addon against the Node headers in ${nodedir} (one compile job; output below)`);
  /** @type {Record<string, string>} */
  const shownEnv = { JOBS: '1', npm_config_nodedir: nodedir };
  const gyp = npmNodeGyp();
  if (gyp) shownEnv.npm_config_node_gyp = gyp;
  if (args.python && python) shownEnv.npm_config_python = python;
  // node-pre-gyp directly, not `npm rebuild`: tfjs-node's install.js runs it through cp.exec and hides its output.
  // --build-from-source: never try the prebuilt binary host; `install` builds only the best Node-API version (8).
  await run(process.execPath, [bin, 'install', '--build-from-source'], { cwd: PKG_DIR, shownEnv });
  if (!bindingFiles().length)
    throw new StepError('the build finished but no lib/napi-v*/tfjs_binding.node was written.');
  writeFileSync(MARKER, `${JSON.stringify({ ...marker, addonBuilt: true }, null, 2)}\n`);
}

function stepVerify() {
  say('4/4 loading @tensorflow/tfjs-node in a fresh Node process');
  const r = probeNative();
  if (!r.ok) {
    throw new StepError(`native TensorFlow does not load: ${r.message.split('\n')[0]}`, {
      command: `${shellQuote(process.execPath)} -e "require('@tensorflow/tfjs-node')"`,
      cwd: ROOT,
      stderrTail: `${r.message}\n${r.stderr}`,
    });
  }
  if (!r.sameCore)
    say(
      '    warning: tfjs-node resolved its own copy of @tensorflow/tfjs-core; the app registers backends with the root copy, so run `npm dedupe` (versions must both be 4.22.0).',
    );
  say(`    OK: backend "${r.backend}", TensorFlow ${r.tf}, tfjs-node ${r.tfjsNode}, tfjs ${r.tfjs}`);
}

function check() {
  const lines = [];
  const version = installedTfjsNodeVersion();
  lines.push(`@tensorflow/tfjs-node: ${version ? `${version} in ${relative(ROOT, PKG_DIR)}` : 'not installed'}`);
  if (version) {
    const marker = readJson(MARKER);
    const libs = existsSync(join(DEPS, 'lib'))
      ? readdirSync(join(DEPS, 'lib')).filter((f) => f.startsWith('libtensorflow'))
      : [];
    lines.push(
      `libtensorflow (deps/lib): ${libs.length ? libs.join(', ') : 'missing'}${marker?.from ? ` — from ${marker.from}` : ''}`,
    );
    const bins = bindingFiles();
    lines.push(`native addon: ${bins.length ? bins.map((b) => relative(ROOT, b)).join(', ') : 'not built'}`);
  }
  lines.push(`TF_ENABLE_ONEDNN_OPTS: ${process.env.TF_ENABLE_ONEDNN_OPTS ?? 'unset (RNN Studio sets 0)'}`);
  const r = version ? probeNative() : { ok: false, message: "Cannot find module '@tensorflow/tfjs-node'" };
  for (const l of lines) console.log(l);
  if (r.ok) {
    console.log(`native TensorFlow: loads — backend "${r.backend}", TensorFlow ${r.tf}`);
    return 0;
  }
  console.log(`native TensorFlow: does not load — ${r.message.split('\n')[0]}`);
  console.log('To set it up offline from the PyPI wheel: npm run setup:native-tf');
  return 1;
}

async function main() {
  if (args.check) return check();
  if (process.platform !== 'linux') {
    throw new StepError(
      `this script supports Linux only (this is ${process.platform}). On macOS and Windows, \`npm install --no-save @tensorflow/tfjs-node@${TFJS_NODE_VERSION}\` on a connected machine downloads Google's prebuilt libtensorflow and addon.`,
    );
  }
  if (process.arch !== 'x64' && !args.libtensorflow)
    throw new StepError(
      `the tensorflow-cpu wheel path is for x86_64 (this is ${process.arch}); pass --libtensorflow DIR with a libtensorflow built for ${process.arch}.`,
    );
  if (!existsSync(join(ROOT, 'node_modules', '@tensorflow', 'tfjs')))
    throw new StepError('run `npm install` (or `npm ci`) first: node_modules/@tensorflow/tfjs is missing.');
  const python = which(args.python ?? 'python3') ?? (args.python ? null : which('python'));
  say(`native TensorFlow setup in ${ROOT} (Node ${process.version}, ${process.platform}-${process.arch})`);
  const reinstalled = await stepInstallPackage();
  const depsChanged = await stepLibtensorflow(python);
  await stepBuild(python, depsChanged || reinstalled);
  stepVerify();
  say(
    'done: `rnn-studio train … --backend auto` now uses native TensorFlow (check any time: npm run setup:native-tf -- --check)',
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`\nsetup-native-tf failed after ${elapsed().trim()}: ${e.message}`);
    if (e.command) console.error(`  command: ${e.command}${e.cwd && e.cwd !== ROOT ? `\n  in:      ${e.cwd}` : ''}`);
    if (e.stderrTail?.trim()) {
      /** @type {string[]} */
      const all = e.stderrTail.trimEnd().split('\n');
      const firstError = all.find((l) => /fatal error|error:|\bERR!|cannot open|not found/i.test(l));
      if (firstError) console.error(`  first error: ${firstError.trim()}`);
      const tail = all.slice(-25);
      console.error(`  last ${tail.length} lines of its stderr:\n${tail.map((l) => `    ${l}`).join('\n')}`);
    }
    if (!(e instanceof StepError)) console.error(e.stack);
    process.exit(1);
  },
);

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import util from 'node:util';
import {
  backendFromEnvironment,
  describeBackend,
  explainNativeLoadError,
  initBackend,
  NATIVE_SETUP_COMMAND,
  shimRemovedUtilFunctions,
} from './backend.js';
import type { BackendInfo } from './backend.js';

const require = createRequire(import.meta.url);
const backendModule = pathToFileURL(fileURLToPath(new URL('./backend.ts', import.meta.url))).href;

function tfjsNodeInstalled(): boolean {
  try {
    require.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

/** initBackend in a fresh process (the chosen backend is module state), with RNN_STUDIO_BACKEND as given. */
function initInChild(
  envValue: string | undefined,
  preference: string,
): Promise<{ info?: BackendInfo; error?: string }> {
  const code = `
    const { initBackend } = await import(${JSON.stringify(backendModule)});
    try { console.log(JSON.stringify({ info: await initBackend(${JSON.stringify(preference)}) })); }
    catch (e) { console.log(JSON.stringify({ error: e.message })); }`;
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', TF_CPP_MIN_LOG_LEVEL: '2' };
  if (envValue === undefined) delete env.RNN_STUDIO_BACKEND;
  else env.RNN_STUDIO_BACKEND = envValue;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      const last = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as { info?: BackendInfo; error?: string });
      } catch {
        reject(new Error(`child exited ${status} without a result:\n${out}\n${err}`));
      }
    });
  });
}

// Real messages: our own builds (Node 20, Linux; docs/research/native-tf-offline.md) and tfjs issues #2341, #2678,
// #8579, #8388 and yorkie/tensorflow-nodejs#25 for the Windows and macOS forms.
const loadErrors: Array<{ name: string; message: string; expect: RegExp[] }> = [
  {
    name: 'not installed',
    message: "Cannot find module '@tensorflow/tfjs-node'\nRequire stack:\n- /work/main/main/training/backend.ts",
    expect: [
      /^@tensorflow\/tfjs-node is not installed — run `npm run setup:native-tf` for native TensorFlow \(offline, from the PyPI wheel\)$/,
    ],
  },
  {
    name: 'addon not built (tfjs-node 4.x check)',
    message:
      'The Node.js native addon module (tfjs_binding.node) can not be found at path: /work/main/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node. \n' +
      "Please run command 'npm rebuild @tensorflow/tfjs-node --build-addon-from-source' to rebuild the native addon module. \n" +
      'If you have problem with building the addon module, please check https://github.com/tensorflow/tfjs/blob/master/tfjs-node/WINDOWS_TROUBLESHOOTING.md or file an issue.',
    expect: [
      /native addon \/work\/main\/node_modules\/@tensorflow\/tfjs-node\/lib\/napi-v8\/tfjs_binding\.node is missing/,
      /npm run setup:native-tf/,
    ],
  },
  {
    name: 'addon not built (older require of the binding)',
    message:
      "Cannot find module 'D:\\TESA\\tfjs-test\\node_modules\\@tensorflow\\tfjs-node\\lib\\napi-v5\\tfjs_binding.node'\nRequire stack:\n- D:\\TESA\\tfjs-test\\node_modules\\@tensorflow\\tfjs-node\\dist\\index.js",
    expect: [
      /native addon D:\\TESA\\tfjs-test\\node_modules\\@tensorflow\\tfjs-node\\lib\\napi-v5\\tfjs_binding\.node is missing/,
      /npm run setup:native-tf/,
    ],
  },
  {
    name: 'libtensorflow missing (wheel layout)',
    message: 'libtensorflow_cc.so.2: cannot open shared object file: No such file or directory',
    expect: [
      /libtensorflow is missing: libtensorflow_cc\.so\.2 cannot be found/,
      /deps\/lib/,
      /npm run setup:native-tf/,
    ],
  },
  {
    name: 'libtensorflow_framework missing',
    message: 'libtensorflow_framework.so.2: cannot open shared object file: No such file or directory',
    expect: [/libtensorflow_framework\.so\.2 cannot be found/, /npm run setup:native-tf/],
  },
  {
    name: 'libtensorflow missing (Google tarball layout, path in the message)',
    message:
      '/srv/app/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node: libtensorflow.so.2: cannot open shared object file: No such file or directory',
    expect: [/libtensorflow\.so\.2 cannot be found/],
  },
  {
    name: 'a dependency of tfjs-node missing',
    message:
      "Cannot find module '@mapbox/node-pre-gyp'\nRequire stack:\n- /work/main/node_modules/@tensorflow/tfjs-node/dist/index.js",
    expect: [/incomplete: @mapbox\/node-pre-gyp is missing — run `npm run setup:native-tf -- --force` to reinstall it/],
  },
  {
    name: 'wrong libtensorflow (TF 2.9.1 wheel)',
    message:
      '/work/main/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node: undefined symbol: PyTuple_Type',
    expect: [/undefined symbol PyTuple_Type/, /2\.15\.1/, /`npm run setup:native-tf -- --force`/],
  },
  {
    name: 'Windows: tensorflow.dll missing',
    message:
      'The specified module could not be found.\r\n\\\\?\\C:\\workspace\\app\\node_modules\\@tensorflow\\tfjs-node\\lib\\napi-v8\\tfjs_binding.node',
    expect: [
      /tensorflow\.dll, needed by \\\\\?\\C:\\workspace\\app\\node_modules\\@tensorflow\\tfjs-node\\lib\\napi-v8\\tfjs_binding\.node, cannot be found/,
    ],
  },
  {
    name: 'macOS: dylib missing',
    message:
      'dlopen(/Users/x/app/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node, 0x0001): Library not loaded: @rpath/libtensorflow.2.dylib\n  Referenced from: /Users/x/app/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node',
    expect: [/libtensorflow\.2\.dylib cannot be found/],
  },
  {
    name: 'second worker thread',
    message:
      "Module did not self-register: '/work/main/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node'.",
    expect: [/loaded twice in one process/, /tfjs#8388/],
  },
  {
    name: 'duplicated tfjs-core',
    message: "Backend name 'tensorflow' not found in registry",
    expect: [/npm dedupe/],
  },
  {
    name: 'anything else',
    message: 'Something unexpected\nwith a second line',
    expect: [
      /^@tensorflow\/tfjs-node failed to load: Something unexpected — run `npm run setup:native-tf -- --check` for details$/,
    ],
  },
];

for (const { name, message, expect } of loadErrors) {
  test(`explainNativeLoadError: ${name}`, () => {
    const text = explainNativeLoadError(Object.assign(new Error(message), { code: 'X' }));
    for (const re of expect) assert.match(text, re);
    assert.doesNotMatch(text, /\n/, 'one line');
  });
}

test('explainNativeLoadError accepts non-Error throws', () => {
  assert.match(explainNativeLoadError("Cannot find module '@tensorflow/tfjs-node'"), /is not installed/);
});

test('auto picks native TensorFlow when tfjs-node loads, else wasm with the reason and the setup command', async () => {
  delete process.env.RNN_STUDIO_BACKEND;
  const info = await initBackend('auto');
  if (!tfjsNodeInstalled()) {
    assert.equal(info.name, 'wasm');
    assert.match(info.detail, /@tensorflow\/tfjs-node is not installed — run `npm run setup:native-tf`/);
    assert.match(
      describeBackend(info),
      /^wasm \(tfjs 4\.22\.0\) — WebAssembly( SIMD)?, 1 thread \(@tensorflow\/tfjs-node is not installed/,
    );
  } else if (info.name === 'tensorflow') {
    assert.equal(info.nativeVersion, '4.22.0');
    assert.notEqual(process.env.TF_ENABLE_ONEDNN_OPTS, undefined, 'set before libtensorflow loads');
  } else {
    // Installed but not loadable: the reason names what is wrong and how to fix it.
    assert.equal(info.name, 'wasm');
    assert.match(info.detail, /@tensorflow\/tfjs-node/);
  }
  assert.ok(NATIVE_SETUP_COMMAND.length > 0);
});

test('the removed util functions exist after initBackend and after the shim', async () => {
  await initBackend('auto');
  const u = util as unknown as Record<string, unknown>;
  // Simulate Node 23+, where these are gone (tfjs#8609), then shim them back.
  const names = [
    'isNullOrUndefined',
    'isArray',
    'isBoolean',
    'isNumber',
    'isString',
    'isFunction',
    'isObject',
    'isUndefined',
    'isNull',
  ];
  const saved = Object.fromEntries(names.map((n) => [n, u[n]]));
  try {
    for (const n of names) delete u[n];
    shimRemovedUtilFunctions();
    for (const n of names) assert.equal(typeof u[n], 'function', n);
    const f = u as unknown as Record<string, (x: unknown) => boolean>;
    assert.equal(f.isNullOrUndefined!(null), true);
    assert.equal(f.isNullOrUndefined!(undefined), true);
    assert.equal(f.isNullOrUndefined!(0), false);
    assert.equal(f.isObject!(null), false);
    assert.equal(f.isArray!([]), true);
  } finally {
    Object.assign(u, saved);
  }
});

test('backendFromEnvironment reads RNN_STUDIO_BACKEND', () => {
  assert.equal(backendFromEnvironment({}), null);
  assert.equal(backendFromEnvironment({ RNN_STUDIO_BACKEND: '' }), null);
  assert.equal(backendFromEnvironment({ RNN_STUDIO_BACKEND: ' WASM ' }), 'wasm');
  assert.equal(backendFromEnvironment({ RNN_STUDIO_BACKEND: 'auto' }), 'auto');
  assert.throws(
    () => backendFromEnvironment({ RNN_STUDIO_BACKEND: 'gpu' }),
    /RNN_STUDIO_BACKEND must be one of auto, tensorflow, wasm, cpu\. Received: RNN_STUDIO_BACKEND=gpu\./,
  );
});

test(
  'RNN_STUDIO_BACKEND overrides auto, not an explicit preference (fresh processes)',
  { timeout: 120_000 },
  async () => {
    const [cpu, explicitWasm, native, bad] = await Promise.all([
      initInChild('cpu', 'auto'),
      initInChild('cpu', 'wasm'),
      initInChild('tensorflow', 'auto'),
      initInChild('gpu', 'auto'),
    ]);
    assert.equal(cpu.info?.name, 'cpu', JSON.stringify(cpu));
    assert.match(cpu.info!.detail, /requested by RNN_STUDIO_BACKEND=cpu/);
    assert.equal(explicitWasm.info?.name, 'wasm', JSON.stringify(explicitWasm));
    if (native.info) assert.equal(native.info.name, 'tensorflow');
    else
      assert.match(
        native.error ?? '',
        /Native TensorFlow was requested by RNN_STUDIO_BACKEND=tensorflow but .*npm run setup:native-tf/,
      );
    if (!tfjsNodeInstalled()) assert.ok(native.error, 'tfjs-node is absent, so asking for it must fail');
    assert.match(bad.error ?? '', /RNN_STUDIO_BACKEND must be one of/);
  },
);

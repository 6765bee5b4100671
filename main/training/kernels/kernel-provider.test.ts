// The kernel provider's automatic choice (issue #16): the decision for every case (kernel-provider.ts, no addon
// needed), the self-check on kernels that agree and on kernels that do not (native-self-check.ts), and the real thing
// in worker threads of their own — each thread chooses once, whatever RNN_STUDIO_KERNELS this process runs under
// (scripts/run-tests.mjs pins `wasm` for its plain pass): auto picks native and its self-check passes where the addon
// is built here (skipped, with the reason, where it is not), and a missing addon falls back with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { chooseKernelProvider, NATIVE_IN_ELECTRON, NATIVE_NOT_BUILT } from './kernel-provider.js';
import type { ProviderChoice, ProviderFacts } from './kernel-provider.js';
import { nativeSelfCheck, SELF_CHECK_TOLERANCE } from './native-self-check.js';
import { loadKernels, withoutHelpers } from './kernels-wasm.js';
import type { KernelsChoice, RnnKernels } from './kernels-wasm.js';
import { nativeUnavailableReason } from './kernels-native.js';

type Fact = 'addonPresent' | 'load' | 'selfCheck';
interface DecisionCase {
  name: string;
  setting?: string;
  electron?: boolean;
  addon?: boolean;
  /** null: loads; a string: the loader's error. */
  load?: string | null;
  /** null: passes; a string: what differed. */
  selfCheck?: string | null;
  expected: ProviderChoice;
  /** The facts the choice must have asked for, in order (each costs something: none more than needed). */
  asked: Fact[];
}

const ALL: Fact[] = ['addonPresent', 'load', 'selfCheck'];
const UNKNOWN = 'RNN_STUDIO_KERNELS="fast" is not one of auto, native, wasm, simd: chosen as auto';
const MISMATCH = 'LSTM dKernel: max |Δ| 3.0e-2 of the largest value, at most 0.00001 expected';

const decisions: DecisionCase[] = [
  { name: 'unset, all well → native', expected: { provider: 'native', reason: null }, asked: ALL },
  { name: 'auto, all well → native', setting: 'auto', expected: { provider: 'native', reason: null }, asked: ALL },
  { name: 'empty = unset', setting: '', expected: { provider: 'native', reason: null }, asked: ALL },
  {
    name: 'no addon file',
    addon: false,
    expected: { provider: 'wasm', reason: NATIVE_NOT_BUILT },
    asked: ['addonPresent'],
  },
  {
    name: 'addon does not load',
    load: 'libdnnl.so.2: cannot open shared object file: No such file or directory',
    expected: {
      provider: 'wasm',
      reason: 'native kernels did not load: libdnnl.so.2: cannot open shared object file: No such file or directory',
    },
    asked: ['addonPresent', 'load'],
  },
  {
    name: 'inside Electron (before even looking for the addon)',
    electron: true,
    expected: { provider: 'wasm', reason: NATIVE_IN_ELECTRON },
    asked: [],
  },
  {
    name: 'self-check fails',
    selfCheck: MISMATCH,
    expected: { provider: 'wasm', reason: `native kernels failed their self-check: ${MISMATCH}` },
    asked: ALL,
  },
  {
    name: 'native forced: no check, no fallback (a failure to load is the loader’s error)',
    setting: 'native',
    addon: false,
    electron: true,
    expected: { provider: 'native', reason: null },
    asked: [],
  },
  {
    name: 'wasm forced',
    setting: 'wasm',
    expected: { provider: 'wasm', reason: 'RNN_STUDIO_KERNELS=wasm' },
    asked: [],
  },
  {
    name: 'simd forced',
    setting: 'simd',
    expected: { provider: 'simd', reason: 'RNN_STUDIO_KERNELS=simd' },
    asked: [],
  },
  {
    name: 'unknown value, all well → native, and says so',
    setting: 'fast',
    expected: { provider: 'native', reason: UNKNOWN },
    asked: ALL,
  },
  {
    name: 'unknown value, no addon → wasm, with both reasons',
    setting: 'fast',
    addon: false,
    expected: { provider: 'wasm', reason: `${UNKNOWN}; ${NATIVE_NOT_BUILT}` },
    asked: ['addonPresent'],
  },
  {
    name: 'case matters: NATIVE is unknown',
    setting: 'NATIVE',
    electron: true,
    expected: {
      provider: 'wasm',
      reason: `RNN_STUDIO_KERNELS="NATIVE" is not one of auto, native, wasm, simd: chosen as auto; ${NATIVE_IN_ELECTRON}`,
    },
    asked: [],
  },
];

for (const c of decisions) {
  test(`kernel provider choice: ${c.name}`, () => {
    const asked: Fact[] = [];
    const facts: ProviderFacts = {
      setting: c.setting,
      electron: c.electron ?? false,
      addonPresent: () => (asked.push('addonPresent'), c.addon ?? true),
      load: () => (asked.push('load'), c.load ?? null),
      selfCheck: () => (asked.push('selfCheck'), c.selfCheck ?? null),
    };
    assert.deepEqual(chooseKernelProvider(facts), c.expected);
    assert.deepEqual(asked, c.asked);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The self-check itself, on WebAssembly kernels standing in for native ones.

test('the self-check passes kernels that agree: relaxed SIMD (fused multiply-add) against SIMD', () => {
  const r = nativeSelfCheck(withoutHelpers(loadKernels('relaxed-simd')), withoutHelpers(loadKernels('simd')));
  assert.equal(r.failure, null);
  assert.ok(r.worst > 0 && r.worst <= SELF_CHECK_TOLERANCE, `worst ${r.worst}`);
});

/** The SIMD kernels with one export made wrong. */
function broken(change: (k: RnnKernels) => Partial<RnnKernels>): RnnKernels {
  const k = loadKernels('simd');
  return withoutHelpers({ ...k, ...change(k) });
}

test('the self-check fails kernels that differ, naming the output and the difference', () => {
  const reference = withoutHelpers(loadKernels('simd'));
  // One input gradient off by 0.01.
  const wrongDx = broken((k) => ({
    seqBackward: (...args: Parameters<RnnKernels['seqBackward']>) => {
      k.seqBackward(...args);
      const [, batch, steps, features] = args;
      const dx = args[23];
      const view = new Float32Array(k.memory.buffer, dx, batch * steps * features);
      view[0] = view[0]! + 0.01;
    },
  }));
  const r = nativeSelfCheck(wrongDx, reference);
  assert.match(
    r.failure ?? '',
    /^(LSTM|GRU) dx: max \|Δ\| \d\.\de-\d+ of the largest value, at most 0\.00001 expected$/,
  );
  assert.ok(r.worst > SELF_CHECK_TOLERANCE);

  const throwing = broken(() => ({
    seqForward: () => {
      throw new RangeError('offset 123 is past the reservation');
    },
  }));
  assert.equal(nativeSelfCheck(throwing, reference).failure, 'threw offset 123 is past the reservation');

  const nan = broken((k) => ({
    transpose: (rows: number, cols: number, src: number, dst: number) => {
      k.transpose(rows, cols, src, dst);
      new Float32Array(k.memory.buffer, dst, 1)[0] = NaN;
    },
  }));
  assert.match(nativeSelfCheck(nan, reference).failure ?? '', /^LSTM dx: max \|Δ\| Infinity/);
});

// ---------------------------------------------------------------------------------------------------------------
// The real choice, in worker threads: rnnKernels() chooses once per thread, from that thread's environment.

interface ThreadReport {
  choice: KernelsChoice;
  label: string | null;
  sameKernels: boolean;
  choiceAgain: KernelsChoice;
}

/** Starts a worker thread (tsx registered inside it, as main/worker-thread.ts does) that chooses its kernels. */
function chooseInThread(env: Record<string, string | undefined>): Promise<ThreadReport> {
  const kernels = new URL('./kernels-wasm.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `
    const { parentPort } = require('node:worker_threads');
    import(${JSON.stringify(tsx)})
      .then((api) => { api.register(); return import(${JSON.stringify(kernels)}); })
      .then((m) => {
        const k = m.rnnKernels();
        const choice = m.kernelsChoice();
        parentPort.postMessage({
          choice,
          label: m.describeKernels(),
          sameKernels: m.rnnKernels() === k,
          choiceAgain: m.kernelsChoice(),
        });
      });`;
  const threadEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...env }))
    if (value !== undefined) threadEnv[key] = value;
  const worker = new Worker(code, { eval: true, env: threadEnv });
  return new Promise<ThreadReport>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the thread exited (${code}) before it reported its kernels`)));
  }).finally(() => void worker.terminate());
}

const unavailable = nativeUnavailableReason();

test(
  'auto, with the addon built here: each thread picks native once, after its self-check passes',
  { skip: unavailable ? `native kernels unavailable: ${unavailable}` : false },
  async (t) => {
    const reports = await Promise.all([
      chooseInThread({ RNN_STUDIO_KERNELS: undefined }),
      chooseInThread({ RNN_STUDIO_KERNELS: 'auto' }),
    ]);
    for (const r of reports) {
      assert.equal(r.choice.provider, 'native');
      assert.equal(r.choice.reason, null);
      assert.match(r.label ?? '', /^native C\+\+ \(.+\) \+ .+ sgemm, \d+ threads?$/);
      assert.ok(r.choice.selfCheckMs !== null && r.choice.selfCheckMs > 0);
      // Chosen once: the same kernels and the same choice (one self-check's time) on every later call.
      assert.ok(r.sameKernels);
      assert.deepEqual(r.choiceAgain, r.choice);
      t.diagnostic(`self-check ${r.choice.selfCheckMs!.toFixed(1)} ms (a fresh thread: compiling and first calls)`);
    }
  },
);

test('auto without the addon: WebAssembly, saying why native is not used', async () => {
  const r = await chooseInThread({
    RNN_STUDIO_KERNELS: undefined,
    RNN_STUDIO_NATIVE_ADDON: '/nonexistent/rnn_native.node',
  });
  assert.deepEqual(r.choice, { provider: 'wasm', reason: NATIVE_NOT_BUILT, selfCheckMs: null });
  assert.match(
    r.label ?? '',
    new RegExp(
      `^WebAssembly (relaxed SIMD \\(fused multiply-add\\)|SIMD), \\d+ threads? — ${NATIVE_NOT_BUILT.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`,
    ),
  );
});

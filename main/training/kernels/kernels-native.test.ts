// The native kernel provider (kernels-native.ts, native/kernels/*.cc) against the WebAssembly kernels, export by
// export, on the same random inputs: whole sequences through fused-rnn.ts for every cell × direction × output mode
// × activation pair, with and without bias, dropout masks (one input mask for all gates, or one per gate, plus
// recurrent masks) and timestep masks; then each lower-level export on its own (the multiplies with strided and
// time-reversed operands, the cell passes under every activation, the optimizer updates, the row kernels).
// Tolerance 1e-5 relative to the largest value, as the SIMD and relaxed-SIMD builds are held to (fused-rnn.test.ts):
// oneDNN sums in another order and fuses multiply-adds. The optimizer updates and Σ g² are compared to the bit.
// Skipped, with the reason, when the addon is not built (scripts/build-native.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fusedBackward, fusedForward } from './fused-rnn.js';
import type { DropoutMasks, FusedCellConfig } from './fused-rnn.js';
import { ACTIVATION_CODES, heapOf, loadKernels } from './kernels-wasm.js';
import type { FusedActivation, RnnKernels } from './kernels-wasm.js';
import { createRequire } from 'node:module';
import {
  loadNativeKernels,
  nativeAddonPath,
  nativeInfo,
  nativeUnavailableReason,
  setNativeSplit,
} from './kernels-native.js';
import type { NativeKernels } from './kernels-native.js';
import { maxRelativeDifference, SELF_CHECK_TOLERANCE, seededUniform } from './native-self-check.js';

const unavailable = nativeUnavailableReason();
const skip = unavailable ? `native kernels unavailable: ${unavailable}` : false;

let pair: { wasm: RnnKernels; native: NativeKernels } | null = null;
function kernels(): { wasm: RnnKernels; native: NativeKernels } {
  pair ??= { wasm: loadKernels('simd'), native: loadNativeKernels() };
  return pair;
}

const random = seededUniform;

/** Inverted-dropout mask values: 0 or 1/(1 − rate). */
const dropout = (n: number, seed: number, rate: number) =>
  random(n, seed, 0, 1).map((u) => (u < rate ? 0 : 1 / (1 - rate)));

// The self-check's measure: the provider choice and these tests hold native to the same tolerance.
function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  return maxRelativeDifference(a, b);
}

const TOLERANCE = SELF_CHECK_TOLERANCE;
const assertClose = (a: ArrayLike<number>, b: ArrayLike<number>, what: string, tol = TOLERANCE) => {
  const d = maxRelDiff(a, b);
  assert.ok(d <= tol, `${what}: native and WebAssembly differ by ${d}`);
};

// ---------------------------------------------------------------------------------------------------------------
// Whole sequences: seqForward and seqBackward (with transpose and addRows) through fused-rnn.ts.

type Kind = 'SimpleRNN' | 'LSTM' | 'GRU' | 'GRU_RA';
const GATES: Record<Kind, number> = { SimpleRNN: 1, LSTM: 4, GRU: 3, GRU_RA: 3 };
interface SeqCase {
  kind: Kind;
  returnSequences: boolean;
  goBackwards: boolean;
  act: FusedActivation;
  recAct: FusedActivation;
  bias: boolean;
  inputMasks: 0 | 1 | 'G';
  recurrentMasks: boolean;
  stepMask: boolean;
  dims: [number, number, number, number];
}

function runSequence(k: RnnKernels, c: SeqCase) {
  const [B, T, D, U] = c.dims;
  const G = GATES[c.kind],
    GU = G * U;
  const cfg: FusedCellConfig = {
    kind: c.kind === 'GRU_RA' ? 'GRU' : c.kind,
    units: U,
    activation: c.act,
    recurrentActivation: c.recAct,
    returnSequences: c.returnSequences,
    goBackwards: c.goBackwards,
    ...(c.kind === 'GRU_RA' ? { resetAfter: true } : {}),
  };
  // Weights scaled by fan-in (as Glorot's initializer does): a recurrence with a spectral radius above 1 is chaotic
  // and amplifies any difference in rounding, step after step, beyond what any two correct kernels would agree on.
  const x = random(B * T * D, 1),
    w = random(D * GU, 2, -1 / Math.sqrt(D), 1 / Math.sqrt(D)),
    r = random(U * GU, 3, -1 / Math.sqrt(U), 1 / Math.sqrt(U));
  const bias = c.bias ? random((c.kind === 'GRU_RA' ? 2 : 1) * GU, 4) : null;
  const inGates = c.inputMasks === 'G' ? G : c.inputMasks;
  const masks: DropoutMasks = {
    input: inGates ? Array.from({ length: inGates }, (_, g) => dropout(B * D, 10 + g, 0.3)) : null,
    recurrent: c.recurrentMasks ? Array.from({ length: G }, (_, g) => dropout(B * U, 20 + g, 0.25)) : null,
  };
  // Every sample keeps its first step; some later steps are masked out.
  const stepMask = c.stepMask ? random(B * T, 30, 0, 1).map((u, i) => (i % T === 0 || u > 0.3 ? 1 : 0)) : null;
  const f = fusedForward(k, cfg, x, [B, T, D], w, r, bias, true, masks, stepMask);
  const dy = random(c.returnSequences ? B * T * U : B * U, 5);
  const g = fusedBackward(k, cfg, f.saved!, dy, true);
  return { y: f.y, dx: g.dx, dKernel: g.dKernel, dRecurrent: g.dRecurrent, dBias: g.dBias, hidden: g.hidden! };
}

const ACT_PAIRS: [FusedActivation, FusedActivation][] = [
  ['tanh', 'sigmoid'],
  ['relu', 'hardSigmoid'],
  ['linear', 'tanh'],
  ['sigmoid', 'relu'],
];
const seqCases: SeqCase[] = [];
let n = 0;
for (const kind of ['SimpleRNN', 'LSTM', 'GRU', 'GRU_RA'] as const) {
  for (const returnSequences of [false, true]) {
    for (const goBackwards of [false, true]) {
      const [act, recAct] = ACT_PAIRS[n % ACT_PAIRS.length]!;
      // Odd sizes (the vector loops' tails), and the dropout and mask variants spread over the directions.
      seqCases.push({
        kind,
        returnSequences,
        goBackwards,
        act,
        recAct,
        bias: n % 3 !== 2,
        inputMasks: 0,
        recurrentMasks: false,
        stepMask: false,
        dims: [9, 13, 5, 7],
      });
      seqCases.push({
        kind,
        returnSequences,
        goBackwards,
        act: 'tanh',
        recAct: 'sigmoid',
        bias: true,
        inputMasks: goBackwards ? 'G' : 1,
        recurrentMasks: goBackwards || returnSequences,
        stepMask: false,
        dims: [6, 9, 5, 8],
      });
      seqCases.push({
        kind,
        returnSequences,
        goBackwards,
        act: 'tanh',
        recAct: 'sigmoid',
        bias: true,
        inputMasks: 0,
        recurrentMasks: false,
        stepMask: true,
        dims: [7, 10, 4, 6],
      });
      n++;
    }
  }
  // Sizes where oneDNN's blocked kernels do the work, with everything on at once.
  seqCases.push({
    kind,
    returnSequences: true,
    goBackwards: true,
    act: 'tanh',
    recAct: 'sigmoid',
    bias: true,
    inputMasks: 'G',
    recurrentMasks: true,
    stepMask: true,
    dims: [32, 20, 24, 64],
  });
  seqCases.push({
    kind,
    returnSequences: false,
    goBackwards: false,
    act: 'tanh',
    recAct: 'sigmoid',
    bias: true,
    inputMasks: 0,
    recurrentMasks: false,
    stepMask: false,
    dims: [64, 16, 32, 96],
  });
}

const describeCase = (c: SeqCase) =>
  `${c.kind} ${c.act}/${c.recAct} returnSequences=${c.returnSequences} goBackwards=${c.goBackwards}` +
  ` bias=${c.bias} inputMasks=${c.inputMasks} recurrentMasks=${c.recurrentMasks} stepMask=${c.stepMask} [B,T,D,U]=[${c.dims.join(',')}]`;

test(
  'native seqForward + seqBackward = WebAssembly for every cell, direction, output mode, activation and mask',
  { skip },
  () => {
    const { wasm, native } = kernels();
    for (const c of seqCases) {
      const a = runSequence(native, c),
        b = runSequence(wasm, c);
      for (const key of ['y', 'dx', 'dKernel', 'dRecurrent', 'dBias', 'hidden'] as const)
        assertClose(a[key], b[key], `${describeCase(c)}: ${key}`);
    }
  },
);

// The batch split (split.cc) cuts only batches of 16 samples or more on 2 threads: the large cases above ran split
// (where this machine has several cores); here they run whole, oneDNN threading each multiply.
test('native = WebAssembly with the batch left whole (threads inside each multiply)', { skip }, () => {
  const { wasm, native } = kernels();
  setNativeSplit(false);
  try {
    assert.equal(nativeInfo().split, false);
    for (const c of seqCases.filter((s) => s.dims[0] >= 32)) {
      const a = runSequence(native, c),
        b = runSequence(wasm, c);
      for (const key of ['y', 'dx', 'dKernel', 'dRecurrent', 'dBias', 'hidden'] as const)
        assertClose(a[key], b[key], `${describeCase(c)}: ${key}`);
    }
  } finally {
    setNativeSplit(true);
  }
});

test('the native provider runs as one JavaScript kernel thread and keeps its heap balanced', { skip }, () => {
  const { native } = kernels();
  const heap = heapOf(native);
  const before = native.memory.buffer.byteLength;
  const p = heap.alloc(before / 4 + (1 << 20));
  assert.ok(native.memory.buffer.byteLength >= p + before + (4 << 20), 'the memory grows as the heap asks');
  assert.ok(native.heapBase() > 0, 'offset 0 stays "none"');
  new Float32Array(native.memory.buffer, p, 4).set([1, 2, 3, 4]);
  assert.equal(native.sumOfSquares(4, p), 30);
  heap.release(p);
  assert.equal(heap.inUse(), 0);
  assert.equal(heapOf(kernels().wasm).inUse(), 0);
  assert.throws(() => native.memory.grow(1 << 20), RangeError);
  assert.throws(() => native.sumOfSquares(4, 2 ** 33), /out of bounds/);
  assert.equal(native.jsThreads, 1);
});

// V8's sandbox (on in Electron) refuses an external ArrayBuffer over memory an addon maps itself: the kernels' memory
// is a resizable ArrayBuffer V8 allocated, which the addon only references. It must never move as it grows (the
// kernels hold offsets into it, the addon's threads pointers), and offsets past the bytes in use must throw, since
// the pages past them are not committed.
test("the native kernels' memory is a resizable ArrayBuffer V8 owns, growing in place to the end", { skip }, () => {
  const k = loadNativeKernels(1);
  const buffer = k.memory.buffer as ArrayBuffer & { resizable: boolean; maxByteLength: number };
  assert.equal(buffer.resizable, true);
  assert.equal(buffer.maxByteLength, 4 * 2 ** 30);
  const pages = k.memory.buffer.byteLength / 65_536;
  assert.equal(k.memory.grow(16_383 - pages + 1), pages, 'grow answers the old page count');
  assert.equal(k.memory.buffer, buffer, 'the same buffer, resized');
  assert.equal(buffer.byteLength, 16_384 * 65_536);
  // The last float of the first GiB, written from JavaScript and read by the addon.
  const last = buffer.byteLength - 4;
  new Float32Array(buffer, last, 1)[0] = 3;
  assert.equal(k.sumOfSquares(1, last), 9);
  assert.throws(() => k.sumOfSquares(1, buffer.byteLength), /out of bounds/, 'past the bytes in use');
  assert.throws(() => k.memory.grow(65_536), RangeError);
  assert.equal(buffer.byteLength, 16_384 * 65_536, 'a refused grow changes nothing');
  const raw = (createRequire(import.meta.url)(nativeAddonPath()) as { create(...a: unknown[]): unknown }).create;
  assert.throws(() => raw(65_536), /create\(maxPages, buffer\)/);
  assert.throws(() => raw(65_536, new ArrayBuffer(100)), /whole number of 64 KiB pages/);
});

// ---------------------------------------------------------------------------------------------------------------
// The lower-level exports, one call at a time: each argument is a number or a buffer (random, or given), the same
// buffers go into both memories, and every buffer is compared after the call, with the return value.

type Buf = { data: Float32Array | Int32Array; at?: number };
type Arg = number | Buf;
const buf = (data: Float32Array | Int32Array, at = 0): Buf => ({ data, at });

function callBoth(name: string, args: Arg[], tol = TOLERANCE): void {
  const { wasm, native } = kernels();
  const outcomes = [native, wasm].map((k) => {
    const heap = heapOf(k);
    const bufs = [...new Set(args.filter((a): a is Buf => typeof a !== 'number').map((a) => a.data))];
    const where = new Map(bufs.map((d) => [d, heap.alloc(d.length)]));
    for (const d of bufs)
      new (d.constructor as Float32ArrayConstructor)(k.memory.buffer, where.get(d)!, d.length).set(d as Float32Array);
    const numbers = args.map((a) => (typeof a === 'number' ? a : where.get(a.data)! + (a.at ?? 0) * 4));
    const fns = k as unknown as Record<string, (...a: number[]) => number | undefined>;
    // AssemblyScript exports with optional parameters (gemm's bias) read the argument count from this setter.
    fns.__setArgumentsLength?.(numbers.length);
    const result = fns[name]!(...numbers);
    const after = bufs.map((d) =>
      new (d.constructor as Float32ArrayConstructor)(k.memory.buffer, where.get(d)!, d.length).slice(),
    );
    for (const p of where.values()) heap.release(p);
    return { result, after };
  });
  const [a, b] = outcomes as [(typeof outcomes)[0], (typeof outcomes)[0]];
  if (tol === 0) assert.equal(a.result, b.result, `${name}: return value`);
  else if (typeof a.result === 'number') assertClose([a.result], [b.result!], `${name}: return value`, tol);
  a.after.forEach((v, i) => {
    if (tol === 0) assert.deepEqual(v, b.after[i], `${name}: buffer ${i} differs`);
    else
      assertClose(
        v,
        b.after[i]!,
        `${name}(${args.map((x) => (typeof x === 'number' ? x : '·')).join(', ')}): buffer ${i}`,
        tol,
      );
  });
}

test('gemm: plain, accumulating, with a bias row, strided, odd sizes', { skip }, () => {
  for (const [m, nn, k] of [
    [1, 1, 1],
    [5, 7, 3],
    [16, 33, 17],
    [64, 512, 128],
    [9, 24, 0],
  ] as const) {
    for (const accumulate of [0, 1]) {
      for (const withBias of [false, true]) {
        const lda = k + 3,
          ldb = nn + 5,
          ldc = nn + 2;
        const a = random(Math.max(1, m * lda), 1),
          b = random(Math.max(1, k * ldb), 2),
          c = random(m * ldc, 3),
          bias = random(nn, 4);
        callBoth('gemm', [m, nn, k, buf(a), lda, buf(b), ldb, buf(c), ldc, accumulate, withBias ? buf(bias) : 0]);
      }
    }
  }
});

test('gemmTN: forward and time-reversed (negative) strides on either operand', { skip }, () => {
  for (const [rows, m, nn] of [
    [1, 3, 5],
    [13, 7, 28],
    [100, 64, 256],
    [70, 5, 9],
  ] as const) {
    const lda = m + 2,
      ldb = nn + 3,
      ldc = nn + 1;
    const a = random(rows * lda, 5),
      b = random(rows * ldb, 6),
      c = random(m * ldc, 7);
    callBoth('gemmTN', [rows, m, nn, buf(a), lda, buf(b), ldb, buf(c), ldc]);
    callBoth('gemmTN', [rows, m, nn, buf(a), lda, buf(b, (rows - 1) * ldb), -ldb, buf(c), ldc]);
    callBoth('gemmTN', [rows, m, nn, buf(a, (rows - 1) * lda), -lda, buf(b), ldb, buf(c), ldc]);
    callBoth('gemmTN', [rows, m, nn, buf(a, (rows - 1) * lda), -lda, buf(b, (rows - 1) * ldb), -ldb, buf(c), ldc]);
  }
});

test('columnSums, transpose, addRows, scaleRows', { skip }, () => {
  for (const [rows, cols] of [
    [1, 1],
    [7, 13],
    [33, 64],
  ] as const) {
    callBoth('columnSums', [rows, cols, buf(random(rows * (cols + 2), 1)), cols + 2, buf(random(cols, 2))]);
    callBoth('transpose', [rows, cols, buf(random(rows * cols, 3)), buf(random(rows * cols, 4))], 0);
    callBoth(
      'addRows',
      [rows, cols, buf(random(rows * (cols + 1), 5)), cols + 1, buf(random(rows * (cols + 3), 6)), cols + 3],
      0,
    );
    callBoth('scaleRows', [rows, cols, buf(random(rows * cols, 7)), cols, buf(random(rows * cols, 8)), cols], 0);
    callBoth('scaleRows', [rows, cols, buf(random(rows * cols, 7)), cols, buf(random(cols, 8)), 0], 0);
  }
});

const CODES = Object.values(ACTIVATION_CODES);

test('the cell passes under every activation (SimpleRNN, LSTM, GRU, GRU reset_after)', { skip }, () => {
  for (const [batch, units] of [
    [3, 5],
    [8, 32],
  ] as const) {
    const ld = 4 * units + 3,
      ldh = units + 2;
    // Pre-activations wide enough to reach every activation's flat parts; "activations" in (0, 1) for the backward passes.
    const pre = () => random(batch * ld, 11, -9, 9),
      post = () => random(batch * ld, 12, 0.01, 0.99);
    const st = (seed: number) => random(batch * ldh, seed);
    for (const act of CODES) {
      callBoth('simpleForward', [batch, units, buf(pre()), ld, buf(st(1)), ldh, act]);
      callBoth('simpleBackward', [batch, units, buf(post()), ld, buf(random(batch * units, 2)), act]);
      callBoth('gruOutput', [batch, units, buf(pre()), ld, buf(st(3)), ldh, buf(st(4)), ldh, act]);
      callBoth('gruGates', [batch, units, buf(pre()), ld, buf(st(5)), ldh, buf(st(6)), ldh, act]);
      callBoth('gruResetAfter', [batch, units, buf(pre()), ld, buf(st(7)), ldh, act]);
      callBoth('gruBackwardResetAfter', [batch, units, buf(post()), ld, buf(st(8)), ldh, act]);
      callBoth('gruBackwardB', [
        batch,
        units,
        buf(post()),
        ld,
        buf(st(9)),
        ldh,
        buf(random(batch * units, 10)),
        buf(random(batch * units, 11)),
        act,
        0,
        0,
      ]);
      callBoth('gruBackwardB', [
        batch,
        units,
        buf(post()),
        ld,
        buf(st(9)),
        ldh,
        buf(random(batch * units, 10)),
        buf(random(batch * units, 11)),
        act,
        buf(st(12)),
        ldh,
      ]);
      for (const recAct of CODES) {
        callBoth('lstmForward', [
          batch,
          units,
          buf(pre()),
          ld,
          buf(st(13)),
          buf(st(14)),
          ldh,
          buf(st(15)),
          ldh,
          buf(st(16)),
          ldh,
          act,
          recAct,
        ]);
        callBoth('lstmBackward', [
          batch,
          units,
          buf(post()),
          ld,
          buf(st(17)),
          ldh,
          buf(random(batch * ldh, 18, 0.01, 0.99)),
          ldh,
          buf(random(batch * units, 19)),
          buf(random(batch * units, 20)),
          act,
          recAct,
        ]);
        callBoth('gruBackwardA', [
          batch,
          units,
          buf(post()),
          ld,
          buf(st(21)),
          ldh,
          buf(random(batch * units, 22)),
          buf(random(batch * units, 23)),
          act,
          recAct,
        ]);
      }
    }
  }
});

test('the activations on NaN, ±∞, ±0 and the clamp edges, as the WebAssembly kernels give them', { skip }, () => {
  const values = Float32Array.from([
    NaN,
    Infinity,
    -Infinity,
    0,
    -0,
    7.9,
    7.91,
    -7.9,
    -7.91,
    1e-30,
    -1e-30,
    100,
    -100,
    0.5,
    2.5,
    -2.5,
  ]);
  for (const act of CODES)
    callBoth(
      'simpleForward',
      [1, values.length, buf(values.slice()), values.length, buf(new Float32Array(values.length)), values.length, act],
      4e-7,
    );
});

test('optimizer updates and Σ g²: the same float32 arithmetic, to the bit', { skip }, () => {
  for (const size of [1, 37, 4096 + 3]) {
    const w = random(size, 1),
      g = random(size, 2, -3, 3),
      s1 = random(size, 3, 0, 1),
      s2 = random(size, 4, 0, 1);
    callBoth('sumOfSquares', [size, buf(g)], 0);
    for (const [clipC, clipD] of [
      [0, 0],
      [1, 2.5],
    ] as const) {
      callBoth('rmsprop', [size, buf(w), buf(g), buf(s1), 1e-3, 0.9, 0.1, 1e-7, clipC, clipD], 0);
      callBoth(
        'adam',
        [
          size,
          buf(w),
          buf(g),
          buf(s1),
          buf(s2),
          (1e-3 * Math.sqrt(1 - 0.999 ** 3)) / (1 - 0.9 ** 3),
          0.1,
          0.001,
          1e-7,
          clipC,
          clipD,
        ],
        0,
      );
      callBoth('sgd', [size, buf(w), buf(g), -0.01, clipC, clipD], 0);
    }
  }
});

test('the Embedding row kernels: gatherRows (with an index out of range) and segmentSum', { skip }, () => {
  const rows = 50,
    inner = 7;
  const table = random(rows * inner, 1);
  const ids = Int32Array.from({ length: 40 }, (_, i) => (i * 17) % rows);
  callBoth('gatherRows', [buf(new Float32Array(40 * inner)), buf(table), buf(ids), 40, rows, inner], 0);
  const bad = Int32Array.from([3, 4, rows, 1]);
  callBoth('gatherRows', [buf(new Float32Array(4 * inner)), buf(table), buf(bad), 4, rows, inner], 0);
  const segIds = Int32Array.from({ length: 60 }, (_, i) => ((i * 7) % (rows + 3)) - 1);
  callBoth('segmentSum', [buf(random(rows * inner, 2)), buf(random(60 * inner, 3)), buf(segIds), 60, rows, inner]);
});

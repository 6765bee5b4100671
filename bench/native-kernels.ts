// Micro-benchmark of the native kernel provider (kernels-native.ts) against the WebAssembly kernels: one LSTM
// layer's forward + backward pass over a whole batch (fusedForward + fusedBackward: what a training step runs per
// layer, copies in and out of kernel memory included), batch 128 × 100 steps × 128 features, units 64…512.
// WebAssembly runs with its usual kernel threads (kernelThreadCount(): one per core), native with as many of its own
// threads; the two alternate within each round, and each figure is the median of the rounds.
// Also: dnnl_sgemm alone on the per-step shape (128×128)·(128×512), the reference for what the cores can do.
//
//   node scripts/build-kernels.mjs && node scripts/build-native.mjs && node --import tsx bench/native-kernels.ts [--rounds 3] [--units 64,128] [--gemm-threads]
//
// Native runs its default way (the batch cut into one slice per thread, native/kernels/split.cc); with
// --gemm-threads also the other way (the batch whole, oneDNN threading each multiply) as a third column.
//
// FLOP count (multiply-adds × 2; the elementwise passes are not counted), G = 4 gates for LSTM, GU = G·U:
//   forward:  input projection 2·B·T·D·GU  + recurrent products 2·B·T·U·GU
//   backward: dx 2·B·T·GU·D + dW 2·B·T·D·GU + ∂h₋₁ 2·B·T·GU·U + dR 2·B·T·U·GU
//   total = 6·B·T·GU·(D + U)
import os from 'node:os';
import { fusedBackward, fusedForward } from '../main/training/kernels/fused-rnn.js';
import type { FusedCellConfig } from '../main/training/kernels/fused-rnn.js';
import { heapOf, loadKernels, threadsOf } from '../main/training/kernels/kernels-wasm.js';
import type { RnnKernels } from '../main/training/kernels/kernels-wasm.js';
import {
  loadNativeKernels,
  nativeInfo,
  nativeUnavailableReason,
  setNativeSplit,
  setNativeThreads,
} from '../main/training/kernels/kernels-native.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const ROUNDS = Number(arg('rounds', '3'));
const UNITS = arg('units', '64,128,256,512').split(',').map(Number);
const [B, T, D] = [128, 100, 128];

const reason = nativeUnavailableReason();
if (reason) {
  console.log(`native-kernels bench: skipped — ${reason}`);
  process.exit(0);
}

const flops = (u: number) => 6 * B * T * 4 * u * (D + u);
const load = () => os.loadavg()[0]!.toFixed(2);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function rand(n: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (Math.random() * 2 - 1) * scale;
  return out;
}

const wasm = loadKernels('relaxed-simd');
const native = loadNativeKernels();
const GEMM_THREADS = process.argv.includes('--gemm-threads');
// [name, kernels, split]: the split setting is process-wide, so it is set before each call.
const providers: [string, RnnKernels, boolean][] = [
  ['native', native, true],
  ...(GEMM_THREADS ? [['native-gemm-threads', native, false] as [string, RnnKernels, boolean]] : []),
  ['wasm', wasm, true],
];

// The WebAssembly kernel threads start asynchronously: wait until they take work.
const pool = threadsOf(wasm);
for (let i = 0; i < 200 && pool.readyHelpers() < pool.threads - 1; i++) await new Promise((r) => setTimeout(r, 10));

const inputs = new Map(
  UNITS.map((u) => [
    u,
    {
      x: rand(B * T * D, 1),
      w: rand(D * 4 * u, 1 / Math.sqrt(D)),
      r: rand(u * 4 * u, 1 / Math.sqrt(u)),
      b: rand(4 * u, 0.1),
      dy: rand(B * T * u, 1),
    },
  ]),
);

/** Wall seconds and CPU seconds (all threads of the process: a shared machine stretches the first, hardly the second). */
function step(k: RnnKernels, u: number): [number, number] {
  const cfg: FusedCellConfig = {
    kind: 'LSTM',
    units: u,
    activation: 'tanh',
    recurrentActivation: 'sigmoid',
    returnSequences: true,
    goBackwards: false,
  };
  const { x, w, r, b, dy } = inputs.get(u)!;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const f = fusedForward(k, cfg, x, [B, T, D], w, r, b, true);
  fusedBackward(k, cfg, f.saved!, dy);
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return [wall, (c.user + c.system) / 1e6];
}

const info = nativeInfo();
console.log(
  `native: ${native.label}, ${info.threads} threads; wasm: relaxed SIMD, ${pool.threads} kernel threads; ${os.cpus()[0]?.model ?? ''}, ${os.availableParallelism()} cores`,
);
console.log(`LSTM forward + backward, batch ${B} × ${T} steps × ${D} features; ${ROUNDS} rounds (+1 warm-up), median`);

// Warm-up: page the memories in, start the threads, let oneDNN pick its kernels.
for (const u of UNITS)
  for (const [, k, split] of providers) {
    setNativeSplit(split);
    step(k, u);
  }

const times = new Map<string, number[]>();
const cpu = new Map<string, number[]>();
const loads: string[] = [];
for (let round = 0; round < ROUNDS; round++) {
  loads.push(load());
  for (const u of UNITS) {
    // Alternate which provider goes first, so neither always runs on the other's warm caches.
    const order = round % 2 === 0 ? providers : [...providers].reverse();
    for (const [name, k, split] of order) {
      setNativeSplit(split);
      const key = `${name}:${u}`;
      const [wall, cpuSeconds] = step(k, u);
      times.set(key, [...(times.get(key) ?? []), wall]);
      cpu.set(key, [...(cpu.get(key) ?? []), cpuSeconds]);
    }
  }
}
loads.push(load());

setNativeSplit(true);
const names = providers.map(([name]) => name);
console.log(`| units | GFLOP / call | ${names.map((n) => `${n} s | ${n} GFLOP/s`).join(' | ')} | wasm s / native s |`);
console.log(`|---:|---:|${names.map(() => '---:|---:|').join('')}---:|`);
for (const u of UNITS) {
  const g = flops(u) / 1e9;
  const s = names.map((n) => median(times.get(`${n}:${u}`)!));
  console.log(
    `| ${u} | ${g.toFixed(2)} | ${s.map((t) => `${t.toFixed(3)} | ${(g / t).toFixed(0)}`).join(' | ')} | ${(s[s.length - 1]! / s[0]!).toFixed(2)}× |`,
  );
}
console.log(`load average (1 min) at each round's start and at the end: ${loads.join(', ')}`);
console.log("GFLOP per CPU-second (all the process's threads; spinning counts, waiting does not):");
console.log(`| units | ${names.join(' | ')} |`);
console.log(`|---:|${names.map(() => '---:|').join('')}`);
for (const u of UNITS)
  console.log(
    `| ${u} | ${names.map((n) => (flops(u) / 1e9 / median(cpu.get(`${n}:${u}`)!)).toFixed(0)).join(' | ')} |`,
  );

// dnnl_sgemm alone, and the WebAssembly gemm (one thread), on the per-step shape (128×128)·(128×512).
function gemmRate(k: RnnKernels): number {
  const heap = heapOf(k);
  const [m, n, kk] = [128, 512, 128];
  const pa = heap.alloc(m * kk),
    pb = heap.alloc(kk * n),
    pc = heap.alloc(m * n);
  const view = heap.view();
  view.set(rand(m * kk, 1), pa / 4);
  view.set(rand(kk * n, 1), pb / 4);
  const gemm = (k as unknown as { gemm(...a: number[]): void }).gemm;
  const setArgs = (k as unknown as { __setArgumentsLength?: (n: number) => void }).__setArgumentsLength;
  const run = (reps: number) => {
    for (let i = 0; i < reps; i++) {
      setArgs?.(10);
      gemm(m, n, kk, pa, kk, pb, n, pc, n, 0);
    }
  };
  run(50);
  const rates: number[] = [];
  for (let r = 0; r < 3; r++) {
    const reps = 400;
    const t0 = performance.now();
    run(reps);
    rates.push((2 * m * n * kk * reps) / ((performance.now() - t0) / 1000) / 1e9);
  }
  for (const p of [pa, pb, pc]) heap.release(p);
  return median(rates);
}
const before = load();
const dnnl = gemmRate(native);
setNativeThreads(1);
const dnnl1 = gemmRate(native);
setNativeThreads(info.threads);
const wasmGemm = gemmRate(wasm);
console.log(
  `gemm (128×128)·(128×512): dnnl_sgemm ${dnnl.toFixed(0)} GFLOP/s with ${info.threads} OpenMP threads, ${dnnl1.toFixed(0)} with 1; WebAssembly gemm ${wasmGemm.toFixed(0)} GFLOP/s (1 thread); load ${before} → ${load()}`,
);
process.exit(0);

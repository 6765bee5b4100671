// AssemblyScript (v128, f32x4, f32, i32), compiled by bench/wasm-peak.mjs at run time, not by the project's tsc.
//
// Peak-throughput probes for 128-bit WebAssembly SIMD: independent f32x4 accumulators updated in registers, no
// memory traffic. Each accumulator is one dependency chain; 12 chains cover an FMA latency of 4 cycles × 2 FMA
// pipes (8) with room to spare, while leaving x64 V8 enough of its 16 xmm registers (2 invariants, 1 scratch).
// The result depends on every accumulator, so nothing is optimized away. acc ← acc·m + c with m = 0.5, c = 1
// converges to 2: no overflow, no subnormals.

/** n iterations × 12 chains of f32x4.relaxed_madd (fused multiply-add): 12 · 4 lanes · 2 FLOP per iteration. */
export function fma12(n: i32, m: f32, c: f32): f32 {
  const vm = f32x4.splat(m);
  const vc = f32x4.splat(c);
  let a0 = f32x4.splat(1.0);
  let a1 = f32x4.splat(1.1);
  let a2 = f32x4.splat(1.2);
  let a3 = f32x4.splat(1.3);
  let a4 = f32x4.splat(1.4);
  let a5 = f32x4.splat(1.5);
  let a6 = f32x4.splat(1.6);
  let a7 = f32x4.splat(1.7);
  let a8 = f32x4.splat(1.8);
  let a9 = f32x4.splat(1.9);
  let a10 = f32x4.splat(2.1);
  let a11 = f32x4.splat(2.2);
  for (let i = 0; i < n; i++) {
    a0 = f32x4.relaxed_madd(a0, vm, vc);
    a1 = f32x4.relaxed_madd(a1, vm, vc);
    a2 = f32x4.relaxed_madd(a2, vm, vc);
    a3 = f32x4.relaxed_madd(a3, vm, vc);
    a4 = f32x4.relaxed_madd(a4, vm, vc);
    a5 = f32x4.relaxed_madd(a5, vm, vc);
    a6 = f32x4.relaxed_madd(a6, vm, vc);
    a7 = f32x4.relaxed_madd(a7, vm, vc);
    a8 = f32x4.relaxed_madd(a8, vm, vc);
    a9 = f32x4.relaxed_madd(a9, vm, vc);
    a10 = f32x4.relaxed_madd(a10, vm, vc);
    a11 = f32x4.relaxed_madd(a11, vm, vc);
  }
  return sum12(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11);
}

/** The same with 8 chains (exactly latency 4 × 2 pipes): shows whether 12 is past the knee or spilling. */
export function fma8(n: i32, m: f32, c: f32): f32 {
  const vm = f32x4.splat(m);
  const vc = f32x4.splat(c);
  let a0 = f32x4.splat(1.0);
  let a1 = f32x4.splat(1.1);
  let a2 = f32x4.splat(1.2);
  let a3 = f32x4.splat(1.3);
  let a4 = f32x4.splat(1.4);
  let a5 = f32x4.splat(1.5);
  let a6 = f32x4.splat(1.6);
  let a7 = f32x4.splat(1.7);
  for (let i = 0; i < n; i++) {
    a0 = f32x4.relaxed_madd(a0, vm, vc);
    a1 = f32x4.relaxed_madd(a1, vm, vc);
    a2 = f32x4.relaxed_madd(a2, vm, vc);
    a3 = f32x4.relaxed_madd(a3, vm, vc);
    a4 = f32x4.relaxed_madd(a4, vm, vc);
    a5 = f32x4.relaxed_madd(a5, vm, vc);
    a6 = f32x4.relaxed_madd(a6, vm, vc);
    a7 = f32x4.relaxed_madd(a7, vm, vc);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  return lanes(s);
}

/** n iterations × 12 chains of f32x4.mul then f32x4.add (plain SIMD, two roundings): also 12 · 4 · 2 FLOP. */
export function mulAdd12(n: i32, m: f32, c: f32): f32 {
  const vm = f32x4.splat(m);
  const vc = f32x4.splat(c);
  let a0 = f32x4.splat(1.0);
  let a1 = f32x4.splat(1.1);
  let a2 = f32x4.splat(1.2);
  let a3 = f32x4.splat(1.3);
  let a4 = f32x4.splat(1.4);
  let a5 = f32x4.splat(1.5);
  let a6 = f32x4.splat(1.6);
  let a7 = f32x4.splat(1.7);
  let a8 = f32x4.splat(1.8);
  let a9 = f32x4.splat(1.9);
  let a10 = f32x4.splat(2.1);
  let a11 = f32x4.splat(2.2);
  for (let i = 0; i < n; i++) {
    a0 = f32x4.add(f32x4.mul(a0, vm), vc);
    a1 = f32x4.add(f32x4.mul(a1, vm), vc);
    a2 = f32x4.add(f32x4.mul(a2, vm), vc);
    a3 = f32x4.add(f32x4.mul(a3, vm), vc);
    a4 = f32x4.add(f32x4.mul(a4, vm), vc);
    a5 = f32x4.add(f32x4.mul(a5, vm), vc);
    a6 = f32x4.add(f32x4.mul(a6, vm), vc);
    a7 = f32x4.add(f32x4.mul(a7, vm), vc);
    a8 = f32x4.add(f32x4.mul(a8, vm), vc);
    a9 = f32x4.add(f32x4.mul(a9, vm), vc);
    a10 = f32x4.add(f32x4.mul(a10, vm), vc);
    a11 = f32x4.add(f32x4.mul(a11, vm), vc);
  }
  return sum12(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11);
}

function sum12(
  a0: v128,
  a1: v128,
  a2: v128,
  a3: v128,
  a4: v128,
  a5: v128,
  a6: v128,
  a7: v128,
  a8: v128,
  a9: v128,
  a10: v128,
  a11: v128,
): f32 {
  const s0 = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
  const s1 = f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7));
  const s2 = f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11));
  return lanes(f32x4.add(f32x4.add(s0, s1), s2));
}

function lanes(s: v128): f32 {
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}

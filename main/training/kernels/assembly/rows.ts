// The Embedding's two ops for tfjs-backend-wasm, run in place in that backend's own memory: this module imports
// it (not shared, unlike rnn.ts's), so its pointers are the byte offsets of the backend's tensors. It must own no
// memory of its own — no static data, which would be written over the backend's heap at instantiation;
// scripts/build-kernels.mjs refuses a build with a data segment.

/** Copies `inner` floats (or int32s) from src to dst. */
@inline function copyRow(dst: usize, src: usize, inner: i32): void {
  let k = 0;
  for (; k + 4 <= inner; k += 4) v128.store(dst + (<usize>k << 2), v128.load(src + (<usize>k << 2)));
  for (; k < inner; k++) store<u32>(dst + (<usize>k << 2), load<u32>(src + (<usize>k << 2)));
}

/**
 * out[i, :] = table[indices[i], :] for n int32 indices into a table of `rows` rows of `inner` 4-byte values.
 * Returns −1, or the position of the first index outside [0, rows) (nothing after it is written).
 */
export function gatherRows(out: usize, table: usize, indices: usize, n: i32, rows: i32, inner: i32): i32 {
  const rowBytes = <usize>inner << 2;
  for (let i = 0; i < n; i++) {
    const r = load<i32>(indices + (<usize>i << 2));
    if (<u32>r >= <u32>rows) return i;
    copyRow(out + <usize>i * rowBytes, table + <usize>r * rowBytes, inner);
  }
  return -1;
}

/**
 * out[ids[i], :] += x[i, :] for n int32 ids over `segments` float32 rows of `inner`; out starts at zero; ids outside
 * [0, segments) are dropped, as TensorFlow drops negative ids.
 */
export function segmentSum(out: usize, x: usize, ids: usize, n: i32, segments: i32, inner: i32): void {
  const rowBytes = <usize>inner << 2;
  memory.fill(out, 0, <usize>segments * rowBytes);
  for (let i = 0; i < n; i++) {
    const s = load<i32>(ids + (<usize>i << 2));
    if (<u32>s >= <u32>segments) continue;
    const src = x + <usize>i * rowBytes, dst = out + <usize>s * rowBytes;
    let k = 0;
    for (; k + 4 <= inner; k += 4) {
      const at = <usize>k << 2;
      v128.store(dst + at, f32x4.add(v128.load(dst + at), v128.load(src + at)));
    }
    for (; k < inner; k++) store<f32>(dst + (<usize>k << 2), load<f32>(dst + (<usize>k << 2)) + load<f32>(src + (<usize>k << 2)));
  }
}

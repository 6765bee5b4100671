/**
 * A linear-time UnsortedSegmentSum for the JavaScript backends.
 *
 * It is the gradient of Gather, i.e. of every Embedding. The stock cpu kernel loops over all segments (the whole
 * vocabulary) and builds a mask per segment: O(vocabulary × tokens) time and memory — 4 batches of
 * Embedding(10000)+SimpleRNN(32) took over 250 s here — and the wasm backend has no such kernel at all
 * ("Kernel 'UnsortedSegmentSum' not registered for backend 'wasm'"). One pass over the ids adding rows is all it takes.
 */
import * as tf from '@tensorflow/tfjs';

type Values = Float32Array | Int32Array;

/**
 * out[segmentIds[i], :] += x[i, :] for every i; ids outside [0, numSegments) are dropped, as TensorFlow drops
 * negative ids. `x` is [n, inner] row-major with n = segmentIds.length.
 */
export function segmentSumInto(out: Values, x: Values, segmentIds: ArrayLike<number>, numSegments: number, inner: number): void {
  out.fill(0);
  for (let i = 0; i < segmentIds.length; i++) {
    const s = segmentIds[i]!;
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let k = 0; k < inner; k++) out[dst + k]! += x[src + k]!;
  }
}

interface KernelArgs {
  inputs: { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  attrs: { numSegments: number };
}

function outShape(x: tf.TensorInfo, segmentIds: tf.TensorInfo, numSegments: number): { shape: number[]; inner: number } {
  const rest = x.shape.slice(segmentIds.shape.length);
  return { shape: [numSegments, ...rest], inner: rest.reduce((a, b) => a * b, 1) };
}

interface CpuBackendLike {
  data: { get(id: object): { values: Values } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Values): tf.TensorInfo;
}

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Values;
}

const registered = new Set<string>();

/** Replaces UnsortedSegmentSum on the cpu and wasm backends (idempotent). Call after the backend is registered. */
export function registerFastKernels(backendName: 'cpu' | 'wasm'): void {
  if (registered.has(backendName)) return;
  const kernelName = 'UnsortedSegmentSum';
  if (tf.getKernel(kernelName, backendName)) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({
    kernelName, backendName,
    kernelFunc: (args) => {
      const { inputs: { x, segmentIds }, attrs: { numSegments } } = args as unknown as KernelArgs;
      const { shape, inner } = outShape(x, segmentIds, numSegments);
      if (backendName === 'cpu') {
        const backend = args.backend as unknown as CpuBackendLike;
        const out = x.dtype === 'int32' ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
        segmentSumInto(out, backend.data.get(x.dataId).values, backend.data.get(segmentIds.dataId).values, numSegments, inner);
        return backend.makeTensorInfo(shape, x.dtype, out);
      }
      const backend = args.backend as unknown as WasmBackendLike;
      const out = backend.makeOutput(shape, x.dtype);
      // Views on the wasm heap go stale when makeOutput grows memory, so take them only after it.
      segmentSumInto(backend.typedArrayFromHeap(out), backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(segmentIds), numSegments, inner);
      return out;
    },
  });
  registered.add(backendName);
}

/**
 * Kernels of our own for the Embedding's two ops on the JavaScript backends: GatherV2 (its forward pass) and
 * UnsortedSegmentSum (its gradient).
 *
 * GatherV2: tfjs-backend-wasm's gathers 128 × 500 rows of 32 floats in ~80 ms (an index assertion per element plus
 * a general strided kernel); copying the rows takes ~2 ms. Once the recurrent layers were fused it was the largest
 * single cost of an IMDB-shape training step, so the common case (axis 0, no batch dims) copies rows directly.
 *
 * On wasm both ops run as WebAssembly (assembly/rows.ts) inside tfjs-backend-wasm's own memory, on the
 * tensors where they lie: gather + its gradient for 128 × 200 ids into a 10000 × 32 table went from 13.1 to 7.9 ms
 * (the JavaScript loops below remain for the cpu backend, and wherever that module cannot load). On native
 * TensorFlow the same row kernels run in our fused kernels' memory (computeInKernelMemory).
 *
 * UnsortedSegmentSum:
 * It is the gradient of Gather, i.e. of every Embedding. The stock cpu kernel loops over all segments (the whole
 * vocabulary) and builds a mask per segment: O(vocabulary × tokens) time and memory — 4 batches of
 * Embedding(10000)+SimpleRNN(32) took over 250 s here — and the wasm backend has no such kernel at all
 * ("Kernel 'UnsortedSegmentSum' not registered for backend 'wasm'"). One pass over the ids adding rows is all it takes.
 */
import * as tf from '@tensorflow/tfjs';
import { heapOf, rnnKernels, rowKernelsIn } from './kernels-wasm.js';
import type { RowKernels } from './kernels-wasm.js';

type Values = Float32Array | Int32Array;

/**
 * out[segmentIds[i], :] += x[i, :] for every i; ids outside [0, numSegments) are dropped, as TensorFlow drops
 * negative ids. `x` is [n, inner] row-major with n = segmentIds.length.
 */
export function segmentSumInto(
  out: Values,
  x: Values,
  segmentIds: ArrayLike<number>,
  numSegments: number,
  inner: number,
): void {
  out.fill(0);
  for (let i = 0; i < segmentIds.length; i++) {
    const s = segmentIds[i]!;
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let k = 0; k < inner; k++) out[dst + k]! += x[src + k]!;
  }
}

/**
 * out[i, :] = x[indices[i], :] for a row-major x of `rows` rows of `inner` values.
 * @throws RangeError naming the first index outside [0, rows) — for an Embedding, a token id beyond inputDim.
 */
export function gatherRowsInto(out: Values, x: Values, indices: ArrayLike<number>, rows: number, inner: number): void {
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i]!;
    if (!(r >= 0 && r < rows)) throw GATHER_RANGE(r, i, rows);
    // A plain loop: for Embedding-sized rows it beats subarray().set(), which allocates a view per row.
    const src = r * inner,
      dst = i * inner;
    for (let k = 0; k < inner; k++) out[dst + k] = x[src + k]!;
  }
}

interface KernelArgs {
  inputs: { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  attrs: { numSegments: number };
}

interface GatherArgs {
  inputs: { x: tf.TensorInfo; indices: tf.TensorInfo };
  attrs: { axis: number; batchDims: number };
}

function outShape(
  x: tf.TensorInfo,
  segmentIds: tf.TensorInfo,
  numSegments: number,
): { shape: number[]; inner: number } {
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
  disposeData?(dataId: object): void;
  /** The Emscripten module: its memory is `asm.memory` (single-threaded build) or `wasmMemory` (threaded). */
  wasm?: { asm?: { memory?: object }; wasmMemory?: object };
}

/** Our row kernels over this wasm backend's memory, or null (then the JavaScript loops below run). */
export function rowKernelsOf(backend: unknown): RowKernels | null {
  const { wasm } = backend as WasmBackendLike;
  const memory = wasm?.asm?.memory ?? wasm?.wasmMemory;
  return memory ? rowKernelsIn(memory) : null;
}

const GATHER_RANGE = (index: number, position: number, rows: number) =>
  new RangeError(
    `GatherV2: index ${index} at position ${position} is outside [0, ${rows - 1}] (an Embedding's inputDim must exceed every token id)`,
  );

const registered = new Set<string>();

/**
 * Makes a kernel's output on either backend and lets `fill` write it from its inputs' values. On wasm, `inPlace`
 * (when given and our row kernels load) writes it instead, from the tensors' byte offsets in the backend's memory.
 */
function computeOn(
  backendName: BackendName,
  args: { backend: unknown },
  shape: number[],
  dtype: tf.DataType,
  fill: (out: Values, values: (t: tf.TensorInfo) => Values) => void,
  inPlace?: (rows: RowKernels, out: number, at: (t: tf.TensorInfo) => number) => void,
): tf.TensorInfo {
  if (backendName === 'tensorflow')
    return computeInKernelMemory(args.backend as NodeBackendLike, shape, dtype, fill, inPlace);
  if (backendName === 'cpu') {
    const backend = args.backend as CpuBackendLike;
    const n = shape.reduce((a, b) => a * b, 1);
    const out = dtype === 'int32' || dtype === 'bool' ? new Int32Array(n) : new Float32Array(n);
    fill(out, (t) => backend.data.get(t.dataId).values);
    return backend.makeTensorInfo(shape, dtype, out);
  }
  const backend = args.backend as WasmBackendLike;
  const out = backend.makeOutput(shape, dtype);
  // Views on the wasm heap go stale when makeOutput grows memory, so take them only after it.
  const rows = inPlace ? rowKernelsOf(backend) : null;
  const at = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t).byteOffset;
  try {
    if (rows && inPlace) inPlace(rows, at(out), at);
    else fill(backend.typedArrayFromHeap(out), (t) => backend.typedArrayFromHeap(t));
  } catch (e) {
    backend.disposeData?.(out.dataId);
    throw e;
  }
  return out;
}

type BackendName = 'cpu' | 'wasm' | 'tensorflow';

/**
 * Native TensorFlow: the operands are copied into our kernels' memory (from JavaScript, or out of TensorFlow), the
 * row kernel runs there, and the result stays in JavaScript, where the fused recurrent kernels and the optimizer read
 * it without a copy. Without the kernels, JavaScript loops. TensorFlow's own gather and segment sum took 0.9–1.8 and
 * 1.2–2.2 ms (upload of the gradient included) for 128 × 200 ids into a 10000 × 32 table, and the fused kernels then
 * copied the gathered rows back out of TensorFlow.
 */
function computeInKernelMemory(
  backend: NodeBackendLike,
  shape: number[],
  dtype: tf.DataType,
  fill: (out: Values, values: (t: tf.TensorInfo) => Values) => void,
  inPlace?: (rows: RowKernels, out: number, at: (t: tf.TensorInfo) => number) => void,
): tf.TensorInfo {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = dtype === 'int32' || dtype === 'bool' ? new Int32Array(n) : new Float32Array(n);
  const k = inPlace ? rnnKernels() : null;
  if (!k || !inPlace) {
    fill(out, (t) => backend.readSync(t.dataId));
    return { dataId: backend.write(out, shape, dtype), shape, dtype };
  }
  const heap = heapOf(k);
  const held: number[] = [heap.alloc(n)];
  try {
    const at = (t: tf.TensorInfo) => {
      const v = backend.readSync(t.dataId);
      const p = heap.alloc(v.length);
      held.push(p);
      new Uint8Array(k.memory.buffer, p, v.byteLength).set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      return p;
    };
    inPlace(k, held[0]!, at);
    new Uint8Array(out.buffer).set(new Uint8Array(k.memory.buffer, held[0]!, n * 4));
  } finally {
    for (const p of held) heap.release(p);
  }
  return { dataId: backend.write(out, shape, dtype), shape, dtype };
}

/**
 * Replaces GatherV2's common case and UnsortedSegmentSum on the cpu and wasm backends, and on wasm makes Identity and
 * an order-keeping Transpose share their input's data (idempotent). Call after the backend is registered.
 */
export function registerFastKernels(backendName: 'cpu' | 'wasm'): void {
  if (registered.has(backendName)) return;
  registerFastGather(backendName);
  registerSegmentSum(backendName);
  if (backendName === 'wasm') registerSharedViews();
  registered.add(backendName);
}

/** `x`'s data under `shape`, shared under the backend's reference count instead of copied. */
function sharedView(backend: { incRef(dataId: object): void }, x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape, dtype: x.dtype };
}

/**
 * tfjs-backend-wasm copies a tensor for Identity, and for a Transpose whose axes stay in order; its Reshape, and the
 * cpu backend's Identity, share the data instead (a reference count; tensors are never written in place). Every
 * tensor a kernel saves for its gradient is cloned through Identity (Engine.saveTensorsForBackwardMode), so an
 * Embedding's step copied its whole table (GatherV2 saves x: 5 MB for 10000 × 128), and its gradient two transposes
 * with the axes unchanged (the 13 MB upstream gradient of a 128 × 200 × 128 batch, then the table-sized result).
 * Here both share the input's data, as Reshape does.
 */
function registerSharedViews(): void {
  const share = (args: { inputs: tf.NamedTensorInfoMap; backend: unknown }, shape: number[]): tf.TensorInfo =>
    sharedView(args.backend as { incRef(dataId: object): void }, args.inputs.x!, shape);
  const identity = tf.getKernel('Identity', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!identity || !transpose) return;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    ...identity,
    kernelFunc: (args) => {
      const x = args.inputs.x!;
      return x.dtype === 'string' ? identity.kernelFunc(args) : share(args, [...x.shape]);
    },
  });
  tf.unregisterKernel('Transpose', 'wasm');
  tf.registerKernel({
    ...transpose,
    kernelFunc: (args) => {
      const x = args.inputs.x!;
      const perm = (args.attrs as { perm: number[] }).perm;
      // Axes of size one may move freely: only the order of the others decides whether the data moves.
      const moved = perm.filter((p) => x.shape[p] !== 1);
      const inOrder = moved.every((p, i) => i === 0 || p > moved[i - 1]!);
      if (x.dtype === 'string' || !inOrder) return transpose.kernelFunc(args);
      return share(
        args,
        perm.map((p) => x.shape[p]!),
      );
    },
  });
}

function registerSegmentSum(backendName: BackendName): void {
  const kernelName = 'UnsortedSegmentSum';
  if (tf.getKernel(kernelName, backendName)) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({
    kernelName,
    backendName,
    kernelFunc: (args) => {
      const {
        inputs: { x, segmentIds },
        attrs: { numSegments },
      } = args as unknown as KernelArgs;
      const { shape, inner } = outShape(x, segmentIds, numSegments);
      const n = segmentIds.shape.reduce((a, b) => a * b, 1);
      return computeOn(
        backendName,
        args,
        shape,
        x.dtype,
        (out, values) => segmentSumInto(out, values(x), values(segmentIds), numSegments, inner),
        x.dtype === 'float32' && segmentIds.dtype === 'int32'
          ? (k, out, at) => k.segmentSum(out, at(x), at(segmentIds), n, numSegments, inner)
          : undefined,
      );
    },
  });
}

function registerFastGather(backendName: BackendName): void {
  const stock = tf.getKernel('GatherV2', backendName);
  if (!stock) return;
  tf.unregisterKernel('GatherV2', backendName);
  tf.registerKernel({
    ...stock,
    kernelFunc: (args) => {
      const {
        inputs: { x, indices },
        attrs: { axis, batchDims },
      } = args as unknown as GatherArgs;
      const parsedAxis = axis < 0 ? axis + x.shape.length : axis;
      // Only the Embedding's case is ours; anything else keeps the stock kernel.
      if (
        parsedAxis !== 0 ||
        (batchDims ?? 0) !== 0 ||
        x.shape.length === 0 ||
        x.dtype === 'string' ||
        x.dtype === 'complex64'
      )
        return stock.kernelFunc(args);
      const rows = x.shape[0]!;
      const inner = x.shape.slice(1).reduce((a, b) => a * b, 1);
      const shape = [...indices.shape, ...x.shape.slice(1)];
      const n = indices.shape.reduce((a, b) => a * b, 1);
      const fourBytes = (x.dtype === 'float32' || x.dtype === 'int32') && indices.dtype === 'int32';
      return computeOn(
        backendName,
        args,
        shape,
        x.dtype,
        (out, values) => gatherRowsInto(out, values(x), values(indices), rows, inner),
        fourBytes
          ? (k, out, at) => {
              const bad = k.gatherRows(out, at(x), at(indices), n, rows, inner);
              if (bad >= 0) {
                const ids =
                  backendName === 'wasm'
                    ? (args.backend as WasmBackendLike).typedArrayFromHeap(indices)
                    : (args.backend as NodeBackendLike).readSync(indices.dataId);
                throw GATHER_RANGE(ids[bad]!, bad, rows);
              }
            }
          : undefined,
      );
    },
  });
}

/** tfjs-node's backend: a tensor made from JavaScript keeps its array (`values`) until a TensorFlow op first needs it. */
interface NodeBackendLike {
  readSync(dataId: object): Values;
  write(values: Values, shape: number[], dtype: tf.DataType): object;
  incRef(dataId: object): void;
  tensorMap: { get(dataId: object): { values: Values | null } | undefined };
}

/**
 * Native TensorFlow (idempotent): the Embedding's GatherV2 and UnsortedSegmentSum on our row kernels
 * (computeInKernelMemory), and Reshape of a tensor still held in JavaScript, and any Transpose that keeps the axes in
 * order, return the same values under the new shape instead of running a TensorFlow op.
 * The Embedding's gradient path needs the latter: TF.js reshapes the upstream gradient (from the fused kernels, so
 * still in JavaScript) and transposes it with axes unchanged before the segment sum; that uploaded the 3.3 MB
 * gradient of a 128 × 200 × 32 batch and then copied it inside TensorFlow, 0.35 + 0.9 ms a step.
 */
export function registerNativeKernels(): void {
  if (registered.has('tensorflow')) return;
  registerFastGather('tensorflow');
  registerSegmentSum('tensorflow');
  const view = (
    kernelName: string,
    shapeOf: (x: tf.TensorInfo, attrs: Record<string, unknown>) => number[] | null,
    inTensorFlowToo: boolean,
  ) => {
    const stock = tf.getKernel(kernelName, 'tensorflow');
    if (!stock) return;
    tf.unregisterKernel(kernelName, 'tensorflow');
    tf.registerKernel({
      ...stock,
      kernelFunc: (args) => {
        const backend = args.backend as unknown as NodeBackendLike;
        const x = args.inputs.x as tf.TensorInfo;
        // Strings and complex numbers keep their values in other forms: left to the stock kernel.
        if (x.dtype === 'string' || x.dtype === 'complex64') return stock.kernelFunc(args);
        const shape = shapeOf(x, args.attrs as Record<string, unknown>);
        const values = backend.tensorMap.get(x.dataId)?.values;
        if (shape && values) return { dataId: backend.write(values, shape, x.dtype), shape, dtype: x.dtype };
        // Inside TensorFlow a tensor's shape is its handle's: only an unchanged shape may share the handle.
        if (shape && inTensorFlowToo) return sharedView(backend, x, shape);
        return stock.kernelFunc(args);
      },
    });
  };
  view(
    'Reshape',
    (x, attrs) => tf.util.inferFromImplicitShape([...(attrs.shape as number[])], tf.util.sizeFromShape(x.shape)),
    false,
  );
  view('Transpose', (x, attrs) => ((attrs.perm as number[]).every((p, i) => p === i) ? [...x.shape] : null), true);
  registered.add('tensorflow');
}

/**
 * Loads the fused recurrent kernels (assembly/rnn.ts compiled by scripts/build-kernels.mjs), or the native provider
 * (kernels-native.ts) where kernel-provider.ts chooses it, and manages their memory. One instance per thread.
 */
import { existsSync, readFileSync } from 'node:fs';
import v8 from 'node:v8';
import { KernelThreads, kernelThreadCount } from './kernel-threads.js';
import { isNativeKernels, loadNativeKernels, nativeAddonPath, nativeInfo } from './kernels-native.js';
import type { NativeKernels } from './kernels-native.js';
import { chooseKernelProvider } from './kernel-provider.js';
import type { ProviderChoice } from './kernel-provider.js';
import { nativeSelfCheck } from './native-self-check.js';
import { fileURLToPath } from 'node:url';
import { WASM_MEMORY_MAX_BYTES } from '../../../shared/memory-estimate.js';
import type { FusedActivation } from '../../../shared/memory-estimate.js';

export type { FusedActivation };
/** Activation codes understood by the kernels (ACT_* in assembly/rnn.ts), for every name in FUSED_ACTIVATIONS. */
export const ACTIVATION_CODES: Readonly<Record<FusedActivation, number>> = {
  linear: 0,
  tanh: 1,
  sigmoid: 2,
  hardSigmoid: 3,
  relu: 4,
};

type Ptr = number;
type I = number;

// The project compiles against lib ES2022 without DOM, which has no WebAssembly declarations; these are the
// few members used here.
interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export interface RnnKernels extends RowKernels {
  /** Shared, so that kernel threads (kernel-threads.ts) work in it too. */
  memory: WasmMemory;
  /** The compiled module, for the kernel threads to instantiate over the same memory. */
  module: object;
  heapBase(): Ptr;
  transpose(rows: I, cols: I, src: Ptr, dst: Ptr): void;
  /** dst[r] += src[r] for `rows` rows of n values, lds / ldd apart. */
  addRows(rows: I, n: I, src: Ptr, lds: I, dst: Ptr, ldd: I): void;
  /** Σ g² of n float32 values, in float64. */
  sumOfSquares(n: I, g: Ptr): number;
  /** Optimizer updates, w and the slots in place; Keras 3's float32 arithmetic (see optimizer.ts). clipD > 0: g·clipC/clipD first. */
  rmsprop(
    n: I,
    w: Ptr,
    g: Ptr,
    ms: Ptr,
    lr: number,
    rho: number,
    omr: number,
    eps: number,
    clipC: number,
    clipD: number,
  ): void;
  adam(
    n: I,
    w: Ptr,
    g: Ptr,
    m: Ptr,
    v: Ptr,
    alpha: number,
    omb1: number,
    omb2: number,
    eps: number,
    clipC: number,
    clipD: number,
  ): void;
  sgd(n: I, w: Ptr, g: Ptr, nlr: number, clipC: number, clipD: number): void;
  seqForward(
    kind: I,
    batch: I,
    steps: I,
    features: I,
    units: I,
    x: Ptr,
    w: Ptr,
    r: Ptr,
    bias: Ptr,
    z: Ptr,
    h: Ptr,
    c: Ptr,
    tc: Ptr,
    rh: Ptr,
    act: I,
    recAct: I,
    goBackwards: I,
    inMask: Ptr,
    inGates: I,
    recMask: Ptr,
    xs: Ptr,
    hs: Ptr,
    mask: Ptr,
    recBias: Ptr,
  ): void;
  seqBackward(
    kind: I,
    batch: I,
    steps: I,
    features: I,
    units: I,
    x: Ptr,
    wt: Ptr,
    rt: Ptr,
    z: Ptr,
    h: Ptr,
    c: Ptr,
    tc: Ptr,
    rh: Ptr,
    dy: Ptr,
    returnSequences: I,
    goBackwards: I,
    dh0: Ptr,
    dh1: Ptr,
    dc: Ptr,
    drh: Ptr,
    dW: Ptr,
    dR: Ptr,
    dB: Ptr,
    dx: Ptr,
    act: I,
    recAct: I,
    inMask: Ptr,
    inGates: I,
    recMask: Ptr,
    xs: Ptr,
    hs: Ptr,
    dhNorm2: Ptr,
    mask: Ptr,
    saved: Ptr,
    dRecBias: Ptr,
  ): void;
}

/** Where scripts/build-kernels.mjs writes the modules; the Electron bundle carries copies beside worker.mjs. */
const BUILD_DIR = new URL('./build/', import.meta.url);
export const BUILD_KERNELS_COMMAND = 'npm run build:kernels';

/** relaxed-simd adds fused multiply-add (one rounding per a·b+c); simd is the portable fallback. */
export type KernelVariant = 'relaxed-simd' | 'simd';
const FILES: Record<KernelVariant, string> = { 'relaxed-simd': 'rnn-relaxed.wasm', simd: 'rnn.wasm' };
export const VARIANT_LABELS: Record<KernelVariant, string> = {
  'relaxed-simd': 'WebAssembly relaxed SIMD (fused multiply-add)',
  simd: 'WebAssembly SIMD',
};

interface WasmValidate {
  validate(bytes: Uint8Array): boolean;
}

/**
 * Node 20's V8 (11.3) has relaxed SIMD behind a flag; Node 22+ and Electron's Chromium ship it. The flag only
 * widens what the validator accepts, so turning it on here, before compiling our module, is safe.
 */
function relaxedSimdUsable(bytes: Uint8Array): boolean {
  const wa = WebAssemblyApi as unknown as WasmValidate;
  if (wa.validate(bytes)) return true;
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return wa.validate(bytes);
}

/** Instantiates one variant (tests compare them); throws when it is not built or the engine refuses it. */
export function loadKernels(variant: KernelVariant): RnnKernels {
  const bytes = readFileSync(fileURLToPath(new URL(FILES[variant], BUILD_DIR)));
  if (variant === 'relaxed-simd' && !relaxedSimdUsable(bytes))
    throw new Error('this JavaScript engine does not accept relaxed SIMD');
  const module = new WebAssemblyApi.Module(bytes);
  // 65,536 pages (4 GiB) is the maximum the module declares (scripts/build-kernels.mjs); it is address space
  // reserved, not memory used.
  const memory = new WebAssemblyApi.Memory({ initial: 1, maximum: 65536, shared: true });
  const instance = new WebAssemblyApi.Instance(module, { env: { memory } });
  return { ...(instance.exports as unknown as RnnKernels), memory, module };
}

/**
 * The Embedding's ops (assembly/rows.ts): as rows.wasm in place on tfjs-backend-wasm's tensors (pointers are byte
 * offsets there), and inside the fused kernels' module for native TensorFlow (pointers into kernel memory).
 */
export interface RowKernels {
  /** out[i] = table[indices[i]] (rows of `inner` 4-byte values); −1, or the position of the first index outside [0, rows). */
  gatherRows(out: Ptr, table: Ptr, indices: Ptr, n: I, rows: I, inner: I): number;
  /** out[ids[i]] += x[i] (float32 rows of `inner`), out zeroed first; ids outside [0, segments) dropped. */
  segmentSum(out: Ptr, x: Ptr, ids: Ptr, n: I, segments: I, inner: I): void;
}

let rowsModule: object | null | undefined;
const rowInstances = new WeakMap<object, RowKernels | null>();

/**
 * The row kernels instantiated over `memory` (tfjs-backend-wasm's own WebAssembly.Memory), or null where they
 * cannot run there — rows.wasm not built, or a memory they cannot import (the backend's threaded build shares its
 * memory) — and the caller keeps its JavaScript loops.
 */
export function rowKernelsIn(memory: object): RowKernels | null {
  if (rowInstances.has(memory)) return rowInstances.get(memory)!;
  let kernels: RowKernels | null = null;
  try {
    rowsModule ??= new WebAssemblyApi.Module(readFileSync(fileURLToPath(new URL('rows.wasm', BUILD_DIR))));
    kernels = new WebAssemblyApi.Instance(rowsModule, { env: { memory } }).exports as unknown as RowKernels;
  } catch {
    rowsModule ??= null;
  }
  rowInstances.set(memory, kernels);
  return kernels;
}

let loaded: { kernels: RnnKernels; variant: KernelVariant | 'native' } | null = null;
let loadError: string | null = null;
let chosen: KernelsChoice | null = null;

/** What rnnKernels() chose on this thread, and why; selfCheckMs where the self-check ran. */
export interface KernelsChoice extends ProviderChoice {
  selfCheckMs: number | null;
}

/**
 * The kernels of this thread, chosen once (kernel-provider.ts): the native provider where it is built, loads, runs
 * outside Electron and passes its self-check (native-self-check.ts), else WebAssembly — relaxed SIMD where the engine
 * takes it, else plain SIMD. RNN_STUDIO_KERNELS=native|wasm|simd forces one. Null, with `kernelsUnavailableReason()`
 * saying why, when the chosen kernels cannot load (never throws).
 */
export function rnnKernels(): RnnKernels | null {
  if (loaded || loadError) return loaded?.kernels ?? null;
  const setting = process.env.RNN_STUDIO_KERNELS;
  // Filled in by the facts below, as far as the choice asks for them.
  const got: { native: NativeKernels | null; selfCheckMs: number | null } = { native: null, selfCheckMs: null };
  const choice = chooseKernelProvider({
    setting,
    electron: process.versions.electron !== undefined,
    addonPresent: () => existsSync(nativeAddonPath()),
    load: () => {
      try {
        got.native = loadNativeKernels();
        return null;
      } catch (error) {
        const { message, cause } = error as Error;
        return typeof cause === 'string' ? cause : message;
      }
    },
    selfCheck: () => {
      const t0 = performance.now();
      let reference: RnnKernels;
      try {
        reference = loadKernels('simd');
      } catch (error) {
        return `the WebAssembly kernels it compares with did not load (${(error as Error).message})`;
      }
      const { failure } = nativeSelfCheck(got.native!, withoutHelpers(reference));
      got.selfCheckMs = performance.now() - t0;
      return failure;
    },
  });
  chosen = { ...choice, selfCheckMs: got.selfCheckMs };
  if (choice.provider === 'native') {
    try {
      loaded = { kernels: got.native ?? loadNativeKernels(), variant: 'native' };
    } catch (error) {
      loadError = (error as Error).message;
    }
    return loaded?.kernels ?? null;
  }
  const order: KernelVariant[] = choice.provider === 'simd' ? ['simd'] : ['relaxed-simd', 'simd'];
  const errors: string[] = [];
  // The native kernels' reason matters most when WebAssembly fails too: say both.
  const why = choice.reason ? `; ${choice.reason}` : '';
  for (const variant of order) {
    try {
      loaded = { kernels: loadKernels(variant), variant };
      return loaded.kernels;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        loadError = `the fused recurrent kernels are not built (${fileURLToPath(new URL(FILES[variant], BUILD_DIR))} is missing) — run \`${BUILD_KERNELS_COMMAND}\`${why}`;
        return null;
      }
      errors.push(`${variant}: ${(error as Error).message}`);
    }
  }
  loadError = `the fused recurrent kernels failed to load (${errors.join('; ')})${why}`;
  return null;
}

/** Which provider this thread chose and why (choosing now if it has not yet). */
export function kernelsChoice(): KernelsChoice {
  rnnKernels();
  return chosen!;
}

export function kernelsUnavailableReason(): string | null {
  rnnKernels();
  return loadError;
}

/** "WebAssembly relaxed SIMD (fused multiply-add)", "WebAssembly SIMD" or the native provider's label, once loaded. */
export function kernelsLabel(): string | null {
  rnnKernels();
  if (loaded && isNativeKernels(loaded.kernels)) return loaded.kernels.label;
  return loaded ? VARIANT_LABELS[loaded.variant as KernelVariant] : null;
}

// Arithmetic, not `& ~15`: bitwise operators work on 32-bit signed integers, and turned a request of 2 GiB or more
// into a negative size — the heap handed out 16 bytes and the kernels wrote past them ("memory access out of bounds").
const align = (bytes: number) => Math.ceil(bytes / 16) * 16;

/**
 * What the allocator needs of the kernels: where their own data ends, and the memory to grow (main/training/memory.ts
 * lays a training step out on a memory that only counts, to know its size before any of it exists).
 */
export interface HeapHost {
  heapBase(): Ptr;
  readonly memory: { readonly buffer: { readonly byteLength: number }; grow(pages: number): number };
}

/**
 * First-fit allocator over the kernels' memory. What the forward pass keeps for the backward pass stays here
 * (no copy out and back in); scratch is freed at the end of each call. Memory only grows (WebAssembly cannot
 * shrink it), so a view must be taken again after any allocation.
 */
export class KernelHeap {
  private top: number;
  private readonly free: { start: number; size: number }[] = [];
  private readonly sizes = new Map<number, number>();

  constructor(private readonly k: HeapHost) {
    this.top = align(k.heapBase());
  }

  /** Reserves `floats` float32 slots and returns their byte address. */
  alloc(floats: number): Ptr {
    const size = Math.max(16, align(floats * 4));
    const i = this.free.findIndex((b) => b.size >= size);
    let p: number;
    if (i >= 0) {
      const block = this.free[i]!;
      p = block.start;
      if (block.size === size) this.free.splice(i, 1);
      else {
        block.start += size;
        block.size -= size;
      }
    } else {
      p = this.top;
      const have = this.k.memory.buffer.byteLength;
      if (p + size > have) {
        try {
          this.k.memory.grow(Math.ceil((p + size - have) / 65536));
        } catch {
          // Training refuses specs that cannot fit before it starts (main/training/memory.ts); this is the last guard.
          throw new RangeError(
            `The fused kernels' memory cannot grow to ${((p + size) / 2 ** 30).toFixed(2)} GiB: WebAssembly addresses at most ${WASM_MEMORY_MAX_BYTES / 2 ** 30} GiB (${(this.inUse() / 2 ** 30).toFixed(2)} GiB in use). Reduce units, batch size or sequence length.`,
          );
        }
      }
      this.top = p + size;
    }
    this.sizes.set(p, size);
    return p;
  }

  release(p: Ptr): void {
    const size = this.sizes.get(p);
    if (size === undefined) throw new Error(`kernel heap: ${p} is not allocated`);
    this.sizes.delete(p);
    let i = this.free.findIndex((b) => b.start > p);
    if (i < 0) i = this.free.length;
    this.free.splice(i, 0, { start: p, size });
    // Coalesce with the neighbours, then give a trailing block back to the top.
    const next = this.free[i + 1];
    if (next && p + size === next.start) {
      this.free[i]!.size += next.size;
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    if (prev && prev.start + prev.size === p) {
      prev.size += this.free[i]!.size;
      this.free.splice(i, 1);
    }
    const last = this.free[this.free.length - 1];
    if (last && last.start + last.size === this.top) {
      this.top = last.start;
      this.free.pop();
    }
  }

  /** Bytes handed out and not released (tests check for leaks). */
  inUse(): number {
    let n = 0;
    for (const size of this.sizes.values()) n += size;
    return n;
  }

  view(): Float32Array {
    return new Float32Array(this.k.memory.buffer as ArrayBufferLike);
  }
}

const heaps = new WeakMap<RnnKernels, KernelHeap>();
export function heapOf(k: RnnKernels): KernelHeap {
  let h = heaps.get(k);
  if (!h) heaps.set(k, (h = new KernelHeap(k)));
  return h;
}

/**
 * How the kernels run, for the backend line and the studio: "native C++ (AVX-512) + oneDNN 2.6.3 sgemm, 2 threads",
 * or "WebAssembly relaxed SIMD (fused multiply-add), 2 threads — ‹why not native›" (kernel-provider.ts's reasons)
 * when the native provider is not the one running; null when the kernels are unavailable.
 */
export function describeKernels(): string | null {
  const k = rnnKernels();
  if (!k) return null;
  const n = isNativeKernels(k) ? nativeInfo().threads : threadsOf(k).threads;
  const reason = chosen?.reason;
  return `${kernelsLabel()}, ${n} thread${n === 1 ? '' : 's'}${reason ? ` — ${reason}` : ''}`;
}

const pools = new WeakMap<RnnKernels, KernelThreads>();
/** The threads that share `k`'s batches (started on first use; kernelThreadCount() of them, this one included). */
export function threadsOf(k: RnnKernels): KernelThreads {
  let p = pools.get(k);
  // The native provider threads each call itself (oneDNN's OpenMP threads): one JavaScript thread drives it.
  if (!p) pools.set(k, (p = new KernelThreads(k.module, k.memory, isNativeKernels(k) ? 1 : kernelThreadCount())));
  return p;
}

/**
 * Runs `k`'s calls on this thread alone: for an instance used for a moment (the self-check's reference), helper
 * threads would cost more to start than the work. Returns `k`.
 */
export function withoutHelpers(k: RnnKernels): RnnKernels {
  pools.set(k, new KernelThreads(k.module, k.memory, 1));
  return k;
}

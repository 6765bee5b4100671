/**
 * The native kernel provider (issue #16, prototype): the fused recurrent kernels of assembly/rnn.ts ported to C++
 * (native/kernels/), their matrix multiplies on oneDNN's sgemm, built by scripts/build-native.mjs into
 * native/build/rnn_native.node. It satisfies the whole `RnnKernels` interface of kernels-wasm.ts — every function
 * the trainer calls (seqForward, seqBackward, transpose, addRows, sumOfSquares, rmsprop, adam, sgd, gatherRows,
 * segmentSum, heapBase) and the lower-level exports of the WebAssembly module besides (gemm, gemmTN, the cell
 * passes; see NativeKernels) — over a memory of its own that behaves as the WebAssembly one does (byte offsets,
 * `memory.buffer`, `memory.grow`), so KernelHeap, fused-rnn.ts and optimizer.ts run on it unchanged.
 *
 * Threads: the addon runs each call on threads of its own (kernelThreadCount() of them), so this provider is one kernel
 * thread as kernel-threads.ts sees it (`jsThreads: 1`): splitting a batch across JavaScript threads as well would
 * oversubscribe the cores. By default a whole-sequence call cuts its batch into one slice per thread, as the
 * WebAssembly kernel threads do (native/kernels/split.cc); setNativeSplit(false) (or RNN_STUDIO_NATIVE_SPLIT=0)
 * leaves the threads to oneDNN, inside each multiply, instead.
 *
 * kernels-wasm.ts's rnnKernels() returns this provider where kernel-provider.ts chooses it: by default where the addon
 * is built, loads, runs outside Electron and passes its self-check (native-self-check.ts); RNN_STUDIO_KERNELS=native
 * forces it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { kernelThreadCount } from './kernel-threads.js';
import type { RnnKernels } from './kernels-wasm.js';
import type { KernelProvider } from '../../../shared/memory-estimate.js';

type Ptr = number;
type I = number;

/** The WebAssembly module's further exports, which the native addon has too (the tests compare them one by one). */
export interface NativeKernels extends RnnKernels {
  /** How many JavaScript threads should share a call: 1, since oneDNN threads each multiply itself. */
  readonly jsThreads: 1;
  /** "native C++ (AVX-512) + oneDNN 2.6.3 sgemm", for the backend line. */
  readonly label: string;
  gemm(m: I, n: I, k: I, a: Ptr, lda: I, b: Ptr, ldb: I, c: Ptr, ldc: I, accumulate: I, bias?: Ptr): void;
  gemmTN(rows: I, m: I, n: I, a: Ptr, lda: I, b: Ptr, ldb: I, c: Ptr, ldc: I): void;
  columnSums(rows: I, n: I, z: Ptr, ldz: I, out: Ptr): void;
  scaleRows(rows: I, n: I, x: Ptr, ldx: I, mask: Ptr, ldm: I): void;
  simpleForward(batch: I, units: I, z: Ptr, ldz: I, h: Ptr, ldh: I, act: I): void;
  simpleBackward(batch: I, units: I, z: Ptr, ldz: I, dh: Ptr, act: I): void;
  lstmForward(
    batch: I,
    units: I,
    z: Ptr,
    ldz: I,
    cPrev: Ptr,
    c: Ptr,
    ldc: I,
    tc: Ptr,
    ldtc: I,
    h: Ptr,
    ldh: I,
    act: I,
    recAct: I,
  ): void;
  lstmBackward(
    batch: I,
    units: I,
    z: Ptr,
    ldz: I,
    cPrev: Ptr,
    ldc: I,
    tc: Ptr,
    ldtc: I,
    dh: Ptr,
    dc: Ptr,
    act: I,
    recAct: I,
  ): void;
  gruGates(batch: I, units: I, z: Ptr, ldz: I, hPrev: Ptr, ldh: I, rh: Ptr, ldrh: I, recAct: I): void;
  gruOutput(batch: I, units: I, z: Ptr, ldz: I, hPrev: Ptr, ldp: I, h: Ptr, ldh: I, act: I): void;
  gruBackwardA(batch: I, units: I, z: Ptr, ldz: I, hPrev: Ptr, ldh: I, dh: Ptr, dhp: Ptr, act: I, recAct: I): void;
  gruBackwardB(
    batch: I,
    units: I,
    z: Ptr,
    ldz: I,
    hSeen: Ptr,
    ldh: I,
    drh: Ptr,
    dhp: Ptr,
    recAct: I,
    rm: Ptr,
    ldrm: I,
  ): void;
  gruResetAfter(batch: I, units: I, z: Ptr, ldz: I, inner: Ptr, ldi: I, recAct: I): void;
  gruBackwardResetAfter(batch: I, units: I, z: Ptr, ldz: I, inner: Ptr, ldi: I, recAct: I): void;
}

/** What the addon (native/kernels/addon.cc) exports. */
interface Addon {
  create(
    maxPages: number,
    buffer: ArrayBuffer,
  ): Omit<NativeKernels, 'memory' | 'module' | 'jsThreads' | 'label'> & {
    grow(pages: number): number;
  };
  info(): { gemm: string; isa: string; threads: number; split: boolean };
  setThreads(n: number): number;
  setSplit(on: boolean): boolean;
}

/** WebAssembly's page, and its 32-bit maximum: 65,536 pages, 4 GiB. */
const PAGE = 65_536;
const MAX_PAGES = 65_536;

/** ES2024's resizable ArrayBuffer (Node 20+, Electron), newer than the TypeScript library this project targets. */
type ResizableArrayBufferConstructor = new (
  length: number,
  options: { maxByteLength: number },
) => ArrayBuffer & { resize(length: number): void };

export const BUILD_NATIVE_COMMAND = 'node scripts/build-native.mjs';
const ADDON = 'native/build/rnn_native.node';
/** The prebuilt addon's npm package for this platform (scripts/package-native.mjs; docs/engine.md, Packaging). */
export const NATIVE_PACKAGE = `@rnn-studio/kernels-${process.platform}-${process.arch}`;

/**
 * The installed prebuilt package's addon (its `main`), resolved as a dependency of the app from this module's location
 * (the checkout, dist/, or the bundles of scripts/build-cli.mjs and build-electron.mjs); null when it is not installed.
 * Inside a packaged Electron app the resolved path is in app.asar, but the addon and its libraries must be real files
 * for dlopen and their $ORIGIN rpath: electron-builder.yml unpacks them to app.asar.unpacked.
 */
export function nativePackageAddonPath(): string | null {
  let path: string;
  try {
    path = createRequire(import.meta.url).resolve(NATIVE_PACKAGE);
  } catch {
    return null;
  }
  path = path.replace(/app\.asar([\\/])/, 'app.asar.unpacked$1');
  return existsSync(path) ? path : null;
}

/** The development build, native/build/ at the repository root, seen from this file in main/training/kernels/, from
 * its compiled copy in dist/main/training/kernels/, or from the bundles that inline it (scripts/build-cli.mjs:
 * dist/node/training/worker.mjs, dist/node/cli.mjs); the first candidate when none exists. */
function developmentAddonPath(): string {
  const candidates = ['../../../', '../../../../', '../../'].map((up) =>
    fileURLToPath(new URL(up + ADDON, import.meta.url)),
  );
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}

/**
 * Where the addon is: RNN_STUDIO_NATIVE_ADDON, else the installed prebuilt package for this platform and architecture
 * (NATIVE_PACKAGE), else the development build (native/build/rnn_native.node, which may not exist: loading says so).
 */
export function nativeAddonPath(): string {
  const forced = process.env.RNN_STUDIO_NATIVE_ADDON;
  if (forced) return forced;
  return nativePackageAddonPath() ?? developmentAddonPath();
}

let addon: Addon | null = null;
/** Why the addon is unavailable, as a sentence, and the loader's own message (the automatic choice quotes that). */
let addonError: { message: string; cause: string } | null = null;

function loadAddon(): Addon {
  if (addon) return addon;
  if (addonError) throw new Error(addonError.message, { cause: addonError.cause });
  const path = nativeAddonPath();
  if (!existsSync(path)) {
    addonError = {
      message: process.env.RNN_STUDIO_NATIVE_ADDON
        ? `the native kernels are not at RNN_STUDIO_NATIVE_ADDON (${path} is missing)`
        : `no native kernels for ${process.platform}-${process.arch}: no prebuilt package is installed (${NATIVE_PACKAGE}) and the development build is missing (${path}) — run \`${BUILD_NATIVE_COMMAND}\` (needs g++ and oneDNN: apt-get install libdnnl-dev), or \`node scripts/package-native.mjs\` and install its .tgz`,
      cause: `${path} is missing`,
    };
    throw new Error(addonError.message, { cause: addonError.cause });
  }
  try {
    addon = createRequire(import.meta.url)(path) as Addon;
    if (process.env.RNN_STUDIO_NATIVE_SPLIT === '0') addon.setSplit(false);
  } catch (e) {
    const cause = (e as Error).message;
    addonError = { message: `the native kernels failed to load (${cause})`, cause };
    throw new Error(addonError.message, { cause });
  }
  return addon;
}

/**
 * A new instance with its own memory (as loadKernels gives a new WebAssembly instance); throws with the reason
 * when the addon is not built or does not load. `threads`: oneDNN's threads for this JavaScript thread's calls.
 */
export function loadNativeKernels(threads = kernelThreadCount()): NativeKernels {
  const a = loadAddon();
  a.setThreads(threads);
  // The kernels' memory is an ArrayBuffer V8 owns, resizable up to WebAssembly's 4 GiB (which the memory checks
  // assume): V8 reserves the maximum and commits pages as it grows, so it never moves, and V8's sandbox (Electron)
  // accepts it where it refuses memory an addon maps itself.
  const buffer = new (ArrayBuffer as unknown as ResizableArrayBufferConstructor)(PAGE, {
    maxByteLength: MAX_PAGES * PAGE,
  });
  const raw = a.create(MAX_PAGES, buffer);
  // WebAssembly.Memory's two members that the kernels' users touch; as with WebAssembly, a view must be taken again
  // after growing to see the new bytes.
  const memory = {
    get buffer(): ArrayBuffer {
      return buffer;
    },
    grow(pages: number): number {
      const before = buffer.byteLength / PAGE;
      if (!(pages >= 0) || before + pages > MAX_PAGES)
        throw new RangeError('native kernels: memory cannot grow past its maximum');
      buffer.resize(buffer.byteLength + pages * PAGE);
      raw.grow(pages);
      return before;
    },
  };
  const info = a.info();
  return {
    ...raw,
    memory,
    module: {},
    jsThreads: 1,
    label: `native C++ (${info.isa}) + ${info.gemm} sgemm${info.split ? '' : ', threads per multiply'}`,
  };
}

/** True when the addon is built and loads here (tests skip otherwise, with nativeUnavailableReason()). */
export function nativeKernelsAvailable(): boolean {
  try {
    loadAddon();
    return true;
  } catch {
    return false;
  }
}

export function nativeUnavailableReason(): string | null {
  return nativeKernelsAvailable() ? null : addonError!.message;
}

/** { gemm, isa, threads, split } of the loaded addon (threads: this JavaScript thread's OpenMP threads). */
export function nativeInfo(): { gemm: string; isa: string; threads: number; split: boolean } {
  return loadAddon().info();
}

/** The OpenMP threads of this JavaScript thread's calls (loadNativeKernels sets kernelThreadCount()); returns the count now. */
export function setNativeThreads(n: number): number {
  return loadAddon().setThreads(n);
}

/** Whole-sequence calls split their batch across threads (true) or let oneDNN thread each multiply (false); process-wide. */
export function setNativeSplit(on: boolean): void {
  loadAddon().setSplit(on);
}

export function isNativeKernels(k: RnnKernels): k is NativeKernels {
  return (k as Partial<NativeKernels>).jsThreads === 1;
}

/** Which provider `k` is, in the memory estimate's terms (it lays out a batch's slices by provider). */
export function kernelProviderOf(k: RnnKernels): KernelProvider {
  return isNativeKernels(k) ? 'native' : 'wasm';
}

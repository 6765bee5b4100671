/**
 * Which kernel provider a thread runs (issue #16): the decision alone, apart from loading anything, so that every
 * case can be tested without an addon, an Electron or a failing self-check at hand. kernels-wasm.ts's rnnKernels()
 * hands it the facts of this thread and acts on the answer.
 *
 * RNN_STUDIO_KERNELS: unset, empty or `auto` chooses; `native` forces the native provider (a failure to load is an
 * error, not a fallback: that setting exists to test it); `wasm` forces WebAssembly (relaxed SIMD where the engine
 * takes it, else SIMD); `simd` forces plain SIMD. Any other value chooses as `auto` and says so.
 */

/** `wasm`: relaxed SIMD where the engine takes it, else SIMD; `simd`: plain SIMD only. */
export type KernelProvider = 'native' | 'wasm' | 'simd';

export const KERNEL_SETTINGS = ['auto', 'native', 'wasm', 'simd'] as const;

/**
 * What the choice depends on. The later facts are functions because they cost something (loading the addon maps its
 * memory; the self-check runs kernels): each is asked only when every earlier one allowed the native provider.
 */
export interface ProviderFacts {
  /** RNN_STUDIO_KERNELS as set (undefined when unset). */
  setting: string | undefined;
  /** Running inside Electron (process.versions.electron). */
  electron: boolean;
  /** The addon file exists. */
  addonPresent(): boolean;
  /** Loads the addon and creates this thread's instance: null when that worked, else the error's message. */
  load(): string | null;
  /** Runs the native kernels against the WebAssembly ones: null when they agree, else what differed and by how much. */
  selfCheck(): string | null;
}

export interface ProviderChoice {
  provider: KernelProvider;
  /**
   * Why the native provider is not the one running, or a note on the setting; null when there is nothing to say
   * (auto chose native, or native was forced).
   */
  reason: string | null;
}

/**
 * No addon file: neither the prebuilt package for this platform (`@rnn-studio/kernels-<platform>-<arch>`, an optional
 * dependency where published; kernels-native.ts) is installed nor the development build made.
 */
export const NATIVE_NOT_BUILT = `native kernels not installed for ${process.platform}-${process.arch} (no @rnn-studio/kernels-${process.platform}-${process.arch} package) nor built (run \`npm run build:native\`)`;
/**
 * The kernels' memory is a V8-owned ArrayBuffer (kernels-native.ts), which V8's sandbox accepts where it refused the
 * addon's own mapping; but no run inside Electron has checked the provider there yet (no Electron binary where it was
 * built), so the automatic choice stays on WebAssembly inside Electron and RNN_STUDIO_KERNELS=native opts in.
 */
export const NATIVE_IN_ELECTRON =
  'native kernels are not yet checked inside Electron (set RNN_STUDIO_KERNELS=native to use them)';

export function chooseKernelProvider(facts: ProviderFacts): ProviderChoice {
  const setting = facts.setting ?? '';
  if (setting === 'native') return { provider: 'native', reason: null };
  if (setting === 'wasm' || setting === 'simd') return { provider: setting, reason: `RNN_STUDIO_KERNELS=${setting}` };
  const note =
    setting === '' || setting === 'auto'
      ? null
      : `RNN_STUDIO_KERNELS=${JSON.stringify(setting)} is not one of ${KERNEL_SETTINGS.join(', ')}: chosen as auto`;
  const fallback = (why: string): ProviderChoice => ({ provider: 'wasm', reason: note ? `${note}; ${why}` : why });
  // Electron first: the provider has not been checked there yet, so the addon is not even opened (see NATIVE_IN_ELECTRON).
  if (facts.electron) return fallback(NATIVE_IN_ELECTRON);
  if (!facts.addonPresent()) return fallback(NATIVE_NOT_BUILT);
  const loadError = facts.load();
  if (loadError !== null) return fallback(`native kernels did not load: ${loadError}`);
  const mismatch = facts.selfCheck();
  if (mismatch !== null) return fallback(`native kernels failed their self-check: ${mismatch}`);
  return { provider: 'native', reason: note };
}

/**
 * Repeatable randomness for a training run.
 *
 * TF.js layers draw recurrent-dropout masks without a seed argument (`generateDropoutMask` in
 * tfjs-layers/src/layers/recurrent.ts), and unseeded TF.js random ops fall back to Math.random for their seed.
 * Seeding that source for the duration of a run is the one place that makes weight initialisation, dropout masks and
 * our batch order repeat exactly on the same backend. The training worker owns its thread, so nothing else shares it.
 */
import { mulberry32 } from '../../shared/seeded-random.js';

export { mulberry32 };

/** Runs `fn` with Math.random replaced by a PRNG seeded with `seed`; restores the original afterwards. */
export async function withSeededRandom<T>(seed: number, fn: () => Promise<T>): Promise<T> {
  const original = Math.random;
  Math.random = mulberry32(seed);
  try {
    return await fn();
  } finally {
    Math.random = original;
  }
}

/** Fisher–Yates shuffle of `indices` in place with the given random source. */
export function shuffleInPlace(indices: Int32Array | number[], random: () => number): void {
  for (let i = indices.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = indices[i]!;
    indices[i] = indices[j]!;
    indices[j] = t;
  }
}

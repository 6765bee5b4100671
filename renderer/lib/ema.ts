/**
 * Exponential moving average as TensorBoard draws it: debiased, so the first points are not pulled towards zero,
 * and gaps (NaN, missing) are carried over instead of poisoning the rest of the curve.
 * `weight` is the smoothing factor: 0 = raw values, 0.99 = very smooth.
 */
export function emaSmooth(values: readonly (number | null | undefined)[], weight: number): (number | null)[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  let last = 0;
  let count = 0;
  return values.map((v) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return null;
    last = last * w + (1 - w) * v;
    count++;
    const debias = w === 0 ? 1 : 1 - w ** count;
    return last / debias;
  });
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emaSmooth } from './ema.js';
import { appendThinned, emptySeries, visiblePoints } from './thinned-series.js';
import { formatBackend, formatBaselineGap, formatDuration, formatMetric } from './format.js';

test('EMA smoothing: weight 0 is the raw curve, the first value is not pulled towards 0 (debiased)', () => {
  assert.deepEqual(emaSmooth([1, 2, 3], 0), [1, 2, 3]);
  const s = emaSmooth([10, 10, 10], 0.9);
  for (const v of s) assert.ok(Math.abs(v! - 10) < 1e-9, `constant input stays constant, got ${v}`);
  const [a, b] = emaSmooth([0, 1], 0.5);
  assert.equal(a, 0);
  // last = 0.5·0.5·0 + 0.5 = 0.5 (before debias: 0.25·0 … ) → debiased by 1 − 0.5² = 0.75: (0·0.5 + 0.5·1) / 0.75
  assert.ok(Math.abs(b! - 0.5 / 0.75) < 1e-12);
});

test('EMA smoothing carries gaps over instead of poisoning the curve, and clamps the factor', () => {
  const s = emaSmooth([1, Number.NaN, null, undefined, 1], 0.6);
  assert.deepEqual(s.slice(1, 4), [null, null, null]);
  assert.ok(Math.abs(s[4]! - 1) < 1e-12);
  assert.ok(
    emaSmooth([1, 5], 1.5).every((v) => Number.isFinite(v!)),
    'a factor ≥ 1 is clamped below 1',
  );
});

test('thinned series stays under the cap with uniform density and always shows the newest point', () => {
  let s = emptySeries<number>();
  for (let i = 0; i < 10_000; i += 7)
    s = appendThinned(
      s,
      Array.from({ length: 7 }, (_, k) => i + k),
      100,
    );
  assert.ok(s.points.length <= 100, `kept ${s.points.length}`);
  assert.equal(s.seen, 10_003);
  const strides = s.points.slice(1).map((p, i) => p - s.points[i]!);
  assert.ok(
    strides.every((d) => d === s.stride),
    'kept points are evenly spaced',
  );
  assert.equal(s.points[0], 0);
  const shown = visiblePoints(s);
  assert.equal(shown[shown.length - 1], 10_002, 'the newest raw point is drawn');
});

test('thinned series: appending nothing returns the same object; a small series is untouched', () => {
  const s = appendThinned(emptySeries<number>(), [1, 2, 3], 10);
  assert.equal(appendThinned(s, [], 10), s);
  assert.deepEqual(visiblePoints(s), [1, 2, 3]);
  assert.equal(s.stride, 1);
});

test('formatting: durations, metrics and the backend line as the CLI prints it', () => {
  assert.equal(formatDuration(42.4), '42s');
  assert.equal(formatDuration(185), '3m 05s');
  assert.equal(formatDuration(7260), '2h 01m');
  assert.equal(formatDuration(Number.NaN), '—');
  assert.equal(formatMetric(0.123456), '0.1235');
  assert.equal(formatMetric(0.00001234), '1.23e-5');
  assert.equal(formatMetric(undefined), '—');
  // Against the common-sense baseline: a share of its error, and a factor once worse than twice it.
  assert.equal(formatBaselineGap(0.6, 0.691), '13.2%');
  assert.equal(formatBaselineGap(0.8, 0.691), '-15.8%');
  assert.equal(formatBaselineGap(1.3, 0.691), '-88.1%');
  assert.equal(formatBaselineGap(2.5, 0.691), "3.6× the baseline's");
  assert.equal(formatBaselineGap(8241, 0.691), "11,926× the baseline's");
  assert.equal(formatBaselineGap(7.35e12, 0.691), "1.1e+13× the baseline's");
  assert.equal(
    formatBackend({ name: 'wasm', tfjsVersion: '4.22.0', detail: 'WebAssembly SIMD, 1 thread (x)' }),
    'wasm (tfjs 4.22.0) — WebAssembly SIMD, 1 thread (x)',
  );
});

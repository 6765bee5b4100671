import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DISTRIBUTION_QUANTILES,
  HISTOGRAM_BINS,
  binEdges,
  distributionSeries,
  histogram,
  histogramQuantile,
  tensorNames,
  thinHistograms,
} from './histograms.js';
import type { HistogramRecord, TensorHistogram } from './histograms.js';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} ≉ ${b}`);

test('histogram: bins, min/max/mean/std (table)', () => {
  const cases: {
    name: string;
    values: number[];
    bins: number;
    counts: number[];
    min: number;
    max: number;
    mean: number;
    std: number;
    nonFinite?: number;
  }[] = [
    {
      name: 'uniform 0..3, 4 bins',
      values: [0, 1, 2, 3],
      bins: 4,
      counts: [1, 1, 1, 1],
      min: 0,
      max: 3,
      mean: 1.5,
      std: Math.sqrt(1.25),
    },
    {
      name: 'max lands in the last bin',
      values: [0, 10],
      bins: 5,
      counts: [1, 0, 0, 0, 1],
      min: 0,
      max: 10,
      mean: 5,
      std: 5,
    },
    {
      name: 'negative values',
      values: [-2, -1, -1, 2],
      bins: 2,
      counts: [3, 1],
      min: -2,
      max: 2,
      mean: -0.5,
      std: Math.sqrt(2.25),
    },
    {
      name: 'constant tensor: one bin',
      values: [0.5, 0.5, 0.5],
      bins: 3,
      counts: [3, 0, 0],
      min: 0.5,
      max: 0.5,
      mean: 0.5,
      std: 0,
    },
    { name: 'empty tensor', values: [], bins: 2, counts: [0, 0], min: 0, max: 0, mean: 0, std: 0 },
    {
      name: 'non-finite left out',
      values: [1, NaN, 3, Infinity, -Infinity],
      bins: 2,
      counts: [1, 1],
      min: 1,
      max: 3,
      mean: 2,
      std: 1,
      nonFinite: 3,
    },
    {
      name: 'single value',
      values: [-7],
      bins: 30,
      counts: [1, ...new Array(29).fill(0)],
      min: -7,
      max: -7,
      mean: -7,
      std: 0,
    },
  ];
  for (const c of cases) {
    const h = histogram(c.values, c.bins);
    assert.deepEqual(h.counts, c.counts, c.name);
    assert.equal(h.min, c.min, c.name);
    assert.equal(h.max, c.max, c.name);
    close(h.mean, c.mean);
    close(h.std, c.std);
    assert.equal(h.nonFinite, c.nonFinite ?? 0, c.name);
    assert.equal(
      h.counts.reduce((a, b) => a + b, 0),
      h.count,
      c.name,
    );
  }
});

test('histogram: 30 bins by default, counts sum to the size, Float32Array input', () => {
  const values = new Float32Array(1000).map((_, i) => Math.sin(i) * 3);
  const h = histogram(values);
  assert.equal(h.counts.length, HISTOGRAM_BINS);
  assert.equal(
    h.counts.reduce((a, b) => a + b, 0),
    1000,
  );
  assert.equal(binEdges(h).length, HISTOGRAM_BINS + 1);
  assert.equal(binEdges(h)[0], h.min);
  assert.equal(binEdges(h)[HISTOGRAM_BINS], h.max);
});

test('histogramQuantile: interpolates inside bins (table)', () => {
  const h: TensorHistogram = { min: 0, max: 4, mean: 2, std: 1, count: 4, nonFinite: 0, counts: [1, 1, 1, 1] };
  const cases: [number, number][] = [
    [0, 0],
    [1, 4],
    [0.5, 2],
    [0.25, 1],
    [0.125, 0.5],
    [-1, 0],
    [2, 4],
  ];
  for (const [q, want] of cases) close(histogramQuantile(h, q), want);
  const skewed: TensorHistogram = {
    min: 0,
    max: 10,
    mean: 1,
    std: 1,
    count: 10,
    nonFinite: 0,
    counts: [9, 0, 0, 0, 1],
  };
  close(histogramQuantile(skewed, 0.5), 2 * (5 / 9));
  close(histogramQuantile(skewed, 0.95), 9);
  assert.equal(histogramQuantile({ ...h, count: 0, counts: [0, 0, 0, 0] }, 0.5), 0);
});

test('distributionSeries: quantiles per epoch, monotone, skipping epochs without the tensor or gradients', () => {
  const rec = (epoch: number, values: number[], grads: number[] | null): HistogramRecord => ({
    kind: 'histograms',
    epoch,
    tensors: [
      {
        name: 'dense/kernel',
        layer: 'dense',
        shape: [values.length],
        values: histogram(values),
        gradients: grads ? histogram(grads) : null,
      },
    ],
  });
  const records = [
    rec(0, [0, 1, 2, 3], [1, 2]),
    rec(1, [0, 2, 4, 6], null),
    { kind: 'histograms' as const, epoch: 2, tensors: [] },
  ];
  const values = distributionSeries(records, 'dense/kernel', 'values');
  assert.deepEqual(
    values.map((p) => p.epoch),
    [0, 1],
  );
  assert.equal(values[1]!.quantiles.length, DISTRIBUTION_QUANTILES.length);
  assert.equal(values[1]!.quantiles[0], 0);
  assert.equal(values[1]!.quantiles[DISTRIBUTION_QUANTILES.length - 1], 6);
  for (const p of values)
    for (let i = 1; i < p.quantiles.length; i++) assert.ok(p.quantiles[i]! >= p.quantiles[i - 1]!);
  assert.deepEqual(
    distributionSeries(records, 'dense/kernel', 'gradients').map((p) => p.epoch),
    [0],
  );
  assert.deepEqual(distributionSeries(records, 'nope', 'values'), []);
  assert.deepEqual(tensorNames(records), ['dense/kernel']);
});

test('thinHistograms: at most max, first and last kept (table)', () => {
  const cases: [number, number][] = [
    [5, 10],
    [10, 10],
    [11, 10],
    [1000, 200],
    [3, 2],
  ];
  for (const [n, max] of cases) {
    const xs = Array.from({ length: n }, (_, i) => i);
    const t = thinHistograms(xs, max);
    assert.ok(t.length <= max, `${n}/${max}: ${t.length}`);
    assert.equal(t[0], 0);
    assert.equal(t[t.length - 1], n - 1);
  }
});

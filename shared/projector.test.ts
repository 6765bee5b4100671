// The Embedding projector's numbers without TensorFlow: PCA on known geometry, t-SNE keeping clusters apart (seeded,
// repeatable), and cosine nearest neighbours whose order is worked out by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nearestByCosine, pca, pickRows, tsne, tsnePerplexity } from './projector.js';

/** A small seeded generator for test data (independent of the one inside projector.ts). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

test('PCA of points on a line: one component with ~100% of the variance, along the line', () => {
  // 50 points on the line through (1, 2, 3, 4) with direction (1, -2, 0.5, 3), in 4-D.
  const dir = [1, -2, 0.5, 3];
  const len = Math.hypot(...dir);
  const n = 50;
  const d = 4;
  const data = new Float64Array(n * d);
  const next = lcg(3);
  for (let i = 0; i < n; i++) {
    const t = next() * 10 - 5;
    for (let j = 0; j < d; j++) data[i * d + j] = [1, 2, 3, 4][j]! + t * dir[j]!;
  }
  const r = pca(data, n, d);
  assert.ok(r.explainedVariance[0] > 0.999999, `first component explains ${r.explainedVariance[0]}`);
  assert.ok(r.explainedVariance[1] < 1e-6, `second component explains ${r.explainedVariance[1]}`);
  // The first component is the line's direction (up to sign, fixed: largest entry positive → +dir).
  r.components[0].forEach((v, j) => assert.ok(Math.abs(v - dir[j]! / len) < 1e-6, `component[${j}] = ${v}`));
  // The components are orthonormal.
  const dot = r.components[0].reduce((s, v, j) => s + v * r.components[1][j]!, 0);
  assert.ok(Math.abs(dot) < 1e-9);
  assert.ok(Math.abs(Math.hypot(...r.components[1]) - 1) < 1e-9);
  // Every point's second coordinate is ~0; the first is its (centred) position along the line.
  for (let i = 0; i < n; i++) assert.ok(Math.abs(r.coords[i * 2 + 1]!) < 1e-6);
});

test('PCA of an axis-aligned ellipse: variances 4:1 and components along the axes', () => {
  // Points (2cos θ, sin θ, 0) for 360 evenly spaced θ: variance 2 along x, 0.5 along y, 0 along z.
  const n = 360;
  const data: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = (2 * Math.PI * i) / n;
    data.push(2 * Math.cos(a), Math.sin(a), 0);
  }
  const r = pca(data, n, 3);
  assert.ok(Math.abs(r.explainedVariance[0] - 0.8) < 1e-9, String(r.explainedVariance[0]));
  assert.ok(Math.abs(r.explainedVariance[1] - 0.2) < 1e-9, String(r.explainedVariance[1]));
  assert.ok(Math.abs(Math.abs(r.components[0][0]!) - 1) < 1e-9);
  assert.ok(Math.abs(Math.abs(r.components[1][1]!) - 1) < 1e-9);
});

test('PCA of identical points: no variance, finite coordinates at 0', () => {
  const r = pca([1, 2, 1, 2, 1, 2], 3, 2);
  assert.deepEqual(r.explainedVariance, [0, 0]);
  assert.ok([...r.coords].every((v) => v === 0));
});

/** Two Gaussian blobs in 10-D, 30 points each, centres 20 apart, unit spread. */
function twoClusters(): { data: Float64Array; n: number; d: number; label: (i: number) => number } {
  const n = 60;
  const d = 10;
  const next = lcg(11);
  const normal = () => Math.sqrt(-2 * Math.log(Math.max(next(), 1e-12))) * Math.cos(2 * Math.PI * next());
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) data[i * d + j] = normal() + (i < 30 && j === 0 ? 20 : 0);
  return { data, n, d, label: (i) => (i < 30 ? 0 : 1) };
}

test('t-SNE keeps two well-separated clusters separated, and repeats exactly for a seed', () => {
  const { data, n, d, label } = twoClusters();
  const y = tsne(data, n, d, { perplexity: 10, iterations: 300, seed: 5 });
  assert.equal(y.length, n * 2);
  assert.ok([...y].every(Number.isFinite));
  const centre = [0, 1].map((c) => {
    let x = 0;
    let z = 0;
    for (let i = 0; i < n; i++)
      if (label(i) === c) {
        x += y[i * 2]!;
        z += y[i * 2 + 1]!;
      }
    return [x / 30, z / 30] as const;
  });
  const between = Math.hypot(centre[0]![0] - centre[1]![0], centre[0]![1] - centre[1]![1]);
  let spread = 0;
  for (let i = 0; i < n; i++)
    spread = Math.max(spread, Math.hypot(y[i * 2]! - centre[label(i)]![0], y[i * 2 + 1]! - centre[label(i)]![1]));
  assert.ok(between > 2 * spread, `centres ${between.toFixed(2)} apart, clusters up to ${spread.toFixed(2)} wide`);
  // Every point's nearest 2-D neighbour is in its own cluster.
  for (let i = 0; i < n; i++) {
    let best = -1;
    let bestD = Infinity;
    for (let k = 0; k < n; k++) {
      if (k === i) continue;
      const dd = Math.hypot(y[i * 2]! - y[k * 2]!, y[i * 2 + 1]! - y[k * 2 + 1]!);
      if (dd < bestD) {
        bestD = dd;
        best = k;
      }
    }
    assert.equal(label(best), label(i), `point ${i}'s nearest neighbour ${best} is in the other cluster`);
  }
  assert.deepEqual(tsne(data, n, d, { perplexity: 10, iterations: 300, seed: 5 }), y, 'same seed → same output');
  assert.notDeepEqual(
    tsne(data, n, d, { perplexity: 10, iterations: 300, seed: 6 }),
    y,
    'another seed → another layout',
  );
});

test('t-SNE of tiny inputs: perplexity capped, one point at the origin', () => {
  assert.equal(tsnePerplexity(10, 30), 3);
  assert.equal(tsnePerplexity(2000, 30), 30);
  assert.deepEqual([...tsne([1, 2, 3], 1, 3)], [0, 0]);
  const y = tsne([0, 0, 1, 1, 5, 5], 3, 2, { iterations: 50 });
  assert.ok([...y].every(Number.isFinite));
});

test('cosine nearest neighbours, ordered as worked out by hand', () => {
  // Rows: 0 = (1, 0), 1 = (1, 1) → cos 0.7071, 2 = (0, 1) → 0, 3 = (-1, 0) → -1, 4 = (2, 0.1) → 0.99875,
  // 5 = (0, 0) (never returned), 6 = (3, 0) → 1 (same direction, larger norm).
  const data = [1, 0, 1, 1, 0, 1, -1, 0, 2, 0.1, 0, 0, 3, 0];
  const r = nearestByCosine(data, 7, 2, 0, 10);
  assert.deepEqual(
    r.map((x) => x.index),
    [6, 4, 1, 2, 3],
  );
  assert.ok(Math.abs(r[0]!.similarity - 1) < 1e-12);
  assert.ok(Math.abs(r[1]!.similarity - 2 / Math.hypot(2, 0.1)) < 1e-12);
  assert.ok(Math.abs(r[2]!.similarity - Math.SQRT1_2) < 1e-12);
  assert.ok(Math.abs(r[3]!.similarity) < 1e-12);
  assert.ok(Math.abs(r[4]!.similarity + 1) < 1e-12);
  // k and candidates limit the search.
  assert.deepEqual(
    nearestByCosine(data, 7, 2, 0, 2).map((x) => x.index),
    [6, 4],
  );
  assert.deepEqual(
    nearestByCosine(data, 7, 2, 0, 5, [1, 2, 3]).map((x) => x.index),
    [1, 2, 3],
  );
  // A zero query has no direction: no neighbours.
  assert.deepEqual(nearestByCosine(data, 7, 2, 5, 3), []);
});

test('pickRows copies the chosen rows in order', () => {
  assert.deepEqual([...pickRows([1, 2, 3, 4, 5, 6], 2, [2, 0])], [5, 6, 1, 2]);
});

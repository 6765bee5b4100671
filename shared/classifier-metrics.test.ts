// Classifier metrics against known values: scikit-learn's documented examples (roc_curve, precision_recall_curve,
// average_precision_score, confusion_matrix) and cases with ties worked out by hand; then, on random scores with many
// ties, ROC AUC against the Mann–Whitney statistic and average precision against its per-positive definition.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  averagePrecision,
  classifierDiagnostics,
  confusionMatrix,
  precisionRecallCurve,
  predictedClass,
  rocAuc,
  rocCurve,
  thinCurve,
  trapezoid,
} from './classifier-metrics.js';

const close = (actual: number | null, expected: number | null, what: string) => {
  if (expected === null) return assert.equal(actual, null, what);
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-12, `${what}: ${actual} ≠ ${expected}`);
};
const closeAll = (actual: number[], expected: number[], what: string) => {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} ≠ ${expected.length}`);
  actual.forEach((a, i) => close(a, expected[i]!, `${what}[${i}]`));
};
const bools = (ys: number[]) => ys.map((y) => y === 1);

const cases: { name: string; y: number[]; s: number[]; auc: number | null; ap: number | null }[] = [
  // sklearn docs: roc_auc_score / average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]).
  { name: 'sklearn docs example', y: [0, 0, 1, 1], s: [0.1, 0.4, 0.35, 0.8], auc: 0.75, ap: 0.8333333333333333 },
  { name: 'perfect ranking', y: [0, 0, 1, 1], s: [0.1, 0.2, 0.7, 0.9], auc: 1, ap: 1 },
  { name: 'inverted ranking', y: [1, 1, 0, 0], s: [0.1, 0.2, 0.7, 0.9], auc: 0, ap: 0.5 * (1 / 3) + 0.5 * (2 / 4) },
  // All scores tied: one point (1, 1); the diagonal; precision = prevalence.
  { name: 'all tied', y: [0, 1, 0, 1], s: [0.5, 0.5, 0.5, 0.5], auc: 0.5, ap: 0.5 },
  // Ties across classes, by hand: points (0,0), (½,⅓), (1,⅔), (1,1) → ⅓; AP = ⅓·½ + ⅓·½ + ⅓·⅗.
  {
    name: 'ties across classes',
    y: [1, 0, 1, 0, 1],
    s: [0.9, 0.9, 0.5, 0.5, 0.1],
    auc: 1 / 3,
    ap: (0.5 + 0.5 + 0.6) / 3,
  },
  { name: 'only positives: AUC undefined', y: [1, 1], s: [0.2, 0.8], auc: null, ap: 1 },
  { name: 'only negatives: both undefined', y: [0, 0], s: [0.2, 0.8], auc: null, ap: null },
];

for (const c of cases) {
  test(`ROC AUC and average precision: ${c.name}`, () => {
    close(rocAuc(c.s, bools(c.y)), c.auc, 'roc auc');
    close(averagePrecision(c.s, bools(c.y)), c.ap, 'average precision');
  });
}

test('roc_curve and precision_recall_curve match sklearn on its documented example', () => {
  const y = bools([0, 0, 1, 1]);
  const s = [0.1, 0.4, 0.35, 0.8];
  const roc = rocCurve(s, y);
  closeAll(roc.fpr, [0, 0, 0.5, 0.5, 1], 'fpr');
  closeAll(roc.tpr, [0, 0.5, 0.5, 1, 1], 'tpr');
  assert.deepEqual(roc.thresholds, [Infinity, 0.8, 0.4, 0.35, 0.1]);
  const pr = precisionRecallCurve(s, y);
  closeAll(pr.precision, [0.5, 2 / 3, 0.5, 1, 1], 'precision');
  closeAll(pr.recall, [1, 1, 0.5, 0.5, 0], 'recall');
  assert.deepEqual(pr.thresholds, [0.1, 0.35, 0.4, 0.8]);
});

test('roc_curve drops the points that do not change its shape (drop_intermediate), and keeps them on request', () => {
  // Scores 0.9…0.6 all positive: the vertical run (0,¼)…(0,1) keeps only its ends.
  const y = bools([1, 1, 1, 1, 0, 0]);
  const s = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
  const kept = rocCurve(s, y);
  closeAll(kept.fpr, [0, 0, 0, 1], 'fpr');
  closeAll(kept.tpr, [0, 0.25, 1, 1], 'tpr');
  const all = rocCurve(s, y, false);
  assert.equal(all.fpr.length, 7);
  close(trapezoid(kept.fpr, kept.tpr), trapezoid(all.fpr, all.tpr), 'same area');
});

test('confusion matrix: rows are the true class, columns the predicted (sklearn docs example)', () => {
  assert.deepEqual(confusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2], 3), [
    [2, 0, 0],
    [0, 0, 1],
    [1, 0, 2],
  ]);
});

test('predicted class: sigmoid p > 0.5 is class 1 (as Keras binary accuracy), softmax the first largest', () => {
  assert.equal(predictedClass([0.5, 0.5], true), 0);
  assert.equal(predictedClass([0.49, 0.51], true), 1);
  assert.equal(predictedClass([0.2, 0.4, 0.4], false), 1);
  assert.equal(predictedClass([0.1, 0.3, 0.6], false), 2);
});

test('random scores with many ties: AUC is the Mann–Whitney statistic, AP the mean precision at each positive', () => {
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let trial = 0; trial < 20; trial++) {
    const n = 5 + Math.floor(rand() * 60);
    const y = Array.from({ length: n }, () => rand() < 0.4);
    if (!y.some(Boolean) || y.every(Boolean)) continue;
    const s = Array.from({ length: n }, () => Math.round(rand() * 8) / 8); // 9 levels: many ties
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (!y[i] || y[j]) continue;
        pairs++;
        wins += s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0;
      }
    const auc = rocAuc(s, y)!;
    assert.ok(Math.abs(auc - wins / pairs) < 1e-12, `trial ${trial}: ${auc} vs ${wins / pairs}`);
    let precisionSum = 0;
    let positives = 0;
    for (let i = 0; i < n; i++) {
      if (!y[i]) continue;
      positives++;
      const above = s.map((v, j) => ({ v, j })).filter((e) => e.v >= s[i]!);
      precisionSum += above.filter((e) => y[e.j]).length / above.length;
    }
    const ap = averagePrecision(s, y)!;
    assert.ok(Math.abs(ap - precisionSum / positives) < 1e-12, `trial ${trial}: ${ap} vs ${precisionSum / positives}`);
  }
});

test('multi-class diagnostics: one-vs-rest curves, macro means, mistakes by confidence (worked by hand)', () => {
  const d = classifierDiagnostics({
    classes: ['a', 'b', 'c'],
    binary: false,
    probabilities: [
      [0.7, 0.2, 0.1],
      [0.3, 0.25, 0.45],
      [0.2, 0.2, 0.6],
      [0.5, 0.1, 0.4],
    ],
    trueClasses: [0, 1, 2, 2],
    texts: ['t0', 't1', 't2', 't3'],
  });
  assert.deepEqual(d.confusion, [
    [1, 0, 0],
    [0, 0, 1],
    [1, 0, 1],
  ]);
  assert.equal(d.count, 4);
  assert.equal(d.accuracy, 0.5);
  assert.deepEqual(
    d.curves.map((c) => [c.className, c.positives, c.negatives]),
    [
      ['a', 1, 3],
      ['b', 1, 3],
      ['c', 2, 2],
    ],
  );
  // Class c: 0.6 (c), 0.45, 0.4 (c), 0.1 → AUC ¾, AP = ½·1 + ½·⅔.
  close(d.curves[2]!.rocAuc, 0.75, 'auc c');
  close(d.curves[2]!.averagePrecision, 0.5 + 1 / 3, 'ap c');
  close(d.macroRocAuc, (1 + 1 + 0.75) / 3, 'macro auc');
  close(d.macroAveragePrecision, (1 + 1 + 0.5 + 1 / 3) / 3, 'macro ap');
  assert.equal(d.misclassifiedCount, 2);
  assert.deepEqual(
    d.misclassified.map((m) => [m.text, m.trueClass, m.predictedClass, m.confidence]),
    [
      ['t3', 2, 0, 0.5],
      ['t1', 1, 2, 0.45],
    ],
  );
});

test('binary diagnostics: one curve for the positive class; the list is capped and long texts cut', () => {
  const n = 200;
  const p = Array.from({ length: n }, (_, i) => ((i * 7919) % n) / n);
  const d = classifierDiagnostics({
    classes: ['ham', 'spam'],
    binary: true,
    probabilities: p.map((x) => [1 - x, x]),
    trueClasses: p.map((_, i) => i % 2),
    texts: p.map((_, i) => `text ${i} `.repeat(100)),
    maxMisclassified: 10,
    maxCurvePoints: 50,
    maxTextChars: 20,
  });
  assert.equal(d.curves.length, 1);
  assert.equal(d.curves[0]!.className, 'spam');
  assert.ok(d.curves[0]!.roc.length <= 50 && d.curves[0]!.pr.length <= 50);
  assert.deepEqual(d.curves[0]!.roc.at(-1), { fpr: 1, tpr: 1 });
  close(
    d.curves[0]!.rocAuc,
    rocAuc(
      p,
      p.map((_, i) => i % 2 === 1),
    ),
    'auc from the whole curve',
  );
  assert.equal(
    d.confusion.flat().reduce((a, b) => a + b, 0),
    n,
  );
  assert.equal(d.misclassified.length, 10);
  assert.ok(d.misclassifiedCount > 10);
  assert.ok(d.misclassified.every((m, i) => i === 0 || m.confidence <= d.misclassified[i - 1]!.confidence));
  assert.ok(d.misclassified.every((m) => m.text.length === 21 && m.text.endsWith('…')));
});

test('thinCurve keeps the first and last points', () => {
  const pts = Array.from({ length: 1001 }, (_, i) => i);
  const t = thinCurve(pts, 100);
  assert.ok(t.length <= 100);
  assert.equal(t[0], 0);
  assert.equal(t.at(-1), 1000);
});

/**
 * Classifier diagnostics from scores and labels, without TensorFlow: the confusion matrix, ROC and precision–recall
 * curves with their areas, and the misclassified examples. The curves follow scikit-learn's definitions, ties
 * included: one curve point per distinct score (tied scores move together), ROC AUC by the trapezoid rule over
 * those points, and the PR area as average precision, Σ (Rₙ − Rₙ₋₁) · Pₙ (a step function, no interpolation).
 */

/** One distinct threshold: the examples scored ≥ it that are positive (tps) and negative (fps). */
interface Counts {
  tps: number[];
  fps: number[];
  thresholds: number[];
}

export interface RocCurve {
  fpr: number[];
  tpr: number[];
  thresholds: number[];
}
export interface PrCurve {
  precision: number[];
  recall: number[];
  thresholds: number[];
}

/** Cumulative true/false positives at each distinct score, from the highest (sklearn's `_binary_clf_curve`). */
function binaryCounts(scores: ArrayLike<number>, positive: ArrayLike<boolean>): Counts {
  if (scores.length !== positive.length)
    throw new Error(`scores (${scores.length}) and labels (${positive.length}) differ in length`);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const tps: number[] = [];
  const fps: number[] = [];
  const thresholds: number[] = [];
  let tp = 0;
  let fp = 0;
  order.forEach((i, k) => {
    if (positive[i]) tp++;
    else fp++;
    // A point only where the score changes: tied examples cross the threshold together.
    const next = order[k + 1];
    if (next === undefined || scores[next] !== scores[i]) {
      tps.push(tp);
      fps.push(fp);
      thresholds.push(scores[i]!);
    }
  });
  return { tps, fps, thresholds };
}

/**
 * The ROC curve (sklearn's `roc_curve`): starts at (0, 0) with threshold +∞. `dropIntermediate` (sklearn's default)
 * leaves out points that do not change the curve's shape. With no positives (or no negatives) the TPR (FPR) is NaN.
 */
export function rocCurve(scores: ArrayLike<number>, positive: ArrayLike<boolean>, dropIntermediate = true): RocCurve {
  let { tps, fps, thresholds } = binaryCounts(scores, positive);
  if (dropIntermediate && tps.length > 2) {
    const keep = tps.map(
      (_, i) =>
        i === 0 ||
        i === tps.length - 1 ||
        fps[i - 1]! - 2 * fps[i]! + fps[i + 1]! !== 0 ||
        tps[i - 1]! - 2 * tps[i]! + tps[i + 1]! !== 0,
    );
    tps = tps.filter((_, i) => keep[i]);
    fps = fps.filter((_, i) => keep[i]);
    thresholds = thresholds.filter((_, i) => keep[i]);
  }
  const P = tps.at(-1) ?? 0;
  const N = fps.at(-1) ?? 0;
  return {
    fpr: [0, ...fps.map((f) => f / N)],
    tpr: [0, ...tps.map((t) => t / P)],
    thresholds: [Infinity, ...thresholds],
  };
}

/** Area under a curve by the trapezoid rule (x need not be increasing step by step, as sklearn's `auc`). */
export function trapezoid(x: number[], y: number[]): number {
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i]! - x[i - 1]!) * (y[i]! + y[i - 1]!)) / 2;
  return area;
}

/** ROC AUC (sklearn's `roc_auc_score`, binary); null where it is undefined: only one class present. */
export function rocAuc(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number | null {
  const positives = Array.from(positive).filter(Boolean).length;
  if (positives === 0 || positives === positive.length) return null;
  const { fpr, tpr } = rocCurve(scores, positive, false);
  return trapezoid(fpr, tpr);
}

/**
 * The precision–recall curve (sklearn's `precision_recall_curve`): recall decreasing to the final point (recall 0,
 * precision 1), which has no threshold. With no positives every recall is 1 (as sklearn).
 */
export function precisionRecallCurve(scores: ArrayLike<number>, positive: ArrayLike<boolean>): PrCurve {
  const { tps, fps, thresholds } = binaryCounts(scores, positive);
  const P = tps.at(-1) ?? 0;
  const precision = tps.map((t, i) => (t + fps[i]! === 0 ? 0 : t / (t + fps[i]!)));
  const recall = tps.map((t) => (P === 0 ? 1 : t / P));
  return {
    precision: [...precision.reverse(), 1],
    recall: [...recall.reverse(), 0],
    thresholds: [...thresholds].reverse(),
  };
}

/** Average precision (sklearn's `average_precision_score`, binary); null where undefined: no positives. */
export function averagePrecision(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number | null {
  if (!Array.from(positive).some(Boolean)) return null;
  const { precision, recall } = precisionRecallCurve(scores, positive);
  let ap = 0;
  for (let i = 0; i + 1 < recall.length; i++) ap -= (recall[i + 1]! - recall[i]!) * precision[i]!;
  return ap;
}

/** Counts with rows = true class, columns = predicted class (sklearn's `confusion_matrix`). */
export function confusionMatrix(
  trueClasses: ArrayLike<number>,
  predicted: ArrayLike<number>,
  numClasses: number,
): number[][] {
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < trueClasses.length; i++) m[trueClasses[i]!]![predicted[i]!]!++;
  return m;
}

/**
 * The predicted class, as Keras's accuracy metrics decide it: a single sigmoid unit says class 1 when p > 0.5;
 * softmax outputs the first largest probability.
 */
export function predictedClass(probabilities: number[], binary: boolean): number {
  if (binary) return probabilities[1]! > 0.5 ? 1 : 0;
  let best = 0;
  for (let k = 1; k < probabilities.length; k++) if (probabilities[k]! > probabilities[best]!) best = k;
  return best;
}

/** At most `maxPoints` points of a curve (every k-th, plus the last), for drawing; the areas use the whole curve. */
export function thinCurve<T>(points: T[], maxPoints: number): T[] {
  if (points.length <= maxPoints) return points;
  const stride = Math.ceil(points.length / (maxPoints - 1));
  return points.filter((_, i) => i % stride === 0 || i === points.length - 1);
}

export interface ClassCurves {
  /** The class scored one-vs-rest (binary: the positive class, index 1). */
  className: string;
  classIndex: number;
  positives: number;
  negatives: number;
  roc: { fpr: number; tpr: number }[];
  /** null: undefined, the class or its complement is absent from the validation split. */
  rocAuc: number | null;
  pr: { recall: number; precision: number }[];
  averagePrecision: number | null;
}

export interface MisclassifiedExample {
  /** Position in the validation split. */
  index: number;
  text: string;
  trueClass: number;
  predictedClass: number;
  /** The probability of the predicted class. */
  confidence: number;
  probabilities: number[];
}

/** A text classifier's diagnostics on its run's validation split. */
export interface ClassifierDiagnostics {
  classes: string[];
  /** One sigmoid unit (probabilities are [1 − p, p]) rather than a softmax. */
  binary: boolean;
  /** Validation examples. */
  count: number;
  accuracy: number;
  /** Rows: true class, columns: predicted class. */
  confusion: number[][];
  /** Binary: one curve, the positive class; multi-class: one-vs-rest per class. */
  curves: ClassCurves[];
  /** Means over the classes whose value is defined (binary: the one curve's). */
  macroRocAuc: number | null;
  macroAveragePrecision: number | null;
  /** The most confident mistakes first, at most `maxMisclassified`. */
  misclassified: MisclassifiedExample[];
  misclassifiedCount: number;
}

const mean = (xs: (number | null)[]): number | null => {
  const ok = xs.filter((x): x is number => x !== null);
  return ok.length === 0 ? null : ok.reduce((a, b) => a + b, 0) / ok.length;
};

/**
 * Everything the diagnostics view shows, from each example's class probabilities (binary: [1 − p, p]) and true
 * class. `texts[i]` is example i's text (cut to `maxTextChars` in the misclassified list).
 */
export function classifierDiagnostics(input: {
  classes: string[];
  binary: boolean;
  probabilities: number[][];
  trueClasses: number[];
  texts: string[];
  maxMisclassified?: number;
  maxCurvePoints?: number;
  maxTextChars?: number;
}): ClassifierDiagnostics {
  const { classes, binary, probabilities, trueClasses, texts } = input;
  const maxMisclassified = input.maxMisclassified ?? 50;
  const maxCurvePoints = input.maxCurvePoints ?? 400;
  const maxTextChars = input.maxTextChars ?? 600;
  const n = trueClasses.length;
  if (probabilities.length !== n || texts.length !== n)
    throw new Error('probabilities, true classes and texts differ in length');
  const predicted = probabilities.map((p) => predictedClass(p, binary));
  const confusion = confusionMatrix(trueClasses, predicted, classes.length);
  const correct = predicted.filter((p, i) => p === trueClasses[i]).length;
  const curveClasses = binary ? [1] : classes.map((_, k) => k);
  const curves = curveClasses.map((k): ClassCurves => {
    const scores = probabilities.map((p) => p[k]!);
    const positive = trueClasses.map((t) => t === k);
    const roc = rocCurve(scores, positive);
    const pr = precisionRecallCurve(scores, positive);
    const positives = positive.filter(Boolean).length;
    return {
      className: classes[k]!,
      classIndex: k,
      positives,
      negatives: n - positives,
      roc: thinCurve(
        roc.fpr.map((fpr, i) => ({ fpr, tpr: roc.tpr[i]! })),
        maxCurvePoints,
      ),
      rocAuc: rocAuc(scores, positive),
      pr: thinCurve(
        pr.recall.map((recall, i) => ({ recall, precision: pr.precision[i]! })),
        maxCurvePoints,
      ),
      averagePrecision: averagePrecision(scores, positive),
    };
  });
  const wrong: MisclassifiedExample[] = [];
  for (let i = 0; i < n; i++) {
    if (predicted[i] === trueClasses[i]) continue;
    const text = texts[i]!;
    wrong.push({
      index: i,
      text: text.length > maxTextChars ? `${text.slice(0, maxTextChars)}…` : text,
      trueClass: trueClasses[i]!,
      predictedClass: predicted[i]!,
      confidence: probabilities[i]![predicted[i]!]!,
      probabilities: probabilities[i]!,
    });
  }
  wrong.sort((a, b) => b.confidence - a.confidence || a.index - b.index);
  return {
    classes,
    binary,
    count: n,
    accuracy: n === 0 ? 0 : correct / n,
    confusion,
    curves,
    macroRocAuc: mean(curves.map((c) => c.rocAuc)),
    macroAveragePrecision: mean(curves.map((c) => c.averagePrecision)),
    misclassified: wrong.slice(0, maxMisclassified),
    misclassifiedCount: wrong.length,
  };
}

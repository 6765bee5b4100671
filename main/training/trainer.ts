/**
 * The training loop. Our own rather than `model.fit`, because fit's callbacks expose only loss and metrics, and
 * the studio shows the gradient norm of every layer on every batch (docs/research/tfjs-behaviour.md: computeGradients →
 * norms → applyGradients runs at the speed of fit, without leaks). The optimizer step and those norms are one pass
 * per variable in our kernels (kernels/optimizer.ts), with TF.js's arithmetic to the bit.
 */
import * as tf from '@tensorflow/tfjs';
import { createOptimizer, HiddenGradientProbe, probeKwargs } from './kernels/index.js';
import type { HostOptimizer } from './kernels/index.js';
import type { ResolvedTraining, LossName, MetricName } from '../../shared/model-spec.js';
import { metricMode } from '../../shared/training-records.js';
import type { BatchRecord, EpochRecord, TrainResult } from '../../shared/training-records.js';
import { mulberry32, shuffleInPlace } from './seeded-random.js';
import type { HiddenGradientSample } from '../../shared/gradient-flow.js';
import { histogram } from '../../shared/histograms.js';
import type { HistogramRecord, TensorHistogram } from '../../shared/histograms.js';

/** A set of samples that can hand out batches as tensors; windows and token rows are built on demand. */
export interface SampleSource {
  readonly count: number;
  /** Builds xs [b, …] and ys ([b, 1] for one output unit, [b] for class ids) for the given sample indices. */
  batch(indices: Int32Array): { xs: tf.Tensor; ys: tf.Tensor };
}

export interface TrainerData {
  train: SampleSource;
  val: SampleSource | null;
  test?: SampleSource | null;
}

export interface TrainerCallbacks {
  onBatch?(record: BatchRecord): void;
  onEpoch?(record: EpochRecord): void;
  /** Called while paused and when resumed, so hosts can show it. */
  onState?(state: 'running' | 'paused'): void;
  /** Sample ‖∂L/∂h_t‖ of every fused recurrent layer every this many batches (0 or absent: only on request). */
  hiddenGradientEvery?: number;
  onHiddenGradients?(sample: HiddenGradientSample): void;
  /** At the end of every epoch: a histogram of each trainable tensor and of its gradient on the epoch's last batch. */
  onHistograms?(record: HistogramRecord): void;
}

/** Pause, resume and stop, requested from outside (the worker's message handler) and honoured between batches. */
export class TrainingControl {
  private pausedWith: { promise: Promise<void>; resolve: () => void } | null = null;
  stopRequested = false;
  /** Set by requestGradientSample(): the next batch records the gradient flow through time. */
  gradientSampleRequested = false;

  requestGradientSample(): void {
    this.gradientSampleRequested = true;
  }

  get paused(): boolean {
    return this.pausedWith !== null;
  }

  pause(): void {
    if (this.pausedWith || this.stopRequested) return;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.pausedWith = { promise, resolve };
  }

  resume(): void {
    const p = this.pausedWith;
    this.pausedWith = null;
    p?.resolve();
  }

  stop(): void {
    this.stopRequested = true;
    this.resume();
  }

  /** Waits while paused. Resolves immediately otherwise. */
  async waitIfPaused(onState?: (s: 'running' | 'paused') => void): Promise<void> {
    if (!this.pausedWith) return;
    onState?.('paused');
    while (this.pausedWith) await this.pausedWith.promise;
    onState?.('running');
  }
}

// Keras's backend epsilon: probabilities are clipped to [eps, 1 - eps] before the log.
const EPSILON = 1e-7;

/** The loss as a scalar mean over the batch; predictions are probabilities for the crossentropies. */
export function computeLoss(name: LossName, yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    switch (name) {
      case 'binaryCrossentropy': {
        const p = tf.clipByValue(yPred, EPSILON, 1 - EPSILON);
        return tf.neg(
          tf.mean(tf.add(tf.mul(yTrue, tf.log(p)), tf.mul(tf.sub(1, yTrue), tf.log(tf.sub(1, p))))),
        ) as tf.Scalar;
      }
      case 'sparseCategoricalCrossentropy': {
        const p = tf.clipByValue(yPred, EPSILON, 1 - EPSILON);
        const oneHot = tf.oneHot(tf.cast(yTrue.flatten(), 'int32'), yPred.shape[yPred.shape.length - 1]!);
        return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.log(p)), -1))) as tf.Scalar;
      }
      case 'meanSquaredError':
        return tf.mean(tf.squaredDifference(yPred.reshape(yTrue.shape), yTrue)) as tf.Scalar;
      case 'meanAbsoluteError':
        return tf.mean(tf.abs(tf.sub(yPred.reshape(yTrue.shape), yTrue))) as tf.Scalar;
      default: {
        const never: never = name;
        throw new Error(`unknown loss ${String(never)}`);
      }
    }
  });
}

/** A metric as a scalar mean over the batch (Keras semantics: binary accuracy thresholds at 0.5). */
export function computeMetric(name: MetricName, loss: LossName, yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    switch (name) {
      case 'accuracy':
        if (loss === 'sparseCategoricalCrossentropy') {
          return tf.mean(
            tf.cast(tf.equal(tf.argMax(yPred, -1), tf.cast(yTrue.flatten(), 'int32')), 'float32'),
          ) as tf.Scalar;
        }
        return tf.mean(tf.cast(tf.equal(tf.cast(tf.greater(yPred, 0.5), 'float32'), yTrue), 'float32')) as tf.Scalar;
      case 'mae':
        return tf.mean(tf.abs(tf.sub(yPred.reshape(yTrue.shape), yTrue))) as tf.Scalar;
      default: {
        const never: never = name;
        throw new Error(`unknown metric ${String(never)}`);
      }
    }
  });
}

/** The optimizer with Keras's defaults for the other hyper-parameters (rho 0.9, betas 0.9/0.999, eps 1e-7). */
export function makeOptimizer(name: ResolvedTraining['optimizer'], learningRate: number): HostOptimizer {
  return createOptimizer(name, learningRate);
}

/** Evaluates a source in batches with dropout off; returns the mean of each log weighted by batch size. */
export function evaluate(
  model: tf.LayersModel,
  source: SampleSource,
  cfg: Pick<ResolvedTraining, 'loss' | 'metrics' | 'batchSize'>,
): Record<string, number> {
  const sums: Record<string, number> = { loss: 0 };
  for (const m of cfg.metrics) sums[m] = 0;
  for (let start = 0; start < source.count; start += cfg.batchSize) {
    const n = Math.min(cfg.batchSize, source.count - start);
    const idx = new Int32Array(n).map((_, i) => start + i);
    const values = tf.tidy(() => {
      const { xs, ys } = source.batch(idx);
      const pred = model.predictOnBatch(xs) as tf.Tensor;
      return tf.stack([
        computeLoss(cfg.loss, ys, pred),
        ...cfg.metrics.map((m) => computeMetric(m, cfg.loss, ys, pred)),
      ]);
    });
    const v = values.dataSync();
    values.dispose();
    sums.loss! += v[0]! * n;
    cfg.metrics.forEach((m, i) => (sums[m]! += v[i + 1]! * n));
  }
  for (const k of Object.keys(sums)) sums[k] = sums[k]! / Math.max(1, source.count);
  return sums;
}

/** The trainable variables, and for each layer that has some, the indices of its variables in `vars`. */
function variablesByLayer(model: tf.LayersModel): { vars: tf.Variable[]; layers: string[]; groups: number[][] } {
  const vars: tf.Variable[] = [];
  const layers: string[] = [];
  const groups: number[][] = [];
  for (const layer of model.layers) {
    const ws = layer.trainableWeights;
    if (ws.length === 0) continue;
    layers.push(layer.name);
    groups.push(ws.map((w) => vars.push(w.read() as tf.Variable) - 1));
  }
  return { vars, layers, groups };
}

/** Every trainable tensor's values now, binned, with its gradient histogram from the epoch's last batch. */
function weightHistograms(
  epoch: number,
  vars: tf.Variable[],
  layers: string[],
  groups: number[][],
  grads: (TensorHistogram | null)[] | null,
): HistogramRecord {
  const tensors: HistogramRecord['tensors'] = [];
  groups.forEach((g, li) => {
    for (const i of g) {
      const v = vars[i]!;
      // dataSync reads the variable's buffer without creating a tensor.
      tensors.push({
        name: v.name,
        layer: layers[li]!,
        shape: [...v.shape],
        values: histogram(v.dataSync()),
        gradients: grads?.[i] ?? null,
      });
    }
  });
  return { kind: 'histograms', epoch, tensors };
}

function snapshot(model: tf.LayersModel): tf.Tensor[] {
  return model.getWeights().map((w) => tf.keep(w.clone()));
}

/**
 * Trains `model` on `data`. Returns when the last epoch ends, early stopping triggers, `control.stop()` is called
 * or the loss stops being finite. The model keeps the best weights when `earlyStopping.restoreBestWeights`, and the
 * last finite weights after a NaN/Inf loss.
 */
export async function train(
  model: tf.LayersModel,
  data: TrainerData,
  cfg: ResolvedTraining,
  callbacks: TrainerCallbacks = {},
  control: TrainingControl = new TrainingControl(),
): Promise<TrainResult> {
  const started = performance.now();
  const random = mulberry32(cfg.seed ^ 0x5bd1e995);
  const optimizer = makeOptimizer(cfg.optimizer, cfg.learningRate);
  const { vars, layers, groups } = variablesByLayer(model);
  const order = new Int32Array(data.train.count).map((_, i) => i);
  const batches = Math.ceil(data.train.count / cfg.batchSize);
  if (batches === 0) throw new Error('The training set is empty: no samples to train on.');
  const es = cfg.earlyStopping;
  const monitor = es?.monitor ?? null;
  const mode = monitor ? metricMode(monitor) : 'min';
  let best: { value: number; epoch: number; logs: Record<string, number>; weights: tf.Tensor[] | null } | null = null;
  let lastGood: tf.Tensor[] = snapshot(model);
  let lastLogs: Record<string, number> = {};
  let wait = 0;
  let status: TrainResult['status'] = 'completed';
  let reason: string | null = null;
  let epochsRun = 0;
  const epochSeconds: number[] = [];
  const every = callbacks.hiddenGradientEvery ?? 0;
  let globalBatch = 0;
  const wantHistograms = callbacks.onHistograms !== undefined;

  try {
    for (let epoch = 0; epoch < cfg.epochs; epoch++) {
      const epochStart = performance.now();
      if (cfg.shuffle) shuffleInPlace(order, random);
      const sums: Record<string, number> = {};
      const normSums: Record<string, number> = {};
      let lastGradHistograms: (TensorHistogram | null)[] | null = null;
      let globalSum = 0;
      let seen = 0;
      for (let b = 0; b < batches; b++) {
        // Yield to the event loop so pause/stop messages are received between batches.
        await new Promise<void>((r) => setImmediate(r));
        await control.waitIfPaused(callbacks.onState);
        if (control.stopRequested) break;
        const idx = order.subarray(b * cfg.batchSize, Math.min((b + 1) * cfg.batchSize, order.length));
        const sample =
          callbacks.onHiddenGradients !== undefined &&
          ((every > 0 && globalBatch % every === 0) || control.gradientSampleRequested);
        if (sample) control.gradientSampleRequested = false;
        // The epoch's last batch bins its gradients (read on the host before the optimizer step; no tensor is kept).
        const { lossValue, metricValues, sq, hidden, gradHistograms } = step(
          model,
          data.train,
          idx,
          cfg,
          optimizer,
          vars,
          groups,
          sample,
          wantHistograms && b === batches - 1,
        );
        if (gradHistograms) lastGradHistograms = gradHistograms;
        if (hidden && hidden.size > 0) {
          const norms: Record<string, number[]> = {};
          for (const [k, v] of hidden) norms[k] = Array.from(v);
          callbacks.onHiddenGradients!({ kind: 'hidden', epoch, batch: b, step: globalBatch, norms });
        }
        globalBatch++;
        if (!Number.isFinite(lossValue)) {
          status = 'failed';
          reason = `The loss became ${lossValue} at epoch ${epoch + 1}, batch ${b + 1}; training stopped and the weights from the end of the last good epoch were kept. Try a lower learning rate or set clipnorm.`;
          model.setWeights(lastGood);
          break;
        }
        const n = idx.length;
        seen += n;
        const logs: Record<string, number> = { loss: lossValue };
        cfg.metrics.forEach((m, i) => (logs[m] = metricValues[i]!));
        for (const [k, v] of Object.entries(logs)) sums[k] = (sums[k] ?? 0) + v * n;
        const gradNorms: Record<string, number> = {};
        let global = 0;
        layers.forEach((name, i) => {
          gradNorms[name] = Math.sqrt(sq[i]!);
          global += sq[i]!;
          normSums[name] = (normSums[name] ?? 0) + gradNorms[name]!;
        });
        const globalGradNorm = Math.sqrt(global);
        globalSum += globalGradNorm;
        const elapsedEpoch = (performance.now() - epochStart) / 1000;
        const perEpoch = (elapsedEpoch / (b + 1)) * batches;
        callbacks.onBatch?.({
          kind: 'batch',
          epoch,
          batch: b,
          batches,
          logs,
          gradNorms,
          globalGradNorm,
          elapsedMs: performance.now() - started,
          etaSeconds: perEpoch - elapsedEpoch + perEpoch * (cfg.epochs - epoch - 1),
        });
      }
      if (status === 'failed' || seen === 0) break;
      // Stopped between batches: a partial epoch is not an epoch (no record, not counted in epochsRun).
      if (seen < data.train.count) {
        reason = `Stopped by the user during epoch ${epoch + 1} after ${Math.ceil(seen / cfg.batchSize)} of ${batches} batches; that partial epoch is not counted.`;
        break;
      }
      const batchesRun = Math.ceil(seen / cfg.batchSize);
      const logs: Record<string, number> = {};
      for (const [k, v] of Object.entries(sums)) logs[k] = v / seen;
      if (data.val && data.val.count > 0) {
        for (const [k, v] of Object.entries(evaluate(model, data.val, cfg))) logs[`val_${k}`] = v;
      }
      epochsRun = epoch + 1;
      lastLogs = logs;
      tf.dispose(lastGood);
      lastGood = snapshot(model);

      let bestEpoch: number | null = null;
      if (es && monitor) {
        const value = logs[monitor];
        if (value === undefined)
          throw new Error(
            `Early stopping monitors "${monitor}", which this run does not log. Logged: ${Object.keys(logs).join(', ')}.`,
          );
        const improved =
          !best || (mode === 'min' ? value < best.value - es.minDelta : value > best.value + es.minDelta);
        if (improved) {
          if (best?.weights) tf.dispose(best.weights);
          best = { value, epoch, logs, weights: es.restoreBestWeights ? snapshot(model) : null };
          wait = 0;
        } else {
          wait++;
        }
        bestEpoch = best!.epoch;
      }
      const seconds = (performance.now() - epochStart) / 1000;
      epochSeconds.push(seconds);
      const mean = epochSeconds.reduce((a, s) => a + s, 0) / epochSeconds.length;
      const gradNorms: Record<string, number> = {};
      for (const [k, v] of Object.entries(normSums)) gradNorms[k] = v / batchesRun;
      callbacks.onEpoch?.({
        kind: 'epoch',
        epoch,
        epochs: cfg.epochs,
        logs,
        gradNorms,
        globalGradNorm: globalSum / batchesRun,
        seconds,
        etaSeconds: mean * (cfg.epochs - epoch - 1),
        numTensors: tf.memory().numTensors,
        bestEpoch,
      });
      if (wantHistograms) callbacks.onHistograms!(weightHistograms(epoch, vars, layers, groups, lastGradHistograms));
      if (control.stopRequested) {
        status = 'stopped';
        reason = `Stopped by the user during epoch ${epoch + 1}.`;
        break;
      }
      // Keras's EarlyStopping: stop once `patience` epochs in a row brought no improvement.
      if (es && wait >= es.patience && wait > 0) {
        status = 'early-stopped';
        reason = `${monitor} did not improve for ${wait} epoch(s) after epoch ${best!.epoch + 1} (patience ${es.patience}).`;
        break;
      }
    }
    if (control.stopRequested && status === 'completed') {
      status = 'stopped';
      reason ??= 'Stopped by the user.';
    }
    let restored = false;
    let finalLogs = lastLogs;
    if (best?.weights && best.epoch !== epochsRun - 1 && status !== 'failed') {
      model.setWeights(best.weights);
      restored = true;
      // That epoch's logs were computed with exactly these weights.
      finalLogs = best.logs;
    }
    const testLogs = data.test && data.test.count > 0 ? evaluate(model, data.test, cfg) : null;
    return {
      status,
      reason,
      epochsRun,
      finalLogs,
      bestEpoch: best?.epoch ?? null,
      restoredBestWeights: restored,
      testLogs,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    tf.dispose(lastGood);
    if (best?.weights) tf.dispose(best.weights);
  }
}

/**
 * Times real training steps on the first batches of `source` (the weights change; use a throwaway model): at least
 * `minSteps`, then more while the steps after the first add up to less than `budgetSeconds`, at most `maxSteps`;
 * then `evalSteps` validation batches. Seconds of each, first (warm-up) included, in order.
 */
export function probeSteps(
  model: tf.LayersModel,
  source: SampleSource,
  val: SampleSource | null,
  cfg: ResolvedTraining,
  opts: { minSteps: number; maxSteps: number; budgetSeconds: number; evalSteps: number },
): { train: number[]; val: number[] } {
  const optimizer = makeOptimizer(cfg.optimizer, cfg.learningRate);
  const { vars, groups } = variablesByLayer(model);
  const train: number[] = [];
  const valTimes: number[] = [];
  const batches = Math.max(1, Math.ceil(source.count / cfg.batchSize));
  let timed = 0;
  // Batches as the loop draws them: a shuffled order (windows and token rows gathered from all over the data).
  const order = new Int32Array(source.count).map((_, i) => i);
  if (cfg.shuffle) shuffleInPlace(order, mulberry32(cfg.seed ^ 0x5bd1e995));
  for (let i = 0; i < opts.maxSteps && (i < opts.minSteps || timed < opts.budgetSeconds); i++) {
    const start = (i % batches) * cfg.batchSize;
    const idx = order.subarray(start, Math.min(start + cfg.batchSize, order.length));
    const t0 = performance.now();
    step(model, source, idx, cfg, optimizer, vars, groups);
    train.push((performance.now() - t0) / 1000);
    if (i > 0) timed += train[i]!;
  }
  if (val && val.count > 0) {
    for (let i = 0; i < opts.evalSteps; i++) {
      const n = Math.min(cfg.batchSize, val.count);
      const sub: SampleSource = { count: n, batch: (ix) => val.batch(ix) };
      const t0 = performance.now();
      evaluate(model, sub, cfg);
      valTimes.push((performance.now() - t0) / 1000);
    }
  }
  return { train, val: valTimes };
}

/** One optimizer step; returns the loss, the metrics and the squared gradient norm of each layer (pre-clipping). */
function step(
  model: tf.LayersModel,
  source: SampleSource,
  idx: Int32Array,
  cfg: ResolvedTraining,
  optimizer: HostOptimizer,
  vars: tf.Variable[],
  groups: number[][],
  recordHidden = false,
  binGradients = false,
): {
  lossValue: number;
  metricValues: number[];
  sq: number[];
  hidden: Map<string, Float32Array> | null;
  gradHistograms: (TensorHistogram | null)[] | null;
} {
  let metrics: tf.Scalar[] = [];
  let gradHistograms: (TensorHistogram | null)[] | null = null;
  // The fused kernels report ‖∂L/∂h_t‖ per timestep while they backpropagate anyway: next to no extra cost.
  const probe = recordHidden ? new HiddenGradientProbe() : null;
  let perVar: number[] = [];
  const summary = tf.tidy(() => {
    const { xs, ys } = source.batch(idx);
    const { value, grads } = tf.variableGrads(() => {
      const pred = model.apply(xs, probe ? probeKwargs(probe) : { training: true }) as tf.Tensor;
      // Metrics come from the same forward pass; kept so they survive the gradient scope's cleanup.
      metrics = cfg.metrics.map((m) => tf.keep(computeMetric(m, cfg.loss, ys, pred)));
      return computeLoss(cfg.loss, ys, pred);
    }, vars);
    if (binGradients) gradHistograms = vars.map((v) => (grads[v.name] ? histogram(grads[v.name]!.dataSync()) : null));
    // The optimizer reads every gradient once and returns its squared norm (pre-clipping) on the way.
    perVar = optimizer.step(
      vars,
      vars.map((v) => grads[v.name]),
      cfg.clipnorm,
    );
    return tf.concat([tf.reshape(value, [1]), ...metrics.map((m) => tf.reshape(m, [1]))]);
  });
  tf.dispose(metrics);
  const v = summary.dataSync();
  summary.dispose();
  const k = cfg.metrics.length;
  const sq = groups.map((g) => g.reduce((a, i) => a + perVar[i]!, 0));
  return {
    lossValue: v[0]!,
    metricValues: Array.from(v.subarray(1, 1 + k)),
    sq,
    hidden: probe?.norms ?? null,
    gradHistograms,
  };
}

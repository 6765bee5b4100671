// Real training on tiny data: the loop learns, reports every layer's gradient norm, repeats with a seed, keeps
// memory flat, honours clipnorm, early stopping, pause, resume and stop.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { train, TrainingControl, evaluate } from './trainer.js';
import { ArraySource } from './sources.js';
import { buildModel } from './build-model.js';
import { initBackend } from './backend.js';
import { withSeededRandom, mulberry32 } from './seeded-random.js';
import { resolveTraining } from '../../shared/model-spec.js';
import type { ModelSpec, TrainingSpec } from '../../shared/model-spec.js';
import type { BatchRecord, EpochRecord } from '../../shared/training-records.js';

before(async () => {
  await initBackend('wasm');
});

const LEN = 10;
const VOCAB = 30;

/** Label 1 when token 7 occurs in the sequence: learnable by an Embedding+LSTM in a few epochs. */
function tokenTask(n: number, seed: number): ArraySource {
  const rnd = mulberry32(seed);
  const x = new Int32Array(n * LEN);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const positive = rnd() < 0.5;
    for (let t = 0; t < LEN; t++) x[i * LEN + t] = 2 + Math.floor(rnd() * (VOCAB - 2));
    for (let t = 0; t < LEN; t++) if (x[i * LEN + t] === 7) x[i * LEN + t] = 8;
    if (positive) x[i * LEN + Math.floor(rnd() * LEN)] = 7;
    y[i] = positive ? 1 : 0;
  }
  return new ArraySource(x, [LEN], y, true);
}

function textSpec(training: TrainingSpec = {}, recurrent: Record<string, number | boolean> = {}): ModelSpec {
  return {
    format: 1,
    name: 'tiny',
    input: { kind: 'tokens', vocabSize: VOCAB, length: LEN },
    layers: [
      { className: 'Embedding', config: { inputDim: VOCAB, outputDim: 8 } },
      { className: 'LSTM', config: { units: 8, ...recurrent } },
      { className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
    ],
    training: { optimizer: 'adam', learningRate: 0.01, batchSize: 32, epochs: 3, seed: 7, ...training },
  };
}

async function run(
  spec: ModelSpec,
  data = { train: tokenTask(256, 1), val: tokenTask(64, 2) },
  control?: TrainingControl,
) {
  const cfg = resolveTraining(spec);
  return withSeededRandom(cfg.seed, async () => {
    const { model } = buildModel(spec);
    const batches: BatchRecord[] = [];
    const epochs: EpochRecord[] = [];
    const states: string[] = [];
    const result = await train(
      model,
      data,
      cfg,
      {
        onBatch: (r) => batches.push(r),
        onEpoch: (r) => epochs.push(r),
        onState: (s) => states.push(s),
      },
      control,
    );
    return { model, result, batches, epochs, states, cfg };
  });
}

test('learns a token task: loss falls, accuracy in range, every layer has a gradient norm', async () => {
  const { model, result, batches, epochs } = await run(textSpec({ epochs: 6 }));
  assert.equal(result.status, 'completed');
  assert.equal(epochs.length, 6);
  assert.ok(
    epochs[5]!.logs.loss! < epochs[0]!.logs.loss! * 0.8,
    `loss ${epochs[0]!.logs.loss} → ${epochs[5]!.logs.loss}`,
  );
  for (const e of epochs) {
    assert.ok(e.logs.accuracy! >= 0 && e.logs.accuracy! <= 1);
    assert.ok(e.logs.val_accuracy! >= 0 && e.logs.val_accuracy! <= 1);
  }
  assert.ok(epochs[5]!.logs.val_accuracy! > 0.7, `val_accuracy ${epochs[5]!.logs.val_accuracy}`);
  assert.equal(batches.length, 6 * 8);
  const b = batches[0]!;
  assert.deepEqual(Object.keys(b.gradNorms), ['embedding', 'lstm', 'dense']);
  const sumSq = Object.values(b.gradNorms).reduce((s, v) => s + v * v, 0);
  assert.ok(Math.abs(Math.sqrt(sumSq) - b.globalGradNorm) < 1e-4 * b.globalGradNorm);
  for (const v of Object.values(b.gradNorms)) assert.ok(v > 0 && Number.isFinite(v));
  model.dispose();
});

test('tf.memory().numTensors is the same after every epoch', async () => {
  const { model, epochs } = await run(textSpec({ epochs: 4 }, { dropout: 0.2, recurrentDropout: 0.2 }));
  const counts = epochs.map((e) => e.numTensors);
  assert.ok(
    counts.every((c) => c === counts[0]),
    `numTensors per epoch: ${counts.join(', ')}`,
  );
  model.dispose();
});

test('the same seed repeats a run exactly, dropout and recurrentDropout included; another seed does not', async () => {
  const spec = textSpec({ epochs: 2 }, { dropout: 0.3, recurrentDropout: 0.3 });
  const a = await run(spec);
  const b = await run(spec);
  const c = await run({ ...spec, training: { ...spec.training, seed: 8 } });
  assert.deepEqual(
    a.epochs.map((e) => e.logs),
    b.epochs.map((e) => e.logs),
  );
  assert.notDeepEqual(
    a.epochs.map((e) => e.logs),
    c.epochs.map((e) => e.logs),
  );
  [a, b, c].forEach((r) => r.model.dispose());
});

test('dropout is active in training only', async () => {
  const spec = textSpec({}, { dropout: 0.5, recurrentDropout: 0.5 });
  const { model } = buildModel(spec);
  const { xs } = tokenTask(16, 3).batch(new Int32Array(16).map((_, i) => i));
  const p1 = model.predict(xs) as tf.Tensor;
  const p2 = model.predict(xs) as tf.Tensor;
  const t1 = model.apply(xs, { training: true }) as tf.Tensor;
  const t2 = model.apply(xs, { training: true }) as tf.Tensor;
  assert.deepEqual(p1.dataSync(), p2.dataSync());
  assert.notDeepEqual(t1.dataSync(), t2.dataSync());
  tf.dispose([xs, p1, p2, t1, t2]);
  model.dispose();
});

test('clipnorm bounds each gradient tensor: one sgd step moves no weight tensor further than lr × clipnorm', async () => {
  const spec = textSpec({ optimizer: 'sgd', learningRate: 1, clipnorm: 0.01, epochs: 1, batchSize: 256 });
  const cfg = resolveTraining(spec);
  const { model } = buildModel(spec);
  const before = model.getWeights().map((w) => w.clone());
  await train(model, { train: tokenTask(256, 1), val: null }, cfg);
  const after = model.getWeights();
  before.forEach((w, i) => {
    const moved = tf.norm(tf.sub(after[i]!, w)).dataSync()[0]!;
    assert.ok(moved <= 0.01 + 1e-6, `weight ${i} moved ${moved}`);
  });
  tf.dispose(before);
  model.dispose();
});

test('early stopping stops after `patience` epochs without improvement and restores the best weights', async () => {
  // minDelta so large that no epoch after the first counts as an improvement.
  const spec = textSpec({ epochs: 10, earlyStopping: { patience: 2, minDelta: 1e9, restoreBestWeights: true } });
  const { model, result, epochs, cfg } = await run(spec);
  assert.equal(result.status, 'early-stopped');
  assert.equal(epochs.length, 3);
  assert.equal(result.bestEpoch, 0);
  assert.equal(result.restoredBestWeights, true);
  assert.deepEqual(
    result.finalLogs,
    epochs[0]!.logs,
    "the final logs are the restored epoch's, training logs included",
  );
  const val = evaluate(model, tokenTask(64, 2), cfg);
  assert.ok(
    Math.abs(val.loss! - epochs[0]!.logs.val_loss!) < 1e-5,
    `restored val_loss ${val.loss} vs epoch 1 ${epochs[0]!.logs.val_loss}`,
  );
  model.dispose();
});

test('pause holds training until resume; stop ends it with status "stopped"', async () => {
  const control = new TrainingControl();
  const spec = textSpec({ epochs: 5 });
  const cfg = resolveTraining(spec);
  const { model } = buildModel(spec);
  const states: string[] = [];
  let batchesWhilePaused = 0;
  let epochRecords = 0;
  const result = await train(
    model,
    { train: tokenTask(128, 1), val: null },
    cfg,
    {
      onEpoch: () => epochRecords++,
      onBatch: (r) => {
        if (control.paused) batchesWhilePaused++;
        if (r.epoch === 0 && r.batch === 1) control.pause();
        if (r.epoch === 1 && r.batch === 0) control.stop();
      },
      onState: (s) => {
        states.push(s);
        // Resume from the paused callback itself: the loop must be blocked until then.
        if (s === 'paused') setImmediate(() => control.resume());
      },
    },
    control,
  );
  assert.deepEqual(states, ['paused', 'running']);
  assert.equal(batchesWhilePaused, 0);
  assert.equal(result.status, 'stopped');
  // Stopped after the first batch of epoch 2: only the complete epoch counts; the partial one sends no record.
  assert.equal(result.epochsRun, 1);
  assert.equal(epochRecords, 1);
  assert.equal(
    result.reason,
    'Stopped by the user during epoch 2 after 1 of 4 batches; that partial epoch is not counted.',
  );
  model.dispose();
});

test('a NaN loss fails the run with a message and keeps the last good weights', async () => {
  const spec: ModelSpec = {
    format: 1,
    name: 'nan',
    input: { kind: 'floats', timesteps: 4, features: 2 },
    layers: [
      { className: 'GRU', config: { units: 3 } },
      { className: 'Dense', config: { units: 1 } },
    ],
    training: { loss: 'meanSquaredError', batchSize: 8, epochs: 3 },
  };
  const cfg = resolveTraining(spec);
  const { model } = buildModel(spec);
  const initial = model.getWeights().map((w) => Array.from(w.dataSync()));
  const x = new Float32Array(16 * 8).map((_, i) => Math.sin(i));
  const y = new Float32Array(16).fill(1);
  y[12] = NaN; // a bad label in the second batch
  const result = await train(
    model,
    { train: new ArraySource(x, [4, 2], y, true), val: null },
    { ...cfg, shuffle: false },
  );
  assert.equal(result.status, 'failed');
  assert.match(result.reason!, /The loss became NaN at epoch 1, batch 2; training stopped/);
  // The first batch's update was good but the epoch never ended: the weights go back to the start of the epoch.
  assert.deepEqual(
    model.getWeights().map((w) => Array.from(w.dataSync())),
    initial,
  );
  model.dispose();
});

// Issue #15: weight and gradient histograms at the end of every epoch — written by the worker to histograms.jsonl
// (one line per epoch), sent as `histograms` events, bins summing to each tensor's size, and no tensor leaked.
import { test, before } from 'node:test';
import { checkSpec } from '../../shared/shape-inference.js';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { executeRun } from './run.js';
import { TrainingControl, train } from './trainer.js';
import { ArraySource } from './sources.js';
import { buildModel } from './build-model.js';
import { initBackend } from './backend.js';
import { mulberry32, withSeededRandom } from './seeded-random.js';
import { resolveTraining } from '../../shared/model-spec.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import type { WorkerEvent } from '../../shared/worker-protocol.js';
import { HISTOGRAM_BINS } from '../../shared/histograms.js';
import type { HistogramRecord } from '../../shared/histograms.js';

before(async () => {
  await initBackend('wasm');
});

const spec: ModelSpec = {
  format: 1,
  name: 'hist',
  input: { kind: 'tokens', vocabSize: 30, length: 6 },
  layers: [
    { className: 'Embedding', config: { inputDim: 30, outputDim: 4 } },
    { className: 'LSTM', config: { units: 5 } },
    { className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
  ],
  training: { optimizer: 'adam', batchSize: 8, epochs: 2, clipnorm: 1, seed: 5 },
};

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function checkRecords(records: HistogramRecord[]) {
  assert.deepEqual(
    records.map((r) => r.epoch),
    [0, 1],
  );
  for (const r of records) {
    // embeddings; LSTM kernel, recurrent kernel, bias; Dense kernel, bias.
    assert.equal(r.tensors.length, 6, r.tensors.map((t) => t.name).join(', '));
    assert.deepEqual([...new Set(r.tensors.map((t) => t.layer))].length, 3);
    for (const t of r.tensors) {
      assert.equal(t.values.counts.length, HISTOGRAM_BINS);
      assert.equal(
        t.values.counts.reduce((a, b) => a + b, 0),
        size(t.shape),
        `${t.name} values`,
      );
      assert.ok(t.values.min <= t.values.mean && t.values.mean <= t.values.max, t.name);
      assert.ok(t.gradients, `${t.name} has gradients`);
      assert.equal(
        t.gradients.counts.reduce((a, b) => a + b, 0),
        size(t.shape),
        `${t.name} gradients`,
      );
      assert.ok(t.gradients.std >= 0);
    }
  }
  // Training moved the weights between the epochs.
  assert.notDeepEqual(records[0]!.tensors[1]!.values, records[1]!.tensors[1]!.values);
}

test("trainer: 2 epochs give 2 histogram records, bins sum to each tensor's size, no tensor leaked", async () => {
  const rnd = mulberry32(3);
  const make = (n: number) =>
    new ArraySource(
      new Int32Array(n * 6).map(() => 1 + Math.floor(rnd() * 29)),
      [6],
      new Float32Array(n).map(() => (rnd() < 0.5 ? 1 : 0)),
      true,
    );
  const run = async (withHistograms: boolean) => {
    const records: HistogramRecord[] = [];
    const counts: number[] = [];
    const before = tf.memory().numTensors;
    await withSeededRandom(5, async () => {
      const { model } = buildModel(spec);
      await train(model, { train: make(40), val: make(16) }, resolveTraining(spec), {
        onEpoch: () => counts.push(tf.memory().numTensors - before),
        ...(withHistograms ? { onHistograms: (r: HistogramRecord) => records.push(r) } : {}),
      });
      model.dispose();
    });
    return { records, counts, leftover: tf.memory().numTensors - before };
  };
  const plain = await run(false);
  const withHist = await run(true);
  checkRecords(withHist.records);
  // Binning reads buffers only: the same tensors live after each epoch, and after the run, as without it.
  assert.deepEqual(withHist.counts, plain.counts);
  assert.equal(withHist.counts[0], withHist.counts[1]);
  assert.equal(withHist.leftover, plain.leftover);
});

test('worker run: histograms.jsonl holds one line per epoch and each arrives as a histograms event', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-hist-'));
  const rows = ['text,label'];
  for (let i = 0; i < 60; i++) rows.push(i % 2 ? `"good fine nice ok",1` : `"bad awful poor no",0`);
  writeFileSync(join(dir, 'two.csv'), rows.join('\n'));
  const runSpec: ModelSpec = { ...spec, data: { kind: 'text', path: 'two.csv', valFraction: 0.2 } };
  const events: WorkerEvent[] = [];
  const outDir = join(dir, 'run');
  await executeRun(
    checkSpec(runSpec),
    dir,
    { backend: 'wasm', outDir, batchThrottleMs: 0 },
    (e) => events.push(e),
    new TrainingControl(),
  );
  const error = events.find((e) => e.type === 'error');
  assert.equal(error, undefined, JSON.stringify(error));
  const lines = readFileSync(join(outDir, 'histograms.jsonl'), 'utf8').trim().split('\n');
  assert.equal(lines.length, 2);
  const onDisk = lines.map((l) => JSON.parse(l) as HistogramRecord);
  checkRecords(onDisk);
  const sent = events.flatMap((e) => (e.type === 'histograms' ? [e.record] : []));
  assert.deepEqual(sent, onDisk);
  // Each histograms event follows its epoch's record.
  const order = events.filter((e) => e.type === 'epoch' || e.type === 'histograms').map((e) => e.type);
  assert.deepEqual(order, ['epoch', 'histograms', 'epoch', 'histograms']);
});

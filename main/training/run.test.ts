// executeRun in-process: the event sequence of a real run, and every failure arriving as an error event of the
// right stage instead of an exception.
import { test } from 'node:test';
import { checkSpec } from '../../shared/shape-inference.js';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executeRun } from './run.js';
import { TrainingControl } from './trainer.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import type { WorkerEvent } from '../../shared/worker-protocol.js';

async function collect(spec: ModelSpec, specDir: string, outDir: string | null = null): Promise<WorkerEvent[]> {
  const events: WorkerEvent[] = [];
  await executeRun(
    checkSpec(spec),
    specDir,
    { backend: 'wasm', outDir, batchThrottleMs: 0 },
    (e) => events.push(e),
    new TrainingControl(),
  );
  return events;
}

function threeClassCsv(dir: string): string {
  const words: Record<string, string[]> = {
    sport: ['goal', 'match', 'team', 'score'],
    food: ['bread', 'soup', 'salt', 'cook'],
    tech: ['chip', 'code', 'disk', 'wifi'],
  };
  const rows = ['text,label'];
  let k = 0;
  for (let i = 0; i < 90; i++) {
    const label = Object.keys(words)[i % 3]!;
    const w = words[label]!;
    rows.push(`"the ${w[k++ % 4]} and the ${w[k++ % 4]}, ok",${label}`);
  }
  const path = join(dir, 'three.csv');
  writeFileSync(path, rows.join('\n'));
  return path;
}

const textSpec = (units: number): ModelSpec => ({
  format: 1,
  name: 'three-classes',
  input: { kind: 'tokens', vocabSize: 20, length: 6 },
  layers: [
    { className: 'Embedding', config: { inputDim: 20, outputDim: 8 } },
    { className: 'GRU', config: { units: 8 } },
    { className: 'Dense', config: { units, activation: 'softmax' } },
  ],
  training: { loss: 'sparseCategoricalCrossentropy', optimizer: 'adam', learningRate: 0.02, epochs: 8, batchSize: 16 },
  data: { kind: 'text', path: 'three.csv', valFraction: 0.2 },
});

test('a multi-class text run: backend, data, model, batches, epochs, saved, done — and it learns', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-run-'));
  threeClassCsv(dir);
  const events = await collect(textSpec(3), dir, join(dir, 'out'));
  const types = events.map((e) => e.type);
  // The first batch samples the gradient flow through time (every 5th batch): its event comes before the batch records.
  // Each epoch record is followed by that epoch's weight/gradient histograms.
  assert.deepEqual(
    [...new Set(types)],
    ['backend', 'data', 'model', 'gradient-flow', 'batches', 'epoch', 'histograms', 'saved', 'done'],
  );
  assert.ok(existsSync(join(dir, 'out', 'gradient-flow.jsonl')));
  assert.ok(existsSync(join(dir, 'out', 'histograms.jsonl')));
  const data = events.find((e) => e.type === 'data');
  assert.ok(data?.type === 'data' && data.summary.kind === 'text');
  assert.deepEqual(data.summary.classNames, ['food', 'sport', 'tech']);
  assert.deepEqual(data.summary.split, { train: 72, val: 18, test: 0 });
  const done = events.at(-1);
  assert.ok(done?.type === 'done');
  assert.ok(done.result.finalLogs.val_accuracy! > 0.9, JSON.stringify(done.result.finalLogs));
  assert.ok(existsSync(join(dir, 'out', 'model', 'model.json')));
  assert.ok(existsSync(join(dir, 'out', 'preprocessing.json')));
});

test('a run builds from the analysis its entry point made instead of analysing the spec again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-run-'));
  threeClassCsv(dir);
  const checked = checkSpec({ ...textSpec(3), training: { ...textSpec(3).training, epochs: 1 } });
  // A name only the entry's analysis holds: a second analysis would name the layer gru_1 again.
  checked.analysis = {
    ...checked.analysis,
    layers: checked.analysis.layers.map((l, i) => (i === 1 ? { ...l, name: 'gru_named_at_entry' } : l)),
  };
  const events: WorkerEvent[] = [];
  const outDir = join(dir, 'out');
  await executeRun(
    checked,
    dir,
    { backend: 'wasm', outDir, batchThrottleMs: 0 },
    (e) => events.push(e),
    new TrainingControl(),
  );
  assert.equal(events.at(-1)?.type, 'done', JSON.stringify(events.at(-1)));
  const saved = readFileSync(join(outDir, 'model', 'model.json'), 'utf8');
  assert.match(saved, /"name":"gru_named_at_entry"/);
});

test('errors arrive as events with their stage', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-run-'));
  threeClassCsv(dir);
  const cases: [ModelSpec, string, RegExp][] = [
    [{ ...textSpec(3), layers: [] }, 'spec', /The model has no layers/],
    [
      textSpec(4),
      'data',
      /the data has 3 classes \(food, sport, tech\), so the output layer needs units=3\. Received: units=4\./,
    ],
    [{ ...textSpec(3), data: { kind: 'text', path: 'missing-folder' } }, 'data', /missing-folder/],
    [
      {
        ...textSpec(1),
        layers: [
          textSpec(1).layers[0]!,
          textSpec(1).layers[1]!,
          { className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
        ],
        training: { loss: 'binaryCrossentropy' },
      },
      'data',
      /binaryCrossentropy needs exactly 2 classes, but the data has 3: food, sport, tech/,
    ],
  ];
  for (const [spec, stage, pattern] of cases) {
    const events = await collect(spec, dir);
    const last = events.at(-1);
    assert.ok(last?.type === 'error', `expected an error, got ${JSON.stringify(last)}`);
    assert.equal(last.stage, stage);
    assert.match(last.message, pattern);
  }
});

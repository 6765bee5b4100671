import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunDetail } from '../../shared/api.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import type { BatchRecord, EpochRecord } from '../../shared/training-records.js';
import { applyRunEvent, mergeDetail, newRunLive, progressFraction, runFromDetail } from '../api/run-state.js';
import { blankSpec, initialProjectState, isDirty, projectReducer } from './project-state.js';
import { RunStore } from '../api/run-store.js';
import { gradNormChartData, metricKeyOf, scalarChartData, compareEpochRows } from '../training/chart-data.js';

const spec: ModelSpec = { ...blankSpec(), layers: [{ className: 'Embedding', id: 'e' }], training: { epochs: 4 } };

function batch(epoch: number, b: number, batches = 10, loss = 1 / (epoch * batches + b + 1)): BatchRecord {
  return {
    kind: 'batch',
    epoch,
    batch: b,
    batches,
    logs: { loss, accuracy: 0.5 },
    gradNorms: { lstm: 0.5, dense: 0 },
    globalGradNorm: 0.5,
    elapsedMs: 0,
    etaSeconds: 40 - epoch * 10 - b,
  };
}
function epochRecord(epoch: number): EpochRecord {
  return {
    kind: 'epoch',
    epoch,
    epochs: 4,
    logs: { loss: 0.5, val_loss: 0.6 - epoch * 0.1, accuracy: 0.7, val_accuracy: 0.6 },
    gradNorms: {},
    globalGradNorm: 1,
    seconds: 2,
    etaSeconds: 6 - epoch * 2,
    numTensors: 10,
    bestEpoch: epoch,
  };
}

test('run events: one new object per message, progress and status follow, per-batch points are capped', () => {
  let run = newRunLive('r1', spec, 0);
  assert.equal(run.epochsPlanned, 4);
  run = applyRunEvent(run, { type: 'backend', backend: { name: 'wasm', tfjsVersion: '4.22.0', detail: 'x' } }, 1);
  assert.equal(run.status, 'running');
  const records = Array.from({ length: 10 }, (_, b) => batch(0, b));
  const before = run;
  run = applyRunEvent(run, { type: 'batches', records }, 2, 6);
  assert.notEqual(run, before);
  assert.equal(run.lastUpdate, 2);
  assert.deepEqual(run.progress, { epoch: 0, batch: 9, batches: 10, etaSeconds: 31, epochDone: false });
  assert.ok(run.batches.points.length <= 6);
  assert.equal(run.batches.seen, 10);
  assert.equal(progressFraction(run), 0.25);
  run = applyRunEvent(run, { type: 'epoch', record: epochRecord(0) }, 3);
  assert.equal(run.progress?.epochDone, true);
  run = applyRunEvent(run, { type: 'state', state: 'paused' }, 4);
  assert.equal(run.status, 'paused');
  run = applyRunEvent(
    run,
    {
      type: 'done',
      result: {
        status: 'early-stopped',
        reason: 'patience',
        epochsRun: 1,
        finalLogs: {},
        bestEpoch: 0,
        restoredBestWeights: true,
        testLogs: null,
        seconds: 3,
      },
    },
    5,
  );
  assert.equal(run.status, 'early-stopped');
  assert.equal(
    applyRunEvent(run, { type: 'state', state: 'running' }, 6).status,
    'early-stopped',
    'a late state event cannot revive a finished run',
  );
});

test('run errors keep the stage and the file / row / column', () => {
  const run = applyRunEvent(
    newRunLive('r', null, 0),
    {
      type: 'error',
      stage: 'data',
      message: 'bad.csv, row 3, column "b": expected a number',
      file: 'bad.csv',
      row: 3,
      column: 'b',
    },
    1,
  );
  assert.equal(run.status, 'failed');
  assert.deepEqual(run.error, {
    stage: 'data',
    message: 'bad.csv, row 3, column "b": expected a number',
    file: 'bad.csv',
    row: 3,
    column: 'b',
  });
});

function detail(epochs: number, batchesDone: number): RunDetail {
  return {
    id: 'r1',
    name: 'n',
    createdAt: '2025-01-01T00:00:00Z',
    status: 'running',
    epochsRun: epochs,
    epochs: 4,
    best: {},
    backend: 'wasm',
    dataKind: 'text',
    error: null,
    spec,
    layers: [],
    dataSummary: null,
    result: null,
    epochRecords: Array.from({ length: epochs }, (_, e) => epochRecord(e)),
    batchRecords: Array.from({ length: batchesDone }, (_, i) => batch(Math.floor(i / 10), i % 10)),
    recurrence: [],
    gradientFlow: [{ kind: 'hidden', epoch: 0, batch: 0, step: 0, norms: { lstm: [0.1, 1] } }],
    provenance: null,
    replayOf: null,
    replay: null,
    estimate: null,
    templateFamily: null,
    initialWeights: null,
    evaluateOnly: false,
    tags: [],
  };
}

test('gradient-flow samples: live events append, a stored run merges with later live samples only', () => {
  let live = newRunLive('r1', null, 0);
  live = applyRunEvent(
    live,
    { type: 'gradient-flow', samples: [{ kind: 'hidden', epoch: 0, batch: 0, step: 0, norms: { lstm: [0.1, 1] } }] },
    1,
  );
  live = applyRunEvent(
    live,
    { type: 'gradient-flow', samples: [{ kind: 'hidden', epoch: 0, batch: 5, step: 5, norms: { lstm: [0.2, 1] } }] },
    2,
  );
  assert.deepEqual(
    live.gradientFlow.map((s) => s.step),
    [0, 5],
  );
  const merged = mergeDetail(live, detail(0, 1), 3);
  assert.deepEqual(
    merged.gradientFlow.map((s) => s.step),
    [0, 5],
  );
});

test('a stored run merges with live events that arrived meanwhile, without duplicates', () => {
  let live = newRunLive('r1', null, 0);
  live = applyRunEvent(live, { type: 'batches', records: [batch(1, 5), batch(1, 6)] }, 1);
  live = applyRunEvent(live, { type: 'epoch', record: epochRecord(1) }, 2);
  const merged = mergeDetail(live, detail(1, 16), 3);
  assert.deepEqual(
    merged.epochs.map((e) => e.epoch),
    [0, 1],
  );
  assert.equal(merged.batches.seen, 17, '16 stored + 1 newer live point (batch 1/5 is already stored)');
  assert.equal(merged.spec, spec);
  const stored = runFromDetail(detail(2, 20), 0);
  assert.equal(stored.progress?.epochDone, true);
  assert.equal(stored.backendName, 'wasm');
});

test('run store: apply creates unknown runs, seed merges, latestActive finds the run still training', () => {
  const store = new RunStore();
  let notified = 0;
  store.subscribe(() => notified++);
  store.apply('a', { type: 'batches', records: [batch(0, 0)] });
  store.apply('b', { type: 'batches', records: [batch(0, 0)] });
  store.apply('b', { type: 'error', stage: 'engine', message: 'NaN' });
  assert.equal(notified, 3);
  assert.equal(store.latestActive(), 'a');
  store.ensure('c', spec);
  assert.equal(store.get('c')?.epochsPlanned, 4);
  store.seed(detail(1, 10));
  assert.equal(store.get('r1')?.epochs.length, 1);
});

test('chart data: batch rows at fractional epochs with EMA, epoch rows at the epoch end, grad norms without zeros', () => {
  let run = newRunLive('r', spec, 0);
  run = applyRunEvent(run, { type: 'batches', records: Array.from({ length: 10 }, (_, b) => batch(0, b)) }, 1);
  run = applyRunEvent(run, { type: 'epoch', record: epochRecord(0) }, 2);
  const loss = scalarChartData(run, 'loss', 0.6);
  assert.equal(loss.batch[0]!.x, 0.1);
  assert.equal(loss.batch[9]!.x, 1);
  assert.equal(loss.batch[0]!.smooth, loss.batch[0]!.raw);
  assert.deepEqual(loss.epoch, [{ x: 1, train: 0.5, val: 0.6 }]);
  assert.equal(loss.points, 11);
  assert.equal(metricKeyOf(run), 'accuracy');
  const g = gradNormChartData(run);
  assert.deepEqual(g.layers, ['lstm', 'dense']);
  assert.equal(g.rows[0]!.dense, undefined, 'zero norms cannot sit on a log axis');
  assert.deepEqual(
    compareEpochRows([epochRecord(0), epochRecord(1)], [epochRecord(0)], 'val_loss').map((r) => [r.x, r.b]),
    [
      [1, 0.6],
      [2, null],
    ],
  );
});

test('project reducer: dirty tracking, one undo step per burst of typing in a field, redo, load resets', () => {
  let s = initialProjectState(spec, 'p');
  assert.equal(isDirty(s), false);
  const setEpochs = (n: number, at: number) =>
    projectReducer(s, {
      type: 'edit',
      update: (x) => ({ ...x, training: { epochs: n } }),
      coalesceKey: 'training.epochs',
      at,
    });
  s = setEpochs(1, 1000);
  s = setEpochs(12, 1200);
  s = setEpochs(123, 1400);
  assert.equal(s.past.length, 1, 'typing "123" is one undo step');
  assert.equal(isDirty(s), true);
  s = projectReducer(s, { type: 'undo' });
  assert.equal(isDirty(s), false, 'undoing back to the saved spec is clean again');
  s = projectReducer(s, { type: 'redo' });
  assert.equal(s.spec.training?.epochs, 123);
  s = setEpochs(5, 9000);
  assert.equal(s.past.length, 2, 'a pause starts a new step');
  assert.equal(s.future.length, 0);
  s = projectReducer(s, { type: 'saved', projectId: 'id1', name: 'q', spec: s.spec });
  assert.equal(isDirty(s), false);
  assert.equal(s.projectId, 'id1');
  const same = projectReducer(s, { type: 'edit', update: (x) => x, at: 0 });
  assert.equal(same, s, 'an edit that changes nothing is not an undo step');
  const loaded = projectReducer(s, { type: 'load', spec: blankSpec(), name: 'new', projectId: null });
  assert.equal(loaded.loadCount, s.loadCount + 1);
  assert.equal(loaded.past.length, 0);
});

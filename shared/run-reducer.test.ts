// The one reduction of a run's events (issue #14): every row folds a sequence of worker events from a given state and
// checks the fields it names; the studio service, the renderer and the CLI all rely on these results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialRunEventState, isFinished, KEEP_ALL, reduceRunEvent } from './run-reducer.js';
import type { RunEventState, RunKeep } from './run-reducer.js';
import type { WorkerEvent } from './worker-protocol.js';
import { isTaskResult } from './worker-protocol.js';
import type { BatchRecord, EpochRecord, TrainResult } from './training-records.js';
import type { SpecIssue } from './shape-inference.js';
import type { HistogramRecord } from './histograms.js';

function batch(epoch: number, b: number, batches = 10): BatchRecord {
  return {
    kind: 'batch',
    epoch,
    batch: b,
    batches,
    logs: { loss: 1 },
    gradNorms: {},
    globalGradNorm: 0.5,
    elapsedMs: 0,
    etaSeconds: 40 - epoch * 10 - b,
  };
}
function epoch(e: number, loss = 0.5): EpochRecord {
  return {
    kind: 'epoch',
    epoch: e,
    epochs: 4,
    logs: { loss, val_loss: loss },
    gradNorms: {},
    globalGradNorm: 1,
    seconds: 2,
    etaSeconds: 6 - e * 2,
    numTensors: 10,
    bestEpoch: e,
  };
}
function result(status: TrainResult['status'], reason: string | null = null): TrainResult {
  return {
    status,
    reason,
    epochsRun: 1,
    finalLogs: {},
    bestEpoch: null,
    restoredBestWeights: false,
    testLogs: null,
    seconds: 3,
  };
}
function histograms(e: number): HistogramRecord {
  return { kind: 'histograms', epoch: e, tensors: [] };
}
const warning: SpecIssue = {
  layerIndex: 1,
  path: 'layers.1',
  severity: 'warning',
  message: 'The model needs about 3 GiB to train',
};
const backend = { name: 'wasm', tfjsVersion: '4.22.0', detail: 'x' };

interface Row {
  name: string;
  from?: Partial<RunEventState>;
  events: WorkerEvent[];
  keep?: RunKeep;
  expect: Partial<RunEventState>;
}

const rows: Row[] = [
  {
    name: 'a new run is starting, with nothing known',
    events: [],
    expect: { status: 'starting', backend: null, epochs: [], progress: null, result: null, error: null, warnings: [] },
  },
  { name: 'the backend starts it', events: [{ type: 'backend', backend }], expect: { status: 'running', backend } },
  {
    name: 'a run a host starts as running stays running on its backend',
    from: { status: 'paused' },
    events: [{ type: 'backend', backend }],
    expect: { status: 'paused' },
  },
  {
    name: 'the data summary is kept',
    events: [
      { type: 'data', summary: { kind: 'timeseries' } as never, fingerprint: { hash: 'ab', files: 1, bytes: 2 } },
    ],
    expect: { dataSummary: { kind: 'timeseries' } as never },
  },
  {
    name: 'the model event gives layers, parameters, recurrence paths and kernels',
    events: [
      {
        type: 'model',
        layers: [{ name: 'gru' } as never],
        totalParams: 12,
        recurrence: [{ layer: 'gru', fused: true }],
        kernels: 'SIMD',
      },
    ],
    expect: {
      layers: [{ name: 'gru' } as never],
      totalParams: 12,
      recurrence: [{ layer: 'gru', fused: true }],
      kernels: 'SIMD',
    },
  },
  {
    name: 'the last batch of a message is the progress, and the first batch starts a run',
    events: [{ type: 'batches', records: [batch(0, 3), batch(0, 4)] }],
    expect: { status: 'running', progress: { epoch: 0, batch: 4, batches: 10, etaSeconds: 36, epochDone: false } },
  },
  {
    name: 'an empty batch message changes nothing',
    events: [{ type: 'batches', records: [] }],
    expect: { status: 'starting', progress: null },
  },
  {
    name: 'an epoch record ends its epoch in the progress and sets the epochs planned',
    events: [
      { type: 'batches', records: [batch(0, 9)] },
      { type: 'epoch', record: epoch(0) },
    ],
    expect: {
      epochs: [epoch(0)],
      epochsPlanned: 4,
      progress: { epoch: 0, batch: 9, batches: 10, etaSeconds: 6, epochDone: true },
    },
  },
  {
    name: 'epochs stay one per epoch, in order: a repeated epoch replaces the earlier record',
    events: [
      { type: 'epoch', record: epoch(1) },
      { type: 'epoch', record: epoch(0) },
      { type: 'epoch', record: epoch(1, 0.25) },
    ],
    expect: { epochs: [epoch(0), epoch(1, 0.25)] },
  },
  {
    name: 'gradient-flow samples append, the latest `keep` of them',
    events: [1, 2, 3].map((step) => ({
      type: 'gradient-flow' as const,
      samples: [{ kind: 'hidden' as const, epoch: 0, batch: step, step, norms: {} }],
    })),
    keep: { gradientFlow: 2, histograms: 0 },
    expect: {
      gradientFlow: [2, 3].map((step) => ({ kind: 'hidden' as const, epoch: 0, batch: step, step, norms: {} })),
    },
  },
  {
    name: 'a host that keeps none keeps no gradient flow or histograms',
    events: [
      { type: 'gradient-flow', samples: [{ kind: 'hidden', epoch: 0, batch: 0, step: 0, norms: {} }] },
      { type: 'histograms', record: histograms(0) },
    ],
    keep: { gradientFlow: 0, histograms: 0 },
    expect: { gradientFlow: [], histograms: [] },
  },
  {
    name: 'histograms: one record per epoch, the latest `keep` epochs',
    events: [0, 1, 1, 2].map((e) => ({ type: 'histograms' as const, record: histograms(e) })),
    keep: { gradientFlow: 0, histograms: 2 },
    expect: { histograms: [histograms(1), histograms(2)] },
  },
  {
    name: 'warnings accumulate',
    events: [
      { type: 'warnings', issues: [warning] },
      { type: 'warnings', issues: [warning] },
    ],
    expect: { warnings: [warning, warning], status: 'starting' },
  },
  { name: 'pause and resume', events: [{ type: 'state', state: 'paused' }], expect: { status: 'paused' } },
  {
    name: 'a late state message cannot revive a finished run',
    events: [
      { type: 'done', result: result('completed') },
      { type: 'state', state: 'running' },
    ],
    expect: { status: 'completed' },
  },
  {
    name: 'the saved folder is kept',
    events: [{ type: 'saved', dir: '/runs/a', files: [] }],
    expect: { savedDir: '/runs/a' },
  },
  {
    name: 'done: the result and its status, no ETA left',
    events: [
      { type: 'batches', records: [batch(0, 2)] },
      { type: 'done', result: result('early-stopped', 'patience') },
    ],
    expect: {
      status: 'early-stopped',
      result: result('early-stopped', 'patience'),
      error: null,
      progress: { epoch: 0, batch: 2, batches: 10, etaSeconds: 0, epochDone: false },
    },
  },
  {
    name: "a failed result is also the run's error",
    events: [{ type: 'done', result: result('failed', 'NaN loss') }],
    expect: { status: 'failed', error: { stage: 'engine', message: 'NaN loss' } },
  },
  {
    name: 'a failed result without a reason still says so',
    events: [{ type: 'done', result: result('failed') }],
    expect: { error: { stage: 'engine', message: 'The run failed.' } },
  },
  {
    name: 'an error fails the run, with its stage, issues and file / row / column',
    events: [{ type: 'error', stage: 'data', message: 'bad.csv, row 3', file: 'bad.csv', row: 3, column: 'b' }],
    expect: {
      status: 'failed',
      error: { stage: 'data', message: 'bad.csv, row 3', file: 'bad.csv', row: 3, column: 'b' },
      result: null,
    },
  },
  {
    name: 'a spec error keeps its issues, and no absent field appears',
    events: [{ type: 'error', stage: 'spec', message: 'too big', issues: [warning] }],
    expect: { error: { stage: 'spec', message: 'too big', issues: [warning] } },
  },
  {
    name: 'one-shot task results are no part of a run',
    events: [
      { type: 'estimate', estimate: {} as never },
      { type: 'prediction', result: {} as never },
      { type: 'inside', result: {} as never },
    ],
    expect: initialRunEventState(),
  },
];

for (const row of rows) {
  test(`reduceRunEvent: ${row.name}`, () => {
    const from = initialRunEventState(row.from);
    const snapshot = structuredClone(from);
    const state = row.events.reduce((s, e) => reduceRunEvent(s, e, row.keep ?? KEEP_ALL), from);
    for (const [key, value] of Object.entries(row.expect))
      assert.deepEqual(state[key as keyof RunEventState], value, key);
    assert.deepEqual(from, snapshot, 'the state given is never changed');
  });
}

test('reduceRunEvent returns the same object when nothing changes, a new one otherwise', () => {
  const s = initialRunEventState();
  for (const e of [
    { type: 'estimate', estimate: {} },
    { type: 'batches', records: [] },
    { type: 'warnings', issues: [] },
  ] as WorkerEvent[])
    assert.equal(reduceRunEvent(s, e), s, e.type);
  const done = reduceRunEvent(s, { type: 'done', result: result('stopped') });
  assert.equal(reduceRunEvent(done, { type: 'state', state: 'paused' }), done);
  assert.notEqual(reduceRunEvent(s, { type: 'state', state: 'paused' }), s);
});

test("a host's own fields ride along: the reducer is generic over states that extend RunEventState", () => {
  const live = { ...initialRunEventState(), runId: 'r1', lastUpdate: 7 };
  const next = reduceRunEvent(live, { type: 'backend', backend });
  assert.equal(next.runId, 'r1');
  assert.equal(next.lastUpdate, 7);
  assert.equal(next.status, 'running');
});

test('isFinished and isTaskResult', () => {
  for (const s of ['completed', 'stopped', 'early-stopped', 'failed'] as const)
    assert.equal(isFinished({ status: s }), true, s);
  for (const s of ['starting', 'running', 'paused'] as const) assert.equal(isFinished({ status: s }), false, s);
  assert.equal(isTaskResult({ type: 'estimate', estimate: {} as never }), true);
  assert.equal(isTaskResult({ type: 'warnings', issues: [] }), false);
  assert.equal(isTaskResult({ type: 'error', stage: 'engine', message: 'x' }), false);
});

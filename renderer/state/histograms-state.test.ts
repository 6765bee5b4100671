import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyRunEvent, mergeDetail, newRunLive, runFromDetail } from '../api/run-state.js';
import { histogram } from '../../shared/histograms.js';
import type { HistogramRecord } from '../../shared/histograms.js';
import type { RunDetail } from '../../shared/api.js';

const record = (epoch: number): HistogramRecord => ({
  kind: 'histograms',
  epoch,
  tensors: [
    { name: 'dense/kernel', layer: 'dense', shape: [2], values: histogram([epoch, epoch + 1]), gradients: null },
  ],
});

function detail(histograms: HistogramRecord[] | undefined): RunDetail {
  return {
    id: 'r1',
    name: 'n',
    createdAt: '2025-01-01T00:00:00Z',
    status: 'running',
    epochsRun: 0,
    epochs: 4,
    best: {},
    backend: 'wasm',
    dataKind: 'text',
    error: null,
    spec: {
      format: 1,
      name: 'n',
      input: { kind: 'floats', timesteps: 2, features: 1 },
      layers: [{ className: 'Dense', config: { units: 1 } }],
    },
    layers: [],
    dataSummary: null,
    result: null,
    epochRecords: [],
    batchRecords: [],
    recurrence: [],
    gradientFlow: [],
    ...(histograms ? { histograms } : {}),
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

test('histograms: live events append (one per epoch), a stored run merges with later live epochs only', () => {
  let live = newRunLive('r1', null, 0);
  assert.deepEqual(live.histograms, []);
  live = applyRunEvent(live, { type: 'histograms', record: record(0) }, 1);
  live = applyRunEvent(live, { type: 'histograms', record: record(1) }, 2);
  live = applyRunEvent(live, { type: 'histograms', record: record(1) }, 3);
  assert.deepEqual(
    live.histograms.map((h) => h.epoch),
    [0, 1],
  );
  assert.deepEqual(
    mergeDetail(live, detail([record(0)]), 4).histograms.map((h) => h.epoch),
    [0, 1],
  );
  // An older server's detail has no histograms.
  assert.deepEqual(runFromDetail(detail(undefined), 5).histograms, []);
});

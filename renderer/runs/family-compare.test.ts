import { test } from 'node:test';
import assert from 'node:assert/strict';
import { familyRows } from './family-compare.js';
import { logRange } from '../training/gradient-flow-view.js';
import type { EpochRecord } from '../../shared/training-records.js';

const epoch = (e: number, val: number): EpochRecord => ({
  kind: 'epoch',
  epoch: e,
  epochs: 3,
  logs: { val_loss: val },
  gradNorms: {},
  globalGradNorm: 0,
  seconds: 1,
  etaSeconds: 0,
  numTensors: 0,
  bestEpoch: null,
});

test('family rows: one row per epoch, one column per run, gaps where a run has no such epoch', () => {
  const rows = familyRows(
    [{ epochRecords: [epoch(0, 0.5), epoch(1, 0.4)] }, { epochRecords: [epoch(0, 0.6), epoch(1, NaN), epoch(2, 0.3)] }],
    'val_loss',
  );
  assert.deepEqual(rows, [
    { x: 1, r0: 0.5, r1: 0.6 },
    { x: 2, r0: 0.4, r1: null },
    { x: 3, r0: null, r1: 0.3 },
  ]);
});

test('heatmap colour range: log10 of the finite positive norms; a flat layer gets a unit-wide range', () => {
  const s = (norms: number[]) => ({ kind: 'hidden' as const, epoch: 0, batch: 0, step: 0, norms: { gru: norms } });
  assert.deepEqual(logRange([s([1e-6, 1, 0, NaN]), s([1e-2])], 'gru'), [-6, 0]);
  assert.deepEqual(logRange([s([10, 10])], 'gru'), [0.5, 1.5]);
  assert.deepEqual(logRange([], 'gru'), [0, 1]);
});

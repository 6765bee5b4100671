import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decimateMinMax } from './decimate.js';

const pts = (values: number[]) => values.map((v, i) => ({ i, v }));

test('decimation leaves short series as they are', () => {
  const p = pts([1, 2, 3, 4, 5]);
  assert.equal(
    decimateMinMax(p, 2, (x) => x.v),
    p,
  );
});

test('decimation keeps the first and last point and every bucket’s extremes, in order', () => {
  const values = Array.from({ length: 1002 }, (_, i) => Math.sin(i / 10));
  values[500] = 40; // a spike
  values[700] = -40; // a dip
  const p = pts(values);
  const d = decimateMinMax(p, 100, (x) => x.v);
  assert.ok(d.length <= 202, `at most 2 per bucket plus the ends, got ${d.length}`);
  assert.equal(d[0], p[0]);
  assert.equal(d.at(-1), p.at(-1));
  assert.ok(d.some((x) => x.v === 40) && d.some((x) => x.v === -40), 'extremes survive');
  for (let k = 1; k < d.length; k++) assert.ok(d[k]!.i > d[k - 1]!.i, 'ascending, no duplicates');
  const max = Math.max(...values);
  const min = Math.min(...values);
  assert.equal(Math.max(...d.map((x) => x.v)), max);
  assert.equal(Math.min(...d.map((x) => x.v)), min);
});

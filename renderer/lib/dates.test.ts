import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dateAtRow } from './dates.js';

test('dates on a row axis: the nearest timed point, stepped by the rows between points', () => {
  const hourly = [0, 10, 20].map((row) => ({ row, time: Date.UTC(2010, 0, 1) + row * 3_600_000 }));
  assert.equal(dateAtRow(hourly, 10), '2010-01-01 10:00');
  assert.equal(dateAtRow(hourly, 13), '2010-01-01 13:00', 'between points, counted in rows');
  const daily = [0, 30].map((row) => ({ row, time: Date.UTC(2012, 0, 1) + row * 86_400_000 }));
  assert.equal(dateAtRow(daily, 31), '2012-02-01');
  assert.equal(dateAtRow([{ row: 0 }, { row: 5 }], 3), null, 'no times, no dates');
});

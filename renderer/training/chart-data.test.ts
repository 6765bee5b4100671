import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chartEpochSpan } from './chart-data.js';

test('the epoch axis spans short runs whole and grows with long ones', () => {
  const cases: [number | null, number, number | undefined][] = [
    [null, 3, undefined],
    [10, 0, 10],
    [20, 19, 20],
    [5000, 0, 20],
    [5000, 5, 20],
    [5000, 20, 30],
    [5000, 31, 45],
    [5000, 4999, 5000],
    [40, 39, 40],
  ];
  for (const [planned, done, expected] of cases) assert.equal(chartEpochSpan(planned, done), expected, `${planned}, ${done}`);
});

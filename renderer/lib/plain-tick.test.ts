import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gridLines } from './plain-tick.js';

test('grid lines sit at the axis ticks inside the plot, plus its edges; none before the axis is known', () => {
  const scale = { map: (v: unknown) => 10 + Number(v) * 2 };
  assert.deepEqual(gridLines({ scale, ticks: [0, 25, 50, 100] }, 10, 110), [10, 60, 110]);
  assert.deepEqual(gridLines({ scale, niceTicks: [10, 20] }, 10, 110), [30, 50, 10, 110]);
  assert.deepEqual(gridLines({ scale: { map: () => Number.NaN }, ticks: [1] }, 0, 5), [0, 5]);
  assert.deepEqual(gridLines(undefined, 0, 5), []);
  assert.deepEqual(gridLines({ scale }, 0, 5), []);
});

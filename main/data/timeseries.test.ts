import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  chronologicalSplit,
  commonSenseBaselineMae,
  loadTimeSeries,
  normalizationStats,
  normalize,
  WindowSampler,
} from './timeseries.js';
import type { TimeSeriesSourceOptions, WindowSamplerOptions } from './timeseries.js';
import { assertDataError, makeTempDir, missingSharedData, sharedData } from './test-support.js';

/** rows × features with value = row * 10 + feature, so every copied value names its own row and feature. */
function tiny(rows: number, features: number): Float32Array {
  const data = new Float32Array(rows * features);
  for (let r = 0; r < rows; r++) for (let f = 0; f < features; f++) data[r * features + f] = r * 10 + f;
  return data;
}

describe('WindowSampler (Chollet generator, lazy)', () => {
  const data = tiny(20, 2);
  // Windows worked out by hand: current row r = minIndex + lookback + i, input rows range(r - lookback, r, step),
  // target data[r + delay][targetIndex].
  const cases: {
    name: string;
    opts: Omit<WindowSamplerOptions, 'data' | 'numFeatures'>;
    count: number;
    timesteps: number;
    windows: { i: number; row: number; x: number[]; y: number }[];
  }[] = [
    {
      name: 'lookback 4, step 1, delay 1, default maxIndex = rows - delay - 1 = 18',
      opts: { targetIndex: 1, lookback: 4, step: 1, delay: 1, minIndex: 0 },
      count: 14, // r in [4, 18)
      timesteps: 4,
      windows: [
        { i: 0, row: 4, x: [0, 1, 10, 11, 20, 21, 30, 31], y: 51 },
        { i: 13, row: 17, x: [130, 131, 140, 141, 150, 151, 160, 161], y: 181 },
      ],
    },
    {
      name: 'lookback 6, step 2 (divides), delay 2, minIndex 2, maxIndex 15',
      opts: { targetIndex: 0, lookback: 6, step: 2, delay: 2, minIndex: 2, maxIndex: 15 },
      count: 7, // r in [8, 15)
      timesteps: 3,
      windows: [
        { i: 0, row: 8, x: [20, 21, 40, 41, 60, 61], y: 100 },
        { i: 6, row: 14, x: [80, 81, 100, 101, 120, 121], y: 160 },
      ],
    },
    {
      name: 'lookback 5, step 2 (does not divide): ceil(5/2) = 3 timesteps, rows r-5, r-3, r-1; delay 0, maxIndex = rows',
      opts: { targetIndex: 1, lookback: 5, step: 2, delay: 0, maxIndex: 20 },
      count: 15, // r in [5, 20)
      timesteps: 3,
      windows: [
        { i: 0, row: 5, x: [0, 1, 20, 21, 40, 41], y: 51 },
        { i: 14, row: 19, x: [140, 141, 160, 161, 180, 181], y: 191 },
      ],
    },
    {
      name: 'lookback 5, step 3: rows r-5, r-2; delay 3, minIndex 1, default maxIndex 16',
      opts: { targetIndex: 0, lookback: 5, step: 3, delay: 3, minIndex: 1 },
      count: 10, // r in [6, 16)
      timesteps: 2,
      windows: [
        { i: 0, row: 6, x: [10, 11, 40, 41], y: 90 },
        { i: 9, row: 15, x: [100, 101, 130, 131], y: 180 },
      ],
    },
    {
      name: 'lookback 1, delay 0',
      opts: { targetIndex: 1, lookback: 1, step: 1, delay: 0 },
      count: 18, // r in [1, 19)
      timesteps: 1,
      windows: [
        { i: 0, row: 1, x: [0, 1], y: 11 },
        { i: 17, row: 18, x: [170, 171], y: 181 },
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = new WindowSampler({ data, numFeatures: 2, ...c.opts });
      assert.equal(s.count, c.count);
      assert.equal(s.timesteps, c.timesteps);
      for (const w of c.windows) assert.equal(s.rowAt(w.i), w.row);
      // Reversed order: the batch follows the indices given, which is how callers shuffle.
      const indices = c.windows.map((w) => w.i).reverse();
      const xs = new Float32Array(indices.length * s.timesteps * 2);
      const ys = new Float32Array(indices.length);
      s.fillBatch(indices, xs, ys);
      const expected = [...c.windows].reverse();
      assert.deepEqual(
        [...xs],
        expected.flatMap((w) => w.x),
      );
      assert.deepEqual(
        [...ys],
        expected.map((w) => w.y),
      );
    });
  }

  const errors: { name: string; opts: Partial<WindowSamplerOptions>; message: string }[] = [
    {
      name: 'no window fits',
      opts: { lookback: 18, delay: 1 },
      message:
        'expected rows for at least one window (minIndex + lookback < maxIndex, and maxIndex <= rows - delay), ' +
        'received lookback=18, delay=1, minIndex=0, maxIndex=18, rows=20.',
    },
    {
      name: 'targets past the end',
      opts: { delay: 2, maxIndex: 19 },
      message: '`maxIndex` must be an integer in [0, 18]. Received: maxIndex=19.',
    },
    { name: 'step 0', opts: { step: 0 }, message: '`step` must be an integer >= 1. Received: step=0.' },
    {
      name: 'target out of range',
      opts: { targetIndex: 2 },
      message: '`targetIndex` must be an integer in [0, 1]. Received: targetIndex=2.',
    },
  ];
  for (const c of errors) {
    it(`refuses: ${c.name}`, () => {
      assertDataError(
        () => new WindowSampler({ data, numFeatures: 2, targetIndex: 0, lookback: 2, step: 1, delay: 1, ...c.opts }),
        { message: c.message },
      );
    });
  }

  it('fillBatch refuses wrong buffer sizes and indices out of range', () => {
    const s = new WindowSampler({ data, numFeatures: 2, targetIndex: 0, lookback: 4, step: 2, delay: 1 });
    assertDataError(() => s.fillBatch([0], new Float32Array(3), new Float32Array(1)), {
      message: 'expected xs of length 4 (1×2×2) and ys of length 1, received 3 and 1.',
    });
    assertDataError(() => s.fillBatch([s.count], new Float32Array(4), new Float32Array(1)), {
      message: `window index must be an integer in [0, ${s.count}). Received: ${s.count}.`,
    });
  });

  it('a 420,000 × 14 series: instant, no copy of the data, one batch of memory', () => {
    const rows = 420_000;
    const nf = 14;
    const big = new Float32Array(rows * nf);
    for (let i = 0; i < big.length; i++) big[i] = i; // exact in float32: 5.88 M < 2^24
    const batch = 128;
    const opts = { data: big, numFeatures: nf, targetIndex: 1, lookback: 1440, step: 6, delay: 144 };
    const xs = new Float32Array(batch * 240 * nf);
    const ys = new Float32Array(batch);
    const indices = Array.from({ length: batch }, (_, b) => b * 1000);

    const buffersBefore = process.memoryUsage().arrayBuffers;
    const start = performance.now();
    const s = new WindowSampler({ ...opts, maxIndex: 200_000 });
    const elapsed = performance.now() - start;
    s.fillBatch(indices, xs, ys);
    const grown = process.memoryUsage().arrayBuffers - buffersBefore;

    assert.ok(elapsed < 50, `construction took ${elapsed.toFixed(1)} ms`);
    // Materialising windows (or copying the 23.5 MB data) would show here; one window alone is 13 KB.
    assert.ok(grown < 1_000_000, `array buffers grew by ${grown} bytes`);
    assert.equal(s.count, 200_000 - 1440);
    assert.equal(s.timesteps, 240);
    assert.equal(new WindowSampler(opts).count, rows - 144 - 1 - 1440);
    // window b*1000 has r = 1440 + b*1000; timestep t reads row r - 1440 + 6t.
    for (const [b, t, f] of [
      [0, 0, 0],
      [0, 239, 13],
      [5, 17, 3],
      [127, 120, 7],
    ] as const) {
      const r = 1440 + b * 1000;
      assert.equal(xs[(b * 240 + t) * nf + f], (r - 1440 + 6 * t) * nf + f);
      assert.equal(ys[b], (r + 144) * nf + 1);
    }
    // Naive forecast on data[i] = i: last input row r - 6, target row r + 144, so every error is 150 rows × 14.
    assert.equal(commonSenseBaselineMae(s), 150 * nf);
  });
});

describe('commonSenseBaselineMae (Chollet evaluate_naive_method)', () => {
  const cases: {
    name: string;
    data: Float32Array;
    nf: number;
    opts: Omit<WindowSamplerOptions, 'data' | 'numFeatures'>;
    mae: number;
  }[] = [
    {
      // windows r = 2, 3, 4: predict data[r-1], truth data[r+1]: |3-5| + |2-4| + |5-0| = 9 over 3 windows
      name: 'hand-computed series [1, 3, 2, 5, 4, 0]',
      data: Float32Array.from([1, 3, 2, 5, 4, 0]),
      nf: 1,
      opts: { targetIndex: 0, lookback: 2, step: 1, delay: 1, maxIndex: 5 },
      mae: 3,
    },
    {
      name: 'value = row*10 + f, lookback 4, delay 1: last row r-1 vs r+1',
      data: tiny(20, 2),
      nf: 2,
      opts: { targetIndex: 1, lookback: 4, step: 1, delay: 1 },
      mae: 20,
    },
    {
      name: 'non-divisible step: last timestep is r-1 for lookback 5 step 2',
      data: tiny(20, 2),
      nf: 2,
      opts: { targetIndex: 0, lookback: 5, step: 2, delay: 0, maxIndex: 20 },
      mae: 10,
    },
    {
      name: 'lookback 5 step 3: last timestep r-2, target r+3',
      data: tiny(20, 2),
      nf: 2,
      opts: { targetIndex: 0, lookback: 5, step: 3, delay: 3 },
      mae: 50,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(commonSenseBaselineMae(new WindowSampler({ data: c.data, numFeatures: c.nf, ...c.opts })), c.mae);
    });
  }
});

describe('normalizationStats / normalize', () => {
  it('population std like numpy .std(axis=0)', () => {
    const stats = normalizationStats(Float32Array.from([2, 4, 4, 4, 5, 5, 7, 9]), 1, 8);
    assert.deepEqual([...stats.mean], [5]);
    assert.deepEqual([...stats.std], [2]);
  });

  it('uses train rows only; a constant feature gets std 1', () => {
    const train = [1, 5, 3, 5];
    const a = Float32Array.from([...train, 100, -7, 1000, 9]);
    const b = Float32Array.from([...train, -1e6, 42, 0, 0]);
    const stats = normalizationStats(a, 2, 2);
    assert.deepEqual(normalizationStats(b, 2, 2), stats, 'val rows must not change the stats');
    assert.deepEqual([...stats.mean], [2, 5]);
    assert.deepEqual([...stats.std], [1, 1]);
    assert.notDeepEqual(normalizationStats(a, 2, 3), stats, 'sanity: including row 3 does change them');
    assert.deepEqual([...normalize(a, 2, stats)], [-1, 0, 1, 0, 98, -12, 998, 4]);
  });

  it('refuses trainRows outside [1, rows]', () => {
    assertDataError(() => normalizationStats(tiny(4, 2), 2, 5), {
      message: '`trainRows` must be an integer in [1, 4]. Received: trainRows=5.',
    });
  });
});

describe('chronologicalSplit', () => {
  const cases: { rows: number; train: number; val: number; expected: ReturnType<typeof chronologicalSplit> }[] = [
    { rows: 10, train: 0.7, val: 0.2, expected: { train: [0, 7], val: [7, 9], test: [9, 10] } },
    {
      rows: 420_451,
      train: 0.5,
      val: 0.25,
      expected: { train: [0, 210_225], val: [210_225, 315_338], test: [315_338, 420_451] },
    },
    { rows: 100, train: 0.29, val: 0.71, expected: { train: [0, 29], val: [29, 100], test: [100, 100] } },
    { rows: 8759, train: 0.6, val: 0.2, expected: { train: [0, 5255], val: [5255, 7007], test: [7007, 8759] } },
  ];
  for (const c of cases) {
    it(`${c.rows} rows, train ${c.train}, val ${c.val}`, () => {
      assert.deepEqual(chronologicalSplit(c.rows, { train: c.train, val: c.val }), c.expected);
    });
  }
  it('refuses impossible fractions', () => {
    assertDataError(() => chronologicalSplit(10, { train: 0.8, val: 0.3 }), {
      message: '`train` + `val` must be at most 1. Received: train=0.8, val=0.3.',
    });
    assertDataError(() => chronologicalSplit(10, { train: 0.05, val: 0.3 }), {
      message: 'expected at least 1 training row, received 0 (rows=10, train=0.05).',
    });
  });
});

describe('loadTimeSeries', () => {
  const hourly = sharedData('seattle-weather', 'seattle-weather-hourly-normals.csv');
  const skip = missingSharedData('seattle-weather', 'seattle-weather-hourly-normals.csv');

  it('loads the Seattle hourly normals with target temperature', { skip }, () => {
    const ts = loadTimeSeries(hourly, { target: 'temperature' });
    assert.deepEqual(ts.featureNames, ['pressure', 'temperature', 'wind']);
    assert.equal(ts.targetIndex, 1);
    assert.equal(ts.rows, 8759);
    assert.equal(ts.data.length, 8759 * 3);
    assert.deepEqual([...ts.data.subarray(0, 3)], [1016.6, 4.0, 3.8].map(Math.fround));
    assert.deepEqual([...ts.data.subarray(-3)], [1016.7, 4.3, 4.0].map(Math.fround));
    assert.equal(ts.dates?.[0], '2010-01-01T01:00:00');
    assert.equal(ts.dates?.length, 8759);
  });

  it('adds the target when features leave it out', { skip }, () => {
    const ts = loadTimeSeries(hourly, { target: 'temperature', features: ['wind'], dateColumn: null });
    assert.deepEqual(ts.featureNames, ['wind', 'temperature']);
    assert.equal(ts.targetIndex, 1);
    assert.equal(ts.dates, null);
    assert.deepEqual([...ts.data.subarray(0, 2)], [3.8, 4.0].map(Math.fround));
  });

  it(
    'skips text columns by default (daily file, "weather")',
    { skip: missingSharedData('seattle-weather', 'seattle-weather.csv') },
    () => {
      const ts = loadTimeSeries(sharedData('seattle-weather', 'seattle-weather.csv'), { target: 'temp_max' });
      assert.deepEqual(ts.featureNames, ['precipitation', 'temp_max', 'temp_min', 'wind']);
      assert.equal(ts.rows, 1461);
    },
  );

  const { dir, cleanup } = makeTempDir('ts');
  after(cleanup);
  const file = (name: string): string => path.join(dir, name);
  before(() => {
    const rows = (cell: string): string => `date,temp,wind\n2010-01-01,1.5,2\n2010-01-02,${cell},3\n2010-01-03,2,2\n`;
    writeFileSync(file('abc.csv'), rows('abc'));
    writeFileSync(file('nan.csv'), rows('NaN'));
    writeFileSync(file('inf.csv'), rows('-inf'));
    writeFileSync(file('empty.csv'), rows(' '));
    writeFileSync(file('hex.csv'), rows('0x10'));
    writeFileSync(file('huge.csv'), rows('1e39'));
    writeFileSync(file('ok.csv'), rows('3'));
  });

  const errors: {
    name: string;
    file: string;
    opts: TimeSeriesSourceOptions;
    message: string;
    row?: number;
    column?: string;
  }[] = [
    {
      name: 'non-numeric cell',
      file: 'abc.csv',
      opts: { target: 'temp' },
      message: 'abc.csv, row 3, column "temp": expected a number, received "abc".',
      row: 3,
      column: 'temp',
    },
    {
      name: 'NaN',
      file: 'nan.csv',
      opts: { target: 'wind' },
      message: 'nan.csv, row 3, column "temp": expected a finite number, received "NaN".',
      row: 3,
      column: 'temp',
    },
    {
      name: 'infinity',
      file: 'inf.csv',
      opts: { target: 'temp' },
      message: 'inf.csv, row 3, column "temp": expected a finite number, received "-inf".',
      row: 3,
    },
    {
      name: 'empty cell',
      file: 'empty.csv',
      opts: { target: 'temp' },
      message: 'empty.csv, row 3, column "temp": expected a number, received an empty cell.',
      row: 3,
    },
    {
      name: 'hex is not a decimal number',
      file: 'hex.csv',
      opts: { target: 'temp' },
      message: 'hex.csv, row 3, column "temp": expected a number, received "0x10".',
    },
    {
      name: 'beyond float32',
      file: 'huge.csv',
      opts: { target: 'temp' },
      message: 'huge.csv, row 3, column "temp": expected a number within float32 range (±3.4e38), received "1e39".',
    },
    {
      name: 'unknown target lists the available columns',
      file: 'ok.csv',
      opts: { target: 'temperature' },
      message:
        'ok.csv: expected a column named "temperature" (`target`), received none. Available columns: "date", "temp", "wind".',
    },
    {
      name: 'unknown feature',
      file: 'ok.csv',
      opts: { target: 'temp', features: ['pressure'] },
      message:
        'ok.csv: expected a column named "pressure" (`features`), received none. Available columns: "date", "temp", "wind".',
    },
    {
      name: 'too few rows',
      file: 'ok.csv',
      opts: { target: 'temp', minRows: 5 },
      message: 'ok.csv: expected at least 5 data rows, received 3.',
    },
    {
      name: 'date column used as a feature',
      file: 'ok.csv',
      opts: { target: 'temp', features: ['date'] },
      message: 'ok.csv, row 2, column "date": expected a number, received "2010-01-01".',
    },
  ];
  for (const c of errors) {
    it(`refuses: ${c.name}`, () => {
      assertDataError(() => loadTimeSeries(file(c.file), c.opts), {
        message: c.message,
        file: file(c.file),
        ...(c.row === undefined ? {} : { row: c.row }),
        ...(c.column === undefined ? {} : { column: c.column }),
      });
    });
  }
});

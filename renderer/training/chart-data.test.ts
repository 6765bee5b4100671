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
  for (const [planned, done, expected] of cases)
    assert.equal(chartEpochSpan(planned, done), expected, `${planned}, ${done}`);
});

import {
  decadeSpan,
  forLogScale,
  formatTick,
  gradNormCsv,
  linearAxisPlan,
  logAxisPlan,
  niceStep,
  quantile,
  scalarCsv,
  scalarCsvHeader,
  scalarRows,
  seriesValues,
  suggestLogScale,
  tickLabelWidth,
  toCsv,
  drawnSeries,
  zoomedDomain,
} from './chart-data.js';

test('quantiles interpolate between sorted values', () => {
  const cases: [number[], number, number][] = [
    [[1, 2, 3, 4, 5], 0, 1],
    [[1, 2, 3, 4, 5], 0.5, 3],
    [[1, 2, 3, 4, 5], 1, 5],
    [[1, 2, 3, 4], 0.25, 1.75],
    [[7], 0.9, 7],
  ];
  for (const [sorted, q, expected] of cases) assert.equal(quantile(sorted, q), expected, `${sorted} q=${q}`);
  assert.ok(Number.isNaN(quantile([], 0.5)));
});

test('log scale is suggested when the values span more than three decades', () => {
  const cases: [number[], number, boolean][] = [
    [[0.7, 0.6, 0.5], Math.log10(0.7 / 0.5), false],
    [[0.83, 126.6], Math.log10(126.6 / 0.83), false],
    [[0.96, 47.7, 65320, 251462048], Math.log10(251462048 / 0.96), true],
    [[0, -1, 1e-6, 1], 6, true],
    [[0, 0, 5], 0, false],
    [[], 0, false],
  ];
  for (const [values, span, log] of cases) {
    assert.ok(Math.abs(decadeSpan(values) - span) < 1e-9, `span ${values}`);
    assert.equal(suggestLogScale(values), log, `suggest ${values}`);
  }
});

test('nice steps are 1, 2, 2.5 or 5 times a power of ten', () => {
  const cases: [number, number][] = [
    [0.13, 0.2],
    [0.2, 0.2],
    [3, 5],
    [0.021, 0.025],
    [7e5, 1e6],
    [1, 1],
    [0, 1],
  ];
  for (const [rough, step] of cases)
    assert.ok(Math.abs(niceStep(rough) - step) < 1e-12, `${rough} → ${niceStep(rough)}`);
});

const declining = Array.from({ length: 50 }, (_, i) => 1 - i * 0.014);

test('linear domains: an ordinary curve keeps every point, a spike or an explosion is clipped and counted', () => {
  const cases: {
    name: string;
    values: number[];
    include?: number[];
    lo: number;
    hi: [number, number];
    above: number;
    below: number;
  }[] = [
    { name: 'declining loss', values: declining, lo: 0.3, hi: [1, 1.2], above: 0, below: 0 },
    { name: 'one spike of 1e6', values: [...declining, 1e6], lo: 0.3, hi: [1, 1.2], above: 1, below: 0 },
    {
      name: 'baseline below the curve is included',
      values: declining,
      include: [0.1],
      lo: 0,
      hi: [1, 1.25],
      above: 0,
      below: 0,
    },
    {
      name: 'a few huge values among many small ones',
      values: [...declining, 4e14, 1.8e12],
      lo: 0.3,
      hi: [1, 1.2],
      above: 2,
      below: 0,
    },
    {
      name: 'a dip far below',
      values: [...declining.map((v) => v + 10), -1000],
      lo: 10.3,
      hi: [11, 11.2],
      above: 0,
      below: 1,
    },
  ];
  for (const c of cases) {
    const plan = linearAxisPlan(c.values, c.include);
    assert.ok(plan.domain[0] <= c.lo && plan.domain[0] >= c.lo - 0.5, `${c.name}: lo ${plan.domain[0]}`);
    assert.ok(plan.domain[1] >= c.hi[0] && plan.domain[1] <= c.hi[1], `${c.name}: hi ${plan.domain[1]}`);
    assert.equal(plan.clippedAbove, c.above, `${c.name}: above`);
    assert.equal(plan.clippedBelow, c.below, `${c.name}: below`);
    assert.equal(plan.ticks[0], plan.domain[0], `${c.name}: first tick`);
    assert.equal(plan.ticks.at(-1), plan.domain[1], `${c.name}: last tick`);
    assert.equal(new Set(plan.ticks).size, plan.ticks.length, `${c.name}: unique ticks`);
  }
});

test('linear domains never collapse to one value and non-negative data get no negative axis', () => {
  const cases: [number[], [number, number]][] = [
    [[0.6923], [0.6, 0.8]],
    [
      [0.6923, 0.6923, 0.6923],
      [0.6, 0.8],
    ],
    [
      [0, 0],
      [0, 1],
    ],
    [[], [0, 1.5]],
    [
      [0.01, 0.02, 5],
      [0, 6],
    ],
    // A diverging run's gradient norm pinned by clipping: varies in the 6th digit, labels show 4.
    [
      [0.959312, 0.959318, 0.959305, 0.959321, 0.959309],
      [0.95, 0.97],
    ],
    [
      [-2.000001, -2.000003, -2.000002],
      [-2.1, -1.9],
    ],
    [
      [123456.1, 123456.3, 123456.2],
      [123000, 124000],
    ],
  ];
  for (const [values, [lo, hi]] of cases) {
    const plan = linearAxisPlan(values);
    assert.ok(plan.domain[0] < plan.domain[1], `${values}: non-empty domain`);
    assert.ok(plan.domain[0] >= lo && plan.domain[1] <= hi, `${values}: ${plan.domain}`);
    assert.ok(plan.ticks.length >= 2 && plan.ticks.length <= 12, `${values}: ${plan.ticks.length} ticks`);
    assert.equal(
      new Set(plan.ticks.map(formatTick)).size,
      plan.ticks.length,
      `${values}: distinct labels ${plan.ticks.map(formatTick)}`,
    );
  }
});

test('log domains cover whole decades of the positive values; zeros and negatives are hidden, not -Infinity', () => {
  const cases: { values: number[]; include?: number[]; domain: [number, number]; hidden: number; maxTicks: number }[] =
    [
      { values: [0.96, 47.7, 65320, 251462048, 224371671040], domain: [0.1, 1e14], hidden: 0, maxTicks: 7 },
      { values: [0.5, 0.7], domain: [0.1, 1], hidden: 0, maxTicks: 3 },
      { values: [1], domain: [0.1, 10], hidden: 0, maxTicks: 3 },
      { values: [0, -2, 0.05, 3], domain: [0.01, 10], hidden: 2, maxTicks: 4 },
      { values: [0.05, 3], include: [0.0005], domain: [1e-4, 10], hidden: 0, maxTicks: 6 },
      { values: [0, -1], domain: [0.1, 10], hidden: 2, maxTicks: 3 },
    ];
  for (const c of cases) {
    const plan = logAxisPlan(c.values, c.include);
    assert.deepEqual(plan.domain, c.domain, `${c.values}: domain`);
    assert.equal(plan.hidden, c.hidden, `${c.values}: hidden`);
    assert.ok(plan.ticks.length <= c.maxTicks && plan.ticks.length >= 2, `${c.values}: ${plan.ticks}`);
    assert.ok(
      plan.ticks.every((t) => t > 0 && Number.isFinite(Math.log10(t))),
      `${c.values}: positive ticks`,
    );
  }
});

test('tick labels are short and the axis is as wide as its widest label', () => {
  const labels: [number, string][] = [
    [1.4e6, '1.4e+6'],
    [1e12, '1e+12'],
    [0.6923, '0.6923'],
    [1e-4, '1e-4'],
    [0.3, '0.3'],
    [350000, '3.5e+5'],
    [0, '0'],
  ];
  for (const [v, s] of labels) assert.equal(formatTick(v), s);
  // The old axis was 52 px wide whatever it showed: "1.40e+6" did not fit.
  assert.ok(tickLabelWidth(['1.40e+6']) > 52);
  assert.ok(tickLabelWidth(['4.500e+14']) > tickLabelWidth(['0.5']));
  assert.ok(tickLabelWidth([]) >= 32);
});

test('rows for a log axis turn zero and negative values into gaps', () => {
  const rows = [
    { x: 1, a: 0, b: 2 },
    { x: 2, a: 3, b: -1 },
    { x: 3, a: 4, b: 5 },
  ];
  assert.deepEqual(forLogScale(rows, ['a', 'b']), [
    { x: 1, a: null, b: 2 },
    { x: 2, a: 3, b: null },
    { x: 3, a: 4, b: 5 },
  ]);
  assert.equal(forLogScale(rows, ['a', 'b'])[2], rows[2]);
  assert.deepEqual(seriesValues(rows, ['a']), [0, 3, 4]);
});

test('CSV export: one header, one line per plotted row, full precision, quoting', () => {
  const data = {
    batch: [
      { x: 0.5, raw: 0.96, smooth: 0.96 },
      { x: 1, raw: 47.7, smooth: null },
    ],
    epoch: [{ x: 1, train: 24.6, val: null }],
    points: 3,
  };
  const rows = scalarRows(data);
  assert.deepEqual(
    rows.map((r) => [r.x, r.raw, r.train]),
    [
      [0.5, 0.96, null],
      [1, 47.7, null],
      [1, null, 24.6],
    ],
  );
  const cases: [string, string][] = [
    [
      scalarCsv(rows, 'loss', true),
      'epoch,loss_batch,loss_batch_ema,loss_epoch,val_loss\r\n0.5,0.96,0.96,,\r\n1,47.7,,,\r\n1,,,24.6,\r\n',
    ],
    [scalarCsv(rows, 'mae', false), 'epoch,mae_batch,mae_epoch,val_mae\r\n0.5,0.96,,\r\n1,47.7,,\r\n1,,24.6,\r\n'],
    [
      toCsv(
        ['a', 'b'],
        [
          ['x,y', 'say "hi"'],
          [Number.NaN, 224371671040],
        ],
      ),
      'a,b\r\n"x,y","say ""hi"""\r\n,224371671040\r\n',
    ],
    [
      gradNormCsv({
        rows: [
          { x: 0.1, gru: 0.7 },
          { x: 0.2, dense: 3 },
        ],
        layers: ['gru', 'dense'],
        points: 2,
      }),
      'epoch,gru,dense\r\n0.1,0.7,\r\n0.2,,3\r\n',
    ],
  ];
  for (const [actual, expected] of cases) assert.equal(actual, expected);
  assert.deepEqual(scalarCsvHeader('accuracy', false), ['epoch', 'accuracy_batch', 'accuracy_epoch', 'val_accuracy']);
});

test('drawn series: batch and epoch rows apart (epoch dots over epochs only); a log axis turns values ≤ 0 into gaps', () => {
  const data = {
    batch: [
      { x: 0.5, raw: 0.8, smooth: 0.8 },
      { x: 1, raw: -0.1, smooth: 0.4 },
    ],
    epoch: [{ x: 1, train: 0.5, val: 0 }],
    points: 3,
  };
  const linear = drawnSeries(data, 'linear');
  assert.equal(linear.batch, data.batch);
  assert.equal(linear.epoch, data.epoch);
  const log = drawnSeries(data, 'log');
  assert.deepEqual(log.batch, [
    { x: 0.5, raw: 0.8, smooth: 0.8 },
    { x: 1, raw: null, smooth: 0.4 },
  ]);
  assert.deepEqual(log.epoch, [{ x: 1, train: 0.5, val: null }]);
});

test('a brush selection over the rows becomes an x range for series drawn from rows of their own', () => {
  const rows = [{ x: 0.25 }, { x: 0.5 }, { x: 1 }, { x: 1.5 }];
  assert.equal(zoomedDomain(rows, null), null);
  assert.deepEqual(zoomedDomain(rows, { startIndex: 1, endIndex: 3 }), [0.5, 1.5]);
  assert.equal(zoomedDomain(rows, { startIndex: 1, endIndex: 9 }), null);
  const [lo, hi] = zoomedDomain(rows, { startIndex: 2, endIndex: 2 })!;
  assert.equal(lo, 1);
  assert.ok(hi > lo, 'a one-row selection still has a width');
});

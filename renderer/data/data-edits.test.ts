import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelSpec } from '../../shared/model-spec.js';
import { analyzeModel } from '../../shared/shape-inference.js';
import {
  adoptSeriesColumns,
  setDataKind,
  setDataPath,
  setSeriesData,
  setTokenInput,
  truncatedShare,
} from './data-edits.js';
import { checkDataSettings } from './data-checks.js';
import { classifyColumns, inferDataKind, parseCsvHead, sniffCsv } from './csv-sniff.js';

const forecast: ModelSpec = {
  format: 1,
  name: 'f',
  input: { kind: 'floats', timesteps: 36, features: 3 },
  layers: [
    { className: 'GRU', config: { units: 4 } },
    { className: 'Dense', config: { units: 1 } },
  ],
  training: { loss: 'meanAbsoluteError' },
  data: {
    kind: 'timeseries',
    path: 'sample:x.csv',
    features: ['pressure', 'temperature', 'wind'],
    target: 'temperature',
    lookback: 72,
    step: 2,
    delay: 24,
  },
};

const inputDimOf = (s: ModelSpec): unknown => (s.layers[0]?.config as Record<string, unknown> | undefined)?.inputDim;

test('lookback/step and the feature list keep input.timesteps and input.features in step', () => {
  const s = setSeriesData(forecast, { lookback: 49, step: 4 });
  assert.deepEqual(s.input, { kind: 'floats', timesteps: 13, features: 3 });
  const fewer = setSeriesData(s, { features: ['pressure'] });
  assert.equal(fewer.input.kind === 'floats' && fewer.input.features, 2, 'the target always counts');
  assert.ok(analyzeModel(fewer).valid);
  const bad = setSeriesData(forecast, { step: 0 });
  assert.equal(bad.input.kind === 'floats' && bad.input.timesteps, 36, 'an invalid step leaves the shape alone');
});

test('a tied Embedding follows the vocabulary size; a deliberately larger one does not', () => {
  const text: ModelSpec = {
    format: 1,
    name: 't',
    input: { kind: 'tokens', vocabSize: 1000, length: 10 },
    layers: [{ className: 'Embedding', config: { inputDim: 1000, outputDim: 4 } }],
  };
  assert.equal(inputDimOf(setTokenInput(text, { vocabSize: 2000 })), 2000);
  const larger = { ...text, layers: [{ className: 'Embedding', config: { inputDim: 5000, outputDim: 4 } }] };
  assert.equal(inputDimOf(setTokenInput(larger, { vocabSize: 2000 })), 5000);
  assert.equal(
    inputDimOf(setTokenInput(text, { vocabSize: 'x' as unknown as number })),
    1000,
    'text being typed is not copied',
  );
});

test('switching the data kind switches the input kind with sensible defaults', () => {
  const text = setDataKind(forecast, 'text');
  assert.equal(text.input.kind, 'tokens');
  assert.equal(text.data?.kind, 'text');
  const back = setDataKind(text, 'timeseries');
  assert.deepEqual(back.input, { kind: 'floats', timesteps: 36, features: 1 });
  assert.equal(setDataKind(forecast, 'timeseries'), forecast);
});

test('an uploaded CSV adopts its numeric columns as features and keeps a target that exists', () => {
  const s = adoptSeriesColumns(
    { ...forecast, data: { ...forecast.data!, target: 'nope' } as ModelSpec['data'] },
    { numeric: ['a', 'b'], dateColumn: 'when' },
  );
  assert.deepEqual(s.data, { ...forecast.data, target: 'b', features: ['a', 'b'], dateColumn: 'when' });
  assert.equal(s.input.kind === 'floats' && s.input.features, 2);
});

test('truncated share reads the histogram, counting a straddling bin in proportion', () => {
  const hist = [
    { from: 0, to: 10, count: 50 },
    { from: 10, to: 20, count: 30 },
    { from: 20, to: 30, count: 20 },
  ];
  assert.equal(truncatedShare(hist, 30), 0);
  assert.equal(truncatedShare(hist, 19), 0.2);
  assert.ok(Math.abs(truncatedShare(hist, 14) - ((30 * 5) / 10 + 20) / 100) < 1e-12);
  assert.equal(truncatedShare([], 5), 0);
});

test('data checks catch fractions that leave nothing to train on and a missing target', () => {
  assert.deepEqual(checkDataSettings(forecast), []);
  const bad = setSeriesData(forecast, { trainFraction: 0.8, valFraction: 0.3, target: '' });
  assert.deepEqual(
    checkDataSettings(bad)
      .map((i) => i.field)
      .sort(),
    ['target', 'trainFraction'],
  );
  assert.equal(checkDataSettings({ ...forecast, data: undefined })[0]!.field, 'path');
  const text = setDataKind({ ...forecast, data: { ...forecast.data!, path: '' } as ModelSpec['data'] }, 'text');
  assert.ok(
    checkDataSettings(text).some((i) => i.field === 'path'),
    'a text section without a path',
  );
});

test('CSV sniffing: quoted fields, numeric columns and the date column', () => {
  assert.deepEqual(parseCsvHead('a,"b,c",d\r\n1,"say ""hi""",3\n'), [
    ['a', 'b,c', 'd'],
    ['1', 'say "hi"', '3'],
  ]);
  const { header, kinds } = sniffCsv(
    '\ufeffdate,pressure,temperature,note\n2010-01-01T01:00,1016.6,4.0,x\n2010-01-01T02:00,1016.7,3.9,\n',
  );
  assert.deepEqual(header, ['date', 'pressure', 'temperature', 'note']);
  assert.deepEqual(kinds, { numeric: ['pressure', 'temperature'], dateColumn: 'date' });
  assert.deepEqual(classifyColumns(['t', 'v'], [['1', '2']]), { numeric: ['t', 'v'], dateColumn: null });
  const rows = Array.from({ length: 9 }, (_, i) => [String(i)]);
  assert.deepEqual(
    classifyColumns(['b'], [...rows, ['oops']]).numeric,
    ['b'],
    'one bad cell in ten is left for the server to report',
  );
  assert.deepEqual(classifyColumns(['Time', 'v'], [['1700000000', '2']]), { numeric: ['v'], dateColumn: 'Time' });
});

test('the CSV sniffer takes the delimiter from the header line, as the server does', () => {
  assert.deepEqual(parseCsvHead('date;temp;wind\n2020-01-01;1,5;3\n'), [
    ['date', 'temp', 'wind'],
    ['2020-01-01', '1,5', '3'],
  ]);
  assert.deepEqual(parseCsvHead('a\tb\n1\t2\n'), [
    ['a', 'b'],
    ['1', '2'],
  ]);
  assert.deepEqual(parseCsvHead('"x;y",b\n1,2\n'), [
    ['x;y', 'b'],
    ['1', '2'],
  ]);
  assert.deepEqual(sniffCsv('date|a|b\n2020-01-01|1|2\n2020-01-02|3|4\n').kinds, {
    numeric: ['a', 'b'],
    dateColumn: 'date',
  });
});

test('the kind follows the file: prose makes text, numbers make a series; the loss follows the task and the file stays', () => {
  const cases: [string, 'text' | 'timeseries' | null][] = [
    ['date,pressure,temperature,wind\n2020-01-01,1016.6,4.0,3\n2020-01-02,1016.7,3.9,2\n', 'timeseries'],
    ['t,load\n1,0.5\n2,0.7\n', 'timeseries'],
    ['review,label\n"a slow, dull film with no heart",neg\n"the best thing I saw this year",pos\n', 'text'],
    ['text,label\nFree entry in a weekly competition to win,spam\nOk see you later then,ham\n', 'text'],
    ['', null],
    ['a,b\nx,y\n', null],
  ];
  for (const [csv, kind] of cases) assert.equal(inferDataKind(sniffCsv(csv)), kind, csv);

  // A numeric CSV imported into a text project: the kind, the input and the loss all become a forecaster's.
  const text = setDataKind(forecast, 'text');
  assert.equal(text.training?.loss, 'binaryCrossentropy');
  assert.deepEqual(text.training?.metrics, ['accuracy']);
  const series = setDataPath(text, '/up/weather.csv', 'timeseries');
  assert.equal(series.training?.loss, 'meanAbsoluteError');
  assert.equal(series.input.kind, 'floats');
  // Switching the kind and back keeps the file (it is the same file, read another way).
  assert.equal(setDataKind(series, 'text').data?.path, '/up/weather.csv');
  assert.equal(setDataKind(setDataKind(series, 'text'), 'timeseries').data?.path, '/up/weather.csv');
  // A regression loss the user chose (MSE) is kept when it already fits the task.
  const mse = { ...forecast, training: { loss: 'meanSquaredError' as const } };
  assert.equal(
    setDataKind(setDataKind(mse, 'text'), 'timeseries').training?.loss,
    'meanAbsoluteError',
    'text went through binaryCrossentropy',
  );
  assert.equal(setDataPath(mse, '/x.csv', 'timeseries').training?.loss, 'meanSquaredError');
});

test('the forecast target is the column forecasts are usually of, else the last one', () => {
  const pick = (numeric: string[]) =>
    (adoptSeriesColumns(forecast, { numeric, dateColumn: 'date' }).data as { target: string }).target;
  assert.equal(pick(['p (mbar)', 'T (degC)', 'rh (%)', 'wv (m/s)']), 'T (degC)');
  assert.equal(pick(['precipitation', 'temp_max', 'temp_min', 'wind']), 'temp_max');
  assert.equal(pick(['a', 'b']), 'b');
});

/**
 * Property-based tests (fast-check) over the three places untrusted text enters: the spec validator, the CSV
 * reader and the text data-set reader. Properties: they never throw anything but their own error type (DataError
 * for data; the spec validator never throws at all), and they finish in bounded time on any input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { analyzeModel } from '../../shared/shape-inference.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import { parseCsv } from '../../shared/csv.js';
import { DataError } from '../../shared/data-error.js';
import { decodeText } from '../data/encoding.js';
import { loadTextDataset } from '../data/text-dataset.js';
import { loadTimeSeries } from '../data/timeseries.js';
import { parseCsvHead } from '../../renderer/data/csv-sniff.js';
import { makeTempDir } from '../data/test-support.js';
import { LAYER_CATALOG } from '../../shared/layer-catalog.js';

/** Per-input bound: inputs are at most a few KiB and take well under 1 ms; a hang exceeds it, GC pauses on a loaded 2-core machine do not. */
const MAX_MS_PER_INPUT = 1000;
const RUNS = Number(process.env.FC_RUNS ?? 300);

function timed<T>(fn: () => T): T {
  const t0 = performance.now();
  try {
    return fn();
  } finally {
    const ms = performance.now() - t0;
    assert.ok(ms < MAX_MS_PER_INPUT, `took ${ms.toFixed(0)} ms (bound ${MAX_MS_PER_INPUT} ms)`);
  }
}

/** Runs fn; passes when it returns or throws a DataError, fails on any other exception. */
function onlyDataErrors(fn: () => unknown): void {
  try {
    timed(fn);
  } catch (e) {
    if (e instanceof DataError) {
      assert.ok(e.message.length > 0 && e.message.length < 2000, 'a DataError message is present and readable');
      return;
    }
    throw e;
  }
}

// ---- the spec validator -------------------------------------------------------------------------------------------

/** Any JSON-like value, with the object keys a crafted file would use to trip up string conversion and lookups. */
const hostileKey = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom('toString', 'valueOf', '__proto__', 'constructor', 'hasOwnProperty', 'length'),
);
const anyValue = fc.oneof(
  fc.anything({ key: hostileKey, withObjectString: true, withNullPrototype: true, maxDepth: 3 }),
  fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown),
);

const classNames = [
  ...LAYER_CATALOG.map((d) => d.className),
  'Bidirectional',
  'Conv1D',
  '__proto__',
  'constructor',
  '',
];
const paramValue = fc.oneof(
  fc.integer({ min: -5, max: 70_000 }),
  fc.constantFrom(0, 1, 1e9, -1, 0.5, Number.NaN, Infinity, 2 ** 53),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 8 }),
  fc.constantFrom('relu', 'tanh', 'sigmoid', 'softmax', 'concat', 'glorotUniform'),
);
const paramName = fc.constantFrom(
  'units',
  'activation',
  'returnSequences',
  'inputDim',
  'outputDim',
  'rate',
  'dropout',
  'recurrentDropout',
  'mergeMode',
  'useBias',
  'maskZero',
  'name',
  'unknownParam',
  '__proto__',
  'toString',
);
const plainLayer = fc.record(
  { className: fc.constantFrom(...classNames), config: fc.dictionary(paramName, paramValue, { maxKeys: 5 }) },
  { requiredKeys: ['className'] },
);
const layer = fc.oneof(
  plainLayer,
  fc.record({
    className: fc.constant('Bidirectional'),
    config: fc.record({ mergeMode: fc.constantFrom('concat', 'sum', 'mul', 'ave', 'bad') }),
    layer: plainLayer,
  }),
  anyValue,
);
const input = fc.oneof(
  fc.record({ kind: fc.constant('tokens'), vocabSize: paramValue, length: paramValue }),
  fc.record({ kind: fc.constant('floats'), timesteps: paramValue, features: paramValue }),
  anyValue,
);
const training = fc.record(
  {
    optimizer: fc.constantFrom('rmsprop', 'adam', 'sgd', 'nadam'),
    learningRate: paramValue,
    loss: fc.constantFrom(
      'binaryCrossentropy',
      'sparseCategoricalCrossentropy',
      'meanSquaredError',
      'meanAbsoluteError',
      'hinge',
    ),
    batchSize: paramValue,
    epochs: paramValue,
    clipnorm: paramValue,
    validationSplit: paramValue,
    metrics: fc.array(fc.constantFrom('accuracy', 'mae', 'auc'), { maxLength: 3 }),
    earlyStopping: fc.oneof(
      fc.constant(null),
      fc.record({ monitor: fc.string({ maxLength: 10 }), patience: paramValue }),
    ),
  },
  { requiredKeys: [] },
);
const spec = fc.record(
  {
    format: fc.oneof(fc.constant(1), paramValue),
    name: fc.oneof(fc.string({ maxLength: 20 }), paramValue),
    input,
    layers: fc.oneof(fc.array(layer, { maxLength: 6 }), anyValue),
    training: fc.oneof(training, anyValue),
    data: fc.oneof(
      fc.record({ kind: fc.constantFrom('text', 'timeseries', 'images'), path: fc.string({ maxLength: 10 }) }),
      anyValue,
    ),
  },
  { requiredKeys: [] },
);

test('spec validator: never throws, always answers valid or with at least one error, in bounded time', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        spec,
        anyValue,
        spec.map((v) => JSON.parse(JSON.stringify(v)) as unknown),
      ),
      (s) => {
        const analysis = timed(() => analyzeModel(s as ModelSpec));
        assert.equal(typeof analysis.valid, 'boolean');
        const errors = analysis.issues.filter((i) => i.severity === 'error');
        assert.equal(analysis.valid, errors.length === 0, 'valid exactly when there is no error');
        for (const i of analysis.issues) assert.ok(typeof i.message === 'string' && i.message.length > 0);
        if (analysis.valid) assert.ok(Number.isFinite(analysis.totalParams) && analysis.totalParams >= 0);
      },
    ),
    { numRuns: RUNS * 3 },
  );
});

/** A JSON object text with hostile keys, parsed as JSON.parse would parse a crafted file (own __proto__ keys included). */
const hostileJson = fc
  .dictionary(
    fc.constantFrom('layers', 'input', 'training', 'format', 'name', 'data'),
    fc.dictionary(hostileKey, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  )
  .map((o) => JSON.parse(JSON.stringify(o)) as Record<string, unknown>);

test('spec validator: the same spec parsed from JSON text gives the same verdict (no hidden state)', () => {
  fc.assert(
    fc.property(spec, hostileJson, (s, extra) => {
      Object.assign(s, extra);
      const text = JSON.stringify(s);
      const a = analyzeModel(JSON.parse(text) as ModelSpec);
      const b = analyzeModel(JSON.parse(text) as ModelSpec);
      assert.deepEqual(b, a);
    }),
    { numRuns: RUNS },
  );
});

// ---- the CSV reader -----------------------------------------------------------------------------------------------

/** CSV-ish text: built from the characters that matter to the parser, so quotes and breaks meet often. */
const csvText = fc.oneof(
  fc.string({
    unit: fc.constantFrom(
      ',',
      ';',
      '\t',
      '|',
      '"',
      '\n',
      '\r',
      ' ',
      'a',
      'b',
      '1',
      '.',
      '-',
      'e',
      '\ufeff',
      '\u0000',
      'é',
    ),
    maxLength: 400,
  }),
  fc.string({ maxLength: 400 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc
    .array(
      fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.double().map(String), fc.constant('"q""x"')), {
        minLength: 1,
        maxLength: 5,
      }),
      { maxLength: 20 },
    )
    .map((rows) => rows.map((r) => r.join(',')).join('\n')),
);

test('CSV reader: any text parses into a well-formed table or raises a DataError, never anything else', () => {
  fc.assert(
    fc.property(csvText, fc.constantFrom(undefined, ',', ';', '\t', '|'), (text, delimiter) => {
      onlyDataErrors(() => {
        const t = parseCsv(text, delimiter === undefined ? { file: 'fuzz.csv' } : { file: 'fuzz.csv', delimiter });
        // What it returns is well-formed: every row as wide as the header, a line number per row.
        for (const row of t.rows) assert.equal(row.length, t.header.length);
        assert.equal(t.rowLines.length, t.rows.length);
        assert.ok(t.header.every((h) => h !== ''));
      });
    }),
    { numRuns: RUNS * 3 },
  );
});

test('CSV reader: quoting any table and parsing it gives the table back (round trip)', () => {
  const cell = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r\n', ' ', ';', '1'), maxLength: 8 });
  const table = fc.integer({ min: 1, max: 5 }).chain((w) =>
    fc.tuple(
      fc.uniqueArray(fc.string({ unit: fc.constantFrom('x', 'y', 'z', '_'), minLength: 1, maxLength: 4 }), {
        minLength: w,
        maxLength: w,
      }),
      fc.array(fc.array(cell, { minLength: w, maxLength: w }), { minLength: 1, maxLength: 8 }),
    ),
  );
  fc.assert(
    fc.property(table, ([header, rows]) => {
      // A data row that is one empty cell is a blank line to the reader (as in pandas); keep such rows out.
      fc.pre(rows.every((r) => !(r.length === 1 && r[0]!.trim() === '')));
      const quote = (c: string) => `"${c.replace(/"/g, '""')}"`;
      const text = [header.join(','), ...rows.map((r) => r.map(quote).join(','))].join('\r\n');
      const t = timed(() => parseCsv(text, { file: 'rt.csv', delimiter: ',' }));
      assert.deepEqual(t.header, header);
      assert.deepEqual(t.rows, rows);
    }),
    { numRuns: RUNS },
  );
});

test('CSV sniffer in the page: never throws, whatever the first 64 KiB look like', () => {
  fc.assert(
    fc.property(csvText, (text) => {
      const rows = timed(() => parseCsvHead(text));
      assert.ok(Array.isArray(rows) && rows.length <= 50);
    }),
    { numRuns: RUNS * 2 },
  );
});

test('decoder: any bytes in any encoding decode or raise a DataError', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 300 }),
      fc.constantFrom('auto', 'utf-8', 'latin1', 'windows-1252', 'utf-16le'),
      (bytes, enc) => {
        onlyDataErrors(() => decodeText(bytes, enc as 'auto', 'fuzz.txt'));
      },
    ),
    { numRuns: RUNS * 2 },
  );
});

// ---- readers over files -------------------------------------------------------------------------------------------

test('time-series reader: any CSV file raises only DataErrors', () => {
  const { dir, cleanup } = makeTempDir('fc-ts');
  try {
    let n = 0;
    fc.assert(
      fc.property(csvText, fc.constantFrom('a', 'b', 'temp', ''), (text, target) => {
        const file = join(dir, `f${n++}.csv`);
        writeFileSync(file, text);
        onlyDataErrors(() => loadTimeSeries(file, { target }));
      }),
      { numRuns: RUNS },
    );
  } finally {
    cleanup();
  }
});

test('text data-set reader: any folder of class files (binary, empty, any encoding) raises only DataErrors', () => {
  const { dir, cleanup } = makeTempDir('fc-text');
  const fileBytes = fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    fc.string({ maxLength: 200 }).map((s) => new TextEncoder().encode(s)),
    fc.constant(new Uint8Array([0xff, 0xfe, 0x41, 0x00])),
    fc.constant(new Uint8Array([0xfe, 0xff, 0x00, 0x41])),
  );
  const layout = fc.record({
    format: fc.constantFrom('auto', 'folders', 'lines', 'csv'),
    classes: fc.dictionary(
      fc.constantFrom('pos', 'neg', 'unsup', 'x', '1', '0'),
      fc.array(fileBytes, { maxLength: 3 }),
      { maxKeys: 3 },
    ),
  });
  try {
    let n = 0;
    fc.assert(
      fc.property(layout, ({ format, classes }) => {
        const root = join(dir, `case${n++}`);
        mkdirSync(root);
        for (const [cls, files] of Object.entries(classes)) {
          if (format === 'lines') writeFileSync(join(root, cls), files[0] ?? new Uint8Array());
          else {
            mkdirSync(join(root, cls));
            files.forEach((b, i) => writeFileSync(join(root, cls, `${i}.txt`), b));
          }
        }
        onlyDataErrors(() => {
          const ds = loadTextDataset(root, { format: format as 'auto' });
          assert.equal(ds.texts.length, ds.labels.length);
          assert.ok(ds.classNames.length >= 2);
        });
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  } finally {
    cleanup();
  }
});

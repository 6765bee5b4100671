/**
 * The bad-input corpus: every file a user could plausibly hand the studio or the CLI that is wrong, each with the
 * exact message the user must see. Small inputs live in `corpus/`; big, binary or odd ones (a 2 GiB file, binary
 * and mixed-encoding text folders, damaged projects and models) are generated here at test time.
 *
 * What the user sees: data problems are DataError messages (the studio shows them as they are, the CLI prints them),
 * spec problems are the validator's messages joined by line breaks (the studio's startRun error, the CLI's summary),
 * project problems are the API's error messages.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, truncateSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError } from '../../shared/data-error.js';
import { analyzeModel } from '../../shared/shape-inference.js';
import { resolveTraining } from '../../shared/model-spec.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import { ApiError } from '../../shared/api.js';
import { loadTimeSeries } from '../data/timeseries.js';
import { loadTextDataset } from '../data/text-dataset.js';
import { readSpec } from '../cli/cli.js';
import { prepareData } from '../training/prepare-data.js';
import { buildModel } from '../training/build-model.js';
import { loadLayersModel, saveLayersModel } from '../training/save-model.js';
import { StudioService } from '../studio/studio-service.js';
import { makeTempDir } from '../data/test-support.js';

const here = dirname(fileURLToPath(import.meta.url));
const corpus = join(here, 'corpus');
const root = join(here, '..', '..');
const tmp = makeTempDir('bad-inputs');
after(() => tmp.cleanup());

const textSpec = (path: string): ModelSpec => ({
  format: 1,
  name: 'x',
  input: { kind: 'tokens', vocabSize: 100, length: 10 },
  layers: [
    { className: 'Embedding', config: { inputDim: 100, outputDim: 8 } },
    { className: 'LSTM', config: { units: 8 } },
    { className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
  ],
  training: { epochs: 1, batchSize: 2 },
  data: { kind: 'text', path },
});

/** What the user reads for each kind of input. Returns null when the input is accepted. */
const read = {
  series: (path: string) => () => loadTimeSeries(path, { target: 'temp' }),
  text: (path: string) => () => loadTextDataset(path),
  textForSigmoid: (path: string) => () => prepareData(textSpec(path), path, resolveTraining(textSpec(path))),
  /** The spec as the CLI reads it and the studio validates it: the validator's errors, one per line. */
  spec: (path: string) => () => {
    const errors = analyzeModel(readSpec(path)).issues.filter((i) => i.severity === 'error');
    if (errors.length > 0) throw new Error(errors.map((i) => i.message).join('\n'));
  },
  project: (userData: string, id: string) => async () => {
    const s = new StudioService({
      userDataDir: userData,
      host: 'web',
      appVersion: 'test',
      assetsDir: join(root, 'assets'),
      examplesDir: join(root, 'examples'),
    });
    await s.call('loadProject', { id });
  },
  model: (dir: string) => async () => {
    (await loadLayersModel(dir)).dispose();
  },
};

interface Case {
  /** The corpus file, or what the test generates. */
  input: string;
  run: () => unknown;
  /** The exact message, or null for an odd input that must be accepted. */
  expected: string | null;
  /** Errors other than DataError are allowed only where the layer's own type is something else (spec, API). */
  type?: new (...args: never[]) => Error;
  /** Refused within this many ms (the 2 GiB file must be refused by its size, before reading). */
  withinMs?: number;
}

const c = (name: string) => join(corpus, name);
const cases: Case[] = [
  // ---- malformed CSV (time series) ----
  {
    input: 'unterminated-quote.csv',
    run: read.series(c('unterminated-quote.csv')),
    expected:
      'unterminated-quote.csv, row 2: expected a closing quote (") for the quoted field that opens on this row, received the end of the file.',
  },
  {
    input: 'ragged-row.csv',
    run: read.series(c('ragged-row.csv')),
    expected:
      'ragged-row.csv, row 3: expected 3 fields (as in the header), received 2. Check for a missing or extra "," or an unquoted field that contains one.',
  },
  {
    input: 'wrong-delimiter.csv',
    run: read.series(c('wrong-delimiter.csv')),
    expected:
      'wrong-delimiter.csv, row 2: expected 3 fields (as in the header), received 1. Check for a missing or extra "," or an unquoted field that contains one.',
  },
  { input: 'bom-utf8-ok.csv (a UTF-8 BOM is accepted)', run: read.series(c('bom-utf8-ok.csv')), expected: null },
  {
    input: 'bom-utf16be.csv',
    run: read.series(c('bom-utf16be.csv')),
    expected:
      'bom-utf16be.csv: expected UTF-8, UTF-16LE, Latin-1 or Windows-1252 text, received UTF-16BE (byte-order mark FE FF). Save the file as UTF-8.',
  },
  {
    input: 'empty.csv',
    run: read.series(c('empty.csv')),
    expected: 'empty.csv: expected a header line and at least one data row, received an empty file.',
  },
  {
    input: 'blank-lines-only.csv',
    run: read.series(c('blank-lines-only.csv')),
    expected: 'blank-lines-only.csv: expected a header line and at least one data row, received an empty file.',
  },
  {
    input: 'header-only.csv',
    run: read.series(c('header-only.csv')),
    expected: 'header-only.csv, row 1: expected at least one data row after the header, received only the header.',
  },
  {
    input: 'non-numeric.csv',
    run: read.series(c('non-numeric.csv')),
    expected: 'non-numeric.csv, row 3, column "temp": expected a number, received "oops".',
  },
  {
    input: 'nan-cell.csv',
    run: read.series(c('nan-cell.csv')),
    expected: 'nan-cell.csv, row 3, column "temp": expected a finite number, received "NaN".',
  },
  {
    input: 'inf-cell.csv',
    run: read.series(c('inf-cell.csv')),
    expected: 'inf-cell.csv, row 3, column "temp": expected a finite number, received "-Infinity".',
  },
  {
    input: 'float32-overflow.csv',
    run: read.series(c('float32-overflow.csv')),
    expected:
      'float32-overflow.csv, row 3, column "temp": expected a number within float32 range (±3.4e38), received "1e39".',
  },
  {
    input: 'empty-cell.csv',
    run: read.series(c('empty-cell.csv')),
    expected: 'empty-cell.csv, row 3, column "temp": expected a number, received an empty cell.',
  },
  {
    input: 'duplicate-header.csv',
    run: read.series(c('duplicate-header.csv')),
    expected:
      'duplicate-header.csv, row 1, column "temp": expected unique column names in the header, received "temp" twice (columns 2 and 3).',
  },
  {
    input: 'empty-header-name.csv',
    run: read.series(c('empty-header-name.csv')),
    expected:
      'empty-header-name.csv, row 1: expected a name for every column of the header, received an empty name for column 2 of 3.',
  },
  {
    input: 'text-after-quote.csv',
    run: read.series(c('text-after-quote.csv')),
    expected:
      'text-after-quote.csv, row 2: expected a delimiter or the end of the line after a closing quote, received "x,1". A quote inside a quoted field must be doubled ("").',
  },
  {
    input: 'missing-target.csv',
    run: read.series(c('missing-target.csv')),
    expected:
      'missing-target.csv: expected a column named "temp" (`target`), received none. Available columns: "date", "pressure".',
  },
  {
    input: 'huge.csv (2 GiB, sparse, generated)',
    withinMs: 500,
    run: () => {
      const path = join(tmp.dir, 'huge.csv');
      writeFileSync(path, 'date,temp\n');
      truncateSync(path, 2 * 1024 ** 3); // sparse: no 2 GiB written to disk
      return loadTimeSeries(path, { target: 'temp' });
    },
    expected:
      'huge.csv: expected a file of at most 1.0 GiB (the limit), received 2.0 GiB (2147483648 bytes). Split the file or keep only the rows you need.',
  },
  {
    input: 'huge-text.csv (2 GiB text CSV, sparse, generated)',
    withinMs: 500,
    run: () => {
      const path = join(tmp.dir, 'huge-text.csv');
      writeFileSync(path, 'text,label\n');
      truncateSync(path, 2 * 1024 ** 3);
      return loadTextDataset(path);
    },
    expected:
      'huge-text.csv: expected a file of at most 1.0 GiB (the limit), received 2.0 GiB (2147483648 bytes). Split the file or keep only the rows you need.',
  },
  // ---- text data ----
  {
    input: 'text-empty-cell.csv',
    run: read.text(c('text-empty-cell.csv')),
    expected: 'text-empty-cell.csv, row 3, column "text": expected a text, received an empty cell.',
  },
  {
    input: 'text-one-label.csv',
    run: read.text(c('text-one-label.csv')),
    expected: 'text-one-label.csv: expected at least 2 classes, received 1 ("pos").',
  },
  {
    input: 'text-three-labels.csv (sigmoid output)',
    run: read.textForSigmoid(c('text-three-labels.csv')),
    expected:
      'text-three-labels.csv: binaryCrossentropy needs exactly 2 classes, but the data has 3: meh, neg, pos. Use Dense(units=3, activation="softmax") with sparseCategoricalCrossentropy.',
  },
  {
    input: 'text-zero-length.csv (no words at all)',
    run: read.textForSigmoid(c('text-zero-length.csv')),
    expected:
      'text-zero-length.csv: expected words in the training documents, received 2 document(s) that are all empty after tokenizing (HTML, punctuation and blanks removed): sequences of length zero, nothing to learn from. Check `textColumn` and the files.',
  },
  {
    input: 'binary-folder/ (every file of a class is binary, generated)',
    run: () => {
      const dir = join(tmp.dir, 'binary-folder');
      mkdirSync(join(dir, 'pos'), { recursive: true });
      mkdirSync(join(dir, 'neg'));
      writeFileSync(join(dir, 'pos', '1.txt'), 'a fine film');
      writeFileSync(
        join(dir, 'neg', 'photo.txt'),
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]),
      );
      return loadTextDataset(dir);
    },
    expected:
      'binary-folder: expected documents for class "neg", received none. 1 file of it left out, e.g. "neg/photo.txt": binary file (contains NUL bytes), not text. Classes found: "neg", "pos".',
  },
  {
    input: 'empty-files/ (a class of empty files, generated)',
    run: () => {
      const dir = join(tmp.dir, 'empty-files');
      mkdirSync(join(dir, 'pos'), { recursive: true });
      mkdirSync(join(dir, 'neg'));
      writeFileSync(join(dir, 'pos', '1.txt'), 'a fine film');
      writeFileSync(join(dir, 'neg', '1.txt'), '');
      writeFileSync(join(dir, 'neg', '2.txt'), '  \n');
      return loadTextDataset(dir);
    },
    expected:
      'empty-files: expected documents for class "neg", received none. 2 files of it left out, e.g. "neg/1.txt": empty text. Classes found: "neg", "pos".',
  },
  {
    input: 'mixed-encodings/ (UTF-8, Windows-1252, UTF-16LE accepted; UTF-16BE and binary skipped, generated)',
    run: () => {
      const dir = join(tmp.dir, 'mixed-encodings');
      mkdirSync(join(dir, 'pos'), { recursive: true });
      mkdirSync(join(dir, 'neg'));
      writeFileSync(join(dir, 'pos', 'utf8.txt'), 'café — good');
      writeFileSync(
        join(dir, 'pos', 'cp1252.txt'),
        Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x97, 0x20, 0x6f, 0x6b]),
      );
      writeFileSync(
        join(dir, 'neg', 'utf16le.txt'),
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('naïve, bad', 'utf16le')]),
      );
      writeFileSync(join(dir, 'neg', 'utf16be.txt'), Buffer.from([0xfe, 0xff, 0, 0x41]));
      writeFileSync(join(dir, 'neg', 'blob.txt'), Buffer.from([0, 1, 2, 3]));
      const ds = loadTextDataset(dir);
      assert.deepEqual([...ds.texts].sort(), ['café — good', 'café — ok', 'naïve, bad']);
      assert.deepEqual(ds.skipped.map((s) => s.file.slice(dir.length + 1)).sort(), ['neg/blob.txt', 'neg/utf16be.txt']);
      assert.match(ds.encoding, /^mixed \(/);
      return ds;
    },
    expected: null,
  },
  // ---- specs ----
  {
    input: 'spec-invalid-json.json',
    type: Error,
    run: read.spec(c('spec-invalid-json.json')),
    expected: `${c('spec-invalid-json.json')} is not valid JSON: Unexpected end of JSON input.`,
  },
  {
    input: 'spec-not-an-object.json',
    type: Error,
    run: read.spec(c('spec-not-an-object.json')),
    expected:
      'Unsupported spec format. Expected: "format": 1. Received: format=undefined.\nThe spec needs an `input`: {"kind": "tokens", "vocabSize", "length"} or {"kind": "floats", "timesteps", "features"}. Received: none.\n`layers` must be a list of layers. Received: undefined.',
  },
  {
    input: 'spec-wrong-version.json',
    type: Error,
    run: read.spec(c('spec-wrong-version.json')),
    expected: 'Unsupported spec format. Expected: "format": 1. Received: format=2.',
  },
  {
    input: 'spec-unknown-layer.json',
    type: Error,
    run: read.spec(c('spec-unknown-layer.json')),
    expected:
      'Unknown layer class "Conv1D" at position 2. Expected one of: Embedding, SimpleRNN, LSTM, GRU, Bidirectional, Dense, Dropout, GlobalAveragePooling1D, Flatten.',
  },
  {
    input: 'spec-absurd-units.json (units 10^9)',
    type: Error,
    run: read.spec(c('spec-absurd-units.json')),
    expected: 'Layer "lstm" (LSTM): `units` must be an integer in [1, 65536]. Received: units=1000000000.',
  },
  {
    input: 'spec-absurd-training.json',
    type: Error,
    run: read.spec(c('spec-absurd-training.json')),
    expected:
      '`batchSize` must be an integer in [1, 65536]. Received: batchSize=1000000000000.\n`epochs` must be an integer in [1, 100000]. Received: epochs=-1.',
  },
  {
    input: 'spec-length-zero.json (sequences of length zero)',
    type: Error,
    run: read.spec(c('spec-length-zero.json')),
    expected: '`input.length` must be an integer in [1, 100000]. Received: length=0.',
  },
  {
    input: 'spec-empty-stack.json',
    type: Error,
    run: read.spec(c('spec-empty-stack.json')),
    expected: 'The model has no layers. Add at least one layer (e.g. an LSTM and a Dense output).',
  },
  {
    input: 'spec-rate-out-of-range.json',
    type: Error,
    run: read.spec(c('spec-rate-out-of-range.json')),
    expected: 'Layer "lstm" (LSTM): `dropout` must be a number in [0, 1). Received: dropout=1.5.',
  },
  {
    input: 'spec-hostile-layers.json ({"toString": {}} used to crash the validator)',
    type: Error,
    run: read.spec(c('spec-hostile-layers.json')),
    expected: '`layers` must be a list of layers. Received: an object.',
  },
];

// ---- projects: damaged files in the user's projects folder ----
const projects = join(tmp.dir, 'user-data');
mkdirSync(join(projects, 'projects'), { recursive: true });
const validProject = JSON.stringify(
  {
    format: 1,
    id: 'p-ok',
    name: 'ok',
    updatedAt: '2026-01-01T00:00:00.000Z',
    spec: JSON.parse(readFileSync(c('spec-wrong-version.json'), 'utf8')),
  },
  null,
  2,
);
const projectFiles: [string, string, string][] = [
  [
    'p-corrupt',
    '{"format": 1, "id": "p-corrupt", "name": "x", "spec": {"layers": [}',
    'The project file p-corrupt.json is damaged (not valid JSON); it was left untouched.',
  ],
  [
    'p-truncated',
    validProject.slice(0, Math.floor(validProject.length / 2)),
    'The project file p-truncated.json is damaged (not valid JSON); it was left untouched.',
  ],
  ['p-empty', '', 'The project file p-empty.json is damaged (not valid JSON); it was left untouched.'],
  [
    'p-binary',
    '\u0000\u0001\u0002PK\u0003\u0004',
    'The project file p-binary.json is damaged (not valid JSON); it was left untouched.',
  ],
  [
    'p-not-a-project',
    '[1, 2, 3]',
    'The project file p-not-a-project.json is not an RNN Studio project (expected "format": 1, a name and a spec); it was left untouched.',
  ],
  [
    'p-wrong-version',
    validProject.replace('"format": 1', '"format": 7'),
    'The project file p-wrong-version.json is not an RNN Studio project (expected "format": 1, a name and a spec); it was left untouched.',
  ],
  [
    'p-no-spec',
    '{"format": 1, "id": "p-no-spec", "name": "x"}',
    'The project file p-no-spec.json is not an RNN Studio project (expected "format": 1, a name and a spec); it was left untouched.',
  ],
];
for (const [id, text, expected] of projectFiles) {
  writeFileSync(join(projects, 'projects', `${id}.json`), text);
  cases.push({ input: `projects/${id}.json (generated)`, type: ApiError, run: read.project(projects, id), expected });
}

// ---- saved models: damaged files in a run folder ----
const modelDir = join(tmp.dir, 'model-ok');
const modelCases: [string, (dir: string) => void, string][] = [
  [
    'weights.bin truncated',
    (d) => truncateSync(join(d, 'weights.bin'), 100),
    'weights.bin: expected WEIGHT_BYTES bytes of weights as model.json lists them, received 100 bytes: the weight file is damaged or cut short.',
  ],
  [
    'weights.bin empty',
    (d) => writeFileSync(join(d, 'weights.bin'), ''),
    'weights.bin: expected WEIGHT_BYTES bytes of weights as model.json lists them, received 0 bytes: the weight file is damaged or cut short.',
  ],
  [
    'weights.bin missing',
    (d) => rmSync(join(d, 'weights.bin')),
    'model.json: expected the weight files listed in model.json, received an error: a file is missing.',
  ],
  [
    'model.json truncated',
    (d) => writeFileSync(join(d, 'model.json'), readFileSync(join(d, 'model.json'), 'utf8').slice(0, 200)),
    'model.json: expected a model.json in the TF.js layers format, received a file that is not valid JSON (damaged or cut short).',
  ],
  [
    'model.json missing',
    (d) => rmSync(join(d, 'model.json')),
    'model.json: expected a saved model (model.json), received no such file.',
  ],
  [
    'model.json not a model',
    (d) => writeFileSync(join(d, 'model.json'), '{"hello": "world"}'),
    'model.json: expected a model.json in the TF.js layers format (modelTopology and weightsManifest), received something else.',
  ],
  [
    'model.json weight path escapes the folder',
    (d) => {
      const j = JSON.parse(readFileSync(join(d, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
      j.weightsManifest[0]!.paths = ['../../../../etc/passwd'];
      writeFileSync(join(d, 'model.json'), JSON.stringify(j));
    },
    'model.json: expected weight files beside model.json, received the path "../../../../etc/passwd", which leaves the model folder.',
  ],
  [
    'model.json unknown layer class',
    (d) =>
      writeFileSync(
        join(d, 'model.json'),
        readFileSync(join(d, 'model.json'), 'utf8').replace('"class_name":"LSTM"', '"class_name":"EvilLambda"'),
      ),
    'model.json: expected a model TF.js can rebuild, received one it cannot: Unknown layer: EvilLambda. This may be due to one of the following reasons:',
  ],
];
let weightBytes = 0;
for (const [name, damage, expected] of modelCases) {
  cases.push({
    input: `model/ with ${name} (generated)`,
    run: async () => {
      const dir = join(tmp.dir, `model-${name.replace(/\W+/g, '-')}`);
      mkdirSync(dir, { recursive: true });
      for (const f of ['model.json', 'weights.bin']) copyFileSync(join(modelDir, f), join(dir, f));
      damage(dir);
      await read.model(dir)();
    },
    get expected() {
      return expected.replace('WEIGHT_BYTES', String(weightBytes));
    },
  });
}

test('a saved model loads back before it is damaged', async () => {
  const { model } = buildModel(textSpec('x'));
  await saveLayersModel(model, modelDir);
  model.dispose();
  weightBytes = readFileSync(join(modelDir, 'weights.bin')).byteLength;
  (await loadLayersModel(modelDir)).dispose();
});

test(`the bad-input corpus: ${cases.length} inputs, each refused with its exact message (or accepted where it is only odd)`, async (t) => {
  for (const k of cases) {
    await t.test(k.input, async () => {
      const t0 = performance.now();
      let thrown: unknown = null;
      try {
        await k.run();
      } catch (e) {
        thrown = e;
      }
      const ms = performance.now() - t0;
      if (k.withinMs !== undefined)
        assert.ok(ms < k.withinMs, `refused in ${ms.toFixed(1)} ms, bound ${k.withinMs} ms`);
      if (k.expected === null) {
        assert.equal(thrown, null, `accepted, but got ${String(thrown)}`);
        return;
      }
      assert.ok(
        thrown instanceof (k.type ?? DataError),
        `expected a ${(k.type ?? DataError).name}, got ${thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown)}`,
      );
      const message = (thrown as Error).message;
      if (k.expected.endsWith(':')) assert.ok(message.startsWith(k.expected), `message ${JSON.stringify(message)}`);
      else assert.equal(message, k.expected);
    });
  }
  // Every committed corpus file is in the table (a new file without an expected message fails here).
  const listed = new Set(cases.map((k) => k.input.split(' ')[0]));
  const { readdirSync } = await import('node:fs');
  for (const f of readdirSync(corpus)) assert.ok(listed.has(f), `corpus/${f} has no case`);
});

// Keras interop without TensorFlow or Python: ZIP limits and names, the Keras configs and h5 layout we write, the
// messages of refused exports and imports, and the API's export / import on a real run folder in a temporary
// user-data folder. (Real Keras checks the same files in interop/tests, run by `npm run test:interop`.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import h5wasm from 'h5wasm/node';
import type { ModelSpec } from '../../shared/model-spec.js';
import { isBidirectional } from '../../shared/model-spec.js';
import { sparseEmbeddingNote, withSavedGruVariants } from './export.js';
import { StudioService } from '../studio/studio-service.js';
import { writeJsonAtomic } from '../studio/storage.js';
import { inside, safeBaseName } from './export.js';
import { readH5Vars, readKerasArchive } from './keras-file.js';
import { kerasModelConfig, kerasSnakeClassName, tfjsModelTopology, weightGroups } from './keras-format.js';
import { importJson, importKerasArchive, specFromKerasConfig } from './import.js';
import { pythonScript } from './python-script.js';
import type { NamedWeight } from './tfjs-artifacts.js';
import { writeTfjsModel } from './tfjs-artifacts.js';
import { importFiles } from '../studio/test-support.js';
import { listZip, readZipEntries, writeZip, ZipError } from './zip.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = () => mkdtempSync(join(tmpdir(), 'rnn-studio-interop-'));

const spec: ModelSpec = {
  format: 1,
  name: 'bi model',
  input: { kind: 'tokens', vocabSize: 30, length: 7 },
  layers: [
    { className: 'Embedding', config: { inputDim: 30, outputDim: 4 } },
    {
      className: 'Bidirectional',
      config: { mergeMode: 'sum' },
      layer: { className: 'GRU', config: { units: 3, returnSequences: true } },
    },
    { className: 'LSTM', config: { units: 2 } },
    { className: 'Dropout', config: { rate: 0.2 } },
    { className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
  ],
  training: { optimizer: 'adam', learningRate: 0.005, loss: 'binaryCrossentropy', metrics: ['accuracy'] },
};

/** Deterministic weights for every group of `s`, under our TF.js names. */
function weightsFor(s: ModelSpec): NamedWeight[] {
  let k = 0;
  return weightGroups(s).flatMap((g) =>
    g.tfjsNames.map((name, i) => {
      const shape = g.shapes[i]!;
      const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.sin(++k) / 2);
      return { name, shape, data };
    }),
  );
}

test('zip: round trip, stored entries with correct CRCs, unsafe names and oversized entries refused', () => {
  const zip = writeZip([
    { name: 'a.json', data: Buffer.from('{"x":1}') },
    { name: 'dir/b.bin', data: new Uint8Array([1, 2, 3]) },
  ]);
  assert.deepEqual(listZip(zip), ['a.json', 'dir/b.bin']);
  const got = readZipEntries(zip, ['a.json', 'dir/b.bin']);
  assert.equal(got.get('a.json')!.toString(), '{"x":1}');
  assert.equal(crc32(got.get('dir/b.bin')!), crc32(new Uint8Array([1, 2, 3])));
  assert.throws(
    () => readZipEntries(zip, ['a.json'], 'x.keras', { maxEntries: 10, maxEntryBytes: 3, maxTotalBytes: 10 }),
    /expected at most 3/,
  );
  assert.throws(
    () => readZipEntries(zip, ['a.json'], 'x.keras', { maxEntries: 1, maxEntryBytes: 100, maxTotalBytes: 100 }),
    /at most 1 entries, received 2/,
  );
  for (const bad of ['../evil', '/etc/passwd', 'a/../../b', 'C:/x', 'a\\b']) {
    assert.throws(
      () => listZip(writeZip([{ name: bad, data: new Uint8Array(1) }]), 'x.keras'),
      (e: Error) => e instanceof ZipError && e.message.includes('relative entry names'),
      bad,
    );
  }
  const damaged = Buffer.from(zip);
  damaged[40] = damaged[40]! ^ 0xff; // inside a.json's data
  assert.throws(() => readZipEntries(damaged, ['a.json']), /CRC/);
  assert.throws(
    () => readZipEntries(Buffer.from('not a zip at all, just text'), ['a.json'], 'x.keras'),
    /expected a ZIP archive/,
  );
});

test('Keras names: snake_case class names numbered per class, weights in Keras h5 paths and order', () => {
  assert.deepEqual(['SimpleRNN', 'LSTM', 'GRU', 'GlobalAveragePooling1D', 'Bidirectional'].map(kerasSnakeClassName), [
    'simple_rnn',
    'lstm',
    'gru',
    'global_average_pooling1d',
    'bidirectional',
  ]);
  const groups = weightGroups(spec);
  assert.deepEqual(
    groups.map((g) => g.h5Path),
    [
      'layers/embedding',
      'layers/bidirectional/forward_layer/cell',
      'layers/bidirectional/backward_layer/cell',
      'layers/lstm/cell',
      'layers/dense',
    ],
  );
  assert.deepEqual(groups[1]!.tfjsNames, [
    'bidirectional/forward_gru/kernel',
    'bidirectional/forward_gru/recurrent_kernel',
    'bidirectional/forward_gru/bias',
  ]);
  // Keras 3's default GRU (reset_after=True): the bias has an input row and a recurrent row.
  assert.deepEqual(groups[1]!.shapes, [
    [4, 9],
    [3, 9],
    [2, 9],
  ]);
  assert.deepEqual(groups[3]!.shapes, [[3, 8], [2, 8], [8]]);
});

test('Keras 3 config: every recurrent setting written out (GRU reset_after as trained, sigmoid gates), compiled like our run', () => {
  const config = kerasModelConfig(spec) as {
    config: { layers: { class_name: string; config: Record<string, unknown> }[] };
    compile_config: Record<string, unknown>;
  };
  const [input, , bi, lstm] = config.config.layers;
  assert.deepEqual(input!.config['batch_shape'], [null, 7]);
  assert.equal(input!.config['dtype'], 'int32');
  const gru = (bi!.config['layer'] as { config: Record<string, unknown> }).config;
  assert.equal(gru['reset_after'], true);
  const before: ModelSpec = {
    ...spec,
    layers: spec.layers.map((l) =>
      isBidirectional(l) ? { ...l, layer: { ...l.layer, config: { ...l.layer.config, resetAfter: false } } } : l,
    ),
  };
  const beforeLayers = (kerasModelConfig(before) as { config: { layers: { config: Record<string, unknown> }[] } })
    .config.layers;
  assert.equal((beforeLayers[2]!.config['layer'] as { config: Record<string, unknown> }).config['reset_after'], false);
  assert.equal(gru['recurrent_activation'], 'sigmoid');
  assert.equal(bi!.config['merge_mode'], 'sum');
  assert.equal(lstm!.config['unit_forget_bias'], true);
  assert.equal(config.compile_config['loss'], 'binary_crossentropy');
  assert.deepEqual(config.compile_config['metrics'], ['accuracy']);
  assert.equal((config.compile_config['optimizer'] as { class_name: string }).class_name, 'Adam');
  const hard: ModelSpec = {
    ...spec,
    layers: [
      spec.layers[0]!,
      { className: 'LSTM', config: { units: 2, recurrentActivation: 'hardSigmoid' } },
      spec.layers[4]!,
    ],
  };
  assert.throws(() => kerasModelConfig(hard), /Keras 3's hard_sigmoid clip\(x\/6 \+ 0\.5\)/);
  assert.doesNotThrow(() => tfjsModelTopology(hard));
});

test('.keras written and read back: config, weights at their h5 paths, fresh optimizer slots', async () => {
  const dir = tmp();
  const runDir = join(dir, 'run');
  mkdirSync(runDir);
  writeFileSync(join(runDir, 'spec.json'), JSON.stringify(spec));
  const weights = weightsFor(spec);
  writeTfjsModel(join(runDir, 'model'), tfjsModelTopology(spec), weights);
  const { exportRun } = await import('./export.js');
  const r = await exportRun(runDir, 'keras', join(dir, 'out'));
  assert.deepEqual(r.files, [join(dir, 'out', 'bi_model.keras')]);
  const bytes = readFileSync(r.files[0]!);
  assert.deepEqual(listZip(bytes), ['metadata.json', 'config.json', 'model.weights.h5']);
  const archive = readKerasArchive(bytes, 'bi_model.keras');
  assert.equal((archive.metadata as { keras_version: string }).keras_version.split('.')[0], '3');
  const vars = await readH5Vars(archive.weightsH5!, ['layers/lstm/cell', 'layers/dropout']);
  assert.deepEqual(
    vars.get('layers/lstm/cell')!.map((v) => v.shape),
    [[3, 8], [2, 8], [8]],
  );
  assert.deepEqual(
    Array.from(vars.get('layers/lstm/cell')![2]!.data),
    Array.from(weights.find((w) => w.name === 'lstm/bias')!.data),
  );
  // iterations (int64), learning_rate, then Adam's momentum + velocity per trainable variable (12 of them), all zero.
  await h5wasm.ready;
  const h5Path = join(dir, 'w.h5');
  writeFileSync(h5Path, archive.weightsH5!);
  const f = new h5wasm.File(h5Path, 'r');
  const opt = f.get('optimizer/vars') as InstanceType<typeof h5wasm.Group>;
  assert.equal(opt.keys().length, 2 + 2 * 12);
  assert.equal((opt.get('0') as InstanceType<typeof h5wasm.Dataset>).dtype, '<q');
  assert.ok(Math.abs(Number((opt.get('1') as InstanceType<typeof h5wasm.Dataset>).value) - 0.005) < 1e-9);
  assert.ok(((opt.get('25') as InstanceType<typeof h5wasm.Dataset>).value as Float32Array).every((x) => x === 0));
  f.close();
  assert.equal(vars.get('layers/dropout'), null);

  const back = await importKerasArchive(bytes, 'bi_model.keras');
  assert.equal(back.source, 'keras');
  assert.deepEqual(back.spec.input, spec.input);
  assert.deepEqual(
    back.spec.layers.map((l) => l.className),
    spec.layers.map((l) => l.className),
  );
  assert.equal(back.spec.training?.optimizer, 'adam');
  assert.equal(back.spec.training?.learningRate, 0.005);
  assert.deepEqual(
    back.weights!.map((w) => w.name),
    weights.map((w) => w.name),
  );
  assert.deepEqual(
    back.weights!.map((w) => Array.from(w.data)),
    weights.map((w) => Array.from(w.data)),
  );
});

test('import: layers outside the catalog are named and nothing is imported; settings we cannot run are refused', () => {
  const model = (layers: object[]) => ({
    class_name: 'Sequential',
    config: { name: 'm', layers: [{ class_name: 'InputLayer', config: { batch_shape: [null, 10, 3] } }, ...layers] },
  });
  assert.throws(
    () =>
      specFromKerasConfig(
        model([
          { class_name: 'Conv1D', config: { name: 'conv' } },
          { class_name: 'LSTM', config: { name: 'lstm', units: 3 } },
          { class_name: 'Lambda', config: { name: 'lam', function: 'bytecode' } },
          { class_name: 'Bidirectional', config: { name: 'bi', layer: { class_name: 'Dense', config: {} } } },
        ]),
        'm.json',
        'm',
      ),
    /these layers are outside RNN Studio's catalog: "conv" \(Conv1D\), "lam" \(Lambda\), "bi" \(Bidirectional\(Dense\)\)/,
  );
  assert.throws(
    () =>
      specFromKerasConfig(
        model([{ class_name: 'LSTM', config: { name: 'l', units: 3, return_state: true } }]),
        'm.json',
        'm',
      ),
    /layer 1 \("l", LSTM\): expected return_state=False/,
  );
  assert.throws(
    () =>
      specFromKerasConfig(
        model([{ class_name: 'GRU', config: { name: 'g', units: 3, stateful: true } }]),
        'm.json',
        'm',
      ),
    /expected stateful=False/,
  );
  assert.throws(
    () =>
      specFromKerasConfig(
        {
          class_name: 'Sequential',
          config: {
            layers: [
              { class_name: 'InputLayer', config: { batch_shape: [null, null, 3] } },
              { class_name: 'GRU', config: { units: 2 } },
            ],
          },
        },
        'm.json',
        'm',
      ),
    /expected an input shape \(None, timesteps, features\) with fixed sizes, received \[None,None,3\]/,
  );
  assert.throws(
    () => importJson('x.json', { hello: 1 }),
    /expected a \.keras file, a Keras model\.to_json\(\) file or a TF\.js model\.json/,
  );
});

test('import: Keras 2 / TF.js topologies (hard_sigmoid gates, VarianceScaling initialisers) convert faithfully', () => {
  const topology = {
    class_name: 'Sequential',
    config: {
      name: 'k2',
      layers: [
        {
          class_name: 'Embedding',
          config: { name: 'emb', input_dim: 100, output_dim: 8, batch_input_shape: [null, 20], mask_zero: true },
        },
        {
          class_name: 'LSTM',
          config: {
            name: 'lstm_7',
            units: 4,
            recurrent_activation: 'hard_sigmoid',
            kernel_initializer: {
              class_name: 'VarianceScaling',
              config: { scale: 1, mode: 'fan_avg', distribution: 'uniform' },
            },
            kernel_regularizer: { class_name: 'L2' },
          },
        },
        { class_name: 'Dense', config: { name: 'out', units: 3, activation: 'softmax' } },
      ],
    },
    keras_version: 'tfjs-layers 4.22.0',
  };
  const r = importJson('/x/model.json', { modelTopology: topology, weightsManifest: [] });
  assert.equal(r.source, 'tfjs');
  assert.deepEqual(r.spec.input, { kind: 'tokens', vocabSize: 100, length: 20 });
  const lstm = r.spec.layers[1] as { config: Record<string, unknown> };
  assert.equal(lstm.config['recurrentActivation'], 'hardSigmoid');
  assert.equal(lstm.config['kernelInitializer'], 'glorotUniform');
  assert.equal(r.spec.training?.loss, 'sparseCategoricalCrossentropy');
  assert.match(r.warnings.join('\n'), /kernel_regularizer dropped/);
  assert.equal(r.weights, null);
  assert.equal(r.weightsNote, 'model.json lists no weight files');
});

test('exported names stay inside the chosen folder; the script names its data, model and distribution flags', () => {
  assert.equal(safeBaseName('../../etc/passwd'), '_.._etc_passwd');
  assert.equal(safeBaseName('...'), 'model');
  assert.throws(() => inside('/tmp/out', '../x'), /outside/);
  assert.equal(inside('/tmp/out', 'a.keras'), '/tmp/out/a.keras');
  const script = pythonScript(
    { ...spec, data: { kind: 'text', path: 'x', format: 'lines' } },
    {
      weightsFile: 'w.weights.h5',
      preprocessingFile: 'p.json',
      preprocessing: {},
      dataPath: '/data/x',
      scriptName: 'train_x.py',
    },
  );
  assert.match(
    script,
    /layers\.Bidirectional\(layers\.GRU\(units=3, activation="tanh", recurrent_activation="sigmoid", return_sequences=True.*reset_after=True, name="gru"\), merge_mode="sum", name="bidirectional"\)/,
  );
  assert.match(script, /keras\.optimizers\.Adam\(learning_rate=0\.005/);
  assert.match(script, /--distribute", choices=\["none", "mirrored", "multiworker"\]/);
  assert.match(script, /TF_CONFIG='\{"cluster": \{"worker": \["host1:12345", "host2:12345"\]\}/);
  assert.match(script, /DEFAULT_DATA = "\/data\/x"/);
});

test('API: exportRun writes the run in each format and returns the files; importModel puts a .keras on the canvas', async () => {
  const userDataDir = tmp();
  const s = new StudioService({
    userDataDir,
    host: 'web',
    appVersion: 'test',
    assetsDir: join(root, 'assets'),
    examplesDir: join(root, 'examples'),
  });
  const runDir = join(s.runsDir, 'run-1');
  mkdirSync(runDir, { recursive: true });
  const weights = weightsFor(spec);
  writeTfjsModel(join(runDir, 'model'), tfjsModelTopology(spec), weights);
  writeJsonAtomic(join(runDir, 'run.json'), {
    id: 'run-1',
    name: 'bi model',
    createdAt: new Date().toISOString(),
    status: 'completed',
    spec,
    dataPath: '/nowhere',
    epochs: 1,
    backend: null,
    dataSummary: null,
    layers: [],
    result: null,
    error: null,
    epochRecords: [],
  });
  const keras = await s.call('exportRun', { runId: 'run-1', format: 'keras' });
  assert.equal(keras.dir, join(userDataDir, 'exports', 'run-1'));
  assert.deepEqual(
    keras.files.map((f) => f.name),
    ['bi_model.keras'],
  );
  const tfjs = await s.call('exportRun', { runId: 'run-1', format: 'tfjs' });
  assert.deepEqual(
    tfjs.files.map((f) => f.name),
    ['model.json', 'weights.bin'],
  );
  // Several files also come as one zip with their folder, which is what the browser downloads.
  assert.equal(keras.zip, null);
  assert.equal(tfjs.zip?.name, 'bi_model-tfjs.zip');
  assert.deepEqual(listZip(Buffer.from(tfjs.zip!.contentBase64!, 'base64')), [
    'bi_model-tfjs/model.json',
    'bi_model-tfjs/weights.bin',
  ]);
  const py = await s.call('exportRun', { runId: 'run-1', format: 'python' });
  assert.deepEqual(
    py.files.map((f) => f.name),
    ['bi_model.weights.h5', 'train_bi_model.py'],
  );
  // A text run's vocabulary travels with the .keras and TF.js exports: without it the model's token ids mean nothing.
  writeFileSync(
    join(runDir, 'preprocessing.json'),
    JSON.stringify({ kind: 'text', vocabulary: ['', '<OOV>', 'film'] }),
  );
  const kerasText = await s.call('exportRun', { runId: 'run-1', format: 'keras' });
  assert.deepEqual(
    kerasText.files.map((f) => f.name),
    ['bi_model.keras', 'bi_model.preprocessing.json'],
  );
  assert.match(kerasText.hint, /the model takes token ids: bi_model\.preprocessing\.json holds the run's vocabulary/);
  const tfjsText = await s.call('exportRun', { runId: 'run-1', format: 'tfjs' });
  assert.deepEqual(
    tfjsText.files.map((f) => f.name),
    ['model.json', 'weights.bin', 'bi_model.preprocessing.json'],
  );
  await assert.rejects(
    s.call('exportRun', { runId: 'run-1', format: 'keras', outDir: 'relative/dir' }),
    /must be absolute/,
  );
  await assert.rejects(s.call('exportRun', { runId: 'nope', format: 'keras' }), /No run nope/);

  const imported = await importFiles(s, [
    { name: 'bi model.keras', content: Buffer.from(keras.files[0]!.contentBase64!, 'base64') },
  ]);
  assert.equal(imported.source, 'keras');
  assert.equal(imported.hasWeights, true);
  assert.deepEqual(
    imported.spec.layers.map((l) => l.className),
    spec.layers.map((l) => l.className),
  );
  assert.ok(imported.dir.startsWith(join(userDataDir, 'imports')));
  const bad = Buffer.from(
    JSON.stringify({
      class_name: 'Sequential',
      config: {
        layers: [
          { class_name: 'InputLayer', config: { batch_shape: [null, 5, 2] } },
          { class_name: 'Attention', config: { name: 'att' } },
        ],
      },
    }),
  );
  await assert.rejects(importFiles(s, [{ name: 'evil.json', content: bad }]), /"att" \(Attention\)/);
});

test('export says where Keras-on-TensorFlow would train an Embedding differently (rmsprop / adam), and only there', () => {
  const text = (optimizer: 'rmsprop' | 'adam' | 'sgd'): ModelSpec => ({
    ...spec,
    training: { ...spec.training, optimizer },
  });
  assert.match(sparseEmbeddingNote(text('rmsprop')), /Embedding's rmsprop statistics from per-token gradient slices/);
  assert.match(sparseEmbeddingNote(text('adam')), /adam/);
  assert.equal(sparseEmbeddingNote(text('sgd')), '');
  const floats: ModelSpec = {
    format: 1,
    name: 'f',
    input: { kind: 'floats', timesteps: 4, features: 2 },
    layers: [
      { className: 'GRU', config: { units: 2 } },
      { className: 'Dense', config: { units: 1 } },
    ],
  };
  assert.equal(sparseEmbeddingNote(floats), '');
});

test('a run saved before GRUs had resetAfter keeps its variant: the saved topology says reset_after=False', () => {
  const old: ModelSpec = {
    format: 1,
    name: 'old',
    input: { kind: 'floats', timesteps: 4, features: 2 },
    layers: [
      {
        className: 'Bidirectional',
        config: { mergeMode: 'concat' },
        layer: { className: 'GRU', config: { units: 2, returnSequences: true } },
      },
      { className: 'GRU', config: { units: 3 } },
      { className: 'Dense', config: { units: 1 } },
    ],
  };
  const topology = {
    class_name: 'Sequential',
    config: {
      layers: [
        {
          class_name: 'Bidirectional',
          config: { name: 'bidirectional', layer: { class_name: 'GRU', config: { name: 'gru', reset_after: false } } },
        },
        { class_name: 'GRU', config: { name: 'gru_1', reset_after: false } },
        { class_name: 'Dense', config: { name: 'dense' } },
      ],
    },
  };
  const fixed = withSavedGruVariants(old, topology);
  const gru = (s: ModelSpec, i: number) => {
    const l = s.layers[i]!;
    return (isBidirectional(l) ? l.layer : l).config?.['resetAfter'];
  };
  assert.deepEqual([gru(fixed, 0), gru(fixed, 1)], [false, false]);
  assert.deepEqual([gru(old, 0), gru(old, 1)], [undefined, undefined], 'the stored spec is not changed');
  assert.equal(withSavedGruVariants(old, { class_name: 'Sequential', config: { layers: [] } }), old);
});

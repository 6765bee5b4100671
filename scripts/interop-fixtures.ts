/**
 * Our side of the Keras interop tests (interop/tests, pytest): trains small models for real with TF.js, saves
 * them as run folders, exports them, and writes our predictions on fixed inputs; predicts with a TF.js model
 * folder (e.g. one our import wrote) on inputs Python gives.
 *
 *   node --import tsx scripts/interop-fixtures.ts export-cases OUT_DIR [CASE …]
 *   node --import tsx scripts/interop-fixtures.ts predict MODEL_DIR INPUTS.json OUT.json
 *   node --import tsx scripts/interop-fixtures.ts studio-run RUNS_DIR RUN_ID CASE   (a finished run as the studio stores it)
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LayerSpec, ModelSpec } from '../shared/model-spec.js';
import { initBackend } from '../main/training/backend.js';
import { buildModel } from '../main/training/build-model.js';
import { loadLayersModel, saveLayersModel } from '../main/training/save-model.js';
import { mulberry32, withSeededRandom } from '../main/training/seeded-random.js';
import { exportRun } from '../main/interop/export.js';

type Case = { spec: ModelSpec; maskLeadingZeros?: boolean };

const tokens = (length: number, vocabSize: number) => ({ kind: 'tokens' as const, vocabSize, length });
const floats = (timesteps: number, features: number) => ({ kind: 'floats' as const, timesteps, features });
const sig = { className: 'Dense', config: { units: 1, activation: 'sigmoid' } };
const lin = { className: 'Dense', config: { units: 1 } };
const bce = { loss: 'binaryCrossentropy' as const, optimizer: 'rmsprop' as const, learningRate: 0.01 };
const mse = { loss: 'meanSquaredError' as const, optimizer: 'adam' as const, learningRate: 0.01 };
const bi = (mergeMode: string, inner: string, extra: Record<string, unknown> = {}): LayerSpec =>
  ({
    className: 'Bidirectional',
    config: { mergeMode },
    layer: { className: inner, config: { units: 4, ...extra } },
  }) as LayerSpec;

function spec(
  name: string,
  input: ModelSpec['input'],
  layers: LayerSpec[],
  training: ModelSpec['training'],
): ModelSpec {
  return { format: 1, name, input, layers, training: { ...training, seed: 7 } };
}

/** Every combination the interop tests check (the README and the closing note list them). */
export const CASES: Record<string, Case> = {
  embedding_simplernn: {
    spec: spec(
      'embedding_simplernn',
      tokens(12, 50),
      [
        { className: 'Embedding', config: { inputDim: 50, outputDim: 8 } },
        { className: 'SimpleRNN', config: { units: 6 } },
        sig,
      ],
      bce,
    ),
  },
  embedding_lstm: {
    spec: spec(
      'embedding_lstm',
      tokens(12, 50),
      [
        { className: 'Embedding', config: { inputDim: 50, outputDim: 8 } },
        { className: 'LSTM', config: { units: 6 } },
        sig,
      ],
      bce,
    ),
  },
  gru: { spec: spec('gru', floats(10, 3), [{ className: 'GRU', config: { units: 5 } }, lin], mse) },
  gru_reset_before: {
    spec: spec(
      'gru_reset_before',
      floats(10, 3),
      [{ className: 'GRU', config: { units: 5, resetAfter: false } }, lin],
      mse,
    ),
  },
  embedding_gru_masked: {
    spec: spec(
      'embedding_gru_masked',
      tokens(12, 50),
      [
        { className: 'Embedding', config: { inputDim: 50, outputDim: 8, maskZero: true } },
        { className: 'GRU', config: { units: 5 } },
        sig,
      ],
      bce,
    ),
    maskLeadingZeros: true,
  },
  bidirectional_concat_lstm: {
    spec: spec('bidirectional_concat_lstm', floats(10, 3), [bi('concat', 'LSTM'), lin], mse),
  },
  bidirectional_sum_gru: { spec: spec('bidirectional_sum_gru', floats(10, 3), [bi('sum', 'GRU'), lin], mse) },
  bidirectional_mul_simplernn: {
    spec: spec('bidirectional_mul_simplernn', floats(10, 3), [bi('mul', 'SimpleRNN'), lin], mse),
  },
  bidirectional_ave_lstm_sequences: {
    spec: spec(
      'bidirectional_ave_lstm_sequences',
      floats(10, 3),
      [bi('ave', 'LSTM', { returnSequences: true }), { className: 'GlobalAveragePooling1D' }, lin],
      mse,
    ),
  },
  stacked_lstm_gru_simplernn: {
    spec: spec(
      'stacked_lstm_gru_simplernn',
      tokens(12, 50),
      [
        { className: 'Embedding', config: { inputDim: 50, outputDim: 8 } },
        { className: 'LSTM', config: { units: 6, returnSequences: true } },
        { className: 'GRU', config: { units: 5, returnSequences: true } },
        { className: 'SimpleRNN', config: { units: 4 } },
        { className: 'Dense', config: { units: 3, activation: 'softmax' } },
      ],
      { loss: 'sparseCategoricalCrossentropy', optimizer: 'adam', learningRate: 0.01, metrics: ['accuracy'] },
    ),
  },
  stacked_bidirectional: {
    spec: spec(
      'stacked_bidirectional',
      floats(10, 3),
      [bi('concat', 'GRU', { returnSequences: true }), bi('sum', 'LSTM'), lin],
      mse,
    ),
  },
  dropout_recurrent_dropout: {
    spec: spec(
      'dropout_recurrent_dropout',
      tokens(12, 50),
      [
        { className: 'Embedding', config: { inputDim: 50, outputDim: 8 } },
        { className: 'LSTM', config: { units: 6, returnSequences: true, dropout: 0.2, recurrentDropout: 0.3 } },
        { className: 'Dropout', config: { rate: 0.5 } },
        { className: 'GRU', config: { units: 5, dropout: 0.1, recurrentDropout: 0.2 } },
        sig,
      ],
      { ...bce, clipnorm: 1 },
    ),
  },
  simplernn_flatten_dense: {
    spec: spec(
      'simplernn_flatten_dense',
      floats(10, 3),
      [
        { className: 'SimpleRNN', config: { units: 4, returnSequences: true, activation: 'relu' } },
        { className: 'Flatten' },
        { className: 'Dense', config: { units: 6, activation: 'elu', useBias: false } },
        { className: 'Dense', config: { units: 1, activation: 'linear' } },
      ],
      { loss: 'meanAbsoluteError', optimizer: 'sgd', learningRate: 0.05 },
    ),
  },
};

const SAMPLES = 64;
const PROBES = 16;

function inputsFor(c: Case, n: number, seed: number): { data: number[]; shape: number[]; dtype: 'int32' | 'float32' } {
  const rand = mulberry32(seed);
  const input = c.spec.input;
  if (input.kind === 'tokens') {
    const data = Array.from({ length: n * input.length }, () => 1 + Math.floor(rand() * (input.vocabSize - 1)));
    if (c.maskLeadingZeros) {
      for (let i = 0; i < n; i++) for (let t = 0; t < i % 6; t++) data[i * input.length + t] = 0;
    }
    return { data, shape: [n, input.length], dtype: 'int32' };
  }
  return {
    data: Array.from({ length: n * input.timesteps * input.features }, () => rand() * 4 - 2),
    shape: [n, input.timesteps, input.features],
    dtype: 'float32',
  };
}

function targetsFor(c: Case, n: number, seed: number): tf.Tensor {
  const rand = mulberry32(seed);
  const loss = c.spec.training?.loss;
  if (loss === 'sparseCategoricalCrossentropy')
    return tf.oneHot(
      tf.tensor1d(
        Array.from({ length: n }, () => Math.floor(rand() * 3)),
        'int32',
      ),
      3,
    );
  if (loss === 'binaryCrossentropy')
    return tf.tensor2d(
      Array.from({ length: n }, () => (rand() < 0.5 ? 0 : 1)),
      [n, 1],
    );
  return tf.tensor2d(
    Array.from({ length: n }, () => rand() * 2 - 1),
    [n, 1],
  );
}

async function exportCases(out: string, names: string[]): Promise<void> {
  await initBackend('cpu');
  const summary: Record<string, unknown> = {};
  for (const name of names.length ? names : Object.keys(CASES)) {
    const c = CASES[name];
    if (!c) throw new Error(`unknown case ${name}; expected one of ${Object.keys(CASES).join(', ')}`);
    const dir = join(out, name);
    const runDir = join(dir, 'run');
    mkdirSync(runDir, { recursive: true });
    writeFileSync(join(runDir, 'spec.json'), JSON.stringify(c.spec, null, 2));
    const model = await withSeededRandom(7, async () => {
      const { model } = buildModel(c.spec);
      const lossName =
        c.spec.training?.loss === 'sparseCategoricalCrossentropy'
          ? 'categoricalCrossentropy'
          : (c.spec.training?.loss ?? 'meanSquaredError');
      model.compile({ optimizer: tf.train.rmsprop(0.01), loss: lossName });
      const x = inputsFor(c, SAMPLES, 1);
      const xs = tf.tensor(x.data, x.shape, x.dtype);
      const ys = targetsFor(c, SAMPLES, 2);
      // Real training (a few epochs) so the exported weights are not the initial ones.
      const h = await model.fit(xs, ys, { epochs: 3, batchSize: 16, verbose: 0 });
      tf.dispose([xs, ys]);
      summary[name] = { loss: h.history['loss'] };
      return model;
    });
    await saveLayersModel(model, join(runDir, 'model'));
    const probe = inputsFor(c, PROBES, 3);
    const predictions = tf.tidy(() =>
      (model.predict(tf.tensor(probe.data, probe.shape, probe.dtype)) as tf.Tensor).arraySync(),
    );
    model.dispose();
    writeFileSync(join(dir, 'inputs.json'), JSON.stringify(probe));
    writeFileSync(join(dir, 'predictions.json'), JSON.stringify(predictions));
    const exported: Record<string, string[]> = {};
    for (const format of ['keras', 'tfjs'] as const)
      exported[format] = (await exportRun(runDir, format, join(dir, 'export'))).files;
    writeFileSync(join(dir, 'exported.json'), JSON.stringify(exported));
  }
  writeFileSync(join(out, 'training.json'), JSON.stringify(summary, null, 2));
}

/** A finished run of CASE in RUNS_DIR/RUN_ID as the studio stores it (run.json, model/), for the e2e tests. */
async function studioRun(runsDir: string, runId: string, name: string): Promise<void> {
  const tmp = join(runsDir, `.${runId}-tmp`);
  await exportCases(tmp, [name]);
  const runDir = join(runsDir, runId);
  mkdirSync(runDir, { recursive: true });
  const spec = CASES[name]!.spec;
  const { cpSync, rmSync } = await import('node:fs');
  cpSync(join(tmp, name, 'run', 'model'), join(runDir, 'model'), { recursive: true });
  writeFileSync(
    join(runDir, 'run.json'),
    JSON.stringify({
      id: runId,
      name: spec.name,
      createdAt: new Date().toISOString(),
      status: 'completed',
      spec,
      dataPath: '/nowhere',
      epochs: 3,
      backend: null,
      dataSummary: null,
      layers: [],
      result: null,
      error: null,
      epochRecords: [],
    }),
  );
  rmSync(tmp, { recursive: true, force: true });
}

async function predict(modelDir: string, inputsPath: string, outPath: string): Promise<void> {
  await initBackend('cpu');
  const inputs = JSON.parse(readFileSync(inputsPath, 'utf8')) as {
    data: number[];
    shape: number[];
    dtype: 'int32' | 'float32';
  };
  const model = await loadLayersModel(modelDir);
  const out = tf.tidy(() =>
    (model.predict(tf.tensor(inputs.data, inputs.shape, inputs.dtype)) as tf.Tensor).arraySync(),
  );
  model.dispose();
  writeFileSync(outPath, JSON.stringify(out));
}

const [command, ...args] = process.argv.slice(2);
if (command === 'export-cases' && args[0]) await exportCases(args[0], args.slice(1));
else if (command === 'predict' && args.length === 3) await predict(args[0]!, args[1]!, args[2]!);
else if (command === 'studio-run' && args.length === 3) await studioRun(args[0]!, args[1]!, args[2]!);
else if (command === 'list') console.log(Object.keys(CASES).join('\n'));
else {
  console.error(
    'usage: interop-fixtures.ts export-cases OUT_DIR [CASE …] | predict MODEL_DIR INPUTS.json OUT.json | list',
  );
  process.exit(2);
}
// Done: exit even if a backend left a helper thread or timer running.
process.exit(0);

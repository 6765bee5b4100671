/**
 * Our side of the training-parity tests (interop/tests/test_training_parity.py): for each case the test wrote, build
 * the model from its spec, export the initial weights as .keras, train N steps with the studio's own trainer (the
 * same loop, optimizer, clipnorm and kernels as a run) on the given batches in the given order, with dropout masks
 * drawn here through the trainer's test hook (setDropoutMaskSource) and recorded, and export the final weights.
 * Keras then loads the initial file, takes the same steps with the same masks injected into its cells, and compares
 * the loss at every step and every weight at the end.
 *
 *   node --import tsx scripts/training-parity.ts CASES_DIR
 *
 * CASES_DIR/<case>/case.json: { spec, x: {data, shape, dtype}, y: {data, shape}, batchSize, steps }, the rows of x
 * and y already in step order. Writes beside it: initial.keras, final.keras and ours.json: { losses, recurrence,
 * kernels (kernelInfo(): the provider that trained, chosen by RNN_STUDIO_KERNELS as in a run), masks: [step][layer] →
 * { input: number[][] | null, recurrent: number[][] | null } } (per gate, [batch·n] each).
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelSpec } from '../shared/model-spec.js';
import { resolveTraining } from '../shared/model-spec.js';
import { initBackend } from '../main/training/backend.js';
import { buildModel } from '../main/training/build-model.js';
import { kernelInfo, setDropoutMaskSource } from '../main/training/kernels/index.js';
import type { DropoutMaskSource } from '../main/training/kernels/index.js';
import { saveLayersModel } from '../main/training/save-model.js';
import { mulberry32, withSeededRandom } from '../main/training/seeded-random.js';
import { train } from '../main/training/trainer.js';
import { exportRun } from '../main/interop/export.js';

interface MaskSet {
  input: number[][] | null;
  recurrent: number[][] | null;
}
interface ParityCase {
  spec: ModelSpec;
  x: { data: number[]; shape: number[]; dtype: 'int32' | 'float32' };
  y: { data: number[]; shape: number[] };
  batchSize: number;
  steps: number;
}

async function exportKeras(model: tf.LayersModel, spec: ModelSpec, dir: string, file: string): Promise<void> {
  const runDir = join(dir, `${file}-run`);
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, 'spec.json'), JSON.stringify(spec));
  await saveLayersModel(model, join(runDir, 'model'));
  const { files } = await exportRun(runDir, 'keras', join(dir, `${file}-export`));
  writeFileSync(join(dir, `${file}.keras`), readFileSync(files[0]!));
}

/**
 * Draws every layer's masks for each call (inverted dropout: 0 or 1/(1 − rate), in float32) from a seeded generator
 * and records them by step and layer: a layer asks once per forward pass, and a training step makes one.
 */
function recordingMaskSource(seed: number): { source: DropoutMaskSource; masks: Record<string, MaskSet>[] } {
  const random = mulberry32(seed);
  const masks: Record<string, MaskSet>[] = [];
  const calls = new Map<string, number>();
  const draw = (count: number, size: number, rate: number) =>
    count === 0
      ? null
      : Array.from({ length: count }, () =>
          Float32Array.from({ length: size }, () => (random() < rate ? 0 : 1 / (1 - rate))),
        );
  const source: DropoutMaskSource = (r) => {
    const step = calls.get(r.layer) ?? 0;
    calls.set(r.layer, step + 1);
    const drawn = {
      input: draw(r.inputGates, r.batch * r.features, r.inputRate),
      recurrent: draw(r.recurrentGates, r.batch * r.units, r.recurrentRate),
    };
    (masks[step] ??= {})[r.layer] = {
      input: drawn.input?.map((m) => Array.from(m)) ?? null,
      recurrent: drawn.recurrent?.map((m) => Array.from(m)) ?? null,
    };
    return drawn;
  };
  return { source, masks };
}

async function runCase(dir: string): Promise<void> {
  const c = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as ParityCase;
  const spec: ModelSpec = {
    ...c.spec,
    training: { ...c.spec.training, batchSize: c.batchSize, epochs: 1, shuffle: false, validationSplit: 0 },
  };
  const { model, recurrence } = await withSeededRandom(spec.training?.seed ?? 7, async () => buildModel(spec));
  await exportKeras(model, spec, dir, 'initial');
  const xs = tf.tensor(c.x.data, c.x.shape, c.x.dtype);
  const ys = tf.tensor(c.y.data, c.y.shape, 'float32');
  const source = {
    count: c.x.shape[0]!,
    batch: (idx: Int32Array) => ({ xs: tf.gather(xs, Array.from(idx)), ys: tf.gather(ys, Array.from(idx)) }),
  };
  const losses: number[] = [];
  const recorded = recordingMaskSource(11);
  setDropoutMaskSource(recorded.source);
  try {
    await train(
      model,
      { train: source, val: null },
      { ...resolveTraining(spec), metrics: [] },
      { onBatch: (b) => losses.push(b.logs.loss!) },
    );
  } finally {
    setDropoutMaskSource(null);
  }
  if (losses.length !== c.steps) throw new Error(`trained ${losses.length} steps; the case has ${c.steps}`);
  await exportKeras(model, spec, dir, 'final');
  writeFileSync(
    join(dir, 'ours.json'),
    JSON.stringify({ losses, recurrence, kernels: kernelInfo(), masks: recorded.masks }),
  );
  tf.dispose([xs, ys]);
  model.dispose();
}

const [casesDir] = process.argv.slice(2);
if (!casesDir) {
  console.error('usage: training-parity.ts CASES_DIR');
  process.exit(2);
}
await initBackend('cpu');
for (const name of readdirSync(casesDir).sort()) await runCase(join(casesDir, name));
// Done: exit even if a backend left a helper thread or timer running.
process.exit(0);

/**
 * Measures one training step of a spec in a process of its own (memory.test.ts runs it): the WebAssembly memories
 * only grow, so a fresh process is the only place where what one model adds can be read. Prints one JSON line: the
 * estimate (with the kernels' exact figure) and what the step added to the resident set after garbage collection,
 * with the kernels' memory counted from its first page.
 * Usage: node --import tsx --expose-gc main/training/memory-measure.ts '<spec json>'
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from './backend.js';
import { buildModel } from './build-model.js';
import { probeSteps } from './trainer.js';
import { ArraySource } from './sources.js';
import { kernelMemory, kernelThreadsReady } from './kernels/index.js';
import { checkTrainingMemory } from './memory.js';
import { resolveTraining } from '../../shared/model-spec.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import { analyzeModel } from '../../shared/shape-inference.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

function source(spec: ModelSpec, batch: number): ArraySource {
  const shape = analyzeModel(spec).inputShape!;
  const n = batch * shape.reduce((a, b) => a * b, 1);
  const x =
    spec.input.kind === 'tokens'
      ? Int32Array.from(
          { length: n },
          (_, i) => 1 + ((i * 7919) % (spec.input.kind === 'tokens' ? spec.input.vocabSize - 1 : 1)),
        )
      : Float32Array.from({ length: n }, (_, i) => Math.sin(i));
  return new ArraySource(
    x,
    [...shape],
    Float32Array.from({ length: batch }, (_, i) => i % 2),
    true,
  );
}

function oneStep(spec: ModelSpec): void {
  const cfg = resolveTraining(spec);
  const { model } = buildModel(spec);
  probeSteps(model, source(spec, cfg.batchSize), null, cfg, {
    minSteps: 1,
    maxSteps: 1,
    budgetSeconds: 0,
    evalSteps: 0,
  });
  model.dispose();
}

const spec = JSON.parse(process.argv[2]!) as ModelSpec;
await initBackend('wasm');
// Kernel threads (a V8 isolate each), compiled code and TF.js's kernels come up once per process: a step at batch 2
// first, and the helper threads up, keep them out of the figure. That step already grew the kernels' memory by what
// does not scale with the batch (copies of the weights): added back below, since the real step needs it too.
oneStep({ ...spec, training: { ...spec.training, batchSize: 2 } });
await kernelThreadsReady();
const analysis = analyzeModel(spec);
const check = checkTrainingMemory(spec, analysis.layers, resolveTraining(spec), 'wasm');
const kernelBefore = kernelMemory()!.bytes;
gc();
const before = process.memoryUsage().rss;
oneStep(spec);
gc();
const after = process.memoryUsage().rss;
console.log(
  JSON.stringify({
    estimate: check.estimate!.totalBytes,
    kernelEstimate: check.estimate!.kernelBytes,
    kernelBefore,
    kernelAfter: kernelMemory()!.bytes,
    rssGrowth: after - before + (kernelBefore - 65_536),
    tensorsLeft: tf.memory().numTensors,
  }),
);

// The memory estimate and the issues it raises, without TensorFlow: what a layer can never fit is said on its node,
// with the figure; the examples are untouched. (main/training/memory.test.ts measures the estimate against a real
// training step.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzeModel } from './shape-inference.js';
import {
  estimateTrainingMemory,
  formatBytes,
  kernelBackwardBuffers,
  kernelForwardBuffers,
  kernelParts,
  kernelSlices,
  nativePartialFloats,
  nativeSlices,
  KERNEL_MEMORY_BYTES,
  memoryIssues,
  orthogonalInitBytes,
  tfjsOrthogonalBytes,
  TFJS_WASM_HEAP_BYTES,
} from './memory-estimate.js';
import type { KernelLayer, KernelProvider } from './memory-estimate.js';
import { describeEstimate } from './estimate.js';
import type { RunEstimate } from './estimate.js';
import type { LayerSpec, ModelSpec } from './model-spec.js';

const example = (name: string): ModelSpec =>
  JSON.parse(readFileSync(new URL(`../examples/${name}.json`, import.meta.url), 'utf8')) as ModelSpec;

function withUnits(spec: ModelSpec, units: number): ModelSpec {
  return { ...spec, layers: spec.layers.map((l, i) => (i === 0 ? { ...l, config: { ...l.config, units } } : l)) };
}

const floats = (timesteps: number, layers: LayerSpec[], batchSize = 128): ModelSpec => ({
  format: 1,
  name: 't',
  input: { kind: 'floats', timesteps, features: 3 },
  layers,
  training: { optimizer: 'adam', batchSize, loss: 'meanSquaredError' },
});

test('units 65536 (robustness probe, issue #13): refused on its node with the figure, not "Invalid typed array length"', () => {
  const a = analyzeModel(withUnits(example('forecast-gru'), 65536));
  assert.equal(a.valid, false);
  const issue = a.issues.find((i) => i.severity === 'error');
  assert.ok(issue, JSON.stringify(a.issues));
  assert.equal(issue.layerIndex, 0);
  assert.match(
    issue.message,
    /^GRU "gru" with units=65536 needs about 486 GiB of the fused kernels' memory to train at batch size 128 over 36 timesteps \(.*\); the kernels can address at most 3\.94 GiB \(WebAssembly's 4 GiB, less 64 MiB kept free\)\. Reduce units, batch size or sequence length\.$/,
  );
});

test('LSTM 4096 over 120 timesteps at batch 128: its kernel memory alone passes 4 GiB; batch 16 fits', () => {
  const layers: LayerSpec[] = [
    { className: 'LSTM', config: { units: 32, returnSequences: true } },
    { className: 'LSTM', config: { units: 4096 } },
    { className: 'Dense', config: { units: 1 } },
  ];
  const a = analyzeModel(floats(120, layers));
  const errors = a.issues.filter((i) => i.severity === 'error');
  assert.equal(errors.length, 1, JSON.stringify(errors));
  assert.equal(errors[0]!.layerIndex, 1);
  assert.match(
    errors[0]!.message,
    /^LSTM "lstm_1" with units=4096 needs about 4\.18 GiB of the fused kernels' memory to train at batch size 128 over 120 timesteps \(a copy of its weights, the activations kept for backpropagation, and a partial weight gradient for each of the 8 slices of the batch\)/,
  );
  assert.equal(analyzeModel(floats(120, layers, 16)).valid, true);
});

test('layers that fit one by one but not together: the error names the layer whose backward pass is the peak', () => {
  const lstm = (units: number, returnSequences: boolean): LayerSpec => ({
    className: 'LSTM',
    config: { units, returnSequences },
  });
  const spec = (units: number) =>
    floats(200, [
      lstm(units, true),
      lstm(units, true),
      lstm(units, false),
      { className: 'Dense', config: { units: 1 } },
    ]);
  const a = analyzeModel(spec(1536));
  const e = estimateTrainingMemory(spec(1536), a.layers, { hiddenNorms: false })!;
  assert.ok(e.layers.every((m) => m.kernelSaved + m.kernelBackward < KERNEL_MEMORY_BYTES));
  assert.ok(e.kernelBytes > KERNEL_MEMORY_BYTES);
  const issue = a.issues.find((i) => i.severity === 'error');
  assert.equal(issue?.layerIndex, 2);
  assert.match(
    issue!.message,
    /"lstm_2" with units=1536 needs about 4\.33 GiB .* with what the recurrent layers before it keep/,
  );
  assert.equal(analyzeModel(spec(1280)).valid, true);
});

test('the examples are untouched: no memory issue, a few MiB', () => {
  for (const name of ['forecast-gru', 'sentiment-lstm']) {
    const spec = example(name);
    const a = analyzeModel(spec);
    assert.equal(a.valid, true, name);
    assert.deepEqual(a.issues, [], name);
    const e = estimateTrainingMemory(spec, a.layers, { threads: 8 })!;
    assert.ok(e.totalBytes < 64 * 2 ** 20, `${name}: ${formatBytes(e.totalBytes)}`);
    assert.deepEqual(
      memoryIssues(e, {
        kernelBytes: KERNEL_MEMORY_BYTES,
        backend: { name: 'WebAssembly', bytes: TFJS_WASM_HEAP_BYTES, limit: '4 GiB', instead: 'x' },
        machineBytes: 2 ** 30,
      }),
      [],
      name,
    );
  }
});

test('the machine: an error past its memory, a warning past half of it, on the layer that takes the most', () => {
  const spec = example('sentiment-lstm');
  const e = estimateTrainingMemory(spec, analyzeModel(spec).layers)!;
  const [error] = memoryIssues(e, { machineBytes: e.totalBytes - 1 });
  assert.equal(error?.severity, 'error');
  // The Embedding's table, its RMSprop slot, its gradient and TF.js's copies of that gradient outweigh LSTM(32).
  assert.equal(error.layerIndex, 0);
  assert.match(
    error.message,
    new RegExp(
      `^The model needs about ${formatBytes(e.totalBytes).replace('.', '\\.')} to train at batch size 128 over 40 timesteps \\(weights, RMSprop's mean squares, gradients and the activations kept for backpropagation\\); this machine has .*\\. Embedding "embedding" with inputDim=10000, outputDim=32 takes .* of it\\.`,
    ),
  );
  const [warning] = memoryIssues(e, { machineBytes: e.totalBytes * 1.5 });
  assert.equal(warning?.severity, 'warning');
  assert.match(warning.message, /more than half of this machine's/);
  assert.deepEqual(memoryIssues(e, { machineBytes: e.totalBytes * 2 }), []);
});

test("TF.js's WebAssembly heap: GRU 4096's orthogonal recurrent kernel (the probe's abort at 4 GiB) is named, with the way out", () => {
  const spec = withUnits(example('forecast-gru'), 4096);
  const a = analyzeModel(spec);
  assert.equal(a.valid, true, 'fits the kernels: only the wasm backend cannot draw it');
  const e = estimateTrainingMemory(spec, a.layers)!;
  assert.equal(e.backendPeakInitLayer, 0);
  const [issue] = memoryIssues(e, {
    backend: { name: 'WebAssembly', bytes: TFJS_WASM_HEAP_BYTES, limit: '4 GiB', instead: 'use native TensorFlow' },
  });
  assert.match(
    issue!.message,
    /^GRU "gru" with units=4096 needs about 4\.16 GiB of TF\.js's memory while its recurrentKernel is drawn \(the model's weights, and 3\.97 GiB for TF\.js's orthogonal initializer.*at most 4 GiB\. Set recurrentInitializer to "glorotUniform", reduce units, or use native TensorFlow\.$/,
  );
  const glorot = {
    ...spec,
    layers: [
      { ...spec.layers[0]!, config: { ...spec.layers[0]!.config, recurrentInitializer: 'glorotUniform' } },
      spec.layers[1]!,
    ],
  };
  assert.deepEqual(
    memoryIssues(estimateTrainingMemory(glorot, a.layers)!, {
      backend: { name: 'WebAssembly', bytes: TFJS_WASM_HEAP_BYTES, limit: '4 GiB', instead: '' },
    }),
    [],
  );
});

test("TF.js's own orthogonal QR: tf.profile peak 16,535,565 bytes for [256, 768]; ours holds the draws alone", () => {
  assert.ok(Math.abs(tfjsOrthogonalBytes(256, 768) / 16_535_565 - 1) < 0.02);
  assert.equal(orthogonalInitBytes(256, 768), 4 * 256 * 768, 'measured in main/training/orthogonal.test.ts');
  assert.equal(orthogonalInitBytes(4096, 12_288), tfjsOrthogonalBytes(4096, 12_288), "past 4M weights, TF.js's");
});

test('kernel layout: buffers in the order the kernels read them; slices follow the threads and the batch', () => {
  const l: KernelLayer = {
    kind: 'GRU',
    units: 4,
    batch: 2,
    steps: 3,
    features: 5,
    returnSequences: true,
    recurrentBias: true,
    inputMasks: 3,
    recurrentMasks: 3,
    stepMask: true,
  };
  assert.deepEqual(Object.keys(kernelForwardBuffers(l).saved), [
    'x',
    'w',
    'r',
    'b',
    'z',
    'h',
    'c',
    'tc',
    'rh',
    'inMask',
    'recMask',
    'mask',
    'recBias',
  ]);
  assert.deepEqual(kernelForwardBuffers(l).saved, {
    x: 30,
    w: 60,
    r: 48,
    b: 12,
    z: 72,
    h: 32,
    c: 0,
    tc: 0,
    rh: 24,
    inMask: 30,
    recMask: 24,
    mask: 6,
    recBias: 4,
  });
  assert.deepEqual(kernelForwardBuffers(l).scratch, { xs: 30, hs: 8 });
  assert.deepEqual(kernelBackwardBuffers(l, 2, true), {
    wt: 60,
    rt: 48,
    dW: 120,
    dR: 96,
    dB: 24,
    dX: 30,
    dh0: 8,
    dh1: 8,
    dc: 8,
    drh: 8,
    dy: 24,
    hiddenNorms: 6,
    setAside: 16,
    xs: 30,
    hs: 8,
    dRecBias: 8,
  });
  assert.equal(kernelSlices(1, 128, 1), 8);
  assert.equal(kernelSlices(16, 128, 1), 16);
  assert.equal(kernelSlices(8, 3, 2), 3);
  assert.equal(kernelSlices(1, 4096, 2), 16);
});

test('how each provider cuts a batch: WebAssembly in 16-sample slices; native likewise, or whole past 2 MiB of recurrent weights', () => {
  type Case = [KernelProvider, number, KernelLayer['kind'], number, number, number, number];
  // provider, threads, cell, units, batch, layers in the call → parts in kernel memory
  const cases: Case[] = [
    ['wasm', 2, 'LSTM', 128, 128, 1, 8],
    ['native', 2, 'LSTM', 128, 128, 1, 8],
    ['native', 2, 'LSTM', 256, 128, 2, 8], // 1 MiB of recurrent weights
    ['native', 2, 'LSTM', 512, 128, 2, 1], // 4 MiB
    ['native', 2, 'GRU', 512, 128, 1, 1], // 3 MiB
    ['native', 2, 'SimpleRNN', 512, 128, 1, 8], // 1 MiB
    ['native', 16, 'LSTM', 128, 20, 1, 2], // the native provider is one JavaScript thread: its threads do not count
    ['wasm', 16, 'LSTM', 512, 64, 1, 16],
  ];
  for (const [provider, threads, kind, units, batch, layers, parts] of cases)
    assert.equal(
      kernelParts(provider, threads, { kind, units, batch }, layers),
      parts,
      `${provider} ${kind}(${units}) ×${batch}`,
    );
  // The addon's own slices: one a thread, at least 8 samples each.
  for (const [threads, batch, slices] of [
    [2, 128, 2],
    [2, 15, 1],
    [16, 64, 8],
    [1, 4096, 1],
  ] as const)
    assert.equal(nativeSlices(threads, batch), slices, `${threads} threads, ${batch} samples`);
  const lstm: KernelLayer = {
    kind: 'LSTM',
    units: 4,
    batch: 32,
    steps: 10,
    features: 3,
    returnSequences: false,
    recurrentBias: false,
    inputMasks: 0,
    recurrentMasks: 0,
    stepMask: false,
  };
  // dW 3·16 + dR 4·16 + dB 16 (+ a norm per step) for each slice of a part after the first.
  assert.equal(nativePartialFloats(lstm, 2, 1, false), 128);
  assert.equal(nativePartialFloats(lstm, 2, 1, true), 138);
  assert.equal(nativePartialFloats(lstm, 4, 1, false), 3 * 128);
  assert.equal(nativePartialFloats(lstm, 2, 4, false), 0, 'parts of 8 samples are not cut');
  assert.equal(nativePartialFloats(lstm, 1, 1, true), 0);
});

test('the estimate on the native provider: Bidirectional LSTM(512) in one part, its second slice outside kernel memory', () => {
  const spec: ModelSpec = {
    format: 1,
    name: 'bi',
    input: { kind: 'tokens', vocabSize: 1000, length: 200 },
    layers: [
      { className: 'Embedding', config: { inputDim: 1000, outputDim: 128 } },
      { className: 'Bidirectional', layer: { className: 'LSTM', config: { units: 512 } } },
      { className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
    ],
    training: { batchSize: 128, optimizer: 'rmsprop' },
  };
  const layers = analyzeModel(spec).layers;
  const wasm = estimateTrainingMemory(spec, layers, { threads: 2, provider: 'wasm' })!;
  const native = estimateTrainingMemory(spec, layers, { threads: 2, provider: 'native' })!;
  const [w, n] = [wasm.layers[1]!, native.layers[1]!];
  const partial = 4 * (128 * 2048 + 512 * 2048 + 2048 + 200); // one direction's dW, dR, dB and norms
  assert.equal(w.kernelSlices, 8);
  assert.equal(n.kernelSlices, 1);
  assert.equal(w.kernelBackward - n.kernelBackward, 2 * 7 * partial, 'seven fewer partial gradients per direction');
  assert.equal(n.kernelAddon, partial, "the addon's second slice, one direction at a time");
  assert.equal(native.hostBytes - wasm.hostBytes, partial);
  assert.equal(n.tensorBytes, w.tensorBytes, "TF.js's share does not change");
  assert.equal(wasm.totalBytes - native.totalBytes, 2 * 7 * partial - partial);
});

test('formatBytes: three significant figures, binary units', () => {
  assert.equal(formatBytes(512), '512 bytes');
  assert.equal(formatBytes(64 * 2 ** 20), '64 MiB');
  assert.equal(formatBytes(4.18 * 2 ** 30), '4.18 GiB');
  assert.equal(formatBytes(486.4 * 2 ** 30), '486 GiB');
  assert.equal(formatBytes(12.25 * 2 ** 20), '12.3 MiB');
});

test('describeEstimate adds the memory when the estimate has it (older saved estimates do not)', () => {
  const e: RunEstimate = {
    backend: { name: 'wasm', tfjsVersion: '4.22.0', detail: '' },
    kernels: null,
    probeBatches: 3,
    warmupSeconds: 0.2,
    rampUpSeconds: 0.1,
    secondsPerBatch: 0.085,
    batchesPerEpoch: 34,
    validationSecondsPerEpoch: 0,
    secondsPerEpoch: 2.89,
    epochs: 10,
    totalSeconds: 29,
    setupSeconds: 1,
  };
  assert.doesNotMatch(describeEstimate(e), /memory/);
  assert.match(
    describeEstimate({ ...e, memoryBytes: 12.5 * 2 ** 20 }),
    /for 10 epochs on wasm, about 12\.5 MiB of memory$/,
  );
});

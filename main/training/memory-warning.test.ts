// A model that needs more than half of the machine's memory trains, with a warning every host shows (issue #15): the
// worker sends it as a `warnings` event on its layer, the CLI prints it, the studio shows it under the progress bar.
// RNN_STUDIO_MACHINE_MEMORY_MB stands in for a small machine.
import { test, after } from 'node:test';
import { checkSpec } from '../../shared/shape-inference.js';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executeRun } from './run.js';
import { TrainingControl } from './trainer.js';
import { checkTrainingMemory, machineMemoryBytes } from './memory.js';
import { main } from '../cli/cli.js';
import { resolveTraining } from '../../shared/model-spec.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import { analyzeModel } from '../../shared/shape-inference.js';
import type { WorkerEvent } from '../../shared/worker-protocol.js';
import { initialRunEventState, reduceRunEvent } from '../../shared/run-reducer.js';
import { StudioService } from '../studio/studio-service.js';
import { waitForEnd } from '../studio/test-support.js';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const dir = mkdtempSync(join(tmpdir(), 'rnn-memory-warning-'));
const rows = [
  'text,label',
  ...Array.from(
    { length: 40 },
    (_, i) => `"the ${i % 2 ? 'goal and the match' : 'bread and the soup'}",${i % 2 ? 'sport' : 'food'}`,
  ),
];
writeFileSync(join(dir, 'two.csv'), rows.join('\n'));
const spec: ModelSpec = {
  format: 1,
  name: 'warned',
  input: { kind: 'tokens', vocabSize: 20, length: 6 },
  layers: [
    { className: 'Embedding', config: { inputDim: 20, outputDim: 8 } },
    { className: 'GRU', config: { units: 8 } },
    { className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
  ],
  training: { loss: 'binaryCrossentropy', optimizer: 'adam', epochs: 1, batchSize: 16 },
  data: { kind: 'text', path: 'two.csv', valFraction: 0.2 },
};
writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));

const saved = process.env.RNN_STUDIO_MACHINE_MEMORY_MB;
after(() => {
  if (saved === undefined) delete process.env.RNN_STUDIO_MACHINE_MEMORY_MB;
  else process.env.RNN_STUDIO_MACHINE_MEMORY_MB = saved;
});

/** A machine with 1.5 times what the model needs: more than half of it, so a warning and no refusal. */
function smallMachine(): void {
  delete process.env.RNN_STUDIO_MACHINE_MEMORY_MB;
  const needs = checkTrainingMemory(spec, analyzeModel(spec).layers, resolveTraining(spec), 'wasm').estimate!
    .totalBytes;
  process.env.RNN_STUDIO_MACHINE_MEMORY_MB = String((needs * 1.5) / 2 ** 20);
}

test("RNN_STUDIO_MACHINE_MEMORY_MB replaces the machine's memory figure; anything but a positive number is ignored", () => {
  assert.equal(machineMemoryBytes({ RNN_STUDIO_MACHINE_MEMORY_MB: '512' }), 512 * 2 ** 20);
  for (const bad of ['', '0', '-3', 'lots'])
    assert.equal(
      machineMemoryBytes({ RNN_STUDIO_MACHINE_MEMORY_MB: bad }),
      machineMemoryBytes({}),
      JSON.stringify(bad),
    );
});

test('more than half of the machine: the run emits a warnings event on the biggest layer, then trains to the end', async () => {
  smallMachine();
  const events: WorkerEvent[] = [];
  await executeRun(
    checkSpec(spec),
    dir,
    { backend: 'wasm', batchThrottleMs: 0 },
    (e) => events.push(e),
    new TrainingControl(),
  );
  const types = events.map((e) => e.type);
  assert.equal(types.filter((t) => t === 'warnings').length, 1, types.join(' '));
  assert.ok(
    types.indexOf('warnings') > types.indexOf('backend') && types.indexOf('warnings') < types.indexOf('data'),
    types.join(' '),
  );
  assert.equal(types.at(-1), 'done');
  const warning = events.find((e) => e.type === 'warnings');
  assert.ok(warning?.type === 'warnings');
  assert.equal(warning.issues.length, 1);
  const [issue] = warning.issues;
  assert.equal(issue!.severity, 'warning');
  assert.ok(issue!.layerIndex !== null);
  assert.match(
    issue!.message,
    /^The model needs about .* that is more than half of this machine's .*, so it may swap or be stopped by the system\./,
  );
  // Folded like every other event: the warning stays in the run's state after it ends.
  const state = events.reduce((s, e) => reduceRunEvent(s, e), initialRunEventState());
  assert.equal(state.status, 'completed');
  assert.deepEqual(state.warnings, warning.issues);
});

test('the CLI prints the warning on stderr (and in summary.txt) and the run still succeeds', async () => {
  smallMachine();
  const out: string[] = [];
  const err: string[] = [];
  const outDir = join(dir, 'cli-run');
  const code = await main(['train', join(dir, 'spec.json'), '--backend', 'wasm', '--out', outDir], {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    status: () => {},
  });
  assert.equal(code, 0, err.join('\n'));
  const line = err.find((l) => l.startsWith('Warning'));
  assert.match(line ?? '', /^Warning \(layer \d\): The model needs about .* more than half of this machine's/);
  assert.ok(readFileSync(join(outDir, 'summary.txt'), 'utf8').includes(line!));
});

test('the studio keeps the warning with the run: run.json and getRun carry it after the run ends, also when reopened', async () => {
  smallMachine();
  const userDataDir = mkdtempSync(join(tmpdir(), 'rnn-memory-warning-studio-'));
  const options = {
    userDataDir,
    host: 'web' as const,
    appVersion: 'test',
    assetsDir: join(root, 'assets'),
    examplesDir: join(root, 'examples'),
  };
  const s = new StudioService(options);
  const { runId } = await s.call('startRun', {
    spec: { ...spec, data: { ...spec.data!, path: join(dir, 'two.csv') } },
  });
  await waitForEnd(s, runId);
  const detail = await s.call('getRun', { runId });
  assert.equal(detail.status, 'completed');
  assert.equal(detail.warnings?.length, 1);
  assert.match(detail.warnings![0]!.message, /more than half of this machine's/);
  assert.equal(
    (await new StudioService(options).call('getRun', { runId })).warnings?.length,
    1,
    'read back from run.json',
  );
});

/**
 * Fault injection: the process is killed in the middle of saving a project; the training worker crashes in the middle
 * of a run; the loss becomes infinite. Each time nothing saved before is lost and the app carries on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StudioService } from '../studio/studio-service.js';
import { waitForEnd } from '../studio/test-support.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import { resolveTraining } from '../../shared/model-spec.js';
import { setWorkerEntry } from '../training-host.js';
import { train } from '../training/trainer.js';
import { ArraySource } from '../training/sources.js';
import { buildModel } from '../training/build-model.js';
import { makeTempDir } from '../data/test-support.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const service = (userDataDir: string) =>
  new StudioService({
    userDataDir,
    host: 'web',
    appVersion: 'test',
    assetsDir: join(root, 'assets'),
    examplesDir: join(root, 'examples'),
  });

// ---- killed mid-save ----------------------------------------------------------------------------------------------

/** Starts save-child.ts and SIGKILLs it when its output matches `killWhen` (after `delayMs`); resolves with its output. */
function runAndKill(
  userData: string,
  stopAt: string,
  killWhen: RegExp,
  delayMs = 0,
): Promise<{ output: string; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'save-child.ts'), userData, stopAt], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let killing = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`save-child never reached ${killWhen}: ${output}`));
    }, 60_000);
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (!killing && killWhen.test(output)) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve({ output, signal });
    });
  });
}

async function projectWithVersion1(): Promise<{ userData: string; cleanup: () => void; v1: string }> {
  const { dir: userData, cleanup } = makeTempDir('kill-save');
  const s = service(userData);
  const spec = (await s.call('listSamples', {}))[0]!.spec;
  await s.call('saveProject', { id: 'p1', name: 'v1', spec: { ...spec, description: 'v1 '.repeat(400_000) } });
  return { userData, cleanup, v1: readFileSync(join(userData, 'projects', 'p1.json'), 'utf8') };
}

for (const stopAt of ['write', 'fsync', 'rename'] as const) {
  test(`SIGKILL inside the save's ${stopAt} step: the previous project is intact, and the next save works`, async () => {
    const { userData, cleanup, v1 } = await projectWithVersion1();
    try {
      const { output, signal } = await runAndKill(userData, stopAt, /^in /m);
      assert.equal(signal, 'SIGKILL', output);
      assert.doesNotMatch(output, /saved 2/);
      // The kill landed mid-save: the temporary file is still there (half written for `write`).
      const leftovers = readdirSync(join(userData, 'projects')).filter((f) => f.endsWith('.tmp'));
      assert.equal(leftovers.length, 1, `leftover temp files: ${leftovers.join(', ')}`);
      assert.equal(
        readFileSync(join(userData, 'projects', 'p1.json'), 'utf8'),
        v1,
        'p1.json is byte for byte version 1',
      );
      const s = service(userData);
      const p = await s.call('loadProject', { id: 'p1' });
      assert.equal(p.name, 'v1');
      assert.deepEqual(
        (await s.call('listProjects', {})).map((x) => x.id),
        ['p1'],
        'the temp file is not listed as a project',
      );
      await s.call('saveProject', { id: 'p1', name: 'v3', spec: p.spec });
      assert.equal((await s.call('loadProject', { id: 'p1' })).name, 'v3');
    } finally {
      cleanup();
    }
  });
}

test('SIGKILL at random moments while saving version after version: the file is always one whole version', async () => {
  const { userData, cleanup } = await projectWithVersion1();
  try {
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const target = 2 + (i % 3);
      const { output } = await runAndKill(userData, 'loop', new RegExp(`^saving ${target}$`, 'm'), (i * 7) % 25);
      const saved = [...output.matchAll(/^saved (\d+)$/gm)].map((m) => Number(m[1]));
      const p = JSON.parse(readFileSync(join(userData, 'projects', 'p1.json'), 'utf8')) as {
        name: string;
        spec: { description: string };
      };
      const version = Number(p.name.slice(1));
      // Whole: the description is 400,000 copies of its own version tag; the version is the last saved or the next.
      assert.equal(p.spec.description, `${p.name} `.repeat(400_000));
      const last = saved.length > 0 ? Math.max(...saved) : null;
      assert.ok(
        last === null ? version === 1 || version >= 2 : version === last || version === last + 1,
        `version ${version} after saves ${saved.join(',')}`,
      );
      seen.add(p.name);
    }
    assert.ok(seen.size >= 1);
  } finally {
    cleanup();
  }
});

// ---- the training worker crashes -----------------------------------------------------------------------------------

function smallForecastSpec(base: ModelSpec, epochs: number): ModelSpec {
  return {
    ...base,
    layers: [
      { className: 'GRU', config: { units: 4 } },
      { className: 'Dense', config: { units: 1 } },
    ],
    training: { ...base.training, epochs, batchSize: 256 },
    data: { ...base.data!, trainFraction: 0.1, valFraction: 0.05 } as ModelSpec['data'],
  };
}

for (const [mode, message] of [
  ['exit', 'The training worker exited unexpectedly (exit code 70).'],
  ['throw', 'The training worker crashed: injected crash after the first epoch'],
] as const) {
  test(`the training worker dies mid-run (${mode}): the run is failed, its first epoch kept, the app carries on`, async () => {
    const { dir: userData, cleanup } = makeTempDir(`crash-${mode}`);
    process.env.RNN_STUDIO_TEST_CRASH = mode;
    setWorkerEntry(join(here, 'crashing-worker.mjs'));
    try {
      const s = service(userData);
      const sample = (await s.call('listSamples', {})).find((x) => x.id === 'forecast-gru')!;
      const { runId } = await s.call('startRun', { spec: smallForecastSpec(sample.spec, 5) });
      const events = await waitForEnd(s, runId);
      const last = events.at(-1)!;
      assert.ok(
        last.type === 'run' && last.event.type === 'error' && last.event.message === message,
        JSON.stringify(last),
      );

      const run = (await s.call('listRuns', {})).find((r) => r.id === runId)!;
      assert.equal(run.status, 'failed');
      assert.equal(run.error, message);
      // What was saved before the crash is kept: the first epoch in metrics.jsonl (written before it was sent).
      const metrics = readFileSync(join(userData, 'runs', runId, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { kind: string; epoch: number });
      assert.ok(
        metrics.some((m) => m.kind === 'batch'),
        'batch records kept',
      );
      assert.deepEqual(
        metrics.filter((m) => m.kind === 'epoch').map((m) => m.epoch),
        [0],
        'the first epoch is kept, nothing after it',
      );
      const detail = await s.call('getRun', { runId });
      assert.ok(detail.batchRecords.length > 0);
      // The crash can overtake the epoch's message (the worker's error event may arrive first, and a terminated thread
      // flushes nothing): the service takes the epochs from metrics.jsonl, so the run keeps exactly its first epoch.
      assert.deepEqual(
        detail.epochRecords.map((r) => r.epoch),
        [0],
      );
      assert.equal(run.epochsRun, 1);
      await assert.rejects(s.call('predictSeries', { runId }), /saved no model/);

      // Still usable: the next run in the same service trains to the end with the normal worker.
      setWorkerEntry(null);
      const next = await s.call('startRun', { spec: smallForecastSpec(sample.spec, 1) });
      const nextEvents = await waitForEnd(s, next.runId);
      const done = nextEvents.at(-1)!;
      assert.ok(
        done.type === 'run' && done.event.type === 'done' && done.event.result.status === 'completed',
        JSON.stringify(done),
      );
      // And after a restart the crashed run is still listed as failed with its message.
      const again = (await service(userData).call('listRuns', {})).find((r) => r.id === runId)!;
      assert.equal(again.status, 'failed');
      assert.equal(again.error, message);
      assert.ok(existsSync(join(userData, 'runs', next.runId, 'model', 'model.json')));
    } finally {
      setWorkerEntry(null);
      delete process.env.RNN_STUDIO_TEST_CRASH;
      cleanup();
    }
  });
}

// ---- an infinite loss -----------------------------------------------------------------------------------------------

test('an infinite loss stops the run with a message and keeps the weights of the last complete epoch', async () => {
  const spec: ModelSpec = {
    format: 1,
    name: 'inf',
    input: { kind: 'floats', timesteps: 4, features: 2 },
    layers: [
      { className: 'GRU', config: { units: 3 } },
      { className: 'Dense', config: { units: 1 } },
    ],
    training: { loss: 'meanSquaredError', batchSize: 8, epochs: 3, optimizer: 'sgd', learningRate: 0.01 },
  };
  const cfg = { ...resolveTraining(spec), shuffle: false };
  const { model } = buildModel(spec);
  const x = new Float32Array(16 * 8).map((_, i) => Math.sin(i));
  const good = new Float32Array(16).fill(1);
  const bad = good.slice();
  bad[3] = Infinity;
  let afterEpoch1: number[][] = [];
  // Epoch 1 on good labels, then the same samples with an infinite label in the first batch of epoch 2.
  let epoch = 0;
  const source = new ArraySource(x, [4, 2], good, true);
  const flipping = {
    count: source.count,
    batch: (idx: Int32Array) => (epoch === 0 ? source : new ArraySource(x, [4, 2], bad, true)).batch(idx),
  };
  const result = await train(model, { train: flipping, val: null }, cfg, {
    onEpoch: () => {
      epoch++;
      afterEpoch1 = model.getWeights().map((w) => Array.from(w.dataSync()));
    },
  });
  assert.equal(result.status, 'failed');
  assert.equal(result.epochsRun, 1);
  assert.match(
    result.reason!,
    /^The loss became Infinity at epoch 2, batch 1; training stopped and the weights from the end of the last good epoch were kept\./,
  );
  assert.deepEqual(
    model.getWeights().map((w) => Array.from(w.dataSync())),
    afterEpoch1,
  );
  assert.ok(afterEpoch1.flat().every(Number.isFinite));
  model.dispose();
});

test('the app dies mid-run: on restart the run is failed and keeps the epochs metrics.jsonl holds (torn lines skipped)', async () => {
  const { dir: userData, cleanup } = makeTempDir('app-crash');
  try {
    const { writeJsonAtomic } = await import('../studio/storage.js');
    const { writeFileSync } = await import('node:fs');
    const runDir = join(userData, 'runs', 'cut-1');
    const spec = smallForecastSpec(
      (await service(userData).call('listSamples', {})).find((x) => x.id === 'forecast-gru')!.spec,
      5,
    );
    writeJsonAtomic(join(runDir, 'run.json'), {
      id: 'cut-1',
      name: 'cut',
      createdAt: new Date().toISOString(),
      status: 'running',
      spec,
      dataPath: '/x',
      epochs: 5,
      backend: null,
      dataSummary: null,
      layers: [],
      result: null,
      error: null,
      epochRecords: [],
    });
    const epoch = (e: number) =>
      JSON.stringify({
        kind: 'epoch',
        epoch: e,
        epochs: 5,
        logs: { loss: 1 / (e + 1), val_loss: 2 / (e + 1) },
        gradNorms: {},
        globalGradNorm: 1,
        seconds: 1,
        etaSeconds: 1,
        numTensors: 10,
        bestEpoch: null,
      });
    const batch = (e: number) =>
      JSON.stringify({
        kind: 'batch',
        epoch: e,
        batch: 0,
        batches: 1,
        logs: { loss: 1 },
        gradNorms: {},
        globalGradNorm: 1,
        elapsedMs: 1,
        etaSeconds: 1,
      });
    writeFileSync(
      join(runDir, 'metrics.jsonl'),
      `${batch(0)}\n${epoch(0)}\n${batch(1)}\n${epoch(1)}\n${batch(2).slice(0, 50)}\n${epoch(2).slice(0, 40)}`,
    );
    const s = service(userData);
    const run = (await s.call('listRuns', {})).find((r) => r.id === 'cut-1')!;
    assert.equal(run.status, 'failed');
    assert.equal(run.error, 'The app closed while this run was in progress; the metrics up to then are kept.');
    assert.equal(run.epochsRun, 2);
    assert.equal(run.best.val_loss, 1);
    assert.equal((await s.call('getRun', { runId: 'cut-1' })).batchRecords.length, 2);
  } finally {
    cleanup();
  }
});

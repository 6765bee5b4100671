// The Electron bundles can be checked without an Electron binary: the bundled training worker must train in plain
// Node, the sandboxed preload must be CommonJS that exposes only the API (no zod, no Node modules), and the bundled
// main process serves the page from app://studio.
import { test } from 'node:test';
import { checkSpec } from '../../shared/shape-inference.js';
import { seattleTemperature } from '../data/test-support.js';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setWorkerEntry, startTraining } from '../training-host.js';
import { offThread, setFileWorkerEntry } from '../studio/off-thread.js';
import type { ModelSpec } from '../../shared/model-spec.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test('build-electron bundles main, preload and the workers; the bundled workers train and preview', async () => {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build-electron.mjs')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const preload = readFileSync(join(root, 'dist', 'electron', 'preload.cjs'), 'utf8');
  assert.match(preload, /exposeInMainWorld\("studio"/);
  assert.doesNotMatch(preload, /zod|require\("node:|require\("fs"/);
  const main = readFileSync(join(root, 'dist', 'electron', 'main.mjs'), 'utf8');
  assert.match(main, /contextIsolation: true,\s+sandbox: true,\s+nodeIntegration: false/);
  // The bundle, not only the source, loads the page from app://studio and never from a file.
  assert.match(main, /\bprotocol\.registerSchemesAsPrivileged\(/);
  assert.match(main, /\bprotocol\.handle\(/);
  assert.match(main, /= "app";[\s\S]*= "studio";/);
  assert.match(main, /\.loadURL\(/);
  assert.doesNotMatch(main, /\.loadFile\(/);

  setWorkerEntry(join(root, 'dist', 'electron', 'worker.mjs'));
  const spec: ModelSpec = {
    format: 1,
    name: 'bundle',
    input: { kind: 'floats', timesteps: 6, features: 3 },
    layers: [
      { className: 'LSTM', config: { units: 3 } },
      { className: 'Dense', config: { units: 1 } },
    ],
    training: { loss: 'meanAbsoluteError', epochs: 1, batchSize: 64 },
    data: seattleTemperature({ lookback: 6, delay: 1, trainFraction: 0.05, valFraction: 0.02 }),
  };
  const last = await startTraining(checkSpec(spec), root, { backend: 'wasm' }, () => {}).finished;
  assert.equal(last.type, 'done', JSON.stringify(last));
  setWorkerEntry(null);

  // The bundled file worker previews data (the studio's previews and imports run there, off the main thread).
  setFileWorkerEntry(join(root, 'dist', 'electron', 'file-worker.mjs'));
  try {
    const preview = await offThread({ type: 'preview', data: spec.data!, path: spec.data!.path });
    assert.equal(preview.kind, 'timeseries');
  } finally {
    setFileWorkerEntry(null);
  }
});

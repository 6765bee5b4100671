// The Electron bundles can be checked without an Electron binary: the bundled training worker must train in plain
// Node, and the sandboxed preload must be CommonJS that exposes only the API (no zod, no Node modules).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setWorkerEntry, startTraining } from '../training-host.js';
import type { ModelSpec } from '../../shared/model-spec.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test('build-electron bundles main, preload and worker; the bundled worker trains', async () => {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build-electron.mjs')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const preload = readFileSync(join(root, 'dist', 'electron', 'preload.cjs'), 'utf8');
  assert.match(preload, /exposeInMainWorld\("studio"/);
  assert.doesNotMatch(preload, /zod|require\("node:|require\("fs"/);
  assert.match(readFileSync(join(root, 'dist', 'electron', 'main.mjs'), 'utf8'), /contextIsolation: true,\s+sandbox: true,\s+nodeIntegration: false/);

  setWorkerEntry(join(root, 'dist', 'electron', 'worker.mjs'));
  const spec: ModelSpec = {
    format: 1, name: 'bundle', input: { kind: 'floats', timesteps: 6, features: 3 },
    layers: [{ className: 'LSTM', config: { units: 3 } }, { className: 'Dense', config: { units: 1 } }],
    training: { loss: 'meanAbsoluteError', epochs: 1, batchSize: 64 },
    data: { kind: 'timeseries', path: join(root, 'assets/samples/seattle-weather-hourly-normals.csv'), target: 'temperature', lookback: 6, step: 1, delay: 1, trainFraction: 0.05, valFraction: 0.02 },
  };
  const last = await startTraining(spec, root, { backend: 'wasm' }, () => {}).finished;
  assert.equal(last.type, 'done', JSON.stringify(last));
});

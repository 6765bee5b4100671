import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunFolder, RunFolderError, RUN_FILES } from './run-folder.js';
import type { ModelSpec } from '../shared/model-spec.js';

const spec = {
  format: 1,
  name: 'folder',
  input: { kind: 'floats', timesteps: 4, features: 2 },
  layers: [{ className: 'Dense', config: { units: 1 } }],
} as unknown as ModelSpec;
const fresh = () => new RunFolder(join(mkdtempSync(join(tmpdir(), 'run-folder-')), 'run'));

test('the logs start empty, take one line per record, and a line torn by a crash is skipped on reading', () => {
  const folder = fresh();
  const logs = folder.openLogs();
  logs.metric({ kind: 'batch', epoch: 0, batch: 0, logs: { loss: 1 } });
  logs.metric({ kind: 'epoch', epoch: 0, logs: { loss: 0.5 } });
  logs.gradientFlow({ epoch: 0, batch: 0 });
  logs.histogram({ epoch: 0 });
  appendFileSync(folder.path('metrics'), '{"kind":"epoch","epoch":1,"lo');
  assert.deepEqual(folder.readEpochs(), [{ kind: 'epoch', epoch: 0, logs: { loss: 0.5 } }]);
  assert.equal(folder.readBatches().length, 1);
  assert.equal(folder.readGradientFlow().length, 1);
  assert.equal(folder.readHistograms().length, 1);
  // A continued run opens the logs again: they start over, not appended to the previous run's.
  folder.openLogs();
  assert.deepEqual(folder.readEpochs(), []);
  assert.deepEqual(readdirSync(folder.dir).sort(), [RUN_FILES.gradientFlow, RUN_FILES.histograms, RUN_FILES.metrics]);
});

test('the spec comes from spec.json, else from run.json (studio runs saved before spec.json), else an error naming the folder', () => {
  const folder = fresh();
  assert.throws(
    () => folder.readSpec(),
    (e: Error) => e instanceof RunFolderError && e.message.includes('received neither'),
  );
  mkdirSync(folder.dir, { recursive: true });
  folder.writeMeta({ id: 'r1', spec: { ...spec, name: 'from-meta' }, dataPath: '/data.csv' });
  assert.equal(folder.readSpec().name, 'from-meta');
  assert.equal(folder.readMeta<{ dataPath: string }>()?.dataPath, '/data.csv');
  folder.writeSpec(spec);
  assert.equal(folder.readSpec().name, 'folder');
  writeFileSync(folder.path('spec'), '{"layers": 3}');
  assert.throws(() => folder.readSpec(), /spec\.json: expected a model spec, received something else/);
  writeFileSync(folder.path('spec'), '{not json');
  assert.throws(() => folder.readSpec(), /spec\.json: expected JSON/);
});

test('a model counts as saved only when model.json is there and not empty', () => {
  const folder = fresh();
  assert.equal(folder.hasModel(), false);
  mkdirSync(folder.modelDir, { recursive: true });
  writeFileSync(join(folder.modelDir, 'model.json'), '');
  assert.equal(folder.hasModel(), false);
  writeFileSync(join(folder.modelDir, 'model.json'), '{}');
  assert.equal(folder.hasModel(), true);
});

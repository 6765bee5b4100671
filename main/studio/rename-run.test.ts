// renameRun: a run starts with its spec's name (an unsaved project's too) and can be renamed, live or finished; the
// name is validated, run.json is rewritten whole, and clients hear runs-changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StudioService } from './studio-service.js';
import { waitForEnd } from './test-support.js';
import type { StudioEvent } from '../../shared/api.js';
import type { ModelSpec } from '../../shared/model-spec.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test("a run takes the spec's name, is renamed while it trains and after, and keeps the name in run.json", async () => {
  const userDataDir = mkdtempSync(join(tmpdir(), 'rnn-rename-'));
  const s = new StudioService({
    userDataDir,
    host: 'web',
    appVersion: 'test',
    assetsDir: join(root, 'assets'),
    examplesDir: join(root, 'examples'),
  });
  const events: StudioEvent[] = [];
  s.onEvent((e) => events.push(e));
  const sample = (await s.call('listSamples', {})).find((x) => x.id === 'forecast-gru')!;
  // What the builder sends for a project that was never saved: the spec carries the name shown in the builder.
  const spec: ModelSpec = {
    ...sample.spec,
    name: 'gru forecaster draft',
    layers: [
      { className: 'GRU', config: { units: 2 } },
      { className: 'Dense', config: { units: 1 } },
    ],
    training: { ...sample.spec.training, epochs: 2, batchSize: 256 },
    data: { ...sample.spec.data!, trainFraction: 0.05, valFraction: 0.02 } as ModelSpec['data'],
  };
  const { runId } = await s.call('startRun', { spec });
  assert.equal((await s.call('listRuns', {})).find((r) => r.id === runId)?.name, 'gru forecaster draft');

  events.length = 0;
  const live = await s.call('renameRun', { runId, name: '  first try  ' });
  assert.equal(live.name, 'first try', 'trimmed');
  assert.ok(events.some((e) => e.type === 'runs-changed'));
  await waitForEnd(s, runId);
  // The run's own saves after each epoch keep the new name.
  assert.equal(JSON.parse(readFileSync(join(userDataDir, 'runs', runId, 'run.json'), 'utf8')).name, 'first try');

  const done = await s.call('renameRun', { runId, name: 'GRU(2), 2 epochs' });
  assert.equal(done.name, 'GRU(2), 2 epochs');
  assert.equal(done.status, 'completed');
  assert.equal((await s.call('getRun', { runId })).name, 'GRU(2), 2 epochs');
  const reopened = new StudioService({
    userDataDir,
    host: 'web',
    appVersion: 'test',
    assetsDir: join(root, 'assets'),
    examplesDir: join(root, 'examples'),
  });
  assert.equal((await reopened.call('listRuns', {}))[0]!.name, 'GRU(2), 2 epochs');

  await assert.rejects(
    s.call('renameRun', { runId, name: '   ' }),
    /renameRun: invalid arguments: .*A run needs a name/,
  );
  await assert.rejects(s.call('renameRun', { runId, name: 'x'.repeat(201) }), /limited to 200 characters/);
  await assert.rejects(s.call('renameRun', { runId, name: 'a\nb' }), /control characters/);
  await assert.rejects(s.call('renameRun', { runId: '../x', name: 'ok' }), /runId an id of letters/);
  await assert.rejects(
    s.call('renameRun', { runId: 'nope', name: 'ok' }),
    (e: Error & { code?: string }) => e.code === 'not-found',
  );
  assert.equal((await s.call('getRun', { runId })).name, 'GRU(2), 2 epochs', 'refused names change nothing');
  assert.equal((await s.call('renameRun', { runId, name: 'y'.repeat(200) })).name.length, 200);
});

// The real worker thread: events cross the thread boundary typed, batch messages are throttled without losing
// batches, and stop/pause/resume travel as messages.
import { test } from 'node:test';
import { checkSpec } from '../shared/shape-inference.js';
import assert from 'node:assert/strict';
import { startTraining } from './training-host.js';
import { repoRoot as root, seattleTemperature } from './data/test-support.js';
import type { ModelSpec } from '../shared/model-spec.js';
import type { WorkerEvent } from '../shared/worker-protocol.js';

const spec: ModelSpec = {
  format: 1,
  name: 'host-test',
  input: { kind: 'floats', timesteps: 12, features: 3 },
  layers: [
    { className: 'SimpleRNN', config: { units: 4 } },
    { className: 'Dense', config: { units: 1 } },
  ],
  training: { loss: 'meanAbsoluteError', batchSize: 16, epochs: 3 },
  data: seattleTemperature({ lookback: 12, delay: 6, trainFraction: 0.2, valFraction: 0.05 }),
};

test('a run in the worker thread: at most ~10 batch messages a second, no batch lost, every epoch sent', async () => {
  const events: { e: WorkerEvent; t: number }[] = [];
  const t0 = performance.now();
  const handle = startTraining(checkSpec(spec), root, { backend: 'wasm' }, (e) =>
    events.push({ e, t: performance.now() - t0 }),
  );
  const last = await handle.finished;
  assert.equal(last.type, 'done', JSON.stringify(last));
  const batchMsgs = events.filter((x) => x.e.type === 'batches');
  const records = batchMsgs.flatMap((x) => (x.e.type === 'batches' ? x.e.records : []));
  const perEpoch = records[0]!.batches;
  assert.equal(records.length, 3 * perEpoch);
  assert.equal(events.filter((x) => x.e.type === 'epoch').length, 3);
  const seconds = (batchMsgs.at(-1)!.t - batchMsgs[0]!.t) / 1000;
  // One message per 100 ms, plus the flush that precedes each epoch record.
  assert.ok(
    batchMsgs.length <= Math.ceil(seconds * 10) + 3 + 1,
    `${batchMsgs.length} batch messages in ${seconds.toFixed(2)} s for ${records.length} batches`,
  );
  assert.ok(batchMsgs.length < records.length, 'batches are grouped');
});

test('pause, resume and stop are messages to the worker', async () => {
  const states: string[] = [];
  let handle: ReturnType<typeof startTraining> | null = null;
  let sent = false;
  handle = startTraining(
    checkSpec({ ...spec, training: { ...spec.training, epochs: 50 } }),
    root,
    { backend: 'wasm', batchThrottleMs: 0 },
    (e) => {
      if (e.type === 'batches' && !sent) {
        sent = true;
        handle!.pause();
      }
      if (e.type === 'state') {
        states.push(e.state);
        if (e.state === 'paused') handle!.resume();
        else handle!.stop();
      }
    },
  );
  const last = await handle.finished;
  assert.deepEqual(states, ['paused', 'running']);
  assert.equal(last.type, 'done');
  assert.ok(last.type === 'done' && last.result.status === 'stopped', JSON.stringify(last));
  assert.ok(last.type === 'done' && last.result.epochsRun < 50);
});

test('a spec error comes back as an error event from the worker', async () => {
  const handle = startTraining(checkSpec({ ...spec, layers: [] }), root, {}, () => {});
  const last = await handle.finished;
  assert.ok(last.type === 'error' && last.stage === 'spec' && /no layers/.test(last.message));
});

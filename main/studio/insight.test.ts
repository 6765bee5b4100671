// Insight through the API, with real training in worker threads: the gradient flow recorded with a run, the estimate
// before Start checked against the real epochs, and Replay reproducing a run exactly on the same backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StudioService } from './studio-service.js';
import { waitForEnd } from './test-support.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import { estimateError } from '../../shared/estimate.js';
import { createHash } from 'node:crypto';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function service() {
  return new StudioService({
    userDataDir: mkdtempSync(join(tmpdir(), 'rnn-insight-')),
    host: 'web',
    appVersion: 'test',
    assetsDir: join(root, 'assets'),
    examplesDir: join(root, 'examples'),
  });
}

async function forecastSpec(s: StudioService, epochs: number): Promise<ModelSpec> {
  const sample = (await s.call('listSamples', {})).find((x) => x.id === 'forecast-gru')!;
  return {
    ...sample.spec,
    layers: [
      { className: 'GRU', config: { units: 8, dropout: 0.2, recurrentDropout: 0.2 } },
      { className: 'Dense', config: { units: 1 } },
    ],
    training: { ...sample.spec.training, epochs, batchSize: 128 },
    data: { ...sample.spec.data!, trainFraction: 0.3, valFraction: 0.1 } as ModelSpec['data'],
  };
}

test('estimate before Start vs the real epochs; the run records it, its provenance and its gradient flow', async () => {
  const s = service();
  const spec = await forecastSpec(s, 3);
  const estimate = await s.call('estimateRun', { spec });
  assert.ok(estimate.probeBatches >= 2);
  assert.ok(estimate.secondsPerBatch > 0 && estimate.batchesPerEpoch > 5);
  assert.ok(['wasm', 'tensorflow', 'cpu'].includes(estimate.backend.name));
  const { runId } = await s.call('startRun', { spec });
  const events = await waitForEnd(s, runId);
  const detail = await s.call('getRun', { runId });
  assert.equal(detail.status, 'completed');
  assert.deepEqual(detail.estimate, estimate, 'the estimate made for this spec is stored with the run');
  const seconds = detail.epochRecords.map((e) => e.seconds);
  const err = estimateError(estimate, seconds)!;
  console.log(
    `estimate ${estimate.secondsPerEpoch.toFixed(3)} s/epoch (${(estimate.secondsPerBatch * 1000).toFixed(1)} ms/batch × ${estimate.batchesPerEpoch} + ${estimate.validationSecondsPerEpoch.toFixed(3)} s validation, warm-up batch ${estimate.warmupSeconds.toFixed(3)} s) on ${estimate.backend.name}; actual epochs ${seconds.map((x) => x.toFixed(3)).join(', ')} s; error per epoch ${(err.error * 100).toFixed(1)} % (vs epochs 2+), whole run ${(err.totalError * 100).toFixed(1)} %`,
  );
  // A shared 2-core machine: the bound is loose; the measured error is printed above.
  assert.ok(Math.abs(err.error) < 0.6, `estimate ${estimate.secondsPerEpoch} vs actual ${err.actual}`);

  const p = detail.provenance!;
  assert.equal(p.seed, 1337);
  // The fingerprint of the one file the run read (data-digest.ts), recomputed here from the file itself.
  const csv = readFileSync(join(root, 'assets', 'samples', 'seattle-weather-hourly-normals.csv'));
  const sha = (x: string | Buffer) => createHash('sha256').update(x).digest('hex');
  assert.deepEqual(
    { hash: p.dataHash, kind: p.dataHashKind, files: p.dataFiles, bytes: p.dataBytes },
    { hash: sha(`\0${csv.length}\0${sha(csv)}\n`), kind: 'files-read', files: 1, bytes: csv.length },
  );
  assert.equal(p.backend, detail.backend);
  assert.match(p.tfjsVersion ?? '', /^4\./);
  assert.deepEqual(p.preprocessing, spec.data);
  // Dropout puts the GRU on TF.js's op-by-op path or the fused one; either way the run says which.
  assert.equal(p.recurrence?.length, 1);
  if (p.recurrence![0]!.fused) {
    assert.ok(detail.gradientFlow.length > 0, 'a fused layer reports its gradient flow');
    assert.equal(detail.gradientFlow[0]!.norms.gru!.length, 36);
    assert.ok(events.some((e) => e.type === 'run' && e.event.type === 'gradient-flow'));
  }
  // Weight/gradient histograms: one record per epoch from histograms.jsonl, GRU (3 tensors) and Dense (2).
  assert.deepEqual(
    detail.histograms?.map((h) => h.epoch),
    [0, 1, 2],
  );
  assert.equal(detail.histograms![2]!.tensors.length, 5);
  assert.ok(events.some((e) => e.type === 'run' && e.event.type === 'histograms'));
});

test('Replay repeats a run exactly on the same backend (dropout masks included) and says so', async () => {
  const s = service();
  const spec = await forecastSpec(s, 2);
  const { runId } = await s.call('startRun', { spec });
  await waitForEnd(s, runId);
  const { runId: replayId } = await s.call('replayRun', { runId });
  await waitForEnd(s, replayId);
  const replay = await s.call('getRun', { runId: replayId });
  assert.equal(replay.replayOf, runId);
  assert.equal(replay.replay?.verdict, 'exact', replay.replay?.message);
  assert.equal(replay.replay?.maxAbsDiff, 0);
  assert.equal(replay.replay?.epochsCompared, 2);
  assert.ok(replay.replay!.batchesCompared > 4);
  console.log(replay.replay!.message);
  await assert.rejects(s.call('replayRun', { runId: 'nope' }), /No run nope/);
});

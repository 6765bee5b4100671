// compareReplay's data check: fingerprints are compared only when both runs have one made the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareReplay } from './replay.js';
import type { RunProvenance } from './replay.js';

const provenance = (data: Pick<RunProvenance, 'dataHash' | 'dataHashKind'>): RunProvenance => ({
  seed: 1,
  dataFiles: 1,
  dataBytes: 10,
  preprocessing: null,
  spec: { format: 1, name: 'm', input: { kind: 'floats', timesteps: 2, features: 1 }, layers: [] },
  appVersion: '1',
  nodeVersion: 'v22',
  platform: 'linux-x64',
  tfjsVersion: '4',
  backend: 'wasm',
  nativeVersion: null,
  kernels: null,
  recurrence: null,
  ...data,
});

const epochs = [{ epoch: 0, logs: { loss: 1 } }];
const files = (hash: string | null) => ({ dataHash: hash, dataHashKind: 'files-read' as const });

for (const { name, a, b, matches } of [
  { name: 'the same fingerprint', a: files('aa'), b: files('aa'), matches: true },
  { name: 'another fingerprint', a: files('aa'), b: files('bb'), matches: false },
  { name: 'a run that never read its data', a: files('aa'), b: files(null), matches: true },
  { name: 'an older run hashed another way', a: { dataHash: 'aa' }, b: files('bb'), matches: true },
  { name: 'two older runs', a: { dataHash: 'aa' }, b: { dataHash: 'bb' }, matches: false },
]) {
  test(`replay data check: ${name} → ${matches ? 'no change reported' : 'the data changed'}`, () => {
    const r = compareReplay(
      { id: 'r1', provenance: provenance(a), epochs, batches: [], epochsPlanned: 1 },
      { provenance: provenance(b), epochs: [{ epoch: 0, logs: { loss: 2 } }], batches: [] },
    );
    assert.equal(r.dataMatches, matches);
    assert.equal(/data file changed/.test(r.message), !matches);
  });
}

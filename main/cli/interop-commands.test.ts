// `rnn-studio export` / `rnn-studio import` through main(): usage errors, every format of a run folder, an import.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelSpec } from '../../shared/model-spec.js';
import { tfjsModelTopology, weightGroups } from '../interop/keras-format.js';
import { writeTfjsModel } from '../interop/tfjs-artifacts.js';
import { main } from './cli.js';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s), status: () => {} } };
}

const spec: ModelSpec = {
  format: 1, name: 'cli-gru', input: { kind: 'floats', timesteps: 6, features: 2 },
  layers: [{ className: 'GRU', config: { units: 3 } }, { className: 'Dense', config: { units: 1 } }],
  training: { loss: 'meanAbsoluteError' },
};

function runFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-cli-interop-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
  const weights = weightGroups(spec).flatMap((g) => g.tfjsNames.map((name, i) => ({ name, shape: g.shapes[i]!, data: new Float32Array(g.shapes[i]!.reduce((a, b) => a * b, 1)).fill(0.1) })));
  writeTfjsModel(join(dir, 'model'), tfjsModelTopology(spec), weights);
  return dir;
}

test('export and import: usage errors exit 2 with the usage text', async () => {
  for (const argv of [['export'], ['export', 'a', 'b'], ['export', 'a', '--format', 'onnx'], ['import'], ['import', 'x', '--format', 'keras']]) {
    const t = io();
    assert.equal(await main(argv, t.io), 2, argv.join(' '));
    assert.match(t.err.join('\n'), /rnn-studio export <runDir>/);
  }
});

test('export writes all three formats into <runDir>/export; import turns the .keras back into a spec and a model', async () => {
  const run = runFolder();
  const t = io();
  assert.equal(await main(['export', run], t.io), 0, t.err.join('\n'));
  for (const f of ['cli-gru.keras', 'cli-gru-tfjs/model.json', 'cli-gru-tfjs/weights.bin', 'cli-gru.weights.h5', 'train_cli-gru.py']) {
    assert.ok(existsSync(join(run, 'export', f)), f);
  }
  assert.match(t.out.join('\n'), /keras\.saving\.load_model/);
  const out = join(run, 'imported');
  const t2 = io();
  assert.equal(await main(['import', join(run, 'export', 'cli-gru.keras'), '--out', out], t2.io), 0, t2.err.join('\n'));
  assert.match(t2.out.join('\n'), /Imported 2 layer\(s\) .*GRU → Dense/);
  assert.match(t2.out.join('\n'), /Weights: 5 arrays imported\./);
  const imported = JSON.parse(readFileSync(join(out, 'spec.json'), 'utf8')) as ModelSpec;
  assert.deepEqual(imported.input, spec.input);
  assert.ok(existsSync(join(out, 'model', 'weights.bin')));
});

test('export of a folder that is not a run, and import of a file that is not a model, fail with exit 1 and say why', async () => {
  const t = io();
  assert.equal(await main(['export', tmpdir() + '/does-not-exist-rnn'], t.io), 1);
  assert.match(t.err.join('\n'), /expected a run folder with spec\.json or run\.json/);
  const f = join(mkdtempSync(join(tmpdir(), 'rnn-cli-interop-')), 'x.json');
  writeFileSync(f, '{"hello": 1}');
  const t2 = io();
  assert.equal(await main(['import', f], t2.io), 1);
  assert.match(t2.err.join('\n'), /expected a \.keras file, a Keras model\.to_json\(\) file or a TF\.js model\.json/);
});

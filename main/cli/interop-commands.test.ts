// `rnn-studio export` / `rnn-studio import` through main(): usage errors, every format of a run folder, an import.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
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
  format: 1,
  name: 'cli-gru',
  input: { kind: 'floats', timesteps: 6, features: 2 },
  layers: [
    { className: 'GRU', config: { units: 3 } },
    { className: 'Dense', config: { units: 1 } },
  ],
  training: { loss: 'meanAbsoluteError' },
};

function runFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-cli-interop-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
  const weights = weightGroups(spec).flatMap((g) =>
    g.tfjsNames.map((name, i) => ({
      name,
      shape: g.shapes[i]!,
      data: new Float32Array(g.shapes[i]!.reduce((a, b) => a * b, 1)).fill(0.1),
    })),
  );
  writeTfjsModel(join(dir, 'model'), tfjsModelTopology(spec), weights);
  return dir;
}

test('export and import: usage errors exit 2 with the usage text', async () => {
  for (const argv of [
    ['export'],
    ['export', 'a', 'b'],
    ['export', 'a', '--format', 'onnx'],
    ['import'],
    ['import', 'x', '--format', 'keras'],
  ]) {
    const t = io();
    assert.equal(await main(argv, t.io), 2, argv.join(' '));
    assert.match(t.err.join('\n'), /rnn-studio export <runDir>/);
  }
});

test('export writes all three formats into <runDir>/export; import turns the .keras back into a spec and a model', async () => {
  const run = runFolder();
  const t = io();
  assert.equal(await main(['export', run], t.io), 0, t.err.join('\n'));
  for (const f of [
    'cli-gru.keras',
    'cli-gru-tfjs/model.json',
    'cli-gru-tfjs/weights.bin',
    'cli-gru.weights.h5',
    'train_cli-gru.py',
  ]) {
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

test("import of a .keras whose weights file is damaged (CRC intact) exits 1 with what was expected, never the HDF5 library's bare words", async () => {
  const run = runFolder();
  const t = io();
  assert.equal(await main(['export', run, '--format', 'keras'], t.io), 0, t.err.join('\n'));
  const file = join(run, 'export', 'cli-gru.keras');
  const zip = readFileSync(file);
  // model.weights.h5 is the last entry; its data starts after its local header, found through the central directory.
  const end = zip.length - 22;
  let central = zip.readUInt32LE(end + 16);
  for (let n = 0; n < 2; n++)
    central += 46 + zip.readUInt16LE(central + 28) + zip.readUInt16LE(central + 30) + zip.readUInt16LE(central + 32);
  const local = zip.readUInt32LE(central + 42);
  const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
  const size = zip.readUInt32LE(central + 24);
  zip[start + 12]! ^= 0x04; // inside the HDF5 superblock, which carries a checksum
  const crc = crc32(zip.subarray(start, start + size)) >>> 0;
  zip.writeUInt32LE(crc, local + 14);
  zip.writeUInt32LE(crc, central + 16);
  writeFileSync(file, zip);
  const t2 = io();
  assert.equal(await main(['import', file, '--out', join(run, 'imported')], t2.io), 1);
  assert.match(
    t2.err.join('\n'),
    /^Error: model\.weights\.h5 in cli-gru\.keras: expected Keras weights readable as HDF5, received a damaged file \(the HDF5 reader says: incorrect metadata checksum after all read attempts\)\. Re-save the model in Keras/,
  );
  assert.doesNotMatch(t2.err.join('\n'), /name not defined/);
});

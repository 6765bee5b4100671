/**
 * Device files, FIFOs and symlinks to them, handed over as data, models or specs: each refused by what it is, at once.
 * Seen before: /dev/zero (size 0, so no size limit applied) grew the host to 22 GB in previewData and 4.1 GB in
 * startRun; a FIFO blocked the whole host until something wrote to it; the CLI did the same with --data, and with a
 * weight file symlinked to /dev/zero. Every case has a timeout: a hang fails it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCsvFile } from '../data/csv.js';
import { loadTextDataset } from '../data/text-dataset.js';
import { hashData } from '../studio/provenance.js';
import { readTfjsModel } from '../interop/tfjs-artifacts.js';
import { importModelFile } from '../interop/import.js';
import { StudioService } from '../studio/studio-service.js';
import { waitForEnd } from '../studio/test-support.js';
import { prepareOutputFolder } from '../studio/storage.js';
import { exportRun } from '../interop/export.js';
import { buildModel } from '../training/build-model.js';
import { saveLayersModel } from '../training/save-model.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const linux = process.platform === 'linux';
const opts = { timeout: 30_000, skip: linux ? false : 'device files and FIFOs as tested here are Linux' };

function fixtures() {
  const dir = tempDir('rnn-special-');
  const fifo = join(dir, 'pipe.csv');
  execFileSync('mkfifo', [fifo]);
  const zeroLink = join(dir, 'zero.csv');
  symlinkSync('/dev/zero', zeroLink);
  return { dir, fifo, zeroLink };
}

test('data: /dev/zero, a FIFO and a symlink to /dev/zero are refused by kind', opts, () => {
  const { fifo, zeroLink } = fixtures();
  assert.throws(() => readCsvFile('/dev/zero'), /expected a regular file, received a character device \(\/dev\/zero\)/);
  assert.throws(() => readCsvFile(fifo), /received a FIFO \(named pipe\)/);
  assert.throws(() => readCsvFile(zeroLink), /received a character device/);
  assert.throws(() => hashData('/dev/zero'), /received a character device/);
  assert.throws(() => hashData(fifo), /received a FIFO/);
});

test(
  "data: a FIFO among a text folder's class files is never read (the loader passes it by, the hash refuses it)",
  opts,
  () => {
    const { dir } = fixtures();
    const folder = join(dir, 'lines');
    mkdirSync(folder);
    writeFileSync(join(folder, 'films.pos'), 'a fine film\nloved it\n');
    writeFileSync(join(folder, 'films.neg'), 'dull\ntoo long\n');
    execFileSync('mkfifo', [join(folder, 'other.neu')]);
    assert.deepEqual(loadTextDataset(folder, { format: 'lines' }).classNames, ['neg', 'pos']);
    assert.throws(() => hashData(folder), /received a FIFO/);
  },
);

test('models: a weight file symlinked to /dev/zero and a FIFO as the model file are refused', opts, async () => {
  const { dir, fifo } = fixtures();
  const model = join(dir, 'model');
  mkdirSync(model);
  writeFileSync(
    join(model, 'model.json'),
    JSON.stringify({
      modelTopology: {
        class_name: 'Sequential',
        config: { layers: [{ class_name: 'Dense', config: { units: 1, batch_input_shape: [null, 2] } }] },
      },
      weightsManifest: [
        { paths: ['weights.bin'], weights: [{ name: 'dense/kernel', shape: [2, 1], dtype: 'float32' }] },
      ],
    }),
  );
  symlinkSync('/dev/zero', join(model, 'weights.bin'));
  assert.throws(
    () => readTfjsModel(join(model, 'model.json')),
    /weight file weights\.bin: expected a regular file, received a character device/,
  );
  await assert.rejects(importModelFile(fifo), /expected a regular file, received a FIFO/);
});

test('the API: previewData and startRun on /dev/zero or a FIFO answer with the reason at once', opts, async () => {
  const { fifo } = fixtures();
  const s = new StudioService({
    userDataDir: tempDir('rnn-special-user-'),
    host: 'web',
    appVersion: 'test',
    assetsDir: join(root, 'assets'),
    examplesDir: join(root, 'examples'),
  });
  const sample = (await s.call('listSamples', {})).find((x) => x.id === 'forecast-gru')!;
  for (const path of ['/dev/zero', fifo]) {
    const data = { ...sample.spec.data!, path } as NonNullable<typeof sample.spec.data>;
    await assert.rejects(
      s.call('previewData', { data }),
      /expected a regular file, received (a character device|a FIFO)/,
    );
    // The run starts and fails at once with the reason (its worker refuses the file; the API thread never reads it).
    const { runId } = await s.call('startRun', { spec: { ...sample.spec, data } });
    const events = await waitForEnd(s, runId);
    const last = events[events.length - 1]!;
    assert.ok(
      last.type === 'run' &&
        last.event.type === 'error' &&
        /expected a regular file, received (a character device|a FIFO)/.test(last.event.message),
      JSON.stringify(last),
    );
  }
  await s.shutdown();
});

test('the CLI: a spec or --data that is a device or a FIFO ends with a message', opts, () => {
  const { fifo } = fixtures();
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['bin/rnn-studio.mjs', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  const spec = cli('summary', '/dev/zero');
  assert.notEqual(spec.status, 0, spec.stderr);
  assert.match(
    spec.stderr,
    /Cannot read the spec: expected a regular file, received a character device \(\/dev\/zero\)/,
  );
  for (const data of ['/dev/zero', fifo]) {
    const r = cli(
      'train',
      'examples/forecast-gru.json',
      '--data',
      data,
      '--out',
      join(tempDir('rnn-special-out-'), 'run'),
    );
    assert.equal(r.status, 1, `${data}: ${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout + r.stderr, /expected a regular file, received (a character device|a FIFO)/);
  }
});

// Seen: exportRun with outDir "/proc/self" spun at 100 % CPU forever (recursive mkdir) and every client hung; CLI
// --out /proc/self/x hung, --out /dev/null/x ended in a stack trace.
test('output folders under /proc or through a file are refused with a message, at once', opts, async () => {
  assert.throws(
    () => prepareOutputFolder('/proc/self'),
    /\/proc\/self: expected a folder on disk, received a path under \/proc \(a virtual file system\)/,
  );
  assert.throws(
    () => prepareOutputFolder('/dev/null/x'),
    /\/dev\/null\/x: expected a folder on disk, received a path under \/dev/,
  );
  const { dir } = fixtures();
  writeFileSync(join(dir, 'file'), 'x');
  assert.throws(() => prepareOutputFolder(join(dir, 'file', 'sub')), /expected a folder, but .*file is a file/);
  assert.equal(prepareOutputFolder(join(dir, 'a', 'b')), join(dir, 'a', 'b'));
  // A real (untrained) run folder, exported to /proc/self.
  const runDir = join(dir, 'run');
  const spec = JSON.parse(readFileSync(join(root, 'examples', 'forecast-gru.json'), 'utf8')) as ModelSpec;
  mkdirSync(runDir);
  writeFileSync(join(runDir, 'spec.json'), JSON.stringify(spec));
  await saveLayersModel(buildModel(spec).model, join(runDir, 'model'));
  await assert.rejects(
    exportRun(runDir, 'keras', '/proc/self'),
    /expected a folder on disk, received a path under \/proc/,
  );
  const cli = spawnSync(
    process.execPath,
    ['bin/rnn-studio.mjs', 'train', 'examples/forecast-gru.json', '--out', '/proc/self/x'],
    { cwd: root, encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(cli.status, 1, cli.stderr);
  assert.match(cli.stderr, /--out \/proc\/self\/x: expected a folder on disk/);
});

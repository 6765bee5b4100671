// The CLI end to end: a real process, the real worker thread, real files. Tiny data so it takes seconds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main, parseArgs, readSpec, UsageError } from './cli.js';
import { formatDuration, progressBar, formatLogs } from './format.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(root, 'bin', 'rnn-studio.mjs');

function runCli(args: string[], cwd = root) {
  const r = spawnSync(process.execPath, [cli, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('parseArgs: commands, options and the messages for bad ones', () => {
  assert.deepEqual(parseArgs(['train', 's.json', '--epochs', '3', '--data', 'd', '--out', 'o', '--backend', 'cpu']), {
    command: 'train',
    specPath: 's.json',
    epochs: 3,
    data: 'd',
    out: 'o',
    backend: 'cpu',
  });
  assert.equal(parseArgs([]).command, 'help');
  const bad: [string[], RegExp][] = [
    [['fit', 'x'], /Unknown command "fit"\. Expected "train" or "summary"\./],
    [['train'], /train needs a spec file/],
    [['train', 's.json', '--epochs', '0'], /--epochs must be a positive integer\. Received: 0\./],
    [['train', 's.json', '--epochs'], /--epochs needs a value\./],
    [['train', 's.json', '--backend', 'gpu'], /--backend must be auto, tensorflow, wasm or cpu\. Received: gpu\./],
    [['train', 'a.json', 'b.json'], /Expected one spec file\. Received a second: b\.json\./],
    [['summary', 's.json', '--epochs', '2'], /summary takes only a spec file/],
  ];
  for (const [argv, pattern] of bad)
    assert.throws(
      () => parseArgs(argv),
      (e: unknown) => e instanceof UsageError && pattern.test(e.message),
      argv.join(' '),
    );
});

test('formatters', () => {
  assert.equal(formatDuration(3.2), '3s');
  assert.equal(formatDuration(95), '1m 35s');
  assert.equal(formatDuration(4000), '1h 06m');
  assert.equal(progressBar(0.5, 10), '[=====     ]');
  assert.equal(formatLogs({ val_loss: 0.5, loss: 0.25, accuracy: 1 }), 'loss 0.2500  accuracy 1.0000  val_loss 0.5000');
});

test('summary prints a Keras-style table; an invalid spec exits 1 with the message', () => {
  const ok = runCli(['summary', 'examples/sentiment-lstm.json']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /lstm \(LSTM\)\s+\(None, 32\)\s+8,320/);
  assert.match(ok.stdout, /Total params: 328,353/);
  const dir = mkdtempSync(join(tmpdir(), 'rnn-cli-'));
  const bad = join(dir, 'bad.json');
  writeFileSync(
    bad,
    JSON.stringify({
      format: 1,
      name: 'bad',
      input: { kind: 'floats', timesteps: 5, features: 2 },
      layers: [
        { className: 'LSTM', config: { units: 4 } },
        { className: 'GRU', config: { units: 4 } },
        { className: 'Dense', config: { units: 1 } },
      ],
    }),
  );
  const r = runCli(['summary', bad]);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /Error \(layer 2\): Input 0 of layer "gru" is incompatible with the layer: expected ndim=3, found ndim=2/,
  );
  writeFileSync(bad, '{"format": 1,');
  const j = runCli(['train', bad]);
  assert.equal(j.code, 1);
  assert.match(j.stderr, /bad\.json is not valid JSON/);
});

test('train: a forecaster on a real CSV writes spec, metrics.jsonl, summary.txt and the model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-cli-'));
  const out = join(dir, 'run');
  const spec = JSON.parse(readFileSync(join(root, 'examples', 'forecast-gru.json'), 'utf8'));
  spec.layers[0].config.units = 4;
  spec.training.epochs = 2;
  spec.training.batchSize = 256;
  spec.data.trainFraction = 0.1;
  spec.data.valFraction = 0.05;
  const specPath = join(dir, 'spec.json');
  writeFileSync(specPath, JSON.stringify(spec));
  const csv = join(root, 'assets', 'samples', 'seattle-weather-hourly-normals.csv');
  {
    const r = runCli(['train', specPath, '--data', csv, '--out', out, '--backend', 'wasm']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /Backend: wasm \(tfjs 4\.22\.0\)/);
    assert.match(r.stdout, /common-sense baseline \(last value\) on validation: MAE \d\.\d{4}/);
    assert.match(r.stdout, /Epoch 2\/2 {2}loss \d\.\d{4} {2}val_loss \d\.\d{4} {2}[\d.]+s {2}ETA 0s/);
    assert.match(r.stdout, /Validation MAE: best .* (beats|does not beat) the baseline\./);
    for (const f of [
      'spec.json',
      'metrics.jsonl',
      'summary.txt',
      'model/model.json',
      'model/weights.bin',
      'preprocessing.json',
    ]) {
      assert.ok(existsSync(join(out, f)), `${f} missing`);
    }
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const batches = lines.filter((l) => l.kind === 'batch');
    const epochs = lines.filter((l) => l.kind === 'epoch');
    assert.equal(epochs.length, 2);
    assert.equal(batches.length, 2 * batches[0].batches, 'every batch is logged, throttling only groups them');
    assert.deepEqual(Object.keys(batches[0].gradNorms), ['gru', 'dense']);
    assert.ok(batches.every((b) => b.globalGradNorm > 0));
    const modelJson = JSON.parse(readFileSync(join(out, 'model', 'model.json'), 'utf8'));
    const bytes = modelJson.weightsManifest[0].weights.reduce(
      (s: number, w: { shape: number[] }) => s + 4 * w.shape.reduce((a, b) => a * b, 1),
      0,
    );
    assert.equal(statSync(join(out, 'model', 'weights.bin')).size, bytes);
    const summary = readFileSync(join(out, 'summary.txt'), 'utf8');
    assert.match(summary, /Total params: 113/);
    // The data's fingerprint, made as the worker read it (data-digest.ts), is kept with the run.
    const size = statSync(csv).size;
    assert.match(
      summary,
      new RegExp(`read 1 file\\(s\\), ${size.toLocaleString('en-US')} bytes; fingerprint sha256 [0-9a-f]{64}`),
    );
  }
});

test('train: a data error names the file, row and column and exits 1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-cli-'));
  const csv = join(dir, 'bad.csv');
  writeFileSync(
    csv,
    'date,a,b\n2020-01-01,1,2\n2020-01-02,3,oops\n' + Array.from({ length: 50 }, (_, i) => `d${i},1,2`).join('\n'),
  );
  const spec = {
    format: 1,
    name: 'bad-data',
    input: { kind: 'floats', timesteps: 4, features: 2 },
    layers: [
      { className: 'GRU', config: { units: 2 } },
      { className: 'Dense', config: { units: 1 } },
    ],
    data: { kind: 'timeseries', path: 'bad.csv', target: 'a', lookback: 4, step: 1, delay: 1 },
  };
  writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
  const r = runCli(['train', join(dir, 'spec.json'), '--out', join(dir, 'run')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Error \(data\): .*bad\.csv.*row 3.*column "b".*expected a number.*received "oops"/i);
});

test('a spec saved with a UTF-8 byte-order mark (Notepad, PowerShell) reads like one without (summary; train reads it the same way)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-cli-'));
  const spec = {
    format: 1,
    name: 'bom',
    input: { kind: 'floats', timesteps: 4, features: 2 },
    layers: [
      { className: 'GRU', config: { units: 3 } },
      { className: 'Dense', config: { units: 1 } },
    ],
  };
  const path = join(dir, 'spec.json');
  writeFileSync(path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(spec, null, 2))]));
  assert.deepEqual(readSpec(path), spec);
  const out: string[] = [];
  const err: string[] = [];
  assert.equal(
    await main(['summary', path], { out: (s) => out.push(s), err: (s) => err.push(s), status: () => {} }),
    0,
    err.join('\n'),
  );
  assert.match(out.join('\n'), /Model: "bom"[\s\S]*gru \(GRU\)/);
  // Only one mark is a byte-order mark: a second is text, and JSON still refuses it with the file's name.
  writeFileSync(
    path,
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(spec))]),
  );
  assert.throws(() => readSpec(path), /spec\.json is not valid JSON/);
});

test('datasets: list, fetch from a mirror with a progress line, cache hit, offline message, usage errors', async () => {
  const { createServer } = await import('node:http');
  const { writeZip } = await import('../interop/zip.js');
  const csv = Buffer.from(
    '"Date Time","p (mbar)","T (degC)"\n01.01.2009 00:10:00,996.52,-8.02\n01.01.2009 00:20:00,996.57,-8.41\n',
  );
  const zip = writeZip([{ name: 'jena_climate_2009_2016.csv', data: csv }]);
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    if (req.url !== '/jena_climate_2009_2016.csv.zip') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': zip.length }).end(zip);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const capture = () => {
    const io = { lines: [] as string[], errs: [] as string[], statuses: [] as string[] };
    return {
      io,
      sink: {
        out: (s: string) => io.lines.push(s),
        err: (s: string) => io.errs.push(s),
        status: (s: string) => io.statuses.push(s),
      },
    };
  };
  try {
    const cache = mkdtempSync(join(tmpdir(), 'cli-datasets-'));
    const a = capture();
    assert.equal(
      await main(['datasets', 'fetch', 'jena', '--cache', cache, '--mirror', `http://127.0.0.1:${port}/`], a.sink),
      0,
    );
    const dataPath = join(cache, 'jena', 'data', 'jena_climate_2009_2016.csv');
    assert.ok(a.io.lines.includes(`Data: ${dataPath}`), a.io.lines.join('\n'));
    assert.ok(a.io.lines.some((l) => /SHA-256 [0-9a-f]{64} recorded/.test(l)));
    assert.ok(
      a.io.statuses.some((s) => /^Downloading \[=+\] /.test(s)),
      a.io.statuses.join('\n'),
    );
    assert.equal(readFileSync(dataPath, 'utf8'), csv.toString());
    const b = capture();
    assert.equal(
      await main(['datasets', 'fetch', 'jena', '--cache', cache, '--mirror', `http://127.0.0.1:${port}/`], b.sink),
      0,
    );
    assert.ok(b.io.lines.includes('Already downloaded (cache).'));
    assert.equal(hits, 1);
    const l = capture();
    assert.equal(await main(['datasets', 'list', '--cache', cache], l.sink), 0);
    assert.match(l.io.lines.join('\n'), /^imdb .*not downloaded/m);
    assert.ok(l.io.lines.some((x) => x.startsWith('jena ') && x.includes(`cached: ${dataPath}`)));
    assert.match(
      l.io.lines.join('\n'),
      /https:\/\/ai\.stanford\.edu\/~amaas\/data\/sentiment\/aclImdb_v1\.tar\.gz {2}sha256 [0-9a-f]{64}/,
    );
  } finally {
    server.close();
  }
  // Offline: nothing listens on the port any more.
  const off = capture();
  assert.equal(
    await main(
      [
        'datasets',
        'fetch',
        'jena',
        '--cache',
        mkdtempSync(join(tmpdir(), 'cli-datasets-')),
        '--mirror',
        `http://127.0.0.1:${port}/`,
      ],
      off.sink,
    ),
    1,
  );
  assert.match(
    off.io.errs.join('\n'),
    new RegExp(
      `^Error: could not reach 127\\.0\\.0\\.1:${port}: ECONNREFUSED .*; download http://127\\.0\\.0\\.1:${port}/jena_climate_2009_2016\\.csv\\.zip yourself and pass --data <path>`,
    ),
  );
  for (const argv of [
    ['datasets'],
    ['datasets', 'fetch'],
    ['datasets', 'fetch', 'mnist'],
    ['datasets', 'list', 'imdb'],
    ['datasets', 'fetch', 'jena', '--cache'],
  ]) {
    const u = capture();
    assert.equal(await main(argv, u.sink), 2, argv.join(' '));
    assert.match(u.io.errs[0]!, /datasets|Unknown data set|needs a value/);
  }
});

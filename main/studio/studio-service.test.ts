// The API implementation in plain Node: real files under a temporary user-data folder, real training in the
// worker thread, real predictions from the saved model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, mkdirSync, symlinkSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StudioService } from './studio-service.js';
import { waitForEnd } from './test-support.js';
import { mountSmallDisk } from './full-disk.js';
import { execFileSync } from 'node:child_process';
import { writeJsonAtomic } from './storage.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import { startWebServer } from '../web/server.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function service(userDataDir = mkdtempSync(join(tmpdir(), 'rnn-studio-'))) {
  return new StudioService({
    userDataDir,
    host: 'web',
    appVersion: 'test',
    assetsDir: join(root, 'assets'),
    examplesDir: join(root, 'examples'),
  });
}

test('samples come from examples/ with sample: paths, and preview their data', async () => {
  const s = service();
  const samples = await s.call('listSamples', {});
  assert.deepEqual(
    samples.map((x) => [x.id, x.spec.data?.path]),
    [
      ['forecast-gru', 'sample:seattle-weather-hourly-normals.csv'],
      ['sentiment-lstm', 'sample:email-subjects'],
    ],
  );
  const ts = await s.call('previewData', { data: samples[0]!.spec.data! });
  assert.ok(ts.kind === 'timeseries');
  assert.equal(ts.rows, 8759);
  assert.deepEqual(ts.columns, ['date', 'pressure', 'temperature', 'wind']);
  assert.ok(ts.series.length <= 1000 && ts.series.length > 500);
  assert.deepEqual(ts.rowRanges.train, [0, 4379]);
  const text = await s.call('previewData', { data: samples[1]!.spec.data! });
  assert.ok(text.kind === 'text');
  assert.deepEqual(text.classNames, ['ham', 'spam']);
  assert.deepEqual(text.classCounts, [2498, 1626]);
  assert.equal(
    text.lengthHistogram.reduce((n, b) => n + b.count, 0),
    4124,
  );
});

test('bad arguments and bad data become ApiErrors with the place named', async () => {
  const s = service();
  await assert.rejects(
    s.call('getRun', { runId: '../etc' }),
    /getRun: invalid arguments: runId an id of letters, digits, _ and -/,
  );
  await assert.rejects(s.call('nope' as never, {}), /Unknown API method "nope"/);
  await assert.rejects(
    s.call('previewData', { data: { kind: 'text', path: 'relative/path' } }),
    /Data paths must be absolute or name a bundled sample/,
  );
  await assert.rejects(s.call('previewData', { data: { kind: 'text', path: 'sample:../../etc' } }), /Unknown sample/);
  const dir = mkdtempSync(join(tmpdir(), 'rnn-bad-'));
  writeFileSync(join(dir, 'x.csv'), 'date,a\n1,2\n2,zz\n3,4\n');
  await assert.rejects(
    s.call('previewData', {
      data: { kind: 'timeseries', path: join(dir, 'x.csv'), target: 'a', lookback: 1, step: 1, delay: 0 },
    }),
    /x\.csv, row 3, column "a"/,
  );
  await assert.rejects(
    s.call('uploadData', { name: 'x', files: [{ relativePath: '../../escape.txt', contentBase64: 'aGk=' }] }),
    /must stay inside the upload/,
  );
});

test('a run: started, persisted, listed, predicted from; an interrupted run is marked failed on restart', async () => {
  const userData = mkdtempSync(join(tmpdir(), 'rnn-studio-'));
  const s = service(userData);
  const sample = (await s.call('listSamples', {})).find((x) => x.id === 'forecast-gru')!;
  const spec: ModelSpec = {
    ...sample.spec,
    layers: [
      { className: 'GRU', config: { units: 4 } },
      { className: 'Dense', config: { units: 1 } },
    ],
    training: { ...sample.spec.training, epochs: 2, batchSize: 256 },
    data: { ...sample.spec.data!, trainFraction: 0.1, valFraction: 0.05 } as ModelSpec['data'],
  };
  const { runId } = await s.call('startRun', { spec });
  const events = await waitForEnd(s, runId);
  assert.ok(events.some((e) => e.type === 'run' && e.event.type === 'epoch'));
  const runs = await s.call('listRuns', {});
  assert.equal(runs[0]!.id, runId);
  assert.equal(runs[0]!.status, 'completed');
  assert.equal(runs[0]!.epochsRun, 2);
  assert.ok(runs[0]!.best.val_loss! > 0);
  const detail = await s.call('getRun', { runId });
  assert.equal(detail.epochRecords.length, 2);
  assert.ok(detail.batchRecords.length > 0);
  assert.equal(detail.dataSummary?.kind, 'timeseries');
  const forecast = await s.call('predictSeries', { runId });
  assert.equal(forecast.target, 'temperature');
  assert.ok(forecast.points.length > 100);
  // Each point carries its row's date (the sample's date column), so the plot can show dates, not row numbers.
  assert.ok(forecast.points.every((p) => typeof p.time === 'number'));
  assert.equal(new Date(forecast.points[0]!.time!).getUTCFullYear(), 2010);
  assert.ok(
    Math.abs(
      forecast.baselineMae - (detail.dataSummary!.kind === 'timeseries' ? detail.dataSummary!.baselineMaeUnits : 0),
    ) < 1e-3,
    `${forecast.baselineMae}`,
  );
  await assert.rejects(s.call('predictText', { runId, text: 'hello' }), /time-series model/);

  // A run left "running" by a crash is marked failed when the service starts again; its metrics stay.
  const meta = JSON.parse(readFileSync(join(userData, 'runs', runId, 'run.json'), 'utf8'));
  mkdirSync(join(userData, 'runs', 'crashed-1'));
  writeJsonAtomic(join(userData, 'runs', 'crashed-1', 'run.json'), {
    ...meta,
    id: 'crashed-1',
    status: 'running',
    result: null,
  });
  const again = service(userData);
  const crashed = (await again.call('listRuns', {})).find((r) => r.id === 'crashed-1')!;
  assert.equal(crashed.status, 'failed');
  assert.match(crashed.error!, /The app closed while this run was in progress/);
  assert.equal(crashed.epochsRun, 2);
});

test('text prediction from a trained run reports probabilities and the tokens seen', async () => {
  const s = service();
  const sample = (await s.call('listSamples', {})).find((x) => x.id === 'sentiment-lstm')!;
  const spec: ModelSpec = {
    ...sample.spec,
    input: { kind: 'tokens', vocabSize: 2000, length: 12 },
    layers: [
      { className: 'Embedding', config: { inputDim: 2000, outputDim: 8 } },
      { className: 'LSTM', config: { units: 8 } },
      { className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
    ],
    training: { ...sample.spec.training, epochs: 1 },
  };
  const { runId } = await s.call('startRun', { spec });
  await waitForEnd(s, runId);
  const p = await s.call('predictText', { runId, text: 'Re: the money for you zzyzxq' });
  assert.deepEqual(p.classNames, ['ham', 'spam']);
  assert.ok(Math.abs(p.probabilities[0]! + p.probabilities[1]! - 1) < 1e-6);
  assert.deepEqual(p.tokens.slice(0, 3), ['re', 'the', 'money']);
  assert.equal(p.tokens.at(-1), '<OOV>');
});

test('projects: save, save as, list, load; a damaged file is reported, not overwritten', async () => {
  const userData = mkdtempSync(join(tmpdir(), 'rnn-studio-'));
  const s = service(userData);
  const spec = (await s.call('listSamples', {}))[0]!.spec;
  const a = await s.call('saveProject', { name: 'first', spec });
  const b = await s.call('saveProject', { name: 'copy', spec: { ...spec, name: 'changed' } });
  assert.notEqual(a.id, b.id);
  await s.call('saveProject', { id: a.id, name: 'first renamed', spec });
  const list = await s.call('listProjects', {});
  assert.deepEqual(list.map((p) => p.name).sort(), ['copy', 'first renamed']);
  assert.equal((await s.call('loadProject', { id: b.id })).spec.name, 'changed');
  writeFileSync(join(userData, 'projects', 'broken.json'), '{"format": 1, "id": "bro');
  await assert.rejects(s.call('loadProject', { id: 'broken' }), /damaged \(not valid JSON\); it was left untouched/);
  assert.equal(readFileSync(join(userData, 'projects', 'broken.json'), 'utf8'), '{"format": 1, "id": "bro');
});

// Seen: the disk filling during training killed the whole host (uncaught ENOSPC), run.json was truncated and the run
// vanished from the list after a restart. On a real full disk (a small tmpfs as the user-data folder) the run fails
// with a message, the host answers the next call, every file the run wrote before is intact, and after a restart (the
// disk still full, then freed) the run is listed as failed.
test('a disk that fills during training fails the run, not the host, keeps its files whole and survives a restart', async (t) => {
  const disk = mountSmallDisk(1024);
  if (typeof disk === 'string') {
    t.skip(disk);
    return;
  }
  try {
    const s = service(disk.dir);
    const sample = (await s.call('listSamples', {})).find((x) => x.id === 'forecast-gru')!;
    const spec: ModelSpec = {
      ...sample.spec,
      layers: [
        { className: 'GRU', config: { units: 4 } },
        { className: 'Dense', config: { units: 1 } },
      ],
      training: { ...sample.spec.training, epochs: 200, batchSize: 256 },
      data: { ...sample.spec.data!, trainFraction: 0.1, valFraction: 0.05 } as ModelSpec['data'],
    };
    const { runId } = await s.call('startRun', { spec });
    const runDir = join(disk.dir, 'runs', runId);
    const ended = waitForEnd(s, runId);
    // Fill the disk once the run has written an epoch, so there is something earlier to keep.
    await new Promise<void>((resolve) => {
      const off = s.onEvent((e) => {
        // An end comes first only when the run failed on its own; the checks below then say so instead of a hang.
        if (e.type === 'run' && e.runId === runId && ['epoch', 'done', 'error'].includes(e.event.type)) {
          off();
          resolve();
        }
      });
    });
    const before = new Map(
      readdirSync(runDir, { withFileTypes: true })
        .filter((f) => f.isFile())
        .map((f) => [f.name, readFileSync(join(runDir, f.name))]),
    );
    t.diagnostic(`before the disk filled: ${[...before].map(([f, b]) => `${f} (${b.length} bytes)`).join(', ')}`);
    const free = Number(execFileSync('df', ['--output=avail', '-B1', disk.dir]).toString().split('\n')[1]);
    try {
      writeFileSync(join(disk.dir, 'filler'), Buffer.alloc(Math.max(0, free - 2048)));
    } catch (e) {
      // The run wrote more since df looked: the filler took what was left, and the disk is full all the same.
      if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
    }
    const events = await ended;
    const last = events[events.length - 1]!;
    assert.ok(last.type === 'run' && last.event.type === 'error', JSON.stringify(last));
    assert.match(last.event.type === 'error' ? last.event.message : '', /ENOSPC|no space left/i);
    const runs = await s.call('listRuns', {});
    assert.equal(runs.find((r) => r.id === runId)?.status, 'failed');
    const onDisk = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as { id: string };
    assert.equal(onDisk.id, runId, 'run.json is whole');
    // What was on disk before the disk filled is still there: appended files only grew (their earlier lines still
    // parse, the first epoch among them), the others are byte for byte the same. run.json is rewritten, checked above.
    const metrics = before.get('metrics.jsonl')?.toString('utf8') ?? '';
    assert.ok(metrics.includes('"kind":"epoch"'), 'an epoch was on disk before it filled');
    for (const [name, bytes] of before) {
      if (name === 'run.json' || !bytes.length) continue;
      const now = readFileSync(join(runDir, name));
      if (name.endsWith('.jsonl')) {
        const lines = bytes.toString('utf8').split('\n');
        const whole = lines.slice(0, -1); // the part after the last newline may be an append in progress
        assert.ok(now.toString('utf8').startsWith(whole.map((l) => `${l}\n`).join('')), `${name} kept its lines`);
        for (const l of whole) assert.doesNotThrow(() => JSON.parse(l), `${name}: ${l.slice(0, 80)}`);
      } else {
        assert.ok(now.equals(bytes), `${name} is unchanged`);
      }
    }
    await s.shutdown();

    // A restart with the disk still full, then one after space was freed: the run is listed, failed, with its epochs.
    for (const freed of [false, true]) {
      if (freed) rmSync(join(disk.dir, 'filler'));
      const again = service(disk.dir);
      const run = (await again.call('listRuns', {})).find((r) => r.id === runId);
      assert.equal(run?.status, 'failed', `after a restart (disk ${freed ? 'freed' : 'full'}): ${JSON.stringify(run)}`);
      assert.ok(run.epochsRun >= 1, `after a restart (disk ${freed ? 'freed' : 'full'}): ${run.epochsRun} epochs`);
      await again.shutdown();
    }
  } finally {
    disk.unmount();
  }
});

// Seen: with the token, previewData read any file the process could (an SSH key, a password file). The browser host
// gives the API data roots; a path outside them, or a symlink inside them that leads outside, is refused unread.
test('with data roots, only files inside them (symlinks resolved), uploads and samples are read', async () => {
  const inside = mkdtempSync(join(tmpdir(), 'rnn-root-'));
  const outside = mkdtempSync(join(tmpdir(), 'rnn-outside-'));
  const csv = 'date,a\n1,2\n2,3\n3,4\n4,5\n5,6\n';
  writeFileSync(join(inside, 'ok.csv'), csv);
  writeFileSync(join(outside, 'secret.csv'), csv);
  symlinkSync(join(outside, 'secret.csv'), join(inside, 'link.csv'));
  const s = new StudioService({
    userDataDir: mkdtempSync(join(tmpdir(), 'rnn-studio-')),
    host: 'web',
    appVersion: 'test',
    assetsDir: join(root, 'assets'),
    examplesDir: join(root, 'examples'),
    dataRoots: [inside],
  });
  const data = (path: string) => ({ kind: 'timeseries' as const, path, target: 'a', lookback: 1, step: 1, delay: 0 });
  assert.equal((await s.call('previewData', { data: data(join(inside, 'ok.csv')) })).kind, 'timeseries');
  await assert.rejects(
    s.call('previewData', { data: data(join(outside, 'secret.csv')) }),
    /is outside the folders this studio may read .* --data-root/,
  );
  await assert.rejects(
    s.call('previewData', { data: data(join(inside, 'link.csv')) }),
    /is outside the folders this studio may read/,
  );
  const sample = (await s.call('listSamples', {})).find((x) => x.id === 'forecast-gru')!;
  await assert.rejects(
    s.call('startRun', {
      spec: { ...sample.spec, data: { ...sample.spec.data!, path: '/etc/passwd' } as ModelSpec['data'] },
    }),
    /outside the folders/,
  );
  assert.equal((await s.call('previewData', { data: sample.spec.data! })).kind, 'timeseries');
});

// The README promises the browser host reads data only inside its folders; without --data-root those are the user's
// home and the user-data folder. HOME is a temporary folder here (os.homedir() reads it), so the system's password
// file is outside, and the refusal must not quote it (an error once quoted the first line of the shadow file).
test('the browser host without --data-root reads the home and user-data folders only', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'rnn-home-'));
  const userData = mkdtempSync(join(tmpdir(), 'rnn-studio-'));
  const outside = mkdtempSync(join(tmpdir(), 'rnn-outside-'));
  const csv = 'date,a\n1,2\n2,3\n3,4\n4,5\n5,6\n';
  for (const dir of [home, userData, outside]) writeFileSync(join(dir, 'data.csv'), csv);
  const savedHome = process.env.HOME;
  process.env.HOME = home;
  let server: Awaited<ReturnType<typeof startWebServer>>;
  try {
    server = await startWebServer({ port: 0, userDataDir: userData, staticDir: outside });
  } finally {
    process.env.HOME = savedHome;
  }
  t.after(() => server.close());
  const data = (path: string) => ({ kind: 'timeseries' as const, path, target: 'a', lookback: 1, step: 1, delay: 0 });
  for (const dir of [home, userData])
    assert.equal((await server.service.call('previewData', { data: data(join(dir, 'data.csv')) })).kind, 'timeseries');
  for (const path of [join(outside, 'data.csv'), '/etc/passwd']) {
    await assert.rejects(server.service.call('previewData', { data: data(path) }), (e: Error) => {
      assert.match(e.message, /is outside the folders this studio may read/);
      assert.doesNotMatch(e.message, /root:|date,a/, 'the refusal quotes no file content');
      return true;
    });
  }
});

// The API's file work under load: uploads arrive in bounded pieces, big reads happen off the event loop,
// projects are capped and listed without re-reading each file. Real files, a real worker thread, timing measured with
// Node's event-loop delay histogram around the call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StudioService } from './studio-service.js';
import { importFiles } from './test-support.js';
import { MAX_PROJECT_BYTES, UPLOAD_CHUNK_BYTES } from '../../shared/api.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import { writeTfjsModel } from '../interop/tfjs-artifacts.js';
import { tfjsModelTopology, weightGroups } from '../interop/keras-format.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));
const service = (userDataDir = tmp('rnn-files-')) =>
  new StudioService({
    userDataDir,
    host: 'web',
    appVersion: 'test',
    assetsDir: join(root, 'assets'),
    examplesDir: join(root, 'examples'),
  });
const b64 = (s: string | Uint8Array) => Buffer.from(s).toString('base64');

/**
 * CPU time (ms) the main thread has used: /proc/self/task/<pid>/stat, utime + stime in 10 ms ticks (Linux). On a loaded
 * 2-core machine wall-clock measures also count the time the OS gave the CPU to other threads (the worker itself),
 * which blocks no client; elsewhere the loop's active time stands in (performance.eventLoopUtilization).
 */
function mainThreadBusyMs(): number {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return performance.eventLoopUtilization().active;
  }
}

/** The most main-thread CPU time (ms) spent between two 5 ms ticks while `work` ran: the longest stretch clients wait. */
async function longestStall(work: () => Promise<unknown>): Promise<number> {
  let last = mainThreadBusyMs();
  let longest = 0;
  const tick = setInterval(() => {
    const now = mainThreadBusyMs();
    longest = Math.max(longest, now - last);
    last = now;
  }, 5);
  try {
    await work();
  } finally {
    clearInterval(tick);
  }
  return Math.max(longest, mainThreadBusyMs() - last);
}

/**
 * A weather-like CSV of about `mb` MiB: a date and three numeric columns. Written 10,000 rows at a time, so no large
 * array outlives the call: its garbage collection would otherwise pause the very loop the tests measure.
 */
function bigCsv(dir: string, mb: number): string {
  const path = join(dir, 'big.csv');
  writeFileSync(path, 'date,pressure,temperature,wind\n');
  const n = Math.round((mb * 1024 ** 2) / 44);
  for (let start = 0; start < n; start += 10_000) {
    let block = '';
    for (let i = start; i < Math.min(n, start + 10_000); i++)
      block += `2020-01-01T${String(i % 24).padStart(2, '0')}:00,${(1000 + Math.sin(i / 50) * 20).toFixed(4)},${(10 + Math.sin(i / 24) * 8).toFixed(4)},${(i % 17).toFixed(4)}\n`;
    appendFileSync(path, block);
  }
  return path;
}

test('an upload arrives in pieces at their offsets; wrong offsets, oversized calls, bad base64 and finished uploads are refused', async () => {
  const s = service();
  const first = await s.call('uploadData', {
    name: 'reviews',
    files: [
      { relativePath: 'reviews/pos/a.txt', contentBase64: b64('good ') },
      { relativePath: 'reviews/neg/b.txt', contentBase64: b64('bad') },
    ],
    more: true,
  });
  await assert.rejects(
    s.call('uploadData', {
      name: 'reviews',
      uploadId: first.uploadId,
      files: [{ relativePath: 'reviews/pos/a.txt', offset: 3, contentBase64: b64('x') }],
      more: true,
    }),
    /reviews\/pos\/a\.txt: expected the piece at offset 5 \(the bytes received so far\), received offset 3/,
  );
  const last = await s.call('uploadData', {
    name: 'reviews',
    uploadId: first.uploadId,
    files: [{ relativePath: 'reviews/pos/a.txt', offset: 5, contentBase64: b64('film') }],
  });
  assert.equal(last.uploadId, first.uploadId);
  assert.equal(last.bytes, 12);
  assert.equal(readFileSync(join(last.path, 'pos', 'a.txt'), 'utf8'), 'good film');
  assert.equal(readFileSync(join(last.path, 'neg', 'b.txt'), 'utf8'), 'bad');
  await assert.rejects(
    s.call('uploadData', {
      name: 'x',
      uploadId: first.uploadId,
      files: [{ relativePath: 'c.txt', contentBase64: b64('late') }],
    }),
    /is finished; start a new one/,
  );
  await assert.rejects(
    s.call('uploadData', {
      name: 'x',
      uploadId: 'no-such-upload',
      files: [{ relativePath: 'c.txt', contentBase64: b64('x') }],
    }),
    /No upload "no-such-upload" in progress/,
  );
  // Buffer.from(…, 'base64') would have stored these as an empty or shortened file without a word.
  for (const bad of ['not base64!', 'aGk', 'aGk=\n', '====']) {
    await assert.rejects(
      s.call('uploadData', { name: 'x', files: [{ relativePath: 'x.csv', contentBase64: bad }] }),
      /contentBase64 must be base64/,
      bad,
    );
  }
  const big = Buffer.alloc(UPLOAD_CHUNK_BYTES + 3).toString('base64');
  await assert.rejects(
    s.call('uploadData', { name: 'x', files: [{ relativePath: 'x.csv', contentBase64: big }] }),
    /at most 4 MiB of content; received 4194307 bytes/,
  );
  // One file, whole: its own path, as before pieces existed.
  const one = await s.call('uploadData', {
    name: 'a.csv',
    files: [{ relativePath: 'a.csv', contentBase64: b64('date,x\n1,2\n') }],
  });
  assert.equal(readFileSync(one.path, 'utf8'), 'date,x\n1,2\n');
});

test('pieces of one upload sent at once are written in order', async () => {
  const s = service();
  const { uploadId } = await s.call('uploadData', {
    name: 'p',
    files: [{ relativePath: 'p.txt', contentBase64: b64('0') }],
    more: true,
  });
  const sends = Array.from({ length: 20 }, (_, i) =>
    s.call('uploadData', {
      name: 'p',
      uploadId,
      files: [{ relativePath: 'p.txt', offset: i + 1, contentBase64: b64(String((i + 1) % 10)) }],
      more: i < 19,
    }),
  );
  const results = await Promise.all(sends);
  assert.equal(readFileSync(results.at(-1)!.path, 'utf8'), '012345678901234567890');
});

test('a model is imported from a finished upload, which it takes over', async () => {
  const userDataDir = tmp('rnn-files-');
  const s = service(userDataDir);
  const spec: ModelSpec = {
    format: 1,
    name: 'tiny',
    input: { kind: 'tokens', vocabSize: 50, length: 6 },
    layers: [
      { className: 'Embedding', config: { outputDim: 4 } },
      { className: 'GRU', config: { units: 3 } },
      { className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
    ],
  } as ModelSpec;
  const modelDir = tmp('rnn-model-');
  writeTfjsModel(modelDir, tfjsModelTopology(spec), []);
  const json = readFileSync(join(modelDir, 'model.json'));
  const imported = await importFiles(s, [{ name: 'model.json', content: json }]);
  assert.deepEqual(
    imported.spec.layers.map((l) => l.className),
    ['Embedding', 'GRU', 'Dense'],
  );
  // model.json picked without its weight file: said in the user's terms, not as ENOENT with a server path.
  assert.equal(imported.hasWeights, false);
  assert.match(
    imported.weightsNote ?? '',
    /expected the weight file "weights\.bin" that model\.json lists beside it, received no such file\. Import model\.json together with its weight files/,
  );
  assert.doesNotMatch(imported.weightsNote ?? '', /ENOENT|\/tmp\//);
  assert.ok(existsSync(join(imported.dir, 'spec.json')));
  assert.deepEqual(readdirSync(join(userDataDir, 'uploads')), [], 'the upload moved into imports/');
  await assert.rejects(
    s.call('importModel', { uploadId: 'nothing-here' }),
    /No finished upload "nothing-here" to import/,
  );
});

test('projects: a save above the cap is refused and the saved version kept; listing reads only what changed', async () => {
  const s = service();
  const spec = {
    format: 1,
    name: 'p',
    input: { kind: 'tokens', vocabSize: 10, length: 5 },
    layers: [],
  } as unknown as ModelSpec;
  const saved = await s.call('saveProject', { name: 'kept', spec });
  const huge = { ...spec, description: 'x'.repeat(MAX_PROJECT_BYTES) } as ModelSpec;
  await assert.rejects(
    s.call('saveProject', { id: saved.id, name: 'kept', spec: huge }),
    /A project is limited to 4 MiB; this one is 4\.0 MiB\. The saved version, if any, is unchanged\./,
  );
  assert.equal((await s.call('loadProject', { id: saved.id })).name, 'kept');
  // 40 projects of ~1 MiB each (37 MB of projects made the old listing parse everything: 72 calls/s, stalls of 2.4 s).
  const filler = 'y'.repeat(1024 ** 2);
  for (let i = 0; i < 40; i++)
    await s.call('saveProject', { name: `big ${i}`, spec: { ...spec, description: filler } as ModelSpec });
  assert.equal((await s.call('listProjects', {})).length, 41);
  const started = performance.now();
  for (let i = 0; i < 50; i++) await s.call('listProjects', {});
  const perCall = (performance.now() - started) / 50;
  assert.ok(perCall < 10, `listProjects took ${perCall.toFixed(1)} ms a call with nothing changed`);
  await s.call('saveProject', { id: saved.id, name: 'renamed', spec });
  assert.ok(
    (await s.call('listProjects', {})).some((p) => p.id === saved.id && p.name === 'renamed'),
    'a changed file is read again',
  );
});

test('previews, uploads, run starts and imports of tens of MB never block the event loop for 100 ms', async () => {
  const userDataDir = tmp('rnn-files-');
  const s = service(userDataDir);
  const csv = bigCsv(userDataDir, 25);
  const data = {
    kind: 'timeseries',
    path: csv,
    dateColumn: 'date',
    features: ['pressure', 'temperature', 'wind'],
    target: 'temperature',
    lookback: 24,
    step: 1,
    delay: 1,
  } as const;
  const results: Record<string, number> = {};
  results.preview = await longestStall(async () => {
    const p = await s.call('previewData', { data: data as never });
    assert.ok(p.kind === 'timeseries' && p.rows > 500_000);
  });
  const bytes = readFileSync(csv);
  results.upload = await longestStall(async () => {
    let uploadId: string | undefined;
    for (let at = 0; at < bytes.length; at += UPLOAD_CHUNK_BYTES) {
      const piece = bytes.subarray(at, at + UPLOAD_CHUNK_BYTES);
      const r = await s.call('uploadData', {
        name: 'big.csv',
        files: [{ relativePath: 'big.csv', offset: at, contentBase64: piece.toString('base64') }],
        ...(uploadId ? { uploadId } : {}),
        more: at + UPLOAD_CHUNK_BYTES < bytes.length,
      });
      uploadId = r.uploadId;
    }
  });
  // Starting a run on it: the worker reads the data and fingerprints it as it reads (data-digest.ts).
  results.start = await longestStall(async () => {
    const spec = {
      format: 1,
      name: 'h',
      input: { kind: 'floats', timesteps: 24, features: 3 },
      layers: [
        { className: 'GRU', config: { units: 2 } },
        { className: 'Dense', config: { units: 1 } },
      ],
      training: { epochs: 1 },
      data,
    } as unknown as ModelSpec;
    const { runId } = await s.call('startRun', { spec });
    await s.call('controlRun', { runId, action: 'stop' }).catch(() => {});
    await s.shutdown();
  });
  // A TF.js model with an Embedding of 60,000 × 128 (29 MiB of weights), uploaded in pieces and imported.
  const model: ModelSpec = {
    format: 1,
    name: 'wide',
    input: { kind: 'tokens', vocabSize: 60_000, length: 20 },
    layers: [
      { className: 'Embedding', config: { inputDim: 60_000, outputDim: 128 } },
      { className: 'GRU', config: { units: 8 } },
      { className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
    ],
  } as ModelSpec;
  const modelDir = tmp('rnn-model-');
  writeTfjsModel(
    modelDir,
    tfjsModelTopology(model),
    weightGroups(model).flatMap((g) =>
      g.tfjsNames.map((name, i) => ({
        name,
        shape: g.shapes[i]!,
        data: new Float32Array(g.shapes[i]!.reduce((a, b) => a * b, 1)).fill(0.01),
      })),
    ),
  );
  const modelFiles = readdirSync(modelDir).map((name) => ({ name, content: readFileSync(join(modelDir, name)) }));
  results.import = await longestStall(async () => {
    let uploadId: string | undefined;
    for (const [k, { name, content }] of modelFiles.entries()) {
      for (let at = 0; at < content.length || at === 0; at += UPLOAD_CHUNK_BYTES) {
        const lastPiece = k === modelFiles.length - 1 && at + UPLOAD_CHUNK_BYTES >= content.length;
        const r = await s.call('uploadData', {
          name: 'model',
          files: [
            {
              relativePath: name,
              offset: at,
              contentBase64: content.subarray(at, at + UPLOAD_CHUNK_BYTES).toString('base64'),
            },
          ],
          ...(uploadId ? { uploadId } : {}),
          more: !lastPiece,
        });
        uploadId = r.uploadId;
      }
    }
    const imported = await s.call('importModel', { uploadId: uploadId! });
    assert.equal(imported.hasWeights, true);
  });
  console.log(
    `longest main-thread CPU stretch (ms): ${JSON.stringify(Object.fromEntries(Object.entries(results).map(([k, v]) => [k, Math.round(v)])))}`,
  );
  for (const [what, ms] of Object.entries(results))
    assert.ok(ms < 100, `${what} kept the event loop busy for ${ms.toFixed(0)} ms at a stretch`);
});

test('a project file saved by a Windows editor (UTF-8 with a byte-order mark) is listed and opens', async () => {
  const userDataDir = tmp('rnn-files-');
  const s = service(userDataDir);
  const project = {
    format: 1,
    id: 'notepad',
    name: 'from Notepad',
    updatedAt: '2026-12-01T00:00:00.000Z',
    spec: { format: 1, name: 'p', input: { kind: 'tokens', vocabSize: 10, length: 5 }, layers: [] },
  };
  writeFileSync(join(userDataDir, 'projects', 'notepad.json'), `\uFEFF${JSON.stringify(project)}`);
  assert.deepEqual(
    (await s.call('listProjects', {})).map((p) => p.name),
    ['from Notepad'],
  );
  assert.equal((await s.call('loadProject', { id: 'notepad' })).name, 'from Notepad');
});

test("a run starts from a finished run's or an imported model's weights; evaluating them alone reproduces the run's own validation loss", async () => {
  const s = service();
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
  const finished = async (runId: string) => {
    for (;;) {
      const d = await s.call('getRun', { runId });
      if (d.status !== 'running' && d.status !== 'paused') return d;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const original = await finished((await s.call('startRun', { spec })).runId);
  assert.equal(original.status, 'completed', original.error ?? '');
  const valLoss = original.result!.finalLogs.val_loss!;

  // The same weights on the same data: the very loss the run ended with (fresh weights would not come near it).
  const evaluated = await finished(
    (await s.call('startRun', { spec, initialWeights: { kind: 'run', id: original.id }, evaluateOnly: true })).runId,
  );
  assert.equal(evaluated.status, 'completed', evaluated.error ?? '');
  assert.equal(evaluated.epochsRun, 0);
  assert.deepEqual(evaluated.initialWeights, { kind: 'run', id: original.id });
  assert.ok(
    Math.abs(evaluated.result!.finalLogs.val_loss! - valLoss) < 1e-6,
    `${evaluated.result!.finalLogs.val_loss} vs ${valLoss}`,
  );
  // …and Predict works on it like on any run.
  assert.ok((await s.call('predictSeries', { runId: evaluated.id })).points.length > 10);

  // Through Keras's format and back: export .keras, import it, evaluate the imported weights.
  const keras = await s.call('exportRun', { runId: original.id, format: 'keras' });
  const imported = await importFiles(s, [
    { name: 'forecast.keras', content: Buffer.from(keras.files[0]!.contentBase64!, 'base64') },
  ]);
  assert.equal(imported.hasWeights, true);
  const fromImport = await finished(
    (
      await s.call('startRun', {
        spec: { ...imported.spec, training: spec.training, data: spec.data },
        initialWeights: { kind: 'import', id: imported.id },
        evaluateOnly: true,
      })
    ).runId,
  );
  assert.equal(fromImport.status, 'completed', fromImport.error ?? '');
  assert.ok(
    Math.abs(fromImport.result!.finalLogs.val_loss! - valLoss) < 1e-5,
    `${fromImport.result!.finalLogs.val_loss} vs ${valLoss}`,
  );

  // Continuing to train starts where the run stopped: its first epoch is already near the run's last.
  const more = await finished(
    (
      await s.call('startRun', {
        spec: { ...spec, training: { ...spec.training, epochs: 1 } },
        initialWeights: { kind: 'run', id: original.id },
      })
    ).runId,
  );
  assert.equal(more.status, 'completed', more.error ?? '');
  assert.ok(
    more.epochRecords[0]!.logs.val_loss! < valLoss * 1.5,
    `${more.epochRecords[0]!.logs.val_loss} after one more epoch vs ${valLoss}`,
  );

  // Weights of another shape are refused with the shapes named.
  const wider = {
    ...spec,
    layers: [
      { className: 'GRU', config: { units: 8 } },
      { className: 'Dense', config: { units: 1 } },
    ],
  } as ModelSpec;
  const refused = await finished(
    (await s.call('startRun', { spec: wider, initialWeights: { kind: 'run', id: original.id } })).runId,
  );
  assert.equal(refused.status, 'failed');
  assert.match(
    refused.error ?? '',
    /The initial weights do not fit this model: weight \S+ expected shape \[3, 24\], received \[3, 12\]/,
  );
  await assert.rejects(s.call('startRun', { spec, evaluateOnly: true }), /Evaluating needs weights to evaluate/);
  await assert.rejects(
    s.call('startRun', { spec, initialWeights: { kind: 'import', id: 'nope' } }),
    /The imported model nope has no weights/,
  );
  await s.shutdown();
});

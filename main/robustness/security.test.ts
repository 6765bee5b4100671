/**
 * Security of the main side, without Electron: every API argument is schema-validated (bad payloads for every
 * method, fuzzed payloads, over the service and over the WebSocket), paths cannot leave their folders, data never
 * becomes code (no eval anywhere, a project with __proto__ keys pollutes nothing), and the browser host binds to
 * loopback and refuses connections without its token.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import fc from 'fast-check';
import { API_METHODS, ApiError } from '../../shared/api.js';
import type { ApiMethod } from '../../shared/api.js';
import type { ModelSpec } from '../../shared/model-spec.js';
import type { StudioService } from '../studio/studio-service.js';
import { startWebServer } from '../web/server.js';
import type { WebServer } from '../web/server.js';
import { makeTempDir } from '../data/test-support.js';
import { importFiles } from '../studio/test-support.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const tmp = makeTempDir('security');
const userData = join(tmp.dir, 'user-data');
let server: WebServer;
let service: StudioService;
before(async () => {
  const staticDir = join(tmp.dir, 'static');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(staticDir);
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>RNN Studio</title>');
  server = await startWebServer({ port: 0, userDataDir: userData, staticDir });
  service = server.service;
});
after(async () => {
  await server.close();
  tmp.cleanup();
});

/** Payloads that are wrong for every method: not objects, wrong types, hostile keys, oversized strings. */
const GENERIC_BAD: unknown[] = [
  'a string',
  42,
  true,
  [],
  [1, 2],
  { runId: 7 },
  { runId: '../../etc' },
  { id: '../x' },
  { id: 'a/b' },
  { id: 'x'.repeat(81) },
  { spec: 'not a spec' },
  { spec: { format: 1, name: 'x', input: {}, layers: 'no' } },
  { spec: { format: 1, name: 'x'.repeat(201), input: { kind: 'tokens' }, layers: [] } },
  { data: { kind: 'images', path: '/x' } },
  { data: { kind: 'text', path: '' } },
  { data: { kind: 'text', path: 'x'.repeat(5000) } },
  { kind: 'socket' },
  { action: 'rm -rf' },
  { text: 'x'.repeat(100_001) },
  { name: '', files: [] },
  { name: 'x', files: [{ relativePath: '', contentBase64: '' }] },
  { name: 'x', files: 'nope' },
  JSON.parse('{"__proto__": {"polluted": true}, "runId": "../x"}'),
];

/** The methods whose parameters are all optional or empty accept `{}`; every method must refuse each bad payload it can't take. */
const takesNothing = new Set<ApiMethod>(['getEngineInfo', 'listSamples', 'listRuns', 'listProjects', 'listDatasets']);

test('every API method refuses malformed arguments with an invalid-argument error, before doing anything', async () => {
  let refused = 0;
  for (const method of API_METHODS) {
    for (const params of GENERIC_BAD) {
      let error: unknown = null;
      try {
        await service.call(method, params);
      } catch (e) {
        error = e;
      }
      // Methods without parameters use strict-free empty objects: extra keys are ignored, but non-objects are refused.
      if (error === null) {
        assert.ok(
          takesNothing.has(method) && typeof params === 'object' && params !== null && !Array.isArray(params),
          `${method} accepted ${JSON.stringify(params)}`,
        );
        continue;
      }
      assert.ok(error instanceof ApiError, `${method}(${JSON.stringify(params)?.slice(0, 80)}) threw ${String(error)}`);
      assert.ok(
        ['invalid-argument', 'not-found', 'unavailable'].includes(error.code),
        `${method}: ${error.code} ${error.message}`,
      );
      refused++;
    }
  }
  assert.ok(refused > API_METHODS.length * (GENERIC_BAD.length - 10), `refused ${refused}`);
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
  await assert.rejects(service.call('noSuchMethod' as ApiMethod, {}), /Unknown API method "noSuchMethod"/);
  await assert.rejects(service.call('constructor' as ApiMethod, {}), /Unknown API method "constructor"/);
  await assert.rejects(service.call('__proto__' as ApiMethod, {}), /Unknown API method "__proto__"/);
});

test('fuzzed arguments for every method: only ApiErrors, never a crash or another error type', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...API_METHODS.filter((m) => m !== 'startRun' && m !== 'uploadData')),
      fc.anything({ withObjectString: true, maxDepth: 3 }),
      async (method, params) => {
        try {
          await service.call(method, params);
        } catch (e) {
          assert.ok(e instanceof ApiError, `${method}: ${String(e)}`);
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('paths cannot leave their folders: run and project ids, samples, uploads, data paths', async () => {
  for (const runId of ['../x', '..', 'a/../../b', '/etc/passwd', 'C:\\Windows', '%2e%2e', 'a\u0000b']) {
    await assert.rejects(service.call('getRun', { runId }), (e: ApiError) => e.code === 'invalid-argument', runId);
    await assert.rejects(service.call('deleteRun', { runId }), (e: ApiError) => e.code === 'invalid-argument', runId);
  }
  for (const id of ['../projects/x', '../../etc/passwd', 'x.json/../../y']) {
    await assert.rejects(service.call('loadProject', { id }), /invalid arguments/);
    await assert.rejects(
      service.call('saveProject', {
        id,
        name: 'x',
        spec: { format: 1, name: 'x', input: { kind: 'tokens' }, layers: [] },
      }),
      /invalid arguments/,
    );
  }
  for (const sample of [
    'sample:../../package.json',
    'sample:..',
    'sample:.hidden',
    'sample:a/b',
    'sample:/etc/passwd',
  ]) {
    await assert.rejects(
      service.call('previewData', { data: { kind: 'text', path: sample } }),
      /Unknown sample/,
      sample,
    );
  }
  await assert.rejects(
    service.call('previewData', { data: { kind: 'text', path: '../../etc' } }),
    /Data paths must be absolute or name a bundled sample/,
  );
  const before = new Set(readdirSync(tmp.dir));
  for (const relativePath of [
    '../escape.txt',
    '../../escape.txt',
    'a/../../escape.txt',
    'a/b/../../../escape.txt',
    '..',
    '.',
  ]) {
    await assert.rejects(
      service.call('uploadData', { name: 'x', files: [{ relativePath, contentBase64: 'aGk=' }] }),
      /must stay inside the upload/,
      relativePath,
    );
  }
  // Absolute names and backslashes are kept inside: the leading separator is dropped, "\\" is a plain character on POSIX.
  for (const relativePath of ['/etc/cron.d/x', '..\\escape.txt', '\\\\server\\share\\x']) {
    const r = await service.call('uploadData', { name: 'x', files: [{ relativePath, contentBase64: 'aGk=' }] });
    assert.ok(!relative(join(userData, 'uploads'), r.path).startsWith('..'), `${relativePath} → ${r.path}`);
  }
  // Nothing was written outside the user-data folder.
  assert.deepEqual(new Set(readdirSync(tmp.dir)), before);
  assert.equal(existsSync(join(tmp.dir, 'escape.txt')), false);
  // A name inside the upload is fine, and lands inside the uploads folder.
  const ok = await service.call('uploadData', {
    name: '../../x',
    files: [{ relativePath: 'notes/../a.csv', contentBase64: 'aGk=' }],
  });
  assert.ok(!relative(join(userData, 'uploads'), ok.path).startsWith('..'), ok.path);
});

test('a project file is data: __proto__ and constructor keys pollute nothing, code-like strings stay strings', async () => {
  const text =
    '{"format": 1, "id": "evil", "name": "<img src=x onerror=alert(1)>", "updatedAt": "x", "__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted2": "yes"}}, ' +
    '"spec": {"format": 1, "name": "require(\\"child_process\\").execSync(\\"touch pwned\\")", "input": {"kind": "tokens", "vocabSize": 10, "length": 5}, "layers": [], "__proto__": {"isAdmin": true}}}';
  writeFileSync(join(userData, 'projects', 'evil.json'), text);
  const p = await service.call('loadProject', { id: 'evil' });
  assert.equal(p.name, '<img src=x onerror=alert(1)>');
  assert.equal(typeof p.spec.name, 'string');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(({} as Record<string, unknown>).polluted2, undefined);
  assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
  assert.equal(existsSync(join(process.cwd(), 'pwned')), false);
});

test('importing a model never runs code from it: a Keras Lambda layer (marshalled Python) is refused, nothing is kept', async () => {
  const keras = {
    class_name: 'Sequential',
    config: {
      name: 's',
      layers: [
        { class_name: 'InputLayer', config: { batch_input_shape: [null, 10], dtype: 'int32', name: 'in' } },
        { class_name: 'Embedding', config: { input_dim: 100, output_dim: 8, name: 'e' } },
        {
          class_name: 'Lambda',
          config: {
            name: 'evil',
            function: ['4wEAAAAAAAAAAAAAAAEAAAADAAAAQwAAAHMMAAAAdABkAYMBAQB8AFMAKQJO', null, null],
            function_type: 'lambda',
            module: 'os',
          },
        },
        { class_name: 'LSTM', config: { units: 4, name: 'l' } },
        { class_name: 'Dense', config: { units: 1, activation: 'sigmoid', name: 'd' } },
      ],
    },
    keras_version: '2.15.0',
    backend: 'tensorflow',
  };
  const before = new Set(readdirSync(tmp.dir));
  await assert.rejects(
    importFiles(service, [{ name: 'evil.json', content: JSON.stringify(keras) }]),
    (e: ApiError) => e.code === 'invalid-argument' && /"evil" \(Lambda\)\. .*Nothing was imported\.$/.test(e.message),
  );
  assert.deepEqual(readdirSync(join(userData, 'imports')), [], 'the refused upload is removed');
  assert.deepEqual(new Set(readdirSync(tmp.dir)), before, 'nothing written outside the user-data folder');
});

test('exports stay inside the chosen folder, whatever the model is called', async () => {
  const { buildModel } = await import('../training/build-model.js');
  const { saveLayersModel } = await import('../training/save-model.js');
  const { writeJsonAtomic } = await import('../studio/storage.js');
  const spec: ModelSpec = {
    format: 1,
    name: '../../../../escaped',
    input: { kind: 'tokens', vocabSize: 20, length: 5 },
    layers: [
      { className: 'Embedding', config: { inputDim: 20, outputDim: 4 } },
      { className: 'LSTM', config: { units: 3 } },
      { className: 'Dense', config: { units: 1, activation: 'sigmoid' } },
    ],
  };
  const runDir = join(userData, 'runs', 'evil-run');
  const { model } = buildModel(spec);
  await saveLayersModel(model, join(runDir, 'model'));
  model.dispose();
  writeJsonAtomic(join(runDir, 'run.json'), {
    id: 'evil-run',
    name: spec.name,
    createdAt: new Date().toISOString(),
    status: 'completed',
    spec,
    dataPath: '/nonexistent',
    epochs: 1,
    backend: null,
    dataSummary: null,
    layers: [],
    result: null,
    error: null,
    epochRecords: [],
  });
  const outDir = join(tmp.dir, 'exports-here');
  let written = 0;
  for (const format of ['keras', 'tfjs', 'python'] as const) {
    let files: string[] = [];
    try {
      files = (await service.call('exportRun', { runId: 'evil-run', format, outDir })).files.map((f) => f.path);
    } catch (e) {
      // A format may refuse this run (e.g. without data); refusing is fine, writing outside is not.
      assert.ok(e instanceof ApiError, String(e));
    }
    for (const f of files) assert.ok(!relative(outDir, f).startsWith('..'), `${format}: ${f} is outside ${outDir}`);
    written += files.length;
  }
  assert.ok(written >= 3, `exports written: ${written}`);
  assert.equal(existsSync(join(tmp.dir, 'escaped')), false);
  assert.equal(existsSync(join(dirname(tmp.dir), 'escaped')), false);
  await assert.rejects(
    service.call('exportRun', { runId: 'evil-run', format: 'tfjs', outDir: 'relative/dir' }),
    /must be absolute/,
  );
});

test('no source file turns data into code: no eval, new Function, vm or dynamic import of a computed path', () => {
  const offenders: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (name === 'node_modules') continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|tsx|mjs)$/.test(name) && !name.endsWith('.test.ts')) {
        const src = readFileSync(path, 'utf8');
        const rel = relative(root, path);
        if (
          /\beval\s*\(|new Function\s*\(|from 'node:vm'|require\(['"]vm['"]\)|\.runInNewContext|\.runInThisContext/.test(
            src,
          )
        )
          offenders.push(`${rel}: eval-like call`);
        // The only evaluated source is the fixed worker bootstrap in worker-thread.ts (its text is built from module URLs).
        if (/eval: true/.test(src) && rel !== join('main', 'worker-thread.ts'))
          offenders.push(`${rel}: Worker with eval: true`);
      }
    }
  };
  for (const dir of ['main', 'shared', 'renderer']) walk(join(root, dir));
  assert.deepEqual(offenders, []);
});

// ---- the browser host ----------------------------------------------------------------------------------------------

function connect(query: string, origin?: string): Promise<{ ws: WebSocket } | { status: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api${query}`, origin ? { origin } : {});
    ws.on('open', () => resolve({ ws }));
    ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    ws.on('error', () => {});
  });
}

function next(ws: WebSocket): Promise<{ id: number; result?: unknown; error?: { message: string; code: string } }> {
  return new Promise((resolve) => ws.once('message', (raw: Buffer) => resolve(JSON.parse(raw.toString()))));
}

test('the browser host binds to loopback by default and refuses the API without its token', async () => {
  const { dir, cleanup } = makeTempDir('bind');
  const s = await startWebServer({ port: 0, userDataDir: dir, staticDir: dir });
  try {
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
    assert.equal(s.token.length, 48);
  } finally {
    await s.close();
    cleanup();
  }
  for (const query of [
    '',
    '?token=',
    '?token=wrong',
    `?token=${server.token.slice(0, -1)}`,
    `?token=${server.token}x`,
    `?TOKEN=${server.token}`,
  ]) {
    assert.deepEqual(await connect(query), { status: 401 }, query);
  }
  assert.deepEqual(await connect(`?token=${server.token}`, 'http://evil.example'), { status: 403 });
  assert.deepEqual(await connect(`?token=${server.token}`, 'null'), { status: 403 });
});

test('the WebSocket answers malformed frames with errors and stays up', async () => {
  const c = await connect(`?token=${server.token}`);
  assert.ok('ws' in c);
  const ws = c.ws;
  const frames: (string | Buffer)[] = [
    'not json',
    '{"id": "1", "method": "listRuns"}',
    '{"id": 1}',
    '[]',
    'null',
    '{"id": 2, "method": "nope", "params": {}}',
    '{"id": 3, "method": "getRun", "params": {"runId": "../../etc/passwd"}}',
    '{"id": 4, "method": "loadProject", "params": {"__proto__": {"x": 1}, "id": "../a"}}',
    Buffer.from([0xff, 0xfe, 0x00, 0x01]),
  ];
  for (const frame of frames) {
    const reply = next(ws);
    ws.send(frame);
    const r = await reply;
    assert.ok(r.error && typeof r.error.message === 'string', `${String(frame)} → ${JSON.stringify(r)}`);
    assert.equal(r.error.code, 'invalid-argument', `${String(frame)} → ${JSON.stringify(r)}`);
  }
  const ok = next(ws);
  ws.send(JSON.stringify({ id: 9, method: 'listProjects', params: {} }));
  assert.ok(Array.isArray((await ok).result), 'still serving after every bad frame');
  ws.close();
});

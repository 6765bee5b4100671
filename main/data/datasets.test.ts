// The data-set downloader against a local HTTP server serving tiny fixtures in the real formats (the real
// download cannot run here): aclImdb_v1.tar.gz with the aclImdb layout, jena_climate_2009_2016.csv.zip.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeZip } from '../interop/zip.js';
import { cachedDataset, DATASETS, datasetPaths, datasetUrl, DatasetError, fetchDataset } from './datasets.js';
import type { FetchProgress } from './datasets.js';
import { writeTar } from './tar.js';
import { loadTextDataset } from './text-dataset.js';
import { loadTimeSeries } from './timeseries.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function imdbFixture(): Buffer {
  const entries = [
    { name: 'aclImdb' },
    { name: 'aclImdb/README', data: Buffer.from('Large Movie Review Dataset v1.0\n') },
    { name: 'aclImdb/train' },
  ];
  for (const cls of ['pos', 'neg', 'unsup']) {
    entries.push({ name: `aclImdb/train/${cls}` });
    for (let i = 0; i < 6; i++) {
      const text = `${cls === 'pos' ? 'A wonderful, moving film' : cls === 'neg' ? 'A dull and tedious film' : 'A film'} number ${i}. ${'Some more words about it. '.repeat(30)}`;
      entries.push({ name: `aclImdb/train/${cls}/${i}_${cls === 'pos' ? 9 : 2}.txt`, data: Buffer.from(text) });
    }
  }
  entries.push({
    name: 'aclImdb/train/urls_pos.txt',
    data: Buffer.from('http://www.imdb.com/title/tt0000001/usercomments\n'),
  });
  entries.push(
    { name: 'aclImdb/test' },
    { name: 'aclImdb/test/pos' },
    { name: 'aclImdb/test/pos/0_10.txt', data: Buffer.from('Great.') },
  );
  return gzipSync(writeTar(entries));
}

function jenaFixture(): Buffer {
  const header = '"Date Time","p (mbar)","T (degC)","Tpot (K)","Tdew (degC)","rh (%)"';
  const rows = Array.from(
    { length: 40 },
    (_, i) =>
      `01.01.2009 ${String(Math.floor(i / 6)).padStart(2, '0')}:${String((i % 6) * 10).padStart(2, '0')}:00,996.5${i % 10},${(-8 + i * 0.1).toFixed(2)},265.${i % 10},-8.9,93.${i % 10}`,
  );
  const csv = Buffer.from(`${header}\r\n${rows.join('\r\n')}\r\n`);
  return writeZip([
    { name: 'jena_climate_2009_2016.csv', data: csv },
    { name: '__MACOSX/._jena_climate_2009_2016.csv', data: Buffer.from('resource fork') },
  ]);
}

const files = new Map<string, Buffer>([
  ['/aclImdb_v1.tar.gz', imdbFixture()],
  ['/jena_climate_2009_2016.csv.zip', jenaFixture()],
  [
    '/evil/aclImdb_v1.tar.gz',
    gzipSync(
      writeTar([
        { name: 'aclImdb/train/pos/1_9.txt', data: Buffer.from('ok') },
        { name: '../../escaped.txt', data: Buffer.from('slip') },
      ]),
    ),
  ],
]);
const IMDB = files.get('/aclImdb_v1.tar.gz')!;
const JENA = files.get('/jena_climate_2009_2016.csv.zip')!;

type Mode = 'normal' | 'drop-half' | 'ignore-range' | 'slow';
let mode: Mode = 'normal';
const requests: { url: string; range: string | undefined; status: number; sent: number }[] = [];

const server = createServer((req, res) => {
  const body = files.get(req.url ?? '');
  const record = { url: req.url ?? '', range: req.headers.range, status: 200, sent: 0 };
  requests.push(record);
  if (!body) {
    record.status = 404;
    res.writeHead(404).end();
    return;
  }
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (m && mode !== 'ignore-range') {
    const start = Number(m[1]);
    const rest = body.subarray(start);
    record.status = 206;
    record.sent = rest.length;
    res.writeHead(206, {
      'content-length': rest.length,
      'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
    });
    res.end(rest);
    return;
  }
  res.writeHead(200, { 'content-length': body.length });
  if (mode === 'drop-half') {
    mode = 'normal'; // only the first request breaks
    const half = body.subarray(0, Math.floor(body.length / 2));
    record.sent = half.length;
    res.write(half, () => setTimeout(() => res.socket?.destroy(), 30));
    return;
  }
  if (mode === 'slow') {
    record.sent = 1024;
    res.write(body.subarray(0, 1024)); // and never finishes: the test aborts
    return;
  }
  record.sent = body.length;
  res.end(body);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
after(() => {
  server.closeAllConnections();
  server.close();
});

function cache(): string {
  return mkdtempSync(join(tmpdir(), 'datasets-test-'));
}
function reset(m: Mode = 'normal') {
  mode = m;
  requests.length = 0;
}

test('the catalog: the book URLs, IMDB with its published SHA-256; a base URL override replaces the host and folder', () => {
  const imdb = DATASETS.find((d) => d.id === 'imdb')!;
  assert.equal(imdb.url, 'https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz');
  assert.match(imdb.sha256 ?? '', /^[0-9a-f]{64}$/);
  assert.equal(
    DATASETS.find((d) => d.id === 'jena')!.url,
    'https://s3.amazonaws.com/keras-datasets/jena_climate_2009_2016.csv.zip',
  );
  assert.equal(datasetUrl(imdb, 'http://127.0.0.1:9/mirror'), 'http://127.0.0.1:9/mirror/aclImdb_v1.tar.gz');
});

test('IMDB: full download with progress, checksum and extraction; the real text loader reads pos/neg and skips unsup', async () => {
  reset();
  const dir = cache();
  const progress: FetchProgress[] = [];
  const r = await fetchDataset('imdb', {
    cacheDir: dir,
    baseUrl,
    sha256: sha(IMDB),
    onProgress: (p) => progress.push(p),
    progressIntervalMs: 0,
  });
  assert.equal(r.path, join(dir, 'imdb', 'data', 'aclImdb', 'train'));
  assert.equal(r.sha256, sha(IMDB));
  assert.equal(r.downloaded, true);
  assert.equal(r.bytesReceived, IMDB.length);
  assert.equal(r.resumedFrom, 0);
  assert.equal(existsSync(datasetPaths('imdb', dir).part), false);
  assert.equal(statSync(r.archivePath).size, IMDB.length);
  const last = progress.filter((p) => p.phase === 'download').at(-1)!;
  assert.equal(last.bytes, IMDB.length);
  assert.equal(last.total, IMDB.length);
  assert.ok(last.bytesPerSecond > 0 && last.etaSeconds === 0);
  assert.ok(progress.some((p) => p.phase === 'verify') && progress.some((p) => p.phase === 'extract'));
  const ds = loadTextDataset(r.path);
  assert.deepEqual(ds.classNames, ['neg', 'pos']);
  assert.equal(ds.texts.length, 12);
  assert.ok(ds.skipped.some((s) => s.file.includes('unsup')));
  // Second call: straight from the cache, no request at all.
  requests.length = 0;
  const again = await fetchDataset('imdb', { cacheDir: dir, baseUrl, sha256: sha(IMDB) });
  assert.equal(again.downloaded, false);
  assert.equal(again.path, r.path);
  assert.equal(requests.length, 0);
  assert.deepEqual(cachedDataset('imdb', dir, sha(IMDB)), { path: r.path, sha256: sha(IMDB) });
});

test('Jena: the zip is extracted (without __MACOSX) and the real time-series loader reads the CSV; the SHA-256 is recorded when none is known', async () => {
  reset();
  const dir = cache();
  const r = await fetchDataset('jena', { cacheDir: dir, baseUrl });
  assert.equal(r.path, join(dir, 'jena', 'data', 'jena_climate_2009_2016.csv'));
  assert.equal(r.checksumKnown, false);
  assert.equal(r.sha256, sha(JENA));
  assert.deepEqual(readdirSync(join(dir, 'jena', 'data')).sort(), ['.complete.json', 'jena_climate_2009_2016.csv']);
  const ts = loadTimeSeries(r.path, { target: 'T (degC)', dateColumn: 'Date Time' });
  assert.equal(ts.rows, 40);
  assert.deepEqual(ts.featureNames, ['p (mbar)', 'T (degC)', 'Tpot (K)', 'Tdew (degC)', 'rh (%)']);
  requests.length = 0;
  assert.equal((await fetchDataset('jena', { cacheDir: dir, baseUrl })).downloaded, false);
  assert.equal(requests.length, 0);
});

test('resume: a dropped connection keeps the part; the next call sends Range and receives only the rest', async () => {
  reset('drop-half');
  const dir = cache();
  await assert.rejects(
    fetchDataset('imdb', { cacheDir: dir, baseUrl, sha256: sha(IMDB) }),
    (e: unknown) => e instanceof DatasetError && e.code === 'interrupted' && /Fetch again to resume/.test(e.message),
  );
  const part = datasetPaths('imdb', dir).part;
  const have = statSync(part).size;
  assert.ok(have > 0 && have < IMDB.length, `part of ${have} bytes`);
  requests.length = 0;
  const progress: FetchProgress[] = [];
  const r = await fetchDataset('imdb', {
    cacheDir: dir,
    baseUrl,
    sha256: sha(IMDB),
    onProgress: (p) => progress.push(p),
    progressIntervalMs: 0,
  });
  assert.equal(requests.length, 1);
  assert.equal(requests[0]!.range, `bytes=${have}-`);
  assert.equal(requests[0]!.status, 206);
  assert.equal(requests[0]!.sent, IMDB.length - have);
  assert.equal(r.bytesReceived, IMDB.length - have);
  assert.equal(r.resumedFrom, have);
  assert.equal(progress.find((p) => p.phase === 'download')!.resumedFrom, have);
  assert.equal(r.sha256, sha(IMDB));
  assert.equal(loadTextDataset(r.path).texts.length, 12);
});

test('a server that ignores Range (200 instead of 206): the part is thrown away and the whole file downloaded again', async () => {
  reset();
  const dir = cache();
  const p = datasetPaths('imdb', dir);
  rmSync(p.dir, { recursive: true, force: true });
  mkdirSync(p.dir, { recursive: true });
  writeFileSync(p.part, Buffer.alloc(500, 0xee)); // a stale part that is no prefix of the file
  mode = 'ignore-range';
  const r = await fetchDataset('imdb', { cacheDir: dir, baseUrl, sha256: sha(IMDB) });
  assert.equal(requests[0]!.range, 'bytes=500-');
  assert.equal(requests[0]!.status, 200);
  assert.equal(r.bytesReceived, IMDB.length);
  assert.equal(r.resumedFrom, 0);
  assert.equal(statSync(r.archivePath).size, IMDB.length);
  assert.equal(r.sha256, sha(IMDB));
});

test('a wrong checksum is refused, naming both hashes, and nothing is left behind', async () => {
  reset();
  const dir = cache();
  const wrong = 'ab'.repeat(32);
  await assert.rejects(
    fetchDataset('imdb', { cacheDir: dir, baseUrl }),
    (e: unknown) =>
      e instanceof DatasetError &&
      e.code === 'checksum' &&
      e.message.includes(`expected SHA-256 ${DATASETS[0]!.sha256}`) &&
      e.message.includes(`received a file with SHA-256 ${sha(IMDB)}`),
  );
  await assert.rejects(
    fetchDataset('imdb', { cacheDir: dir, baseUrl, sha256: wrong }),
    (e: unknown) => e instanceof DatasetError && e.code === 'checksum' && e.message.includes(wrong),
  );
  assert.deepEqual(readdirSync(dir), []);
});

test('tar-slip: an archive with a "../" entry is refused and nothing escapes the cache', async () => {
  reset();
  const root = cache();
  const dir = join(root, 'a', 'b');
  const evil = files.get('/evil/aclImdb_v1.tar.gz')!;
  await assert.rejects(
    fetchDataset('imdb', { cacheDir: dir, baseUrl: `${baseUrl}evil/`, sha256: sha(evil) }),
    (e: unknown) =>
      e instanceof DatasetError &&
      e.code === 'archive' &&
      /refusing tar entry "\.\.\/\.\.\/escaped\.txt"/.test(e.message),
  );
  for (const d of [root, join(root, 'a'), dir, join(dir, 'imdb')])
    assert.equal(existsSync(join(d, 'escaped.txt')), false);
  assert.equal(existsSync(datasetPaths('imdb', dir).marker), false);
  assert.equal(cachedDataset('imdb', dir, sha(evil)), null);
});

test('a half-extracted folder (no marker) is redone from the kept archive, without a request', async () => {
  reset();
  const dir = cache();
  const first = await fetchDataset('imdb', { cacheDir: dir, baseUrl, sha256: sha(IMDB) });
  const p = datasetPaths('imdb', dir);
  rmSync(p.marker);
  rmSync(join(first.path, 'neg'), { recursive: true });
  writeFileSync(join(p.extractedDir, 'stray.txt'), 'left over');
  requests.length = 0;
  const r = await fetchDataset('imdb', { cacheDir: dir, baseUrl, sha256: sha(IMDB) });
  assert.equal(requests.length, 0);
  assert.equal(r.downloaded, false);
  assert.equal(existsSync(join(p.extractedDir, 'stray.txt')), false);
  assert.deepEqual(loadTextDataset(r.path).classNames, ['neg', 'pos']);
});

test('abort: the AbortSignal stops a download in flight; the part is kept for a resume', async () => {
  reset('slow');
  const dir = cache();
  const ac = new AbortController();
  const progress: FetchProgress[] = [];
  const pending = fetchDataset('imdb', {
    cacheDir: dir,
    baseUrl,
    sha256: sha(IMDB),
    signal: ac.signal,
    progressIntervalMs: 0,
    onProgress: (p) => {
      progress.push(p);
      ac.abort();
    },
  });
  await assert.rejects(pending, (e: unknown) => e instanceof DatasetError && e.code === 'aborted');
  assert.ok(progress.length >= 1);
  assert.equal(existsSync(datasetPaths('imdb', dir).archive), false);
  const kept = statSync(datasetPaths('imdb', dir).part).size;
  assert.ok(kept > 0 && kept <= 1024, `part of ${kept} bytes`);
  assert.equal(kept, progress.at(-1)!.bytes);
  reset();
  const resumed = await fetchDataset('imdb', { cacheDir: dir, baseUrl, sha256: sha(IMDB) });
  assert.equal(requests[0]!.range, `bytes=${kept}-`);
  assert.equal(resumed.bytesReceived, IMDB.length - kept);
  assert.equal(resumed.sha256, sha(IMDB));
  const already = new AbortController();
  already.abort();
  await assert.rejects(
    fetchDataset('jena', { cacheDir: dir, baseUrl, signal: already.signal }),
    (e: unknown) => e instanceof DatasetError && e.code === 'aborted',
  );
});

test('offline: an unreachable host gives the "could not reach" message with the URL to fetch by hand; a 404 is an http error', async () => {
  reset();
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  await assert.rejects(
    fetchDataset('jena', { cacheDir: cache(), baseUrl: `http://127.0.0.1:${port}/` }),
    (e: unknown) =>
      e instanceof DatasetError &&
      e.code === 'offline' &&
      e.message.startsWith(`could not reach 127.0.0.1:${port}: ECONNREFUSED`) &&
      e.message.includes(
        `download http://127.0.0.1:${port}/jena_climate_2009_2016.csv.zip yourself and pass --data <path>`,
      ),
  );
  await assert.rejects(
    fetchDataset('jena', { cacheDir: cache(), baseUrl: `${baseUrl}missing/` }),
    (e: unknown) => e instanceof DatasetError && e.code === 'http' && /received 404/.test(e.message),
  );
});

// The run's data fingerprint: made from the bytes the readers read, the same whatever order they read files in, and
// only over the files they read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDigest } from './data-digest.js';
import { loadTextDataset } from './text-dataset.js';
import { loadTimeSeries } from './timeseries.js';

const sha = (x: string | Uint8Array) => createHash('sha256').update(x).digest('hex');
const bytes = (s: string) => new TextEncoder().encode(s);

test('the fingerprint is the sha256 over each file read (relative path, size, sha256), in path order', () => {
  const a = new DataDigest('/data');
  a.add('/data/pos/1.txt', bytes('good'));
  a.add('/data/neg/1.txt', bytes('bad'));
  const b = new DataDigest('/data');
  b.add('/data/neg/1.txt', bytes('bad'));
  b.add('/data/pos/1.txt', bytes('good'));
  b.add('/data/pos/1.txt', bytes('good'));
  const expected = sha(`neg/1.txt\0${3}\0${sha('bad')}\npos/1.txt\0${4}\0${sha('good')}\n`);
  assert.deepEqual(a.result(), { hash: expected, files: 2, bytes: 7 });
  assert.deepEqual(b.result(), a.result(), 'read order and a second read of a file do not change it');
  const c = new DataDigest('/data');
  c.add('/data/neg/1.txt', bytes('bad'));
  c.add('/data/pos/1.txt', bytes('good!'));
  assert.notEqual(c.result().hash, a.result().hash, 'one changed file changes it');
});

test('the text and time-series readers fingerprint what they read, and nothing they pass by', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-digest-'));
  for (const [cls, docs] of [
    ['neg', ['dull', 'too long']],
    ['pos', ['a fine film', 'loved it']],
  ] as const) {
    mkdirSync(join(dir, 'films', cls), { recursive: true });
    docs.forEach((d, i) => writeFileSync(join(dir, 'films', cls, `${i}.txt`), d));
  }
  writeFileSync(join(dir, 'films', 'README'), 'not a class');
  const folder = new DataDigest(join(dir, 'films'));
  const ds = loadTextDataset(join(dir, 'films'), { digest: folder });
  assert.ok(ds.skipped.some((s) => s.file.endsWith('README')));
  assert.deepEqual({ ...folder.result(), hash: '' }, { hash: '', files: 4, bytes: 4 + 8 + 11 + 8 });

  const csv = join(dir, 'series.csv');
  writeFileSync(csv, 'date,t\n1,2\n2,3\n3,4\n');
  const series = new DataDigest(csv);
  loadTimeSeries(csv, { target: 't', digest: series });
  const content = 'date,t\n1,2\n2,3\n3,4\n';
  assert.deepEqual(series.result(), {
    hash: sha(`\0${content.length}\0${sha(content)}\n`),
    files: 1,
    bytes: content.length,
  });
});

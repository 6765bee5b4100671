// How a selection is cut into uploadData calls: every byte sent once, in order, no call above the limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planUpload, selectUpload } from './upload.js';
import type { UploadSelection } from './upload.js';

const file = (relativePath: string, size: number) => ({
  relativePath,
  file: new Blob([new Uint8Array(size).map((_, i) => i % 251)]),
});
const selection = (...files: { relativePath: string; file: Blob }[]): UploadSelection => ({
  name: 'x',
  files,
  bytes: files.reduce((n, f) => n + f.file.size, 0),
});

test('planUpload: pieces at their offsets, at most chunkBytes per call, small files packed together', async () => {
  const cases: { files: [string, number][]; chunk: number; calls: number }[] = [
    { files: [['a.csv', 10]], chunk: 4, calls: 3 },
    { files: [['a.csv', 8]], chunk: 4, calls: 2 },
    {
      files: [
        ['d/a.txt', 1],
        ['d/b.txt', 1],
        ['d/c.txt', 1],
      ],
      chunk: 4,
      calls: 1,
    },
    {
      files: [
        ['d/a.txt', 3],
        ['d/b.txt', 3],
      ],
      chunk: 4,
      calls: 2,
    },
    {
      files: [
        ['empty.txt', 0],
        ['d/b.txt', 2],
      ],
      chunk: 4,
      calls: 1,
    },
  ];
  for (const c of cases) {
    const sel = selection(...c.files.map(([p, n]) => file(p, n)));
    const calls = planUpload(sel, c.chunk);
    assert.equal(calls.length, c.calls, JSON.stringify(c));
    for (const call of calls) assert.ok(call.reduce((n, p) => n + p.blob.size, 0) <= c.chunk, JSON.stringify(c));
    // Reassembled from the pieces, every file is byte for byte the original, each piece at the offset the server expects.
    for (const { relativePath, file: original } of sel.files) {
      const pieces = calls.flat().filter((p) => p.relativePath === relativePath);
      let offset = 0;
      for (const p of pieces) {
        assert.equal(p.offset, offset, relativePath);
        offset += p.blob.size;
      }
      assert.equal(offset, original.size, relativePath);
      const joined = new Uint8Array(await new Blob(pieces.map((p) => p.blob)).arrayBuffer());
      assert.deepEqual(joined, new Uint8Array(await original.arrayBuffer()), relativePath);
    }
  }
});

test('planUpload: thousands of small files go in a few calls, not one call each', () => {
  const files = Array.from({ length: 12_000 }, (_, i) => file(`reviews/pos/${i}.txt`, 200));
  const calls = planUpload(selection(...files));
  assert.equal(calls.length, 3, 'at most 5,000 files a call');
});

test('selectUpload: hidden files are skipped, an empty folder is refused', () => {
  const f = (name: string, rel: string) => Object.assign(new File(['x'], name), { webkitRelativePath: rel });
  const sel = selectUpload(
    [f('a.txt', 'data/pos/a.txt'), f('.DS_Store', 'data/.DS_Store'), f('x', 'data/.git/x')],
    true,
  );
  assert.deepEqual(
    sel.files.map((x) => x.relativePath),
    ['data/pos/a.txt'],
  );
  assert.equal(sel.name, 'data');
  assert.throws(() => selectUpload([f('.DS_Store', 'data/.DS_Store')], true), /holds no files/);
});

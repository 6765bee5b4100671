import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs, { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { newId, readJsonOrNull, writeFileAtomic, writeJsonAtomic } from './storage.js';
import { mountSmallDisk } from './full-disk.js';

test('atomic writes replace the file whole and leave no temporary files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-store-'));
  const path = join(dir, 'project.json');
  writeJsonAtomic(path, { a: 1 });
  writeJsonAtomic(path, { a: 2, b: 'x'.repeat(100_000) });
  assert.equal(readJsonOrNull<{ a: number }>(path)!.a, 2);
  assert.deepEqual(readdirSync(dir), ['project.json']);
});

test('a failed write leaves the previous version intact', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-store-'));
  const path = join(dir, 'p.json');
  writeFileSync(path, 'old');
  // Writing into a path whose parent is a file fails before the rename: the old file must be untouched.
  assert.throws(() => writeFileAtomic(join(path, 'child.json'), 'new'));
  assert.equal(readFileSync(path, 'utf8'), 'old');
});

test('readJsonOrNull: missing or damaged → null; ids are unique and folder-safe', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-store-'));
  assert.equal(readJsonOrNull(join(dir, 'none.json')), null);
  writeFileSync(join(dir, 'bad.json'), '{"a":');
  assert.equal(readJsonOrNull(join(dir, 'bad.json')), null);
  const ids = new Set(Array.from({ length: 1000 }, () => newId()));
  assert.equal(ids.size, 1000);
  for (const id of ids) assert.match(id, /^[a-z0-9]+-[0-9a-f]{6}$/);
});

// Seen: with 8 KB free the write stopped at 4,096 bytes without an error, and the truncated temporary file replaced the
// good project. On a real full disk (a tmpfs of 64 KiB) the save must fail and leave the previous version whole.
test('a disk that fills up mid-write never replaces a good file', (t) => {
  const disk = mountSmallDisk(64);
  if (typeof disk === 'string') {
    t.skip(disk);
    return;
  }
  try {
    const path = join(disk.dir, 'project.json');
    writeJsonAtomic(path, { name: 'good', layers: [1, 2, 3] });
    // Leave about 8 KiB free, then save something bigger than that.
    const free = Number(execFileSync('df', ['--output=avail', '-B1', disk.dir]).toString().split('\n')[1]);
    writeFileSync(join(disk.dir, 'filler'), Buffer.alloc(Math.max(0, free - 8 * 1024)));
    assert.throws(() => writeJsonAtomic(path, { name: 'big', pad: 'x'.repeat(40_000) }), /ENOSPC/);
    assert.deepEqual(readJsonOrNull(path), { name: 'good', layers: [1, 2, 3] });
    assert.deepEqual(readdirSync(disk.dir).sort(), ['filler', 'project.json'], 'no temporary file is left behind');
  } finally {
    disk.unmount();
  }
});

// The same fault without root: write(2) on a filling disk returns a short count (4,096 bytes) without an error, then the
// next call fails with ENOSPC. fs.writeSync is replaced for the duration (syncBuiltinESMExports carries the change to
// storage.ts's import), so the test runs everywhere, not only where a tmpfs can be mounted.
test('a short write (disk full mid-write, no root needed) never replaces a good file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-store-'));
  const path = join(dir, 'project.json');
  writeJsonAtomic(path, { name: 'good', layers: [1, 2, 3] });
  const original = fs.writeSync;
  let calls = 0;
  (fs as { writeSync: unknown }).writeSync = (fd: number, buffer: Uint8Array, offset = 0, length?: number) => {
    calls++;
    if (calls > 1) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const end = Math.min(offset + (length ?? buffer.length - offset), offset + 4096);
    return original(fd, buffer.subarray(offset, end));
  };
  syncBuiltinESMExports();
  try {
    assert.throws(() => writeJsonAtomic(path, { name: 'big', pad: 'x'.repeat(40_000) }), /ENOSPC/);
  } finally {
    (fs as { writeSync: unknown }).writeSync = original;
    syncBuiltinESMExports();
  }
  assert.ok(calls >= 1, 'the save went through the replaced writeSync');
  assert.deepEqual(readJsonOrNull(path), { name: 'good', layers: [1, 2, 3] });
  assert.deepEqual(readdirSync(dir), ['project.json'], 'no temporary file is left behind');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId, readJsonOrNull, writeFileAtomic, writeJsonAtomic } from './storage.js';

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

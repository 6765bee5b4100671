import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { extractTar, extractTarGz, safeTarName, TarError, writeTar } from './tar.js';

async function* chunksOf(buf: Buffer, size: number) {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'tar-test-'));
}

test('extracts folders and files, whatever the chunking of the stream', async () => {
  const tar = writeTar([
    { name: 'top' },
    { name: 'top/a.txt', data: Buffer.from('hello') },
    { name: 'top/sub/b.bin', data: Buffer.alloc(1300, 7) },
    { name: './top/empty.txt', data: Buffer.alloc(0) },
  ]);
  for (const size of [1, 100, 512, 4096, tar.length]) {
    const dir = tmp();
    const r = await extractTar(chunksOf(tar, size), dir);
    assert.deepEqual(r, { files: 3, directories: 1, bytes: 1305 });
    assert.equal(readFileSync(join(dir, 'top/a.txt'), 'utf8'), 'hello');
    assert.deepEqual(readFileSync(join(dir, 'top/sub/b.bin')), Buffer.alloc(1300, 7));
    assert.equal(readFileSync(join(dir, 'top/empty.txt')).length, 0);
    rmSync(dir, { recursive: true });
  }
});

test('long names: GNU L headers and pax path records', async () => {
  const long = `deep/${'x'.repeat(120)}/file.txt`;
  const dir = tmp();
  await extractTar(chunksOf(writeTar([{ name: long, data: Buffer.from('gnu') }]), 64), dir);
  assert.equal(readFileSync(join(dir, long), 'utf8'), 'gnu');
  // pax: an 'x' header carries "path" for the next entry.
  const paxName = `pax/${'y'.repeat(150)}.txt`;
  const body = ` path=${paxName}\n`;
  let len = body.length + 2;
  if (String(len).length + body.length !== len) len = String(len + 1).length + body.length;
  const record = Buffer.from(`${len}${body}`);
  assert.equal(record.length, len);
  const tar = Buffer.concat([
    writeTar([
      { name: 'PaxHeader/x', data: record, type: 'x' },
      { name: 'short.txt', data: Buffer.from('pax') },
    ]),
  ]);
  await extractTar(chunksOf(tar, 512), dir);
  assert.equal(readFileSync(join(dir, paxName), 'utf8'), 'pax');
  assert.equal(existsSync(join(dir, 'short.txt')), false);
});

test('tar-slip: absolute paths, .. segments, backslashes and links are refused before anything lands outside', async () => {
  const outside = tmp();
  const bad: [string, Buffer, RegExp][] = [
    [
      '../evil.txt',
      writeTar([{ name: '../evil.txt', data: Buffer.from('x') }]),
      /refusing tar entry "\.\.\/evil\.txt"/,
    ],
    ['absolute', writeTar([{ name: join(outside, 'evil.txt'), data: Buffer.from('x') }]), /plain relative path/],
    ['inner ..', writeTar([{ name: 'a/../../evil.txt', data: Buffer.from('x') }]), /refusing/],
    ['backslash', writeTar([{ name: 'a\\..\\evil.txt', data: Buffer.from('x') }]), /refusing/],
    ['symlink', writeTar([{ name: 'link', data: Buffer.alloc(0), type: '2' }]), /symbolic link/],
    ['hard link', writeTar([{ name: 'link', data: Buffer.alloc(0), type: '1' }]), /hard link/],
  ];
  for (const [label, tar, pattern] of bad) {
    const dir = join(outside, 'dest');
    await assert.rejects(
      extractTar(chunksOf(tar, 512), dir),
      (e: unknown) => e instanceof TarError && pattern.test(e.message),
      label,
    );
    assert.equal(existsSync(join(outside, 'evil.txt')), false, label);
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(safeTarName('./'), null);
  assert.equal(safeTarName('./a/b'), 'a/b');
});

test('a damaged header, a cut-short archive and a limit are errors; a .tar.gz extracts; bad gzip is a TarError', async () => {
  const tar = writeTar([{ name: 'a.txt', data: Buffer.alloc(2000, 1) }]);
  const damaged = Buffer.from(tar);
  damaged[10] = 0x41;
  await assert.rejects(extractTar(chunksOf(damaged, 512), tmp()), /valid checksum/);
  await assert.rejects(extractTar(chunksOf(tar.subarray(0, 1000), 512), tmp()), /cut short inside "a\.txt"/);
  await assert.rejects(
    extractTar(chunksOf(tar, 512), tmp(), { limits: { maxEntries: 10, maxTotalBytes: 1000 } }),
    /more than 1000 bytes/,
  );
  const dir = tmp();
  const gz = join(dir, 'x.tar.gz');
  writeFileSync(gz, gzipSync(tar));
  assert.deepEqual(await extractTarGz(gz, join(dir, 'out')), { files: 1, directories: 0, bytes: 2000 });
  assert.deepEqual(readdirSync(join(dir, 'out')), ['a.txt']);
  writeFileSync(gz, Buffer.from('not gzip at all'));
  await assert.rejects(
    extractTarGz(gz, join(dir, 'out2')),
    (e: unknown) => e instanceof TarError && /gunzip/.test(e.message),
  );
});

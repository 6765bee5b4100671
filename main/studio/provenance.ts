/** The data hash for a run's provenance: sha256 of a file, or of every file in a folder (sorted relative paths + contents). */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { DataError } from '../data/data-error.js';
import { specialFileKind, specialFileMessage } from '../data/regular-file.js';

export function hashData(path: string): { hash: string; files: number; bytes: number } {
  const h = createHash('sha256');
  let files = 0;
  let bytes = 0;
  // Read in pieces: a data file of 1 GiB never sits in memory whole just to be hashed.
  const chunk = Buffer.allocUnsafe(1024 ** 2);
  const add = (file: string, rel: string) => {
    const stats = statSync(file);
    const special = specialFileKind(stats);
    if (special) throw new DataError(specialFileMessage(file, special), { file });
    h.update(`${rel.split(sep).join('/')}\0${stats.size}\0`);
    const fd = openSync(file, 'r');
    try {
      let n: number;
      while ((n = readSync(fd, chunk, 0, chunk.length, null)) > 0) {
        h.update(chunk.subarray(0, n));
        bytes += n;
      }
    } finally {
      closeSync(fd);
    }
    files++;
  };
  if (statSync(path).isDirectory()) {
    for (const f of filesUnder(path)) add(f, relative(path, f));
  } else {
    add(path, '');
  }
  return { hash: h.digest('hex'), files, bytes };
}

/** Every file below `dir` (not folders), in sorted path order: the same order on every machine. */
export function filesUnder(dir: string): string[] {
  const all: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else all.push(p);
    }
  };
  walk(dir);
  return all;
}

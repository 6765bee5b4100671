/** The data hash for a run's provenance: sha256 of a file, or of every file in a folder (sorted relative paths + contents). */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { DataError } from '../data/data-error.js';
import { specialFileKind, specialFileMessage } from '../data/regular-file.js';

export function hashData(path: string): { hash: string; files: number; bytes: number } {
  const h = createHash('sha256');
  let files = 0;
  let bytes = 0;
  const add = (file: string, rel: string) => {
    const special = specialFileKind(statSync(file));
    if (special) throw new DataError(specialFileMessage(file, special), { file });
    const content = readFileSync(file);
    h.update(`${rel.split(sep).join('/')}\0${content.length}\0`);
    h.update(content);
    files++;
    bytes += content.length;
  };
  if (statSync(path).isDirectory()) {
    const all: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir).sort()) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else all.push(p);
      }
    };
    walk(path);
    for (const f of all) add(f, relative(path, f));
  } else {
    add(path, '');
  }
  return { hash: h.digest('hex'), files, bytes };
}

/**
 * Files that must survive crashes: written to a temporary file in the same folder, fsynced, then renamed over the
 * old one, so a reader sees either the previous version or the new one, never half of either.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join, basename, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { withoutBom } from '../interop/json-text.js';

/**
 * Writes every byte or throws. write(2) may write fewer bytes than asked without an error (a disk that fills up mid-way
 * stops at 4,096 bytes; the next call says ENOSPC): a temporary file renamed over a good one must be whole.
 */
function writeAll(fd: number, bytes: Uint8Array): void {
  let at = 0;
  while (at < bytes.length) {
    const n = writeSync(fd, bytes, at, bytes.length - at);
    if (n <= 0)
      throw Object.assign(new Error(`ENOSPC: no space left on device, wrote ${at} of ${bytes.length} bytes`), {
        code: 'ENOSPC',
      });
    at += n;
  }
}

/**
 * Creates the output folder `path` (and its parents), or says why it cannot be one, before anything is written. Node's
 * recursive mkdir spins forever under /proc (`/proc/self`: a path whose parts exist but cannot be created), and a
 * path through a file (`/dev/null/x`) ends in ENOTDIR: both become a message.
 * @throws Error naming the path and what it is.
 */
export function prepareOutputFolder(path: string): string {
  const abs = resolve(path);
  const virtual = /^[/\\](proc|sys|dev)([/\\]|$)/.exec(abs);
  if (process.platform !== 'win32' && virtual) {
    throw new Error(
      `${path}: expected a folder on disk, received a path under /${virtual[1]} (a virtual file system).`,
    );
  }
  let existing = abs;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  if (!statSync(existing).isDirectory()) throw new Error(`${path}: expected a folder, but ${existing} is a file.`);
  mkdirSync(abs, { recursive: true });
  return abs;
}

/** Writes `text` to `path` atomically (temp file + fsync + rename + fsync of the folder). */
export function writeFileAtomic(path: string, text: string | Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeAll(fd, typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  // The rename itself is durable only once the folder's entry is on disk (not supported on Windows: skipped there).
  if (process.platform !== 'win32') {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Reads a JSON file; null when it does not exist or cannot be parsed (the caller decides what that means). */
export function readJsonOrNull<T>(path: string): T | null {
  try {
    return JSON.parse(withoutBom(readFileSync(path, 'utf8'))) as T;
  } catch {
    return null;
  }
}

/**
 * The records of a JSON-lines file that a run appends to (metrics.jsonl, gradient-flow.jsonl, histograms.jsonl): only
 * the lines containing `marker` when given; a line torn by a crash mid-append is skipped. null when the file cannot be
 * read.
 */
export function readJsonLines<T>(path: string, marker?: string): T[] | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  return text
    .split('\n')
    .filter((l) => (marker === undefined ? l.length > 0 : l.includes(marker)))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as T];
      } catch {
        return [];
      }
    });
}

/** A new id: time-ordered, unique enough for one user's runs, and safe as a folder name. */
export function newId(): string {
  return `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/**
 * A run's data fingerprint for its provenance, taken from the bytes the readers read — the data is not read a second
 * time to hash it, and what is hashed is exactly what the run trained on. Each file read is hashed on its own; the
 * fingerprint is the sha256 over those files in path order (their path relative to the data path, size and sha256),
 * so it does not depend on the order a reader visits them in. Files a reader passes by (a README beside the class
 * folders, a FIFO) are not part of it.
 */
import { createHash } from 'node:crypto';
import { relative, sep } from 'node:path';
import type { DataFingerprint } from '../../shared/replay.js';

export class DataDigest {
  private readonly files = new Map<string, { bytes: number; sha256: string }>();

  /** `root`: the data path (a file or a folder); files are named relative to it. */
  constructor(private readonly root: string) {}

  /** Records one file as read. A file read twice counts once. */
  add(file: string, bytes: Uint8Array): void {
    const rel = relative(this.root, file).split(sep).join('/');
    this.files.set(rel, { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
  }

  result(): DataFingerprint {
    const h = createHash('sha256');
    let bytes = 0;
    for (const rel of [...this.files.keys()].sort()) {
      const f = this.files.get(rel)!;
      h.update(`${rel}\0${f.bytes}\0${f.sha256}\n`);
      bytes += f.bytes;
    }
    return { hash: h.digest('hex'), files: this.files.size, bytes };
  }
}

/**
 * A small streaming tar reader for the book's data sets (aclImdb_v1.tar.gz): ustar / GNU / pax headers, regular
 * files and folders, long names through GNU 'L' and pax 'x' headers. It trusts nothing in the archive: every
 * name must be a plain relative path (no absolute path, drive, backslash or '..' — "tar-slip"), links, devices
 * and FIFOs are refused, header checksums are checked, and the entry count and total size are capped.
 * Files are written as they stream (never held whole in memory), with modes 0644 / 0755 whatever the archive says.
 * No dependency: Node's zlib does the gunzip. {@link writeTar} builds small archives (test fixtures).
 */
import { closeSync, createReadStream, mkdirSync, openSync, writeSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { createGunzip } from 'node:zlib';
import { isSafeEntryName } from '../interop/zip.js';

/** Thrown for an archive that is not a readable tar, breaks a limit or holds an unsafe entry. */
export class TarError extends Error {
  override name = 'TarError';
}

export interface TarLimits {
  /** Most entries (files and folders) extracted. */
  maxEntries: number;
  /** Largest sum of the file sizes extracted, in bytes. */
  maxTotalBytes: number;
}

/** aclImdb has ~100,000 files and ~490 MB: the defaults leave room and still stop a tar bomb. */
export const DEFAULT_TAR_LIMITS: TarLimits = { maxEntries: 1_000_000, maxTotalBytes: 8 * 1024 ** 3 };

export interface TarExtractOptions {
  limits?: TarLimits;
  signal?: AbortSignal;
  /** Called after each file is written, with the bytes of archive content written so far. */
  onEntry?: (name: string, bytesWritten: number) => void;
}

export interface TarExtractResult {
  files: number;
  directories: number;
  bytes: number;
}

const BLOCK = 512;

/** Pulls exact byte counts out of an async stream of chunks. */
class ChunkReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  constructor(private readonly it: AsyncIterator<Uint8Array>) {}

  private async fill(n: number): Promise<void> {
    while (this.buffered < n && !this.ended) {
      const r = await this.it.next();
      if (r.done) this.ended = true;
      else if (r.value.length > 0) {
        const b = Buffer.isBuffer(r.value)
          ? r.value
          : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
        this.chunks.push(b);
        this.buffered += b.length;
      }
    }
  }

  /** The next n bytes, or fewer at the end of the stream. */
  async take(n: number): Promise<Buffer> {
    await this.fill(n);
    const parts: Buffer[] = [];
    let need = Math.min(n, this.buffered);
    while (need > 0) {
      const first = this.chunks[0]!;
      if (first.length <= need) {
        parts.push(first);
        this.chunks.shift();
        need -= first.length;
        this.buffered -= first.length;
      } else {
        parts.push(first.subarray(0, need));
        this.chunks[0] = first.subarray(need);
        this.buffered -= need;
        need = 0;
      }
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** Passes the next n bytes to `sink` piece by piece; returns how many there were (< n at the end of the stream). */
  async pipe(n: number, sink: (b: Buffer) => void): Promise<number> {
    let left = n;
    while (left > 0) {
      if (this.buffered === 0) {
        await this.fill(1);
        if (this.buffered === 0) break;
      }
      const piece = await this.take(Math.min(left, this.chunks[0]!.length));
      sink(piece);
      left -= piece.length;
    }
    return n - left;
  }
}

function cString(b: Buffer, start: number, len: number): string {
  const field = b.subarray(start, start + len);
  const nul = field.indexOf(0);
  return field.toString('utf8', 0, nul < 0 ? len : nul);
}

/** An octal numeric field, or GNU base-256 when its first byte has the high bit set. */
function numberField(b: Buffer, start: number, len: number, what: string): number {
  if (b[start]! & 0x80) {
    let n = b[start]! & 0x7f;
    for (let i = 1; i < len; i++) n = n * 256 + b[start + i]!;
    return n;
  }
  const text = cString(b, start, len).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text))
    throw new TarError(
      `expected an octal number for the ${what} of a tar header, received ${JSON.stringify(text)}; the file is not a tar archive or is damaged.`,
    );
  return parseInt(text, 8);
}

function headerChecksumOk(h: Buffer): boolean {
  const stored = numberField(h, 148, 8, 'checksum');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const v = i >= 148 && i < 156 ? 0x20 : h[i]!;
    unsigned += v;
    signed += v > 127 ? v - 256 : v;
  }
  return stored === unsigned || stored === signed;
}

/** pax records: "<len> key=value\n" repeated. */
function parsePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let p = 0;
  while (p < data.length) {
    const space = data.indexOf(0x20, p);
    if (space < 0) break;
    const len = Number(data.toString('latin1', p, space));
    if (!Number.isInteger(len) || len <= 0 || p + len > data.length)
      throw new TarError('expected pax extended header records ("<length> key=value"), received damaged ones.');
    const record = data.toString('utf8', space + 1, p + len - 1); // without the trailing newline
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    p += len;
  }
  return out;
}

const TYPE_NAMES: Record<string, string> = {
  '1': 'a hard link',
  '2': 'a symbolic link',
  '3': 'a character device',
  '4': 'a block device',
  '6': 'a FIFO',
};

/** Checks an entry name and returns it without a leading "./", or null for the archive's root ("./"). */
export function safeTarName(raw: string): string | null {
  let name = raw;
  while (name.startsWith('./')) name = name.slice(2);
  if (name === '' || name === '.') return null;
  if (!isSafeEntryName(name))
    throw new TarError(
      `refusing tar entry ${JSON.stringify(raw)}: expected a plain relative path (no absolute path, drive, backslash, '.' or '..' segment), as an entry outside the destination folder could overwrite any file.`,
    );
  return name;
}

/**
 * Extracts a tar stream into `destDir` (created if missing).
 * @throws TarError for a damaged header, an unsafe name, a link / device entry, a limit exceeded or a cut-short archive.
 */
export async function extractTar(
  source: AsyncIterable<Uint8Array>,
  destDir: string,
  opts: TarExtractOptions = {},
): Promise<TarExtractResult> {
  const limits = opts.limits ?? DEFAULT_TAR_LIMITS;
  const root = resolve(destDir);
  mkdirSync(root, { recursive: true });
  const reader = new ChunkReader(source[Symbol.asyncIterator]());
  const result: TarExtractResult = { files: 0, directories: 0, bytes: 0 };
  let longName: string | null = null;
  let paxPath: string | null = null;
  let paxSize: number | null = null;
  const madeDirs = new Set<string>();
  const ensureDir = (dir: string) => {
    if (madeDirs.has(dir)) return;
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    madeDirs.add(dir);
  };
  const readData = async (size: number, what: string): Promise<Buffer> => {
    if (size > 16 * 1024 ** 2) throw new TarError(`${what} is ${size} bytes; expected at most 16 MiB.`);
    const data = await reader.take(size);
    if (data.length < size) throw new TarError(`the tar archive is cut short inside ${what}.`);
    await reader.take((BLOCK - (size % BLOCK)) % BLOCK);
    return data;
  };
  for (;;) {
    if (opts.signal?.aborted) throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error('aborted');
    const header = await reader.take(BLOCK);
    if (header.length === 0) break; // no end blocks: accepted, as GNU tar does
    if (header.length < BLOCK)
      throw new TarError(`the tar archive is cut short: expected a 512-byte header, received ${header.length} bytes.`);
    if (header.every((b) => b === 0)) break; // end-of-archive
    if (!headerChecksumOk(header))
      throw new TarError(
        'expected a tar header with a valid checksum, received other bytes; the file is not a tar archive or is damaged.',
      );
    const type = String.fromCharCode(header[156]!);
    let size = numberField(header, 124, 12, 'size');
    const magic = header.toString('latin1', 257, 263);
    if (type === 'L' || type === 'K') {
      const data = await readData(size, 'a GNU long-name header');
      if (type === 'L') longName = cString(data, 0, data.length);
      continue; // 'K' (a long link target) only matters to a link, which is refused below
    }
    if (type === 'x' || type === 'g') {
      const records = parsePax(await readData(size, 'a pax extended header'));
      if (type === 'x') {
        paxPath = records.get('path') ?? paxPath;
        const s = records.get('size');
        if (s !== undefined) {
          if (!/^\d+$/.test(s))
            throw new TarError(`expected a number for the pax size, received ${JSON.stringify(s)}.`);
          paxSize = Number(s);
        }
      }
      continue;
    }
    let rawName = cString(header, 0, 100);
    if (magic === 'ustar\0') {
      const prefix = cString(header, 345, 155);
      if (prefix) rawName = `${prefix}/${rawName}`;
    }
    rawName = paxPath ?? longName ?? rawName;
    if (paxSize !== null) size = paxSize;
    longName = null;
    paxPath = null;
    paxSize = null;
    if (TYPE_NAMES[type])
      throw new TarError(
        `refusing tar entry ${JSON.stringify(rawName)}: it is ${TYPE_NAMES[type]}; only regular files and folders are extracted.`,
      );
    const isDir =
      type === '5' || (type !== '5' && rawName.endsWith('/') && size === 0 && (type === '0' || type === '\0'));
    if (!isDir && type !== '0' && type !== '\0' && type !== '7')
      throw new TarError(
        `refusing tar entry ${JSON.stringify(rawName)}: unknown entry type ${JSON.stringify(type)}; only regular files and folders are extracted.`,
      );
    const name = safeTarName(rawName);
    if (result.files + result.directories + 1 > limits.maxEntries)
      throw new TarError(`expected at most ${limits.maxEntries} entries in the tar archive, received more.`);
    if (name === null) {
      if (!isDir)
        throw new TarError(
          `refusing tar entry ${JSON.stringify(rawName)}: a file cannot be the destination folder itself.`,
        );
      continue;
    }
    const target = join(root, ...name.split('/').filter((s) => s !== ''));
    if (target !== root && !target.startsWith(root + sep))
      throw new TarError(`refusing tar entry ${JSON.stringify(rawName)}: it would land outside ${root}.`);
    if (isDir) {
      ensureDir(target);
      result.directories++;
      continue;
    }
    if (result.bytes + size > limits.maxTotalBytes)
      throw new TarError(
        `the tar archive's files add up to more than ${limits.maxTotalBytes} bytes; expected at most that.`,
      );
    ensureDir(join(target, '..'));
    const fd = openSync(target, 'w', 0o644);
    let got: number;
    try {
      got = await reader.pipe(size, (b) => {
        writeSync(fd, b);
      });
    } finally {
      closeSync(fd);
    }
    if (got < size)
      throw new TarError(
        `the tar archive is cut short inside ${JSON.stringify(name)}: expected ${size} bytes, received ${got}.`,
      );
    await reader.take((BLOCK - (size % BLOCK)) % BLOCK);
    result.files++;
    result.bytes += size;
    opts.onEntry?.(name, result.bytes);
  }
  return result;
}

/** Extracts a .tar.gz file (gunzip streamed through {@link extractTar}). */
export async function extractTarGz(
  file: string,
  destDir: string,
  opts: TarExtractOptions = {},
): Promise<TarExtractResult> {
  const gunzip = createGunzip();
  const input = createReadStream(file);
  input.on('error', (e) => gunzip.destroy(e));
  input.pipe(gunzip);
  try {
    return await extractTar(gunzip, destDir, opts);
  } catch (e) {
    if (e instanceof TarError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code && code.startsWith('Z_'))
      throw new TarError(
        `${file}: expected gzip-compressed data, received bytes that do not gunzip (${(e as Error).message}); the download is damaged.`,
      );
    throw e;
  } finally {
    input.destroy();
    gunzip.destroy();
  }
}

/** One entry of {@link writeTar}: a folder when `data` is absent. */
export interface TarEntryInput {
  name: string;
  data?: Uint8Array;
  /** Entry type flag; default '0' (file) or '5' (folder). Lets fixtures build links and other entries. */
  type?: string;
}

function ustarHeader(name: string, size: number, type: string): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write(type === '5' ? '0000755\0' : '0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.write('00000000000\0', 136, 'latin1');
  h.write(type, 156, 'latin1');
  h.write('ustar\0' + '00', 257, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

function padded(data: Uint8Array): Buffer[] {
  const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
  return [Buffer.from(data), Buffer.alloc(pad)];
}

/** A ustar archive of `entries`; a name over 100 bytes gets a GNU 'L' header first. For fixtures and tests. */
export function writeTar(entries: readonly TarEntryInput[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const type = e.type ?? (e.data ? '0' : '5');
    const name = type === '5' && !e.name.endsWith('/') ? `${e.name}/` : e.name;
    if (Buffer.byteLength(name) > 99) {
      const long = Buffer.from(`${name}\0`);
      parts.push(ustarHeader('././@LongLink', long.length, 'L'), ...padded(long));
    }
    const data = e.data ?? new Uint8Array(0);
    parts.push(
      ustarHeader(Buffer.byteLength(name) > 99 ? name.slice(0, 99) : name, data.length, type),
      ...padded(data),
    );
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

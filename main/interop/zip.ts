/**
 * The little of ZIP that `.keras` files need: writing stored (uncompressed) entries, as Keras itself writes them,
 * and reading stored or deflated entries with hard limits. Reading trusts nothing in the file: entry names must
 * be plain relative names, sizes are capped before and while inflating (`maxOutputLength`), and only the entries
 * asked for are decompressed. No dependency: Node's zlib does the inflating and the CRC-32.
 */
import { crc32, inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

/** Thrown for a file that is not a readable ZIP or breaks a limit; the message says what was expected. */
export class ZipError extends Error {
  override name = 'ZipError';
}

// DOS date 1980-01-01 00:00, as Keras's own zipfile entries for metadata.json / config.json.
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

/** A ZIP archive of `entries`, each stored (method 0) with its CRC-32; no ZIP64 (entries stay under 4 GiB). */
export function writeZip(entries: readonly ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    if (e.data.length >= 0xffffffff || offset >= 0xffffffff)
      throw new ZipError(`${e.name}: entries of 4 GiB or more need ZIP64, which is not supported.`);
    const crc = crc32(e.data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // version made by
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(e.data.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(0o100644 * 0x10000, 38); // external attributes: a regular file, rw-r--r--
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength));
    centrals.push(central, name);
    offset += local.length + name.length + e.data.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

export interface ZipLimits {
  /** Most entries the central directory may list. */
  maxEntries: number;
  /** Largest uncompressed size of one entry read, in bytes. */
  maxEntryBytes: number;
  /** Largest sum of the uncompressed sizes of the entries read. */
  maxTotalBytes: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntries: 1000,
  maxEntryBytes: 1024 ** 3,
  maxTotalBytes: 2 * 1024 ** 3,
};

interface CentralEntry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** A plain relative name: no absolute path, no drive, no backslash, no `.` / `..` segment, no NUL. */
export function isSafeEntryName(name: string): boolean {
  if (name === '' || name.includes('\0') || name.includes('\\') || name.startsWith('/') || /^[A-Za-z]:/.test(name))
    return false;
  return name.split('/').every((seg, i, all) => (seg !== '' || i === all.length - 1) && seg !== '.' && seg !== '..');
}

const hex32 = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/** Lists the archive's entries (central directory) without decompressing anything. */
function centralDirectory(zip: Uint8Array, limits: ZipLimits, label: string): CentralEntry[] {
  const buf = Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength);
  // The end-of-central-directory record is in the last 22 + 65,535 bytes (its comment is at most 65,535 bytes).
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) {
    // A ZIP starts with a local header: a file that has one but no end record is a ZIP cut short.
    if (buf.length >= 4 && buf.readUInt32LE(0) === 0x04034b50)
      throw new ZipError(
        `${label}: expected a complete ZIP archive (a .keras file is one), received one cut short after ${buf.length} bytes (no end record). Copy or download the file again.`,
      );
    throw new ZipError(
      `${label}: expected a ZIP archive (a .keras file is one), received a file without a ZIP end record.`,
    );
  }
  const count = buf.readUInt16LE(eocd + 10);
  const size = buf.readUInt32LE(eocd + 12);
  const start = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || start === 0xffffffff) throw new ZipError(`${label}: ZIP64 archives are not supported.`);
  if (count > limits.maxEntries)
    throw new ZipError(`${label}: expected at most ${limits.maxEntries} entries, received ${count}.`);
  if (start + size > eocd) throw new ZipError(`${label}: the ZIP central directory points outside the file.`);
  const out: CentralEntry[] = [];
  let p = start;
  for (let n = 0; n < count; n++) {
    if (p + 46 > eocd || buf.readUInt32LE(p) !== 0x02014b50)
      throw new ZipError(
        `${label}: expected ZIP directory entry ${n + 1} of ${count} at byte ${p}, received ${p + 46 > eocd ? 'the end of the directory' : 'other bytes'}; the file is damaged.`,
      );
    const flags = buf.readUInt16LE(p + 8);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const entry: CentralEntry = {
      name: buf.toString(flags & 0x0800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLen),
      method: buf.readUInt16LE(p + 10),
      crc: buf.readUInt32LE(p + 16),
      compressedSize: buf.readUInt32LE(p + 20),
      size: buf.readUInt32LE(p + 24),
      localOffset: buf.readUInt32LE(p + 42),
    };
    if (flags & 0x1)
      throw new ZipError(`${label}: entry ${JSON.stringify(entry.name)} is encrypted, which is not supported.`);
    out.push(entry);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** Names of the entries in the archive (after checking each is a safe relative name). */
export function listZip(zip: Uint8Array, label = 'archive', limits: ZipLimits = DEFAULT_ZIP_LIMITS): string[] {
  return centralDirectory(zip, limits, label).map((e) => {
    if (!isSafeEntryName(e.name))
      throw new ZipError(`${label}: expected relative entry names, received ${JSON.stringify(e.name)}.`);
    return e.name;
  });
}

/**
 * Reads the entries named in `wanted` (those present), checking names, sizes, methods and CRCs.
 * @throws ZipError for an unsafe name, a size over the limits, an unsupported method or a CRC mismatch.
 */
export function readZipEntries(
  zip: Uint8Array,
  wanted: readonly string[],
  label = 'archive',
  limits: ZipLimits = DEFAULT_ZIP_LIMITS,
): Map<string, Buffer> {
  const buf = Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength);
  const entries = centralDirectory(zip, limits, label);
  const out = new Map<string, Buffer>();
  let total = 0;
  for (const e of entries) {
    if (!isSafeEntryName(e.name))
      throw new ZipError(`${label}: expected relative entry names, received ${JSON.stringify(e.name)}.`);
    if (!wanted.includes(e.name)) continue;
    if (out.has(e.name)) throw new ZipError(`${label}: entry ${JSON.stringify(e.name)} appears twice.`);
    if (e.size > limits.maxEntryBytes)
      throw new ZipError(
        `${label}: entry ${JSON.stringify(e.name)} is ${e.size} bytes; expected at most ${limits.maxEntryBytes}.`,
      );
    total += e.size;
    if (total > limits.maxTotalBytes)
      throw new ZipError(`${label}: the entries read add up to more than ${limits.maxTotalBytes} bytes.`);
    const p = e.localOffset;
    if (p + 30 > buf.length || buf.readUInt32LE(p) !== 0x04034b50)
      throw new ZipError(
        `${label}: entry ${JSON.stringify(e.name)}: expected its ZIP header at byte ${p}, received ${p + 30 > buf.length ? 'the end of the file' : 'other bytes'}; the file is damaged.`,
      );
    const dataStart = p + 30 + buf.readUInt16LE(p + 26) + buf.readUInt16LE(p + 28);
    if (dataStart + e.compressedSize > buf.length)
      throw new ZipError(
        `${label}: entry ${JSON.stringify(e.name)}: expected ${e.compressedSize} bytes of data, received a file that ends ${dataStart + e.compressedSize - buf.length} bytes before them (cut short or damaged).`,
      );
    const raw = buf.subarray(dataStart, dataStart + e.compressedSize);
    let data: Buffer;
    if (e.method === 0) data = Buffer.from(raw);
    else if (e.method === 8) {
      try {
        data = inflateRawSync(raw, { maxOutputLength: Math.max(1, e.size) });
      } catch (err) {
        throw new ZipError(
          `${label}: entry ${JSON.stringify(e.name)} does not inflate to its declared ${e.size} bytes (${(err as Error).message}).`,
        );
      }
    } else
      throw new ZipError(
        `${label}: entry ${JSON.stringify(e.name)} uses compression method ${e.method}; expected stored (0) or deflate (8).`,
      );
    if (data.length !== e.size)
      throw new ZipError(
        `${label}: entry ${JSON.stringify(e.name)}: expected ${e.size} bytes (its size in the ZIP directory), received ${data.length}; the file is damaged.`,
      );
    const crc = crc32(data) >>> 0;
    if (crc !== e.crc) {
      throw new ZipError(
        `${label}: entry ${JSON.stringify(e.name)}: expected data with CRC-32 ${hex32(e.crc)} (recorded in the ZIP), received data with CRC-32 ${hex32(crc)}; the file is damaged. Copy or download it again, or re-save it.`,
      );
    }
    out.set(e.name, data);
  }
  return out;
}

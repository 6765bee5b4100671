import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import type { DataDigest } from './data-digest.js';
import { specialFileKind, specialFileMessage } from './regular-file.js';
import { parseCsv } from '../../shared/csv.js';
import type { CsvDelimiter, CsvTable } from '../../shared/csv.js';
import { DataError, formatBytes } from './data-error.js';
import { checkTextStart, decodeText, TEXT_SNIFF_BYTES } from './encoding.js';
import type { ResolvedEncodingName, TextEncodingName, TextRestCheck } from './encoding.js';

// The parser itself is pure and shared with the renderer's sniffer (shared/csv.ts); this module adds the files.
export { CSV_DELIMITERS, parseCsv } from '../../shared/csv.js';
export type { CsvDelimiter, CsvTable, ParseCsvOptions } from '../../shared/csv.js';

/** 1 GiB: large enough for any chapter-6 data set (Jena climate is ~43 MiB), small enough to fail before swapping. */
export const DEFAULT_MAX_CSV_BYTES = 1024 ** 3;

/** Options for {@link readCsvFile}. */
export interface ReadCsvOptions {
  /** Field separator; sniffed from the header line when omitted. */
  delimiter?: CsvDelimiter;
  /** Text encoding; `auto` (default) per {@link decodeText}. */
  encoding?: TextEncodingName;
  /** Refuse larger files before reading them. Bytes; default {@link DEFAULT_MAX_CSV_BYTES} (1 GiB). */
  maxBytes?: number;
  /** Records the file's bytes as read (a run's data fingerprint). */
  digest?: DataDigest;
}

/**
 * Reads, decodes and parses a CSV file. The size is checked with `stat` first so an oversized file is refused
 * without being read, and the first 64 KiB are checked before the rest is read so binary data is refused at once.
 *
 * @throws DataError for a missing path, a folder, a file above `maxBytes`, binary data, undecodable bytes and
 *   every {@link parseCsv} error.
 */
export function readCsvFile(path: string, opts: ReadCsvOptions = {}): CsvTable & { encoding: ResolvedEncodingName } {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_CSV_BYTES;
  const bytes = readTextFileBytes(path, maxBytes, opts.encoding ?? 'auto');
  opts.digest?.add(path, bytes);
  const { text, encoding } = decodeText(bytes, opts.encoding ?? 'auto', path);
  const table = parseCsv(
    text,
    opts.delimiter === undefined ? { file: path } : { file: path, delimiter: opts.delimiter },
  );
  return { ...table, encoding };
}

/**
 * {@link readFileBytes} for a file that must be text in `encoding`: a file whose start alone shows it is not
 * (binary data, UTF-16BE…) is refused after reading {@link TEXT_SNIFF_BYTES} bytes, and one with a NUL further on
 * in the chunk that holds it, not after all of it — a 1 GiB binary file would otherwise cost seconds and 1 GiB of
 * memory before the same refusal.
 *
 * @throws DataError as {@link readFileBytes} does, and the NotTextError {@link decodeText} would throw for a NUL.
 */
export function readTextFileBytes(path: string, maxBytes: number, encoding: TextEncodingName): Uint8Array {
  return readFileBytes(path, maxBytes, (head) => checkTextStart(head, encoding, path));
}

/** How much a checked read takes at a time: memory spent on a refused file, at most, beyond its first 64 KiB. */
const READ_CHUNK_BYTES = 8 * 1024 ** 2;
/** Bytes an error quotes after a NUL (hexAt): kept unchecked until the next chunk, so the quote is never cut short. */
const QUOTED_BYTES = 8;

/**
 * Reads a whole file after checking it exists, is a file and is at most `maxBytes` long.
 * @param checkStart called with the first {@link TEXT_SNIFF_BYTES} bytes before the rest is read (files longer than
 *   that only: a shorter one is read whole at the same cost); what it throws propagates. The check it returns is
 *   called on each further chunk as it is read, and what that throws stops the read.
 * @throws DataError naming the path for every failure (missing, folder, too large, unreadable).
 */
export function readFileBytes(
  path: string,
  maxBytes: number,
  checkStart?: (head: Uint8Array) => TextRestCheck,
): Uint8Array {
  let size: number;
  try {
    const stats = statSync(path);
    if (stats.isDirectory()) {
      throw new DataError(`expected a file, received a folder (${path}).`, { file: path });
    }
    const special = specialFileKind(stats);
    if (special) throw new DataError(specialFileMessage(path, special), { file: path });
    size = stats.size;
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw fileSystemError(path, error);
  }
  if (size > maxBytes) {
    throw new DataError(
      `expected a file of at most ${formatBytes(maxBytes)} (the limit), received ${formatBytes(size)}` +
        `${size >= 1024 ? ` (${size} bytes)` : ''}. Split the file or keep only the rows you need.`,
      { file: path },
    );
  }
  if (checkStart !== undefined && size > TEXT_SNIFF_BYTES) return readChecked(path, size, checkStart);
  try {
    return readFileSync(path);
  } catch (error) {
    throw fileSystemError(path, error);
  }
}

/**
 * Reads the `size` bytes stat gave (fewer if the file shrank) in chunks, checking the start, then each chunk. The
 * buffer for the whole file is allocated at once but unwritten pages are not resident, so a refused file costs the
 * memory of what was read up to the refusal.
 */
function readChecked(path: string, size: number, checkStart: (head: Uint8Array) => TextRestCheck): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw fileSystemError(path, error);
  }
  try {
    const bytes = Buffer.allocUnsafe(size);
    let filled = 0;
    let checked = 0;
    let checkRest: TextRestCheck | undefined;
    for (;;) {
      const want = checkRest === undefined ? TEXT_SNIFF_BYTES - filled : Math.min(READ_CHUNK_BYTES, size - filled);
      let n: number;
      try {
        n = want > 0 ? readSync(fd, bytes, filled, want, filled) : 0;
      } catch (error) {
        throw fileSystemError(path, error);
      }
      filled += n;
      const end = n === 0 || filled >= size;
      if (checkRest === undefined) {
        if (filled < TEXT_SNIFF_BYTES && !end) continue;
        checkRest = checkStart(bytes.subarray(0, filled));
        checked = filled;
      }
      const upTo = end ? filled : Math.max(checked, filled - QUOTED_BYTES);
      checkRest(bytes.subarray(0, filled), checked, upTo);
      checked = upTo;
      if (end) return bytes.subarray(0, filled);
    }
  } finally {
    closeSync(fd);
  }
}

/** Turns a Node file-system error into a DataError that says what was expected at the path. */
export function fileSystemError(path: string, error: unknown): DataError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason =
    code === 'ENOENT'
      ? 'nothing exists at this path'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : error instanceof Error
          ? error.message
          : String(error);
  return new DataError(
    `expected a readable file or folder at ${path}, received an error: ${reason}.`,
    { file: path },
    { cause: error },
  );
}

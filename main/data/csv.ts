import { readFileSync, statSync } from 'node:fs';
import { specialFileKind, specialFileMessage } from './regular-file.js';
import { parseCsv } from '../../shared/csv.js';
import type { CsvDelimiter, CsvTable } from '../../shared/csv.js';
import { DataError, formatBytes } from './data-error.js';
import { decodeText } from './encoding.js';
import type { ResolvedEncodingName, TextEncodingName } from './encoding.js';

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
}

/**
 * Reads, decodes and parses a CSV file. The size is checked with `stat` first so an oversized file is refused
 * without being read.
 *
 * @throws DataError for a missing path, a folder, a file above `maxBytes`, undecodable bytes and every
 *   {@link parseCsv} error.
 */
export function readCsvFile(path: string, opts: ReadCsvOptions = {}): CsvTable & { encoding: ResolvedEncodingName } {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_CSV_BYTES;
  const bytes = readFileBytes(path, maxBytes);
  const { text, encoding } = decodeText(bytes, opts.encoding ?? 'auto', path);
  const table = parseCsv(text, opts.delimiter === undefined ? { file: path } : { file: path, delimiter: opts.delimiter });
  return { ...table, encoding };
}

/**
 * Reads a whole file after checking it exists, is a file and is at most `maxBytes` long.
 * @throws DataError naming the path for every failure (missing, folder, too large, unreadable).
 */
export function readFileBytes(path: string, maxBytes: number): Uint8Array {
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
  try {
    return readFileSync(path);
  } catch (error) {
    throw fileSystemError(path, error);
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
  return new DataError(`expected a readable file or folder at ${path}, received an error: ${reason}.`, { file: path }, { cause: error });
}

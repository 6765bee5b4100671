/** The data layer's one error type; pure so the shared CSV reader and the renderer use it too. */
/** Where in the user's data a problem was found. */
export interface DataErrorLocation {
  /** Path of the file as the caller knows it (kept whole so a UI can open or reveal it). */
  file?: string;
  /** 1-based line number as an editor shows it; the header line of a CSV file is row 1. */
  row?: number;
  /** Column name as written in the header. */
  column?: string;
  /**
   * Name shown in the message instead of the file's base name, for when the base name alone is ambiguous
   * (e.g. `neg/12_3.txt` in an IMDB-style folder).
   */
  displayName?: string;
}

/**
 * The one error type of the data layer. Every problem with the user's files or with the options given to load
 * them is reported as a DataError, never as a crash or another exception type, so the UI can show `message`
 * next to the file / field that caused it.
 *
 * `message` is Keras style and names the place first:
 * `seattle.csv, row 12, column "temperature": expected a number, received "abc".`
 */
export class DataError extends Error {
  override readonly name = 'DataError';
  readonly file?: string;
  readonly row?: number;
  readonly column?: string;
  /** The message without the location prefix (for showing beside a field that already names the place). */
  readonly detail: string;

  constructor(detail: string, where: DataErrorLocation = {}, options?: { cause?: unknown }) {
    super(locationPrefix(where) + detail, options);
    this.detail = detail;
    if (where.file !== undefined) this.file = where.file;
    if (where.row !== undefined) this.row = where.row;
    if (where.column !== undefined) this.column = where.column;
  }
}

/** The last segment of a path with either separator (pure: shared/ has no node:path). */
function baseName(path: string): string {
  const trimmed = path.replace(/[/\\]+$/, '');
  return trimmed.slice(Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\')) + 1);
}

function locationPrefix(where: DataErrorLocation): string {
  const parts: string[] = [];
  const name = where.displayName ?? (where.file === undefined ? undefined : baseName(where.file) || where.file);
  if (name !== undefined) parts.push(name);
  if (where.row !== undefined) parts.push(`row ${where.row}`);
  if (where.column !== undefined) parts.push(`column ${JSON.stringify(where.column)}`);
  return parts.length === 0 ? '' : `${parts.join(', ')}: `;
}

/**
 * A received value as it appears in a message: JSON-quoted (so blanks and control characters are visible) and
 * shortened, because a CSV cell can hold a whole review.
 */
export function quoteReceived(value: string, maxChars = 60): string {
  const shown = value.length > maxChars ? `${value.slice(0, maxChars)}…` : value;
  return JSON.stringify(shown);
}

/** A list of names for "available columns: …" style messages. */
export function quoteList(names: readonly string[]): string {
  return names.map((n) => JSON.stringify(n)).join(', ');
}

/** Sizes in messages: binary units, because the limits are powers of two (1 GiB). */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

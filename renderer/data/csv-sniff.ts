/**
 * A look at the first rows of a CSV in the page, before (or without) asking the server: which columns are numeric
 * (time-series features) and which one holds the dates. The server reads the whole file with the real parser.
 */

import { isDecimal, parseCsv } from '../../shared/csv.js';
import { DataError } from '../../shared/data-error.js';
import { samplingInterval } from '../../shared/timestamps.js';

/**
 * The first rows of CSV text (header first), read by the server's own parser (shared/csv.ts): same quoting, same
 * delimiter sniffing. `text` is usually the first 64 KiB of a file, so a cut-off last line is dropped, and rows from
 * the first malformed one on are left out (the server names that row when the data is used); stops after `maxRows`.
 */
export function parseCsvHead(text: string, maxRows = 50): string[][] {
  let body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lastBreak = Math.max(body.lastIndexOf('\n'), body.lastIndexOf('\r'));
  if (lastBreak >= 0 && lastBreak < body.length - 1) body = body.slice(0, lastBreak + 1);
  // At most a few tries: each failure cuts the text before the row at fault.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const table = parseCsv(body, { file: 'preview' });
      return [table.header, ...table.rows].slice(0, maxRows);
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
      // A problem on the header line (or a file of only a header) leaves nothing to show.
      const row = e.row ?? 1;
      if (row <= 1) return [];
      body = cutBeforeLine(body, row);
    }
  }
  return [];
}

/** The text up to (not including) 1-based line `line`, counting CRLF, LF and lone CR as one break each. */
function cutBeforeLine(text: string, line: number): string {
  let current = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0d && text.charCodeAt(i + 1) === 0x0a) i++;
    if (c === 0x0a || c === 0x0d) {
      current++;
      if (current === line) return text.slice(0, i + 1);
    }
  }
  return text;
}

export interface ColumnKinds {
  numeric: string[];
  dateColumn: string | null;
}

const DATE_NAME = /^(date|time|timestamp|datetime|date_time)$/i;

function isMostlyNumeric(values: readonly string[]): boolean {
  const numbers = values.filter(isDecimal).length;
  const bad = values.length - numbers;
  return numbers > bad && bad <= Math.max(1, 0.2 * values.length);
}

/** Numeric columns are those whose sampled cells are (nearly all) numbers; the date column is guessed by name or value. */
export function classifyColumns(header: readonly string[], rows: readonly (readonly string[])[]): ColumnKinds {
  const numeric: string[] = [];
  let dateColumn: string | null = null;
  header.forEach((name, c) => {
    const values = rows.map((r) => r[c] ?? '').filter((v) => v.trim() !== '');
    // A numeric "time" column (Unix seconds) is still the clock, not a feature to normalise and learn from.
    if (dateColumn === null && DATE_NAME.test(name.trim())) dateColumn = name;
    // Mostly numbers is numeric: a stray bad cell should become the server's "row 3, column b" error, not a lost feature.
    else if (isMostlyNumeric(values)) numeric.push(name);
    else if (
      dateColumn === null &&
      (/date|time/i.test(name) || (values.length > 0 && values.every((v) => !Number.isNaN(Date.parse(v)))))
    )
      dateColumn = name;
  });
  return { numeric, dateColumn };
}

/**
 * Columns that hold prose (a review, a message): not numbers, not dates, and on average at least three words or 20
 * characters. A label column ("pos", "spam") is short and stays out.
 */
export function textColumns(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  kinds: ColumnKinds,
): string[] {
  return header.filter((name, c) => {
    if (kinds.numeric.includes(name) || kinds.dateColumn === name) return false;
    const values = rows.map((r) => r[c] ?? '').filter((v) => v.trim() !== '');
    if (values.length === 0) return false;
    const words = values.reduce((n, v) => n + v.trim().split(/\s+/).length, 0) / values.length;
    const chars = values.reduce((n, v) => n + v.length, 0) / values.length;
    return words >= 3 || chars >= 20;
  });
}

/**
 * What a single file is for, read off its first rows: a prose column makes it a text-classification file; numeric
 * columns without prose make it a time series (a date column is usual but not required). null when the rows say
 * neither (an empty or unparsable start): the caller keeps what the project had.
 */
export function inferDataKind(sniffed: { kinds: ColumnKinds; textColumns: string[] }): 'text' | 'timeseries' | null {
  if (sniffed.textColumns.length > 0) return 'text';
  if (sniffed.kinds.numeric.length > 0) return 'timeseries';
  return null;
}

/** Header, column kinds, prose columns and the seconds between rows (from the date column) of the start of a CSV. */
export function sniffCsv(text: string): {
  header: string[];
  kinds: ColumnKinds;
  textColumns: string[];
  samplingSeconds: number | null;
} {
  const [header = [], ...rows] = parseCsvHead(text, 1000);
  const kinds = classifyColumns(header, rows);
  const dateIndex = kinds.dateColumn === null ? -1 : header.indexOf(kinds.dateColumn);
  return {
    header,
    kinds,
    textColumns: textColumns(header, rows, kinds),
    samplingSeconds: dateIndex < 0 ? null : samplingInterval(rows.map((r) => r[dateIndex] ?? '')),
  };
}

/**
 * The one CSV reader of RNN Studio, pure TypeScript so both sides use it: the main side reads whole files with it
 * (main/data/csv.ts adds the file system), the renderer sniffs the head of a file the user picks with it
 * (renderer/data/csv-sniff.ts). Same parser, same delimiters, same idea of what a number is.
 */
import { DataError, quoteReceived } from './data-error.js';

/**
 * A number as the time-series reader accepts it: optional sign, digits with an optional decimal point, optional
 * exponent. No hex, no `Infinity`, no thousands separators, no decimal comma (unlike `Number()`, which takes
 * `0x1A`, `Infinity` and `''`).
 */
export const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** True when the cell, trimmed of blanks, is a decimal number per {@link DECIMAL}. */
export function isDecimal(cell: string): boolean {
  return DECIMAL.test(cell.trim());
}

/** Field separators the parser accepts. */
export type CsvDelimiter = ',' | ';' | '\t' | '|';

/** Candidates in order of preference when counts tie while sniffing the header line. */
export const CSV_DELIMITERS: readonly CsvDelimiter[] = [',', ';', '\t', '|'];

/** A parsed CSV file. */
export interface CsvTable {
  /** Column names from the first line, trimmed of surrounding blanks; unique and non-empty. */
  header: string[];
  /** Data records (header excluded), each with exactly `header.length` fields, unquoted. */
  rows: string[][];
  /** The delimiter used (given or sniffed from the header line). */
  delimiter: string;
  /**
   * 1-based editor line on which each record of `rows` starts (header = its own line, normally 1). Differs from
   * `index + 2` when blank lines are skipped or a quoted field spans lines; use it for {@link DataError} rows.
   */
  rowLines: Uint32Array;
}

/** Options for {@link parseCsv}. */
export interface ParseCsvOptions {
  /** File name used in error messages (and the `file` field of errors). */
  file: string;
  /** Field separator; sniffed from the header line when omitted. */
  delimiter?: CsvDelimiter;
}

/**
 * Parses CSV text per RFC 4180: fields may be quoted with `"`, a quote inside a quoted field is doubled (`""`),
 * quoted fields may contain delimiters and line breaks, lines end in CRLF, LF or a lone CR. A leading byte-order
 * mark is stripped and blank lines (including the usual trailing one) are skipped, as pandas does by default.
 * A quote inside an unquoted field is kept literally (`5" screen`), as Python's csv module does.
 *
 * @throws DataError for an empty file, a header without data rows, an unterminated quote (naming the row where
 *   it opened), text after a closing quote, a record whose field count differs from the header's, and empty or
 *   duplicate header names.
 */
export function parseCsv(text: string, opts: ParseCsvOptions): CsvTable {
  const { file } = opts;
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') {
    throw new DataError('expected a header line and at least one data row, received an empty file.', { file });
  }
  if (opts.delimiter !== undefined && !CSV_DELIMITERS.includes(opts.delimiter)) {
    throw new DataError(
      `\`delimiter\` must be one of ${CSV_DELIMITERS.map((d) => JSON.stringify(d)).join(', ')}. ` +
        `Received: delimiter=${JSON.stringify(opts.delimiter)}.`,
      { file },
    );
  }
  const delimiter = opts.delimiter ?? sniffDelimiter(text);
  const records = parseRecords(text, delimiter.charCodeAt(0), file);
  const headerRecord = records.fields[0];
  const headerLine = records.lines[0] ?? 1;
  if (headerRecord === undefined) {
    throw new DataError('expected a header line and at least one data row, received an empty file.', { file });
  }
  const header = headerRecord.map((name) => name.trim());
  const seen = new Map<string, number>();
  header.forEach((name, i) => {
    if (name === '') {
      throw new DataError(
        `expected a name for every column of the header, received an empty name for column ${i + 1} of ${header.length}.`,
        { file, row: headerLine },
      );
    }
    const first = seen.get(name);
    if (first !== undefined) {
      throw new DataError(
        `expected unique column names in the header, received ${quoteReceived(name)} twice (columns ${first + 1} and ${i + 1}).`,
        { file, row: headerLine, column: name },
      );
    }
    seen.set(name, i);
  });
  if (records.fields.length < 2) {
    throw new DataError('expected at least one data row after the header, received only the header.', {
      file,
      row: headerLine,
    });
  }
  const rows = records.fields.slice(1);
  const rowLines = Uint32Array.from(records.lines.slice(1));
  rows.forEach((row, i) => {
    if (row.length !== header.length) {
      const delimiterName = delimiter === '\t' ? 'tab' : JSON.stringify(delimiter);
      throw new DataError(
        `expected ${header.length} fields (as in the header), received ${row.length}. ` +
          `Check for a missing or extra ${delimiterName} or an unquoted field that contains one.`,
        { file, row: rowLines[i] ?? 0 },
      );
    }
  });
  return { header, rows, delimiter, rowLines };
}

/** Picks the candidate that occurs most often outside quotes on the first non-blank line; `,` when none occurs. */
function sniffDelimiter(text: string): CsvDelimiter {
  const counts = new Map<string, number>();
  let inQuotes = false;
  let sawContent = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (ch === '\n' || ch === '\r')) {
      if (sawContent) break;
    } else {
      sawContent = true;
      if (!inQuotes) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    }
  }
  let best: CsvDelimiter = ',';
  let bestCount = 0;
  for (const candidate of CSV_DELIMITERS) {
    const count = counts.get(candidate) ?? 0;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** The state machine. Returns every non-blank record with the editor line it starts on. */
function parseRecords(text: string, delimiter: number, file: string): { fields: string[][]; lines: number[] } {
  const fields: string[][] = [];
  const lines: number[] = [];
  const n = text.length;
  let line = 1;
  let i = 0;
  while (i < n) {
    const recordLine = line;
    const record: string[] = [];
    let anyQuoted = false;
    let atRecordEnd = false;
    // One iteration per field.
    while (!atRecordEnd) {
      if (i < n && text.charCodeAt(i) === QUOTE) {
        anyQuoted = true;
        const openLine = line;
        let value = '';
        let segmentStart = i + 1;
        let j = i + 1;
        for (;;) {
          const q = text.indexOf('"', j);
          if (q < 0) {
            throw new DataError(
              'expected a closing quote (") for the quoted field that opens on this row, received the end of the file.',
              { file, row: openLine },
            );
          }
          line += countLineBreaks(text, j, q);
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += text.slice(segmentStart, q + 1);
            j = q + 2;
            segmentStart = j;
            continue;
          }
          value += text.slice(segmentStart, q);
          i = q + 1;
          break;
        }
        record.push(value);
        const next = i < n ? text.charCodeAt(i) : -1;
        if (next === delimiter) i += 1;
        else if (next === -1 || next === LF || next === CR) atRecordEnd = true;
        else {
          throw new DataError(
            `expected a delimiter or the end of the line after a closing quote, received ${quoteReceived(restOfLine(text, i))}. ` +
              'A quote inside a quoted field must be doubled ("").',
            { file, row: line },
          );
        }
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === delimiter || c === LF || c === CR) break;
          j += 1;
        }
        record.push(text.slice(i, j));
        if (j < n && text.charCodeAt(j) === delimiter) i = j + 1;
        else {
          i = j;
          atRecordEnd = true;
        }
      }
    }
    // Consume the line break (CRLF, LF or lone CR).
    if (i < n) {
      if (text.charCodeAt(i) === CR && text.charCodeAt(i + 1) === LF) i += 2;
      else i += 1;
      line += 1;
    }
    // A lone `""` is a deliberate empty value, not a blank line; a line of spaces is blank.
    const blank = record.length === 1 && !anyQuoted && (record[0] ?? '').trim() === '';
    if (!blank) {
      fields.push(record);
      lines.push(recordLine);
    }
  }
  return { fields, lines };
}

function restOfLine(text: string, from: number): string {
  const rest = text.slice(from, from + 20);
  return rest.split(/[\r\n]/)[0] ?? rest;
}

function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c === LF) count += 1;
    else if (c === CR && text.charCodeAt(k + 1) !== LF) count += 1;
  }
  return count;
}

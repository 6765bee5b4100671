/**
 * A look at the first rows of a CSV in the page, before (or without) asking the server: which columns are numeric
 * (time-series features) and which one holds the dates. The server reads the whole file with the real parser.
 */

/** The delimiters the server's reader accepts (main/data/csv.ts); the header line decides, as it does there. */
const DELIMITERS = [',', ';', '\t', '|'] as const;

/** The delimiter that occurs most often outside quotes in the first line (comma when none does). */
export function guessDelimiter(text: string): string {
  const end = text.search(/\r|\n/);
  const first = end < 0 ? text : text.slice(0, end);
  let best: string = ',';
  let bestCount = 0;
  for (const d of DELIMITERS) {
    let count = 0;
    let quoted = false;
    for (const c of first) {
      if (c === '"') quoted = !quoted;
      else if (!quoted && c === d) count++;
    }
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

/** Splits CSV text into rows of fields (RFC 4180 quoting); stops after `maxRows`. A cut-off last line is dropped. */
export function parseCsvHead(text: string, maxRows = 50): string[][] {
  const rows: string[][] = [];
  const delimiter = guessDelimiter(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  let field = '';
  let row: string[] = [];
  let quoted = false;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  for (let i = 0; i < body.length && rows.length < maxRows; i++) {
    const c = body[i]!;
    if (quoted) {
      if (c === '"' && body[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && body[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

export interface ColumnKinds {
  numeric: string[];
  dateColumn: string | null;
}

const DATE_NAME = /^(date|time|timestamp|datetime|date_time)$/i;
const isNumber = (v: string) => v.trim() !== '' && Number.isFinite(Number(v));

function isMostlyNumeric(values: readonly string[]): boolean {
  const numbers = values.filter(isNumber).length;
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
    else if (dateColumn === null && (/date|time/i.test(name) || (values.length > 0 && values.every((v) => !Number.isNaN(Date.parse(v)))))) dateColumn = name;
  });
  return { numeric, dateColumn };
}

/** Header and column kinds from the start of a CSV file's text. */
export function sniffCsv(text: string): { header: string[]; kinds: ColumnKinds } {
  const [header = [], ...rows] = parseCsvHead(text);
  return { header, kinds: classifyColumns(header, rows) };
}

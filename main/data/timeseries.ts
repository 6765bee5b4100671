import { DECIMAL } from '../../shared/csv.js';
import { readCsvFile } from './csv.js';
import type { CsvDelimiter } from './csv.js';
import { DataError, quoteList, quoteReceived } from './data-error.js';
import type { TextEncodingName } from './encoding.js';
import type { DataDigest } from './data-digest.js';

/** Options of {@link loadTimeSeries}. */
export interface TimeSeriesSourceOptions {
  /**
   * Column holding the timestamps, kept as strings in `dates`. undefined (default): the first column named
   * date, time, datetime or timestamp (any case), if any. null: none.
   */
  dateColumn?: string | null;
  /**
   * Columns to load, in this order. Default: every numeric column except the date column, in file order. A column
   * counts as numeric when most of its non-empty cells in the first 1,000 rows are numbers, so one typo further
   * down is reported as an error rather than silently dropping the column.
   */
  features?: string[];
  /** The column to forecast; added to the features if missing from them. */
  target: string;
  /** Text encoding; default `auto`. */
  encoding?: TextEncodingName;
  /** Field separator; sniffed from the header when omitted. */
  delimiter?: CsvDelimiter;
  /** Fewest data rows accepted; default 2. Callers that know lookback + delay can ask for more. */
  minRows?: number;
  /** Refuse larger files before reading them; bytes, default 1 GiB. */
  maxBytes?: number;
  /** Records the file's bytes as read (a run's data fingerprint). */
  digest?: DataDigest;
}

/** A numeric multivariate series, one row per timestep in file order. */
export interface TimeSeries {
  featureNames: string[];
  /** Index of the target inside featureNames. */
  targetIndex: number;
  /** Number of timesteps. */
  rows: number;
  /** Row-major [rows, featureNames.length]: value of feature f at row r is data[r * featureNames.length + f]. */
  data: Float32Array;
  /** The date column's cells, one per row, or null when there is no date column. */
  dates: string[] | null;
}

const DATE_COLUMN_NAMES = ['date', 'time', 'datetime', 'timestamp'];
const NON_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;
const FLOAT32_MAX = 3.4028234663852886e38;
const NUMERIC_SNIFF_ROWS = 1000;

/**
 * Loads a CSV of measurements (Chollet 6.3's Jena climate, Seattle weather) into one Float32Array.
 * @throws DataError naming file, row and column for a cell that is empty, not a number, NaN/Inf or beyond float32
 *   range; for unknown column names (listing the available ones); for fewer than `minRows` rows.
 */
export function loadTimeSeries(path: string, opts: TimeSeriesSourceOptions): TimeSeries {
  const minRows = opts.minRows ?? 2;
  const table = readCsvFile(path, {
    encoding: opts.encoding ?? 'auto',
    ...(opts.delimiter === undefined ? {} : { delimiter: opts.delimiter }),
    ...(opts.maxBytes === undefined ? {} : { maxBytes: opts.maxBytes }),
    ...(opts.digest ? { digest: opts.digest } : {}),
  });
  const { header, rows } = table;
  const columnIndex = (name: string, option: string): number => {
    const i = header.indexOf(name);
    if (i < 0) {
      throw new DataError(
        `expected a column named ${quoteReceived(name)} (\`${option}\`), received none. Available columns: ${quoteList(header)}.`,
        { file: path },
      );
    }
    return i;
  };

  if (typeof opts.target !== 'string' || opts.target === '') {
    throw new DataError(
      `\`target\` must name a column. Received: target=${JSON.stringify(opts.target)}. Available columns: ${quoteList(header)}.`,
      { file: path },
    );
  }

  let dateIndex = -1;
  if (opts.dateColumn === undefined) {
    dateIndex = header.findIndex((h) => DATE_COLUMN_NAMES.includes(h.toLowerCase()));
  } else if (opts.dateColumn !== null) {
    dateIndex = columnIndex(opts.dateColumn, 'dateColumn');
  }

  let featureIndices: number[];
  if (opts.features !== undefined) {
    featureIndices = opts.features.map((f) => columnIndex(f, 'features'));
    const dup = opts.features.find((f, i) => opts.features?.indexOf(f) !== i);
    if (dup !== undefined) {
      throw new DataError(`\`features\` must not repeat a column. Received: ${quoteReceived(dup)} twice.`, {
        file: path,
      });
    }
  } else {
    featureIndices = header.map((_, i) => i).filter((i) => i !== dateIndex && looksNumeric(rows, i));
  }
  const targetColumn = columnIndex(opts.target, 'target');
  if (!featureIndices.includes(targetColumn)) featureIndices.push(targetColumn);

  if (rows.length < minRows) {
    throw new DataError(`expected at least ${minRows} data rows, received ${rows.length}.`, { file: path });
  }

  const numFeatures = featureIndices.length;
  const data = new Float32Array(rows.length * numFeatures);
  rows.forEach((row, r) => {
    for (let f = 0; f < numFeatures; f++) {
      const c = featureIndices[f] ?? 0;
      const cell = row[c] ?? '';
      const value = parseNumber(cell);
      if (typeof value === 'string') {
        throw new DataError(value, { file: path, row: table.rowLines[r] ?? 0, column: header[c] ?? '' });
      }
      data[r * numFeatures + f] = value;
    }
  });
  return {
    featureNames: featureIndices.map((i) => header[i] ?? ''),
    targetIndex: featureIndices.indexOf(targetColumn),
    rows: rows.length,
    data,
    dates: dateIndex < 0 ? null : rows.map((row) => row[dateIndex] ?? ''),
  };
}

/** The number in a cell, or the message saying why it is not one. */
function parseNumber(cell: string): number | string {
  const s = cell.trim();
  if (s === '') return 'expected a number, received an empty cell.';
  if (NON_FINITE.test(s)) return `expected a finite number, received ${quoteReceived(cell)}.`;
  if (!DECIMAL.test(s)) return `expected a number, received ${quoteReceived(cell)}.`;
  const value = Number(s);
  if (Math.abs(value) > FLOAT32_MAX) {
    return `expected a number within float32 range (±3.4e38), received ${quoteReceived(cell)}.`;
  }
  return value;
}

function looksNumeric(rows: string[][], column: number): boolean {
  let numbers = 0;
  let nonEmpty = 0;
  const end = Math.min(rows.length, NUMERIC_SNIFF_ROWS);
  for (let r = 0; r < end; r++) {
    const cell = (rows[r]?.[column] ?? '').trim();
    if (cell === '') continue;
    nonEmpty += 1;
    if (DECIMAL.test(cell)) numbers += 1;
  }
  return nonEmpty > 0 && numbers * 2 > nonEmpty;
}

function checkLayout(data: Float32Array, numFeatures: number): number {
  if (!Number.isInteger(numFeatures) || numFeatures < 1) {
    throw new DataError(`\`numFeatures\` must be a positive integer. Received: numFeatures=${numFeatures}.`);
  }
  if (data.length % numFeatures !== 0) {
    throw new DataError(
      `expected data.length to be a multiple of numFeatures=${numFeatures}, received data.length=${data.length}.`,
    );
  }
  return data.length / numFeatures;
}

/** Per-feature statistics for {@link normalize}; each array has numFeatures entries. */
export interface NormalizationStats {
  mean: Float64Array;
  /** Population standard deviation (numpy `.std(axis=0)`, ddof=0); a zero std is stored as 1. */
  std: Float64Array;
}

/**
 * Mean and population std per feature over rows [0, trainRows) only, as Chollet does with
 * `data[:200000].mean(axis=0)`: statistics from validation or test rows would leak the future into training.
 * Accumulates in float64, two passes (mean, then squared deviations) to avoid cancellation.
 * @throws DataError when trainRows is not an integer in [1, rows].
 */
export function normalizationStats(data: Float32Array, numFeatures: number, trainRows: number): NormalizationStats {
  const rows = checkLayout(data, numFeatures);
  if (!Number.isInteger(trainRows) || trainRows < 1 || trainRows > rows) {
    throw new DataError(`\`trainRows\` must be an integer in [1, ${rows}]. Received: trainRows=${trainRows}.`);
  }
  const mean = new Float64Array(numFeatures);
  const std = new Float64Array(numFeatures);
  for (let r = 0; r < trainRows; r++) {
    for (let f = 0; f < numFeatures; f++) mean[f] = (mean[f] ?? 0) + (data[r * numFeatures + f] ?? 0);
  }
  for (let f = 0; f < numFeatures; f++) mean[f] = (mean[f] ?? 0) / trainRows;
  for (let r = 0; r < trainRows; r++) {
    for (let f = 0; f < numFeatures; f++) {
      const d = (data[r * numFeatures + f] ?? 0) - (mean[f] ?? 0);
      std[f] = (std[f] ?? 0) + d * d;
    }
  }
  for (let f = 0; f < numFeatures; f++) {
    const s = Math.sqrt((std[f] ?? 0) / trainRows);
    // A feature constant over the training rows carries no information; dividing by 0 would turn it into
    // NaN/Inf and poison every gradient. With 1 it becomes 0 on the training rows and stays finite elsewhere.
    std[f] = s === 0 ? 1 : s;
  }
  return { mean, std };
}

/** (x - mean[f]) / std[f] for every value; returns a new array of the same layout as `data`. */
export function normalize(data: Float32Array, numFeatures: number, stats: NormalizationStats): Float32Array {
  checkLayout(data, numFeatures);
  if (stats.mean.length !== numFeatures || stats.std.length !== numFeatures) {
    throw new DataError(
      `expected stats for ${numFeatures} features, received mean of ${stats.mean.length} and std of ${stats.std.length}.`,
    );
  }
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const f = i % numFeatures;
    out[i] = ((data[i] ?? 0) - (stats.mean[f] ?? 0)) / (stats.std[f] ?? 1);
  }
  return out;
}

/** Half-open row ranges [start, end). */
export interface ChronologicalSplit {
  train: [number, number];
  val: [number, number];
  test: [number, number];
}

/**
 * Splits rows in time order: train first, then val, test gets the rest (never shuffled: a forecaster is
 * judged on the future). Boundaries are floor(rows × train) and floor(rows × (train + val)).
 * @throws DataError for fractions outside [0, 1], summing above 1, or a train range without rows.
 */
export function chronologicalSplit(rows: number, fractions: { train: number; val: number }): ChronologicalSplit {
  const { train, val } = fractions;
  if (!Number.isInteger(rows) || rows < 1) {
    throw new DataError(`\`rows\` must be a positive integer. Received: rows=${rows}.`);
  }
  for (const [name, f] of [
    ['train', train],
    ['val', val],
  ] as const) {
    if (!Number.isFinite(f) || f < 0 || f > 1) {
      throw new DataError(`\`${name}\` must be a fraction in [0, 1]. Received: ${name}=${f}.`);
    }
  }
  if (train + val > 1 + 1e-9) {
    throw new DataError(`\`train\` + \`val\` must be at most 1. Received: train=${train}, val=${val}.`);
  }
  // The epsilon keeps 100 × 0.29 = 28.999999999999996 at 29 rows.
  const trainEnd = Math.min(rows, Math.floor(rows * train + 1e-9));
  const valEnd = Math.min(rows, Math.floor(rows * (train + val) + 1e-9));
  if (trainEnd < 1) {
    throw new DataError(`expected at least 1 training row, received 0 (rows=${rows}, train=${train}).`);
  }
  return { train: [0, trainEnd], val: [trainEnd, valEnd], test: [valEnd, rows] };
}

/** Constructor options of {@link WindowSampler}; names follow Chollet's `generator`. */
export interface WindowSamplerOptions {
  /** Row-major [rows, numFeatures]. Not copied: the sampler reads it in place. */
  data: Float32Array;
  numFeatures: number;
  /** Feature predicted, as an index into a row. */
  targetIndex: number;
  /** How many rows back a window reaches (Chollet `lookback`, e.g. 1440 = 10 days of 10-minute rows). */
  lookback: number;
  /** Keep one row in `step` inside the window (Chollet `step`, e.g. 6 = hourly). */
  step: number;
  /** How far past the window's current row the target is (Chollet `delay`, e.g. 144 = 24 hours). */
  delay: number;
  /** First row a window may read (Chollet `min_index`). Default 0. */
  minIndex?: number;
  /**
   * Current rows are < maxIndex (Chollet `max_index`; his generator draws rows in [min_index + lookback,
   * max_index)). Default, like his: rows − delay − 1. At most rows − delay, so every target row exists.
   */
  maxIndex?: number;
}

/**
 * Chollet's `generator(data, lookback, delay, min_index, max_index, shuffle, batch_size, step)` (Deep Learning
 * with Python, 6.3), made lazy and indexable. Window i has current row r = minIndex + lookback + i, for r in
 * [minIndex + lookback, maxIndex). Its input is rows `range(r - lookback, r, step)` (all features) and its target
 * is `data[r + delay][targetIndex]`.
 *
 * timesteps = ceil(lookback / step), the length of that range. Chollet allocates `lookback // step` timesteps,
 * which only matches the range (and only works) when step divides lookback; here any step works.
 *
 * Memory is the data array (not copied) plus whatever batch buffers the caller passes to fillBatch. Shuffling is
 * the caller's choice of indices.
 */
export class WindowSampler {
  readonly data: Float32Array;
  readonly numFeatures: number;
  readonly targetIndex: number;
  readonly lookback: number;
  readonly step: number;
  readonly delay: number;
  readonly minIndex: number;
  readonly maxIndex: number;
  /** Number of windows. */
  readonly count: number;
  /** Rows per window input: ceil(lookback / step). */
  readonly timesteps: number;
  /** Number of rows in data. */
  readonly rows: number;

  constructor(opts: WindowSamplerOptions) {
    const rows = checkLayout(opts.data, opts.numFeatures);
    const { lookback, step, delay, targetIndex } = opts;
    const minIndex = opts.minIndex ?? 0;
    const maxIndex = opts.maxIndex ?? rows - delay - 1;
    const integer = (name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void => {
      if (!Number.isInteger(value) || value < min || value > max) {
        const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
        throw new DataError(`\`${name}\` must be an integer ${range}. Received: ${name}=${value}.`);
      }
    };
    integer('targetIndex', targetIndex, 0, opts.numFeatures - 1);
    integer('lookback', lookback, 1);
    integer('step', step, 1);
    integer('delay', delay, 0);
    integer('minIndex', minIndex, 0);
    integer('maxIndex', maxIndex, 0, Math.max(0, rows - delay));
    const count = maxIndex - (minIndex + lookback);
    if (count < 1) {
      throw new DataError(
        `expected rows for at least one window (minIndex + lookback < maxIndex, and maxIndex <= rows - delay), ` +
          `received lookback=${lookback}, delay=${delay}, minIndex=${minIndex}, maxIndex=${maxIndex}, rows=${rows}.`,
      );
    }
    this.data = opts.data;
    this.numFeatures = opts.numFeatures;
    this.targetIndex = targetIndex;
    this.lookback = lookback;
    this.step = step;
    this.delay = delay;
    this.minIndex = minIndex;
    this.maxIndex = maxIndex;
    this.rows = rows;
    this.count = count;
    this.timesteps = Math.ceil(lookback / step);
  }

  /** Current row r of window i (its input ends just before r; its target is row r + delay). */
  rowAt(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) {
      throw new DataError(`window index must be an integer in [0, ${this.count}). Received: ${i}.`);
    }
    return this.minIndex + this.lookback + i;
  }

  /**
   * Copies windows into caller-owned buffers, so a training loop reuses two arrays for the whole run.
   * @param indices window indices in [0, count).
   * @param xs receives [indices.length, timesteps, numFeatures] row-major.
   * @param ys receives [indices.length] targets.
   */
  fillBatch(indices: ArrayLike<number>, xs: Float32Array, ys: Float32Array): void {
    const { data, numFeatures: nf, timesteps, step, lookback, delay, targetIndex } = this;
    const n = indices.length;
    if (xs.length !== n * timesteps * nf || ys.length !== n) {
      throw new DataError(
        `expected xs of length ${n * timesteps * nf} (${n}×${timesteps}×${nf}) and ys of length ${n}, ` +
          `received ${xs.length} and ${ys.length}.`,
      );
    }
    let out = 0;
    for (let b = 0; b < n; b++) {
      const r = this.rowAt(indices[b] ?? -1);
      for (let t = 0; t < timesteps; t++) {
        let src = (r - lookback + t * step) * nf;
        for (let f = 0; f < nf; f++) xs[out++] = data[src++] ?? 0;
      }
      ys[b] = data[(r + delay) * nf + targetIndex] ?? 0;
    }
  }
}

/**
 * Chollet's `evaluate_naive_method`: predict the target `delay` rows ahead as its value at the window's last
 * timestep (`samples[:, -1, target]`, row r - lookback + (timesteps - 1) × step) and average the absolute error
 * over every window (Chollet averages over whole validation batches only, skipping the tail).
 *
 * @returns MAE in the units of the sampler's data. For normalised data multiply by `std[targetIndex]` to get the
 *   original units (Chollet: 0.29 × temperature_std ≈ 2.57 °C).
 */
export function commonSenseBaselineMae(sampler: WindowSampler): number {
  const { data, numFeatures: nf, targetIndex, lookback, step, delay, timesteps, count } = sampler;
  const lastOffset = -lookback + (timesteps - 1) * step;
  let sum = 0;
  const first = sampler.minIndex + lookback;
  for (let r = first; r < first + count; r++) {
    const predicted = data[(r + lastOffset) * nf + targetIndex] ?? 0;
    const actual = data[(r + delay) * nf + targetIndex] ?? 0;
    sum += Math.abs(predicted - actual);
  }
  return sum / count;
}

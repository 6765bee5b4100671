/**
 * What the data panel shows before training: a look at the rows or documents, the length histogram with the
 * cut-off, the series with its chronological split. Reads with the same loaders the engine uses, so an import
 * error here is the error training would hit.
 */
import type { DataSpec } from '../../shared/model-spec.js';
import type { DataPreview } from '../../shared/api.js';
import { describeCorpus, loadTextDataset } from '../data/text-dataset.js';
import { tokenize } from '../data/tokenizer.js';
import { readCsvFile } from '../data/csv.js';
import { loadTimeSeries, chronologicalSplit } from '../data/timeseries.js';
import { parseTimestamp, samplingInterval } from '../../shared/timestamps.js';

const HEAD_ROWS = 20;
const MAX_SERIES_POINTS = 1000;
const HISTOGRAM_BINS = 30;
// Token counts of this many documents are enough for a histogram; a 50,000-review folder stays quick.
const MAX_DOCS_FOR_HISTOGRAM = 20_000;

/** Histogram of integer lengths with equal-width bins from 0 to the 99.5th percentile (outliers in the last bin). */
export function lengthHistogram(
  lengths: number[],
  bins = HISTOGRAM_BINS,
): { from: number; to: number; count: number }[] {
  if (lengths.length === 0) return [];
  const sorted = [...lengths].sort((a, b) => a - b);
  const top = Math.max(1, sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.995))]!);
  const width = Math.max(1, Math.ceil((top + 1) / bins));
  const out = Array.from({ length: Math.ceil((top + 1) / width) }, (_, i) => ({
    from: i * width,
    to: (i + 1) * width,
    count: 0,
  }));
  for (const len of lengths) out[Math.min(out.length - 1, Math.floor(len / width))]!.count++;
  return out;
}

/** Reads `path` as `data` describes and summarises it for the UI. Throws DataError on bad input. */
export function previewData(data: DataSpec, path: string): DataPreview {
  if (data.kind === 'text') {
    const ds = loadTextDataset(path, {
      format: data.format,
      encoding: data.encoding,
      textColumn: data.textColumn,
      labelColumn: data.labelColumn,
      classes: data.classes,
    });
    const stride = Math.max(1, Math.ceil(ds.texts.length / MAX_DOCS_FOR_HISTOGRAM));
    const lengths: number[] = [];
    for (let i = 0; i < ds.texts.length; i += stride)
      lengths.push(
        tokenize(ds.texts[i]!, { lowercase: data.lowercase ?? true, stripHtml: data.stripHtml ?? true }).length,
      );
    const examples: { text: string; label: string }[] = [];
    for (let c = 0; c < ds.classNames.length; c++) {
      let taken = 0;
      for (let i = 0; i < ds.texts.length && taken < 3; i++) {
        if (ds.labels[i] !== c) continue;
        const t = ds.texts[i]!;
        examples.push({ text: t.length > 300 ? `${t.slice(0, 300)}…` : t, label: ds.classNames[c]! });
        taken++;
      }
    }
    return { ...describeCorpus(ds, path), examples, lengthHistogram: lengthHistogram(lengths) };
  }
  const table = readCsvFile(path, { encoding: data.encoding });
  const ts = loadTimeSeries(path, {
    dateColumn: data.dateColumn,
    features: data.features,
    target: data.target,
    encoding: data.encoding,
  });
  const F = ts.featureNames.length;
  const stride = Math.max(1, Math.ceil(ts.rows / MAX_SERIES_POINTS));
  const series: { row: number; value: number; time?: number }[] = [];
  for (let r = 0; r < ts.rows; r += stride) {
    const time = ts.dates ? parseTimestamp(ts.dates[r] ?? '') : null;
    series.push({ row: r, value: ts.data[r * F + ts.targetIndex]!, ...(time !== null ? { time } : {}) });
  }
  return {
    kind: 'timeseries',
    path,
    rows: ts.rows,
    columns: table.header,
    head: table.rows.slice(0, HEAD_ROWS),
    featureNames: ts.featureNames,
    target: ts.featureNames[ts.targetIndex]!,
    series,
    rowRanges: chronologicalSplit(ts.rows, { train: data.trainFraction ?? 0.5, val: data.valFraction ?? 0.25 }),
    samplingSeconds: ts.dates ? samplingInterval(ts.dates) : null,
  };
}
